// spec_data.c: the spec's data section (DESIGN section 2: source, label, test_fraction,
// split_seed, scale, folds, repeats; (v3) section 7: task, classes, target_scale), its
// defaults, and what it asks of the data once loaded (spec_task_request, spec_task_error,
// spec_check_data, spec_prepare_data in spec.h): errors located at the keys that ask.
#include "spec_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

enum { DATA_SOURCE, DATA_LABEL, DATA_TEST_FRACTION, DATA_SPLIT_SEED, DATA_SCALE, DATA_FOLDS, DATA_REPEATS,
       DATA_TASK, DATA_CLASSES, DATA_TARGET_SCALE, N_DATA };
static const char *const DATA_KEYS[N_DATA] = {"source", "label",   "test_fraction", "split_seed",  "scale",
                                              "folds",  "repeats", "task",          "classes",     "target_scale"};
const SpecLevel SPEC_DATA_LEVEL = {"data", DATA_KEYS, N_DATA};

enum { MAX_FOLDS = 1000000, MAX_REPEATS = 1000000 };

void spec_data_defaults(Spec *s) {
    s->data.test_fraction = 0.2;
    s->data.split_seed = 42;
    s->data.scale = SCALE_MINMAX;
    s->data.folds = s->data.repeats = 1;
    s->data.task = TASK_AUTO;
    s->data.target_scale = TARGET_SCALE_STANDARD;
}

// ---------------------------------------------------------------------------------------------
// The data section

// CSV paths are relative to the spec's folder; built-in names and absolute paths stay.
static char *resolve_source(const char *spec_path, const char *given) {
    const char *slash = spec_path ? strrchr(spec_path, '/') : NULL;
    if (data_is_builtin(given) || given[0] == '/' || !slash) return strdup(given);
    size_t dir = (size_t)(slash - spec_path) + 1, rest = strlen(given);
    char *out = malloc(dir + rest + 1);
    if (!out) return NULL;
    memcpy(out, spec_path, dir);
    memcpy(out + dir, given, rest + 1);
    return out;
}

// A name among names (n of them), or a located error: "expected <expect>, found X; did you mean".
static int parse_name(const SpecCtx *c, const yaml_node_t *v, const char *key, const char *const *names, int n,
                      const char *expect, int *out) {
    const char *name = v->type == YAML_SCALAR_NODE ? spec_text(v) : "";
    for (int i = 0; i < n && v->type == YAML_SCALAR_NODE; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = i;
            return 0;
        }
    char found[FOUND_LEN], tail[64] = "";
    spec_describe(v, found, sizeof found);
    int near = v->type == YAML_SCALAR_NODE ? spec_closest(name, names, n) : -1;
    if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", names[near]);
    return spec_bad(c, spec_loc(v), key, "expected %s, found %s%s", expect, found, tail);
}

