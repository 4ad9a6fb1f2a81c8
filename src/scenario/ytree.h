/*
 * ytree.h - a YAML document as a tree of maps, sequences and scalars, each node carrying
 * the place it came from.
 *
 * Parsing is done by libyaml (Debian's libyaml-dev); this module only turns libyaml's
 * event stream into a tree that keeps key order and source marks, rejects what a scenario
 * must not contain (several documents, non-scalar keys, duplicate keys, merge keys), and
 * offers the operations the scenario loader needs: lookup, deep merge (for include:) and
 * set-by-path (for --set).
 */
#ifndef MPSTACK_SCENARIO_YTREE_H
#define MPSTACK_SCENARIO_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
    enum ykind kind;
    struct ymark mark;
    /* Y_SCALAR */
    char *str;
    bool is_null;        /* empty, ~ or null, unquoted */
    /* Y_MAP (keys[i] -> items[i]) and Y_SEQ (items) */
    struct ynode **items;
    char **keys;
    struct ymark *key_marks;
    size_t n, cap;
};

/* Parse one YAML document. A missing file is reported without a place; syntax errors
 * with one. `file` is interned in pool. Returns NULL (with diagnostics) on failure. An
 * empty document gives an empty map. */
struct ynode *ytree_parse_file(const char *path, struct srcpool *pool, struct diag *d);
struct ynode *ytree_parse_string(const char *name, const char *text, struct srcpool *pool,
                                 struct diag *d);

struct ynode *ytree_new_map(const struct ymark *m);
struct ynode *ytree_new_scalar(const struct ymark *m, const char *text);
struct ynode *ytree_clone(const struct ynode *n);
void ytree_free(struct ynode *n);

/* Map lookup; NULL if absent (or if map is not a map). */
struct ynode *ytree_get(const struct ynode *map, const char *key);
/* Index of key in map, or -1. */
long ytree_find(const struct ynode *map, const char *key);
/* Set or replace map[key] (takes ownership of value). */
void ytree_set(struct ynode *map, const char *key, const struct ymark *key_mark,
               struct ynode *value);
/* Remove map[key] and return its value (caller owns it), NULL if absent. */
struct ynode *ytree_take(struct ynode *map, const char *key);

/* Deep merge: keys of `over` replace those of `base`, except that two maps merge key by
 * key. Sequences and scalars are replaced whole. `over` is not modified. */
void ytree_merge(struct ynode *base, const struct ynode *over);

const char *ytree_kind_name(enum ykind k);

#endif
