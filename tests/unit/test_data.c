// test_data.c: the data set: the built-in table, labels and classes, the stratified split,
// the scaling and the folds. (The CSV syntax is test_csv.c's.) Run from the repository root
// (fixtures are read from tests/csv/).
#include "check.h"

#include "data.h"
#include "rng.h"
#include "sweep.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- Helpers -----------------------------------------------------------------------------

static int parse(Table *t, const char *text, const char *label, char *err) {
    err[0] = '\0';
    return data_parse_csv(t, text, strlen(text), "t.csv", label, NULL, err);
}

// Parses text expecting failure 2 with a one-line message containing want; frees nothing
// because a failed parse leaves the table zeroed.
static void expect_error(const char *text, const char *label, const char *want) {
    Table t;
    char err[ERR_LEN];
    int rc = parse(&t, text, label, err);
    CHECK(rc == 2);
    CHECK_STR_CONTAINS(err, want);
    CHECK(strchr(err, '\n') == NULL);
    CHECK(t.X == NULL && t.y == NULL && t.feature_names == NULL && t.label_name == NULL && t.n_samples == 0);
    if (rc != 2) fprintf(stderr, "  for input: %s\n", text);
    data_free_table(&t);
}

// A table of n rows, D features, x[i][j] = i * (j + 1) + j, labels from y.
static Table make_table(int64_t n, int64_t D, const double *y) {
    Table t = {.n_samples = n, .n_features = D};
    t.X = calloc((size_t)(n * D), sizeof *t.X);
    t.y = calloc((size_t)n, sizeof *t.y);
    t.feature_names = calloc((size_t)D, sizeof *t.feature_names);
    t.label_name = strdup("y");
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < D; j++) t.X[i * D + j] = (double)(i * (j + 1) + j);
        t.y[i] = y[i];
    }
    for (int64_t j = 0; j < D; j++) {
        char s[16];
        snprintf(s, sizeof s, "f%d", (int)j);
        t.feature_names[j] = strdup(s);
    }
    return t;
}

static Table load_builtin(void) {
    Table t;
    char err[ERR_LEN] = "";
    int rc = data_load_table(&t, "breast_cancer", NULL, NULL, err);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "  %s\n", err);
    return t;
}

static int64_t count_label(const double *y, int64_t n, double v) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += y[i] == v;
    return k;
}

// ---- The built-in table ------------------------------------------------------------------

static void builtin_is_recognised_by_its_name_only(void) {
    CHECK(data_is_builtin("breast_cancer"));
    CHECK(!data_is_builtin("breast_cancer.csv"));
    CHECK(!data_is_builtin("Breast_Cancer"));
    CHECK(!data_is_builtin(""));
    for (int i = 0; i < DATA_N_BUILTINS; i++) CHECK(data_is_builtin(DATA_BUILTIN_NAMES[i]));
    CHECK(data_is_builtin("iris") && data_is_builtin("diabetes") && !data_is_builtin("iris.csv"));
}

static void builtin_table_has_569_rows_and_30_features(void) {
    Table t = load_builtin();
    CHECK(t.n_samples == 569);
    CHECK(t.n_features == 30);
    CHECK(t.label_name && strcmp(t.label_name, "benign") == 0);
    CHECK(t.feature_names && strcmp(t.feature_names[0], "mean_radius") == 0);
    CHECK(t.feature_names && strcmp(t.feature_names[29], "worst_fractal_dimension") == 0);
    CHECK(count_label(t.y, t.n_samples, 1.0) == 357);
    CHECK(count_label(t.y, t.n_samples, 0.0) == 212);
    // First row: 17.99,10.38,...,0.1189,0 ; last row: ...,0.07039,1
    CHECK(t.X[0] == 17.99 && t.X[1] == 10.38 && t.X[29] == 0.1189 && t.y[0] == 0.0);
    CHECK(t.X[568 * 30 + 29] == 0.07039 && t.y[568] == 1.0);
    data_free_table(&t);
}

static void builtin_accepts_its_label_by_name_and_names_itself_in_errors(void) {
    Table t;
    char err[ERR_LEN] = "";
    CHECK(data_load_table(&t, "breast_cancer", "benign", NULL, err) == 0);
    CHECK(t.n_features == 30);
    data_free_table(&t);
    CHECK(data_load_table(&t, "breast_cancer", "Benign", NULL, err) == 2);
    CHECK_STR_CONTAINS(err, "<builtin breast_cancer>:1:1: no label column \"Benign\"");
    CHECK_STR_CONTAINS(err, "did you mean \"benign\"?");
}

