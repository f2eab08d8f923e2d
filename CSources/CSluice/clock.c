/* clock.c — tick source choice and tick -> UTC calibration; see clock.h. */
#include "clock.h"

#include <math.h>
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
}

void clock_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, decide);
}

/* One (ticks, ns) pair: the clock read bracketed by two tick reads, the
 * tightest bracket of a few tries, ticks taken at its middle. */
static void sample(uint64_t *ticks, int64_t *ns)
{
    uint64_t best_span = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t before = clock_ticks();
        int64_t now = realtime_ns();
        uint64_t after = clock_ticks();
        if (after - before < best_span) {
            best_span = after - before;
            *ticks = before + (after - before) / 2;
            *ns = now;
        }
    }
}

/* A short first calibration, then frequent re-anchoring: a conversion's error
 * is the slope's error times the time since the anchor, and the slope's error
 * shrinks as its baseline grows. */
enum { CALIBRATION_NS = 1000000, REANCHOR_NS = 10000000 };

void clock_converter_init(struct clock_converter *c)
{
    if (!clock_ticks_are_tsc) {
        *c = (struct clock_converter){.ns_per_tick = 1.0, .next_anchor_ticks = UINT64_MAX};
        return;
    }
    sample(&c->first_ticks, &c->first_ns);
    int64_t until = c->first_ns + CALIBRATION_NS;
    while (realtime_ns() < until) {
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
    c->next_anchor_ticks = 0;
    c->ns_per_tick = 0;
    clock_converter_refresh(c);
}

void clock_converter_refresh(struct clock_converter *c)
{
    uint64_t now = clock_ticks();
    if (now < c->next_anchor_ticks)
        return;
    sample(&c->anchor_ticks, &c->anchor_ns);
    /* The slope over the whole run so far: the longer the baseline, the smaller
     * the error a few ns of sampling noise makes. */
    double slope = (double)(c->anchor_ns - c->first_ns) / (double)(c->anchor_ticks - c->first_ticks);
    if (c->ns_per_tick > 0 && fabs(slope / c->ns_per_tick - 1) > 1e-3) {
        /* The wall clock was stepped: keep the rate, restart the baseline here. */
        c->first_ticks = c->anchor_ticks;
        c->first_ns = c->anchor_ns;
    } else {
        c->ns_per_tick = slope;
    }
    c->next_anchor_ticks = c->anchor_ticks + (uint64_t)(REANCHOR_NS / c->ns_per_tick);
}
