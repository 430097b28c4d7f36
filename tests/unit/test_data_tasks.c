// test_data_tasks.c: the data set over the tasks of DESIGN section 7: the split and the folds
// stratified over K classes, regression's plain split and folds, the target scaling against a
// direct computation, the built-in sources, and a 0/1 CSV held bit for bit against v2's split
// and folds (v2's code, kept below as the reference). Run from the repository root.
#include "check.h"

#include "data.h"
#include "rng.h"
#include "sweep.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- Helpers -----------------------------------------------------------------------------

// A table of n rows, D features (x[i][j] = i * (j + 1) + j), the given task and y.
static Table make_table(int64_t n, int64_t D, Task task, int64_t K, const double *y) {
    Table t = {.n_samples = n, .n_features = D, .task = task, .n_classes = K};
    t.X = calloc((size_t)(n * D), sizeof *t.X);
    t.y = calloc((size_t)n, sizeof *t.y);
    t.feature_names = calloc((size_t)D, sizeof *t.feature_names);
    t.label_name = strdup("y");
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < D; j++) t.X[i * D + j] = (double)(i * (j + 1) + j) + 0.25 * (double)((i * 7) % 5);
        t.y[i] = y[i];
    }
    for (int64_t j = 0; j < D; j++) {
        char s[16];
        snprintf(s, sizeof s, "f%d", (int)j);
        t.feature_names[j] = strdup(s);
    }
    return t;
}

static Table load(const char *source) {
    Table t;
    char err[ERR_LEN] = "";
    int rc = data_load_table(&t, source, NULL, NULL, err);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "  %s\n", err);
    return t;
}

// The split's test part by the documented walk: perm from (seed, RNG_SPLIT), quotas given.
static void documented_walk(const Table *t, uint64_t seed, const int64_t *quota, int64_t G, int64_t *train,
                            int64_t *test) {
    int64_t n = t->n_samples, *perm = malloc((size_t)n * sizeof *perm), *taken = calloc((size_t)G, sizeof *taken);
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    Rng r;
    rng_init(&r, seed, RNG_SPLIT, 0, 0);
    rng_permute(&r, perm, n);
    int64_t n_tr = 0, n_te = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = t->task == TASK_REGRESSION ? 0 : (int64_t)t->y[perm[i]];
        if (taken[c] < quota[c]) { taken[c]++; test[n_te++] = perm[i]; }
        else train[n_tr++] = perm[i];
    }
    free(perm);
    free(taken);
}

// One repeat's folds by the documented dealing: per group in order, its positions ascending,
// shuffled by the (seed, RNG_FOLDS, r) stream, round-robin.
static void documented_folds(const Dataset *d, int64_t K, int64_t r, uint64_t seed, int32_t *fold) {
    int64_t n = d->n_train, G = data_n_groups(d), *pos = malloc((size_t)n * sizeof *pos);
    Rng g;
    rng_init(&g, seed, RNG_FOLDS, (uint64_t)r, 0);
    for (int64_t c = 0; c < G; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (d->task == TASK_REGRESSION || (int64_t)d->y_train[i] == c) pos[m++] = i;
        rng_permute(&g, pos, m);
        for (int64_t j = 0; j < m; j++) fold[pos[j]] = (int32_t)(j % K);
    }
    free(pos);
}

// ---- v2's split and folds (binary), verbatim in substance: the reference -----------------

static void v2_split(const double *y, int64_t n, double test_fraction, uint64_t split_seed, int64_t *train,
                     int64_t *test, int64_t *n_test_out) {
    int64_t count[2] = {0, 0};
    for (int64_t i = 0; i < n; i++) count[y[i] == 1.0]++;
    int64_t n_test = test_fraction > 0.0 ? (int64_t)ceil(test_fraction * (double)n - 1e-9) : 0;
    int64_t quota[2], rem[2], left = n_test;
    int given[2] = {0, 0};
    for (int c = 0; c < 2; c++) {
        unsigned __int128 num = (unsigned __int128)n_test * (uint64_t)count[c];
        quota[c] = (int64_t)(num / (uint64_t)n);
        rem[c] = (int64_t)(num % (uint64_t)n);
        left -= quota[c];
    }
    for (; left > 0; left--) {
        int c = -1;
        for (int k = 0; k < 2; k++)
            if (!given[k] && (c < 0 || rem[k] > rem[c])) c = k;
        if (c < 0) break;
        given[c] = 1;
        quota[c]++;
    }
    int64_t *perm = malloc((size_t)n * sizeof *perm);
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    Rng r;
    rng_init(&r, split_seed, RNG_SPLIT, 0, 0);
    rng_permute(&r, perm, n);
    int64_t taken[2] = {0, 0}, n_tr = 0, n_te = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = y[perm[i]] == 1.0;
        if (taken[c] < quota[c]) { taken[c]++; test[n_te++] = perm[i]; }
        else train[n_tr++] = perm[i];
    }
    free(perm);
    *n_test_out = n_test;
}

