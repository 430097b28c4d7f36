// test_task.c: what a label column means (task.h, task_labels.h, through data_parse_csv and
// data_load_table): the task auto decides, the checks of an explicit task, the classes' order
// and names, and every error, located. The split and folds over K classes are
// test_data_tasks.c's.
#include "check.h"

#include "data.h"
#include "sweep.h"
#include "task.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- Helpers -----------------------------------------------------------------------------

// A CSV "x,y" with one row per label, x = the row's number.
static char *csv_of(const char *const *labels, int n) {
    size_t cap = 16 + (size_t)n * 40;
    char *s = malloc(cap);
    size_t k = (size_t)snprintf(s, cap, "x,y\n");
    for (int i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%d,%s\n", i, labels[i]);
    return s;
}

static TaskRequest request(int task, const char *const *classes, int64_t n_classes) {
    TaskRequest r = TASK_REQUEST_AUTO;
    r.task = task;
    r.classes = classes;
    r.n_classes = n_classes;
    return r;
}

// Parses text with req (NULL: auto); expects success.
static int load(Table *t, const char *text, TaskRequest *req) {
    char err[ERR_LEN] = "";
    int rc = data_parse_csv(t, text, strlen(text), "t.csv", NULL, req, err);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "  %s\n  for input: %.200s\n", err, text);
    return rc;
}

// Parses text with req, expecting 2, a one-line message containing want, the table zeroed and
// bad_key as given.
static void expect(const char *text, TaskRequest *req, TaskKey key, int64_t index, const char *want) {
    Table t;
    char err[ERR_LEN] = "";
    TaskRequest dflt = TASK_REQUEST_AUTO;
    if (!req) req = &dflt;
    int rc = data_parse_csv(&t, text, strlen(text), "t.csv", NULL, req, err);
    CHECK(rc == 2);
    CHECK_STR_CONTAINS(err, want);
    CHECK(strchr(err, '\n') == NULL);
    CHECK(req->bad_key == key && req->bad_index == index);
    CHECK(t.y == NULL && t.class_names == NULL && t.n_classes == 0 && t.label_name == NULL);
    if (rc != 2 || !strstr(err, want)) fprintf(stderr, "  got: %s\n  for input: %.200s\n", err, text);
    data_free_table(&t);
}

static int names_are(const Table *t, const char *const *want, int64_t K) {
    if (t->n_classes != K || !t->class_names) return 0;
    for (int64_t c = 0; c < K; c++)
        if (strcmp(t->class_names[c], want[c]) != 0) return 0;
    return 1;
}

// ---- Names -------------------------------------------------------------------------------

static void task_and_target_scale_names_round_trip(void) {
    int task = 99;
    CHECK(task_parse("auto", &task) == 0 && task == TASK_AUTO);
    CHECK(task_parse("multiclass", &task) == 0 && task == TASK_MULTICLASS);
    CHECK(task_parse("Binary", &task) == -1 && task == TASK_MULTICLASS);
    CHECK(strcmp(task_name(TASK_REGRESSION), "regression") == 0 && strcmp(task_name(TASK_AUTO), "auto") == 0);
    CHECK(strcmp(TASK_NAMES[TASK_BINARY], "binary") == 0 && TASK_BINARY == 0);
    TargetScale s = TARGET_SCALE_STANDARD;
    CHECK(target_scale_parse("none", &s) == 0 && s == TARGET_SCALE_NONE);
    CHECK(target_scale_parse("minmax", &s) == -1);
    CHECK(strcmp(TASK_KEY_NAMES[TASK_KEY_CLASSES], "data.classes") == 0);
}

static void a_number_class_is_named_by_its_shortest_text(void) {
    char s[TASK_NUMBER_TEXT_LEN];
    CHECK(strcmp(task_number_text(1.0, s), "1") == 0);
    CHECK(strcmp(task_number_text(-3.0, s), "-3") == 0);
    CHECK(strcmp(task_number_text(-0.0, s), "0") == 0);
    CHECK(strcmp(task_number_text(2.5, s), "2.5") == 0);
    CHECK(strcmp(task_number_text(0.1, s), "0.1") == 0);
    CHECK(strcmp(task_number_text(100000.0, s), "100000") == 0);
    CHECK(strcmp(task_number_text(123456789012345.0, s), "123456789012345") == 0);
    CHECK(strcmp(task_number_text(1e20, s), "1e+20") == 0);
    CHECK(strtod(task_number_text(1.0 / 3.0, s), NULL) == 1.0 / 3.0 && strlen(s) == 18);   // 0.3333333333333333
}

