/*
 * scenario.c - the scenario loader: includes, --set, validation, binding, resolved table.
 */
#include "scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/panic.h"
#include "ytree.h"

#define MAX_INCLUDE_DEPTH 32

struct loader {
    const struct schema *schema;
    const struct scenario_opts *o;
    struct scenario *sc;
    struct diag *d;
    char *stack[MAX_INCLUDE_DEPTH];
    size_t depth;
    struct ymark file_mark;
};

/* ---- small helpers ---- */

static void track(struct scenario *sc, void *p)
{
    xgrow((void **)&sc->allocs, &sc->allocs_cap, sc->nallocs + 1, sizeof(*sc->allocs));
    sc->allocs[sc->nallocs++] = p;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

size_t scenario_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

/* A growing list of names for "valid: ..." messages. */
struct names {
    const char *v[128];
    size_t n;
};

static void names_add(struct names *ns, const char *s)
{
    if (ns->n < 128)
        ns->v[ns->n++] = s;
}

static void names_join(const struct names *ns, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < ns->n && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", ns->v[i]);
}

static const char *closest(const struct names *ns, const char *key)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; i < ns->n; i++) {
        size_t dist = scenario_edit_distance(key, ns->v[i]);
        if (dist < bestd) {
            bestd = dist;
            best = ns->v[i];
        }
    }
    size_t limit = strlen(key) / 3 + 1;
    return bestd <= limit ? best : NULL;
}

/* ---- presets ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the *.yaml names of dir/sub (prefixed with sub/ unless sub is "presets"). */
static void add_catalogue(const char *dir, const char *sub, char ***v, size_t *n, size_t *cap)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return;
    bool prefix = strcmp(sub, "presets") != 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".yaml"))
            continue;
        char name[512];
        snprintf(name, sizeof(name), "%s%s%.*s", prefix ? sub : "", prefix ? "/" : "",
                 (int)(strlen(e->d_name) - 5), e->d_name);
        xgrow((void **)v, cap, *n + 1, sizeof(**v));
        (*v)[(*n)++] = xstrdup(name);
    }
    closedir(d);
}

char **scenario_preset_names(const char *scenario_dir, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    add_catalogue(scenario_dir, "presets", &v, n, &cap);
    add_catalogue(scenario_dir, "hw", &v, n, &cap);
    if (*n)
        qsort(v, *n, sizeof(*v), cmp_str);
    return v;
}

void scenario_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A name without a .yaml suffix is a catalogue entry of the scenario directory: a preset
 * (presets/NAME.yaml) or a file such as hw/e5-2620v2 (NAME.yaml). */
static bool is_catalogue_name(const char *s)
{
    return s[0] != '/' && !ends_with(s, ".yaml") && !ends_with(s, ".yml");
}

/* ---- includes ---- */

/* A path for messages: relative to the working directory when below it. */
static char *display_path(const char *real)
{
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd))) {
        size_t l = strlen(cwd);
        if (strncmp(real, cwd, l) == 0 && real[l] == '/')
            return xstrdup(real + l + 1);
    }
    return xstrdup(real);
}

static struct ynode *load_file(struct loader *L, const char *path, const struct ymark *from);

static void include_one(struct loader *L, struct ynode *result, const struct ynode *entry,
                        const char *including_real)
{
    if (entry->kind != Y_SCALAR || entry->is_null || !entry->str[0]) {
        diag_add(L->d, &entry->mark, "include: expected a preset name or a file path");
        return;
    }
    char path[PATH_MAX];
    if (is_catalogue_name(entry->str)) {
        snprintf(path, sizeof(path), "%s/presets/%s.yaml", L->o->scenario_dir, entry->str);
        if (access(path, R_OK) != 0)
            snprintf(path, sizeof(path), "%s/%s.yaml", L->o->scenario_dir, entry->str);
        if (access(path, R_OK) != 0) {
            size_t n;
            char **v = scenario_preset_names(L->o->scenario_dir, &n);
            struct names ns = {.n = 0};
            for (size_t i = 0; i < n; i++)
                names_add(&ns, v[i]);
            char list[1024];
            names_join(&ns, list, sizeof(list));
            const char *near = closest(&ns, entry->str);
            char hint[160] = "";
            if (near)
                snprintf(hint, sizeof(hint), "; did you mean '%s'?", near);
            diag_add(L->d, &entry->mark, "include: unknown preset '%s' (available presets: %s)%s",
                     entry->str, n ? list : "none", hint);
            scenario_free_names(v, n);
            return;
        }
    } else if (entry->str[0] == '/') {
        snprintf(path, sizeof(path), "%s", entry->str);
    } else {
        char *dircopy = xstrdup(including_real);
        snprintf(path, sizeof(path), "%s/%s", dirname(dircopy), entry->str);
        free(dircopy);
    }
    struct ynode *sub = load_file(L, path, &entry->mark);
    if (sub) {
        ytree_merge(result, sub);
        ytree_free(sub);
    }
}

