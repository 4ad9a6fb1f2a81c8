/*
 * units.c - exact decimal parsing of durations and frequencies.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    uint64_t scale;
};

static const struct unit duration_units[] = {
    {"ps", 1},
    {"ns", UINT64_C(1000)},
    {"us", UINT64_C(1000000)},
    {"\xc2\xb5s", UINT64_C(1000000)}, /* µs */
    {"ms", UINT64_C(1000000000)},
    {"s", UINT64_C(1000000000000)},
    {NULL, 0},
};

static const struct unit freq_units[] = {
    {"Hz", 1},
    {"kHz", UINT64_C(1000)},
    {"MHz", UINT64_C(1000000)},
    {"GHz", UINT64_C(1000000000)},
    {NULL, 0},
};

static const struct unit bitrate_units[] = {
    {"bps", 1},
    {"kbps", UINT64_C(1000)},
    {"Mbps", UINT64_C(1000000)},
    {"Gbps", UINT64_C(1000000000)},
    {"Tbps", UINT64_C(1000000000000)},
    {NULL, 0},
};

static const struct unit size_units[] = {
    {"B", 1},
    {"KiB", UINT64_C(1) << 10},
    {"MiB", UINT64_C(1) << 20},
    {"GiB", UINT64_C(1) << 30},
    {NULL, 0},
};

static const struct unit pktrate_units[] = {
    {"pps", 1},
    {"kpps", UINT64_C(1000)},
    {"Mpps", UINT64_C(1000000)},
    {"Gpps", UINT64_C(1000000000)},
    {NULL, 0},
};

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* "<decimal> <unit>" to an exact integer in base units. */
static const char *parse_scaled(const char *s, const struct unit *units, uint64_t *out,
                                const char *need_unit)
{
    s = skip_space(s);
    if (*s == '-')
        return "a value that is not negative";
    if (*s == '+')
        s++;
    unsigned __int128 mant = 0;
    int digits = 0, frac = 0;
    bool dot = false;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s)) {
            if (digits >= 30)
                return "a number with at most 30 digits";
            mant = mant * 10 + (unsigned)(*s - '0');
            digits++;
            if (dot)
                frac++;
        } else if (*s == '.' && !dot) {
            dot = true;
        } else if (*s == '_' && digits > 0) {
            continue; /* 1_000_000 */
        } else {
            break;
        }
    }
    if (digits == 0)
        return need_unit;
    s = skip_space(s);
    char unit[16];
    size_t ul = 0;
    while (*s && !isspace((unsigned char)*s) && ul + 1 < sizeof(unit))
        unit[ul++] = *s++;
    unit[ul] = 0;
    if (*skip_space(s))
        return need_unit;
    if (ul == 0)
        return need_unit;
    const struct unit *u = NULL;
    for (const struct unit *k = units; k->name; k++)
        if (strcmp(k->name, unit) == 0)
            u = k;
    if (!u)
        return need_unit;
    unsigned __int128 v = mant * u->scale;
    unsigned __int128 div = 1;
    for (int i = 0; i < frac; i++)
        div *= 10;
    if (v % div != 0)
        return "a whole number of the smallest unit (ps or Hz)";
    v /= div;
    if (v > UINT64_MAX)
        return "a smaller value (it overflows 64 bits)";
    *out = (uint64_t)v;
    return NULL;
}

const char *units_parse_duration(const char *s, sim_time_t *out)
{
    return parse_scaled(s, duration_units, out,
                        "a duration with a unit: ps, ns, us, ms or s (e.g. 10us)");
}

const char *units_parse_freq(const char *s, uint64_t *hz)
{
    return parse_scaled(s, freq_units, hz, "a frequency with a unit: Hz, kHz, MHz or GHz "
                                           "(e.g. 2.1GHz)");
}

const char *units_parse_bitrate(const char *s, uint64_t *bps)
{
    return parse_scaled(s, bitrate_units, bps, "a bit rate with a unit: bps, kbps, Mbps, Gbps or "
                                               "Tbps (e.g. 10Gbps)");
}

const char *units_parse_size(const char *s, uint64_t *bytes)
{
    return parse_scaled(s, size_units, bytes, "a size with a unit: B, KiB, MiB or GiB (e.g. 32KiB)");
}

