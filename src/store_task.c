// store_task.c: the task in a results file (see store_task.h).
#include "store_task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "h5util.h"
#include "sweep.h"

// ---------------------------------------------------------------------------------------
// Names.

const char *store_task_name(const char *name, Task task, char *out, size_t cap) {
    const char *at = NULL;
    if (task == TASK_REGRESSION)
        for (const char *p = strstr(name, "_acc"); p && !at; p = strstr(p + 1, "_acc"))
            if (p[4] == '\0' || p[4] == '_') at = p;
    if (!at) snprintf(out, cap, "%s", name);
    else snprintf(out, cap, "%.*s_r2%s", (int)(at - name), name, at + 4);
    return out;
}

hid_t store_task_compound(hid_t type, Task task) {
    if (type < 0 || task != TASK_REGRESSION) return type;
    int n = H5Tget_nmembers(type);
    hid_t out = n >= 0 ? H5Tcreate(H5T_COMPOUND, H5Tget_size(type)) : -1;
    for (int i = 0; out >= 0 && i < n; i++) {
        char *name = H5Tget_member_name(type, (unsigned)i), renamed[256];
        hid_t mt = H5Tget_member_type(type, (unsigned)i);
        if (!name || mt < 0 ||
            H5Tinsert(out, store_task_name(name, task, renamed, sizeof renamed), H5Tget_member_offset(type, (unsigned)i),
                      mt) < 0) {
            H5Tclose(out);
            out = -1;
        }
        if (mt >= 0) H5Tclose(mt);
        if (name) H5free_memory(name);
    }
    H5Tclose(type);
    return out;
}

void store_task_describe(Task task, int64_t n_classes, char *const *class_names, char *out, size_t cap) {
    size_t used = (size_t)snprintf(out, cap, "%s", task_name(task));
    if (task == TASK_REGRESSION || n_classes <= 0 || used >= cap) return;
    used += (size_t)snprintf(out + used, cap - used, ", %lld classes", (long long)n_classes);
    if (!class_names) return;
    enum { SHOWN = 8 };   // the first few, then the last
    for (int64_t c = 0; c < n_classes && used < cap; c++) {
        if (n_classes > SHOWN + 2 && c == SHOWN) {
            used += (size_t)snprintf(out + used, cap - used, ", ...");
            c = n_classes - 2;
            continue;
        }
        used += (size_t)snprintf(out + used, cap - used, "%s%s", c ? ", " : ": ", class_names[c] ? class_names[c] : "?");
    }
}

// ---------------------------------------------------------------------------------------
// Writing.

int store_task_write(hid_t g, const Dataset *d) {
    int rc = h5util_attr_set(g, "task", task_name(d->task));
    rc |= h5util_attr_put_i64(g, "n_classes", d->task == TASK_REGRESSION ? 0 : d->n_classes);
    if (d->task != TASK_REGRESSION) {
        hid_t st = h5util_string_type();
        rc |= h5util_write_all(g, "classes", st, st, d->n_classes, d->class_names);
        H5Tclose(st);
        return rc;
    }
    rc |= h5util_attr_put_f64(g, "target_offset", d->target_offset);
    rc |= h5util_attr_put_f64(g, "target_scale", d->target_scale);
    if (d->n_folds >= 2) {
        int64_t J = d->n_repeats * d->n_folds;
        rc |= h5util_write_all(g, "split_target_offset", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->split_target_offset);
        rc |= h5util_write_all(g, "split_target_scale", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->split_target_scale);
    }
    return rc;
}

// ---------------------------------------------------------------------------------------
// Reading.

static int attr_f64(hid_t obj, const char *name, double *v) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t sp = H5Aget_space(a);
    int ok = H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0;
    H5Sclose(sp);
    H5Aclose(a);
    return ok ? 0 : -1;
}

// /data/classes: exactly n strings, none NULL. 0 or -1.
static int read_classes(hid_t file, int64_t n, char ***out) {
    *out = NULL;
    hid_t d = H5Lexists(file, "data/classes", H5P_DEFAULT) > 0 ? H5Dopen2(file, "data/classes", H5P_DEFAULT) : -1;
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d), ft = H5Dget_type(d), st = h5util_string_type();
    int ok = H5Sget_simple_extent_ndims(sp) == 1 && H5Sget_simple_extent_npoints(sp) == n &&
             H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0;
    char **names = ok ? calloc((size_t)(n ? n : 1), sizeof *names) : NULL;
    ok = names && H5Dread(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0;
    char **copy = ok ? calloc((size_t)(n ? n : 1), sizeof *copy) : NULL;
    for (int64_t i = 0; ok && i < n; i++) ok = names[i] && (copy[i] = strdup(names[i])) != NULL;
    if (names && ok) H5Dvlen_reclaim(st, sp, H5P_DEFAULT, names);
    else if (names) {   // a failed read leaves nothing to reclaim but what it filled
        for (int64_t i = 0; i < n; i++) H5free_memory(names[i]);
    }
    free(names);
    H5Tclose(st);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(d);
    if (!ok) {
        for (int64_t i = 0; copy && i < n; i++) free(copy[i]);
        free(copy);
        return -1;
    }
    *out = copy;
    return 0;
}

