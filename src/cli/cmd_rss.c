/*
 * cmd_rss.c - `mpstack rss`: follow one IPv4 flow through receive-side scaling, the way the
 * simulated NIC and stack do it (src/hwmodel/toeplitz.h): the Toeplitz hash of its 4-tuple,
 * the redirection-table entry the hash selects, the receive queue in that entry and the CPU
 * that serves it, and the netisr CPU that the stack picks from the same hash. For people it
 * prints each value with a line on what it means; with --json, one object for programs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hwmodel/toeplitz.h"
#include "sim/panic.h"

static const char rss_usage[] =
    "usage: mpstack rss SRC_IP:PORT DST_IP:PORT [--key ms|sym|HEX] [--queues N] [--cpus N]\n"
    "                   [--json]\n"
    "\n"
    "Receive-side scaling for one IPv4 TCP/UDP flow, as a NIC (82576, 82599) and DragonFly's\n"
    "network stack see it:\n"
    "  hash        the 32-bit Toeplitz hash of source address, destination address, source\n"
    "              port, destination port (network byte order), as the NIC computes it\n"
    "  reta index  hash & 127, the entry of the NIC's 128-entry redirection table\n"
    "  queue       the receive ring in that entry, with the table filled for N rings the way\n"
    "              DragonFly's drivers do (if_ringmap_rdrtable), and the CPU serving the ring\n"
    "  cpu         the netisr CPU that runs the protocol code for the flow:\n"
    "              (hash & 0xffff & NETISR_CPUMASK) % CPUs\n"
    "\n"
    "  --key K     ms   the Microsoft default key (Intel datasheets, most drivers)\n"
    "              sym  DragonFly's key: bytes 6d 5a repeated, same hash in both directions\n"
    "              HEX  any 40-byte key as 80 hex digits\n"
    "              (default sym)\n"
    "  --queues N  receive rings, 1 to 128 (default 8)\n"
    "  --cpus N    netisr CPUs, 1 to 128 (default: the number of queues); DragonFly uses at\n"
    "              most one ring per netisr CPU\n"
    "  --json      print one JSON object: hash, reta_index, queue, queue_cpu, cpu, and more\n"
    "\n"
    "example: mpstack rss 192.168.1.1:3007 192.168.1.2:2003 --queues 4\n";

struct rss_opts {
    const char *src, *dst; /* as given */
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    const char *key_name; /* "sym", "ms" or "hex" */
    uint8_t key[TOEPLITZ_KEY_LEN];
    unsigned queues, cpus;
    bool json;
};

struct rss_result {
    uint32_t hash, hash_reverse, hash_addr;
    unsigned reta_index, queue, queue_cpu, cpu;
    struct toeplitz_ringmap rm;
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "mpstack rss: %s%s%s%s (see mpstack rss --help)\n", msg,
            arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    return EXIT_USAGE;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A decimal number of at most `maxdigits` digits at *s, advancing *s; false if none. */
static bool take_number(const char **s, int maxdigits, unsigned long *out)
{
    const char *p = *s;
    unsigned long v = 0;
    int n = 0;
    while (is_digit(*p) && n <= maxdigits) {
        v = v * 10 + (unsigned long)(*p - '0');
        p++;
        n++;
    }
    if (n == 0 || n > maxdigits)
        return false;
    *out = v;
    *s = p;
    return true;
}

/* Dotted-quad IPv4 address ending at ':'. Octets are decimal without leading zeros, because
 * inet_aton would read "010" as octal 8 and the user may not mean that. */
static const char *parse_addr(const char **s, uint32_t *addr)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        if (i > 0 && *(*s)++ != '.')
            return "the address needs four numbers separated by dots, e.g. 192.168.1.1";
        const char *start = *s;
        unsigned long v;
        if (!take_number(s, 3, &v))
            return "the address needs four numbers 0-255 separated by dots, e.g. 192.168.1.1";
        if (v > 255)
            return "an address number is above 255";
        if (*s - start > 1 && *start == '0')
            return "an address number has a leading zero (write 10, not 010)";
        a = a << 8 | (uint32_t)v;
    }
    *addr = a;
    return NULL;
}

