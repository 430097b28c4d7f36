// fuzz_results.c: libFuzzer target for the results-file readers. The input is written to a
// temporary file, which then goes through what `sweep report` and `sweep compare` read
// (store_open_read, the root attributes, store_read_tables, store_read_splits, the ranking,
// the tables they print) and what `--resume` and `--dry-run --resume` look at first
// (store_peek, h5util_read_slice, store_format_version, store_n_curves). Seeds: real results
// files from tiny specs (tests/fuzz/seeds/results/, made by tests/fuzz/make_results_seeds.sh);
// tests/unit/test_fuzz_results_seeds.c replays them, tests/test_damaged_files.py the kept
// crashes (tests/fuzz/regressions/results/).
//
// A crash inside libhdf5 itself (HDF5 1.10 is not hardened against damaged files) shows in
// the report's frames as libhdf5_serial.so; tests/damaged/damage.py classifies them.
// Besides crashes, an HDF5 object left open after a reader returns is a bug here: it keeps
// the file open (and, across many files, grows the process): FUZZ_RESULTS_LEAKS=1 traps on it.
#include <fcntl.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compare.h"
#include "report.h"
#include "store.h"
#include "sweep.h"

static char g_path[64];
static int g_trap_leaks;

static void setup(void) {
    snprintf(g_path, sizeof g_path, "/tmp/fuzz_results-%d.h5", (int)getpid());
#ifndef FUZZ_RESULTS_REPLAY   // the unit test that replays the seeds keeps its own stdout
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {   // the reports' tables are not the point, and would flood the terminal
        dup2(null, STDOUT_FILENO);
        close(null);
    }
#endif
    const char *leaks = getenv("FUZZ_RESULTS_LEAKS");
    g_trap_leaks = leaks && strcmp(leaks, "1") == 0;
}

static int write_input(const uint8_t *bytes, size_t n) {
    int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, bytes + done, n - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    close(fd);
    return done == n ? 0 : -1;
}

static void check_closed(const char *after) {
    ssize_t open_ids = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids > 0 && g_trap_leaks) {
        fprintf(stderr, "fuzz_results: %zd HDF5 objects left open after %s\n", open_ids, after);
        __builtin_trap();
    }
    if (open_ids > 0) H5close();   // start the next input from a clean library
}

// The direct readers, as report, compare and resume's first look use them.
static void readers(void) {
    hid_t file;
    char err[ERR_LEN];
    if (store_open_read(g_path, &file, err) != SWEEP_OK) {
        if (strchr(err, '\n')) __builtin_trap();   // an error is one line
        return;
    }
    free(h5util_attr_get(file, "name"));
    free(h5util_attr_get(file, "status"));
    free(h5util_attr_get(file, "spec"));
    char shard[32];
    h5util_attr_read(file, "shard", shard, sizeof shard);
    (void)store_format_version(file);
    (void)store_n_curves(file);
    StoreSplits sp;
    (void)store_read_splits(file, &sp);
    ConfigRow *configs = NULL;
    SummaryRow *summary = NULL;
    int64_t n = 0;
    if (store_read_tables(file, &configs, &summary, &n, err) == SWEEP_OK && n > 0 && n < (1 << 20)) {
        uint8_t *status = malloc((size_t)n);
        hid_t t = store_status_type();
        if (status) (void)h5util_read_slice(file, "summary", t, 0, n, status);
        H5Tclose(t);
        H5Fclose(file);
        file = -1;
        if (status) (void)store_peek(g_path, n, status, shard, sizeof shard);
        free(status);
    } else if (strchr(err, '\n')) {
        __builtin_trap();
    }
    free(configs);
    free(summary);
    if (file >= 0) H5Fclose(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t n) {
    if (!g_path[0]) setup();
    if (write_input(bytes, n) != 0) return 0;
    readers();
    check_closed("the readers");
    char *report[] = {"report", g_path, NULL};
    char *report_csv[] = {"report", "--csv", "--by", "hidden_dim", "--metric", "final_test_acc", g_path, NULL};
    char *compare[] = {"compare", g_path, NULL};
    char *compare_by[] = {"compare", "--by", "learning_rate", "--rope", "0.01", g_path, NULL};
    (void)report_main(2, report);
    check_closed("sweep report");
    (void)report_main(7, report_csv);
    check_closed("sweep report --csv");
    (void)compare_main(2, compare);
    check_closed("sweep compare");
    (void)compare_main(6, compare_by);
    check_closed("sweep compare --by");
    unlink(g_path);
    return 0;
}