void store_task_free(StoreTask *t) {
    for (int64_t i = 0; t->class_names && i < t->n_classes; i++) free(t->class_names[i]);
    free(t->class_names);
    memset(t, 0, sizeof *t);
}

int store_task_read(hid_t file, StoreTask *t, char *err) {
    memset(t, 0, sizeof *t);
    t->task = TASK_BINARY;
    t->n_classes = 2;
    t->n_out = 1;
    t->target_scale = 1.0;
    hid_t g = H5Gopen2(file, "data", H5P_DEFAULT);
    if (g < 0) return fail(err, SWEEP_ERR_USAGE, "/data: missing");
    int rc = SWEEP_OK;
    char name[64];
    if (H5Aexists(g, "task") > 0) {   // format_version 3
        int task = -1;
        int64_t K = -1;
        if (h5util_attr_read(g, "task", name, sizeof name) != 0 || task_parse(name, &task) != 0 || task < 0)
            rc = fail(err, SWEEP_ERR_USAGE, "/data: attribute task is \"%s\", expected binary, multiclass or regression",
                      name);
        else if (h5util_attr_i64(g, "n_classes", &K) != 0 ||
                 (task == TASK_BINARY && K != 2) || (task == TASK_MULTICLASS && (K < 2 || K > TASK_MAX_CLASSES)) ||
                 (task == TASK_REGRESSION && K != 0))
            rc = fail(err, SWEEP_ERR_USAGE, "/data: attribute n_classes is %lld, which does not fit task %s",
                      (long long)K, task_name(task));
        if (rc == SWEEP_OK) {
            t->task = (Task)task;
            t->n_classes = K;
            t->n_out = task == TASK_MULTICLASS ? K : 1;
        }
        if (rc == SWEEP_OK && task != TASK_REGRESSION && read_classes(file, K, &t->class_names) != 0)
            rc = fail(err, SWEEP_ERR_USAGE, "/data/classes: expected %lld strings, the classes' names", (long long)K);
        if (rc == SWEEP_OK && task == TASK_REGRESSION &&
            (attr_f64(g, "target_offset", &t->target_offset) != 0 || attr_f64(g, "target_scale", &t->target_scale) != 0 ||
             !isfinite(t->target_offset) || !isfinite(t->target_scale)))
            rc = fail(err, SWEEP_ERR_USAGE, "/data: attributes target_offset and target_scale: expected two finite numbers");
    }
    H5Gclose(g);
    if (rc != SWEEP_OK) store_task_free(t);
    return rc;
}

Task store_file_task(hid_t file) {
    StoreTask t;
    char err[ERR_LEN];
    Task task = store_task_read(file, &t, err) == SWEEP_OK ? t.task : TASK_BINARY;
    store_task_free(&t);
    return task;
}

// ---------------------------------------------------------------------------------------
// Matching a Dataset.

int store_task_matches(hid_t file, const Dataset *d, char *why, size_t cap) {
    StoreTask t;
    char err[ERR_LEN];
    if (store_task_read(file, &t, err) != SWEEP_OK) {
        snprintf(why, cap, "an unreadable task (%s)", err);
        return 0;
    }
    int64_t K = d->task == TASK_REGRESSION ? 0 : d->n_classes;
    int same = t.task == d->task && t.n_classes == K;
    for (int64_t c = 0; same && t.class_names && c < K; c++)
        same = d->class_names && d->class_names[c] && strcmp(t.class_names[c], d->class_names[c]) == 0;
    if (!same) store_task_describe(t.task, t.n_classes, t.class_names, why, cap);
    store_task_free(&t);
    return same;
}

// A whole float64 dataset of n values equal to want, bit for bit.
static int doubles_equal(hid_t file, const char *name, const double *want, int64_t n) {
    hid_t d = H5Lexists(file, name, H5P_DEFAULT) > 0 ? H5Dopen2(file, name, H5P_DEFAULT) : -1;
    if (d < 0) return 0;
    hid_t sp = H5Dget_space(d);
    int same = H5Sget_simple_extent_npoints(sp) == n && want;
    H5Sclose(sp);
    double *buf = same ? malloc((size_t)(n ? n : 1) * sizeof *buf) : NULL;
    same = same && buf && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 &&
           memcmp(buf, want, (size_t)n * sizeof *buf) == 0;
    free(buf);
    H5Dclose(d);
    return same;
}

int store_task_target_matches(hid_t file, const Dataset *d) {
    int has_split = H5Lexists(file, "data/split_target_offset", H5P_DEFAULT) > 0;
    if (d->task != TASK_REGRESSION) return !has_split;
    StoreTask t;
    char err[ERR_LEN];
    if (store_task_read(file, &t, err) != SWEEP_OK) return 0;
    int same = t.task == TASK_REGRESSION && memcmp(&t.target_offset, &d->target_offset, sizeof(double)) == 0 &&
               memcmp(&t.target_scale, &d->target_scale, sizeof(double)) == 0;
    store_task_free(&t);
    if (!same || has_split != (d->n_folds >= 2)) return 0;
    int64_t J = d->n_repeats * d->n_folds;
    return !has_split || (doubles_equal(file, "data/split_target_offset", d->split_target_offset, J) &&
                          doubles_equal(file, "data/split_target_scale", d->split_target_scale, J));
}
