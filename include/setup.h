// setup.h: a sweep's inputs, built from its spec the same way for `sweep` (which trains them)
// and `sweep verify` (which retrains a sample of a results file from the file's own spec):
// the data table the spec names, the data split, scaled and folded as the spec asks (with the
// spec's checks that need the data, spec_prepare_data), and the grid of configs. Everything
// that can be wrong with the input is found here, before any file is touched.
#ifndef SETUP_H
#define SETUP_H

#include "data.h"
#include "grid.h"
#include "spec.h"

// The step of setup_build that failed, for callers that word its message themselves.
typedef enum { SETUP_TABLE = 1, SETUP_DATA } SetupStep;

// Whether the spec's CSV source can be read (the built-in data set always can): 0, or 2 with
// err located at data.source.
int setup_check_source(const Spec *s, char *err);

// From a parsed spec whose data.source is the file to read: the table t, the data d (split,
// scaled, checked against the spec, folded) and the grid g, in that order. Returns 0, or the
// status with err filled and *failed the step: SETUP_TABLE (loading the table) or SETUP_DATA
// (the data or the grid). Whatever was built is the caller's to free either way
// (data_free_table, data_free, grid_free).
int setup_build(const Spec *s, Table *t, Dataset *d, Grid *g, SetupStep *failed, char *err);

#endif
