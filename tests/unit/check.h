/*
 * check.h - the unit-test harness: CHECK macros that report file:line and values, a test
 * runner, and a helper that proves a call aborts (for "impossible state" assertions).
 * Each unit-test program is one CTest test; its exit status says pass or fail.
 */
#ifndef MPSTACK_TESTS_CHECK_H
#define MPSTACK_TESTS_CHECK_H

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_failures;
static const char *check_current = "";

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__,      \
                    check_current, #cond);                                             \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                                 \
    do {                                                                               \
        long long va_ = (long long)(a), vb_ = (long long)(b);                          \
        if (va_ != vb_) {                                                              \
            fprintf(stderr, "%s:%d: [%s] %s == %s failed: %lld != %lld\n", __FILE__,   \
                    __LINE__, check_current, #a, #b, va_, vb_);                        \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double va_ = (double)(a), vb_ = (double)(b), vt_ = (double)(tol);              \
        if (!(fabs(va_ - vb_) <= vt_)) {                                               \
            fprintf(stderr, "%s:%d: [%s] |%s - %s| <= %g failed: %.10g vs %.10g\n",    \
                    __FILE__, __LINE__, check_current, #a, #b, vt_, va_, vb_);         \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define RUN(fn)                                                                        \
    do {                                                                               \
        check_current = #fn;                                                           \
        int before_ = check_failures;                                                  \
        fn();                                                                          \
        fprintf(stderr, "%s %s\n", check_failures == before_ ? "ok  " : "FAIL", #fn);  \
    } while (0)

static inline int check_result(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

/* Run fn(arg) in a child process and report whether it died of SIGABRT or SIGSEGV. */
static inline int check_dies_with(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        fn(arg);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

#endif