static void v2_folds(const double *y, int64_t n, int64_t K, int64_t repeat, uint64_t split_seed, int32_t *fold) {
    int64_t *pos = malloc((size_t)n * sizeof *pos);
    Rng g;
    rng_init(&g, split_seed, RNG_FOLDS, (uint64_t)repeat, 0);
    for (int c = 0; c < 2; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (y[i] == (double)c) pos[m++] = i;
        rng_permute(&g, pos, m);
        for (int64_t j = 0; j < m; j++) fold[pos[j]] = (int32_t)(j % K);
    }
    free(pos);
}

// d against v2's split and folds of labels y (0/1).
static void check_against_v2(const Dataset *d, const double *y, int64_t n, double fraction, uint64_t seed) {
    int64_t *train = malloc((size_t)n * sizeof *train), *test = malloc((size_t)n * sizeof *test), n_test;
    v2_split(y, n, fraction, seed, train, test, &n_test);
    CHECK(d->n_test == n_test && d->n_train == n - n_test);
    CHECK(memcmp(d->train_index, train, (size_t)(n - n_test) * sizeof *train) == 0);
    CHECK(memcmp(d->test_index, test, (size_t)n_test * sizeof *test) == 0);
    int32_t *fold = malloc((size_t)d->n_train * sizeof *fold);
    for (int64_t r = 0; d->n_folds >= 2 && r < d->n_repeats; r++) {
        v2_folds(d->y_train, d->n_train, d->n_folds, r, seed, fold);
        CHECK(memcmp(d->folds + r * d->n_train, fold, (size_t)d->n_train * sizeof *fold) == 0);
    }
    free(fold);
    free(train);
    free(test);
}

// Every array of two data sets, bit for bit.
static int same_dataset(const Dataset *a, const Dataset *b) {
    int64_t n = a->n_train, m = a->n_test, D = a->n_features, S = a->n_folds * a->n_repeats;
    if (n != b->n_train || m != b->n_test || D != b->n_features || S != b->n_folds * b->n_repeats) return 0;
    int same = memcmp(a->train_index, b->train_index, (size_t)n * 8) == 0 &&
               memcmp(a->test_index, b->test_index, (size_t)m * 8) == 0 &&
               memcmp(a->X_train, b->X_train, (size_t)(n * D) * 8) == 0 && memcmp(a->y_train, b->y_train, (size_t)n * 8) == 0 &&
               memcmp(a->X_test, b->X_test, (size_t)(m * D) * 8) == 0 && memcmp(a->y_test, b->y_test, (size_t)m * 8) == 0 &&
               memcmp(a->feature_offset, b->feature_offset, (size_t)D * 8) == 0 &&
               memcmp(a->feature_scale, b->feature_scale, (size_t)D * 8) == 0;
    if (same && a->n_folds >= 2)
        same = memcmp(a->folds, b->folds, (size_t)(a->n_repeats * n) * 4) == 0 &&
               memcmp(a->split_offset, b->split_offset, (size_t)(S * D) * 8) == 0 &&
               memcmp(a->split_scale, b->split_scale, (size_t)(S * D) * 8) == 0;
    return same;
}

// ---- Binary: v2, bit for bit -------------------------------------------------------------

