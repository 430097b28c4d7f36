// data_builtin.h: the built-in sources (data_builtin.c): each one's CSV text, compiled into the
// binary, and the task and classes it has of its own (DESIGN section 7). data.c's loader is
// the user; data.h's data_is_builtin and DATA_BUILTIN_NAMES are the public face.
#ifndef DATA_BUILTIN_H
#define DATA_BUILTIN_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"

typedef struct {
    const char *name;             // as a spec names it: "iris"
    const char *label;            // its label column
    Task task;
    const char *const *classes;   // (n_classes) the class order, class 0 first; NULL: sorted
    int64_t n_classes;
    const char *text;             // the CSV text, NUL-terminated
    const uint64_t *size;         // its length in bytes (without the NUL)
} DataBuiltin;

// The built-in source of that name, or NULL.
const DataBuiltin *data_builtin(const char *name);

#endif
