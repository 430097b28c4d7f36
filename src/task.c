// task.c: the task and its classes (task.h's names, task_labels.h's reader): what a label
// column holds, the task auto decides from it, the checks an explicit task or a classes list
// makes, and the classes' numbering and names (DESIGN section 7).
//
// The rules, exactly:
//  - A label cell is a number (a plain decimal, csv_number) or a name (any other text); an
//    empty cell, a NUL byte, inf/nan text and a number too large for a double are errors at
//    the cell. The first row's kind is the column's; the first cell of the other kind is an
//    error (task regression: the first name is).
//  - auto: any number that is not an integer -> regression; else K distinct names or integers:
//    K = 2 binary, 3..TASK_AUTO_MAX_CLASSES multiclass, more an error at the label column
//    that asks for an explicit task, K = 1 an error there too.
//  - binary: exactly 2 distinct values (a third is an error at its first cell); multiclass:
//    2..TASK_MAX_CLASSES; regression: numbers, and with target_scale standard not all equal.
//  - Classes: the distinct values in sorted order (numbers numerically, -0 = 0; names by their
//    bytes), or in the order of the request's list. A class's name is its label text: the
//    name itself, or for a number task_number_text's shortest text of its value.
// Errors about the data are located lines "FILE:LINE:COL: column "y": ..."; errors about the
// request's task or classes name the spec key and set req->bad_key (task.h).
#include "task_labels.h"

#include "sweep.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const TASK_NAMES[N_TASKS] = {"binary", "multiclass", "regression"};
const char *const TARGET_SCALE_NAMES[N_TARGET_SCALES] = {"standard", "none"};
const char *const TASK_KEY_NAMES[N_TASK_KEYS] = {"", "data.task", "data.classes", "data.label"};

const char *task_name(int task) {
    if (task == TASK_AUTO) return "auto";
    return task >= 0 && task < N_TASKS ? TASK_NAMES[task] : "?";
}

int task_parse(const char *name, int *out) {
    if (strcmp(name, "auto") == 0) { *out = TASK_AUTO; return 0; }
    for (int i = 0; i < N_TASKS; i++)
        if (strcmp(name, TASK_NAMES[i]) == 0) { *out = i; return 0; }
    return -1;
}

int target_scale_parse(const char *name, TargetScale *out) {
    for (int i = 0; i < N_TARGET_SCALES; i++)
        if (strcmp(name, TARGET_SCALE_NAMES[i]) == 0) { *out = (TargetScale)i; return 0; }
    return -1;
}

const char *task_number_text(double v, char out[TASK_NUMBER_TEXT_LEN]) {
    if (v == 0.0) return strcpy(out, "0");
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, TASK_NUMBER_TEXT_LEN, "%.0f", v);
        return out;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, TASK_NUMBER_TEXT_LEN, "%.*g", p, v);
        if (strtod(out, NULL) == v) break;
    }
    return out;
}

// ---- Small helpers -----------------------------------------------------------------------

enum { KIND_NUMBER = 1, KIND_NAME = 2 };

static void *alloc_array(int64_t count, size_t size) {
    if (count < 0 || (uint64_t)count > SIZE_MAX / size) return NULL;
    return calloc(count ? (size_t)count : 1, size);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_integer(double v) { return v == floor(v); }

// A spec key's error: "data.classes[i]: " (or "data.task: ") and the message, bad_key set.
static int key_fail(TaskRequest *req, char *err, TaskKey key, int64_t index, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int key_fail(TaskRequest *req, char *err, TaskKey key, int64_t index, const char *fmt, ...) {
    req->bad_key = key;
    req->bad_index = index;
    if (err) {
        int k = index >= 0 ? snprintf(err, ERR_LEN, "%s[%" PRId64 "]: ", TASK_KEY_NAMES[key], index)
                           : snprintf(err, ERR_LEN, "%s: ", TASK_KEY_NAMES[key]);
        if (k >= 0 && k < ERR_LEN) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, (size_t)(ERR_LEN - k), fmt, ap);
            va_end(ap);
        }
    }
    return SWEEP_ERR_USAGE;
}

// ---- Reading the cells -------------------------------------------------------------------

void task_labels_init(TaskLabels *L, int task) {
    memset(L, 0, sizeof *L);
    L->task = task;
}