static void breast_cancer_splits_and_folds_are_v2s(void) {
    Table t = load("breast_cancer");
    double fractions[] = {0.2, 0.3, 0.0, 0.101};
    for (int f = 0; f < 4; f++)
        for (uint64_t seed = 0; seed < 6; seed++) {
            Dataset d;
            char err[ERR_LEN] = "";
            int64_t K = 2 + (int64_t)seed % 4, R = 1 + (int64_t)seed % 3;
            CHECK(data_prepare(&d, &t, fractions[f], seed * 1000 + 7, (ScaleKind)(seed % 3), err) == 0);
            CHECK(data_folds(&d, &t, K, R, seed * 1000 + 7, (ScaleKind)(seed % 3), err) == 0);
            check_against_v2(&d, t.y, t.n_samples, fractions[f], seed * 1000 + 7);
            data_free(&d);
        }
    data_free_table(&t);
}

// A CSV with 0/1 labels (written as people write them) is the hand-built v2 table's problem:
// the same data set, every array, bit for bit, and v2's split and folds.
static void a_zero_one_csv_is_v2s_binary_problem_bit_for_bit(void) {
    const char *zero[] = {"0", "0.0", "-0", "0e3"}, *one[] = {"1", "1.0", "+1", "10e-1"};
    Rng r;
    rng_init(&r, 5, 77, 0, 0);
    for (int iter = 0; iter < 12; iter++) {
        int64_t n = 60 + (int64_t)rng_below(&r, 200), D = 1 + (int64_t)rng_below(&r, 4);
        double *y = malloc((size_t)n * sizeof *y);
        size_t cap = (size_t)n * (size_t)(D + 1) * 24 + 64, k = 0;
        char *text = malloc(cap);
        for (int64_t j = 0; j < D; j++) k += (size_t)snprintf(text + k, cap - k, "f%d,", (int)j);
        k += (size_t)snprintf(text + k, cap - k, "label\n");
        for (int64_t i = 0; i < n; i++) {
            y[i] = i < 4 ? (double)(i % 2) : (double)(rng_below(&r, 3) == 0);
            for (int64_t j = 0; j < D; j++) k += (size_t)snprintf(text + k, cap - k, "%.17g,", rng_normal(&r) * 10);
            k += (size_t)snprintf(text + k, cap - k, "%s\n", y[i] ? one[rng_below(&r, 4)] : zero[rng_below(&r, 4)]);
        }
        Table csv, hand = {0};
        char err[ERR_LEN] = "";
        int rc = data_parse_csv(&csv, text, k, "bin.csv", NULL, NULL, err);
        CHECK(rc == 0);
        if (rc) { fprintf(stderr, "  %s\n", err); free(text); free(y); continue; }
        CHECK(csv.task == TASK_BINARY && csv.n_classes == 2 && memcmp(csv.y, y, (size_t)n * sizeof *y) == 0);
        hand.n_samples = n, hand.n_features = D, hand.X = csv.X, hand.y = y, hand.feature_names = csv.feature_names;
        double fraction = iter % 3 ? 0.25 : 0.0;
        int64_t K = 2 + iter % 3, R = 1 + iter % 2;
        uint64_t seed = (uint64_t)iter * 31;
        Dataset a, b;
        CHECK(data_prepare(&a, &csv, fraction, seed, SCALE_STANDARD, err) == 0);
        CHECK(data_folds(&a, &csv, K, R, seed, SCALE_STANDARD, err) == 0);
        CHECK(data_prepare(&b, &hand, fraction, seed, SCALE_STANDARD, err) == 0);
        CHECK(data_folds(&b, &hand, K, R, seed, SCALE_STANDARD, err) == 0);
        CHECK(same_dataset(&a, &b));
        check_against_v2(&a, y, n, fraction, seed);
        data_free(&a);
        data_free(&b);
        data_free_table(&csv);
        free(text);
        free(y);
    }
}

// ---- K classes ---------------------------------------------------------------------------

// 4 classes of 7, 13, 29 and 51 rows, shuffled.
static Table four_classes(void) {
    double y[100];
    int64_t sizes[4] = {7, 13, 29, 51}, k = 0;
    for (int c = 0; c < 4; c++)
        for (int64_t i = 0; i < sizes[c]; i++) y[k++] = c;
    Rng r;
    rng_init(&r, 3, 77, 0, 0);
    for (int64_t i = 99; i > 0; i--) {
        int64_t j = (int64_t)rng_below(&r, (uint64_t)i + 1);
        double s = y[i];
        y[i] = y[j], y[j] = s;
    }
    return make_table(100, 3, TASK_MULTICLASS, 4, y);
}

