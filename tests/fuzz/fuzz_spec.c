// fuzz_spec.c: libFuzzer target for the spec parser. Any bytes must give 0 or an error line,
// never a crash, a leak or undefined behaviour.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "spec.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t n) {
    Spec s;
    memset(&s, 0, sizeof s);
    char err[ERR_LEN];
    err[0] = '\0';
    int rc = spec_parse(&s, "fuzz.yaml", (const char *)bytes, n, err);
    if (rc == 0) spec_check_data(&s, 455, err);
    else if (strchr(err, '\n')) __builtin_trap();   // an error is one line
    spec_free(&s);
    return 0;
}