// data.classes: a list of the label's values, class 0 first, each a scalar kept as its text
// (the data layer matches it against the column: "1.0" is the number 1, a name its bytes).
static int parse_classes(const SpecCtx *c, const yaml_node_t *key_node, const yaml_node_t *v) {
    Spec *s = c->s;
    char found[FOUND_LEN], item[ITEM_LEN];
    s->data.classes_loc = spec_loc(key_node);
    int64_t n = v->type == YAML_SEQUENCE_NODE ? (int64_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 0;
    if (v->type != YAML_SEQUENCE_NODE || n < 2 || n > TASK_MAX_CLASSES) {
        spec_describe(v, found, sizeof found);
        if (v->type == YAML_SEQUENCE_NODE && n > 0)
            snprintf(found, sizeof found, "a list of %lld value%s", (long long)n, n == 1 ? "" : "s");
        return spec_bad(c, spec_loc(v), "data.classes",
                        "expected a list of the label's values, class 0 first (2 to %d of them), found %s",
                        TASK_MAX_CLASSES, found);
    }
    s->data.classes = calloc((size_t)n, sizeof *s->data.classes);
    s->data.classes_locs = calloc((size_t)n, sizeof *s->data.classes_locs);
    if (!s->data.classes || !s->data.classes_locs) return spec_oom(c);
    s->data.n_classes = n;
    for (int64_t i = 0; i < n; i++) {
        const yaml_node_t *e = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        spec_indexed(item, sizeof item, "data.classes", i);
        if (!e || e->type != YAML_SCALAR_NODE || e->data.scalar.length == 0 ||
            memchr(e->data.scalar.value, '\0', e->data.scalar.length)) {
            if (e) spec_describe(e, found, sizeof found);
            else snprintf(found, sizeof found, "nothing");
            return spec_bad(c, e ? spec_loc(e) : spec_loc(v), item, "expected a value of the label column, found %s",
                            found);
        }
        s->data.classes_locs[i] = spec_loc(e);
        if (!(s->data.classes[i] = strdup(spec_text(e)))) return spec_oom(c);
    }
    return 0;
}

static int parse_data_key(const SpecCtx *c, int which, const yaml_node_t *key_node, const yaml_node_t *v) {
    Spec *s = c->s;
    char key[KEY_LEN], found[FOUND_LEN];
    snprintf(key, sizeof key, "data.%s", DATA_KEYS[which]);
    spec_describe(v, found, sizeof found);
    const char *t = spec_plain(v);
    switch (which) {
    case DATA_SOURCE: {
        int rc = spec_get_string(c, v, key, "a built-in data set (breast_cancer) or a CSV path",
                                 &s->data.source_given);
        if (rc) return rc;
        s->data.source_loc = spec_loc(v);
        s->data.source = resolve_source(s->path, s->data.source_given);
        return s->data.source ? 0 : spec_oom(c);
    }
    case DATA_LABEL:
        s->data.label_loc = spec_loc(v);
        return spec_get_string(c, v, key, "the name of the label column", &s->data.label);
    case DATA_TASK: {   // auto, then the tasks in their order (TASK_AUTO is -1)
        static const char *const names[N_TASKS + 1] = {"auto", "binary", "multiclass", "regression"};
        int i, rc = parse_name(c, v, key, names, N_TASKS + 1, "auto, binary, multiclass or regression", &i);
        if (rc) return rc;
        s->data.task = i == 0 ? TASK_AUTO : i - 1;
        s->data.task_loc = spec_loc(v);
        return 0;
    }
    case DATA_CLASSES:
        return parse_classes(c, key_node, v);
    case DATA_TARGET_SCALE: {
        int i, rc = parse_name(c, v, key, TARGET_SCALE_NAMES, N_TARGET_SCALES, "standard or none", &i);
        if (rc) return rc;
        s->data.target_scale = (TargetScale)i;
        s->data.target_scale_given = 1;
        s->data.target_scale_loc = spec_loc(v);
        return 0;
    }
    case DATA_TEST_FRACTION: {
        double d;
        if (!t || spec_read_real(t, &d) != 0 || !(d >= 0 && d < 1))
            return spec_bad(c, spec_loc(v), key,
                            "expected a number from 0 (with folds) to 1 (exclusive), found %s%s", found, spec_hint(v));
        s->data.test_fraction = d;
        s->data.test_fraction_loc = spec_loc(v);
        return 0;
    }
    case DATA_SPLIT_SEED: {
        int64_t i;
        if (!t || spec_read_int(t, &i) != 0 || i < 0)
            return spec_bad(c, spec_loc(v), key, "%s, found %s%s", axis_expect(AXIS_SEED), found, spec_hint(v));
        s->data.split_seed = (uint64_t)i;
        return 0;
    }
    case DATA_FOLDS:
    case DATA_REPEATS: {
        int64_t i, hi = which == DATA_FOLDS ? MAX_FOLDS : MAX_REPEATS;
        if (!t || spec_read_int(t, &i) != 0 || i < 1 || i > hi)
            return spec_bad(c, spec_loc(v), key, "expected an integer from 1 to %lld, found %s%s", (long long)hi,
                            found, spec_hint(v));
        if (which == DATA_FOLDS) s->data.folds = i, s->data.folds_loc = spec_loc(v);
        else s->data.repeats = i, s->data.repeats_loc = spec_loc(v);
        return 0;
    }
    default: {   // DATA_SCALE
        const char *name = v->type == YAML_SCALAR_NODE ? spec_text(v) : "";
        if (v->type == YAML_SCALAR_NODE && data_scale_parse(name, &s->data.scale) == 0) return 0;
        int near = v->type == YAML_SCALAR_NODE ? spec_closest(name, DATA_SCALE_NAMES, 3) : -1;
        char tail[64] = "";
        if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", DATA_SCALE_NAMES[near]);
        return spec_bad(c, spec_loc(v), key, "expected minmax, standard or none, found %s%s", found, tail);
    }
    }
}

int spec_parse_data(const SpecCtx *c, const yaml_node_t *map) {
    if (map->type != YAML_MAPPING_NODE) {
        char found[FOUND_LEN];
        spec_describe(map, found, sizeof found);
        return spec_bad(c, spec_loc(map), "data", "expected a mapping (source, label, task, classes, target_scale, "
                        "test_fraction, split_seed, scale, folds, repeats), found %s", found);
    }
    SpecKeys k;
    int rc = spec_collect(c, map, &SPEC_DATA_LEVEL, &k);
    for (int j = 0; !rc && j < k.n; j++) rc = parse_data_key(c, k.order[j], k.key[k.order[j]], k.val[k.order[j]]);
    if (rc) return rc;
    // What the keys mean together: repeats and a test part of 0 need validation folds.
    const Spec *s = c->s;
    if (s->data.repeats > 1 && s->data.folds < 2)
        return spec_bad(c, s->data.repeats_loc, "data.repeats",
                        "expected 1 without cross-validation (set data.folds >= 2 to repeat it), found %lld",
                        (long long)s->data.repeats);
    if (s->data.test_fraction == 0.0 && s->data.folds < 2)
        return spec_bad(c, s->data.test_fraction_loc, "data.test_fraction",
                        "expected a number between 0 and 1 (0 leaves nothing to judge a config on unless "
                        "data.folds >= 2), found 0");
    return 0;
}

// Once the file is read: the built-in data set unless it named one.
int spec_data_fill(const SpecCtx *c) {
    Spec *s = c->s;
    if (s->data.source) return 0;
    s->data.source = strdup("breast_cancer");
    s->data.source_given = strdup("breast_cancer");
    return s->data.source && s->data.source_given ? 0 : spec_oom(c);
}

// ---------------------------------------------------------------------------------------------
// What the data section asks of the loaded data

TaskRequest spec_task_request(const Spec *s) {
    TaskRequest req = TASK_REQUEST_AUTO;
    req.task = s->data.task;
    req.classes = (const char *const *)s->data.classes;
    req.n_classes = s->data.classes ? s->data.n_classes : 0;
    req.target_scale = s->data.target_scale;
    return req;
}

int spec_task_error(const Spec *s, const TaskRequest *req, int rc, char *err) {
    SrcLoc at;
    switch (req->bad_key) {
    case TASK_KEY_TASK: at = s->data.task_loc; break;
    case TASK_KEY_LABEL: at = s->data.label_loc; break;
    case TASK_KEY_CLASSES:
        at = req->bad_index >= 0 && req->bad_index < s->data.n_classes && s->data.classes_locs
                 ? s->data.classes_locs[req->bad_index] : s->data.classes_loc;
        break;
    default: return rc;   // the data's own error, located in its file
    }
    char why[ERR_LEN], where[256];
    snprintf(why, sizeof why, "%s", err);
    spec_where(s, at, where, sizeof where);
    return fail(err, rc, "%s: %s", where, why);
}

// The keys whose meaning depends on the task, once the data have decided it: target_scale is
// regression's, and halving's score metric is the task's (val_acc or val_r2).
static int check_task_keys(const Spec *s, const Dataset *d, char *err) {
    char where[256];
    int regression = d->task == TASK_REGRESSION;
    if (s->data.target_scale_given && !regression) {
        spec_where(s, s->data.target_scale_loc, where, sizeof where);
        return fail(err, SWEEP_ERR_USAGE, "%s: data.target_scale: expected no target_scale: the task is %s, and "
                    "target_scale is for regression, found %s", where, TASK_NAMES[d->task],
                    TARGET_SCALE_NAMES[s->data.target_scale]);
    }
    int metric = s->halving.metric;
    if (s->halving.enabled && metric != HALVING_VAL_LOSS && (metric == HALVING_VAL_R2) != regression) {
        spec_where(s, s->halving.metric_loc, where, sizeof where);
        return fail(err, SWEEP_ERR_USAGE, "%s: halving.metric: expected val_loss or %s (the score of task %s), found %s",
                    where, regression ? "val_r2" : "val_acc", TASK_NAMES[d->task],
                    metric == HALVING_VAL_R2 ? "val_r2" : "val_acc");
    }
    return 0;
}

int spec_check_data(const Spec *s, const Dataset *d, char *err) {
    const char *path = s->path ? s->path : "<spec>";
    char where[256], key[48], limit[128];
    int64_t which, K = s->data.folds;
    int64_t smaller = data_smallest_class(d, &which);
    int rc = check_task_keys(s, d, err);
    if (rc) return rc;
    if (K >= 2 && K > smaller) {
        spec_where(s, s->data.folds_loc, where, sizeof where);
        if (d->task == TASK_REGRESSION)
            return fail(err, SWEEP_ERR_USAGE, "%s: data.folds: expected at most %lld, the training rows, found %lld",
                        where, (long long)smaller, (long long)K);
        char label[160] = "", number[32], shown[CSV_SHOW_LEN];
        snprintf(number, sizeof number, "%lld", (long long)which);
        const char *name = d->class_names && which >= 0 && which < d->n_classes ? d->class_names[which] : number;
        if (strcmp(name, number) != 0) snprintf(label, sizeof label, ", %s", csv_show(shown, name, strlen(name), 1));
        return fail(err, SWEEP_ERR_USAGE, "%s: data.folds: expected at most %lld, the training rows of the %s "
                    "class (%lld of class %d%s), found %lld", where, (long long)smaller,
                    data_n_groups(d) > 2 ? "smallest" : "smaller", (long long)smaller, (int)which, label, (long long)K);
    }
    // Every config must be able to fill a batch: the fewest rows one trains on bounds it.
    int64_t n_fit = data_min_fit_rows(d, K);
    if (K >= 2)
        snprintf(limit, sizeof limit, "expected at most %lld, the fewest rows a fold's config trains on",
                 (long long)n_fit);
    else snprintf(limit, sizeof limit, "expected at most the training-set size %lld", (long long)n_fit);
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ax = &s->grids[g].axes[AXIS_BATCH_SIZE];
        spec_axis_key(s, g, AXIS_BATCH_SIZE, key, sizeof key);
        if (ax->dist == DIST_RANDINT && ax->ihi - 1 > n_fit) {
            spec_where(s, ax->dist_loc, where, sizeof where);
            return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found randint up to %lld", where, key, limit,
                        (long long)ax->ihi - 1);
        }
        for (int64_t i = 0; ax->ints && i < ax->n_values; i++) {
            if (ax->ints[i] <= n_fit) continue;
            SrcLoc at = ax->locs[i];
            if (at.line <= 0)
                return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found %lld (the default; set grid.batch_size)", path,
                            key, limit, (long long)ax->ints[i]);
            spec_where(s, at, where, sizeof where);
            return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found %lld", where, key, limit, (long long)ax->ints[i]);
        }
    }
    return 0;
}