static bool check_cycle(struct loader *L, const char *real, const struct ymark *from)
{
    for (size_t i = 0; i < L->depth; i++) {
        if (strcmp(L->stack[i], real) != 0)
            continue;
        char chain[2048];
        size_t used = 0;
        for (size_t k = i; k < L->depth && used < sizeof(chain); k++) {
            char *dp = display_path(L->stack[k]);
            used += (size_t)snprintf(chain + used, sizeof(chain) - used, "%s -> ", dp);
            free(dp);
        }
        char *dp = display_path(real);
        if (used < sizeof(chain))
            snprintf(chain + used, sizeof(chain) - used, "%s", dp);
        free(dp);
        diag_add(L->d, from, "include: circular include: %s", chain);
        return false;
    }
    if (L->depth >= MAX_INCLUDE_DEPTH) {
        diag_add(L->d, from, "include: includes nested more than %d deep", MAX_INCLUDE_DEPTH);
        return false;
    }
    return true;
}

static struct ynode *load_file(struct loader *L, const char *path, const struct ymark *from)
{
    char *real = realpath(path, NULL);
    if (!real) {
        if (from)
            diag_add(L->d, from, "include: cannot read '%s': %s", path, strerror(errno));
        else
            diag_add(L->d, NULL, "cannot read scenario '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (!check_cycle(L, real, from)) {
        free(real);
        return NULL;
    }
    char *shown = from ? display_path(real) : xstrdup(path);
    struct ynode *tree = ytree_parse_file(shown, &L->sc->pool, L->d);
    free(shown);
    if (!tree) {
        free(real);
        return NULL;
    }
    L->stack[L->depth++] = real;
    struct ynode *inc = ytree_take(tree, "include");
    struct ynode *result = ytree_new_map(&tree->mark);
    if (inc) {
        if (inc->kind == Y_SEQ) {
            for (size_t i = 0; i < inc->n; i++)
                include_one(L, result, inc->items[i], real);
        } else {
            include_one(L, result, inc, real);
        }
    }
    ytree_merge(result, tree);
    ytree_free(tree);
    ytree_free(inc);
    L->depth--;
    free(real);
    return result;
}

/* ---- --set ---- */

/* Where an override comes from: each may set a little less. */
enum set_src {
    SET_CLI,     /* --set */
    SET_VARIANT, /* a compare: variant */
    SET_GRID,    /* a sweep: grid value */
    SET_LOADER,  /* the loader itself (the variant's name) */
};

/* Whether `key` (dotted) is `name` or lies under it. */
static bool key_under(const char *key, const char *name)
{
    size_t n = strlen(name);
    return strncmp(key, name, n) == 0 && (key[n] == '\0' || key[n] == '.');
}

/* NULL if an override from src may set key, else why not. */
static const char *set_refused(const char *key, enum set_src src)
{
    if (src == SET_LOADER)
        return NULL;
    if (key_under(key, "include") || key_under(key, "compare") || key_under(key, "sweep"))
        return "cannot be overridden; list presets in the scenario's include:, variants under "
               "compare: and the grid under sweep:";
    if (strcmp(key, "variant") == 0)
        return "set by mpstack compare, for each of the scenario's compare: variants";
    if (src != SET_CLI && key_under(key, "outputs"))
        return "results go to one place for every run of a compare or sweep (set outputs.* in "
               "the scenario or with --set, --db)";
    if (src == SET_GRID && strcmp(key, "sim.seed") == 0)
        return "cannot be a grid key: sweep.seeds gives each point its seeds";
    return NULL;
}

/* Set root's dotted `key` to the scalar `value` (an override): sections on the way are
 * made as needed. `what` names the source in messages ("--set", "compare variant x"). */
static void set_path(struct loader *L, struct ynode *root, const char *key_in, const char *value,
                     const struct ymark *km, const struct ymark *vm, const char *what,
                     enum set_src src)
{
    const char *why = set_refused(key_in, src);
    if (why) {
        diag_add(L->d, km, "%s: %s: %s", what, key_in, why);
        return;
    }
    size_t kl = strlen(key_in);
    if (kl == 0 || strstr(key_in, "..") || key_in[kl - 1] == '.' || key_in[0] == '.') {
        diag_add(L->d, km, "%s: malformed key '%s'", what, key_in);
        return;
    }
    char *key = xstrdup(key_in);
    struct ynode *node = root;
    char *save = NULL, *seg = strtok_r(key, ".", &save);
    char walked[512] = "";
    while (seg) {
        char *next = strtok_r(NULL, ".", &save);
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof(walked) - wl, "%s%s", wl ? "." : "", seg);
        if (!next) {
            ytree_set(node, seg, km, ytree_new_scalar(vm, value));
            break;
        }
        struct ynode *child = ytree_get(node, seg);
        if (!child || (child->kind == Y_SCALAR && child->is_null)) {
            ytree_set(node, seg, km, ytree_new_map(km));
            child = ytree_get(node, seg);
        } else if (child->kind != Y_MAP) {
            diag_add(L->d, km, "%s %s=%s: '%s' is a value, not a section", what, key_in, value,
                     walked);
            break;
        }
        node = child;
        seg = next;
    }
    free(key);
}

