/*
 * clock.h — record timestamps. A producer takes a raw tick count (the TSC,
 * ~10 ns, where the kernel itself trusts it as its clocksource; otherwise
 * CLOCK_REALTIME in ns, ~25 ns); the writer turns ticks into UTC nanoseconds
 * with a rate measured against CLOCK_MONOTONIC and an offset re-anchored to
 * CLOCK_REALTIME every 10 ms, so NTP adjustments and steps are followed.
 */
#ifndef SLUICE_CLOCK_H
#define SLUICE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

/* Decided once, by clock_setup, before any core exists; read-only afterwards. */
extern bool clock_ticks_are_tsc;

/* Decides the tick source; idempotent and thread-safe. */
void clock_setup(void);

static inline uint64_t clock_ticks(void)
{
#if defined(__x86_64__)
    if (__builtin_expect(clock_ticks_are_tsc, 1))
        return __rdtsc();
#endif
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static inline int64_t clock_monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* A UTC second as a calendar date and time. */
struct clock_civil {
    int year;
    unsigned month, day, hour, minute, second;
};

/* Seconds since the epoch -> UTC date and time, by arithmetic alone: no lock,
 * unlike gmtime_r (glibc's tzset lock, which a fork can leave held forever in
 * the child), so it is safe in a forked child and a signal handler. */
void clock_civil(int64_t seconds, struct clock_civil *out);

/* The local time zone's offset from UTC, and its changes over the two years after it was
 * found: found once, on the thread that opens a sink, with localtime_r, so that the writer
 * never takes the lock localtime_r takes (a fork can leave it held forever in the child).
 * After the last change found, the offset stays. */
enum { CLOCK_ZONE_CHANGES_MAX = 8 };
struct clock_zone {
    int32_t offset[CLOCK_ZONE_CHANGES_MAX + 1]; /* seconds east of UTC, before change[0], … */
    int64_t change[CLOCK_ZONE_CHANGES_MAX];     /* the UTC second each next offset starts */
    unsigned changes;
};

/* The zone's offsets from the UTC second from on (the process's TZ, as localtime_r reads it). */
void clock_zone_find(struct clock_zone *zone, int64_t from);

static inline int32_t clock_zone_offset(const struct clock_zone *zone, int64_t utc_second)
{
    unsigned i = 0;
    while (i < zone->changes && utc_second >= zone->change[i])
        i++;
    return zone->offset[i];
}

/* Where a converter reads time: the system's, or a test's fake. */
struct clock_source {
    uint64_t (*ticks)(void);       /* what producers stamp records with */
    int64_t (*monotonic_ns)(void); /* never steps: the tick rate is measured against it */
    int64_t (*realtime_ns)(void);  /* UTC: the offset, re-read at every anchor */
    bool ticks_are_realtime_ns;    /* ticks are realtime_ns already: converted as they are */
};
/* The system's: the TSC or CLOCK_REALTIME as clock_ticks reads them. */
const struct clock_source *clock_system(void);

/*
 * Ticks -> UTC ns since the epoch, in integers. Owned by one thread (the
 * writer). The rate (ns per tick, 32.32 fixed point) comes from ticks against
 * CLOCK_MONOTONIC over the whole run so far, so a step of the wall clock,
 * even during calibration, never touches it; the offset comes from
 * CLOCK_REALTIME at each re-anchor, so steps and NTP slews are followed
 * within 10 ms.
 */
struct clock_converter {
    const struct clock_source *source;
    uint64_t first_ticks;     /* the rate's baseline */
    int64_t first_monotonic;
    uint64_t anchor_ticks;    /* latest re-anchor */
    int64_t anchor_ns;
    uint64_t ns_per_tick;     /* 32.32 fixed point */
    uint64_t next_anchor_ticks;
};

/* Calibrates (1 ms when ticks are not realtime ns). */
void clock_converter_init(struct clock_converter *c, const struct clock_source *source);
/* Re-anchors if 10 ms have passed; cheap otherwise. */
void clock_converter_refresh(struct clock_converter *c);

/* A converter as another process's writer left it (an anchor and a rate), for
 * converting that process's ticks after it died; realtime: its ticks were ns already. */
void clock_converter_restore(struct clock_converter *c, uint64_t anchor_ticks, int64_t anchor_ns,
                             uint64_t ns_per_tick, bool realtime);

static inline int64_t clock_to_ns(const struct clock_converter *c, uint64_t ticks)
{
    if (c->source->ticks_are_realtime_ns)
        return (int64_t)ticks;
    __int128 elapsed = (__int128)(int64_t)(ticks - c->anchor_ticks) * (__int128)c->ns_per_tick;
    return c->anchor_ns + (int64_t)(elapsed >> 32);
}

#endif /* SLUICE_CLOCK_H */