// ---- Loading files -----------------------------------------------------------------------

static void unreadable_file_error_names_the_path_and_the_reason(void) {
    Table t;
    char err[ERR_LEN] = "";
    CHECK(data_load_table(&t, "/nonexistent/dir/x.csv", NULL, NULL, err) == 2);
    CHECK(strcmp(err, "/nonexistent/dir/x.csv: cannot read: No such file or directory") == 0);
    CHECK(t.X == NULL);
    CHECK(data_load_table(&t, "tests/csv", NULL, NULL, err) == 2);
    CHECK(strcmp(err, "tests/csv: cannot read: Is a directory") == 0);
}

static void small_fixture_loads_with_quoted_header_crlf_and_label_not_last(void) {
    Table t;
    char err[ERR_LEN] = "";
    int rc = data_load_table(&t, "tests/csv/small.csv", "y", NULL, err);
    CHECK(rc == 0);
    if (rc) { fprintf(stderr, "  %s\n", err); return; }
    CHECK(t.n_samples == 40 && t.n_features == 3);
    CHECK(strcmp(t.label_name, "y") == 0);
    CHECK(strcmp(t.feature_names[0], "x1") == 0 && strcmp(t.feature_names[1], "x2") == 0 &&
          strcmp(t.feature_names[2], "x3") == 0);
    CHECK(count_label(t.y, 40, 1.0) == 24 && count_label(t.y, 40, 0.0) == 16);
    data_free_table(&t);
}

// Each tests/csv/NAME.csv with a NAME.expect fails with "tests/csv/NAME.csv:" + that line,
// whether the label is named or left to default to the last column.
static void malformed_fixtures_fail_as_their_expect_files_say(void) {
    const char *names[] = {"bad_cell", "ragged", "mixed_label", "one_class"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[256], want[1024], line[400] = "";
        snprintf(path, sizeof path, "tests/csv/%s.expect", names[i]);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (!f) continue;
        CHECK(fgets(line, sizeof line, f) != NULL);
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(path, sizeof path, "tests/csv/%s.csv", names[i]);
        snprintf(want, sizeof want, "%s:%s", path, line);
        for (int named = 0; named < 2; named++) {
            Table t;
            char err[ERR_LEN] = "";
            CHECK(data_load_table(&t, path, named ? "y" : NULL, NULL, err) == 2);
            CHECK_STR_CONTAINS(err, want);
        }
    }
}

// ---- Labels and classes ------------------------------------------------------------------

// v3: other labels than 0 and 1 make other tasks (test_task.c); what stays an error here is a
// label cell that is no label at all.
static void a_label_cell_that_is_no_label_is_rejected(void) {
    expect_error("a,benign\n1,0\n1,yes\n", NULL, "t.csv:3:3: column \"benign\": expected a number like the first row's "
                 "label 0, found \"yes\"");
    expect_error("a,y\n1,\n", NULL, "t.csv:2:3: column \"y\": expected a label, found an empty cell");
    expect_error("a,y\n1,0\n2,inf\n", NULL, "t.csv:3:3: column \"y\": expected a finite number or a name");
}

static void label_column_with_one_class_is_rejected(void) {
    expect_error("a,y,b\n1,1,2\n3,1,4\n", "y", "t.csv:1:3: column \"y\": every row has label 1; need rows of both classes");
    expect_error("a,y\n1,0\n", NULL, "every row has label 0");
}

static void labels_are_kept_as_their_class(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, "a,y\n1,1.0\n2,-0\n3,0e5\n4,+1\n", NULL, err) == 0);
    CHECK(t.y[0] == 1.0 && t.y[1] == 0.0 && !signbit(t.y[1]) && t.y[2] == 0.0 && t.y[3] == 1.0);
    CHECK(t.task == TASK_BINARY && t.n_classes == 2 && strcmp(t.class_names[1], "1") == 0);
    data_free_table(&t);
}

static void a_class_is_a_whole_number_below_k(void) {
    CHECK(data_class_of(0.0, 2) == 0 && data_class_of(-0.0, 2) == 0 && data_class_of(1.0, 2) == 1);
    CHECK(data_class_of(2.0, 3) == 2 && data_class_of(999.0, 1000) == 999);
    double no[] = {0.5, 2.0, -1.0, 1.0 + 1e-15, NAN, INFINITY};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) CHECK(data_class_of(no[i], 2) == -1);
    // A zeroed table is binary (classes 0 and 1); regression has no classes.
    Table t = {0};
    CHECK(data_table_classes(&t) == 2);
    t.task = TASK_REGRESSION;
    CHECK(data_table_classes(&t) == 0);
    t.task = TASK_MULTICLASS, t.n_classes = 7;
    CHECK(data_table_classes(&t) == 7);
}

