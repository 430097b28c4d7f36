// setup.c: a sweep's inputs from its spec (setup.h).
#include "setup.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "sweep.h"

int setup_check_source(const Spec *s, char *err) {
    if (data_is_builtin(s->data.source) || access(s->data.source, R_OK) == 0) return SWEEP_OK;
    int why = errno;
    char where[256];
    spec_where(s, s->data.source_loc, where, sizeof where);
    return fail(err, SWEEP_ERR_USAGE, "%s: data.source: cannot read \"%s\": %s", where, s->data.source,
                strerror(why));
}

int setup_build(const Spec *s, Table *t, Dataset *d, Grid *g, SetupStep *failed, char *err) {
    *failed = SETUP_TABLE;
    TaskRequest req = spec_task_request(s);   // data.task, data.classes, data.target_scale
    int rc = data_load_table(t, s->data.source, s->data.label, &req, err);
    if (rc) return spec_task_error(s, &req, rc, err);   // located at the spec key it is about
    *failed = SETUP_DATA;
    if ((rc = spec_prepare_data(s, t, d, err)) || (rc = grid_expand(g, s, err))) return rc;
    return SWEEP_OK;
}
