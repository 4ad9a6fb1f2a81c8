/*
 * diag.c - collecting and printing user-facing diagnostics.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/panic.h"

void diag_init(struct diag *d) { memset(d, 0, sizeof(*d)); }

void diag_fini(struct diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof(*d));
}

void diag_add(struct diag *d, const struct ymark *m, const char *fmt, ...)
{
    size_t limit = d->limit ? d->limit : 50;
    if (d->n >= limit)
        return;
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    char *msg;
    size_t len;
    if (m && m->file) {
        len = strlen(m->file) + strlen(body) + 32;
        msg = xmalloc(len);
        snprintf(msg, len, "%s:%d:%d: %s", m->file, m->line, m->col, body);
    } else {
        msg = xstrdup(body);
    }
    xgrow((void **)&d->msgs, &d->cap, d->n + 1, sizeof(*d->msgs));
    d->msgs[d->n++] = msg;
}

void diag_print(const struct diag *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(out, "%s\n", d->msgs[i]);
}

const char *srcpool_intern(struct srcpool *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0)
            return p->names[i];
    xgrow((void **)&p->names, &p->cap, p->n + 1, sizeof(*p->names));
    p->names[p->n] = xstrdup(name);
    return p->names[p->n++];
}

void srcpool_fini(struct srcpool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->names[i]);
    free(p->names);
    memset(p, 0, sizeof(*p));
}