static void classes_are_counted_row_by_row(void) {
    double y[7] = {1, 0, 0, 1, 1, 1, 0};
    int64_t count[3] = {-1, -1, -1};
    CHECK(data_count_classes(y, 7, 2, count) == -1 && count[0] == 3 && count[1] == 4);
    CHECK(data_count_classes(y, 0, 2, count) == -1 && count[0] == 0 && count[1] == 0);
    double y3[5] = {2, 0, 2, 1, 2};
    CHECK(data_count_classes(y3, 5, 3, count) == -1 && count[0] == 1 && count[1] == 1 && count[2] == 3);
    // The first row that is no class is named, and the count covers the rows before it.
    double bad[5] = {0, 1, 1, 0.5, 7};
    CHECK(data_count_classes(bad, 5, 2, count) == 3 && count[0] == 1 && count[1] == 2);
    CHECK(data_count_classes(y3, 5, 2, count) == 0);
}

static void training_class_counts_follow_the_split(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_NONE, err) == 0);
    CHECK(data_n_groups(&d) == 2 && d.class_count[0] == 170 && d.class_count[1] == 285);
    int64_t which = -1;
    CHECK(data_smallest_class(&d, &which) == 170 && which == 0);
    CHECK(d.task == TASK_BINARY && d.n_classes == 2 && strcmp(d.class_names[0], "0") == 0);
    CHECK(d.target_offset == 0.0 && d.target_scale == 1.0 && d.split_target_offset == NULL && d.y_raw == NULL);
    data_free(&d);
    data_free_table(&t);
}

// Mutations of a valid CSV must never crash or leak (this test matters under ASan/LSan).
static void random_byte_mutations_fail_cleanly_or_parse(void) {
    const char *seed = "\xEF\xBB\xBF\"a\",b ,y\r\n1.5,\"2\",0\r\n-3,4e2,1\n 5 , 6 ,0\n\n";
    const char alphabet[] = ",\"\n\r 0123456789.eE+-xy\t\xEF\xBB\xBF";
    size_t n0 = strlen(seed);
    Rng r;
    rng_init(&r, 12345, 99, 0, 0);
    int ok = 0, bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char buf[128];
        size_t n = n0;
        memcpy(buf, seed, n);
        int edits = 1 + (int)rng_below(&r, 4);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)rng_below(&r, n + 1);
            char ch = rng_below(&r, 4) ? alphabet[rng_below(&r, sizeof alphabet - 1)] : (char)rng_below(&r, 256);
            int op = (int)rng_below(&r, 3);
            if (op == 0 && at < n) buf[at] = ch;
            else if (op == 1 && n < sizeof buf - 1) { memmove(buf + at + 1, buf + at, n - at); buf[at] = ch; n++; }
            else if (at < n) { memmove(buf + at, buf + at + 1, n - at - 1); n--; }
        }
        char *text = malloc(n ? n : 1); // exact size, so ASan sees any read past the end
        memcpy(text, buf, n);
        Table t;
        char err[ERR_LEN] = "";
        const char *labels[] = {NULL, "y", "a"};
        int rc = data_parse_csv(&t, text, n, "m.csv", labels[iter % 3], NULL, err);
        if (rc == 0) {
            ok++;
            CHECK(t.n_samples >= 2 && t.n_features >= 1);
            Dataset d;
            if (data_prepare(&d, &t, 0.25, (uint64_t)iter, (ScaleKind)(iter % 3), err) == 0) {
                CHECK(d.n_train + d.n_test == t.n_samples);
            }
            data_free(&d);
        } else {
            bad++;
            CHECK(rc == 2);
            CHECK(strncmp(err, "m.csv:", 6) == 0 && strchr(err, '\n') == NULL);
        }
        data_free_table(&t);
        free(text);
    }
    CHECK(ok > 100 && bad > 100);
}

// ---- Split -------------------------------------------------------------------------------

