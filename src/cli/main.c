/*
 * main.c - `mpstack`: dispatch to subcommands, --help and --version.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const char usage[] =
    "usage: mpstack <command> [options]\n"
    "\n"
    "Discrete-event simulator of multiprocessor kernel network stacks.\n"
    "\n"
    "commands:\n"
    "  run FILE        run a scenario, store it in the results database, print a summary\n"
    "  compare FILE    run each variant of the scenario's compare: block, print them side by side\n"
    "  sweep FILE      run every point of the scenario's sweep: grid (resumable, in parallel)\n"
    "  validate FILE   check a scenario (and its includes and --set overrides) without running\n"
    "  list            the shipped scenarios and presets, one line each\n"
    "  params          every scenario parameter with type, default and meaning\n"
    "  rss SRC DST     Toeplitz RSS hash of a flow: hash, redirection index, queue, CPU\n"
    "\n"
    "  mpstack <command> --help   options of one command\n"
    "  mpstack --version\n";

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("mpstack %s (%s)\n", MPSTACK_VERSION, MPSTACK_GIT);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "params") == 0)
        return cmd_params(argc - 1, argv + 1);
    if (strcmp(cmd, "rss") == 0)
        return cmd_rss(argc - 1, argv + 1);
    fprintf(stderr, "mpstack: unknown command '%s'\n\n%s", cmd, usage);
    return EXIT_USAGE;
}