// ---- auto --------------------------------------------------------------------------------

static void zero_one_labels_are_binary_with_classes_0_and_1(void) {
    Table t;
    if (load(&t, "x,y\n1,1\n2,0\n3,1.0\n4,-0\n5,0e5\n", NULL)) return;
    const char *want[] = {"0", "1"};
    CHECK(t.task == TASK_BINARY && names_are(&t, want, 2));
    CHECK(t.y[0] == 1 && t.y[1] == 0 && t.y[2] == 1 && t.y[3] == 0 && !signbit(t.y[3]) && t.y[4] == 0);
    data_free_table(&t);
}

static void two_names_are_binary_in_byte_order(void) {
    Table t;
    if (load(&t, "x,y\n1,yes\n2,no\n3,\"yes\"\n", NULL)) return;
    const char *want[] = {"no", "yes"};
    CHECK(t.task == TASK_BINARY && names_are(&t, want, 2));
    CHECK(t.y[0] == 1 && t.y[1] == 0 && t.y[2] == 1);
    data_free_table(&t);
    // Bytes, not letters: "B" (66) before "a" (97); UTF-8 after ASCII.
    if (load(&t, "x,y\n1,a\n2,B\n3,\xC3\xA9\n", NULL)) return;
    const char *three[] = {"B", "a", "\xC3\xA9"};
    CHECK(t.task == TASK_MULTICLASS && names_are(&t, three, 3) && t.y[0] == 1 && t.y[2] == 2);
    data_free_table(&t);
}

static void three_to_100_integers_are_multiclass_in_numeric_order(void) {
    Table t;
    if (load(&t, "x,y\n1,10\n2,9\n3,-1\n4,9.0\n5,10\n", NULL)) return;
    const char *want[] = {"-1", "9", "10"};
    CHECK(t.task == TASK_MULTICLASS && names_are(&t, want, 3));
    CHECK(t.y[0] == 2 && t.y[1] == 1 && t.y[2] == 0 && t.y[3] == 1 && t.y[4] == 2);
    data_free_table(&t);
    const char *labels[100];
    char buf[100][8];
    for (int i = 0; i < 100; i++) { snprintf(buf[i], 8, "%d", 99 - i); labels[i] = buf[i]; }
    char *text = csv_of(labels, 100);
    if (!load(&t, text, NULL)) {
        CHECK(t.task == TASK_MULTICLASS && t.n_classes == 100 && t.y[0] == 99 && t.y[99] == 0);
        CHECK(strcmp(t.class_names[99], "99") == 0);
        data_free_table(&t);
    }
    free(text);
}

static void a_non_integer_anywhere_makes_a_regression_target(void) {
    Table t;
    if (load(&t, "x,y\n1,3\n2,1\n3,2\n4,0.5\n5,3\n", NULL)) return;
    CHECK(t.task == TASK_REGRESSION && t.n_classes == 0 && t.class_names == NULL);
    CHECK(t.y[0] == 3 && t.y[3] == 0.5 && t.target_scaling == TARGET_SCALE_STANDARD);
    data_free_table(&t);
    // Many distinct integers and one fraction: still regression, no limit on distinct values.
    const char *labels[300];
    char buf[300][16];
    for (int i = 0; i < 300; i++) { snprintf(buf[i], 16, "%d", i * 7); labels[i] = buf[i]; }
    labels[150] = "1.25";
    char *text = csv_of(labels, 300);
    if (!load(&t, text, NULL)) {
        CHECK(t.task == TASK_REGRESSION && t.y[150] == 1.25 && t.y[299] == 299 * 7);
        data_free_table(&t);
    }
    free(text);
}

