/* clock-check: the tick -> UTC converter against a fake clock whose wall time
 * steps, once during the calibration and once later; and ticks that are
 * realtime nanoseconds already, which must come back exact. */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "scenarios.h"

static int64_t true_ns;      /* the fake world's time; every read advances it 1 µs */
static int64_t step_at[2] = {16000, 1000000000}; /* the first falls between the calibration's two samples */
static const int64_t steps[2] = {3600 * 1000000000LL, -2 * 1000000000LL};

static int64_t offset_at(int64_t t)
{
    int64_t offset = 1732848523000000000LL;
    for (int i = 0; i < 2; i++)
        if (t >= step_at[i])
            offset += steps[i];
    return offset;
}

static uint64_t ticks_at(int64_t t)
{
    return 3 * (uint64_t)t + 1000000; /* a 3 GHz counter */
}

static uint64_t fake_ticks(void)
{
    true_ns += 1000;
    return ticks_at(true_ns);
}

static int64_t fake_monotonic(void)
{
    true_ns += 1000;
    return true_ns;
}

static int64_t fake_realtime(void)
{
    true_ns += 1000;
    return true_ns + offset_at(true_ns);
}

int clock_check(char **argv)
{
    (void)argv;
    int failures = 0;
    const struct clock_source fake = {fake_ticks, fake_monotonic, fake_realtime, false};
    struct clock_converter c;
    clock_converter_init(&c, &fake);
    for (int i = 0; i < 2000; i++) {
        true_ns += 1000000; /* a millisecond between the writer's looks */
        clock_converter_refresh(&c);
        int64_t error = clock_to_ns(&c, ticks_at(true_ns)) - (true_ns + offset_at(true_ns));
        bool just_stepped = true_ns >= step_at[1] && true_ns < step_at[1] + 11000000;
        if (!just_stepped && (error > 2000 || error < -2000) && failures++ < 5)
            printf("at %lld ns: off by %lld ns\n", (long long)true_ns, (long long)error);
    }
    const struct clock_source exact = {fake_ticks, fake_monotonic, fake_realtime, true};
    clock_converter_init(&c, &exact);
    uint64_t stamp = 1732848523123456789u;
    if (clock_to_ns(&c, stamp) != (int64_t)stamp && failures++ < 5)
        printf("realtime ticks %llu came back as %lld\n", (unsigned long long)stamp, (long long)clock_to_ns(&c, stamp));
    printf("%s\n", failures == 0 ? "ok" : "failed");
    return 0;
}

/* civil-check: clock_civil agrees with gmtime_r on every day from 1970 to 2400
 * (leap years, centuries, 2000 and 2400) at several times of day. */
int civil_check(char **argv)
{
    (void)argv;
    int failures = 0;
    for (int64_t day = 0; day <= 157000; day++) {
        for (int64_t of_day = 0; of_day < 86400; of_day += 86399 / 3) {
            int64_t seconds = day * 86400 + of_day;
            time_t t = (time_t)seconds;
            struct tm tm;
            gmtime_r(&t, &tm);
            struct clock_civil civil;
            clock_civil(seconds, &civil);
            if ((civil.year != tm.tm_year + 1900 || civil.month != (unsigned)tm.tm_mon + 1 ||
                 civil.day != (unsigned)tm.tm_mday || civil.hour != (unsigned)tm.tm_hour ||
                 civil.minute != (unsigned)tm.tm_min || civil.second != (unsigned)tm.tm_sec) &&
                failures++ < 5)
                printf("%lld s: %d-%u-%u %u:%u:%u\n", (long long)seconds, civil.year, civil.month, civil.day,
                       civil.hour, civil.minute, civil.second);
        }
    }
    printf("%s\n", failures == 0 ? "ok" : "failed");
    return 0;
}
