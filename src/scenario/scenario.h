/*
 * scenario.h - loading a scenario: includes, --set overrides, validation against a schema,
 * binding into C structs, and the resolved parameter table.
 *
 * Order of resolution: the included files (named presets or relative paths, each with its
 * own includes, merged in the order listed), then the file's own keys, then --set
 * overrides in command-line order. Then every key is validated against the schema, defaults
 * fill what is absent, and the result is bound into the schema's root struct. All mistakes
 * found are reported as "file:line:col: message" naming the key and what would be valid.
 */
#ifndef MPSTACK_SCENARIO_SCENARIO_H
#define MPSTACK_SCENARIO_SCENARIO_H

#include <stddef.h>

#include "diag.h"
#include "param.h"

/* One row of the resolved parameter table: every parameter of the run, set or default. */
struct param_value {
    char *key;                   /* full path, e.g. "hosts.server.cpus" */
    const struct param_def *def;
    char *text;                  /* canonical text, e.g. "10us" */
    double num;                  /* value in base units (ps, Hz, ...); NaN if not numeric */
    struct ymark mark;           /* where it was set; mark.file NULL for a default */
};

/* One column of a `compare:` block: a name and the overrides that make it (applied after
 * the file's own keys and before --set). */
struct variant {
    char *name;
    struct ymark mark;
    size_t nsets;
    char **keys, **values;
    struct ymark *key_marks, *value_marks;
};

/* One axis of a `sweep:` grid: a key and the values it takes. */
#define SWEEP_MAX_AXES 16
/* Runs one sweep may ask for (grid points x seeds): far beyond what a machine finishes, small
 * enough that the sweep's bookkeeping (a few hundred bytes a run) stays in memory. */
#define SWEEP_MAX_RUNS 100000
struct sweep_axis {
    char *key;
    struct ymark mark;
    size_t n;
    char **values;
    struct ymark *marks;
};

struct scenario {
    char *path;                  /* as given */
    char *name;                  /* e.g. "validation/mm1" (relative to the scenario dir) */
    const struct schema *schema;
    void *cfg;                   /* the bound root struct */
    struct param_value *params;
    size_t nparams, params_cap;
    struct srcpool pool;
    struct ymark file_mark;      /* line 1 of the scenario file */
    void **allocs;               /* everything bound that must be freed */
    size_t nallocs, allocs_cap;
    /* compare: { metrics: [...], variants: { NAME: { key: value, ... }, ... } } */
    struct variant *variants;
    size_t nvariants;
    char **compare_metrics;
    size_t ncompare_metrics;
    /* sweep: { seeds: N, grid: { key: [v, ...], ... } } */
    struct sweep_axis *sweep;
    size_t nsweep;
    uint64_t sweep_seeds;        /* 0: no sweep block */
};

struct scenario_opts {
    const char *path;
    const char *const *sets;     /* "path.to.key=value", in order */
    size_t nsets;
    const char *scenario_dir;    /* where presets/ lives */
    const char *variant;         /* apply this compare: variant's overrides (NULL: none); the
                                    schema must have a root text parameter "variant" */
    const size_t *sweep_point;   /* apply sweep value sweep_point[i] of every axis i (NULL:
                                    none); applied after the variant, before --set */
    size_t nsweep_point;
};

/* Returns NULL if any mistake was found (all of them are in d). */
struct scenario *scenario_load(const struct schema *schema, const struct scenario_opts *o,
                               struct diag *d);
void scenario_free(struct scenario *sc);

/* The resolved row for a full key, NULL if there is none. */
const struct param_value *scenario_param(const struct scenario *sc, const char *key);
/* Where a key was set (for cross-key messages); falls back to the start of the file. */
const struct ymark *scenario_mark(const struct scenario *sc, const char *key);

/* The names include: accepts from the catalogue, sorted: presets (scenario_dir/presets)
 * and hardware profiles (hw/NAME); the caller frees them with
 * scenario_free_names. */
char **scenario_preset_names(const char *scenario_dir, size_t *n);
void scenario_free_names(char **names, size_t n);

/* Edit distance, for "did you mean" suggestions. */
size_t scenario_edit_distance(const char *a, const char *b);

#endif