/* "A.B.C.D:PORT"; on a mistake prints one line naming which endpoint and why. */
static bool parse_endpoint(const char *what, const char *text, uint32_t *addr, uint16_t *port)
{
    const char *s = text, *why = parse_addr(&s, addr);
    unsigned long v = 0;
    if (!why && *s == '.')
        why = "the address has more than four numbers";
    if (!why && *s != ':')
        why = "expected ADDRESS:PORT, e.g. 192.168.1.1:3007";
    if (!why) {
        s++;
        if (!take_number(&s, 5, &v) || *s != 0)
            why = "the port must be a whole number 0-65535";
        else if (v > 65535)
            why = "the port is above 65535";
    }
    if (why) {
        fprintf(stderr, "mpstack rss: bad %s '%s': %s\n", what, text, why);
        return false;
    }
    *port = (uint16_t)v;
    return true;
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_key(struct rss_opts *o, const char *k)
{
    if (strcmp(k, "sym") == 0) {
        o->key_name = "sym";
        toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, o->key, TOEPLITZ_KEY_LEN);
        return 0;
    }
    if (strcmp(k, "ms") == 0) {
        o->key_name = "ms";
        memcpy(o->key, toeplitz_ms_key, TOEPLITZ_KEY_LEN);
        return 0;
    }
    size_t n = strlen(k), hex = 0;
    while (hex < n && hex_value(k[hex]) >= 0)
        hex++;
    if (n != 2 * TOEPLITZ_KEY_LEN || hex < n) {
        fprintf(stderr, "mpstack rss: bad --key '%.90s%s': expected ms, sym or 80 hex digits "
                "(a 40-byte key), got %zu characters%s\n", k, n > 90 ? "..." : "", n,
                hex < n ? " with a non-hex character" : "");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < TOEPLITZ_KEY_LEN; i++)
        o->key[i] = (uint8_t)(hex_value(k[2 * i]) << 4 | hex_value(k[2 * i + 1]));
    o->key_name = "hex";
    return 0;
}

static int parse_count(const char *opt, const char *v, unsigned max, const char *why_max,
                       unsigned *out)
{
    const char *s = v;
    unsigned long n;
    if (!take_number(&s, 6, &n) || *s != 0 || n < 1 || n > max) {
        fprintf(stderr, "mpstack rss: bad %s '%s': expected a whole number from 1 to %u (%s)\n",
                opt, v, max, why_max);
        return EXIT_USAGE;
    }
    *out = (unsigned)n;
    return 0;
}

/* One option at argv[*i] (with its value in the same word after '=' or in the next). */
static int parse_option(struct rss_opts *o, int argc, char **argv, int *i, bool *cpus_set)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--json") == 0) {
        o->json = true;
        return 0;
    }
    static const char *const valued[] = {"--key", "--queues", "--cpus"};
    for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
        size_t n = strlen(valued[k]);
        if (strncmp(arg, valued[k], n) != 0 || (arg[n] != 0 && arg[n] != '='))
            continue;
        const char *v = arg[n] == '=' ? arg + n + 1 : NULL;
        if (!v && *i + 1 >= argc)
            return usage_error("missing value after", valued[k]);
        if (!v)
            v = argv[++*i];
        if (k == 0)
            return parse_key(o, v);
        if (k == 1)
            return parse_count("--queues", v, TOEPLITZ_RETA_SIZE,
                               "the redirection table has 128 entries", &o->queues);
        *cpus_set = true;
        return parse_count("--cpus", v, TOEPLITZ_NETISR_CPUMAX, "DragonFly's NETISR_CPUMAX",
                           &o->cpus);
    }
    return usage_error("unknown option", arg);
}

static int parse_args(int argc, char **argv, struct rss_opts *o)
{
    bool cpus_set = false;
    o->queues = 8;
    parse_key(o, "sym");
    for (int i = 1; i < argc; i++) {
        int rc = 0;
        if (argv[i][0] == '-' && argv[i][1] != 0)
            rc = parse_option(o, argc, argv, &i, &cpus_set);
        else if (!o->src)
            o->src = argv[i];
        else if (!o->dst)
            o->dst = argv[i];
        else
            rc = usage_error("one source and one destination expected, extra argument", argv[i]);
        if (rc)
            return rc;
    }
    if (!o->src || !o->dst)
        return usage_error(o->src ? "missing the destination DST_IP:PORT"
                                  : "missing the source SRC_IP:PORT and destination DST_IP:PORT",
                           NULL);
    if (!parse_endpoint("source", o->src, &o->saddr, &o->sport) ||
        !parse_endpoint("destination", o->dst, &o->daddr, &o->dport))
        return EXIT_USAGE;
    if (!cpus_set)
        o->cpus = o->queues;
    return 0;
}

static void compute(const struct rss_opts *o, struct rss_result *r)
{
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, o->key);
    r->hash = toeplitz_ipv4_ports(t, o->saddr, o->daddr, o->sport, o->dport);
    r->hash_reverse = toeplitz_ipv4_ports(t, o->daddr, o->saddr, o->dport, o->sport);
    r->hash_addr = toeplitz_ipv4(t, o->saddr, o->daddr);
    free(t);
    uint8_t reta[TOEPLITZ_RETA_SIZE];
    toeplitz_ringmap_init(&r->rm, o->queues, o->cpus);
    toeplitz_ringmap_rdrtable(&r->rm, reta);
    r->reta_index = toeplitz_reta_index(r->hash);
    r->queue = reta[r->reta_index];
    r->queue_cpu = toeplitz_ringmap_cpu(&r->rm, r->queue, 0);
    /* The stack sees only the 16 bits the driver passes on (igb_rssinfo, ix_rssinfo). */
    r->cpu = toeplitz_netisr_cpu(toeplitz_dfly_hash(r->hash), o->cpus);
}