static void breast_cancer_split_has_455_train_and_114_test_rows_72_of_them_benign(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_MINMAX, err) == 0);
    CHECK(d.n_samples == 569 && d.n_features == 30);
    CHECK(d.n_train == 455 && d.n_test == 114);
    CHECK(count_label(d.y_test, d.n_test, 1.0) == 72 && count_label(d.y_test, d.n_test, 0.0) == 42);
    CHECK(count_label(d.y_train, d.n_train, 1.0) == 285 && count_label(d.y_train, d.n_train, 0.0) == 170);
    data_free(&d);
    data_free_table(&t);
}

static void split_is_stratified_and_covers_every_row_once(void) {
    Table t = load_builtin();
    for (uint64_t seed = 0; seed < 5; seed++) {
        Dataset d;
        char err[ERR_LEN] = "";
        CHECK(data_prepare(&d, &t, 0.3, seed, SCALE_NONE, err) == 0);
        int seen[569] = {0};
        for (int64_t i = 0; i < d.n_train; i++) seen[d.train_index[i]]++;
        for (int64_t i = 0; i < d.n_test; i++) seen[d.test_index[i]]++;
        int once = 1;
        for (int i = 0; i < 569; i++) once &= seen[i] == 1;
        CHECK(once);
        // n_test = ceil(170.7) = 171: 171*357/569 = 107.28, 171*212/569 = 63.71 -> 107 + 64.
        CHECK(d.n_test == 171 && count_label(d.y_test, d.n_test, 1.0) == 107);
        for (int64_t i = 0; i < d.n_test; i++) CHECK(d.y_test[i] == t.y[d.test_index[i]]);
        for (int64_t i = 0; i < d.n_train; i++) CHECK(d.y_train[i] == t.y[d.train_index[i]]);
        data_free(&d);
    }
    data_free_table(&t);
}

static void split_depends_on_split_seed_alone(void) {
    Table t = load_builtin();
    Dataset a, b, c;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&a, &t, 0.2, 7, SCALE_MINMAX, err) == 0);
    CHECK(data_prepare(&b, &t, 0.2, 7, SCALE_STANDARD, err) == 0);
    CHECK(data_prepare(&c, &t, 0.2, 8, SCALE_MINMAX, err) == 0);
    CHECK(memcmp(a.train_index, b.train_index, (size_t)a.n_train * sizeof *a.train_index) == 0);
    CHECK(memcmp(a.test_index, b.test_index, (size_t)a.n_test * sizeof *a.test_index) == 0);
    CHECK(memcmp(a.test_index, c.test_index, (size_t)a.n_test * sizeof *a.test_index) != 0);
    data_free(&a);
    data_free(&b);
    data_free(&c);
    data_free_table(&t);
}

// Redraws the split by the documented algorithm on a small table and compares.
static void split_follows_the_documented_walk_over_the_permutation(void) {
    double y[12] = {0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1}; // 4 zeros, 8 ones
    Table t = make_table(12, 2, y);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.25, 99, SCALE_NONE, err) == 0);
    // n_test 3: quotas floor(3*4/12) = 1 and floor(3*8/12) = 2, nothing left over.
    int64_t perm[12], train[12], test[12], n_tr = 0, n_te = 0, quota[2] = {1, 2}, taken[2] = {0, 0};
    for (int i = 0; i < 12; i++) perm[i] = i;
    Rng r;
    rng_init(&r, 99, RNG_SPLIT, 0, 0);
    rng_permute(&r, perm, 12);
    for (int i = 0; i < 12; i++) {
        int c = y[perm[i]] == 1.0;
        if (taken[c] < quota[c]) { taken[c]++; test[n_te++] = perm[i]; }
        else train[n_tr++] = perm[i];
    }
    CHECK(d.n_test == 3 && d.n_train == 9);
    CHECK(memcmp(d.test_index, test, sizeof(int64_t) * 3) == 0);
    CHECK(memcmp(d.train_index, train, sizeof(int64_t) * 9) == 0);
    data_free(&d);
    data_free_table(&t);
}

static void leftover_test_slot_goes_to_the_largest_fraction_ties_to_class_0(void) {
    char err[ERR_LEN] = "";
    // n 5 (2 zeros, 3 ones), n_test 1: fractions 0.4 and 0.6 -> class 1.
    double y1[5] = {0, 0, 1, 1, 1};
    Table t = make_table(5, 1, y1);
    Dataset d;
    CHECK(data_prepare(&d, &t, 0.2, 1, SCALE_NONE, err) == 0);
    CHECK(d.n_test == 1 && d.y_test[0] == 1.0);
    data_free(&d);
    data_free_table(&t);
    // n 4 (2 and 2), n_test 1: fractions 0.5 and 0.5 -> class 0.
    double y2[4] = {1, 0, 1, 0};
    t = make_table(4, 1, y2);
    for (uint64_t seed = 0; seed < 4; seed++) {
        CHECK(data_prepare(&d, &t, 0.25, seed, SCALE_NONE, err) == 0);
        CHECK(d.n_test == 1 && d.y_test[0] == 0.0);
        data_free(&d);
    }
    data_free_table(&t);
}

