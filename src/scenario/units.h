/*
 * units.h - values with units, as written in scenarios and shown in results.
 *
 * Durations are written with a unit (ps, ns, us or µs, ms, s) and converted exactly to
 * integer picoseconds: "1.5ms" is 1500000000 ps, "0.3ps" is an error (not a whole
 * picosecond). Frequencies take Hz, kHz, MHz or GHz and become integer Hz. Parsers return
 * NULL on success or a short description of what was expected.
 */
#ifndef MPSTACK_SCENARIO_UNITS_H
#define MPSTACK_SCENARIO_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_time.h"

const char *units_parse_duration(const char *s, sim_time_t *out);
const char *units_parse_freq(const char *s, uint64_t *hz);
const char *units_parse_bitrate(const char *s, uint64_t *bps);
const char *units_parse_size(const char *s, uint64_t *bytes);
/* "line", or packets (pps, kpps, Mpps) or bits (bps ... Gbps) per second. */
const char *units_parse_rate(const char *s, uint64_t *value, int *kind);
const char *units_parse_uint(const char *s, uint64_t *out);
const char *units_parse_int(const char *s, int64_t *out);
const char *units_parse_float(const char *s, double *out);
const char *units_parse_bool(const char *s, bool *out);

/* Shortest exact rendering: 2000000000000 -> "2s", 1500000 -> "1.5us". */
void units_format_duration(sim_time_t ps, char *buf, size_t n);
/* 2100000000 -> "2.1GHz". */
void units_format_freq(uint64_t hz, char *buf, size_t n);
void units_format_bitrate(uint64_t bps, char *buf, size_t n);
void units_format_size(uint64_t bytes, char *buf, size_t n);
void units_format_rate(uint64_t value, int kind, char *buf, size_t n);
/* Shortest text that reads back as the same double. */
void units_format_float(double v, char *buf, size_t n);

#endif
