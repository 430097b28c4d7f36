// test_csv.c: the CSV reader alone (csv.h): syntax, numbers, located errors, the label rule
// hook and reading files. Labels here are read as plain numbers (no rule) unless a test
// passes its own rule; what a label means is test_data.c's. Run from the repository root.
#include "check.h"

#include "csv.h"
#include "sweep.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ---- Helpers -----------------------------------------------------------------------------

static int parse(Table *t, const char *text, const char *label, char *err) {
    err[0] = '\0';
    return csv_parse(t, text, strlen(text), "t.csv", label, NULL, NULL, err);
}

// Parses text expecting failure 2 with a one-line message containing want, and the table
// left zeroed.
static void expect_error(const char *text, const char *label, const char *want) {
    Table t;
    char err[ERR_LEN];
    int rc = parse(&t, text, label, err);
    CHECK(rc == 2);
    CHECK_STR_CONTAINS(err, want);
    CHECK(strchr(err, '\n') == NULL);
    CHECK(t.X == NULL && t.y == NULL && t.feature_names == NULL && t.label_name == NULL && t.n_samples == 0);
    if (rc != 2) fprintf(stderr, "  for input: %s\n", text);
    csv_free_table(&t);
}

// ---- Reading files -----------------------------------------------------------------------

static void a_file_is_read_whole_and_an_unreadable_one_is_named_with_the_reason(void) {
    char *text = NULL, err[ERR_LEN] = "";
    size_t len = 0;
    CHECK(csv_read_file("tests/csv/small.csv", &text, &len, err) == 0);
    CHECK(text != NULL && len > 0 && memcmp(text, "\"x1\"", 4) == 0);
    free(text);
    CHECK(csv_read_file("/nonexistent/dir/x.csv", &text, &len, err) == 2);
    CHECK(strcmp(err, "/nonexistent/dir/x.csv: cannot read: No such file or directory") == 0);
    CHECK(text == NULL && len == 0);
    CHECK(csv_read_file("tests/csv", &text, &len, err) == 2);
    CHECK(strcmp(err, "tests/csv: cannot read: Is a directory") == 0);
}

// ---- Syntax ------------------------------------------------------------------------------

static void bom_crlf_quotes_and_missing_final_newline_are_accepted(void) {
    const char *text = "\xEF\xBB\xBF\"a,1\",\"say \"\"hi\"\"\",y\r\n1,2,0\r\n\"3.5\",-4e1,1";
    Table t;
    char err[ERR_LEN];
    int rc = parse(&t, text, NULL, err);
    CHECK(rc == 0);
    if (rc) { fprintf(stderr, "  %s\n", err); return; }
    CHECK(t.n_samples == 2 && t.n_features == 2);
    CHECK(strcmp(t.feature_names[0], "a,1") == 0);
    CHECK(strcmp(t.feature_names[1], "say \"hi\"") == 0);
    CHECK(t.X[0] == 1 && t.X[1] == 2 && t.X[2] == 3.5 && t.X[3] == -40);
    CHECK(t.y[0] == 0 && t.y[1] == 1);
    csv_free_table(&t);
}

static void spaces_around_cells_and_quotes_are_trimmed(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, " a , \"b\" ,y\n 1 ,\t2\t, 0 \n \"3\" ,4, 1\n", NULL, err) == 0);
    CHECK(t.n_samples == 2 && strcmp(t.feature_names[0], "a") == 0 && strcmp(t.feature_names[1], "b") == 0);
    CHECK(t.X[0] == 1 && t.X[1] == 2 && t.X[2] == 3 && t.X[3] == 4 && t.y[1] == 1);
    csv_free_table(&t);
}

static void trailing_empty_lines_are_ignored(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, "a,y\n1,0\n2,1\n\n\r\n  \n\n", NULL, err) == 0);
    CHECK(t.n_samples == 2);
    csv_free_table(&t);
}

static void quoted_cell_may_span_lines_and_later_lines_are_counted(void) {
    expect_error("\"a\nb\",y\n1,0\nx,1\n", NULL, "t.csv:4:1: column \"a\\nb\": expected a number");
}

