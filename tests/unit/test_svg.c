// test_svg.c: the HTML report's SVG pieces: escaping, scales and their ticks, which values are
// geometric, paths in tenths of a pixel (absolute moves, relative lines, breaks at NaN), and
// viridis at its ends.
#include <stdlib.h>

#include "check.h"
#include "svg.h"

// What fn writes to a FILE, as a malloc'd string.
#define CAPTURE(out, stmt) do { char *buf_ = NULL; size_t len_ = 0; FILE *f = open_memstream(&buf_, &len_); \
    stmt; fclose(f); out = buf_; } while (0)

static void escaping_leaves_no_markup(void) {
    char *s;
    CAPTURE(s, svg_escape(f, "<script>alert('x') & \"y\"</script>"));
    CHECK(strcmp(s, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;") == 0);
    free(s);
    CAPTURE(s, svg_text(f, 1, 2, "middle", NULL, "a<b"));
    CHECK_STR_CONTAINS(s, ">a&lt;b</text>");
    free(s);
    CAPTURE(s, svg_begin(f, 10, 10, "c", "t<i>tle", NULL); svg_end(f));
    CHECK(strncmp(s, "<svg class=\"c\"", 14) == 0);
    CHECK_STR_CONTAINS(s, "<title>t&lt;i&gt;tle</title>");
    free(s);
}

static void linear_ticks_are_round_and_inside(void) {
    SvgScale s;
    svg_scale_init(&s, 0.03, 0.68, 0, 100, 0);
    double t[16];
    int n = svg_scale_ticks(&s, t, 8);
    CHECK(n >= 3 && n <= 8);
    for (int i = 0; i < n; i++) {
        CHECK(t[i] >= 0.03 - 1e-12 && t[i] <= 0.68 + 1e-12);
        double step = t[1] - t[0];
        CHECK_NEAR(t[i], t[0] + i * step, 1e-12);
    }
    CHECK_NEAR(svg_scale_map(&s, 0.03), 0.0, 1e-12);
    CHECK_NEAR(svg_scale_map(&s, 0.68), 100.0, 1e-12);
    svg_scale_init(&s, 5, 5, 0, 10, 0);   // a single value still maps
    CHECK(s.lo < 5 && s.hi > 5);
    CHECK_NEAR(svg_scale_map(&s, 5), 5.0, 1e-12);
}

static void log_ticks_are_powers_of_ten(void) {
    SvgScale s;
    svg_scale_init(&s, 0.001, 1.0, 0, 300, 1);
    CHECK(s.log);
    double t[16];
    int n = svg_scale_ticks(&s, t, 8);
    CHECK(n == 4);
    for (int i = 0; i < n; i++) CHECK_NEAR(t[i], pow(10.0, i - 3), 1e-12);
    CHECK_NEAR(svg_scale_map(&s, 0.01), 100.0, 1e-9);
    svg_scale_init(&s, -1, 1, 0, 1, 1);   // not positive: linear
    CHECK(!s.log);
}

static void geometric_values_are_told_from_linear_ones(void) {
    double lr[] = {0.001, 0.01, 0.1, 1}, hidden[] = {8, 32, 128}, epochs[] = {200, 1000}, lin[] = {10, 20, 30, 40, 50};
    double far[] = {1, 100}, batch[] = {16, 64, 256};
    CHECK(svg_values_geometric(lr, 4));
    CHECK(svg_values_geometric(hidden, 3));
    CHECK(svg_values_geometric(batch, 3));
    CHECK(!svg_values_geometric(epochs, 2));
    CHECK(!svg_values_geometric(lin, 5));
    CHECK(svg_values_geometric(far, 2));
}

static void paths_are_compact_and_break_at_nan(void) {
    char *s;
    SvgPath p;
    CAPTURE(s, svg_path_begin(&p, f, "class=\"ln\""); svg_path_to(&p, 1.0, 2.0); svg_path_to(&p, 3.5, 1.95);
            svg_path_to(&p, 3.0, 4.0); svg_path_to(&p, NAN, 1.0); svg_path_to(&p, 10.0, 10.0);
            svg_path_to(&p, 11.0, 10.0); svg_path_end(&p, "a<b"));
    // 1.95 rounds to 2.0 (tenths), so the second step is (2.5, 0) and the third (-.5, 2).
    CHECK(strcmp(s, "<path class=\"ln\" d=\"M1 2l2.5 0-.5 2M10 10l1 0\"><title>a&lt;b</title></path>\n") == 0);
    free(s);
}

static void viridis_runs_from_purple_to_yellow(void) {
    char c[8];
    svg_viridis(0.0, c);
    CHECK(strcmp(c, "#440154") == 0);
    svg_viridis(1.0, c);
    CHECK(strcmp(c, "#fde725") == 0);
    svg_viridis(2.0, c);
    CHECK(strcmp(c, "#fde725") == 0);
    svg_viridis(NAN, c);
    CHECK(strcmp(c, "#bbbbbb") == 0);
    CHECK(strcmp(svg_viridis_ink(0.1), "w") == 0 && strcmp(svg_viridis_ink(0.9), "b") == 0);
}

int main(void) {
    RUN(escaping_leaves_no_markup);
    RUN(linear_ticks_are_round_and_inside);
    RUN(log_ticks_are_powers_of_ten);
    RUN(geometric_values_are_told_from_linear_ones);
    RUN(paths_are_compact_and_break_at_nan);
    RUN(viridis_runs_from_purple_to_yellow);
    return CHECK_SUMMARY();
}