static void apply_sets(struct loader *L, struct ynode *root)
{
    const char *file = srcpool_intern(&L->sc->pool, "--set");
    for (size_t i = 0; i < L->o->nsets; i++) {
        const char *s = L->o->sets[i];
        struct ymark km = {file, (int)i + 1, 1};
        const char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            diag_add(L->d, &km, "--set expects key=value (e.g. sim.seed=7), got '%s'", s);
            continue;
        }
        char *key = xstrdup(s);
        key[eq - s] = 0;
        struct ymark vm = {file, (int)i + 1, (int)(eq - s) + 2};
        set_path(L, root, key, eq + 1, &km, &vm, "--set", SET_CLI);
        free(key);
    }
}

/* ---- compare: variants ---- */

static void variant_add_set(struct variant *v, const char *key, const char *value,
                            const struct ymark *km, const struct ymark *vm)
{
    size_t n = v->nsets + 1;
    v->keys = xrealloc(v->keys, n * sizeof(*v->keys));
    v->values = xrealloc(v->values, n * sizeof(*v->values));
    v->key_marks = xrealloc(v->key_marks, n * sizeof(*v->key_marks));
    v->value_marks = xrealloc(v->value_marks, n * sizeof(*v->value_marks));
    v->keys[v->nsets] = xstrdup(key);
    v->values[v->nsets] = xstrdup(value);
    v->key_marks[v->nsets] = *km;
    v->value_marks[v->nsets] = *vm;
    v->nsets = n;
}

static bool valid_instance_name(const char *s);

/* Take the `compare:` block out of the merged tree into sc->variants / compare_metrics. */
/* Take the top-level block `name` out of the merged tree (so the schema does not see it):
 * NULL if there is none, or if it is not a section (reported: `what` says what it holds).
 * *mark is the block's key. */
static struct ynode *take_block(struct loader *L, struct ynode *root, const char *name,
                                const char *what, struct ymark *mark)
{
    long idx = ytree_find(root, name);
    if (idx < 0)
        return NULL;
    *mark = root->key_marks[idx];
    struct ynode *b = ytree_take(root, name);
    if (b->kind != Y_MAP) {
        diag_add(L->d, mark, "%s: expected a section with %s, got %s", name, what,
                 ytree_kind_name(b->kind));
        ytree_free(b);
        return NULL;
    }
    return b;
}

static void take_compare(struct loader *L, struct ynode *root)
{
    struct ymark cmark;
    size_t before = diag_count(L->d);
    struct ynode *c = take_block(L, root, "compare", "metrics: and variants:", &cmark);
    if (!c)
        return;
    struct scenario *sc = L->sc;
    for (size_t i = 0; i < c->n; i++) {
        const char *k = c->keys[i];
        struct ynode *it = c->items[i];
        if (strcmp(k, "metrics") == 0) {
            if (it->kind != Y_SEQ || it->n == 0) {
                diag_add(L->d, &c->key_marks[i], "compare.metrics: expected a list of metric "
                                                 "names (e.g. [fwd.mpps, drop.total])");
                continue;
            }
            for (size_t j = 0; j < it->n; j++) {
                if (it->items[j]->kind != Y_SCALAR || it->items[j]->is_null) {
                    diag_add(L->d, &it->items[j]->mark, "compare.metrics: each entry is a "
                                                        "metric name");
                    continue;
                }
                sc->compare_metrics = xrealloc(sc->compare_metrics, (sc->ncompare_metrics + 1) *
                                                                        sizeof(char *));
                sc->compare_metrics[sc->ncompare_metrics++] = xstrdup(it->items[j]->str);
            }
        } else if (strcmp(k, "variants") == 0) {
            if (it->kind != Y_MAP || it->n == 0) {
                diag_add(L->d, &c->key_marks[i], "compare.variants: expected a section of "
                                                 "NAME: {key: value, ...} entries");
                continue;
            }
            for (size_t j = 0; j < it->n; j++) {
                const char *name = it->keys[j];
                struct ynode *vn = it->items[j];
                if (!valid_instance_name(name)) {
                    diag_add(L->d, &it->key_marks[j], "compare.variants: '%s' is not a valid "
                             "name (letters, digits, '_' and '-')", name);
                    continue;
                }
                if (!(vn->kind == Y_MAP || (vn->kind == Y_SCALAR && vn->is_null))) {
                    diag_add(L->d, &vn->mark, "compare.variants.%s: expected a section of "
                             "overrides (key: value) or nothing, got %s", name,
                             ytree_kind_name(vn->kind));
                    continue;
                }
                sc->variants = xrealloc(sc->variants, (sc->nvariants + 1) * sizeof(*sc->variants));
                struct variant *v = &sc->variants[sc->nvariants++];
                memset(v, 0, sizeof(*v));
                v->name = xstrdup(name);
                v->mark = it->key_marks[j];
                for (size_t e = 0; vn->kind == Y_MAP && e < vn->n; e++) {
                    struct ynode *val = vn->items[e];
                    if (val->kind != Y_SCALAR) {
                        diag_add(L->d, &val->mark, "compare.variants.%s.%s: expected a value, "
                                 "got %s", name, vn->keys[e], ytree_kind_name(val->kind));
                        continue;
                    }
                    variant_add_set(v, vn->keys[e], val->is_null ? "" : val->str,
                                    &vn->key_marks[e], &val->mark);
                }
            }
        } else {
            diag_add(L->d, &c->key_marks[i], "unknown key '%s' in compare; valid keys: metrics, "
                                             "variants", k);
        }
    }
    if (diag_count(L->d) == before && !sc->nvariants)
        diag_add(L->d, &cmark, "compare: no variants given (compare.variants)");
    else if (diag_count(L->d) == before && !sc->ncompare_metrics)
        diag_add(L->d, &cmark, "compare: no metrics given (compare.metrics: a list of metric "
                               "names, e.g. [fwd.mpps, drop.total])");
    ytree_free(c);
}

