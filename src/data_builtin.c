// data_builtin.c: the built-in data sets, compiled into the binary so that sweep runs from
// any directory. The CSV text is pulled in by the assembler (.incbin), followed by a NUL byte
// so it is also a C string, and by its size in bytes (without the NUL) as a 64-bit word.
//
// The .incbin path is relative to the directory the compiler runs in: the Makefile (and the
// standalone test command) compile from the repository root. Plain GNU as / LLVM integrated
// assembler directives only, so this works with gcc and clang on x86-64 and aarch64 Linux.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

__asm__(
    "    .section .rodata\n"
    "    .balign 16\n"
    "    .global sweep_breast_cancer_csv\n"
    "    .hidden sweep_breast_cancer_csv\n"
    "sweep_breast_cancer_csv:\n"
    "    .incbin \"src/breast_cancer.csv\"\n"
    ".Lsweep_breast_cancer_csv_end:\n"
    "    .byte 0\n"
    "    .balign 8\n"
    "    .global sweep_breast_cancer_csv_size\n"
    "    .hidden sweep_breast_cancer_csv_size\n"
    "sweep_breast_cancer_csv_size:\n"
    "    .quad .Lsweep_breast_cancer_csv_end - sweep_breast_cancer_csv\n"
    "    .previous\n");

#define HIDDEN __attribute__((visibility("hidden")))
extern HIDDEN const char sweep_breast_cancer_csv[];
extern HIDDEN const uint64_t sweep_breast_cancer_csv_size;

// The text of built-in source `name` and its length, or NULL if there is none of that name.
// No header: data.c, its only user, declares it.
const char *data_builtin_text(const char *name, size_t *len);

const char *data_builtin_text(const char *name, size_t *len) {
    if (name && strcmp(name, "breast_cancer") == 0) {
        if (len) *len = (size_t)sweep_breast_cancer_csv_size;
        return sweep_breast_cancer_csv;
    }
    return NULL;
}
