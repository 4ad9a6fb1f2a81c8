/*
 * cmd_misc.c - `mpstack list` and `mpstack params`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "scenario/catalog.h"
#include "world/config.h"

static const char list_usage[] =
    "usage: mpstack list\n"
    "\n"
    "The scenarios and presets shipped in the scenario directory ($MPSTACK_SCENARIOS, or\n"
    "the source tree's scenarios/), each with its description. A preset is used with\n"
    "`include: NAME` in a scenario.\n";

static const char params_usage[] =
    "usage: mpstack params [--markdown]\n"
    "\n"
    "Every scenario parameter with its type, default, valid range and meaning; with\n"
    "--markdown, the text of docs/parameters.md.\n";

static bool starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

int cmd_list(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(list_usage, stdout);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "mpstack list: unexpected argument '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    const char *dir = config_scenario_dir();
    struct catalog c;
    catalog_scan(dir, &c);
    printf("Scenarios (in %s; run with: mpstack run %s/NAME.yaml):\n", dir, dir);
    for (size_t i = 0; i < c.n; i++)
        if (!starts_with(c.v[i].rel, "presets/"))
            printf("  %-34s %s\n", c.v[i].rel, c.v[i].description);
    printf("\nPresets (use with include: NAME):\n");
    for (size_t i = 0; i < c.n; i++)
        if (starts_with(c.v[i].rel, "presets/")) {
            char name[256];
            snprintf(name, sizeof(name), "%s", c.v[i].rel + strlen("presets/"));
            name[strlen(name) - 5] = 0;
            printf("  %-34s %s\n", name, c.v[i].description);
        }
    catalog_free(&c);
    return 0;
}

int cmd_params(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(params_usage, stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
        schema_write_markdown(&config_schema, stdout);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "mpstack params: unknown option '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    schema_write_text(&config_schema, stdout);
    return 0;
}