/* Take the `sweep:` block out of the merged tree into sc->sweep / sweep_seeds. */
static void take_sweep(struct loader *L, struct ynode *root)
{
    struct ymark smark;
    size_t before = diag_count(L->d);
    struct ynode *b = take_block(L, root, "sweep", "seeds: and grid:", &smark);
    if (!b)
        return;
    struct scenario *sc = L->sc;
    sc->sweep_seeds = 1;
    for (size_t i = 0; i < b->n; i++) {
        struct ynode *it = b->items[i];
        if (strcmp(b->keys[i], "seeds") == 0) {
            char *end = NULL;
            unsigned long long v = it->kind == Y_SCALAR && !it->is_null
                                       ? strtoull(it->str, &end, 10) : 0;
            if (!end || *end || v < 1 || v > 100000)
                diag_add(L->d, &it->mark, "sweep.seeds: expected a whole number of seeds per "
                                          "point, 1 to 100000");
            else
                sc->sweep_seeds = v;
        } else if (strcmp(b->keys[i], "grid") == 0) {
            if (it->kind != Y_MAP || it->n == 0) {
                diag_add(L->d, &b->key_marks[i], "sweep.grid: expected a section of KEY: "
                                                 "[value, ...] entries");
                continue;
            }
            for (size_t k = 0; k < it->n; k++) {
                struct ynode *vals = it->items[k];
                if (vals->kind != Y_SEQ || vals->n == 0) {
                    diag_add(L->d, &vals->mark, "sweep.grid.%s: expected a list of values "
                             "(e.g. [0.5, 0.9])", it->keys[k]);
                    continue;
                }
                if (sc->nsweep == SWEEP_MAX_AXES) {
                    diag_add(L->d, &it->key_marks[k], "sweep.grid: at most %d keys",
                             SWEEP_MAX_AXES);
                    break;
                }
                sc->sweep = xrealloc(sc->sweep, (sc->nsweep + 1) * sizeof(*sc->sweep));
                struct sweep_axis *ax = &sc->sweep[sc->nsweep++];
                memset(ax, 0, sizeof(*ax));
                ax->key = xstrdup(it->keys[k]);
                ax->mark = it->key_marks[k];
                ax->values = xcalloc(vals->n, sizeof(char *));
                ax->marks = xcalloc(vals->n, sizeof(struct ymark));
                for (size_t j = 0; j < vals->n; j++) {
                    struct ynode *v = vals->items[j];
                    if (v->kind != Y_SCALAR || v->is_null) {
                        diag_add(L->d, &v->mark, "sweep.grid.%s: each value must be a value",
                                 it->keys[k]);
                        ax->values[j] = xstrdup("");
                    } else {
                        ax->values[j] = xstrdup(v->str);
                    }
                    ax->marks[j] = v->mark;
                    ax->n++;
                }
            }
        } else {
            diag_add(L->d, &b->key_marks[i], "unknown key '%s' in sweep; valid keys: seeds, grid",
                     b->keys[i]);
        }
    }
    if (!sc->nsweep && diag_count(L->d) == before)
        diag_add(L->d, &smark, "sweep: no grid: given");
    uint64_t runs = sc->sweep_seeds;
    for (size_t a = 0; a < sc->nsweep && runs <= SWEEP_MAX_RUNS; a++)
        runs *= sc->sweep[a].n; /* at most 100000 x a list's length: no overflow */
    if (sc->nsweep && runs > SWEEP_MAX_RUNS) {
        char n[256] = "";
        size_t len = 0;
        for (size_t a = 0; a < sc->nsweep && len < sizeof(n) - 32; a++)
            len += (size_t)snprintf(n + len, sizeof(n) - len, "%s%zu", a ? " x " : "",
                                    sc->sweep[a].n);
        diag_add(L->d, &smark, "sweep: %s points x %llu seed%s is more than %d runs; split "
                 "the grid into several sweeps", n, (unsigned long long)sc->sweep_seeds,
                 sc->sweep_seeds == 1 ? "" : "s", SWEEP_MAX_RUNS);
    }
    ytree_free(b);
}

