/*
 * diag.h - diagnostics for user mistakes in scenarios and command lines.
 *
 * Every message names its place as "file:line:column: " (the convention of compilers, so
 * editors can jump to it), then the key and what would be valid. Messages are collected, not
 * printed at once, so a validation pass reports every mistake it finds, in source order.
 */
#ifndef MPSTACK_SCENARIO_DIAG_H
#define MPSTACK_SCENARIO_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* A place in a source: a scenario file, an included file, or a command-line argument
 * ("--set" with the argument number as the line). file points into a string pool that
 * outlives the mark (struct srcpool). line and col are 1-based; 0 means unknown. */
struct ymark {
    const char *file;
    int line;
    int col;
};

struct diag {
    char **msgs;
    size_t n, cap;
    size_t limit; /* stop collecting after this many (0 = 50) */
};

void diag_init(struct diag *d);
void diag_fini(struct diag *d);
/* Add "file:line:col: message". m may be NULL for a message without a place. */
void diag_add(struct diag *d, const struct ymark *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline size_t diag_count(const struct diag *d) { return d->n; }
void diag_print(const struct diag *d, FILE *out);

/* Owns the file names that marks point to. */
struct srcpool {
    char **names;
    size_t n, cap;
};

const char *srcpool_intern(struct srcpool *p, const char *name);
void srcpool_fini(struct srcpool *p);

#endif