static void more_than_100_classes_ask_for_an_explicit_task(void) {
    const char *labels[1200];
    char buf[1200][16];
    for (int i = 0; i < 1200; i++) { snprintf(buf[i], 16, "%d", i); labels[i] = buf[i]; }
    char *text = csv_of(labels, 101);
    expect(text, NULL, TASK_KEY_NONE, -1, "t.csv:1:3: column \"y\": 101 distinct integer labels, more than the 100 "
           "classes task auto makes; set task: regression for a numeric target, or task: multiclass (at most 1000 classes)");
    TaskRequest multi = request(TASK_MULTICLASS, NULL, 0);
    Table t;
    if (!load(&t, text, &multi)) { CHECK(t.n_classes == 101); data_free_table(&t); }
    TaskRequest reg = request(TASK_REGRESSION, NULL, 0);
    if (!load(&t, text, &reg)) { CHECK(t.task == TASK_REGRESSION && t.y[100] == 100); data_free_table(&t); }
    free(text);
    text = csv_of(labels, 1200);   // beyond multiclass: regression alone is offered
    expect(text, NULL, TASK_KEY_NONE, -1, "1200 distinct integer labels, more than the 100 classes task auto makes; "
           "set task: regression for a numeric target");
    free(text);
    for (int i = 0; i < 1200; i++) { snprintf(buf[i], 16, "c%04d", 1199 - i); labels[i] = buf[i]; }
    text = csv_of(labels, 101);
    expect(text, NULL, TASK_KEY_NONE, -1, "t.csv:1:3: column \"y\": 101 distinct names, more than the 100 classes task "
           "auto makes; set task: multiclass (at most 1000 classes)");
    if (!load(&t, text, &multi)) {
        CHECK(t.n_classes == 101 && strcmp(t.class_names[0], "c1099") == 0 && t.y[100] == 0 && t.y[0] == 100);
        data_free_table(&t);
    }
    free(text);
    text = csv_of(labels, 1000);   // the most multiclass takes, interned through a growing table
    if (!load(&t, text, &multi)) {
        CHECK(t.n_classes == 1000 && strcmp(t.class_names[999], "c1199") == 0 && t.y[0] == 999);
        data_free_table(&t);
    }
    free(text);
    text = csv_of(labels, 1001);
    expect(text, &multi, TASK_KEY_NONE, -1, "t.csv:1:3: column \"y\": more than 1000 distinct labels; task multiclass "
           "takes at most 1000 classes");
    expect(text, NULL, TASK_KEY_NONE, -1, "more than 1000 distinct names, more than the 100 classes task auto makes");
    free(text);
    for (int i = 0; i < 1001; i++) { snprintf(buf[i], 16, "%d", i); labels[i] = buf[i]; }
    text = csv_of(labels, 1001);
    expect(text, &multi, TASK_KEY_NONE, -1, "column \"y\": 1001 distinct labels; task multiclass takes at most 1000");
    free(text);
}

// ---- Errors in the column ----------------------------------------------------------------

static void a_column_mixing_numbers_and_names_fails_at_the_first_other_kind(void) {
    expect("x,y\n1,0\n2,1\n3,yes\n4,no\n", NULL, TASK_KEY_NONE, -1,
           "t.csv:4:3: column \"y\": expected a number like the first row's label 0, found \"yes\"");
    expect("x,y\n1,setosa\n2,virginica\n3,2.5\n", NULL, TASK_KEY_NONE, -1,
           "t.csv:4:3: column \"y\": expected a name like the first row's label \"setosa\", found 2.5");
    // A bad feature cell before the label in the same row is reported first, as in v2.
    expect("x,y\n1,0\nz,yes\n", NULL, TASK_KEY_NONE, -1, "t.csv:3:1: column \"x\": expected a number");
}

static void empty_nul_and_non_finite_label_cells_are_errors(void) {
    expect("x,y\n1,0\n2,\n", NULL, TASK_KEY_NONE, -1, "t.csv:3:3: column \"y\": expected a label, found an empty cell");
    TaskRequest reg = request(TASK_REGRESSION, NULL, 0);
    expect("x,y\n1,\"\"\n", &reg, TASK_KEY_NONE, -1, "t.csv:2:3: column \"y\": expected a number, found an empty cell");
    const char nul[] = "x,y\n1,a\n2,\"b\0c\"\n";
    Table t;
    char err[ERR_LEN] = "";
    CHECK(data_parse_csv(&t, nul, sizeof nul - 1, "t.csv", NULL, NULL, err) == 2);
    CHECK_STR_CONTAINS(err, "t.csv:3:3: column \"y\": expected a label without NUL bytes, found \"b\\x00c\"");
    expect("x,y\n1,0\n2,inf\n", NULL, TASK_KEY_NONE, -1, "t.csv:3:3: column \"y\": expected a finite number or a name, "
           "found \"inf\"");
    expect("x,y\n1,nan\n", NULL, TASK_KEY_NONE, -1, "expected a finite number or a name, found \"nan\"");
    expect("x,y\n1,1e999\n", NULL, TASK_KEY_NONE, -1, "t.csv:2:3: column \"y\": expected a label, found \"1e999\" "
           "(too large for a double)");
}

