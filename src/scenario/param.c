/*
 * param.c - typed parsing, range checks and the generated parameter reference.
 */
#include "param.h"

#include <math.h>
#include <string.h>

#include "units.h"

const char *param_type_name(enum ptype t)
{
    switch (t) {
    case PT_BOOL: return "bool";
    case PT_INT: return "integer";
    case PT_UINT: return "integer";
    case PT_FLOAT: return "number";
    case PT_DURATION: return "duration";
    case PT_FREQ: return "frequency";
    case PT_ENUM: return "choice";
    case PT_STRING: return "text";
    case PT_REF: return "name";
    case PT_BITRATE: return "bit rate";
    case PT_RATE: return "rate";
    case PT_SIZE: return "size";
    }
    return "?";
}

const char *param_unit(const struct param_def *def)
{
    if (def->type == PT_DURATION)
        return "ps";
    if (def->type == PT_FREQ)
        return "Hz";
    if (def->type == PT_BITRATE)
        return "bps";
    if (def->type == PT_SIZE)
        return "bytes";
    return def->unit ? def->unit : "";
}

static void format_num(const struct param_def *def, double v, char *buf, size_t n)
{
    if (def->type == PT_DURATION)
        units_format_duration((sim_time_t)v, buf, n);
    else if (def->type == PT_FREQ)
        units_format_freq((uint64_t)v, buf, n);
    else if (def->type == PT_BITRATE)
        units_format_bitrate((uint64_t)v, buf, n);
    else if (def->type == PT_SIZE)
        units_format_size((uint64_t)v, buf, n);
    else if (def->type == PT_INT || def->type == PT_UINT)
        snprintf(buf, n, "%.0f", v);
    else
        units_format_float(v, buf, n);
}

void param_describe_range(const struct param_def *def, char *buf, size_t n)
{
    buf[0] = 0;
    if (def->type == PT_ENUM && def->choices) {
        size_t used = 0;
        for (int i = 0; def->choices[i] && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                                     def->choices[i]);
        return;
    }
    if (def->type == PT_BOOL) {
        snprintf(buf, n, "true, false");
        return;
    }
    if (def->min < def->max) {
        char a[64], b[64];
        format_num(def, def->min, a, sizeof(a));
        format_num(def, def->max, b, sizeof(b));
        snprintf(buf, n, "%s to %s", a, b);
    }
}

bool param_in_range(const struct param_def *def, double num)
{
    if (!(def->min < def->max) || isnan(num))
        return true;
    return num >= def->min && num <= def->max;
}

const char *param_parse(const struct param_def *def, const char *text, void *dst, char *canon,
                        size_t canon_len, double *num)
{
    const char *err = NULL;
    *num = NAN;
    switch (def->type) {
    case PT_BOOL: {
        bool v;
        if ((err = units_parse_bool(text, &v)))
            return err;
        if (dst)
            *(bool *)dst = v;
        snprintf(canon, canon_len, "%s", v ? "true" : "false");
        *num = v;
        return NULL;
    }
    case PT_INT: {
        int64_t v;
        if ((err = units_parse_int(text, &v)))
            return err;
        if (dst)
            *(int64_t *)dst = v;
        snprintf(canon, canon_len, "%lld", (long long)v);
        *num = (double)v;
        return NULL;
    }
    case PT_UINT: {
        uint64_t v;
        if ((err = units_parse_uint(text, &v)))
            return err;
        if (dst)
            *(uint64_t *)dst = v;
        snprintf(canon, canon_len, "%llu", (unsigned long long)v);
        *num = (double)v;
        return NULL;
    }
    case PT_FLOAT: {
        double v;
        if ((err = units_parse_float(text, &v)))
            return err;
        if (dst)
            *(double *)dst = v;
        units_format_float(v, canon, canon_len);
        *num = v;
        return NULL;
    }
    case PT_DURATION: {
        sim_time_t v;
        if ((err = units_parse_duration(text, &v)))
            return err;
        if (dst)
            *(sim_time_t *)dst = v;
        units_format_duration(v, canon, canon_len);
        *num = (double)v;
        return NULL;
    }
    case PT_FREQ: {
        uint64_t v;
        if ((err = units_parse_freq(text, &v)))
            return err;
        if (dst)
            *(uint64_t *)dst = v;
        units_format_freq(v, canon, canon_len);
        *num = (double)v;
        return NULL;
    }
    case PT_ENUM:
        for (int i = 0; def->choices && def->choices[i]; i++)
            if (strcmp(def->choices[i], text) == 0) {
                if (dst)
                    *(int *)dst = i;
                snprintf(canon, canon_len, "%s", text);
                return NULL;
            }
        return "one of the listed choices";
    case PT_BITRATE: {
        uint64_t v;
        if ((err = units_parse_bitrate(text, &v)))
            return err;
        if (dst)
            *(uint64_t *)dst = v;
        units_format_bitrate(v, canon, canon_len);
        *num = (double)v;
        return NULL;
    }
    case PT_SIZE: {
        uint64_t v;
        if ((err = units_parse_size(text, &v)))
            return err;
        if (dst)
            *(uint64_t *)dst = v;
        units_format_size(v, canon, canon_len);
        *num = (double)v;
        return NULL;
    }
    case PT_RATE: {
        struct param_rate r;
        if ((err = units_parse_rate(text, &r.value, &r.kind)))
            return err;
        if (dst)
            *(struct param_rate *)dst = r;
        units_format_rate(r.value, r.kind, canon, canon_len);
        *num = r.kind ? (double)r.value : NAN;
        return NULL;
    }
    case PT_STRING:
    case PT_REF:
        /* the caller stores its own copy of strings */
        snprintf(canon, canon_len, "%s", text);
        return NULL;
    }
    return "a value";
}

