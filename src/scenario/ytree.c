/*
 * ytree.c - libyaml events to a marked tree, and tree operations.
 */
#include "ytree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/panic.h"

/* ---- construction ---- */

static struct ynode *node_new(enum ykind kind, const struct ymark *m)
{
    struct ynode *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    if (m)
        n->mark = *m;
    return n;
}

struct ynode *ytree_new_map(const struct ymark *m) { return node_new(Y_MAP, m); }

struct ynode *ytree_new_scalar(const struct ymark *m, const char *text)
{
    struct ynode *n = node_new(Y_SCALAR, m);
    n->str = xstrdup(text);
    return n;
}

static void push_item(struct ynode *n, const char *key, const struct ymark *km,
                      struct ynode *v)
{
    if (n->n == n->cap) {
        size_t nc = n->cap ? 2 * n->cap : 4;
        n->items = xrealloc(n->items, nc * sizeof(*n->items));
        if (n->kind == Y_MAP) {
            n->keys = xrealloc(n->keys, nc * sizeof(*n->keys));
            n->key_marks = xrealloc(n->key_marks, nc * sizeof(*n->key_marks));
        }
        n->cap = nc;
    }
    if (n->kind == Y_MAP) {
        n->keys[n->n] = xstrdup(key);
        n->key_marks[n->n] = *km;
    }
    n->items[n->n++] = v;
}

void ytree_free(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        ytree_free(n->items[i]);
        if (n->keys)
            free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->key_marks);
    free(n->str);
    free(n);
}

struct ynode *ytree_clone(const struct ynode *n)
{
    struct ynode *c = node_new(n->kind, &n->mark);
    c->is_null = n->is_null;
    if (n->str)
        c->str = xstrdup(n->str);
    for (size_t i = 0; i < n->n; i++)
        push_item(c, n->keys ? n->keys[i] : NULL, n->key_marks ? &n->key_marks[i] : NULL,
                  ytree_clone(n->items[i]));
    return c;
}

const char *ytree_kind_name(enum ykind k)
{
    return k == Y_MAP ? "a mapping" : k == Y_SEQ ? "a list" : "a value";
}

/* ---- parsing ---- */

struct anchor {
    char *name;
    struct ynode *node;
};

struct parser {
    yaml_parser_t yp;
    const char *file;
    struct diag *d;
    struct anchor *anchors;
    size_t nanchors, anchors_cap;
    bool failed;
};

static struct ymark mark_of(const struct parser *p, yaml_mark_t m)
{
    return (struct ymark){p->file, (int)m.line + 1, (int)m.column + 1};
}

static bool next_event(struct parser *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&p->yp, ev)) {
        struct ymark m = mark_of(p, p->yp.problem_mark);
        if (p->yp.context)
            diag_add(p->d, &m, "YAML syntax error: %s %s", p->yp.problem, p->yp.context);
        else
            diag_add(p->d, &m, "YAML syntax error: %s", p->yp.problem ? p->yp.problem : "?");
        p->failed = true;
        return false;
    }
    return true;
}

static void remember_anchor(struct parser *p, const yaml_char_t *anchor, struct ynode *n)
{
    if (!anchor)
        return;
    xgrow((void **)&p->anchors, &p->anchors_cap, p->nanchors + 1, sizeof(*p->anchors));
    p->anchors[p->nanchors++] = (struct anchor){xstrdup((const char *)anchor), n};
}

static struct ynode *parse_node(struct parser *p, yaml_event_t *ev);

static bool scalar_is_null(const yaml_event_t *ev)
{
    if (!ev->data.scalar.plain_implicit)
        return false;
    const char *s = (const char *)ev->data.scalar.value;
    return s[0] == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static struct ynode *parse_mapping(struct parser *p, yaml_event_t *start)
{
    struct ymark m = mark_of(p, start->start_mark);
    struct ynode *n = node_new(Y_MAP, &m);
    remember_anchor(p, start->data.mapping_start.anchor, n);
    for (;;) {
        yaml_event_t kev;
        if (!next_event(p, &kev))
            break;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            return n;
        }
        struct ymark km = mark_of(p, kev.start_mark);
        char *key = NULL;
        if (kev.type == YAML_SCALAR_EVENT) {
            key = xstrdup((const char *)kev.data.scalar.value);
        } else {
            diag_add(p->d, &km, "keys must be plain names, not a list or a mapping");
            p->failed = true;
        }
        yaml_event_delete(&kev);
        yaml_event_t vev;
        if (!next_event(p, &vev)) {
            free(key);
            break;
        }
        struct ynode *v = parse_node(p, &vev);
        if (!v) {
            free(key);
            break;
        }
        if (key && strcmp(key, "<<") == 0) {
            diag_add(p->d, &km, "YAML merge keys ('<<') are not supported; use include: or "
                                "write the keys out");
            p->failed = true;
            ytree_free(v);
        } else if (key) {
            long prev = ytree_find(n, key);
            if (prev >= 0) {
                diag_add(p->d, &km, "duplicate key '%s' (first given at line %d)", key,
                         n->key_marks[prev].line);
                p->failed = true;
                ytree_free(v);
            } else {
                push_item(n, key, &km, v);
            }
        } else {
            ytree_free(v);
        }
        free(key);
    }
    ytree_free(n);
    return NULL;
}

