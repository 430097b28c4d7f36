// merge.h: `sweep merge OUT.h5 PART.h5...` (DESIGN sections 1 and 5). Joins the files of a
// sharded sweep into one results file, identical in content to a one-machine run.
//
// Every part must be a sweep results file of the same spec and the same data, and no config
// may be finished in two of them. All of that is checked first, reading the parts slice by
// slice (memory does not grow with the number of configs), before anything is written. The
// part holding the most configs is then copied to OUT.tmp byte for byte (its layout is the
// spec's, the same in every part), the other parts' finished rows are copied in, the root
// attributes are set (shard "0/1", the merge's command, status), the seed statistics are
// computed, and OUT.tmp is synced and renamed to OUT. On any failure OUT.tmp is removed.
#ifndef MERGE_H
#define MERGE_H

// argv[0] is "merge". Returns the exit status: 0 merged, 1 I/O failure, 2 bad usage or parts
// that do not fit together, 130 interrupted (nothing written).
int merge_main(int argc, char **argv);

#endif
