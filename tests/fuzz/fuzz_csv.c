// fuzz_csv.c: libFuzzer target for the CSV loader and the split that follows it.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "data.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t n) {
    Table t;
    memset(&t, 0, sizeof t);
    char err[ERR_LEN];
    err[0] = '\0';
    int rc = data_parse_csv(&t, (const char *)bytes, n, "fuzz.csv", NULL, err);
    if (rc == 0) {
        Dataset d;
        memset(&d, 0, sizeof d);
        if (data_prepare(&d, &t, 0.25, 7, SCALE_STANDARD, err) == 0) data_free(&d);
    } else if (strchr(err, '\n')) {
        __builtin_trap();   // an error is one line
    }
    data_free_table(&t);
    return 0;
}
