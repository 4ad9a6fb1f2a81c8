/*
 * results.h - storing runs in the SQLite results database (docs/results.md).
 *
 * A run is written in one transaction at its end, so a run killed part-way leaves no rows
 * behind. The database is in WAL mode with a busy timeout, so several mpstack processes can
 * write to one file at the same time; each waits its turn. The schema version is kept in
 * PRAGMA user_version; an older database is upgraded in place, a newer one is refused.
 */
#ifndef MPSTACK_RESULTS_RESULTS_H
#define MPSTACK_RESULTS_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "results/metrics.h"
#include "scenario/scenario.h"

#define RESULTS_SCHEMA_VERSION 2

struct results_db;

/* Open (creating the file, its directory and the schema if needed). NULL on failure, with
 * a message in err. */
struct results_db *results_open(const char *path, char *err, size_t errlen);
void results_close(struct results_db *db);

/* Store one run with its resolved parameters. Returns 0 and the new run id, or -1. */
int results_store(struct results_db *db, const struct run_record *rec,
                  const struct scenario *sc, int64_t *run_id, char *err, size_t errlen);

/* The points of sweep `sweep_id` already stored, each as "seed=S" then, for each of keys,
 * "\x1fKEY=VALUE" (the canonical value text). The caller frees each string and *out. */
int results_sweep_points(struct results_db *r, const char *sweep_id, const char *const *keys,
                         size_t nkeys, char ***out, size_t *nout);

/* The schema as SQL, for docs/results.md and tests. */
const char *results_schema_sql(void);
/* What version 2 adds to it. */
const char *results_schema_v2_sql(void);

#endif