static void a_column_of_one_class_is_an_error_at_the_label(void) {
    expect("x,z,y\n1,2,1\n3,4,1\n", NULL, TASK_KEY_NONE, -1,
           "t.csv:1:5: column \"y\": every row has label 1; need rows of both classes 0 and 1");   // v2's
    expect("x,y\n1,7\n2,7.0\n", NULL, TASK_KEY_NONE, -1,
           "t.csv:1:3: column \"y\": every row has label 7; need rows of at least two classes");
    expect("x,y\n1,cat\n", NULL, TASK_KEY_NONE, -1, "column \"y\": every row has label \"cat\"; need rows of at least two");
    TaskRequest multi = request(TASK_MULTICLASS, NULL, 0), bin = request(TASK_BINARY, NULL, 0);
    expect("x,y\n1,0\n2,0\n", &multi, TASK_KEY_NONE, -1, "every row has label 0; need rows of both classes 0 and 1");
    expect("x,y\n1,a\n2,a\n", &bin, TASK_KEY_NONE, -1, "every row has label \"a\"; need rows of at least two classes");
}

static void task_binary_stops_at_a_third_value(void) {
    TaskRequest bin = request(TASK_BINARY, NULL, 0);
    expect("a,b,y\n1.0,2.0,0\n0.5,1.0,1\n1.5,1.5,1\n0.3,0.4,2\n", &bin, TASK_KEY_NONE, -1,
           "t.csv:5:9: column \"y\": expected a label 0 or 1, found 2 (task binary: two classes)");
    expect("x,y\n1,3\n2,-1\n3,3.0\n4,0.5\n", &bin, TASK_KEY_NONE, -1,
           "t.csv:5:3: column \"y\": expected a label -1 or 3, found 0.5");
    expect("x,y\n1,yes\n2,no\n3,maybe\n", &bin, TASK_KEY_NONE, -1,
           "t.csv:4:3: column \"y\": expected a label \"no\" or \"yes\", found \"maybe\"");
    // Two values of any kind are a binary problem when asked for, fractions too.
    Table t;
    if (load(&t, "x,y\n1,0.5\n2,1.5\n3,0.5\n", &bin)) return;
    const char *want[] = {"0.5", "1.5"};
    CHECK(t.task == TASK_BINARY && names_are(&t, want, 2) && t.y[1] == 1);
    data_free_table(&t);
}

static void task_regression_takes_numbers_only_and_a_constant_only_unscaled(void) {
    TaskRequest reg = request(TASK_REGRESSION, NULL, 0);
    expect("x,y\n1,setosa\n2,3\n", &reg, TASK_KEY_NONE, -1,
           "t.csv:2:3: column \"y\": expected a number (task regression), found \"setosa\"");
    expect("x,y\n1,3\n2,4\n3,n/a\n", &reg, TASK_KEY_NONE, -1, "t.csv:4:3: column \"y\": expected a number (task regression)");
    expect("x,y\n1,3\n2,3\n", &reg, TASK_KEY_NONE, -1, "t.csv:1:3: column \"y\": every row has target 3; target_scale "
           "standard cannot scale a constant target (target_scale: none trains on it as it is)");
    expect("x,y\n1,2.5\n2,2.50\n", NULL, TASK_KEY_NONE, -1, "every row has target 2.5; target_scale standard cannot");
    reg.target_scale = TARGET_SCALE_NONE;
    Table t;
    if (load(&t, "x,y\n1,3\n2,3\n", &reg)) return;
    CHECK(t.task == TASK_REGRESSION && t.target_scaling == TARGET_SCALE_NONE && t.y[1] == 3);
    data_free_table(&t);
    // 0/1 labels may be a regression target when asked for: y stays the numbers.
    reg.target_scale = TARGET_SCALE_STANDARD;
    if (load(&t, "x,y\n1,1\n2,0\n3,1\n", &reg)) return;
    CHECK(t.task == TASK_REGRESSION && t.y[0] == 1 && t.y[1] == 0 && t.n_classes == 0);
    data_free_table(&t);
}

// ---- Classes given -----------------------------------------------------------------------

