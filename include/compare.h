// compare.h: `sweep compare FILE.h5`, the paired statistical comparisons of DESIGN section 6:
// every unit (a setting, or with --by one value of an axis) against the best one, on the
// corrected paired t-test over the data splits (or over seeds without folds), with Holm's
// correction and, with --rope, the Bayesian correlated t-test's three probabilities. Reads
// /data's attributes, /configs and /summary only.
#ifndef COMPARE_H
#define COMPARE_H

// argv[0] is "compare". Returns the exit status: 0, 1 (runtime failure), 2 (bad usage or not
// a results file).
int compare_main(int argc, char **argv);

#endif