/* ---- generated reference ---- */

struct doc_row {
    char key[160];
    const struct param_def *def;
    const char *only; /* variant name, if any */
};

typedef void (*row_fn)(const struct doc_row *row, FILE *out);

static void emit_params(const char *prefix, const struct param_def *p, size_t n,
                        const char *only, row_fn fn, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        struct doc_row r = {.def = &p[i], .only = only};
        snprintf(r.key, sizeof(r.key), "%s%s", prefix, p[i].key);
        fn(&r, out);
    }
}

static void walk_schema(const struct schema *s, row_fn fn, FILE *out)
{
    emit_params("", s->params, s->nparams, NULL, fn, out);
    for (size_t i = 0; i < s->nsections; i++) {
        const struct section_def *sec = &s->sections[i];
        char prefix[96];
        if (sec->kind == SEC_OBJECT)
            snprintf(prefix, sizeof(prefix), "%s.", sec->key);
        else
            snprintf(prefix, sizeof(prefix), "%s.<name>.", sec->key);
        if (sec->discriminator) {
            const char *names[16];
            size_t k = 0;
            for (; k < sec->nvariants && k < 15; k++)
                names[k] = sec->variants[k].name;
            names[k] = NULL;
            struct param_def disc = {.key = sec->discriminator, .type = PT_ENUM,
                                     .choices = names,
                                     .doc = "which kind of instance this is; decides the "
                                            "other keys"};
            struct doc_row r = {.def = &disc};
            snprintf(r.key, sizeof(r.key), "%s%s", prefix, sec->discriminator);
            fn(&r, out);
        }
        emit_params(prefix, sec->params, sec->nparams, NULL, fn, out);
        for (size_t v = 0; v < sec->nvariants; v++)
            emit_params(prefix, sec->variants[v].params, sec->variants[v].nparams,
                        sec->variants[v].name, fn, out);
    }
}

static void md_escape(const char *s, FILE *out)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s, out);
    }
}

static void md_row(const struct doc_row *r, FILE *out)
{
    char range[512];
    param_describe_range(r->def, range, sizeof(range));
    fprintf(out, "| `%s` | %s | %s | %s | ", r->key, param_type_name(r->def->type),
            r->def->type == PT_DURATION   ? "time"
            : r->def->type == PT_FREQ     ? "Hz"
            : r->def->type == PT_BITRATE  ? "bit/s"
            : r->def->type == PT_RATE     ? "pkt/s or bit/s"
            : r->def->type == PT_SIZE     ? "bytes"
                                          : (r->def->unit ? r->def->unit : ""),
            r->def->def ? (r->def->def[0] ? r->def->def : "(empty)") : "**required**");
    md_escape(range, out);
    fputs(" | ", out);
    if (r->only)
        fprintf(out, "(kind `%s`) ", r->only);
    if (r->def->type == PT_REF)
        fprintf(out, "names one of `%s`; ", r->def->ref);
    md_escape(r->def->doc ? r->def->doc : "", out);
    fputs(" |\n", out);
}

void schema_write_markdown(const struct schema *s, FILE *out)
{
    fprintf(out, "# Scenario parameters\n\n"
                 "<!-- Generated by `mpstack params --markdown` from the parameter tables in "
                 "the source; do not edit by hand. `make docs` regenerates it and a test "
                 "checks it is current. -->\n\n"
                 "Every key a scenario may set, with its type, unit, default and valid range. "
                 "`<name>` stands for an instance name you choose (a host, a workload). "
                 "Durations take a unit (`ps`, `ns`, `us`, `ms`, `s`) and are exact to the "
                 "picosecond; frequencies take `Hz`, `kHz`, `MHz` or `GHz`. Any key can be "
                 "overridden on the command line with `--set path.to.key=value`; every run "
                 "stores the full resolved table (docs/results.md, table `params`).\n\n");
    fprintf(out, "| key | type | unit | default | valid | meaning |\n");
    fprintf(out, "| --- | --- | --- | --- | --- | --- |\n");
    walk_schema(s, md_row, out);
}

static void text_row(const struct doc_row *r, FILE *out)
{
    char range[512];
    param_describe_range(r->def, range, sizeof(range));
    fprintf(out, "%-36s %-9s %-12s %s%s%s\n", r->key, param_type_name(r->def->type),
            r->def->def ? (r->def->def[0] ? r->def->def : "\"\"") : "(required)",
            r->def->doc ? r->def->doc : "", range[0] ? "; valid: " : "", range);
}

void schema_write_text(const struct schema *s, FILE *out)
{
    fprintf(out, "%-36s %-9s %-12s %s\n", "KEY", "TYPE", "DEFAULT", "MEANING");
    walk_schema(s, text_row, out);
}