const char *units_parse_rate(const char *s, uint64_t *value, int *kind)
{
    static const char need[] = "a rate: line, packets per second (e.g. 14.88Mpps) or bits per "
                               "second (e.g. 1Gbps)";
    const char *t = skip_space(s);
    if (strncmp(t, "line", 4) == 0 && !*skip_space(t + 4)) {
        *value = 0;
        *kind = 0;
        return NULL;
    }
    if (!parse_scaled(s, pktrate_units, value, need)) {
        *kind = 1;
        return NULL;
    }
    if (!parse_scaled(s, bitrate_units, value, need)) {
        *kind = 2;
        return NULL;
    }
    return need;
}

const char *units_parse_uint(const char *s, uint64_t *out)
{
    s = skip_space(s);
    if (!isdigit((unsigned char)*s) && *s != '+')
        return "a whole number";
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return "a whole number below 2^64";
    if (end == s || *skip_space(end))
        return "a whole number";
    *out = v;
    return NULL;
}

const char *units_parse_int(const char *s, int64_t *out)
{
    s = skip_space(s);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return "a whole number that fits in 64 bits";
    if (end == s || *skip_space(end))
        return "a whole number";
    *out = v;
    return NULL;
}

const char *units_parse_float(const char *s, double *out)
{
    s = skip_space(s);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *skip_space(end) || !isfinite(v))
        return "a number";
    *out = v;
    return NULL;
}

const char *units_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", NULL};
    static const char *const no[] = {"false", "no", "off", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return NULL;
        }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return NULL;
        }
    return "true or false";
}

/* Render v/scale exactly with trailing zeros of the fraction removed. */
static void format_scaled(uint64_t v, const struct unit *units, size_t nunits, char *buf,
                          size_t n)
{
    const struct unit *u = &units[0];
    for (size_t i = 0; i < nunits; i++)
        if (units[i].scale <= v && units[i].scale >= u->scale)
            u = &units[i];
    uint64_t ip = v / u->scale, fp = v % u->scale;
    if (fp == 0) {
        snprintf(buf, n, "%llu%s", (unsigned long long)ip, u->name);
        return;
    }
    int width = 0;
    for (uint64_t s = u->scale; s > 1 && width < 18; s /= 10)
        width++;
    char frac[48];
    snprintf(frac, sizeof(frac), "%0*llu", width, (unsigned long long)fp);
    size_t k = strlen(frac);
    while (k > 0 && frac[k - 1] == '0')
        frac[--k] = 0;
    snprintf(buf, n, "%llu.%s%s", (unsigned long long)ip, frac, u->name);
}

void units_format_duration(sim_time_t ps, char *buf, size_t n)
{
    static const struct unit show[] = {
        {"ps", 1}, {"ns", UINT64_C(1000)}, {"us", UINT64_C(1000000)},
        {"ms", UINT64_C(1000000000)}, {"s", UINT64_C(1000000000000)},
    };
    if (ps == 0) {
        snprintf(buf, n, "0s");
        return;
    }
    format_scaled(ps, show, sizeof(show) / sizeof(show[0]), buf, n);
}

void units_format_freq(uint64_t hz, char *buf, size_t n)
{
    if (hz == 0) {
        snprintf(buf, n, "0Hz");
        return;
    }
    format_scaled(hz, freq_units, 4, buf, n);
}

void units_format_bitrate(uint64_t bps, char *buf, size_t n)
{
    if (bps == 0) {
        snprintf(buf, n, "0bps");
        return;
    }
    format_scaled(bps, bitrate_units, 5, buf, n);
}

void units_format_size(uint64_t bytes, char *buf, size_t n)
{
    /* the largest unit that divides exactly, so the text is short and exact */
    const struct unit *u = &size_units[0];
    for (const struct unit *k = size_units; k->name; k++)
        if (bytes && bytes % k->scale == 0)
            u = k;
    snprintf(buf, n, "%llu%s", (unsigned long long)(bytes / u->scale), u->name);
}

void units_format_rate(uint64_t value, int kind, char *buf, size_t n)
{
    if (kind == 0)
        snprintf(buf, n, "line");
    else if (kind == 1)
        value ? format_scaled(value, pktrate_units, 4, buf, n) : (void)snprintf(buf, n, "0pps");
    else
        units_format_bitrate(value, buf, n);
}

void units_format_float(double v, char *buf, size_t n)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}