void task_labels_free(TaskLabels *L) {
    for (int64_t i = 0; L->names && i < L->n_names; i++) free(L->names[i]);
    free(L->names);
    free(L->slots);
    memset(L, 0, sizeof *L);
}

static uint64_t hash_name(const char *s, size_t n) {
    uint64_t h = 1469598103934665603u;   // FNV-1a
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

// Puts name index i into the open-addressing table (which has room).
static void slot_put(TaskLabels *L, int64_t i) {
    uint64_t mask = (uint64_t)L->n_slots - 1, h = hash_name(L->names[i], strlen(L->names[i])) & mask;
    while (L->slots[h]) h = (h + 1) & mask;
    L->slots[h] = i + 1;
}

// The index of name s (n bytes, no NUL), interned if new: *id, or -1 beyond TASK_MAX_CLASSES
// distinct names. Returns 0, or 1 out of memory.
static int intern(TaskLabels *L, const char *s, size_t n, int64_t *id) {
    if (L->n_slots) {
        uint64_t mask = (uint64_t)L->n_slots - 1;
        for (uint64_t h = hash_name(s, n) & mask; L->slots[h]; h = (h + 1) & mask) {
            const char *t = L->names[L->slots[h] - 1];
            if (strlen(t) == n && memcmp(t, s, n) == 0) { *id = L->slots[h] - 1; return 0; }
        }
    }
    if (L->n_names >= TASK_MAX_CLASSES) { L->too_many = 1; *id = -1; return 0; }
    if (L->n_names == L->cap_names) {
        int64_t cap = L->cap_names ? 2 * L->cap_names : 16;
        char **names = realloc(L->names, (size_t)cap * sizeof *names);
        if (!names) return 1;
        L->names = names;
        L->cap_names = cap;
    }
    if (2 * (L->n_names + 1) > L->n_slots) {   // load at most one half
        int64_t n_slots = L->n_slots ? 2 * L->n_slots : 64;
        int64_t *slots = alloc_array(n_slots, sizeof *slots);
        if (!slots) return 1;
        free(L->slots);
        L->slots = slots;
        L->n_slots = n_slots;
        for (int64_t i = 0; i < L->n_names; i++) slot_put(L, i);
    }
    char *copy = malloc(n + 1);
    if (!copy) return 1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    L->names[L->n_names] = copy;
    slot_put(L, L->n_names);
    *id = L->n_names++;
    return 0;
}

static int out_of_memory(char *err, const CsvCell *c) {
    return fail(err, SWEEP_ERR_RUNTIME, "%s: out of memory", c->file);
}

// Task binary met a third value at cell c: the two it has, in class order.
static int third_value(const TaskLabels *L, const CsvCell *c, char *err) {
    char a[CSV_SHOW_LEN], b[CSV_SHOW_LEN], s[CSV_SHOW_LEN];
    if (L->kind == KIND_NUMBER) {
        double lo = fmin(L->seen[0], L->seen[1]), hi = fmax(L->seen[0], L->seen[1]);
        task_number_text(lo, a);
        task_number_text(hi, b);
    } else {
        int swap = strcmp(L->names[0], L->names[1]) > 0;
        csv_show(a, L->names[swap], strlen(L->names[swap]), 1);
        csv_show(b, L->names[!swap], strlen(L->names[!swap]), 1);
    }
    return csv_cell_fail(err, c, "expected a label %s or %s, found %s (task binary: two classes)", a, b,
                         csv_cell_shown(s, c));
}

static int read_cell(void *ctx, const CsvCell *c, double *label, char *err) {
    TaskLabels *L = ctx;
    char s[CSV_SHOW_LEN];
    if (c->len == 0)
        return csv_cell_fail(err, c, "expected %s, found an empty cell", L->task == TASK_REGRESSION ? "a number" : "a label");
    if (memchr(c->text, '\0', c->len))
        return csv_cell_fail(err, c, "expected a label without NUL bytes, found %s", csv_cell_shown(s, c));
    double v = 0;
    const char *bad = csv_number(c->text, c->len, &v);
    if (bad && *bad == 'r')
        return csv_cell_fail(err, c, "expected a label, found %s (too large for a double)", csv_cell_shown(s, c));
    if (bad && *bad == 'f')
        return csv_cell_fail(err, c, "expected a finite number or a name, found %s", csv_cell_shown(s, c));
    int kind = bad ? KIND_NAME : KIND_NUMBER;
    if (kind == KIND_NAME && L->task == TASK_REGRESSION)
        return csv_cell_fail(err, c, "expected a number (task regression), found %s", csv_cell_shown(s, c));
    if (!L->kind) {
        L->kind = kind;
        csv_cell_shown(L->first, c);
    } else if (kind != L->kind) {
        return csv_cell_fail(err, c, "expected a %s like the first row's label %s, found %s",
                             L->kind == KIND_NUMBER ? "number" : "name", L->first, csv_cell_shown(s, c));
    }
    if (kind == KIND_NUMBER) {
        if (!is_integer(v) && !L->has_fraction) {
            L->has_fraction = 1;
            L->fraction_at = c->at;
            csv_cell_shown(L->fraction, c);
        }
        if (L->task == TASK_BINARY && !(L->n_seen > 0 && v == L->seen[0]) && !(L->n_seen > 1 && v == L->seen[1])) {
            if (L->n_seen == 2) return third_value(L, c, err);
            L->seen[L->n_seen++] = v;
        }
        *label = v;
        return 0;
    }
    int64_t id;
    if (intern(L, c->text, c->len, &id)) return out_of_memory(err, c);
    if (L->task == TASK_BINARY && id >= 2) return third_value(L, c, err);
    *label = (double)id;
    return 0;
}

CsvLabelRule task_labels_rule(TaskLabels *L) { return (CsvLabelRule){read_cell, L}; }

// ---- The column as a whole ---------------------------------------------------------------

// The distinct values of a column, in sorted order.
typedef struct {
    int kind;
    int64_t K;            // distinct values (names: at most TASK_MAX_CLASSES, too_many beyond)
    double *vals;         // numbers: (K) ascending
    int64_t *by_name;     // names: (K) name indices in byte order
    int64_t *rank;        // names: (K) sorted position of name index i
} Distinct;

static void distinct_free(Distinct *D) {
    free(D->vals);
    free(D->by_name);
    free(D->rank);
}

typedef struct {
    const char *s;
    int64_t i;
} NameRef;

static int cmp_name_ref(const void *a, const void *b) {
    return strcmp(((const NameRef *)a)->s, ((const NameRef *)b)->s);
}

static int find_distinct(const TaskLabels *L, const Table *t, Distinct *D) {
    memset(D, 0, sizeof *D);
    D->kind = L->kind;
    if (L->kind == KIND_NUMBER) {
        if (!(D->vals = alloc_array(t->n_samples, sizeof *D->vals))) return 1;
        memcpy(D->vals, t->y, (size_t)t->n_samples * sizeof *D->vals);
        qsort(D->vals, (size_t)t->n_samples, sizeof *D->vals, cmp_double);
        for (int64_t i = 0; i < t->n_samples; i++)
            if (D->K == 0 || D->vals[i] != D->vals[D->K - 1]) D->vals[D->K++] = D->vals[i];
        return 0;
    }
    D->K = L->n_names;
    NameRef *r = alloc_array(D->K, sizeof *r);
    D->by_name = alloc_array(D->K, sizeof *D->by_name);
    D->rank = alloc_array(D->K, sizeof *D->rank);
    if (!r || !D->by_name || !D->rank) { free(r); return 1; }
    for (int64_t i = 0; i < D->K; i++) r[i] = (NameRef){L->names[i], i};
    qsort(r, (size_t)D->K, sizeof *r, cmp_name_ref);   // names are distinct: no ties
    for (int64_t j = 0; j < D->K; j++) {
        D->by_name[j] = r[j].i;
        D->rank[r[j].i] = j;
    }
    free(r);
    return 0;
}

// Value j (in sorted order) as a message shows it.
static const char *shown_value(const TaskLabels *L, const Distinct *D, int64_t j, char out[CSV_SHOW_LEN]) {
    if (D->kind == KIND_NUMBER) return task_number_text(D->vals[j], out);
    const char *s = L->names[D->by_name[j]];
    return csv_show(out, s, strlen(s), 1);
}

// The column's values for a message: "0, 1, 2", or the first six and "... (K in all)".
static const char *list_values(const TaskLabels *L, const Distinct *D, char *out, size_t cap) {
    size_t k = 0;
    out[0] = '\0';
    for (int64_t j = 0; j < D->K && j < 6 && k < cap; j++) {
        char s[CSV_SHOW_LEN];
        k += (size_t)snprintf(out + k, cap - k, "%s%s", j ? ", " : "", shown_value(L, D, j, s));
    }
    if (D->K > 6 && k < cap) snprintf(out + k, cap - k, ", ... (%" PRId64 " in all)", D->K);
    return out;
}

// Entry s of a classes list: the sorted position of the value it names, or -1.
static int64_t find_entry(const TaskLabels *L, const Distinct *D, const char *s) {
    if (D->kind == KIND_NUMBER) {
        double v;
        if (csv_number(s, strlen(s), &v)) return -1;
        const double *hit = bsearch(&v, D->vals, (size_t)D->K, sizeof *D->vals, cmp_double);
        return hit ? hit - D->vals : -1;
    }
    int64_t lo = 0, hi = D->K;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int d = strcmp(L->names[D->by_name[mid]], s);
        if (d == 0) return mid;
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

// class_of[j]: the class of sorted value j, from the request's list (or the sorted order).
static int order_classes(const TaskLabels *L, const Distinct *D, const char *label_shown, TaskRequest *req,
                         int64_t *class_of, char *err) {
    for (int64_t j = 0; j < D->K; j++) class_of[j] = req->classes ? -1 : j;
    if (!req->classes) return 0;
    char vals[512], s[CSV_SHOW_LEN], e[CSV_SHOW_LEN];
    list_values(L, D, vals, sizeof vals);
    if (req->n_classes == 0)
        return key_fail(req, err, TASK_KEY_CLASSES, -1, "expected every value of column %s (%s), found an empty list",
                        label_shown, vals);
    for (int64_t i = 0; i < req->n_classes; i++) {
        const char *entry = req->classes[i];
        double v;
        csv_show(e, entry, strlen(entry), D->kind == KIND_NAME || csv_number(entry, strlen(entry), &v) != NULL);
        int64_t j = find_entry(L, D, entry);
        if (j < 0)
            return key_fail(req, err, TASK_KEY_CLASSES, i, "expected a value of column %s (%s), found %s", label_shown,
                            vals, e);
        if (class_of[j] >= 0)
            return key_fail(req, err, TASK_KEY_CLASSES, i,
                            "expected each value of column %s once, found %s again (data.classes[%" PRId64 "])",
                            label_shown, e, class_of[j]);
        class_of[j] = i;
    }
    for (int64_t j = 0; j < D->K; j++)
        if (class_of[j] < 0)
            return key_fail(req, err, TASK_KEY_CLASSES, -1, "expected every value of column %s (%s), found a list without %s",
                            label_shown, vals, shown_value(L, D, j, s));
    return 0;
}

// Decides the task (auto) or checks the requested one against the column's K values.
static int decide_task(const TaskLabels *L, const Distinct *D, const char *name, CsvPos label_at,
                       const char *label_shown, const TaskRequest *req, int *task, char *err) {
    int names = D->kind == KIND_NAME;
    *task = req->task;
    if (*task == TASK_AUTO) {
        if (!names && L->has_fraction) *task = TASK_REGRESSION;
        else if (D->K > TASK_AUTO_MAX_CLASSES || L->too_many) {
            char k[32];
            if (L->too_many) snprintf(k, sizeof k, "more than %d", TASK_MAX_CLASSES);
            else snprintf(k, sizeof k, "%" PRId64, D->K);
            const char *ask = names ? "set task: multiclass (at most 1000 classes)"
                            : D->K > TASK_MAX_CLASSES ? "set task: regression for a numeric target"
                            : "set task: regression for a numeric target, or task: multiclass (at most 1000 classes)";
            return csv_fail_at(err, name, label_at, "column %s: %s distinct %s, more than the %d classes task auto "
                               "makes; %s", label_shown, k, names ? "names" : "integer labels", TASK_AUTO_MAX_CLASSES, ask);
        } else {
            *task = D->K == 2 ? TASK_BINARY : TASK_MULTICLASS;
        }
    }
    if (*task == TASK_REGRESSION) {
        if (D->K == 1 && req->target_scale == TARGET_SCALE_STANDARD) {
            char s[CSV_SHOW_LEN];
            return csv_fail_at(err, name, label_at, "column %s: every row has target %s; target_scale standard cannot "
                               "scale a constant target (target_scale: none trains on it as it is)", label_shown,
                               shown_value(L, D, 0, s));
        }
        return 0;
    }
    if (D->K == 1) {
        char s[CSV_SHOW_LEN];
        if (!names && (D->vals[0] == 0.0 || D->vals[0] == 1.0))   // v2's message
            return csv_fail_at(err, name, label_at, "column %s: every row has label %d; need rows of both classes 0 and 1",
                               label_shown, (int)D->vals[0]);
        return csv_fail_at(err, name, label_at, "column %s: every row has label %s; need rows of at least two classes",
                           label_shown, shown_value(L, D, 0, s));
    }
    if (*task == TASK_MULTICLASS && (D->K > TASK_MAX_CLASSES || L->too_many)) {
        char k[32];
        if (L->too_many) snprintf(k, sizeof k, "more than %d", TASK_MAX_CLASSES);
        else snprintf(k, sizeof k, "%" PRId64, D->K);
        return csv_fail_at(err, name, label_at, "column %s: %s distinct labels; task multiclass takes at most %d classes",
                           label_shown, k, TASK_MAX_CLASSES);
    }
    return 0;
}

// The classes' names and each row's class, into t.
static int number_rows(const TaskLabels *L, const Distinct *D, const int64_t *class_of, Table *t) {
    if (!(t->class_names = alloc_array(D->K, sizeof *t->class_names))) return 1;
    t->n_classes = D->K;
    for (int64_t j = 0; j < D->K; j++) {
        char s[TASK_NUMBER_TEXT_LEN];
        const char *text = D->kind == KIND_NUMBER ? task_number_text(D->vals[j], s) : L->names[D->by_name[j]];
        if (!(t->class_names[class_of[j]] = strdup(text))) return 1;
    }
    for (int64_t i = 0; i < t->n_samples; i++) {
        int64_t j;
        if (D->kind == KIND_NUMBER) {
            const double *hit = bsearch(&t->y[i], D->vals, (size_t)D->K, sizeof *D->vals, cmp_double);
            j = hit - D->vals;
        } else {
            j = D->rank[(int64_t)t->y[i]];
        }
        t->y[i] = (double)class_of[j];
    }
    return 0;
}

int task_labels_finish(TaskLabels *L, Table *t, const char *name, CsvPos label_at, TaskRequest *req, char *err) {
    TaskRequest dflt = TASK_REQUEST_AUTO;
    if (!req) req = &dflt;
    if (!name) name = "<csv>";
    char label_shown[CSV_SHOW_LEN];
    csv_show(label_shown, t->label_name, strlen(t->label_name), 1);
    Distinct D;
    int64_t *class_of = NULL;
    int task, rc = find_distinct(L, t, &D);
    if (rc) goto oom;
    if ((rc = decide_task(L, &D, name, label_at, label_shown, req, &task, err))) goto done;
    t->task = (Task)task;
    t->target_scaling = req->target_scale;
    if (task == TASK_REGRESSION) {
        if (req->classes && req->task == TASK_AUTO)
            rc = key_fail(req, err, TASK_KEY_CLASSES, -1, "expected no classes: column %s is a regression target (it "
                          "holds numbers that are not integers, such as %s at %s:%" PRId64 ":%" PRId64 "); set "
                          "data.task to binary or multiclass to make its values classes", label_shown, L->fraction,
                          name, L->fraction_at.line, L->fraction_at.col);
        else if (req->classes)
            rc = key_fail(req, err, TASK_KEY_CLASSES, -1, "expected no classes with task regression");
        goto done;
    }
    if (!(class_of = alloc_array(D.K, sizeof *class_of))) goto oom;
    if ((rc = order_classes(L, &D, label_shown, req, class_of, err))) goto done;
    if (number_rows(L, &D, class_of, t)) goto oom;
    goto done;
oom:
    rc = fail(err, SWEEP_ERR_RUNTIME, "%s: out of memory", name);
done:
    free(class_of);
    distinct_free(&D);
    return rc;
}
