// verify.h: `sweep verify FILE.h5 [--sample K] [--seed S] [-j N]`. Retrains a reproducible
// sample of a results file's finished configs with the file's own spec (the root attribute
// `spec`) and data, and compares what they compute with what the file holds, bitwise: every
// dataset under /curves, every weights dataset (/weights and /initial_weights), and every
// /configs and /summary field but train_seconds, as the file has them (the comparison walks
// the file's own datasets and compound members, so it covers whatever a version adds).
#ifndef VERIFY_H
#define VERIFY_H

// argv[0] is "verify". Returns the exit status: 0 every sampled config identical, 1 a config
// differs (the first, by id, is named with the dataset and index), 2 bad usage or a file that
// cannot be verified (unreadable, not a results file, its spec or data not to be had or not
// the ones it was written with, nothing finished in it).
int verify_main(int argc, char **argv);

#endif