static void a_classes_list_orders_the_classes(void) {
    const char *order[] = {"virginica", "setosa", "versicolor"};
    TaskRequest req = request(TASK_AUTO, order, 3);
    Table t;
    if (load(&t, "x,y\n1,setosa\n2,versicolor\n3,virginica\n4,setosa\n", &req)) return;
    CHECK(t.task == TASK_MULTICLASS && names_are(&t, order, 3));
    CHECK(t.y[0] == 1 && t.y[1] == 2 && t.y[2] == 0 && t.y[3] == 1);
    data_free_table(&t);
    // Binary: the second entry is class 1, the positive class. Entries read as numbers.
    const char *flip[] = {"1.0", "0"};
    req = request(TASK_BINARY, flip, 2);
    if (load(&t, "x,y\n1,0\n2,1\n3,1\n", &req)) return;
    const char *names[] = {"1", "0"};   // the column's values, in their shortest text
    CHECK(t.task == TASK_BINARY && names_are(&t, names, 2) && t.y[0] == 1 && t.y[1] == 0 && t.y[2] == 0);
    data_free_table(&t);
    // The sorted order restated gives what no list gives.
    const char *same[] = {"0", "1"};
    req = request(TASK_AUTO, same, 2);
    if (load(&t, "x,y\n1,0\n2,1\n3,1\n", &req)) return;
    CHECK(names_are(&t, same, 2) && t.y[0] == 0 && t.y[2] == 1);
    data_free_table(&t);
}

static void a_classes_list_must_name_every_value_once_and_nothing_else(void) {
    const char *text = "x,y\n1,0\n2,1\n3,2\n";
    const char *extra[] = {"0", "1", "2", "5"}, *dup[] = {"0", "1", "1.0", "2"}, *missing[] = {"2", "0"};
    const char *word[] = {"0", "one"};
    TaskRequest req = request(TASK_AUTO, extra, 4);
    expect(text, &req, TASK_KEY_CLASSES, 3, "data.classes[3]: expected a value of column \"y\" (0, 1, 2), found 5");
    req = request(TASK_AUTO, dup, 4);
    expect(text, &req, TASK_KEY_CLASSES, 2,
           "data.classes[2]: expected each value of column \"y\" once, found 1.0 again (data.classes[1])");
    req = request(TASK_MULTICLASS, missing, 2);
    expect(text, &req, TASK_KEY_CLASSES, -1,
           "data.classes: expected every value of column \"y\" (0, 1, 2), found a list without 1");
    req = request(TASK_AUTO, word, 2);
    expect(text, &req, TASK_KEY_CLASSES, 1, "data.classes[1]: expected a value of column \"y\" (0, 1, 2), found \"one\"");
    req = request(TASK_AUTO, word, 0);
    expect(text, &req, TASK_KEY_CLASSES, -1, "data.classes: expected every value of column \"y\" (0, 1, 2), found an "
           "empty list");
    // Names match byte for byte; the list of values is cut after six.
    const char *upper[] = {"A"};
    req = request(TASK_AUTO, upper, 1);
    expect("x,y\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n", &req, TASK_KEY_CLASSES, 0, "data.classes[0]: expected a value of "
           "column \"y\" (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", ... (7 in all)), found \"A\"");
}

static void a_regression_target_takes_no_classes(void) {
    const char *list[] = {"0.5", "1", "2"};
    TaskRequest req = request(TASK_AUTO, list, 3);
    expect("x,y\n1,1\n2,0.5\n3,2\n", &req, TASK_KEY_CLASSES, -1, "data.classes: expected no classes: column \"y\" is a "
           "regression target (it holds numbers that are not integers, such as 0.5 at t.csv:3:3); set data.task to "
           "binary or multiclass to make its values classes");
    req = request(TASK_REGRESSION, list, 3);
    expect("x,y\n1,1\n2,0.5\n3,2\n", &req, TASK_KEY_CLASSES, -1, "data.classes: expected no classes with task regression");
    // Asked for, the same values are classes in the list's order.
    req = request(TASK_MULTICLASS, list, 3);
    Table t;
    if (load(&t, "x,y\n1,1\n2,0.5\n3,2\n", &req)) return;
    const char *names[] = {"0.5", "1", "2"};
    CHECK(names_are(&t, names, 3) && t.y[0] == 1 && t.y[1] == 0);
    data_free_table(&t);
}

// ---- Built-in sources and the request ----------------------------------------------------

