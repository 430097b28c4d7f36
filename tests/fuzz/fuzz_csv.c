// fuzz_csv.c: libFuzzer target for the CSV loader and what follows it: the label column read
// as each task asks (auto, binary, multiclass, regression; with or without a classes list and
// target scaling), the split, the folds and every split's view. The request is chosen from a
// hash of the input, so the bytes themselves stay a plain CSV. Any bytes must give 0 or an
// error line, never a crash, a leak or undefined behaviour.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "sweep.h"

static void trap_unless_one_line(const char *err) {
    if (strchr(err, '\n')) __builtin_trap();   // an error is one line
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ bytes[i]) * 1099511628211u;
    static const char *const classes[] = {"1", "0", "setosa", "2.5"};
    TaskRequest req = TASK_REQUEST_AUTO;
    req.task = (int)(h % 5) - 1;                                     // auto, binary, multiclass, regression
    req.target_scale = (h >> 3) % 2 ? TARGET_SCALE_NONE : TARGET_SCALE_STANDARD;
    if ((h >> 4) % 4 == 0) req.classes = classes, req.n_classes = 1 + (int64_t)((h >> 6) % 4);
    Table t;
    memset(&t, 0, sizeof t);
    char err[ERR_LEN];
    err[0] = '\0';
    int rc = data_parse_csv(&t, (const char *)bytes, n, "fuzz.csv", NULL, &req, err);
    if (rc == 0) {
        if (t.task != TASK_REGRESSION && (t.n_classes < 2 || !t.class_names)) __builtin_trap();
        Dataset d;
        memset(&d, 0, sizeof d);
        int64_t K = 2 + (int64_t)((h >> 8) % 3);
        if (data_prepare(&d, &t, 0.25, 7, SCALE_STANDARD, err) == 0 && K <= data_smallest_class(&d, NULL) &&
            data_folds(&d, &t, K, 1 + (int64_t)((h >> 10) % 2), 7, SCALE_STANDARD, err) == 0) {
            double *buf = malloc((size_t)data_view_doubles(&d) * sizeof *buf);
            for (int64_t r = 0; buf && r < d.n_repeats; r++)
                for (int64_t k = 0; k < d.n_folds; k++) {
                    DataView v;
                    data_view(&d, r, k, buf, &v);
                    if (v.n_fit + v.n_val != d.n_train) __builtin_trap();
                }
            free(buf);
        }
        trap_unless_one_line(err);
        data_free(&d);
    } else {
        if (rc != 1 && rc != 2) __builtin_trap();
        trap_unless_one_line(err);
    }
    data_free_table(&t);
    return 0;
}
