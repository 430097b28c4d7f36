// sweep.c: the small things every module shares.
#include "sweep.h"

#include <stdarg.h>
#include <stdio.h>

int fail(char *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return code;
}
