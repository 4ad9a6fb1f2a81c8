/*
 * cli.h - the `mpstack` command: subcommands and their shared helpers.
 *
 * Exit status: 0 success; 1 a failure at run time (e.g. the results database cannot be
 * written); 2 a usage or scenario mistake (nothing is written); 130 interrupted (nothing
 * is written).
 */
#ifndef MPSTACK_CLI_CLI_H
#define MPSTACK_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "results/metrics.h"
#include "scenario/scenario.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_rss(int argc, char **argv);

/* Progress line on stderr (only on a terminal), and Ctrl-C handling. */
struct sim;
struct progress;
struct progress *progress_start(struct sim *sim, const char *label, sim_time_t end, bool show);
void progress_finish(struct progress *p);
bool progress_interrupted(const struct progress *p);
/* Catch SIGINT into the same flag (restore with sigaction(SIGINT, old, NULL)), and ask. */
struct sigaction;
void cli_sigint_catch(struct sigaction *old);
bool cli_sigint_caught(void);

/* After a run: the human summary, or one JSON object. */
void report_table(FILE *out, const struct run_record *rec, int64_t run_id, const char *db);
int report_json(FILE *out, const struct run_record *rec, const struct scenario *sc,
                int64_t run_id);

/* Does argv[i] ask for help? */
bool cli_wants_help(int argc, char **argv);

#endif
