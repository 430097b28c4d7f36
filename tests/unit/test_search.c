// test_search.c: random search's draw (src/search.c): bounds, prefix stability, the permutation
// without replacement, and the 15-digit rounding.
#include "check.h"
#include "search.h"
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(Spec *s, const char *text) {
    char err[ERR_LEN];
    int rc = spec_parse(s, "mem.yaml", text, strlen(text), err);
    if (rc) fprintf(stderr, "  %s\n", err);
    return rc;
}

static int same_hyper(const Hyper *a, const Hyper *b) {
    return a->hidden_dim == b->hidden_dim && a->learning_rate == b->learning_rate && a->batch_size == b->batch_size
           && a->epochs == b->epochs && a->init_scale == b->init_scale && a->shuffle == b->shuffle;
}

static void draws_stay_in_their_bounds_and_randint_never_reaches_high(void) {
    Spec s;
    CHECK(parse(&s, "search: {method: random, n: 5000, seed: 11}\ngrid:\n  learning_rate: {loguniform: [0.0001, 0.1]}\n"
                    "  init_scale: {uniform: [0.5, 0.75]}\n  hidden_dim: {randint: [3, 7]}\n  epochs: [1, 2, 3]\n") == 0);
    Search se;
    char err[ERR_LEN];
    CHECK(search_init(&se, &s, err) == 0);
    CHECK(!se.without_replacement);
    int seen_hidden[8] = {0}, seen_epochs[4] = {0};
    for (int i = 0; i < 5000; i++) {
        Hyper h;
        search_next(&se, &h);
        CHECK(h.learning_rate >= 0.0001 && h.learning_rate <= 0.1);
        CHECK(h.init_scale >= 0.5 && h.init_scale <= 0.75);
        CHECK(h.hidden_dim >= 3 && h.hidden_dim < 7);
        CHECK(h.epochs >= 1 && h.epochs <= 3);
        CHECK(h.batch_size == 32 && h.shuffle == 0 && h.seed == 0);
        if (h.hidden_dim >= 0 && h.hidden_dim < 8) seen_hidden[h.hidden_dim]++;
        if (h.epochs >= 0 && h.epochs < 4) seen_epochs[h.epochs]++;
        char b[40];
        snprintf(b, sizeof b, "%.15g", h.learning_rate);
        CHECK(strtod(b, NULL) == h.learning_rate);   // 15 significant digits
    }
    for (int v = 3; v < 7; v++) CHECK(seen_hidden[v] > 1000);   // each of 4 values about 1250 times
    CHECK(seen_hidden[7] == 0);
    for (int v = 1; v <= 3; v++) CHECK(seen_epochs[v] > 1400);
    search_free(&se);
    spec_free(&s);
}

// The first 20 of 50 are the 20 of n = 20, with and without replacement.
static void prefix_is_stable(void) {
    const char *specs[2] = {
        "search: {method: random, n: %d, seed: 5}\ngrid:\n  learning_rate: {uniform: [0.01, 1]}\n  hidden_dim: [4, 8, 16]\n",
        "search: {method: random, n: %d, seed: 5}\ngrid:\n  hidden_dim: {randint: [1, 1000]}\n  batch_size: {range: [8, 64]}\n"};
    for (int k = 0; k < 2; k++) {
        Hyper small[20], large[50];
        for (int pass = 0; pass < 2; pass++) {
            int n = pass ? 50 : 20;
            char text[512];
            snprintf(text, sizeof text, specs[k], n);
            Spec s;
            Search se;
            char err[ERR_LEN];
            CHECK(parse(&s, text) == 0);
            CHECK(search_init(&se, &s, err) == 0);
            CHECK(se.without_replacement == k);
            for (int i = 0; i < n; i++) search_next(&se, pass ? &large[i] : &small[i]);
            search_free(&se);
            spec_free(&s);
        }
        for (int i = 0; i < 20; i++) CHECK(same_hyper(&small[i], &large[i]));
        int differ = 0;
        for (int i = 1; i < 20; i++) differ += !same_hyper(&small[i], &small[0]);
        CHECK(differ > 10);
    }
}

