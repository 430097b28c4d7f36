// test_fuzz_results_seeds.c: the results-file fuzzer's seeds (real results files), replayed
// through its readers (tests/fuzz/fuzz_results.c: report, compare, the store's readers) as
// the fuzzer runs them. The inputs it crashed on (tests/fuzz/regressions/results/) are
// replayed by tests/test_damaged_files.py instead, each in its own process: a crash inside
// HDF5 itself, which no fix of ours ends, must not take the unit tests down.
#define FUZZ_RESULTS_REPLAY
#include "../fuzz/fuzz_results.c"

#include "check.h"
#include <dirent.h>

// Runs every file in dir through the fuzz target, its output to /dev/null; returns how many.
static int replay(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fflush(stdout);
        fflush(stderr);
        int out = dup(STDOUT_FILENO), errfd = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO), dup2(null, STDERR_FILENO);
        LLVMFuzzerTestOneInput(buf, n);
        fflush(stdout);
        fflush(stderr);
        if (out >= 0) dup2(out, STDOUT_FILENO), close(out);
        if (errfd >= 0) dup2(errfd, STDERR_FILENO), close(errfd);
        if (null >= 0) close(null);
        count++;
    }
    closedir(d);
    return count;
}

// The seeds are real results files: each opens and its tables read whole.
static void seeds_open_and_read_whole(void) {
    CHECK(replay("tests/fuzz/seeds/results") >= 3);
    DIR *d = opendir("tests/fuzz/seeds/results");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "tests/fuzz/seeds/results/%s", e->d_name);
        hid_t file;
        char err[ERR_LEN];
        CHECK(store_open_read(path, &file, err) == SWEEP_OK);
        ConfigRow *c = NULL;
        SummaryRow *s = NULL;
        int64_t n = 0;
        CHECK(store_read_tables(file, &c, &s, &n, err) == SWEEP_OK && n > 0);
        free(c);
        free(s);
        H5Fclose(file);
    }
    if (d) closedir(d);
}

int main(void) {
    RUN(seeds_open_and_read_whole);
    return CHECK_SUMMARY();
}