static struct ynode *parse_sequence(struct parser *p, yaml_event_t *start)
{
    struct ymark m = mark_of(p, start->start_mark);
    struct ynode *n = node_new(Y_SEQ, &m);
    remember_anchor(p, start->data.sequence_start.anchor, n);
    for (;;) {
        yaml_event_t ev;
        if (!next_event(p, &ev))
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return n;
        }
        struct ynode *v = parse_node(p, &ev);
        if (!v)
            break;
        push_item(n, NULL, NULL, v);
    }
    ytree_free(n);
    return NULL;
}

/* Consumes *ev (deleting it). */
static struct ynode *parse_node(struct parser *p, yaml_event_t *ev)
{
    struct ynode *n = NULL;
    struct ymark m = mark_of(p, ev->start_mark);
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(Y_SCALAR, &m);
        n->str = xstrdup((const char *)ev->data.scalar.value);
        n->is_null = scalar_is_null(ev);
        remember_anchor(p, ev->data.scalar.anchor, n);
        break;
    case YAML_MAPPING_START_EVENT:
        n = parse_mapping(p, ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
        n = parse_sequence(p, ev);
        break;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (size_t i = p->nanchors; i-- > 0;)
            if (strcmp(p->anchors[i].name, name) == 0) {
                n = ytree_clone(p->anchors[i].node);
                break;
            }
        if (!n) {
            diag_add(p->d, &m, "unknown alias '*%s'", name);
            p->failed = true;
        }
        break;
    }
    default:
        diag_add(p->d, &m, "unexpected YAML element");
        p->failed = true;
        break;
    }
    yaml_event_delete(ev);
    return n;
}

static struct ynode *parse_stream(struct parser *p)
{
    struct ynode *root = NULL;
    yaml_event_t ev;
    int docs = 0;
    while (!p->failed && next_event(p, &ev)) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                struct ymark m = mark_of(p, ev.start_mark);
                diag_add(p->d, &m, "a scenario file holds one YAML document; found a second");
                p->failed = true;
            }
            yaml_event_delete(&ev);
            continue;
        }
        struct ynode *n = parse_node(p, &ev);
        if (!n)
            break;
        ytree_free(root);
        root = n;
    }
    if (p->failed) {
        ytree_free(root);
        return NULL;
    }
    if (!root || (root->kind == Y_SCALAR && root->is_null)) {
        ytree_free(root);
        struct ymark m = {p->file, 1, 1};
        return ytree_new_map(&m);
    }
    if (root->kind != Y_MAP) {
        diag_add(p->d, &root->mark, "a scenario must be a mapping of keys (e.g. 'sim:'), not %s",
                 ytree_kind_name(root->kind));
        ytree_free(root);
        return NULL;
    }
    return root;
}

static struct ynode *run_parser(struct parser *p)
{
    struct ynode *root = parse_stream(p);
    for (size_t i = 0; i < p->nanchors; i++)
        free(p->anchors[i].name);
    free(p->anchors);
    yaml_parser_delete(&p->yp);
    return root;
}

struct ynode *ytree_parse_file(const char *path, struct srcpool *pool, struct diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, NULL, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct parser p = {.file = srcpool_intern(pool, path), .d = d};
    yaml_parser_initialize(&p.yp);
    yaml_parser_set_input_file(&p.yp, f);
    struct ynode *root = run_parser(&p);
    fclose(f);
    return root;
}

struct ynode *ytree_parse_string(const char *name, const char *text, struct srcpool *pool,
                                 struct diag *d)
{
    struct parser p = {.file = srcpool_intern(pool, name), .d = d};
    yaml_parser_initialize(&p.yp);
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, strlen(text));
    return run_parser(&p);
}

/* ---- map operations ---- */

long ytree_find(const struct ynode *map, const char *key)
{
    if (!map || map->kind != Y_MAP)
        return -1;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return (long)i;
    return -1;
}

struct ynode *ytree_get(const struct ynode *map, const char *key)
{
    long i = ytree_find(map, key);
    return i < 0 ? NULL : map->items[i];
}

void ytree_set(struct ynode *map, const char *key, const struct ymark *key_mark,
               struct ynode *value)
{
    long i = ytree_find(map, key);
    if (i >= 0) {
        ytree_free(map->items[i]);
        map->items[i] = value;
        map->key_marks[i] = *key_mark;
        return;
    }
    push_item(map, key, key_mark, value);
}

struct ynode *ytree_take(struct ynode *map, const char *key)
{
    long i = ytree_find(map, key);
    if (i < 0)
        return NULL;
    struct ynode *v = map->items[i];
    free(map->keys[i]);
    for (size_t k = (size_t)i + 1; k < map->n; k++) {
        map->items[k - 1] = map->items[k];
        map->keys[k - 1] = map->keys[k];
        map->key_marks[k - 1] = map->key_marks[k];
    }
    map->n--;
    return v;
}

void ytree_merge(struct ynode *base, const struct ynode *over)
{
    for (size_t i = 0; i < over->n; i++) {
        struct ynode *b = ytree_get(base, over->keys[i]);
        if (b && b->kind == Y_MAP && over->items[i]->kind == Y_MAP)
            ytree_merge(b, over->items[i]);
        else
            ytree_set(base, over->keys[i], &over->key_marks[i], ytree_clone(over->items[i]));
    }
}