static void key_hex(const uint8_t *key, char out[2 * TOEPLITZ_KEY_LEN + 1])
{
    for (size_t i = 0; i < TOEPLITZ_KEY_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", key[i]);
}

static int print_json(const struct rss_opts *o, const struct rss_result *r)
{
    char hex[2 * TOEPLITZ_KEY_LEN + 1], hash_hex[16];
    key_hex(o->key, hex);
    snprintf(hash_hex, sizeof(hash_hex), "0x%08x", (unsigned)r->hash);
    json_t *j = json_object();
    json_object_set_new(j, "src", json_string(o->src));
    json_object_set_new(j, "dst", json_string(o->dst));
    json_object_set_new(j, "key", json_string(o->key_name));
    json_object_set_new(j, "key_hex", json_string(hex));
    json_object_set_new(j, "hash", json_integer(r->hash));
    json_object_set_new(j, "hash_hex", json_string(hash_hex));
    json_object_set_new(j, "reta_index", json_integer(r->reta_index));
    json_object_set_new(j, "queue", json_integer(r->queue));
    json_object_set_new(j, "queue_cpu", json_integer(r->queue_cpu));
    json_object_set_new(j, "cpu", json_integer(r->cpu));
    json_object_set_new(j, "hash16", json_integer(toeplitz_dfly_hash(r->hash)));
    json_object_set_new(j, "hash_addr_only", json_integer(r->hash_addr));
    json_object_set_new(j, "hash_reverse", json_integer(r->hash_reverse));
    json_object_set_new(j, "symmetric", json_boolean(r->hash == r->hash_reverse));
    json_object_set_new(j, "queues", json_integer(r->rm.rm_cnt));
    json_object_set_new(j, "queues_requested", json_integer(o->queues));
    json_object_set_new(j, "cpus", json_integer(o->cpus));
    json_object_set_new(j, "ringmap_grid", json_integer(r->rm.rm_grid));
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return rc == 0 ? 0 : 1;
}

static const char *key_story(const char *name)
{
    if (strcmp(name, "sym") == 0)
        return "DragonFly's key, bytes 6d 5a repeated (sys/net/toeplitz.c)";
    if (strcmp(name, "ms") == 0)
        return "the Microsoft default key (Intel datasheets, most drivers)";
    return "the 40 bytes given";
}

static void print_text(const struct rss_opts *o, const struct rss_result *r)
{
    unsigned n = r->rm.rm_cnt;
    printf("flow        %s -> %s\n", o->src, o->dst);
    printf("key         %s: %s\n\n", o->key_name, key_story(o->key_name));
    printf("hash        0x%08x  Toeplitz hash of source address, destination address,\n"
           "                        source port, destination port (network byte order), as\n"
           "                        the NIC computes it\n", (unsigned)r->hash);
    printf("reta index  %-10u  hash & 127: which of the NIC's 128 redirection-table entries\n"
           "                        it reads\n", r->reta_index);
    printf("queue       %-10u  the ring in that entry, with the table filled for %u ring%s\n"
           "                        as DragonFly's drivers do; ring %u interrupts CPU %u\n",
           r->queue, n, n == 1 ? "" : "s", r->queue, r->queue_cpu);
    printf("cpu         %-10u  netisr CPU: (0x%04x & %d) %% %u; its netisr thread runs\n"
           "                        the protocol code (TCP, UDP) for this flow\n",
           r->cpu, (unsigned)toeplitz_dfly_hash(r->hash), TOEPLITZ_NETISR_CPUMASK, o->cpus);
    if (r->queue_cpu == r->cpu)
        printf("\nThe packet is received and processed on CPU %u.\n", r->cpu);
    else
        printf("\nThe packet is received on CPU %u and passed to the netisr on CPU %u: a\n"
               "cross-CPU message (give as many queues as CPUs to avoid it).\n",
               r->queue_cpu, r->cpu);
    if (n < o->queues)
        printf("Only %u of the %u rings asked for are used: DragonFly uses at most one ring\n"
               "per netisr CPU (if_ringcnt_fixup).\n", n, o->queues);
    printf("Addresses only (non-TCP/UDP packets, fragments): 0x%08x.\n", (unsigned)r->hash_addr);
    printf("The reverse direction, %s -> %s, hashes to 0x%08x:\n%s\n", o->dst, o->src,
           (unsigned)r->hash_reverse,
           r->hash == r->hash_reverse
               ? "the same, so both directions of the connection meet on one CPU."
               : "a different value, so the two directions may be handled on different CPUs.");
}

int cmd_rss(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(rss_usage, stdout);
        return 0;
    }
    struct rss_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    struct rss_result r;
    compute(&o, &r);
    if (o.json)
        return print_json(&o, &r);
    print_text(&o, &r);
    return 0;
}