static void apply_sweep_point(struct loader *L, struct ynode *root)
{
    const struct scenario *sc = L->sc;
    if (!sc->nsweep) {
        diag_add(L->d, &L->file_mark, "this scenario has no sweep: block");
        return;
    }
    if (L->o->nsweep_point != sc->nsweep) {
        diag_add(L->d, &L->file_mark, "a sweep point needs %zu value indexes (one per grid key), "
                 "got %zu", sc->nsweep, L->o->nsweep_point);
        return;
    }
    for (size_t i = 0; i < sc->nsweep; i++) {
        const struct sweep_axis *ax = &sc->sweep[i];
        size_t j = L->o->sweep_point[i];
        if (j >= ax->n) {
            diag_add(L->d, &ax->mark, "sweep.grid.%s has %zu values; index %zu is out of range",
                     ax->key, ax->n, j);
            continue;
        }
        set_path(L, root, ax->key, ax->values[j], &ax->mark, &ax->marks[j], "sweep.grid",
                 SET_GRID);
    }
}

static void apply_variant(struct loader *L, struct ynode *root)
{
    const struct scenario *sc = L->sc;
    const struct variant *v = NULL;
    for (size_t i = 0; i < sc->nvariants && !v; i++)
        if (strcmp(sc->variants[i].name, L->o->variant) == 0)
            v = &sc->variants[i];
    if (!v) {
        char list[1024] = "";
        for (size_t i = 0; i < sc->nvariants; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", sc->variants[i].name);
        }
        diag_add(L->d, &L->file_mark, "no compare variant '%s' in this scenario; %s%s",
                 L->o->variant, sc->nvariants ? "valid: " : "it has no compare: block",
                 list);
        return;
    }
    char what[160];
    snprintf(what, sizeof(what), "compare.variants.%s", v->name);
    for (size_t i = 0; i < v->nsets; i++)
        set_path(L, root, v->keys[i], v->values[i], &v->key_marks[i], &v->value_marks[i], what,
                 SET_VARIANT);
    set_path(L, root, "variant", v->name, &v->mark, &v->mark, what, SET_LOADER);
}

/* ---- binding ---- */

static void add_value(struct scenario *sc, const char *key, const struct param_def *def,
                      const char *text, double num, const struct ymark *mark)
{
    xgrow((void **)&sc->params, &sc->params_cap, sc->nparams + 1, sizeof(*sc->params));
    struct param_value *pv = &sc->params[sc->nparams++];
    pv->key = xstrdup(key);
    pv->def = def;
    pv->text = xstrdup(text);
    pv->num = num;
    if (mark)
        pv->mark = *mark;
    else
        pv->mark = (struct ymark){NULL, 0, 0};
}

/* Unknown keys in `map`, against the allowed names. `what` names the section in messages. */
static void check_keys(struct loader *L, const struct ynode *map, const struct names *allowed,
                       const char *what)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->n; i++) {
        bool ok = false;
        for (size_t k = 0; k < allowed->n && !ok; k++)
            ok = strcmp(map->keys[i], allowed->v[k]) == 0;
        if (ok)
            continue;
        char list[2048];
        names_join(allowed, list, sizeof(list));
        const char *near = closest(allowed, map->keys[i]);
        char hint[160] = "";
        if (near)
            snprintf(hint, sizeof(hint), " (did you mean '%s'?)", near);
        diag_add(L->d, &map->key_marks[i], "unknown key '%s' in %s%s; valid keys: %s",
                 map->keys[i], what, hint, list);
    }
}

static void add_param_names(struct names *ns, const struct param_def *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        names_add(ns, p[i].key);
}

