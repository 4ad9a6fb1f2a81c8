/*
 * trace.c - see trace.h. Events are streamed as they happen; readers sort them.
 */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"
#include "sim.h"
#include "sim_var.h"

#define TRACE_MAXDEPTH 64
#define TRACE_THREAD_TID 100000

struct trace_host {
    const char *name;
    uint64_t cpu_named[16];  /* CPU tracks already named (CPUs 0..1023) */
};

struct sim_trace {
    FILE *f;
    sim_time_t start, end;
    uint64_t events;
    bool first;
    struct trace_host *hosts;
    size_t nhosts;
    unsigned next_tid;
};

struct sim_trace *sim_trace_open(const char *path, sim_time_t start, sim_time_t end)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    struct sim_trace *t = xcalloc(1, sizeof(*t));
    t->f = f;
    t->start = start;
    t->end = end;
    t->first = true;
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
    return t;
}

uint64_t sim_trace_events(const struct sim_trace *t) { return t->events; }

static bool inside(const struct sim_trace *t, sim_time_t ts)
{
    return ts >= t->start && ts < t->end;
}

/* Microseconds with the picoseconds as decimals. */
static void ts_us(char *buf, size_t n, sim_time_t ps)
{
    snprintf(buf, n, "%llu.%06llu", (unsigned long long)(ps / 1000000),
             (unsigned long long)(ps % 1000000));
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('"', f);
}

static void sep(struct sim_trace *t)
{
    if (!t->first)
        fputs(",\n", t->f);
    t->first = false;
    t->events++;
}

static int host_pid(struct sim_trace *t, const char *host)
{
    const char *h = host ? host : "sim";
    for (size_t i = 0; i < t->nhosts; i++)
        if (strcmp(t->hosts[i].name, h) == 0)
            return (int)i + 1;
    t->hosts = xrealloc(t->hosts, (t->nhosts + 1) * sizeof(*t->hosts));
    memset(&t->hosts[t->nhosts], 0, sizeof(t->hosts[0]));
    t->hosts[t->nhosts++].name = h;
    int pid = (int)t->nhosts;
    sep(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":", pid);
    json_str(t->f, h);
    fputs("}}", t->f);
    return pid;
}

static void name_track(struct sim_trace *t, int pid, unsigned tid, const char *name)
{
    sep(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%u,\"args\":"
                  "{\"name\":", pid, tid);
    json_str(t->f, name);
    fputs("}}", t->f);
}

/* The thread's track, named on first use. */
static unsigned thread_tid(struct sim_trace *t, struct sim_thread *td, int *pid)
{
    *pid = host_pid(t, td->cpu->host);
    if (!td->trace_tid) {
        td->trace_tid = TRACE_THREAD_TID + ++t->next_tid;
        char name[96];
        snprintf(name, sizeof(name), "%s (cpu %d)", td->name, td->cpu->id);
        name_track(t, *pid, td->trace_tid, name);
    }
    return td->trace_tid;
}

void sim_set_trace(struct sim *sim, struct sim_trace *t) { sim->trace = t; }
struct sim_trace *sim_get_trace(const struct sim *sim) { return sim->trace; }

void sim_trace_cpu_slice(struct sim_trace *t, const struct sim_thread *td, int cpu,
                         const char *host, sim_time_t t0, sim_time_t t1)
{
    if (t1 <= t0 || t1 <= t->start || t0 >= t->end)
        return;
    sim_time_t a = t0 < t->start ? t->start : t0, b = t1 > t->end ? t->end : t1;
    int pid = host_pid(t, host);
    struct trace_host *th = &t->hosts[pid - 1];
    if (cpu >= 0 && cpu < 1024 && !(th->cpu_named[cpu / 64] & ((uint64_t)1 << (cpu % 64)))) {
        th->cpu_named[cpu / 64] |= (uint64_t)1 << (cpu % 64);
        char name[32];
        snprintf(name, sizeof(name), "CPU %d", cpu);
        name_track(t, pid, (unsigned)cpu, name);
    }
    char ts[32], dur[32];
    ts_us(ts, sizeof(ts), a);
    ts_us(dur, sizeof(dur), b - a);
    sep(t);
    fprintf(t->f, "{\"ph\":\"X\",\"cat\":\"cpu\",\"pid\":%d,\"tid\":%d,\"ts\":%s,\"dur\":%s,"
                  "\"name\":", pid, cpu, ts, dur);
    json_str(t->f, td->name);
    fputs("}", t->f);
}

