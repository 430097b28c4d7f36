// paired.c: the corrected paired t-test of one unit against the best, its interval, the
// Bayesian correlated t-test with a rope, and Holm's correction (DESIGN section 6).
#include "paired.h"

#include <math.h>

#include "tdist.h"

// The mean and the sample variance (ddof = 1) of d[0..n-1], n >= 2, in two passes about the
// shift d[0]: equal values give mean == d[0] and var == 0 exactly.
static void moments(const double *d, int64_t n, double *mean, double *var) {
    double shift = d[0], sum = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) sum += d[i] - shift;
    *mean = shift + sum / (double)n;                                 // mean = d_0 + sum (d_i - d_0) / n
    for (int64_t i = 0; i < n; i++) ss += (d[i] - *mean) * (d[i] - *mean);
    *var = ss / (double)(n - 1);                                     // var = sum (d_i - mean)^2 / (n - 1)
}

// P(mu < -R), P(-R <= mu <= R), P(mu > R) under mu ~ mean + se T_df, se > 0, R >= 0. Each tail
// comes from the side of the t distribution where it is small, and the middle from whichever
// combination avoids a difference of two numbers near 1.
static void rope_probabilities(double mean, double se, double df, double rope,
                               double *below, double *inside, double *above) {
    double z_lo = (-rope - mean) / se, z_hi = (rope - mean) / se;    // the rope's ends, standardized
    *below = tdist_cdf(z_lo, df);                                    // P(mu < -R) = T_df((-R - mean) / se)
    *above = tdist_sf(z_hi, df);                                     // P(mu > R) = 1 - T_df((R - mean) / se)
    if (z_lo >= 0) *inside = tdist_sf(z_lo, df) - *above;            // both ends right of the centre
    else if (z_hi <= 0) *inside = tdist_cdf(z_hi, df) - *below;      // both ends left of it
    else *inside = (1 - *below) - *above;                            // the centre inside the rope
}

void paired_test(const double *d, int64_t n, double correction, int lower_is_better, double rope,
                 PairedTest *out) {
    *out = (PairedTest){.n_pairs = n, .mean_diff = NAN, .se = NAN, .t = NAN, .df = NAN, .p = NAN,
                        .ci_low = NAN, .ci_high = NAN, .p_holm = NAN, .indistinguishable = 1,
                        .p_best_better = NAN, .p_rope = NAN, .p_other_better = NAN};
    if (n <= 0) return;
    out->df = (double)(n - 1);
    if (n == 1) {
        out->mean_diff = d[0];
        return;
    }
    double mean, var;
    moments(d, n, &mean, &var);
    out->mean_diff = mean;
    double se = sqrt((1.0 / (double)n + correction) * var);          // se = sqrt((1/n + n_val/n_fit) var(d))
    out->se = se;
    int has_rope = rope >= 0;                                        // false for NaN
    double below = NAN, inside = NAN, above = NAN;                   // P(mu < -R), P(|mu| <= R), P(mu > R)
    if (se == 0) {                                                   // every d equal
        out->t = mean == 0 ? 0 : copysign(INFINITY, mean);
        out->p = mean == 0 ? 1 : 0;
        out->ci_low = out->ci_high = mean;
        if (has_rope) {                                              // the posterior is a point mass at mean
            below = mean < -rope;
            above = mean > rope;
            inside = !(mean < -rope) && !(mean > rope);              // the rope is the closed [-R, R]
        }
    } else {
        out->t = mean / se;                                          // t = mean(d) / se
        out->p = 2 * tdist_sf(fabs(out->t), out->df);                // p = 2 P(T_df > |t|)
        double crit = tdist_quantile(0.5 + PAIRED_LEVEL / 2, out->df);  // T_df^-1((1 + level) / 2)
        out->ci_low = mean - crit * se;
        out->ci_high = mean + crit * se;
        if (has_rope) rope_probabilities(mean, se, out->df, rope, &below, &inside, &above);
    }
    if (has_rope) {
        out->p_best_better = lower_is_better ? below : above;        // A better by more than R
        out->p_rope = inside;
        out->p_other_better = lower_is_better ? above : below;       // B better by more than R
    }
}

// Holm's order: p ascending, ties by index (a total order, so the sort need not be stable).
static int holm_before(const PairedTest *tests, int64_t i, int64_t j) {
    return tests[i].p < tests[j].p || (tests[i].p == tests[j].p && i < j);
}

// Heapsort of order[0..k-1] by holm_before: O(k log k), in place.
static void holm_sort(const PairedTest *tests, int64_t *order, int64_t k) {
    for (int64_t end = k, start = k / 2; end > 1;) {
        if (start > 0) start--;                                      // building the heap
        else {                                                       // the largest to the end
            int64_t tmp = order[--end];
            order[end] = order[0];
            order[0] = tmp;
        }
        for (int64_t root = start;;) {                               // sift order[root] down within [0, end)
            int64_t child = 2 * root + 1;
            if (child >= end) break;
            if (child + 1 < end && holm_before(tests, order[child], order[child + 1])) child++;
            if (!holm_before(tests, order[root], order[child])) break;
            int64_t tmp = order[root];
            order[root] = order[child];
            order[child] = tmp;
            root = child;
        }
    }
}

void paired_holm(PairedTest *tests, int64_t m, double alpha, int64_t *order) {
    int64_t k = 0;
    for (int64_t i = 0; i < m; i++) {
        if (isnan(tests[i].p)) {                                     // not part of the family
            tests[i].p_holm = NAN;
            tests[i].indistinguishable = 1;
        } else order[k++] = i;
    }
    holm_sort(tests, order, k);
    double running = 0;
    for (int64_t j = 0; j < k; j++) {                                // j 0-based: the (j+1)-th smallest p
        PairedTest *t = &tests[order[j]];
        running = fmax(running, fmin(1, (double)(k - j) * t->p));    // p_holm(i) = max_(j<=i) min(1, (k-j+1) p_(j))
        t->p_holm = running;
        t->indistinguishable = running >= alpha;
    }
}