/* Bind one parameter from `map` (or its default) into base + def->offset. */
static void bind_one(struct loader *L, const struct param_def *def, const struct ynode *map,
                     void *base, const char *prefix, const struct ymark *owner)
{
    char key[512];
    snprintf(key, sizeof(key), "%s%s", prefix, def->key);
    const struct ynode *node = ytree_get(map, def->key);
    const char *text;
    const struct ymark *mark = NULL;
    if (!node) {
        if (!def->def) {
            char what[512];
            snprintf(what, sizeof(what), "%s", prefix);
            size_t wl = strlen(what);
            if (wl && what[wl - 1] == '.')
                what[wl - 1] = 0;
            diag_add(L->d, owner, "%s: missing required key '%s' (%s)", what[0] ? what : "scenario",
                     def->key, def->doc ? def->doc : param_type_name(def->type));
            return;
        }
        text = def->def;
    } else if (node->kind != Y_SCALAR) {
        diag_add(L->d, &node->mark, "%s: expected %s, got %s", key, param_type_name(def->type),
                 ytree_kind_name(node->kind));
        return;
    } else if (node->is_null) {
        diag_add(L->d, &node->mark, "%s: no value given", key);
        return;
    } else {
        text = node->str;
        mark = &node->mark;
    }
    char canon[512], range[512];
    double num;
    void *dst = (char *)base + def->offset;
    const char *err = param_parse(def, text, def->type == PT_STRING || def->type == PT_REF ? NULL : dst,
                                  canon, sizeof(canon), &num);
    if (err && !mark)
        SIM_PANIC("default '%s' of %s does not parse: expected %s", text, key, err);
    param_describe_range(def, range, sizeof(range));
    if (err && def->type == PT_ENUM) {
        struct names ns = {.n = 0};
        for (int i = 0; def->choices[i]; i++)
            names_add(&ns, def->choices[i]);
        const char *near = closest(&ns, text);
        char hint[160] = "";
        if (near)
            snprintf(hint, sizeof(hint), "; did you mean '%s'?", near);
        diag_add(L->d, mark, "%s: unknown value '%s' (valid: %s)%s", key, text, range, hint);
        return;
    }
    if (err) {
        diag_add(L->d, mark, "%s: expected %s, got '%s'%s%s", key, err, text,
                 range[0] ? "; valid: " : "", range);
        return;
    }
    if (!param_in_range(def, num)) {
        if (!mark)
            SIM_PANIC("default '%s' of %s is outside its range %s", text, key, range);
        diag_add(L->d, mark, "%s: %s is out of range (valid: %s)", key, canon, range);
        return;
    }
    if (def->type == PT_STRING || def->type == PT_REF) {
        char *copy = xstrdup(text);
        track(L->sc, copy);
        *(char **)dst = copy;
    }
    add_value(L->sc, key, def, canon, num, mark);
}

static void bind_params(struct loader *L, const struct param_def *defs, size_t n,
                        const struct ynode *map, void *base, const char *prefix,
                        const struct ymark *owner)
{
    for (size_t i = 0; i < n; i++)
        bind_one(L, &defs[i], map, base, prefix, owner);
}

/* A section's node: absent or "key:" with no value count as empty. */
static const struct ynode *section_node(struct loader *L, const struct ynode *root,
                                        const char *key)
{
    const struct ynode *n = ytree_get(root, key);
    if (!n || (n->kind == Y_SCALAR && n->is_null))
        return NULL;
    if (n->kind != Y_MAP) {
        diag_add(L->d, &n->mark, "%s: expected a mapping of keys, got %s", key,
                 ytree_kind_name(n->kind));
        return NULL;
    }
    return n;
}

static bool valid_instance_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

static void bind_instance(struct loader *L, const struct section_def *sec, const char *name,
                          const struct ymark *name_mark, const struct ynode *v, char *inst)
{
    char prefix[256], what[256];
    snprintf(prefix, sizeof(prefix), "%s.%s.", sec->key, name);
    snprintf(what, sizeof(what), "%s.%s", sec->key, name);
    if (v && v->kind == Y_SCALAR && v->is_null)
        v = NULL;
    if (v && v->kind != Y_MAP) {
        diag_add(L->d, &v->mark, "%s: expected a mapping of keys, got %s", what,
                 ytree_kind_name(v->kind));
        return;
    }
    struct names allowed = {.n = 0};
    add_param_names(&allowed, sec->params, sec->nparams);
    const struct variant_def *var = NULL;
    if (sec->discriminator) {
        names_add(&allowed, sec->discriminator);
        struct names kinds = {.n = 0};
        for (size_t k = 0; k < sec->nvariants; k++)
            names_add(&kinds, sec->variants[k].name);
        char list[512];
        names_join(&kinds, list, sizeof(list));
        const struct ynode *dn = ytree_get(v, sec->discriminator);
        if (!dn) {
            diag_add(L->d, name_mark, "%s: missing required key '%s' (valid: %s)", what,
                     sec->discriminator, list);
        } else if (dn->kind != Y_SCALAR || dn->is_null) {
            diag_add(L->d, &dn->mark, "%s.%s: expected one of: %s", what, sec->discriminator, list);
        } else {
            for (size_t k = 0; k < sec->nvariants; k++)
                if (strcmp(sec->variants[k].name, dn->str) == 0) {
                    var = &sec->variants[k];
                    *(int *)(inst + sec->variant_index_offset) = (int)k;
                }
            if (!var) {
                diag_add(L->d, &dn->mark, "%s.%s: unknown value '%s' (valid: %s)", what,
                         sec->discriminator, dn->str, list);
            } else {
                char key[512];
                snprintf(key, sizeof(key), "%s%s", prefix, sec->discriminator);
                add_value(L->sc, key, NULL, dn->str, NAN, &dn->mark);
                add_param_names(&allowed, var->params, var->nparams);
            }
        }
    }
    /* Without a known variant its keys are unknown too; report only the variant error. */
    if (!sec->discriminator || var) {
        char where[300];
        snprintf(where, sizeof(where), "%s (%s.<name>%s%s)", what, sec->key,
                 var ? ", kind " : "", var ? var->name : "");
        check_keys(L, v, &allowed, where);
    }
    bind_params(L, sec->params, sec->nparams, v, inst, prefix, name_mark);
    if (var) {
        void *vs = xcalloc(1, var->size);
        track(L->sc, vs);
        *(void **)(inst + sec->variant_ptr_offset) = vs;
        bind_params(L, var->params, var->nparams, v, vs, prefix, name_mark);
    }
}

