// dryrun.h: `sweep -n`: what a run would do, printed on stdout, with nothing trained and no
// file written. The spec and its data (and folds), the grid per axis (or what random search
// draws each axis from, and what it drew), a preview of the first and last configs to train,
// halving's rungs, the work (each trajectory once) and the results file's size.
#ifndef DRYRUN_H
#define DRYRUN_H

#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "spec.h"

// todo: the ids a run would train (its shard's, less those a resumed file has finished);
// target: the label column's name (the table's), for the task line.
void dryrun_print(const Spec *s, const Dataset *d, const Grid *g, const int64_t *todo, int64_t n_todo,
                  const char *output, int n_threads, const char *target);

// (v3) The task in words, for the dry run and the start of a run: "binary, 2 classes: 0, 1",
// "multiclass, 3 classes: setosa, versicolor, virginica", "regression, target progression,
// scaled standard". target: the label column's name (or NULL).
void dryrun_task_text(const Dataset *d, const char *target, char *out, size_t cap);

#endif