static void test_size_rounds_up_but_forgives_float_error(void) {
    double y[30];
    for (int i = 0; i < 30; i++) y[i] = i % 2;
    Table t = make_table(30, 1, y);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.1, 0, SCALE_NONE, err) == 0); // 0.1 * 30 = 3.0000000000000004
    CHECK(d.n_test == 3);
    data_free(&d);
    CHECK(data_prepare(&d, &t, 0.101, 0, SCALE_NONE, err) == 0); // 3.03 -> 4
    CHECK(d.n_test == 4 && d.n_train == 26);
    data_free(&d);
    data_free_table(&t);
}

static void impossible_test_fractions_are_rejected_naming_fraction_and_n(void) {
    double y[10] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    Table t = make_table(10, 2, y);
    Dataset d;
    char err[ERR_LEN] = "";
    double bad[] = {-0.5, 1.0, 1.5, 0.95, 1e-12, NAN, INFINITY};   // 0 is allowed: see below
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECK(data_prepare(&d, &t, bad[i], 0, SCALE_MINMAX, err) == 2);
        CHECK_STR_CONTAINS(err, "test_fraction ");
        CHECK_STR_CONTAINS(err, "(n = 10)");
        CHECK(strchr(err, '\n') == NULL);
        CHECK(d.train_index == NULL && d.X_train == NULL && d.n_train == 0);
    }
    data_free_table(&t);
    // One row of class 0 would go to the test part (tie at 0.5 -> class 0), leaving it none.
    double y1[10] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    t = make_table(10, 2, y1);
    CHECK(data_prepare(&d, &t, 0.5, 0, SCALE_MINMAX, err) == 2);
    CHECK_STR_CONTAINS(err, "test_fraction 0.5 leaves no training row of class 0, which has 1 row (n = 10)");
    CHECK(data_prepare(&d, &t, 0.4, 0, SCALE_MINMAX, err) == 0);
    data_free(&d);
    data_free_table(&t);
}

static void tables_with_bad_labels_or_no_rows_are_rejected(void) {
    double y[4] = {0, 1, 0.5, 1};
    Table t = make_table(4, 1, y);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.5, 0, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "row 2 has label 0.5");
    data_free_table(&t);
    Table empty = {0};
    CHECK(data_prepare(&d, &empty, 0.5, 0, SCALE_NONE, err) == 2);
    CHECK_STR_CONTAINS(err, "the table is empty");
}

// ---- Scaling -----------------------------------------------------------------------------

static void scaling_uses_training_rows_only(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_MINMAX, err) == 0);
    int64_t D = 30;
    int test_outside = 0;
    for (int64_t j = 0; j < D; j++) {
        double lo = INFINITY, hi = -INFINITY, slo = INFINITY, shi = -INFINITY;
        for (int64_t i = 0; i < d.n_train; i++) {
            double x = t.X[d.train_index[i] * D + j];
            lo = fmin(lo, x);
            hi = fmax(hi, x);
            slo = fmin(slo, d.X_train[i * D + j]);
            shi = fmax(shi, d.X_train[i * D + j]);
        }
        CHECK(d.feature_offset[j] == lo);
        CHECK(d.feature_scale[j] == 1.0 / (hi - lo));
        CHECK(slo == 0.0);
        CHECK_NEAR(shi, 1.0, 1e-12);
        for (int64_t i = 0; i < d.n_test; i++) {
            double x = t.X[d.test_index[i] * D + j];
            CHECK(d.X_test[i * D + j] == (x - lo) * (1.0 / (hi - lo)));
            test_outside |= d.X_test[i * D + j] < 0.0 || d.X_test[i * D + j] > 1.0;
        }
    }
    CHECK(test_outside); // with seed 42 some test value lies outside the training range
    data_free(&d);
    data_free_table(&t);
}