static void bind_map_section(struct loader *L, const struct section_def *sec,
                             const struct ynode *node)
{
    size_t n = node ? node->n : 0;
    char *arr = xcalloc(n ? n : 1, sec->size);
    track(L->sc, arr);
    *(void **)((char *)L->sc->cfg + sec->offset) = arr;
    *(size_t *)((char *)L->sc->cfg + sec->count_offset) = n;
    for (size_t i = 0; i < n; i++) {
        char *inst = arr + i * sec->size;
        const char *name = node->keys[i];
        if (!valid_instance_name(name))
            diag_add(L->d, &node->key_marks[i],
                     "%s: name '%s' may use only letters, digits, '_' and '-'", sec->key, name);
        char *copy = xstrdup(name);
        track(L->sc, copy);
        *(char **)(inst + sec->name_offset) = copy;
        bind_instance(L, sec, name, &node->key_marks[i], node->items[i], inst);
    }
}

static void bind_root(struct loader *L, const struct ynode *root)
{
    const struct schema *s = L->schema;
    struct names allowed = {.n = 0};
    add_param_names(&allowed, s->params, s->nparams);
    names_add(&allowed, "include");
    names_add(&allowed, "compare");
    names_add(&allowed, "sweep");
    for (size_t i = 0; i < s->nsections; i++)
        names_add(&allowed, s->sections[i].key);
    check_keys(L, root, &allowed, "the scenario");
    bind_params(L, s->params, s->nparams, root, L->sc->cfg, "", &L->file_mark);
    for (size_t i = 0; i < s->nsections; i++) {
        const struct section_def *sec = &s->sections[i];
        const struct ynode *node = section_node(L, root, sec->key);
        if (sec->kind == SEC_OBJECT) {
            struct names sa = {.n = 0};
            add_param_names(&sa, sec->params, sec->nparams);
            check_keys(L, node, &sa, sec->key);
            char prefix[128];
            snprintf(prefix, sizeof(prefix), "%s.", sec->key);
            const struct ymark *owner = node ? &node->mark : &L->file_mark;
            bind_params(L, sec->params, sec->nparams, node, (char *)L->sc->cfg + sec->offset,
                        prefix, owner);
        } else {
            bind_map_section(L, sec, node);
        }
    }
}

/* The map section called `name`, or NULL. */
static const struct section_def *find_section(const struct schema *s, const char *name,
                                              size_t len)
{
    for (size_t k = 0; k < s->nsections; k++)
        if (strlen(s->sections[k].key) == len && strncmp(s->sections[k].key, name, len) == 0)
            return &s->sections[k];
    return NULL;
}

/* PT_REF values must name an existing instance of (one of) their section(s). An empty
 * value is allowed when the parameter's default is empty: it then names nothing. */
