/*
 * bench_frame.c - host cost of one frame through the NIC model: RX classification and
 * Toeplitz steering, DMA into a host buffer (a priced invalidation of its cache lines),
 * descriptor write-back, EITR interrupt moderation, and the reference driver's interrupt
 * handler reading the written-back descriptor and returning it to the ring.
 *
 *   bench_frame [--smoke] [--duration TIME] [--case NAME]
 *
 * Every case is a real scenario run through the world (src/world), with the E5-2620v2
 * profile (scenarios/hw/e5-2620v2.yaml, so the cache model prices every touch) and a
 * pktgen sending 64-byte frames at 10 GbE line rate (14.88 Mpps) in 16 flows spread evenly
 * over the receiver's queues:
 *   wire         generator -> link -> sink: what a frame costs before any NIC;
 *   rx-msix      generator -> link -> 82599 on 12 CPUs, 8 rings (MSI-X, 8 vectors plus the
 *                link one) drained by the reference driver in its interrupt handlers;
 *   rx-polling   the same, polled: 8 rings serviced by per-CPU pollers at 6000 Hz;
 *   rx-drop      the same chip, nobody drains it: the rings fill and every frame after the
 *                first 8 x 1023 is dropped by DROP_EN (the cheapest path through the chip).
 * Only world_run is timed (the arena and rings are set up before), and the figure is the
 * wall time per frame that reached the NIC (or the sink). What the NIC model and the
 * driver add to a frame is a case's figure minus the wire case's (docs/performance.md
 * subtracts the best of three of each; one run's difference is too noisy on a shared
 * machine). Events per frame come from the engine's count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "results/metrics.h"
#include "scenario/diag.h"
#include "scenario/scenario.h"
#include "world/config.h"
#include "world/world.h"

struct result {
    double ns_per_frame;
    double events_per_frame;
    double frames;
    double interrupts;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double metric(const struct run_record *rec, const char *name)
{
    const struct metric *m = rec_find_metric(rec, name);
    if (!m) {
        fprintf(stderr, "bench_frame: the run reported no metric %s\n", name);
        exit(1);
    }
    return m->value;
}

/* Run scenario `file` (relative to the source tree) with `sets`; frames counted by the
 * metric `count`. */
static struct result run_case(const char *file, const char *const *sets, size_t nsets,
                              const char *count, const char *irqs)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", MPSTACK_SOURCE_DIR, file);
    struct scenario_opts so = {.path = path, .sets = sets, .nsets = nsets,
                               .scenario_dir = config_scenario_dir()};
    struct diag d;
    diag_init(&d);
    struct scenario *sc = scenario_load(&config_schema, &so, &d);
    if (!sc) {
        diag_print(&d, stderr);
        exit(1);
    }
    diag_fini(&d);
    struct world *w = world_create(sc);
    double t0 = now_s();
    world_run(w);
    double dt = now_s() - t0;
    struct run_record rec;
    rec_init(&rec);
    world_report(w, sc, &rec);
    struct result r = {.frames = metric(&rec, count)};
    if (irqs)
        r.interrupts = metric(&rec, irqs);
    /* the scenarios have no warm-up: the timed run is the measured window */
    r.ns_per_frame = dt * 1e9 / r.frames;
    r.events_per_frame = (double)rec.events / r.frames;
    rec_fini(&rec);
    world_destroy(w);
    scenario_free(sc);
    return r;
}

int main(int argc, char **argv)
{
    const char *duration = "100ms";
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0)
            duration = "200us";
        else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
            duration = argv[++i];
        else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_frame [--smoke] [--duration TIME] [--case NAME]\n");
            return 2;
        }
    }
    char dur[64];
    snprintf(dur, sizeof(dur), "sim.duration=%s", duration);
    static const struct {
        const char *name, *file, *mode, *service, *count, *irqs;
    } cases[] = {
        {"wire", "bench/frame-wire.yaml", NULL, NULL, "sink.sink.frames", NULL},
        {"rx-msix", "bench/frame-rx.yaml", "msix", "drain", "nic.p0.rx.frames",
         "nic.p0.interrupts"},
        {"rx-polling", "bench/frame-rx.yaml", "polling", "drain", "nic.p0.rx.frames", NULL},
        {"rx-drop", "bench/frame-rx.yaml", "msix", "none", "link.wire.ab.delivered", NULL},
    };
    printf("%-11s %10s %9s %12s %11s\n", "case", "frames", "ns/frame", "events/frame",
           "frames/intr");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (only && strcmp(only, cases[i].name) != 0)
            continue;
        char mode[64], service[64];
        const char *sets[3] = {dur, mode, service};
        size_t nsets = 1;
        if (cases[i].mode) {
            snprintf(mode, sizeof(mode), "nics.p0.mode=%s", cases[i].mode);
            snprintf(service, sizeof(service), "nics.p0.service=%s", cases[i].service);
            nsets = 3;
        }
        struct result r = run_case(cases[i].file, sets, nsets, cases[i].count, cases[i].irqs);
        char fpi[32] = "-";
        if (r.interrupts > 0)
            snprintf(fpi, sizeof(fpi), "%.1f", r.frames / r.interrupts);
        printf("%-11s %10.0f %9.1f %12.2f %11s\n", cases[i].name, r.frames, r.ns_per_frame,
               r.events_per_frame, fpi);
    }
    return 0;
}
