// paired.h: the paired comparison of DESIGN section 6: one unit B against the best unit A over
// the differences d = score_A - score_B of the splits (or seeds) both have, the corrected
// paired t-test (Nadeau and Bengio), its 95% interval, Holm's correction over the comparisons
// with the best, and the Bayesian correlated t-test with a region of practical equivalence
// (Benavoli et al. 2017). Pure computation over arrays: no HDF5, no I/O, no allocation.
#ifndef PAIRED_H
#define PAIRED_H

#include <stdint.h>

#define PAIRED_LEVEL 0.95  // the interval is mean_diff -+ T_df^-1((1 + level) / 2) * se

typedef struct {
    int64_t n_pairs;
    double mean_diff;       // mean of d = score_A - score_B (A the best unit)
    double se, t, df, p;    // se = sqrt((1/n + correction) * var(d, ddof=1)); t = mean/se; df = n-1; p = 2*sf(|t|)
    double ci_low, ci_high; // mean -+ T_df^-1((1 + PAIRED_LEVEL) / 2) * se
    double p_holm;          // filled by paired_holm (NaN until then)
    int indistinguishable;  // filled by paired_holm: p_holm >= alpha, or no p at all (1 until then)
    double p_best_better, p_rope, p_other_better;  // Bayesian correlated t-test with rope R; NaN without one
} PairedTest;

// The test over the n differences d[0..n-1] (finite; a NaN propagates into every statistic).
// correction: n_val / n_fit (Nadeau and Bengio) with J >= 2 splits; 0 for seeds only (J = 1),
// which gives se = sd / sqrt(n).
// lower_is_better: 1 for a loss (then "A better by more than R" means mu < -R), 0 for an accuracy
// (mu > R).
// rope: the half-width R >= 0 of the region of practical equivalence [-R, R], or NaN for none
// (a negative R is treated as none).
// Every d equal (var == 0): se = 0, p = 1 and t = 0 if mean == 0, else p = 0 and t = +-inf; the
// interval is [mean, mean] and the posterior a point mass at mean (on +-R it counts as inside).
// n < 2: mean_diff as available (NaN for n = 0), df = n - 1 (NaN for n = 0), everything else NaN.
void paired_test(const double *d, int64_t n, double correction, int lower_is_better, double rope,
                 PairedTest *out);

// Holm's step-down correction over tests[0..m-1]: the tests with a p (not NaN) form the family of
// k tests; sorted by p ascending (ties by index), p_holm of the i-th (1-based) is
// max over j <= i of min(1, (k - j + 1) p_(j)), and indistinguishable = p_holm >= alpha. Tests
// without a p get p_holm = NaN and indistinguishable = 1 (they cannot be told apart).
// order: caller-provided scratch of m entries (left holding the family's indices in p order).
void paired_holm(PairedTest *tests, int64_t m, double alpha, int64_t *order);

#endif
