/*
 * catalog.c - walk the scenario directory and read each file's description.
 */
#include "catalog.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "sim/panic.h"
#include "ytree.h"

static void add(struct catalog *c, const char *rel, const char *desc)
{
    xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
    c->v[c->n].rel = xstrdup(rel);
    c->v[c->n].description = xstrdup(desc);
    c->n++;
}

static char *read_description(const char *path)
{
    struct srcpool pool = {0};
    struct diag d;
    diag_init(&d);
    struct ynode *t = ytree_parse_file(path, &pool, &d);
    const struct ynode *n = ytree_get(t, "description");
    char *s = xstrdup(n && n->kind == Y_SCALAR ? n->str
                      : d.n ? "(does not parse: mpstack validate it)"
                            : "");
    ytree_free(t);
    diag_fini(&d);
    srcpool_fini(&pool);
    return s;
}

static void scan(struct catalog *c, const char *root, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[PATH_MAX], full[PATH_MAX];
        if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
                sizeof(sub) ||
            (size_t)snprintf(full, sizeof(full), "%s/%s", root, sub) >= sizeof(full))
            continue; /* path too long to be one of ours */
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            scan(c, root, sub);
        } else {
            size_t l = strlen(sub);
            if (l > 5 && strcmp(sub + l - 5, ".yaml") == 0) {
                char *desc = read_description(full);
                add(c, sub, desc);
                free(desc);
            }
        }
    }
    closedir(dir);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct catalog_entry *)a)->rel, ((const struct catalog_entry *)b)->rel);
}

void catalog_scan(const char *dir, struct catalog *out)
{
    memset(out, 0, sizeof(*out));
    scan(out, dir, "");
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
}

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].rel);
        free(c->v[i].description);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}
