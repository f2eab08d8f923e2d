/*
 * clock.h — record timestamps. A producer takes a raw tick count (the TSC,
 * ~10 ns, where the kernel itself trusts it as its clocksource; otherwise
 * CLOCK_REALTIME in ns, ~25 ns); the writer turns ticks into UTC nanoseconds
 * with a conversion it calibrates against CLOCK_REALTIME and re-anchors every
 * 10 ms, so NTP adjustments are followed.
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

/* Ticks -> UTC ns since the epoch. Owned by one thread (the writer). */
struct clock_converter {
    uint64_t first_ticks;     /* calibration baseline */
    int64_t first_ns;
    uint64_t anchor_ticks;    /* latest re-anchor */
    int64_t anchor_ns;
    double ns_per_tick;
    uint64_t next_anchor_ticks;
};

/* Calibrates (1 ms when ticks are the TSC). */
void clock_converter_init(struct clock_converter *c);
/* Re-anchors if 10 ms have passed; cheap otherwise. */
void clock_converter_refresh(struct clock_converter *c);

static inline int64_t clock_to_ns(const struct clock_converter *c, uint64_t ticks)
{
    return c->anchor_ns + (int64_t)((double)(int64_t)(ticks - c->anchor_ticks) * c->ns_per_tick);
}

#endif /* SLUICE_CLOCK_H */