static void check_refs(struct loader *L)
{
    const struct schema *s = L->schema;
    for (size_t i = 0; i < L->sc->nparams; i++) {
        const struct param_value *pv = &L->sc->params[i];
        if (!pv->def || pv->def->type != PT_REF)
            continue;
        if (!pv->text[0] && pv->def->def && !pv->def->def[0])
            continue;
        struct names ns = {.n = 0};
        bool found = false;
        for (const char *r = pv->def->ref; *r;) {
            size_t len = strcspn(r, ",");
            const struct section_def *sec = find_section(s, r, len);
            SIM_ASSERTF(sec && sec->kind == SEC_MAP, "parameter %s refers to unknown section %.*s",
                        pv->key, (int)len, r);
            char *arr = *(char **)((char *)L->sc->cfg + sec->offset);
            size_t n = *(size_t *)((char *)L->sc->cfg + sec->count_offset);
            for (size_t k = 0; k < n; k++) {
                const char *name = *(char **)(arr + k * sec->size + sec->name_offset);
                names_add(&ns, name);
                found |= strcmp(name, pv->text) == 0;
            }
            r += len + (r[len] == ',');
        }
        if (found)
            continue;
        char list[1024], what[256];
        names_join(&ns, list, sizeof(list));
        snprintf(what, sizeof(what), "%s", pv->def->ref);
        for (char *c = what; *c; c++)
            if (*c == ',')
                *c = '/';
        diag_add(L->d, pv->mark.file ? &pv->mark : &L->file_mark,
                 "%s: there is no %s entry named '%s' (%s%s)", pv->key, what, pv->text,
                 ns.n ? "defined: " : "none defined", list);
    }
}

static char *scenario_name(const char *path, const char *scenario_dir)
{
    char *real = realpath(path, NULL);
    char *dir = scenario_dir ? realpath(scenario_dir, NULL) : NULL;
    char *name;
    if (real && dir && strncmp(real, dir, strlen(dir)) == 0 && real[strlen(dir)] == '/') {
        name = xstrdup(real + strlen(dir) + 1);
    } else {
        char *copy = xstrdup(path);
        name = xstrdup(basename(copy));
        free(copy);
    }
    if (ends_with(name, ".yaml"))
        name[strlen(name) - 5] = 0;
    else if (ends_with(name, ".yml"))
        name[strlen(name) - 4] = 0;
    free(real);
    free(dir);
    return name;
}

struct scenario *scenario_load(const struct schema *schema, const struct scenario_opts *o,
                               struct diag *d)
{
    struct scenario *sc = xcalloc(1, sizeof(*sc));
    sc->schema = schema;
    sc->path = xstrdup(o->path);
    sc->name = scenario_name(o->path, o->scenario_dir);
    sc->cfg = xcalloc(1, schema->size);
    struct loader L = {.schema = schema, .o = o, .sc = sc, .d = d};
    L.file_mark = (struct ymark){srcpool_intern(&sc->pool, o->path), 1, 1};
    sc->file_mark = L.file_mark;
    size_t before = diag_count(d);
    struct ynode *root = load_file(&L, o->path, NULL);
    if (root) {
        take_compare(&L, root);
        take_sweep(&L, root);
        if (o->variant && diag_count(d) == before)
            apply_variant(&L, root);
        if (o->sweep_point && diag_count(d) == before)
            apply_sweep_point(&L, root);
        apply_sets(&L, root);
        if (diag_count(d) == before) {
            bind_root(&L, root);
            if (diag_count(d) == before)
                check_refs(&L);
            if (diag_count(d) == before && schema->check)
                schema->check(sc, d);
        }
        ytree_free(root);
    }
    if (diag_count(d) != before) {
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

void scenario_free(struct scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nparams; i++) {
        free(sc->params[i].key);
        free(sc->params[i].text);
    }
    free(sc->params);
    for (size_t i = 0; i < sc->nallocs; i++)
        free(sc->allocs[i]);
    free(sc->allocs);
    for (size_t i = 0; i < sc->nvariants; i++) {
        struct variant *v = &sc->variants[i];
        for (size_t j = 0; j < v->nsets; j++) {
            free(v->keys[j]);
            free(v->values[j]);
        }
        free(v->keys);
        free(v->values);
        free(v->key_marks);
        free(v->value_marks);
        free(v->name);
    }
    free(sc->variants);
    for (size_t i = 0; i < sc->nsweep; i++) {
        for (size_t j = 0; j < sc->sweep[i].n; j++)
            free(sc->sweep[i].values[j]);
        free(sc->sweep[i].values);
        free(sc->sweep[i].marks);
        free(sc->sweep[i].key);
    }
    free(sc->sweep);
    for (size_t i = 0; i < sc->ncompare_metrics; i++)
        free(sc->compare_metrics[i]);
    free(sc->compare_metrics);
    free(sc->cfg);
    free(sc->path);
    free(sc->name);
    srcpool_fini(&sc->pool);
    free(sc);
}

const struct param_value *scenario_param(const struct scenario *sc, const char *key)
{
    for (size_t i = 0; i < sc->nparams; i++)
        if (strcmp(sc->params[i].key, key) == 0)
            return &sc->params[i];
    return NULL;
}

const struct ymark *scenario_mark(const struct scenario *sc, const char *key)
{
    const struct param_value *pv = scenario_param(sc, key);
    if (pv && pv->mark.file)
        return &pv->mark;
    return &sc->file_mark;
}
