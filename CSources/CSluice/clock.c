/* clock.c — tick source choice and tick -> UTC calibration; see clock.h. */
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

bool clock_ticks_are_tsc;

static int64_t realtime_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static uint64_t system_ticks(void)
{
    return clock_ticks();
}

static int64_t system_monotonic_ns(void)
{
    return clock_monotonic_ns();
}

/* Completed by clock_setup, which decides what ticks are. */
static struct clock_source system_source = {system_ticks, system_monotonic_ns, realtime_ns, true};

const struct clock_source *clock_system(void)
{
    clock_setup();
    return &system_source;
}

#if defined(__x86_64__)
/* The TSC is used only when the CPU says it is invariant (constant rate, runs
 * in deep C-states) and the kernel trusts it enough to use it as its own
 * clocksource (so it is synchronized across CPUs). */
static bool tsc_is_trustworthy(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) || !(edx & (1u << 8)))
        return false;
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
    if (f == NULL)
        return false;
    char name[32] = {0};
    bool tsc = fgets(name, sizeof name, f) != NULL && strcmp(name, "tsc\n") == 0;
    fclose(f);
    return tsc;
}
#endif

static void decide(void)
{
#if defined(__x86_64__)
    clock_ticks_are_tsc = tsc_is_trustworthy();
#endif
    system_source.ticks_are_realtime_ns = !clock_ticks_are_tsc;
}

void clock_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, decide);
}

void clock_civil(int64_t seconds, struct clock_civil *out)
{
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t of_day = seconds - days * 86400;
    out->hour = (unsigned)(of_day / 3600);
    out->minute = (unsigned)(of_day / 60 % 60);
    out->second = (unsigned)(of_day % 60);
    /* Days to a date in the proleptic Gregorian calendar, counting years from
     * March (so the leap day ends a year) in 400-year eras of 146097 days. */
    int64_t shifted = days + 719468; /* days from 0000-03-01 */
    int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
    unsigned day_of_era = (unsigned)(shifted - era * 146097);
    unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned month_from_march = (5 * day_of_year + 2) / 153;
    out->day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    out->month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    out->year = (int)(year_of_era + era * 400 + (out->month <= 2));
}

/* Seconds east of UTC at the UTC second seconds; 0 where the zone cannot say. */
static int32_t local_offset(int64_t seconds)
{
    time_t at = (time_t)seconds;
    struct tm local;
    return localtime_r(&at, &local) == NULL ? 0 : (int32_t)local.tm_gmtoff;
}

void clock_zone_find(struct clock_zone *zone, int64_t from)
{
    enum { DAY = 86400, DAYS = 2 * 366 };
    zone->changes = 0;
    zone->offset[0] = local_offset(from);
    /* A day at a time (zones change at most once a day), then the second within the day. */
    for (int64_t day = from; day < from + (int64_t)DAYS * DAY && zone->changes < CLOCK_ZONE_CHANGES_MAX; day += DAY) {
        int32_t now = zone->offset[zone->changes], next = local_offset(day + DAY);
        if (next == now)
            continue;
        int64_t before = day, after = day + DAY;
        while (after - before > 1) {
            int64_t middle = before + (after - before) / 2;
            *(local_offset(middle) == now ? &before : &after) = middle;
        }
        zone->change[zone->changes++] = after;
        zone->offset[zone->changes] = next;
    }
}

/* One (ticks, ns) pair: the clock read bracketed by two tick reads, the
 * tightest bracket of a few tries, ticks taken at its middle. */
static void sample(const struct clock_source *source, int64_t (*read)(void), uint64_t *ticks, int64_t *ns)
{
    uint64_t best_span = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t before = source->ticks();
        int64_t now = read();
        uint64_t after = source->ticks();
        if (after - before < best_span) {
            best_span = after - before;
            *ticks = before + (after - before) / 2;
            *ns = now;
        }
    }
}

/* A short first calibration, then frequent re-anchoring: a conversion's error
 * is the rate's error times the time since the anchor, and the rate's error
 * shrinks as its baseline grows. */
enum { CALIBRATION_NS = 1000000, REANCHOR_NS = 10000000 };

static void measure_rate(struct clock_converter *c)
{
    uint64_t ticks;
    int64_t monotonic;
    sample(c->source, c->source->monotonic_ns, &ticks, &monotonic);
    if (ticks != c->first_ticks && monotonic > c->first_monotonic)
        c->ns_per_tick = (uint64_t)(((unsigned __int128)(monotonic - c->first_monotonic) << 32) /
                                    (ticks - c->first_ticks));
}

void clock_converter_init(struct clock_converter *c, const struct clock_source *source)
{
    *c = (struct clock_converter){.source = source, .next_anchor_ticks = 0};
    if (source->ticks_are_realtime_ns)
        return;
    sample(source, source->monotonic_ns, &c->first_ticks, &c->first_monotonic);
    struct timespec pause = {0, CALIBRATION_NS};
    nanosleep(&pause, NULL);
    measure_rate(c);
    clock_converter_refresh(c);
}

void clock_converter_refresh(struct clock_converter *c)
{
    if (c->source->ticks_are_realtime_ns || c->source->ticks() < c->next_anchor_ticks)
        return;
    measure_rate(c); /* over the whole run so far: never touched by a wall-clock step */
    sample(c->source, c->source->realtime_ns, &c->anchor_ticks, &c->anchor_ns);
    uint64_t ticks_per_reanchor = c->ns_per_tick ? (((uint64_t)REANCHOR_NS << 32) / c->ns_per_tick) : 1;
    c->next_anchor_ticks = c->anchor_ticks + ticks_per_reanchor;
}

void clock_converter_restore(struct clock_converter *c, uint64_t anchor_ticks, int64_t anchor_ns,
                             uint64_t ns_per_tick, bool realtime)
{
    static const struct clock_source ticks_source = {NULL, NULL, NULL, false};
    static const struct clock_source realtime_source = {NULL, NULL, NULL, true};
    *c = (struct clock_converter){.source = realtime ? &realtime_source : &ticks_source,
                                  .anchor_ticks = anchor_ticks,
                                  .anchor_ns = anchor_ns,
                                  .ns_per_tick = ns_per_tick,
                                  .next_anchor_ticks = UINT64_MAX};
}
