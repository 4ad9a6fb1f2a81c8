/*
 * test_units.c - exact parsing and shortest formatting of durations and frequencies, and
 * the error texts that scenario messages quote.
 */
#include <string.h>

#include "check.h"
#include "scenario/units.h"

static void test_durations(void)
{
    sim_time_t t;
    CHECK(units_parse_duration("10us", &t) == NULL);
    CHECK_EQ(t, 10000000);
    CHECK(units_parse_duration("1.5ms", &t) == NULL);
    CHECK_EQ(t, 1500000000);
    CHECK(units_parse_duration(" 2 s ", &t) == NULL);
    CHECK_EQ(t, 2000000000000);
    CHECK(units_parse_duration("0.001ns", &t) == NULL);
    CHECK_EQ(t, 1);
    CHECK(units_parse_duration("7\xc2\xb5s", &t) == NULL); /* µs */
    CHECK_EQ(t, 7000000);
    CHECK(units_parse_duration("1_000ns", &t) == NULL);
    CHECK_EQ(t, 1000000);
    /* mistakes */
    CHECK(units_parse_duration("10", &t) != NULL);       /* no unit */
    CHECK(units_parse_duration("10 parsecs", &t) != NULL);
    CHECK(units_parse_duration("-1s", &t) != NULL);
    CHECK(units_parse_duration("0.5ps", &t) != NULL);    /* not a whole picosecond */
    CHECK(units_parse_duration("1e3ns", &t) != NULL);
    CHECK(units_parse_duration("99999999999s", &t) != NULL); /* overflows 64 bits */
    CHECK(strstr(units_parse_duration("10", &t), "unit") != NULL);
}

static void test_frequencies(void)
{
    uint64_t hz;
    CHECK(units_parse_freq("2.1GHz", &hz) == NULL);
    CHECK_EQ(hz, 2100000000);
    CHECK(units_parse_freq("3400MHz", &hz) == NULL);
    CHECK_EQ(hz, 3400000000);
    CHECK(units_parse_freq("2.1", &hz) != NULL);
    CHECK(units_parse_freq("2.1ghz", &hz) != NULL); /* units are case sensitive, as in SI */
}

static void test_numbers(void)
{
    uint64_t u;
    int64_t i;
    double d;
    bool b;
    CHECK(units_parse_uint("42", &u) == NULL && u == 42);
    CHECK(units_parse_uint("-1", &u) != NULL);
    CHECK(units_parse_uint("4x", &u) != NULL);
    CHECK(units_parse_uint("18446744073709551616", &u) != NULL);
    CHECK(units_parse_int("-7", &i) == NULL && i == -7);
    CHECK(units_parse_float("0.95", &d) == NULL && d == 0.95);
    CHECK(units_parse_float("nan", &d) != NULL);
    CHECK(units_parse_float("0.9.5", &d) != NULL);
    CHECK(units_parse_bool("yes", &b) == NULL && b);
    CHECK(units_parse_bool("Off", &b) == NULL && !b);
    CHECK(units_parse_bool("maybe", &b) != NULL);
}

static void test_formatting(void)
{
    char buf[64];
    units_format_duration(2000000000000ull, buf, sizeof(buf));
    CHECK(strcmp(buf, "2s") == 0);
    units_format_duration(1500000, buf, sizeof(buf));
    CHECK(strcmp(buf, "1.5us") == 0);
    units_format_duration(1, buf, sizeof(buf));
    CHECK(strcmp(buf, "1ps") == 0);
    units_format_duration(0, buf, sizeof(buf));
    CHECK(strcmp(buf, "0s") == 0);
    units_format_duration(1234567890123ull, buf, sizeof(buf));
    CHECK(strcmp(buf, "1.234567890123s") == 0);
    units_format_freq(2100000000, buf, sizeof(buf));
    CHECK(strcmp(buf, "2.1GHz") == 0);
    units_format_float(0.1, buf, sizeof(buf));
    CHECK(strcmp(buf, "0.1") == 0);
    /* every format reads back as the same value */
    for (uint64_t v = 1; v < UINT64_C(10000000000000000); v = v * 7 + 3) {
        sim_time_t back;
        units_format_duration(v, buf, sizeof(buf));
        CHECK(units_parse_duration(buf, &back) == NULL && back == v);
    }
}

int main(void)
{
    RUN(test_durations);
    RUN(test_frequencies);
    RUN(test_numbers);
    RUN(test_formatting);
    return check_result();
}
