// test_override.c: --set KEY=VALUE as splices of the spec text (src/override.c), and the
// messages that name the option (src/spec.c with overrides).
#include "check.h"
#include "override.h"
#include "spec.h"
#include "sweep.h"

#include <string.h>

// Applies sets to text and checks the result is want (or the error contains it, rc 2).
static void check_apply(const char *text, const char *const *sets, int n, int want_rc, const char *want) {
    Overrides o;
    char err[ERR_LEN] = "";
    int rc = override_apply(&o, "s.yaml", text, strlen(text), sets, n, err);
    CHECK(rc == want_rc);
    if (rc == 0) {
        if (strcmp(o.text, want) != 0) fprintf(stderr, "  got:\n%s\n  want:\n%s\n", o.text, want);
        CHECK(strcmp(o.text, want) == 0);
        override_free(&o);
    } else {
        CHECK_STR_CONTAINS(err, want);
        CHECK(strchr(err, '\n') == NULL);
    }
}

static const char *const BLOCK = "# c\ngrid:\n  hidden_dim: [4, 8]   # two\n  epochs: 5\n";

static void replaces_a_value_as_written(void) {
    const char *sets[] = {"grid.hidden_dim=[8,16]"};
    check_apply(BLOCK, sets, 1, 0, "# c\ngrid:\n  hidden_dim: [8,16]   # two\n  epochs: 5\n");
    const char *twice[] = {"grid.epochs=7", "grid.epochs={range: [1, 3]}"};
    check_apply(BLOCK, twice, 2, 0, "# c\ngrid:\n  hidden_dim: [4, 8]   # two\n  epochs: {range: [1, 3]}\n");
    const char *block_list[] = {"grid.hidden_dim=3"};
    check_apply("grid:\n  hidden_dim:\n    - 4\n    - 8\n  epochs: 5\n", block_list, 1, 0,
                "grid:\n  hidden_dim:\n    3\n  epochs: 5\n");
    const char *empty[] = {"name=x"};
    check_apply("name:\ngrid: {}\n", empty, 1, 0, "name: x\ngrid: {}\n");
}

static void adds_missing_keys_where_a_hand_edit_would(void) {
    const char *sets[] = {"grid.seed=[0, 1]", "data.test_fraction=0.3", "search.n=4"};
    check_apply(BLOCK, sets, 3, 0,
                "# c\ngrid:\n  hidden_dim: [4, 8]   # two\n  epochs: 5\n  seed: [0, 1]\ndata:\n  test_fraction: 0.3\nsearch:\n  n: 4\n");
    const char *flow[] = {"grid.seed=3", "data.scale=none", "search.method=random"};
    check_apply("data: {}\ngrid: {epochs: 2}\n", flow, 3, 0,
                "data: {scale: none}\ngrid: {epochs: 2, seed: 3}\nsearch:\n  method: random\n");
    const char *no_newline[] = {"name=y"};
    check_apply("grid: {}", no_newline, 1, 0, "grid: {}\nname: y\n");
}

static void a_list_of_sub_grids_takes_the_key_in_every_item_or_in_one(void) {
    const char *text = "grid:\n  - hidden_dim: 4\n  - hidden_dim: 8\n    epochs: 3\n";
    const char *every[] = {"grid.epochs=9"};
    check_apply(text, every, 1, 0, "grid:\n  - hidden_dim: 4\n    epochs: 9\n  - hidden_dim: 8\n    epochs: 9\n");
    const char *one[] = {"grid.1.seed=[1, 2]"};
    check_apply(text, one, 1, 0, "grid:\n  - hidden_dim: 4\n  - hidden_dim: 8\n    epochs: 3\n    seed: [1, 2]\n");
    const char *beyond[] = {"grid.2.seed=1"};
    check_apply(text, beyond, 1, 2, "--set grid.2.seed=1: grid: expected an item number below 2");
}