static void label_column_may_be_anywhere_and_features_keep_file_order(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, "p,label,q,r\n1,1,2,3\n4,0,5,6\n", "label", err) == 0);
    CHECK(t.n_features == 3 && strcmp(t.label_name, "label") == 0);
    CHECK(strcmp(t.feature_names[0], "p") == 0 && strcmp(t.feature_names[1], "q") == 0 &&
          strcmp(t.feature_names[2], "r") == 0);
    double want[] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 6; i++) CHECK(t.X[i] == want[i]);
    CHECK(t.y[0] == 1 && t.y[1] == 0);
    csv_free_table(&t);
}

static void label_defaults_to_the_last_column(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, "p,q\n7,1\n8,0\n", NULL, err) == 0);
    CHECK(t.n_features == 1 && strcmp(t.label_name, "q") == 0 && t.X[1] == 8 && t.y[0] == 1);
    csv_free_table(&t);
}

static void numbers_in_every_decimal_form_are_read(void) {
    Table t;
    char err[ERR_LEN];
    CHECK(parse(&t, "a,b,c,y\n+1.5,.25,7.,1.0\n-0,1e-3,2E+2,0.0\n1e-400,-3,\"0005\",1e0\n", NULL, err) == 0);
    CHECK(t.n_samples == 3);
    CHECK(t.X[0] == 1.5 && t.X[1] == 0.25 && t.X[2] == 7.0 && t.X[4] == 0.001 && t.X[5] == 200.0);
    CHECK(t.X[6] == 0.0 && t.X[8] == 5.0);
    CHECK(t.y[0] == 1 && t.y[1] == 0 && t.y[2] == 1);
    csv_free_table(&t);
}

// ---- Errors ------------------------------------------------------------------------------

static void bad_cell_error_points_at_its_line_and_column(void) {
    expect_error("a,mean_texture,y\n1,2,0\n1,2,1\n1,2,0\n1,2,1\n1,2,0\n1,2,1\n1,2,0\n1,2,1\n1,2,0\n1,2,1\n"
                 "1.5,abc,0\n",
                 NULL, "t.csv:12:5: column \"mean_texture\": expected a number, found \"abc\"");
    expect_error("a,b,y\n1,  \"x\"  ,0\n", NULL, "t.csv:2:5: column \"b\": expected a number, found \"x\"");
}

static void empty_nan_inf_and_hex_cells_are_rejected(void) {
    expect_error("a,b,y\n1,,0\n", NULL, "t.csv:2:3: column \"b\": expected a number, found an empty cell");
    expect_error("a,b,y\n1, ,0\n", NULL, "t.csv:2:4: column \"b\": expected a number, found an empty cell");
    expect_error("a,b,y\nnan,1,0\n", NULL, "t.csv:2:1: column \"a\": expected a finite number, found \"nan\"");
    expect_error("a,b,y\n1,-inf,0\n", NULL, "t.csv:2:3: column \"b\": expected a finite number, found \"-inf\"");
    expect_error("a,b,y\n1,1e999,0\n", NULL, "expected a finite number, found \"1e999\" (too large for a double)");
    expect_error("a,b,y\n0x10,1,0\n", NULL, "t.csv:2:1: column \"a\": expected a number, found \"0x10\"");
    expect_error("a,b,y\n1,2 3,0\n", NULL, "expected a number, found \"2 3\"");
    expect_error("a,b,y\n1,1.,0\n1,.,1\n", NULL, "t.csv:3:3: column \"b\": expected a number, found \".\"");
    expect_error("a,b,y\n1,1e,0\n", NULL, "expected a number, found \"1e\"");
}

static void ragged_row_error_points_at_its_line(void) {
    expect_error("a,b,y\n1,2,0\n1,2\n", NULL, "t.csv:3:4: expected 3 fields as in the header, found 2");
    expect_error("a,b,y\n1,2,0\n1,2,1,4\n", NULL, "t.csv:3:7: expected 3 fields as in the header, found 4");
    // A ragged row is reported before a bad cell in it.
    expect_error("a,b,y\nx,2\n", NULL, "t.csv:2:4: expected 3 fields as in the header, found 2");
}

static void empty_line_inside_the_data_is_an_error(void) {
    expect_error("a,y\n1,0\n\n2,1\n", NULL, "t.csv:3:1: empty line; expected 2 fields as in the header");
}

