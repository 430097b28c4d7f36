// store_seedstats.c: the seed statistics (see store_seedstats.h).
#include "store_seedstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int store_write_seed_stats(hid_t file, char *err) {
    ConfigRow *configs;
    SummaryRow *summary;
    int64_t n;
    int rc = store_read_tables(file, &configs, &summary, &n, err);
    if (rc) return rc;
    Groups g;
    if (stats_group(&g, configs, summary, n, STATS_SETTING_AXES) != 0) {
        free(configs); free(summary);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
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
    if (!bad) {
        hid_t sp = H5Dget_space(curve[0]);
        hsize_t dims[2];
        H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        E = (int64_t)dims[1];
    }
    // Members of every group, bucketed by group (counting sort), ids ascending.
    int64_t *start = calloc((size_t)g.n_groups + 1, sizeof *start), *member = malloc((size_t)(n ? n : 1) * sizeof *member);
    int64_t max_members = 0;
    for (int64_t k = 0; k < g.n_groups; k++) if (g.groups[k].n_configs > max_members) max_members = g.groups[k].n_configs;
    double *buf = malloc((size_t)((max_members ? max_members : 1) * (E ? E : 1)) * sizeof *buf);
    double *mean = malloc((size_t)(E ? E : 1) * sizeof *mean), *sd = malloc((size_t)(E ? E : 1) * sizeof *sd);
    RowCache cache[N_CURVES];
    int no_cache = 0;
    for (int c = 0; c < n_curves; c++) no_cache |= cache_init(&cache[c], bad ? -1 : curve[c], n, E) != 0;
    if (bad) rc = fail(err, SWEEP_ERR_USAGE, "results file without the seed statistics objects");
    else if (!start || !member || !buf || !mean || !sd || no_cache) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    if (rc == SWEEP_OK) {
        for (int64_t i = 0; i < n; i++) start[g.group_of[i] + 1]++;
        for (int64_t k = 0; k < g.n_groups; k++) start[k + 1] += start[k];
        int64_t *fill = calloc((size_t)g.n_groups + 1, sizeof *fill);
        if (!fill) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        for (int64_t i = 0; fill && i < n; i++) member[start[g.group_of[i]] + fill[g.group_of[i]]++] = i;
        free(fill);
    }
    for (int64_t k = 0; rc == SWEEP_OK && k < g.n_groups; k++) {
        SeedStatsRow row;
        store_layout_seed_stats_row(&row, k, &g.groups[k], &configs[g.groups[k].first]);
        if (h5util_write_rows(table, mem, k, 1, -1, &row, H5P_DEFAULT) != 0) rc = -1;
        for (int c = 0; rc == SWEEP_OK && c < n_curves; c++) {
            int64_t m = 0;
            for (int64_t j = start[k]; j < start[k + 1]; j++) {
                if (summary[member[j]].status != STATUS_DONE) continue;
                if (cached_row(&cache[c], member[j], buf + m * E) != 0) rc = -1;
                m++;
            }
            for (int64_t e = 0; e < E; e++) stats_moments(buf + e, m, E, &mean[e], &sd[e]);   // per epoch
            rc |= h5util_write_rows(stat[2 * c], H5T_NATIVE_DOUBLE, k, 1, -1, mean, H5P_DEFAULT);
            rc |= h5util_write_rows(stat[2 * c + 1], H5T_NATIVE_DOUBLE, k, 1, -1, sd, H5P_DEFAULT);
        }
        if (rc != SWEEP_OK) rc = fail(err, SWEEP_ERR_RUNTIME, "cannot write the seed statistics (disk full?)");
    }
    free(start); free(member); free(buf); free(mean); free(sd);
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

