/*
 * catalog.h - the shipped scenarios and presets, for `mpstack list`.
 */
#ifndef MPSTACK_SCENARIO_CATALOG_H
#define MPSTACK_SCENARIO_CATALOG_H

#include <stddef.h>

struct catalog_entry {
    char *rel;          /* path relative to the scenario directory, e.g. validation/mm1.yaml */
    char *description;  /* its top-level description:, or "" */
};

struct catalog {
    struct catalog_entry *v;
    size_t n, cap;
};

/* Every *.yaml below dir, sorted by path. */
void catalog_scan(const char *dir, struct catalog *out);
void catalog_free(struct catalog *c);

#endif