static void missing_label_column_points_at_the_header_and_suggests_a_close_name(void) {
    expect_error("a,Benign\n1,0\n1,1\n", "benign", "t.csv:1:1: no label column \"benign\" in the header; did you mean \"Benign\"?");
    expect_error("a,target\n1,0\n1,1\n", "targt", "did you mean \"target\"?");
    expect_error("a,b,c\n1,0,1\n1,1,0\n", "label", "t.csv:1:1: no label column \"label\" in the header (3 columns: \"a\" ... \"c\")");
}

static void header_errors_are_reported(void) {
    expect_error("", NULL, "t.csv:1:1: no header row");
    expect_error("\xEF\xBB\xBF  \r\n\n", NULL, "t.csv:1:1: no header row");
    expect_error("\na,y\n1,0\n", NULL, "t.csv:1:1: expected a header row of column names, found an empty line");
    expect_error("y\n1\n0\n", NULL, "t.csv:1:1: the header has 1 column");
    expect_error("a,b,a,y\n1,2,3,0\n", NULL, "t.csv:1:5: duplicate column name \"a\" (also column 1)");
    expect_error("a,b,\"b\",a\n", NULL, "t.csv:1:5: duplicate column name \"b\" (also column 2)");
    expect_error("a,,y\n1,2,0\n", NULL, "t.csv:1:3: column 2 has no name");
    expect_error("a,y\n", NULL, "t.csv:2:1: no data rows after the header");
    expect_error("a,y", NULL, "t.csv:2:1: no data rows after the header");
    expect_error("a,y\r\n\r\n\r\n", NULL, "t.csv:2:1: no data rows after the header");
}

static void quoting_errors_are_reported(void) {
    expect_error("a,y\n\"1,0\n", NULL, "t.csv:2:1: this quoted field has no closing quote");
    expect_error("a,y\n\"1\"x,0\n", NULL, "t.csv:2:4: expected a comma or the end of the line after a quoted field, found \"x\"");
}

static void messages_stay_on_one_line_whatever_the_bytes(void) {
    // A NUL byte and control bytes in a cell, a very long cell, a name with a newline.
    const char text[] = "\"a\nb\",y\n1\0002,0\n";
    Table t;
    char err[ERR_LEN];
    CHECK(csv_parse(&t, text, sizeof text - 1, "t.csv", NULL, NULL, NULL, err) == 2);
    CHECK_STR_CONTAINS(err, "t.csv:3:1: column \"a\\nb\": expected a number, found \"1\\x002\"");
    CHECK(strchr(err, '\n') == NULL);
    char big[400] = "a,y\n";
    memset(big + 4, '7', 300);
    memcpy(big + 304, "x,0\n", 5);
    expect_error(big, NULL, "t.csv:2:1: column \"a\": expected a number, found \"7777");
    CHECK(parse(&t, big, NULL, err) == 2 && strstr(err, "...\"") != NULL && strlen(err) < 200);
    const char nul_name[] = "a\000b,y\n1,0\n";
    CHECK(csv_parse(&t, nul_name, sizeof nul_name - 1, "t.csv", NULL, NULL, NULL, err) == 2);
    CHECK_STR_CONTAINS(err, "t.csv:1:1: column 1: its name holds a NUL byte");
}

// ---- The label rule ----------------------------------------------------------------------

// A rule that takes whole numbers 0 to 9 and keeps ten times each; it counts its calls and
// keeps the last cell it saw.
typedef struct {
    int calls;
    char text[16];
    CsvPos at;
} DigitState;

static int read_digit(void *ctx, const CsvCell *cell, double *label, char *err) {
    DigitState *st = ctx;
    st->calls++;
    snprintf(st->text, sizeof st->text, "%s", cell->text);
    st->at = cell->at;
    double v;
    char s[CSV_SHOW_LEN];
    const char *bad = csv_number(cell->text, cell->len, &v);
    if (bad || !(v >= 0 && v <= 9 && v == floor(v)))
        return csv_cell_fail(err, cell, "expected a digit, found %s%s", csv_cell_shown(s, cell),
                             bad && *bad == 'r' ? " (too large for a double)" : "");
    *label = 10 * v;
    return 0;
}

static DigitState digit_state;
static const CsvLabelRule DIGIT = {read_digit, &digit_state};

static int parse_digits(Table *t, const char *text, char *err) {
    err[0] = '\0';
    return csv_parse(t, text, strlen(text), "d.csv", "n", &DIGIT, NULL, err);
}