static void malformed_options_are_one_line_errors_naming_the_option(void) {
    const char *cases[][2] = {
        {"grid.hidden_dim", "--set grid.hidden_dim: expected KEY=VALUE"},
        {"=4", "--set =4: expected KEY=VALUE with KEY a dotted path"},
        {"grid..epochs=4", "--set grid..epochs=4: expected KEY=VALUE with KEY a dotted path"},
        {"grid.epochs=", "--set grid.epochs=: expected a YAML value"},
        {"grid.epochs=[1,", "--set grid.epochs=[1,: invalid YAML in the value"},
        {"grid.epochs=a: b", "found a block mapping"},
        {"grid.epochs=- 1", "found a block list"},
        {"grid.epochs.x=1", "--set grid.epochs.x=1: grid.epochs: expected a mapping to set x in, found a value at s.yaml:4:11"},
        {"grid.epochs=*a", "invalid YAML in the value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sets[] = {cases[i][0]};
        check_apply(BLOCK, sets, 1, 2, cases[i][1]);
    }
    // A plain value that would read differently in a flow mapping is refused, not misread.
    const char *comma[] = {"data.label=a,b"};
    check_apply("data: {scale: none}\ngrid: {}\n", comma, 1, 2, "does not read back as written");
}

static void positions_map_back_to_the_file_or_to_the_option(void) {
    Overrides o;
    char err[ERR_LEN];
    const char *sets[] = {"grid.hidden_dim=[8, 16, 32]", "grid.seed=5"};
    CHECK(override_apply(&o, "s.yaml", BLOCK, strlen(BLOCK), sets, 2, err) == 0);
    int l, c;
    CHECK(override_origin(&o, 3, 15, &l, &c) == 1);   // inside [8, 16, 32]
    CHECK(override_origin(&o, 3, 29, &l, &c) == 0 && l == 3 && c == 24);   // "# two", shifted by the edit
    CHECK(override_origin(&o, 4, 11, &l, &c) == 0 && l == 4 && c == 11);   // epochs' 5
    CHECK(override_origin(&o, 5, 3, &l, &c) == 2);    // the added "seed: 5"
    override_free(&o);
}

static void spec_messages_name_the_option_or_the_file(void) {
    Spec s;
    char err[ERR_LEN];
    const char *bad[] = {"grid.hidden_dim=[8,x]"};
    CHECK(spec_parse_with(&s, "s.yaml", BLOCK, strlen(BLOCK), bad, 1, err) == 2);
    CHECK_STR_CONTAINS(err, "--set grid.hidden_dim=[8,x]: grid.hidden_dim[1]: expected an integer from 1 to 1048576, found \"x\"");
    const char *fine[] = {"grid.hidden_dim=[8, 16]"};
    const char *text = "grid:\n  hidden_dim: 4\n  epochs: 0\n";
    CHECK(spec_parse_with(&s, "s.yaml", text, strlen(text), fine, 1, err) == 2);
    CHECK_STR_CONTAINS(err, "s.yaml:3:11: grid.epochs: expected an integer from 1 to 1000000000, found 0");
    CHECK(spec_parse_with(&s, "s.yaml", BLOCK, strlen(BLOCK), fine, 1, err) == 0);
    CHECK(strcmp(s.text, "# c\ngrid:\n  hidden_dim: [8, 16]   # two\n  epochs: 5\n") == 0);
    CHECK(s.grids[0].axes[AXIS_HIDDEN_DIM].n_values == 2 && s.grids[0].axes[AXIS_HIDDEN_DIM].ints[1] == 16);
    spec_free(&s);
}

int main(void) {
    RUN(replaces_a_value_as_written);
    RUN(adds_missing_keys_where_a_hand_edit_would);
    RUN(a_list_of_sub_grids_takes_the_key_in_every_item_or_in_one);
    RUN(malformed_options_are_one_line_errors_naming_the_option);
    RUN(positions_map_back_to_the_file_or_to_the_option);
    RUN(spec_messages_name_the_option_or_the_file);
    return CHECK_SUMMARY();
}