/* One event on thread td's track: {"ph":PH<extra>,"pid","tid","ts"[,"name"]}. */
static void thread_event(struct sim_trace *t, struct sim_thread *td, sim_time_t now,
                         const char *ph, const char *extra, const char *name)
{
    int pid;
    unsigned tid = thread_tid(t, td, &pid);
    char ts[32];
    ts_us(ts, sizeof(ts), now);
    sep(t);
    fprintf(t->f, "{\"ph\":\"%s\"%s,\"pid\":%d,\"tid\":%u,\"ts\":%s", ph, extra, pid, tid, ts);
    if (name) {
        fputs(",\"name\":", t->f);
        json_str(t->f, name);
    }
    fputs("}", t->f);
}

void sim_trace_begin(struct sim *sim, const char *name)
{
    struct sim_trace *t = sim->trace;
    struct sim_thread *td = sim->cur;
    if (!t || !td)
        return;
    sim_time_t now = sim_local_now(sim);
    unsigned d = td->trace_depth++;
    bool emit = inside(t, now) && d < TRACE_MAXDEPTH;
    if (d < TRACE_MAXDEPTH) /* remember whether this level was written, for its end */
        td->trace_open = emit ? td->trace_open | (uint64_t)1 << d
                              : td->trace_open & ~((uint64_t)1 << d);
    if (emit)
        thread_event(t, td, now, "B", "", name);
}

static void end_at(struct sim_trace *t, struct sim_thread *td, sim_time_t now)
{
    SIM_ASSERTF(td->trace_depth > 0, "trace: %s ends a slice it did not begin", td->name);
    unsigned d = --td->trace_depth;
    if (d >= TRACE_MAXDEPTH || !(td->trace_open & ((uint64_t)1 << d)))
        return;
    td->trace_open &= ~((uint64_t)1 << d);
    thread_event(t, td, now, "E", "", NULL);
}

void sim_trace_end(struct sim *sim)
{
    if (sim->trace && sim->cur)
        end_at(sim->trace, sim->cur, sim_local_now(sim));
}

void sim_trace_instant(struct sim *sim, const char *name)
{
    sim_time_t now = sim_local_now(sim);
    if (sim->trace && sim->cur && inside(sim->trace, now))
        thread_event(sim->trace, sim->cur, now, "i", ",\"s\":\"t\"", name);
}

uint64_t sim_trace_flow_id(const char *host, uint64_t seq)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (const char *c = host; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001b3u;
    return ((h & 0xfffffu) << 32) | (seq & 0xffffffffu);
}

void sim_trace_flow(struct sim *sim, bool start, uint64_t id, const char *name)
{
    sim_time_t now = sim_local_now(sim);
    if (!sim->trace || !sim->cur || !inside(sim->trace, now))
        return;
    /* the name is the category too: ids are unique per kind of flow */
    char extra[160];
    snprintf(extra, sizeof(extra), "%s,\"cat\":\"%s\",\"id\":%llu",
             start ? "" : ",\"bp\":\"e\"", name, (unsigned long long)id);
    thread_event(sim->trace, sim->cur, now, start ? "s" : "f", extra, name);
}

void sim_trace_counter(struct sim *sim, const char *host, const char *name, const char *series,
                       double value)
{
    struct sim_trace *t = sim->trace;
    sim_time_t now = sim_local_now(sim);
    if (!t || !inside(t, now))
        return;
    int pid = host_pid(t, sim->cur ? sim->cur->cpu->host : host);
    char ts[32];
    ts_us(ts, sizeof(ts), now);
    sep(t);
    fprintf(t->f, "{\"ph\":\"C\",\"pid\":%d,\"ts\":%s,\"name\":", pid, ts);
    json_str(t->f, name);
    fputs(",\"args\":{", t->f);
    json_str(t->f, series);
    fprintf(t->f, ":%.17g}}", value);
}

int sim_trace_close(struct sim *sim)
{
    struct sim_trace *t = sim->trace;
    if (!t)
        return 0;
    for (struct sim_thread *td = sim->threads; td; td = td->all_next)
        while (td->trace_depth > 0)
            end_at(t, td, sim->now); /* slices still open when the run ends */
    for (size_t i = 0; i < sim->ncpus; i++) { /* and the threads still on their CPUs */
        struct sim_cpu *cpu = sim->cpus[i];
        if (cpu->cur)
            sim_trace_cpu_slice(t, cpu->cur, cpu->id, cpu->host, cpu->run_start, sim->now);
    }
    sim->trace = NULL;
    fputs("\n]}\n", t->f);
    int err = ferror(t->f) ? (errno ? errno : EIO) : 0;
    if (fclose(t->f) != 0 && !err)
        err = errno ? errno : EIO;
    free(t->hosts);
    free(t);
    errno = err;
    return err ? -1 : 0;
}