static void standard_scaling_gives_zero_mean_and_unit_population_std_on_training_rows(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 3, SCALE_STANDARD, err) == 0);
    int64_t D = 30, n = d.n_train;
    for (int64_t j = 0; j < D; j++) {
        double sum = 0, sq = 0;
        for (int64_t i = 0; i < n; i++) sum += d.X_train[i * D + j];
        for (int64_t i = 0; i < n; i++) sq += (d.X_train[i * D + j] - sum / n) * (d.X_train[i * D + j] - sum / n);
        CHECK_NEAR(sum / n, 0.0, 1e-12);
        CHECK_NEAR(sqrt(sq / n), 1.0, 1e-12);
    }
    // Hand-checked on a tiny table: training values 1, 2, 3, 6 -> mean 3, std sqrt(3.5).
    double y[5] = {0, 1, 0, 1, 1};
    Table s = make_table(5, 1, y);
    double xs[5] = {1, 2, 3, 6, 100};
    memcpy(s.X, xs, sizeof xs);
    Dataset e;
    CHECK(data_prepare(&e, &s, 0.2, 0, SCALE_STANDARD, err) == 0);
    CHECK(e.n_test == 1);
    double held = s.X[e.test_index[0]], sum = 0;
    for (int i = 0; i < 5; i++) sum += xs[i];
    double mean = (sum - held) / 4, sq = 0;
    for (int i = 0; i < 5; i++)
        if (xs[i] != held) sq += (xs[i] - mean) * (xs[i] - mean);
    CHECK_NEAR(e.feature_offset[0], mean, 1e-15);
    CHECK_NEAR(e.feature_scale[0], 1.0 / sqrt(sq / 4), 1e-15);
    CHECK_NEAR(e.X_test[0], (held - mean) / sqrt(sq / 4), 1e-12);
    data_free(&e);
    data_free_table(&s);
    data_free(&d);
    data_free_table(&t);
}

static void constant_feature_gets_scale_one(void) {
    double y[6] = {0, 1, 0, 1, 0, 1};
    Table t = make_table(6, 2, y);
    for (int i = 0; i < 6; i++) t.X[i * 2 + 1] = 4.5;
    for (int k = 0; k < 2; k++) {
        Dataset d;
        char err[ERR_LEN] = "";
        CHECK(data_prepare(&d, &t, 0.34, 0, k ? SCALE_STANDARD : SCALE_MINMAX, err) == 0);
        CHECK(d.feature_offset[1] == 4.5 && d.feature_scale[1] == 1.0);
        for (int64_t i = 0; i < d.n_train; i++) CHECK(d.X_train[i * 2 + 1] == 0.0);
        CHECK(d.feature_scale[0] != 1.0);
        data_free(&d);
    }
    data_free_table(&t);
}

static void no_scaling_keeps_values_and_rows_follow_their_index(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 5, SCALE_NONE, err) == 0);
    for (int64_t j = 0; j < 30; j++) CHECK(d.feature_offset[j] == 0.0 && d.feature_scale[j] == 1.0);
    int same = 1;
    for (int64_t i = 0; i < d.n_train; i++)
        same &= memcmp(d.X_train + i * 30, t.X + d.train_index[i] * 30, 30 * sizeof(double)) == 0;
    for (int64_t i = 0; i < d.n_test; i++)
        same &= memcmp(d.X_test + i * 30, t.X + d.test_index[i] * 30, 30 * sizeof(double)) == 0;
    CHECK(same);
    data_free(&d);
    data_free_table(&t);
}

static void dataset_keeps_its_own_copy_of_feature_names(void) {
    Table t = load_builtin();
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_MINMAX, err) == 0);
    CHECK(d.feature_names != t.feature_names && d.feature_names[0] != t.feature_names[0]);
    data_free_table(&t);
    CHECK(strcmp(d.feature_names[0], "mean_radius") == 0 && strcmp(d.feature_names[29], "worst_fractal_dimension") == 0);
    data_free(&d);
}

static void free_functions_zero_the_struct_and_accept_a_zeroed_one(void) {
    Table t = {0};
    Dataset d = {0};
    data_free_table(&t);
    data_free(&d);
    Table b = load_builtin();
    data_free_table(&b);
    CHECK(b.X == NULL && b.feature_names == NULL && b.n_samples == 0 && b.n_features == 0);
    data_free_table(&b);
    CHECK(t.X == NULL && d.X_train == NULL);
}

static void scale_names_round_trip(void) {
    ScaleKind k;
    CHECK(data_scale_parse("standard", &k) == 0 && k == SCALE_STANDARD);
    CHECK(strcmp(data_scale_name(SCALE_NONE), "none") == 0);
    CHECK(data_scale_parse("MinMax", &k) == -1);
}

// ---------------------------------------------------------------------------------------------
// Cross-validation folds

