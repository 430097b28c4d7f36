// store_seedstats.c: the seed statistics (see store_seedstats.h).
#include "store_seedstats.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "group.h"
#include "h5util.h"
#include "stats.h"
#include "store_layout.h"
#include "store_read.h"
#include "sweep.h"
#include "train.h"

// Rows of a curve, read a slice at a time: a setting's replicates are mostly neighbours, and
// one read per row cost more than the whole sweep for many tiny configs.
typedef struct {
    hid_t dset;
    int64_t lo, n, cap, n_rows, E;   // holds rows [lo, lo + n); cap rows fit
    double *rows;
} RowCache;

static int cache_init(RowCache *rc, hid_t dset, int64_t n_rows, int64_t E) {
    memset(rc, 0, sizeof *rc);
    rc->dset = dset;
    rc->n_rows = n_rows;
    rc->E = E ? E : 1;
    rc->cap = (1 << 17) / rc->E > 1 ? (1 << 17) / rc->E : 1;   // about 1 MB
    rc->rows = malloc((size_t)(rc->cap * rc->E) * sizeof *rc->rows);
    return rc->rows ? 0 : -1;
}

static int cached_row(RowCache *rc, int64_t row, double *out) {
    if (row < rc->lo || row >= rc->lo + rc->n) {
        int64_t n = rc->n_rows - row < rc->cap ? rc->n_rows - row : rc->cap;
        hid_t fsp = H5Dget_space(rc->dset);
        hsize_t off[2] = {(hsize_t)row, 0}, cnt[2] = {(hsize_t)n, (hsize_t)rc->E};
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        hid_t msp = H5Screate_simple(2, cnt, NULL);
        herr_t bad = H5Dread(rc->dset, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, rc->rows);
        H5Sclose(msp);
        H5Sclose(fsp);
        rc->n = 0;
        if (bad < 0) return -1;
        rc->lo = row;
        rc->n = n;
    }
    memcpy(out, rc->rows + (row - rc->lo) * rc->E, (size_t)rc->E * sizeof *out);
    return 0;
}

// Two doubles that are the same number, or both NaN (a NaN's bits may differ: the fill's, or
// the one a division made).
static int same_value(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)); }

static int same_values(const double *a, const double *b, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (!same_value(a[i], b[i])) return 0;
    return 1;
}

// Whether row k of a seed statistics dataset (E columns, or a /seed_stats row) holds what the
// configs give: *same cleared when not. 0, or -1 when it cannot be read.
static int check_rows(hid_t d, hid_t mem, int64_t k, int64_t cols, const void *want, void *got, size_t size,
                      int *same) {
    hid_t fsp = H5Dget_space(d);
    hsize_t off[2] = {(hsize_t)k, 0}, cnt[2] = {1, (hsize_t)cols};
    int rank = cols >= 0 ? 2 : 1;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    hid_t msp = H5Screate_simple(rank, cnt, NULL);
    memset(got, 0, size);
    herr_t rc = H5Dread(d, mem, msp, fsp, H5P_DEFAULT, got);
    H5Sclose(msp);
    H5Sclose(fsp);
    if (rc < 0) return -1;
    if (cols >= 0) {
        if (!same_values(want, got, cols)) *same = 0;
    } else {   // a /seed_stats row: its axes and counts bytewise (both zeroed first), its moments as numbers
        const SeedStatsRow *a = want, *b = got;
        size_t at = store_layout_seed_stats_moments();
        double ma[2 * N_STATS], mb[2 * N_STATS];
        memcpy(ma, a->bytes + at, sizeof ma);
        memcpy(mb, b->bytes + at, sizeof mb);
        if (memcmp(a->bytes, b->bytes, at) != 0 || !same_values(ma, mb, 2 * N_STATS)) *same = 0;
    }
    return 0;
}