static void the_label_rule_reads_the_label_column_alone(void) {
    Table t;
    char err[ERR_LEN];
    digit_state = (DigitState){0};
    CHECK(parse_digits(&t, "a,n,b\n1.5, \"3\" ,-2\n7,0,0.5\n", err) == 0);
    CHECK(t.n_samples == 2 && t.y[0] == 30 && t.y[1] == 0);
    // Once per row, with the cell's text unquoted and trimmed and where it starts.
    CHECK(digit_state.calls == 2 && strcmp(digit_state.text, "0") == 0);
    CHECK(digit_state.at.line == 3 && digit_state.at.col == 3);
    CHECK(t.X[0] == 1.5 && t.X[1] == -2 && t.X[2] == 7 && t.X[3] == 0.5);   // features untouched
    csv_free_table(&t);
    // Without a rule the label column is read as any finite number.
    CHECK(parse(&t, "a,y\n1,-2.5\n2,7e3\n", NULL, err) == 0);
    CHECK(t.y[0] == -2.5 && t.y[1] == 7000);
    csv_free_table(&t);
}

static void a_cell_the_rule_refuses_is_located_and_shown_as_it_is(void) {
    Table t;
    char err[ERR_LEN];
    const char *cases[][2] = {
        {"a,n\n1,3\n2,12\n", "d.csv:3:3: column \"n\": expected a digit, found 12"},
        {"a,n\n1,2.5\n", "d.csv:2:3: column \"n\": expected a digit, found 2.5"},
        {"a,n\n1,x\n", "d.csv:2:3: column \"n\": expected a digit, found \"x\""},
        {"a,n\n1,inf\n", "d.csv:2:3: column \"n\": expected a digit, found \"inf\""},
        {"a,n\n1,1e999\n", "expected a digit, found \"1e999\" (too large for a double)"},
        {"a,n\n1,\n", "d.csv:2:3: column \"n\": expected a digit, found an empty cell"},
        // Cells are checked in file order: a bad feature before a bad label, and after.
        {"a,n\nx,12\n", "d.csv:2:1: column \"a\": expected a number"},
        {"n,a\n12,x\n", "d.csv:2:1: column \"n\": expected a digit, found 12"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK(parse_digits(&t, cases[i][0], err) == 2);
        CHECK_STR_CONTAINS(err, cases[i][1]);
        CHECK(t.y == NULL);
    }
}

static void the_label_name_is_located_in_the_header(void) {
    Table t;
    char err[ERR_LEN] = "";
    CsvPos at = {0, 0};
    const char *text = "\xEF\xBB\xBF\"a\n\", \"n\"\n1,2\n";
    CHECK(csv_parse(&t, text, strlen(text), "d.csv", "n", &DIGIT, &at, err) == 0);
    CHECK(at.line == 2 && at.col == 4);
    csv_free_table(&t);
    char s[CSV_SHOW_LEN];
    CHECK(csv_fail_at(err, "d.csv", at, "column %s: too few", csv_show(s, "n\tm", 3, 1)) == 2);
    CHECK(strcmp(err, "d.csv:2:4: column \"n\\tm\": too few") == 0);
}

int main(void) {
    RUN(a_file_is_read_whole_and_an_unreadable_one_is_named_with_the_reason);
    RUN(bom_crlf_quotes_and_missing_final_newline_are_accepted);
    RUN(spaces_around_cells_and_quotes_are_trimmed);
    RUN(trailing_empty_lines_are_ignored);
    RUN(quoted_cell_may_span_lines_and_later_lines_are_counted);
    RUN(label_column_may_be_anywhere_and_features_keep_file_order);
    RUN(label_defaults_to_the_last_column);
    RUN(numbers_in_every_decimal_form_are_read);
    RUN(bad_cell_error_points_at_its_line_and_column);
    RUN(empty_nan_inf_and_hex_cells_are_rejected);
    RUN(ragged_row_error_points_at_its_line);
    RUN(empty_line_inside_the_data_is_an_error);
    RUN(missing_label_column_points_at_the_header_and_suggests_a_close_name);
    RUN(header_errors_are_reported);
    RUN(quoting_errors_are_reported);
    RUN(messages_stay_on_one_line_whatever_the_bytes);
    RUN(the_label_rule_reads_the_label_column_alone);
    RUN(a_cell_the_rule_refuses_is_located_and_shown_as_it_is);
    RUN(the_label_name_is_located_in_the_header);
    return CHECK_SUMMARY();
}