static void zero_test_fraction_puts_every_row_in_training(void) {
    double y[10] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    Table t = make_table(10, 2, y);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.0, 3, SCALE_MINMAX, err) == 0);
    CHECK(d.n_train == 10 && d.n_test == 0);
    data_free(&d);
    data_free_table(&t);
}

static int prepare_breast_cancer_folds(Table *t, Dataset *d, int64_t K, int64_t R, uint64_t seed, ScaleKind scale) {
    char err[ERR_LEN] = "";
    if (data_load_table(t, "breast_cancer", NULL, NULL, err) != 0) return -1;
    if (data_prepare(d, t, 0.2, seed, scale, err) != 0) return -1;
    return data_folds(d, t, K, R, seed, scale, err);
}

static void folds_are_stratified_disjoint_and_cover_the_training_part(void) {
    Table t;
    Dataset d;
    CHECK(prepare_breast_cancer_folds(&t, &d, 5, 3, 42, SCALE_MINMAX) == 0);
    CHECK(d.n_folds == 5 && d.n_repeats == 3);
    for (int64_t r = 0; r < 3; r++) {
        int64_t per[5][2] = {{0}};
        for (int64_t i = 0; i < d.n_train; i++) {
            int32_t k = d.folds[r * d.n_train + i];
            CHECK(k >= 0 && k < 5);   // every row in exactly one fold
            if (k >= 0 && k < 5) per[k][d.y_train[i] == 1.0]++;
        }
        for (int c = 0; c < 2; c++) {
            int64_t lo = per[0][c], hi = per[0][c];
            for (int k = 1; k < 5; k++) { if (per[k][c] < lo) lo = per[k][c]; if (per[k][c] > hi) hi = per[k][c]; }
            CHECK(hi - lo <= 1);      // stratified: per class within one row
            CHECK(per[0][c] == hi);   // fold 0 the largest (round-robin from fold 0)
        }
    }
    // A new partition per repeat.
    CHECK(memcmp(d.folds, d.folds + d.n_train, (size_t)d.n_train * sizeof *d.folds) != 0);
    data_free(&d);
    data_free_table(&t);
}

static void folds_depend_on_split_seed_and_repeat_alone(void) {
    Table t1, t2;
    Dataset a, b;
    CHECK(prepare_breast_cancer_folds(&t1, &a, 5, 2, 7, SCALE_MINMAX) == 0);
    CHECK(prepare_breast_cancer_folds(&t2, &b, 5, 4, 7, SCALE_STANDARD) == 0);
    // More repeats and another scaling: the first two repeats' folds are the same.
    CHECK(memcmp(a.folds, b.folds, (size_t)(2 * a.n_train) * sizeof *a.folds) == 0);
    data_free(&a);
    data_free(&b);
    data_free_table(&t1);
    data_free_table(&t2);
}

static void each_split_scales_with_its_own_training_rows(void) {
    Table t;
    Dataset d;
    CHECK(prepare_breast_cancer_folds(&t, &d, 4, 2, 42, SCALE_MINMAX) == 0);
    int64_t D = d.n_features;
    double *buf = malloc((size_t)data_view_doubles(&d) * sizeof *buf);
    CHECK(buf != NULL);
    for (int64_t r = 0; buf && r < 2; r++)
        for (int64_t k = 0; k < 4; k++) {
            DataView v;
            data_view(&d, r, k, buf, &v);
            CHECK(v.n_fit + v.n_val == d.n_train && v.n_test == d.n_test);
            // minmax on the fit rows: every feature spans exactly [0, 1] there.
            for (int64_t j = 0; j < D; j++) {
                double lo = 1e300, hi = -1e300;
                for (int64_t i = 0; i < v.n_fit; i++) {
                    double x = v.X_fit[i * D + j];
                    if (x < lo) lo = x;
                    if (x > hi) hi = x;
                }
                CHECK(lo == 0.0);
                CHECK(fabs(hi - 1.0) < 1e-15);
            }
            // The rows are the training part's, in train_index order, split by the fold.
            const int32_t *fold = d.folds + r * d.n_train;
            const double *off = d.split_offset + (r * 4 + k) * D, *sc = d.split_scale + (r * 4 + k) * D;
            int64_t f = 0, q = 0;
            for (int64_t i = 0; i < d.n_train; i++) {
                const double *raw = t.X + d.train_index[i] * D;
                const double *got = fold[i] == k ? v.X_val + (q++) * D : v.X_fit + (f++) * D;
                const double *yv = fold[i] == k ? v.y_val + q - 1 : v.y_fit + f - 1;
                CHECK(*yv == d.y_train[i]);
                for (int64_t j = 0; j < D; j++) CHECK(got[j] == (raw[j] - off[j]) * sc[j]);
            }
            for (int64_t i = 0; i < d.n_test; i++)
                for (int64_t j = 0; j < D; j++)
                    CHECK(v.X_test[i * D + j] == (t.X[d.test_index[i] * D + j] - off[j]) * sc[j]);
        }
    free(buf);
    data_free(&d);
    data_free_table(&t);
}

