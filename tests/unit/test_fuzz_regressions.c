// test_fuzz_regressions.c: every input the fuzzers ever crashed on, kept and replayed through
// the same code paths (under `make asan` with the sanitizers that found them).
#include "check.h"
#include <dirent.h>
#include <stdlib.h>
#include "data.h"
#include "spec.h"
#include "sweep.h"

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    *n = buf ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    return buf;
}

// Runs fn on every file in dir; returns how many it ran.
static int replay(const char *dir, int (*fn)(const char *, size_t)) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *buf = slurp(path, &n);
        if (!buf) continue;
        int rc = fn(buf, n);
        if (rc != 0 && rc != SWEEP_ERR_USAGE) fprintf(stderr, "  %s: rc %d\n", path, rc);
        CHECK(rc == 0 || rc == SWEEP_ERR_USAGE);
        free(buf);
        count++;
    }
    closedir(d);
    return count;
}

static int parse_spec(const char *buf, size_t n) {
    Spec s;
    memset(&s, 0, sizeof s);
    char err[ERR_LEN] = "";
    int rc = spec_parse(&s, "regression.yaml", buf, n, err);
    CHECK(rc == 0 || strchr(err, '\n') == NULL);
    spec_free(&s);
    return rc;
}

static int parse_csv(const char *buf, size_t n) {
    Table t;
    memset(&t, 0, sizeof t);
    char err[ERR_LEN] = "";
    int rc = data_parse_csv(&t, buf, n, "regression.csv", NULL, NULL, err);
    if (rc == 0) {
        Dataset d;
        memset(&d, 0, sizeof d);
        if (data_prepare(&d, &t, 0.25, 7, SCALE_STANDARD, err) == 0) data_free(&d);
    }
    data_free_table(&t);
    return rc;
}

static void spec_regressions_and_seeds_parse_or_fail_cleanly(void) {
    int n = replay("tests/fuzz/regressions/spec", parse_spec) + replay("tests/fuzz/seeds/spec", parse_spec);
    CHECK(n > 10);
}

static void csv_regressions_and_seeds_parse_or_fail_cleanly(void) {
    int n = replay("tests/fuzz/regressions/csv", parse_csv) + replay("tests/fuzz/seeds/csv", parse_csv);
    CHECK(n > 3);
}

int main(void) {
    RUN(spec_regressions_and_seeds_parse_or_fail_cleanly);
    RUN(csv_regressions_and_seeds_parse_or_fail_cleanly);
    return CHECK_SUMMARY();
}
