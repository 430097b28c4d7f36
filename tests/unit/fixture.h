// fixture.h: the sweep a unit test trains on, from spec text: the grid it expands to and the
// built-in data split as a spec's defaults give it (breast_cancer, test_fraction 0.2,
// split_seed 42, minmax). Shared by the tests of the modules that take a grid and data.
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdio.h>
#include <string.h>
#include "data.h"
#include "grid.h"
#include "spec.h"
#include "sweep.h"

// 0, or -1 with the message on stderr.
static int fixture_setup(Spec *s, Grid *g, Dataset *d, Table *t, const char *text) {
    char err[ERR_LEN];
    if (spec_parse(s, "mem.yaml", text, strlen(text), err) || grid_expand(g, s, err) ||
        data_load_table(t, "breast_cancer", NULL, NULL, err) || data_prepare(d, t, 0.2, 42, SCALE_MINMAX, err)) {
        fprintf(stderr, "  %s\n", err);
        return -1;
    }
    return 0;
}

static void fixture_teardown(Spec *s, Grid *g, Dataset *d, Table *t) {
    spec_free(s);
    grid_free(g);
    data_free(d);
    data_free_table(t);
}

#endif