static void without_folds_the_view_is_the_dataset_itself(void) {
    Table t;
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_load_table(&t, "breast_cancer", NULL, NULL, err) == 0);
    CHECK(data_prepare(&d, &t, 0.2, 42, SCALE_MINMAX, err) == 0);
    CHECK(data_view_doubles(&d) == 0);
    DataView v;
    data_view(&d, 0, 0, NULL, &v);
    CHECK(v.X_fit == d.X_train && v.n_fit == d.n_train && v.n_val == 0 && v.X_test == d.X_test);
    CHECK(data_min_fit_rows(&d, 1) == d.n_train);
    CHECK(data_min_fit_rows(&d, 5) == 455 - 34 - 57);
    CHECK(data_max_fit_rows(&d, 5) == 455 - 34 - 57 && data_max_fit_rows(&d, 4) == 455 - 42 - 71);
    data_free(&d);
    data_free_table(&t);
}

static void too_many_folds_are_refused(void) {
    double y[10] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    Table t = make_table(10, 2, y);
    Dataset d;
    char err[ERR_LEN] = "";
    CHECK(data_prepare(&d, &t, 0.2, 0, SCALE_NONE, err) == 0);
    CHECK(data_folds(&d, &t, 5, 1, 0, SCALE_NONE, err) == 2);   // 4 training rows per class
    CHECK_STR_CONTAINS(err, "5 folds");
    CHECK(data_folds(&d, &t, 4, 2, 0, SCALE_NONE, err) == 0);
    data_free(&d);
    data_free_table(&t);
}

int main(void) {
    RUN(builtin_is_recognised_by_its_name_only);
    RUN(builtin_table_has_569_rows_and_30_features);
    RUN(builtin_accepts_its_label_by_name_and_names_itself_in_errors);
    RUN(unreadable_file_error_names_the_path_and_the_reason);
    RUN(small_fixture_loads_with_quoted_header_crlf_and_label_not_last);
    RUN(malformed_fixtures_fail_as_their_expect_files_say);
    RUN(a_label_cell_that_is_no_label_is_rejected);
    RUN(label_column_with_one_class_is_rejected);
    RUN(labels_are_kept_as_their_class);
    RUN(a_class_is_a_whole_number_below_k);
    RUN(classes_are_counted_row_by_row);
    RUN(training_class_counts_follow_the_split);
    RUN(random_byte_mutations_fail_cleanly_or_parse);
    RUN(breast_cancer_split_has_455_train_and_114_test_rows_72_of_them_benign);
    RUN(split_is_stratified_and_covers_every_row_once);
    RUN(split_depends_on_split_seed_alone);
    RUN(split_follows_the_documented_walk_over_the_permutation);
    RUN(leftover_test_slot_goes_to_the_largest_fraction_ties_to_class_0);
    RUN(test_size_rounds_up_but_forgives_float_error);
    RUN(impossible_test_fractions_are_rejected_naming_fraction_and_n);
    RUN(tables_with_bad_labels_or_no_rows_are_rejected);
    RUN(scaling_uses_training_rows_only);
    RUN(standard_scaling_gives_zero_mean_and_unit_population_std_on_training_rows);
    RUN(constant_feature_gets_scale_one);
    RUN(no_scaling_keeps_values_and_rows_follow_their_index);
    RUN(dataset_keeps_its_own_copy_of_feature_names);
    RUN(free_functions_zero_the_struct_and_accept_a_zeroed_one);
    RUN(scale_names_round_trip);
    RUN(zero_test_fraction_puts_every_row_in_training);
    RUN(folds_are_stratified_disjoint_and_cover_the_training_part);
    RUN(folds_depend_on_split_seed_and_repeat_alone);
    RUN(each_split_scales_with_its_own_training_rows);
    RUN(without_folds_the_view_is_the_dataset_itself);
    RUN(too_many_folds_are_refused);
    return CHECK_SUMMARY();
}