static void the_test_split_is_stratified_over_k_classes_by_largest_remainder(void) {
    Table t = four_classes();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.3, 11, SCALE_NONE, err) == 0);
    // n_test 30: 2.1, 3.9, 8.7, 15.3 -> 2, 3, 8, 15 and the two slots left to classes 1 and 2.
    int64_t quota[4] = {2, 4, 9, 15}, per[4] = {0}, train[100], test[100];
    for (int64_t i = 0; i < d.n_test; i++) per[(int64_t)d.y_test[i]]++;
    CHECK(d.n_test == 30 && per[0] == 2 && per[1] == 4 && per[2] == 9 && per[3] == 15);
    CHECK(d.class_count[0] == 5 && d.class_count[1] == 9 && d.class_count[2] == 20 && d.class_count[3] == 36);
    documented_walk(&t, 11, quota, 4, train, test);
    CHECK(memcmp(d.test_index, test, 30 * sizeof *test) == 0 && memcmp(d.train_index, train, 70 * sizeof *train) == 0);
    CHECK(d.n_classes == 4 && strcmp(d.class_names[3], "3") == 0);   // a hand-built table's classes are named by number
    int64_t which = -1;
    CHECK(data_smallest_class(&d, &which) == 5 && which == 0);
    data_free(&d);
    data_free_table(&t);
}

static void folds_are_dealt_per_class_over_k_classes(void) {
    Table t = four_classes();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.3, 11, SCALE_MINMAX, err) == 0);
    CHECK(data_folds(&d, &t, 5, 3, 11, SCALE_MINMAX, err) == 0);
    int32_t fold[70];
    for (int64_t r = 0; r < 3; r++) {
        documented_folds(&d, 5, r, 11, fold);
        CHECK(memcmp(d.folds + r * 70, fold, sizeof fold) == 0);
        int64_t per[5][4] = {{0}};
        for (int64_t i = 0; i < 70; i++) per[d.folds[r * 70 + i]][(int64_t)d.y_train[i]]++;
        // Per class: counts 5, 9, 20, 36 dealt round-robin over 5 folds from fold 0.
        int64_t want[4][5] = {{1, 1, 1, 1, 1}, {2, 2, 2, 2, 1}, {4, 4, 4, 4, 4}, {8, 7, 7, 7, 7}};
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 5; k++) CHECK(per[k][c] == want[c][k]);
    }
    CHECK(data_min_fit_rows(&d, 5) == 70 - 1 - 2 - 4 - 8 && data_max_fit_rows(&d, 5) == 70 - 1 - 1 - 4 - 7);
    data_free(&d);
    // More folds than the smallest class's 5 training rows: refused, naming it.
    CHECK(data_prepare(&d, &t, 0.3, 11, SCALE_MINMAX, err) == 0);
    CHECK(data_folds(&d, &t, 6, 1, 11, SCALE_MINMAX, err) == 2);
    CHECK_STR_CONTAINS(err, "6 folds over 1 repeats do not fit the 5 training rows of class 0, the smallest");
    data_free(&d);
    data_free_table(&t);
}

