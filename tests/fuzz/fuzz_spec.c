// fuzz_spec.c: libFuzzer target for the spec parser. Any bytes must give 0 or an error line,
// never a crash, a leak or undefined behaviour.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "spec.h"
#include "sweep.h"

// The checks against data see the breast cancer training part: 170 rows of class 0, 285 of 1.
static Dataset training_part(double *y) {
    Dataset d;
    memset(&d, 0, sizeof d);
    d.n_train = 455;
    d.n_folds = d.n_repeats = 1;
    for (int i = 0; i < 455; i++) y[i] = i < 170 ? 0.0 : 1.0;
    d.y_train = y;
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t n) {
    double y[455];
    Dataset d = training_part(y);
    Spec s;
    memset(&s, 0, sizeof s);
    char err[ERR_LEN];
    err[0] = '\0';
    int rc = spec_parse(&s, "fuzz.yaml", (const char *)bytes, n, err);
    if (rc == 0 && spec_check_data(&s, &d, err) != 0 && strchr(err, '\n')) __builtin_trap();
    else if (strchr(err, '\n')) __builtin_trap();   // an error is one line
    spec_free(&s);
    return 0;
}