// The seed statistics computed from the file's own rows, then written (check 0) or compared
// with what the file holds (check 1: *same says whether every row is as computed).
static int seed_stats(hid_t file, int check, int *same, char *err) {
    ConfigRow *configs;
    SummaryRow *summary;
    int64_t n;
    if (same) *same = 1;
    char path[512] = "the results file";   // for messages (store_read_tables names it too)
    H5Fget_name(file, path, sizeof path);
    int rc = store_read_tables(file, &configs, &summary, &n, err);
    if (rc) return rc;
    Groups g;
    int grouped = stats_group(&g, configs, summary, n, STATS_SETTING_AXES);
    if (grouped != 0) {
        free(configs); free(summary);
        return grouped == GROUP_ERR_ID ? fail(err, SWEEP_ERR_USAGE, "%s: /configs: its ids are not 0..%lld, each once", path,
                                              (long long)n - 1)
                                       : fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    }
    Task task = store_file_task(file);   // (v3) the columns' and curves' names
    hid_t table = H5Dopen2(file, "seed_stats", H5P_DEFAULT);
    hid_t mem = store_task_compound(store_layout_seed_stats_type(), task);
    hid_t curve[N_CURVES], stat[2 * N_CURVES];
    int bad = table < 0 || mem < 0, n_curves = store_n_curves(file);
    for (int c = 0; c < n_curves; c++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", train_curve_name(c, task == TASK_REGRESSION));
        bad |= (curve[c] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
    }
    for (int c = 0; c < 2 * n_curves; c++) {
        char name[96], renamed[64];
        store_task_name(STORE_SEED_CURVE_NAMES[c], task, renamed, sizeof renamed);
        snprintf(name, sizeof name, "seed_stats_curves/%s", renamed);
        bad |= (stat[c] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
    }
    int64_t E = 0;
    const char *shape = NULL;   // an object whose shape is not the configs'
    if (!bad) {
        hsize_t dims[2];
        hid_t sp = H5Dget_space(curve[0]);
        int ok = H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2 && (int64_t)dims[0] == n;
        H5Sclose(sp);
        if (!ok) shape = "/curves";
        E = ok ? (int64_t)dims[1] : 0;
        sp = H5Dget_space(table);
        ok = H5Sget_simple_extent_ndims(sp) == 1 && H5Sget_simple_extent_dims(sp, dims, NULL) == 1 && (int64_t)dims[0] == g.n_groups;
        H5Sclose(sp);
        if (!ok && !shape) shape = "/seed_stats";
        for (int c = 0; c < 2 * n_curves && !shape; c++) {
            sp = H5Dget_space(stat[c]);
            ok = H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2 &&
                 (int64_t)dims[0] == g.n_groups && (int64_t)dims[1] == E;
            H5Sclose(sp);
            if (!ok) shape = "/seed_stats_curves";
        }
    }
    // Members of every group, bucketed by group (counting sort), ids ascending.
    int64_t *start = calloc((size_t)g.n_groups + 1, sizeof *start), *member = malloc((size_t)(n ? n : 1) * sizeof *member);
    int64_t max_members = 0;
    for (int64_t k = 0; k < g.n_groups; k++) if (g.groups[k].n_configs > max_members) max_members = g.groups[k].n_configs;
    double *buf = malloc((size_t)((max_members ? max_members : 1) * (E ? E : 1)) * sizeof *buf);
    double *mean = malloc((size_t)(E ? E : 1) * sizeof *mean), *sd = malloc((size_t)(E ? E : 1) * sizeof *sd);
    double *got = malloc((size_t)(E ? E : 1) * sizeof *got);
    RowCache cache[N_CURVES];
    int no_cache = 0;
    for (int c = 0; c < n_curves; c++) no_cache |= cache_init(&cache[c], bad ? -1 : curve[c], n, E) != 0;
    if (bad) rc = fail(err, SWEEP_ERR_USAGE, "%s: results file without the seed statistics objects", path);
    else if (shape) rc = fail(err, SWEEP_ERR_USAGE, "%s: %s: its shape is not the one its %lld configs in %lld settings give",
                              path, shape, (long long)n, (long long)g.n_groups);
    else if (!start || !member || !buf || !mean || !sd || !got || no_cache) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    if (rc == SWEEP_OK) {
        for (int64_t i = 0; i < n; i++) start[g.group_of[i] + 1]++;
        for (int64_t k = 0; k < g.n_groups; k++) start[k + 1] += start[k];
        int64_t *fill = calloc((size_t)g.n_groups + 1, sizeof *fill);
        if (!fill) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        for (int64_t i = 0; fill && i < n; i++) member[start[g.group_of[i]] + fill[g.group_of[i]]++] = i;
        free(fill);
    }
    h5util_errno_clear();
    int io = 0;   // a read or write failed
    for (int64_t k = 0; rc == SWEEP_OK && !io && k < g.n_groups; k++) {
        SeedStatsRow row, file_row;
        store_layout_seed_stats_row(&row, k, &g.groups[k], &configs[g.groups[k].first]);
        if (check) io |= check_rows(table, mem, k, -1, &row, &file_row, sizeof file_row, same) != 0;
        else io |= h5util_write_rows(table, mem, k, 1, -1, &row, H5P_DEFAULT) != 0;
        for (int c = 0; !io && c < n_curves; c++) {
            int64_t m = 0;
            for (int64_t j = start[k]; j < start[k + 1]; j++) {
                if (summary[member[j]].status != STATUS_DONE) continue;
                if (cached_row(&cache[c], member[j], buf + m * E) != 0) io = 1;
                m++;
            }
            for (int64_t e = 0; e < E; e++) stats_moments(buf + e, m, E, &mean[e], &sd[e]);   // per epoch
            if (check) {
                io |= check_rows(stat[2 * c], H5T_NATIVE_DOUBLE, k, E, mean, got, (size_t)E * sizeof *got, same) != 0;
                io |= check_rows(stat[2 * c + 1], H5T_NATIVE_DOUBLE, k, E, sd, got, (size_t)E * sizeof *got, same) != 0;
            } else {
                io |= h5util_write_rows(stat[2 * c], H5T_NATIVE_DOUBLE, k, 1, -1, mean, H5P_DEFAULT) != 0;
                io |= h5util_write_rows(stat[2 * c + 1], H5T_NATIVE_DOUBLE, k, 1, -1, sd, H5P_DEFAULT) != 0;
            }
        }
        if (check && !*same) break;   // one difference is enough
    }
    if (io) rc = fail(err, SWEEP_ERR_RUNTIME, "%s: cannot %s the seed statistics: %s", path, check ? "read" : "write",
                      h5util_strerror());
    free(start); free(member); free(buf); free(mean); free(sd); free(got);
    for (int c = 0; c < n_curves; c++) free(cache[c].rows);
    if (table >= 0) H5Dclose(table);
    for (int c = 0; c < n_curves; c++) if (curve[c] >= 0) H5Dclose(curve[c]);
    for (int c = 0; c < 2 * n_curves; c++) if (stat[c] >= 0) H5Dclose(stat[c]);
    H5Tclose(mem);
    stats_free(&g);
    free(configs);
    free(summary);
    return rc;
}

int store_write_seed_stats(hid_t file, char *err) { return seed_stats(file, 0, NULL, err); }

int store_seed_stats_current(hid_t file, int *same, char *err) { return seed_stats(file, 1, same, err); }