static void class_errors_name_the_label_when_it_is_not_the_number(void) {
    Table t;
    char err[ERR_LEN] = "";
    const char *text = "x,y\n1,a\n2,a\n3,b\n4,b\n5,c\n6,a\n7,b\n";
    CHECK(data_parse_csv(&t, text, strlen(text), "t.csv", NULL, NULL, err) == 0);
    Dataset d;
    CHECK(data_prepare(&d, &t, 0.0, 1, SCALE_NONE, err) == 0);
    CHECK(data_folds(&d, &t, 2, 1, 1, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "do not fit the 1 training rows of class 2 (label \"c\"), the smallest");
    data_free(&d);
    CHECK(data_prepare(&d, &t, 0.7, 1, SCALE_NONE, err) == 2);   // n_test 5: the one slot left goes to c
    CHECK_STR_CONTAINS(err, "test_fraction 0.7 leaves no training row of class 2 (label \"c\"), which has 1 row (n = 7)");
    data_free_table(&t);
    // A hand-built multiclass table: labels must be its classes.
    double y[4] = {0, 1, 2, 3};
    t = make_table(4, 1, TASK_MULTICLASS, 3, y);
    CHECK(data_prepare(&d, &t, 0.25, 0, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "row 3 has label 3, expected a class 0 to 2");
    data_free_table(&t);
}

static void builtin_sources_have_their_shapes_tasks_and_classes(void) {
    struct { const char *name; int64_t n, D, K; Task task; const char *first, *last; int64_t count0; } want[] = {
        {"breast_cancer", 569, 30, 2, TASK_BINARY, "0", "1", 212},
        {"iris", 150, 4, 3, TASK_MULTICLASS, "setosa", "virginica", 50},
        {"wine", 178, 13, 3, TASK_MULTICLASS, "1", "3", 59},
        {"digits", 1797, 64, 10, TASK_MULTICLASS, "0", "9", 178},
        {"diabetes", 442, 10, 0, TASK_REGRESSION, NULL, NULL, 0},
    };
    for (int i = 0; i < 5; i++) {
        Table t = load(want[i].name);
        CHECK(t.n_samples == want[i].n && t.n_features == want[i].D && t.task == want[i].task);
        CHECK(t.n_classes == want[i].K);
        if (want[i].K) {
            int64_t *count = calloc((size_t)want[i].K, sizeof *count);
            CHECK(data_count_classes(t.y, t.n_samples, t.n_classes, count) == -1 && count[0] == want[i].count0);
            CHECK(strcmp(t.class_names[0], want[i].first) == 0 && strcmp(t.class_names[want[i].K - 1], want[i].last) == 0);
            free(count);
        }
        data_free_table(&t);
    }
    Table t = load("diabetes");
    double lo = 1e9, hi = -1e9;
    for (int64_t i = 0; i < t.n_samples; i++) lo = fmin(lo, t.y[i]), hi = fmax(hi, t.y[i]);
    CHECK(strcmp(t.label_name, "progression") == 0 && t.y[0] == 151 && lo == 25 && hi == 346);
    CHECK(t.X[0] == 59 && t.X[1] == 2 && t.X[2] == 32.1);
    data_free_table(&t);
    // digits: 10-fold stratified, every class in every fold of the training part.
    t = load("digits");
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_STANDARD, err) == 0);
    CHECK(data_folds(&d, &t, 10, 1, 42, SCALE_STANDARD, err) == 0);
    int64_t per[10][10] = {{0}};
    for (int64_t i = 0; i < d.n_train; i++) per[d.folds[i]][(int64_t)d.y_train[i]]++;
    int spread_ok = 1;
    for (int c = 0; c < 10; c++)
        for (int k = 0; k < 10; k++) spread_ok &= per[k][c] == d.class_count[c] / 10 + (k < d.class_count[c] % 10);
    CHECK(spread_ok);
    data_free(&d);
    data_free_table(&t);
}

// ---- Regression --------------------------------------------------------------------------

static Table regression_table(int64_t n) {
    double *y = malloc((size_t)n * sizeof *y);
    Rng r;
    rng_init(&r, 9, 77, 0, 0);
    for (int64_t i = 0; i < n; i++) y[i] = 100 + 25 * rng_normal(&r);
    Table t = make_table(n, 2, TASK_REGRESSION, 0, y);
    free(y);
    return t;
}

