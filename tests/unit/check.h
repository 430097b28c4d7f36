// check.h: the unit-test harness. One binary per module; main() calls RUN(test) for each
// test and returns CHECK_SUMMARY(), which prints "N passed, N failed".
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures_in_test, check_tests_passed, check_tests_failed;

#define CHECK(cond) do { if (!(cond)) { check_failures_in_test++; \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_NEAR(a, b, rel) do { double ca_ = (a), cb_ = (b); \
    if (!(fabs(ca_ - cb_) <= (rel) * fmax(1.0, fmax(fabs(ca_), fabs(cb_))))) { check_failures_in_test++; \
    fprintf(stderr, "  %s:%d: %s = %.17g, %s = %.17g\n", __FILE__, __LINE__, #a, ca_, #b, cb_); } } while (0)

#define CHECK_STR_CONTAINS(hay, needle) do { const char *ch_ = (hay); \
    if (!ch_ || !strstr(ch_, (needle))) { check_failures_in_test++; \
    fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, ch_ ? ch_ : "(null)", (needle)); } } while (0)

#define RUN(test) do { check_failures_in_test = 0; test(); \
    if (check_failures_in_test) { check_tests_failed++; printf("FAIL %s\n", #test); } \
    else { check_tests_passed++; printf("ok   %s\n", #test); } } while (0)

#define CHECK_SUMMARY() (printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed), \
    check_tests_failed != 0)

#endif
