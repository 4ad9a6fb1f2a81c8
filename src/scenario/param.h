/*
 * param.h - parameter definitions: the one source of every scenario key.
 *
 * Each module that has parameters declares them in a const table of param_def next to the
 * C struct they bind into (offsetof). From these tables the scenario loader validates and
 * binds scenarios, fills in defaults, builds the resolved parameter table stored with every
 * run, and `mpstack params --markdown` writes docs/parameters.md. Nothing else lists
 * parameters, so the documentation cannot drift from the defaults.
 *
 * Bound C types: PT_BOOL bool, PT_INT int64_t, PT_UINT uint64_t, PT_FLOAT double,
 * PT_DURATION sim_time_t (ps), PT_FREQ uint64_t (Hz), PT_ENUM int (index into choices),
 * PT_STRING and PT_REF char * (owned by the scenario), PT_BITRATE uint64_t (bits/s),
 * PT_RATE struct param_rate, PT_SIZE uint64_t (bytes).
 */
#ifndef MPSTACK_SCENARIO_PARAM_H
#define MPSTACK_SCENARIO_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ptype {
    PT_BOOL,
    PT_INT,
    PT_UINT,
    PT_FLOAT,
    PT_DURATION,
    PT_FREQ,
    PT_ENUM,
    PT_STRING,
    PT_REF,     /* the name of an instance of another section, e.g. a host */
    PT_BITRATE, /* a link rate: 10Gbps */
    PT_RATE,    /* a traffic rate: 14.88Mpps, 1Gbps or "line" */
    PT_SIZE,    /* bytes: 64B, 32KiB, 15MiB */
};

enum param_rate_kind {
    RATE_LINE = 0, /* as fast as the link allows */
    RATE_PPS = 1,
    RATE_BPS = 2,
};

struct param_rate {
    uint64_t value; /* packets or bits per second; 0 for RATE_LINE */
    int kind;       /* enum param_rate_kind */
};

struct param_def {
    const char *key;
    enum ptype type;
    size_t offset;               /* where it binds, in the struct of its section */
    const char *def;             /* default as scenario text; NULL = required */
    double min, max;             /* inclusive range in base units, checked when min < max */
    const char *const *choices;  /* PT_ENUM: NULL-terminated */
    const char *ref;             /* PT_REF: the section(s) it may name an instance of,
                                  * comma separated; with default "" it may be left empty */
    const char *unit;            /* for the docs, e.g. "CPUs", "fraction" */
    const char *doc;             /* one line */
};

/* A kind of instance in a map section (e.g. the "queue" workload), with its own params
 * bound into a struct of its own, reached through a pointer in the instance. */
struct variant_def {
    const char *name;
    const char *doc;
    const struct param_def *params;
    size_t nparams;
    size_t size;
};

enum section_kind {
    SEC_OBJECT, /* sim: {...}: one struct embedded in the root */
    SEC_MAP,    /* hosts: {name: {...}, ...}: an array of named instances */
};

struct section_def {
    const char *key;
    enum section_kind kind;
    const char *doc;
    const struct param_def *params;
    size_t nparams;
    size_t size;               /* one bound instance (or the object) */
    size_t offset;             /* OBJECT: the struct in the root; MAP: the array pointer */
    size_t count_offset;       /* MAP: size_t count in the root */
    size_t name_offset;        /* MAP: char *name in the instance */
    /* MAP with variants: */
    const char *discriminator; /* e.g. "kind" */
    const struct variant_def *variants;
    size_t nvariants;
    size_t variant_index_offset; /* int in the instance */
    size_t variant_ptr_offset;   /* void * in the instance */
};

struct scenario;
struct diag;

struct schema {
    const char *name;
    const struct param_def *params; /* top-level keys */
    size_t nparams;
    const struct section_def *sections;
    size_t nsections;
    size_t size;                    /* the bound root struct */
    /* Checks across keys once everything is bound (e.g. a workload's servers fit its host).
     * Reports with scenario_mark() places. */
    void (*check)(const struct scenario *sc, struct diag *d);
};

#define PARAM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parse `text` as a value of def's type, without the range check. On success returns NULL,
 * stores the binary value at `dst` (if not NULL), writes the canonical text to canon and the
 * numeric value in base units to *num (NaN if not numeric). On failure returns what was
 * expected. */
const char *param_parse(const struct param_def *def, const char *text, void *dst, char *canon,
                        size_t canon_len, double *num);
/* Is num inside def's range? */
bool param_in_range(const struct param_def *def, double num);
/* "1 to 1024", "0s to 1000s", "one of: a, b" or "" for the docs and messages. */
void param_describe_range(const struct param_def *def, char *buf, size_t n);
const char *param_type_name(enum ptype t);
/* Base unit of the numeric value: "ps", "Hz" or def->unit. */
const char *param_unit(const struct param_def *def);

/* The parameter reference as a Markdown document (docs/parameters.md). */
void schema_write_markdown(const struct schema *s, FILE *out);
/* The same as a plain table for `mpstack params`. */
void schema_write_text(const struct schema *s, FILE *out);

#endif
