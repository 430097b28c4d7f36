// data_builtin.c: the built-in data sets, compiled into the binary so that sweep runs from
// any directory, each with its own task and classes (DESIGN section 7). The CSV text is pulled
// in by the assembler (.incbin), followed by a NUL byte so it is also a C string, and by its
// size in bytes (without the NUL) as a 64-bit word.
//
// The .incbin path is relative to the directory the compiler runs in: the Makefile (and the
// standalone test command) compile from the repository root. Plain GNU as / LLVM integrated
// assembler directives only, so this works with gcc and clang on x86-64 and aarch64 Linux.
//
// The sets are the classic tables scikit-learn ships (sklearn.datasets.load_*), as plain CSV
// with the same row order and decimal text, the label or target in the last column:
//   breast_cancer  569 x 30, `benign` 1 (357) / 0 malignant (212): binary. Wisconsin
//                  Diagnostic Breast Cancer (W. H. Wolberg, W. N. Street, O. L. Mangasarian,
//                  1995), UCI ML Repository, CC BY 4.0.
//   iris           150 x 4, `species` setosa, versicolor, virginica (50 each): multiclass.
//                  R. A. Fisher (1936), UCI ML Repository, CC BY 4.0.
//   wine           178 x 13, `cultivar` 1 (59), 2 (71), 3 (48), the UCI coding: multiclass.
//                  Forina et al., PARVUS (1988), UCI ML Repository, CC BY 4.0.
//   digits         1797 x 64 (8x8 pixel counts 0 to 16, some always 0), `digit` 0 to 9:
//                  multiclass. Optical Recognition of Handwritten Digits (E. Alpaydin,
//                  C. Kaynak, 1998), UCI ML Repository test part, CC BY 4.0.
//   diabetes       442 x 10 (raw, unscaled: age, sex, bmi, bp, six serum measurements),
//                  `progression` one year after baseline, integers 25 to 346: regression.
//                  B. Efron, T. Hastie, I. Johnstone, R. Tibshirani, "Least Angle
//                  Regression", Annals of Statistics 32 (2004).
#include "data_builtin.h"

#include "data.h"

#include <string.h>

#define EMBED(name)                                                  \
    "    .section .rodata\n"                                         \
    "    .balign 16\n"                                               \
    "    .global sweep_" #name "_csv\n"                              \
    "    .hidden sweep_" #name "_csv\n"                              \
    "sweep_" #name "_csv:\n"                                         \
    "    .incbin \"src/" #name ".csv\"\n"                            \
    ".Lsweep_" #name "_csv_end:\n"                                   \
    "    .byte 0\n"                                                  \
    "    .balign 8\n"                                                \
    "    .global sweep_" #name "_csv_size\n"                         \
    "    .hidden sweep_" #name "_csv_size\n"                         \
    "sweep_" #name "_csv_size:\n"                                    \
    "    .quad .Lsweep_" #name "_csv_end - sweep_" #name "_csv\n"    \
    "    .previous\n"

__asm__(EMBED(breast_cancer) EMBED(iris) EMBED(wine) EMBED(digits) EMBED(diabetes));

#define HIDDEN __attribute__((visibility("hidden")))
#define DECLARE(name)                                   \
    extern HIDDEN const char sweep_##name##_csv[];     \
    extern HIDDEN const uint64_t sweep_##name##_csv_size;
DECLARE(breast_cancer)
DECLARE(iris)
DECLARE(wine)
DECLARE(digits)
DECLARE(diabetes)

static const char *const IRIS_CLASSES[] = {"setosa", "versicolor", "virginica"};

// The order is DATA_BUILTIN_NAMES's.
static const DataBuiltin BUILTINS[DATA_N_BUILTINS] = {
    {"breast_cancer", "benign", TASK_BINARY, NULL, 0, sweep_breast_cancer_csv, &sweep_breast_cancer_csv_size},
    {"iris", "species", TASK_MULTICLASS, IRIS_CLASSES, 3, sweep_iris_csv, &sweep_iris_csv_size},
    {"wine", "cultivar", TASK_MULTICLASS, NULL, 0, sweep_wine_csv, &sweep_wine_csv_size},
    {"digits", "digit", TASK_MULTICLASS, NULL, 0, sweep_digits_csv, &sweep_digits_csv_size},
    {"diabetes", "progression", TASK_REGRESSION, NULL, 0, sweep_diabetes_csv, &sweep_diabetes_csv_size},
};

const char *const DATA_BUILTIN_NAMES[DATA_N_BUILTINS] = {"breast_cancer", "iris", "wine", "digits", "diabetes"};

const DataBuiltin *data_builtin(const char *name) {
    for (int i = 0; name && i < DATA_N_BUILTINS; i++)
        if (strcmp(name, BUILTINS[i].name) == 0) return &BUILTINS[i];
    return NULL;
}