// n = the space: every point once; n = space + 1: refused, naming search.n.
static void without_replacement_covers_the_space_once(void) {
    Spec s;
    Search se;
    char err[ERR_LEN];
    CHECK(parse(&s, "search: {method: random, n: 24, seed: 2}\ngrid:\n  hidden_dim: [4, 8]\n  batch_size: {randint: [10, 13]}\n"
                    "  shuffle: [false, true]\n  epochs: {range: [1, 3]}\n  seed: [0, 1, 2]\n") == 0);
    CHECK(search_init(&se, &s, err) == 0);
    CHECK(se.without_replacement && se.space == 24);
    int seen[24] = {0};
    for (int i = 0; i < 24; i++) {
        Hyper h;
        search_next(&se, &h);
        int point = (((h.hidden_dim == 8) * 3 + (int)(h.batch_size - 10)) * 2 + (int)(h.epochs - 1)) * 2 + h.shuffle;
        CHECK(point >= 0 && point < 24);
        if (point >= 0 && point < 24) seen[point]++;
    }
    for (int p = 0; p < 24; p++) CHECK(seen[p] == 1);
    search_free(&se);
    spec_free(&s);
    CHECK(parse(&s, "search: {method: random, n: 25, seed: 2}\ngrid:\n  hidden_dim: [4, 8]\n  batch_size: {randint: [10, 13]}\n"
                    "  shuffle: [false, true]\n  epochs: {range: [1, 3]}\n") == 0);
    CHECK(search_init(&se, &s, err) == SWEEP_ERR_USAGE);
    CHECK_STR_CONTAINS(err, "mem.yaml:1:29: search.n: expected at most 24");
    spec_free(&s);
}

// A space of 10^18 points: n draws in O(n) memory, never a repeat.
static void a_huge_space_is_drawn_without_repeats(void) {
    Spec s;
    Search se;
    char err[ERR_LEN];
    CHECK(parse(&s, "search: {method: random, n: 20000, seed: 9}\ngrid:\n  hidden_dim: {randint: [1, 1000001]}\n"
                    "  epochs: {randint: [1, 1000000001]}\n  batch_size: {randint: [1, 1001]}\n") == 0);
    CHECK(search_init(&se, &s, err) == 0);
    CHECK(se.without_replacement && se.space == 1000000ULL * 1000000000ULL * 1000ULL);
    CHECK(se.mask > 0 && se.mask < 65536);   // a hash map sized by n, not by the space
    int64_t *keys = malloc(20000 * sizeof *keys);
    for (int i = 0; i < 20000; i++) {
        Hyper h;
        search_next(&se, &h);
        keys[i] = ((h.hidden_dim - 1) * 1000000000LL + (h.epochs - 1)) ^ (h.batch_size << 50);
    }
    int repeats = 0;
    for (int i = 0; i < 20000; i++)
        for (int j = i + 1; j < i + 200 && j < 20000; j++) repeats += keys[i] == keys[j];
    CHECK(repeats == 0);
    free(keys);
    search_free(&se);
    spec_free(&s);
}

static void rounding_matches_printf_and_strtod(void) {
    uint64_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(x >> 11) * 0x1.0p-53;
        double v = i % 3 == 0 ? u * 1e-6 : i % 3 == 1 ? u : u * 1e9 + 1e-7;
        char b[40];
        snprintf(b, sizeof b, "%.15g", v);
        double expect = strtod(b, NULL);
        if (search_round15(v) != expect) { CHECK(search_round15(v) == expect); break; }
    }
    CHECK(search_round15(0.1) == 0.1 && search_round15(1.0) == 1.0 && search_round15(0.30000000000000004) == 0.3);
    CHECK(search_round15(9.9999999999999999e-5) == 1e-4);
}

static void seed_is_never_drawn(void) {
    Spec s;
    char err[ERR_LEN];
    const char *text = "search: {method: random, n: 3}\ngrid:\n  seed: {randint: [0, 5]}\n";
    CHECK(spec_parse(&s, "mem.yaml", text, strlen(text), err) == 2);
    CHECK_STR_CONTAINS(err, "seed is never drawn");
    spec_free(&s);
}

int main(void) {
    RUN(draws_stay_in_their_bounds_and_randint_never_reaches_high);
    RUN(prefix_is_stable);
    RUN(without_replacement_covers_the_space_once);
    RUN(a_huge_space_is_drawn_without_repeats);
    RUN(rounding_matches_printf_and_strtod);
    RUN(seed_is_never_drawn);
    return CHECK_SUMMARY();
}
