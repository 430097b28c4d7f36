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

__asm__(EMBED(breast_cancer));

#define HIDDEN __attribute__((visibility("hidden")))
#define DECLARE(name)                                   \
    extern HIDDEN const char sweep_##name##_csv[];     \
    extern HIDDEN const uint64_t sweep_##name##_csv_size;
DECLARE(breast_cancer)

// The order is DATA_BUILTIN_NAMES's.
static const DataBuiltin BUILTINS[DATA_N_BUILTINS] = {
    {"breast_cancer", "benign", TASK_BINARY, NULL, 0, sweep_breast_cancer_csv, &sweep_breast_cancer_csv_size},
};

const char *const DATA_BUILTIN_NAMES[DATA_N_BUILTINS] = {"breast_cancer"};

const DataBuiltin *data_builtin(const char *name) {
    for (int i = 0; name && i < DATA_N_BUILTINS; i++)
        if (strcmp(name, BUILTINS[i].name) == 0) return &BUILTINS[i];
    return NULL;
}