static void a_builtin_source_has_its_own_task_and_classes(void) {
    Table t;
    char err[ERR_LEN] = "";
    TaskRequest req = request(TASK_MULTICLASS, NULL, 0);
    CHECK(data_load_table(&t, "iris", "species", &req, err) == 0 && req.bad_key == TASK_KEY_NONE);
    const char *iris[] = {"setosa", "versicolor", "virginica"};
    CHECK(t.task == TASK_MULTICLASS && names_are(&t, iris, 3) && t.y[0] == 0 && t.y[149] == 2);
    data_free_table(&t);
    req = request(TASK_BINARY, NULL, 0);
    CHECK(data_load_table(&t, "iris", NULL, &req, err) == 2 && req.bad_key == TASK_KEY_TASK && req.bad_index == -1);
    CHECK(strcmp(err, "data.task: expected multiclass (the task of the built-in source iris) or auto, found binary") == 0);
    const char *list[] = {"setosa", "versicolor", "virginica"};
    req = request(TASK_AUTO, list, 3);
    CHECK(data_load_table(&t, "iris", NULL, &req, err) == 2 && req.bad_key == TASK_KEY_CLASSES);
    CHECK_STR_CONTAINS(err, "data.classes: expected no classes for the built-in source iris, which has its own; classes "
                       "are for CSV sources");
    CHECK(t.y == NULL);
    // Its label column's name restated is fine; another of its columns is an error at
    // data.label, a name that is none a located one in the source, as in v2.
    req = request(TASK_AUTO, NULL, 0);
    CHECK(data_load_table(&t, "diabetes", "sex", &req, err) == 2 && req.bad_key == TASK_KEY_LABEL);
    CHECK(strcmp(err, "data.label: expected progression (the label column of the built-in source diabetes; label is "
                 "for CSV sources), found \"sex\"") == 0);
    CHECK(data_load_table(&t, "diabetes", "s6_glu", &req, err) == 2 && req.bad_key == TASK_KEY_LABEL);
    CHECK(data_load_table(&t, "diabetes", "s6", &req, err) == 2 && req.bad_key == TASK_KEY_NONE);
    CHECK_STR_CONTAINS(err, "<builtin diabetes>:1:1: no label column \"s6\" in the header");
    // The target scaling is the request's.
    req.target_scale = TARGET_SCALE_NONE;
    CHECK(data_load_table(&t, "diabetes", "progression", &req, err) == 0);
    CHECK(t.task == TASK_REGRESSION && t.target_scaling == TARGET_SCALE_NONE && t.y[0] == 151);
    data_free_table(&t);
}

static void a_request_that_is_not_one_is_refused(void) {
    Table t;
    char err[ERR_LEN] = "";
    TaskRequest req = request(7, NULL, 0);
    CHECK(data_parse_csv(&t, "x,y\n1,0\n2,1\n", 12, "t.csv", NULL, &req, err) == 2);
    CHECK_STR_CONTAINS(err, "invalid task request");
    req = request(TASK_AUTO, NULL, 2);
    CHECK(data_parse_csv(&t, "x,y\n1,0\n2,1\n", 12, "t.csv", NULL, &req, err) == 2);
    const char *holes[] = {"0", NULL};
    req = request(TASK_AUTO, holes, 2);
    CHECK(data_parse_csv(&t, "x,y\n1,0\n2,1\n", 12, "t.csv", NULL, &req, err) == 2);
    CHECK_STR_CONTAINS(err, "class 1 is NULL");
    CHECK(t.X == NULL);
}

int main(void) {
    RUN(task_and_target_scale_names_round_trip);
    RUN(a_number_class_is_named_by_its_shortest_text);
    RUN(zero_one_labels_are_binary_with_classes_0_and_1);
    RUN(two_names_are_binary_in_byte_order);
    RUN(three_to_100_integers_are_multiclass_in_numeric_order);
    RUN(a_non_integer_anywhere_makes_a_regression_target);
    RUN(more_than_100_classes_ask_for_an_explicit_task);
    RUN(a_column_mixing_numbers_and_names_fails_at_the_first_other_kind);
    RUN(empty_nul_and_non_finite_label_cells_are_errors);
    RUN(a_column_of_one_class_is_an_error_at_the_label);
    RUN(task_binary_stops_at_a_third_value);
    RUN(task_regression_takes_numbers_only_and_a_constant_only_unscaled);
    RUN(a_classes_list_orders_the_classes);
    RUN(a_classes_list_must_name_every_value_once_and_nothing_else);
    RUN(a_regression_target_takes_no_classes);
    RUN(a_builtin_source_has_its_own_task_and_classes);
    RUN(a_request_that_is_not_one_is_refused);
    return CHECK_SUMMARY();
}