static void regression_splits_all_rows_as_one_group(void) {
    Table t = regression_table(23);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.25, 4, SCALE_NONE, err) == 0);
    int64_t quota[1] = {6}, train[23], test[23];   // ceil(5.75)
    documented_walk(&t, 4, quota, 1, train, test);
    CHECK(d.n_test == 6 && d.n_train == 17 && d.n_classes == 0 && data_n_groups(&d) == 1 && d.class_count[0] == 17);
    CHECK(memcmp(d.test_index, test, 6 * sizeof *test) == 0 && memcmp(d.train_index, train, 17 * sizeof *train) == 0);
    CHECK(data_smallest_class(&d, NULL) == 17);
    CHECK(data_folds(&d, &t, 4, 2, 4, SCALE_NONE, err) == 0);
    int32_t fold[17];
    for (int64_t r = 0; r < 2; r++) {
        documented_folds(&d, 4, r, 4, fold);
        CHECK(memcmp(d.folds + r * 17, fold, sizeof fold) == 0);
        int64_t size[4] = {0};
        for (int64_t i = 0; i < 17; i++) size[d.folds[r * 17 + i]]++;
        CHECK(size[0] == 5 && size[1] == 4 && size[2] == 4 && size[3] == 4);   // within one row, fold 0 largest
    }
    CHECK(data_min_fit_rows(&d, 4) == 12 && data_max_fit_rows(&d, 4) == 13);
    data_free(&d);
    CHECK(data_prepare(&d, &t, 0.25, 4, SCALE_NONE, err) == 0);
    CHECK(data_folds(&d, &t, 18, 1, 4, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "18 folds over 1 repeats do not fit 17 training rows");
    CHECK(data_folds(&d, &t, 17, 1, 4, SCALE_NONE, err) == 0);   // one row per fold
    data_free(&d);
    data_free_table(&t);
}

// mean and 1 / population std of y[rows] (n of them), two passes in the order given.
static void direct_scaling(const double *y, const int64_t *rows, int64_t n, double *offset, double *scale) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; i++) sum += y[rows[i]];
    double mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++) sq += (y[rows[i]] - mean) * (y[rows[i]] - mean);
    *offset = mean;
    *scale = 1.0 / sqrt(sq / (double)n);
}

static void targets_are_standardised_on_each_configs_own_training_rows(void) {
    Table t = regression_table(61);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 8, SCALE_STANDARD, err) == 0);
    CHECK(data_folds(&d, &t, 3, 2, 8, SCALE_STANDARD, err) == 0);
    double off, sc;
    direct_scaling(t.y, d.train_index, d.n_train, &off, &sc);
    CHECK(d.target_scaling == TARGET_SCALE_STANDARD && d.target_offset == off && d.target_scale == sc);
    CHECK(fabs(off - 100) < 10 && fabs(1 / sc - 25) < 8);
    for (int64_t i = 0; i < d.n_train; i++) CHECK(d.y_train[i] == (t.y[d.train_index[i]] - off) * sc);
    for (int64_t i = 0; i < d.n_test; i++) CHECK(d.y_test[i] == (t.y[d.test_index[i]] - off) * sc);
    int64_t n = d.n_train, rows[61];
    double *buf = malloc((size_t)data_view_doubles(&d) * sizeof *buf);   // exactly: ASan sees any overrun
    for (int64_t r = 0; r < 2; r++)
        for (int64_t k = 0; k < 3; k++) {
            int64_t s = r * 3 + k, m = 0;
            for (int64_t i = 0; i < n; i++)
                if (d.folds[r * n + i] != k) rows[m++] = d.train_index[i];
            direct_scaling(t.y, rows, m, &off, &sc);
            CHECK(d.split_target_offset[s] == off && d.split_target_scale[s] == sc);
            DataView v;
            data_view(&d, r, k, buf, &v);
            CHECK(v.n_fit == m && v.target_offset == off && v.target_scale == sc);
            double sum = 0, sq = 0;
            for (int64_t i = 0; i < v.n_fit; i++) {
                CHECK(v.y_fit[i] == (t.y[rows[i]] - off) * sc);
                sum += v.y_fit[i];
            }
            for (int64_t i = 0; i < v.n_fit; i++) sq += (v.y_fit[i] - sum / m) * (v.y_fit[i] - sum / m);
            CHECK(fabs(sum / m) < 1e-12 && fabs(sq / m - 1) < 1e-12);   // standardised on its own rows
            for (int64_t i = 0, q = 0; i < n; i++)
                if (d.folds[r * n + i] == k) CHECK(v.y_val[q++] == (t.y[d.train_index[i]] - off) * sc);
            for (int64_t i = 0; i < v.n_test; i++) CHECK(v.y_test[i] == (t.y[d.test_index[i]] - off) * sc);
            CHECK(v.y_test != d.y_test);
        }
    free(buf);
    data_free(&d);
    // Without folds the view is the data set, in the whole training part's unit.
    CHECK(data_prepare(&d, &t, 0.2, 8, SCALE_STANDARD, err) == 0);
    DataView v;
    data_view(&d, 0, 0, NULL, &v);
    CHECK(v.y_fit == d.y_train && v.y_test == d.y_test && v.target_offset == d.target_offset &&
          v.target_scale == d.target_scale);
    data_free(&d);
    data_free_table(&t);
}

