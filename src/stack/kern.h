/*
 * kern.h - the only door between the stack and the machine it runs on.
 *
 * Stack code (src/stack) includes this header and the wire formats in prot/ and
 * hwmodel/prot/ (bytes and register offsets, no behaviour), never an engine or hardware-model
 * header. Everything a kernel needs from its machine is here: which CPU runs the caller,
 * what the caller's work costs (kern_charge, kern_touch), memory with simulated physical
 * addresses, threads, sleep and wakeup, inter-processor interrupts, and device registers and
 * interrupt vectors. The simulated machine implements it in src/world/kern_host.c; unit tests
 * and the fuzz target implement it with a tiny fake machine (tests/unit/fake_kern.c).
 *
 * Calling rules: functions marked (thread) run on a simulated thread (a netisr, an interrupt
 * thread, a timer interrupt); (any) also from set-up code before the simulation starts.
 * A function that changes a CPU's own state must be called on that CPU.
 */
#ifndef MPSTACK_STACK_KERN_H
#define MPSTACK_STACK_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kern_machine; /* the host as the stack sees it (opaque) */
struct kern_dev;     /* a device's register window and interrupt vectors (opaque) */

typedef uint64_t kern_time_t; /* picoseconds */

#define KERN_PS_PER_US UINT64_C(1000000)
#define KERN_PS_PER_S UINT64_C(1000000000000)

/*
 * Named operations and their costs. Each is the CPU work of one step of the data path that
 * the model does not price through memory touches: the instructions of the C function, in
 * cycles, at an assumed IPC. Values come from the host's cost profile (op_costs in
 * scenarios/hw/) and are calibration knobs (docs/lessons/forwarding.md, "Calibration").
 * X(name, default cycles, meaning)
 */
#define KERN_OPS(X)                                                                          \
    X(rxeof_desc, 60, "driver: examine one written-back RX descriptor, refill its slot")    \
    X(txeof_desc, 30, "driver: reclaim one transmitted descriptor")                          \
    X(encap, 90, "driver: map an mbuf chain and write its TX descriptors")                  \
    X(intr_handler, 150, "driver: interrupt handler entry and exit, re-enable the vector")  \
    X(mbuf_get, 40, "mbuf + cluster from the per-CPU object cache")                          \
    X(mbuf_free, 35, "mbuf + cluster back to the per-CPU object cache")                      \
    X(objcache_depot, 150, "object cache: exchange a full/empty magazine with the depot")     \
    X(ether_input, 80, "Ethernet input: header checks, type demultiplexing")                 \
    X(hash, 40, "software flow hash (XOR or Toeplitz table lookups) of one packet")           \
    X(netisr_dispatch, 60, "hand one message to a netisr port (enqueue, bookkeeping)")        \
    X(netisr_msg, 50, "netisr loop: dequeue one message and call its handler")                \
    X(ip_input, 150, "IPv4 input: header validation, destination check")                     \
    X(ip_forward, 120, "IPv4 forwarding: TTL, checksum update, route use")                   \
    X(rt_node, 10, "routing lookup: visit one trie node")                                    \
    X(ip_output, 120, "IPv4 output: route, fragment check, hand to the interface")           \
    X(ether_output, 100, "Ethernet output: ARP resolution, header prepend")                  \
    X(ifq_enqueue, 60, "interface send queue: enqueue and start")                             \
    X(csum_per_20b, 6, "software Internet checksum, per 20 bytes of header")                 \
    X(stat_update, 2, "one statistics counter increment (the line is priced separately)")

enum kern_op {
#define KERN_OP_ENUM(name, cycles, doc) KOP_##name,
    KERN_OPS(KERN_OP_ENUM)
#undef KERN_OP_ENUM
    KOP_COUNT
};

/* ---- CPUs, time, cost ---- */

unsigned kern_ncpus(const struct kern_machine *km);              /* (any) */
unsigned kern_cpu_socket(const struct kern_machine *km, unsigned cpu); /* (any) */
unsigned kern_curcpu(const struct kern_machine *km);             /* (thread) */
/* The running thread, as an identity to compare with another (NULL in set-up code). (any) */
const void *kern_curthread(const struct kern_machine *km);
kern_time_t kern_now(const struct kern_machine *km);             /* caller's clock (any) */

/* The caller's CPU spends `cycles` (thread). kern_charge_op charges an operation n times. */
void kern_charge(struct kern_machine *km, uint64_t cycles);
void kern_charge_op(struct kern_machine *km, enum kern_op op, uint32_t n);
uint64_t kern_op_cycles(const struct kern_machine *km, enum kern_op op); /* (any) */
const char *kern_op_name(enum kern_op op);

/* A memory access the code makes, priced by the coherence model (thread). */
enum kern_access { KT_READ = 0, KT_WRITE = 1, KT_ATOMIC = 2 };
void kern_touch(struct kern_machine *km, const void *p, size_t len, enum kern_access a);
/* Wait until global time reaches the caller's clock, before touching state that other CPUs
 * may change (thread). Lock acquisitions and message puts call it. */