// A data error located at the key that asks for it: the target scaling's at data.target_scale
// (regression: a constant or unscalable target), the split's at data.test_fraction.
static int locate_data_error(const Spec *s, const Table *t, int rc, SrcLoc split_loc, const char *split_key,
                             char *err) {
    char why[ERR_LEN], where[256];
    snprintf(why, sizeof why, "%s", err);
    int target = t->task == TASK_REGRESSION && strstr(why, "target") != NULL;
    spec_where(s, target ? s->data.target_scale_loc : split_loc, where, sizeof where);
    return fail(err, rc, "%s: %s: %s", where, target ? "data.target_scale" : split_key, why);
}

int spec_prepare_data(const Spec *s, const Table *t, Dataset *d, char *err) {
    int rc = data_prepare(d, t, s->data.test_fraction, s->data.split_seed, s->data.scale, err);
    if (rc == SWEEP_ERR_USAGE)   // the split is what test_fraction asks for
        return locate_data_error(s, t, rc, s->data.test_fraction_loc, "data.test_fraction", err);
    if (rc) return rc;
    if ((rc = spec_check_data(s, d, err))) return rc;
    if (s->data.folds >= 2)
        rc = data_folds(d, t, s->data.folds, s->data.repeats, s->data.split_seed, s->data.scale, err);
    if (rc == SWEEP_ERR_USAGE && t->task == TASK_REGRESSION && strstr(err, "target"))
        return locate_data_error(s, t, rc, s->data.folds_loc, "data.folds", err);
    return rc;
}