static void target_scale_none_trains_on_the_targets_themselves(void) {
    Table t = regression_table(40);
    t.target_scaling = TARGET_SCALE_NONE;
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.25, 2, SCALE_MINMAX, err) == 0);
    CHECK(data_folds(&d, &t, 4, 1, 2, SCALE_MINMAX, err) == 0);
    CHECK(d.target_offset == 0.0 && d.target_scale == 1.0);
    for (int64_t i = 0; i < d.n_train; i++) CHECK(d.y_train[i] == t.y[d.train_index[i]]);
    double *buf = malloc((size_t)data_view_doubles(&d) * sizeof *buf);
    for (int64_t k = 0; k < 4; k++) {
        CHECK(d.split_target_offset[k] == 0.0 && d.split_target_scale[k] == 1.0);
        DataView v;
        data_view(&d, 0, k, buf, &v);
        for (int64_t i = 0; i < v.n_test; i++) CHECK(v.y_test[i] == t.y[d.test_index[i]]);
    }
    free(buf);
    data_free(&d);
    data_free_table(&t);
}

static void a_constant_training_target_cannot_be_standardised(void) {
    // Rows 0..3 hold 5, 5, 5, 9: find a split seed that sends row 3 to the test part.
    double y[4] = {5, 5, 5, 9};
    Table t = make_table(4, 1, TASK_REGRESSION, 0, y);
    uint64_t seed = 0;
    for (;; seed++) {
        int64_t perm[4] = {0, 1, 2, 3};
        Rng r;
        rng_init(&r, seed, RNG_SPLIT, 0, 0);
        rng_permute(&r, perm, 4);
        if (perm[0] == 3) break;
    }
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.25, seed, SCALE_NONE, err) == 2);
    CHECK(strcmp(err, "the training part has every target 5: target_scale standard cannot scale a constant target "
                 "(target_scale: none trains on it as it is)") == 0);
    CHECK(d.y_train == NULL);
    t.target_scaling = TARGET_SCALE_NONE;
    CHECK(data_prepare(&d, &t, 0.25, seed, SCALE_NONE, err) == 0);
    data_free(&d);
    data_free_table(&t);
    // One row apart from the rest: the split whose fold holds it trains on a constant.
    double y2[6] = {2, 2, 1, 2, 2, 2};
    t = make_table(6, 1, TASK_REGRESSION, 0, y2);
    CHECK(data_prepare(&d, &t, 0.0, 3, SCALE_NONE, err) == 0);
    CHECK(data_folds(&d, &t, 2, 1, 3, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "(repeat 0, fold ");
    CHECK_STR_CONTAINS(err, ") has every target 2: target_scale standard cannot scale a constant target");
    data_free(&d);
    // A hand-built target that is not finite is refused before the split.
    y2[4] = NAN;
    data_free_table(&t);
    t = make_table(6, 1, TASK_REGRESSION, 0, y2);
    CHECK(data_prepare(&d, &t, 0.5, 3, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "row 4 has target nan, expected a finite number");
    data_free_table(&t);
}

int main(void) {
    RUN(breast_cancer_splits_and_folds_are_v2s);
    RUN(a_zero_one_csv_is_v2s_binary_problem_bit_for_bit);
    RUN(the_test_split_is_stratified_over_k_classes_by_largest_remainder);
    RUN(folds_are_dealt_per_class_over_k_classes);
    RUN(class_errors_name_the_label_when_it_is_not_the_number);
    RUN(builtin_sources_have_their_shapes_tasks_and_classes);
    RUN(regression_splits_all_rows_as_one_group);
    RUN(targets_are_standardised_on_each_configs_own_training_rows);
    RUN(target_scale_none_trains_on_the_targets_themselves);
    RUN(a_constant_training_target_cannot_be_standardised);
    return CHECK_SUMMARY();
}