void kern_sync(struct kern_machine *km);

/* Critical section: no interrupt preempts the caller until the outermost exit (DragonFly
 * crit_enter/crit_exit). Spinlocks and local port operations use it (thread). */
void kern_crit_enter(struct kern_machine *km);
void kern_crit_exit(struct kern_machine *km);

/* ---- timeline (--trace): no-ops unless the run writes one ---- */

/* Whether a timeline is being written (to skip formatting names otherwise). (any) */
bool kern_tracing(const struct kern_machine *km);
/* A slice of the calling thread's code; properly nested. (thread) */
void kern_trace_begin(struct kern_machine *km, const char *name);
void kern_trace_end(struct kern_machine *km);
/* A point event (e.g. a drop) on the calling thread's track. (thread) */
void kern_trace_instant(struct kern_machine *km, const char *name);
/* An arrow: start where a message is sent, end where it is handled; `seq` numbers the
 * host's flows of this name (the machine makes it unique among hosts). (thread) */
void kern_trace_flow(struct kern_machine *km, bool start, uint64_t seq, const char *name);
/* A counter track of the host: series `series` of `name` is now `value`. (thread) */
void kern_trace_counter(struct kern_machine *km, const char *name, const char *series,
                        double value);

/* ---- memory ---- */

/* A named memory region ("mbuf", "ifnet.stats", ...): line transfers are reported by it. */
uint16_t kern_region(struct kern_machine *km, const char *name);
/* Zeroed memory homed on `cpu`'s socket; NULL when the host's memory is exhausted. */
void *kern_alloc(struct kern_machine *km, size_t size, uint16_t region, unsigned cpu);
void kern_free(struct kern_machine *km, void *p);
uint64_t kern_paddr(const struct kern_machine *km, const void *p); /* bus address for DMA */
void *kern_vaddr(const struct kern_machine *km, uint64_t paddr);

/* ---- threads, sleep, wakeup ---- */

/* LWKT priorities used by the stack (DragonFly sys/sys/thread.h). */
#define KERN_PRI_SOFT_NORM 14 /* netisr */
#define KERN_PRI_INT 28

/* Start a kernel thread on `cpu` whose CPU time is reported under `category` (any). */
void kern_thread_start(struct kern_machine *km, unsigned cpu, const char *name, int pri,
                       const char *category, void (*fn)(void *arg), void *arg);
/* tsleep/wakeup on an address; timeout 0 = none. Returns 0 when woken, else a timeout
 * (thread). kern_wakeup may be called from any CPU; it wakes sleepers on chan's CPU. */
int kern_sleep(struct kern_machine *km, const void *chan, kern_time_t timeout);
void kern_wakeup(struct kern_machine *km, const void *chan);
/* The interlock that makes sleeping safe: call kern_sync(), test the condition, then
 * kern_sleep() with no charge or touch in between; nothing can run in that window. */

/* ---- inter-processor interrupts ---- */

typedef void (*kern_intr_fn)(void *arg);

/* What runs on `cpu`'s interrupt thread when an IPI reaches it (any). */
void kern_ipi_handler(struct kern_machine *km, unsigned cpu, kern_intr_fn fn, void *arg);
/* A hardware IPI from the caller's CPU to `to` (thread); priced and counted by the machine. */
void kern_ipi_send(struct kern_machine *km, unsigned to);

/* ---- devices ---- */

struct kern_dev *kern_dev_find(struct kern_machine *km, const char *name);
const char *kern_dev_name(const struct kern_dev *d);
/* The chip's model name ("82576", "82599") and the socket of its PCIe root port. */
const char *kern_dev_model(const struct kern_dev *d);
unsigned kern_dev_socket(const struct kern_dev *d);
/* 32-bit register access; from a simulated thread the CPU pays the MMIO cost. */
uint32_t kern_dev_read(struct kern_dev *d, uint32_t reg);
void kern_dev_write(struct kern_dev *d, uint32_t reg, uint32_t val);
/* Program MSI-X table entry `vector` to interrupt `cpu`, where fn(arg) runs on the
 * interrupt thread (any, during attach). */
void kern_dev_intr(struct kern_dev *d, unsigned vector, unsigned cpu, const char *name,
                   kern_intr_fn fn, void *arg);
/* A periodic timer interrupt on `cpu` (a per-CPU systimer): fn(arg) runs in the CPU's
 * interrupt context every `period`, first one period from now; a tick that finds the
 * previous one not yet handled merges with it (systimer_init_periodic_nq). (set-up) */
void kern_timer_periodic(struct kern_machine *km, unsigned cpu, const char *name,
                         kern_time_t period, kern_intr_fn fn, void *arg);

#endif
