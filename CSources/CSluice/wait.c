/* wait.c — sleeps and wake-ups on a word (a futex on Linux: platform.h); see wait.h for the protocol. */
#include "wait.h"

#include <limits.h>

#include "platform.h"

int32_t event_prepare(struct event *ev)
{
    /* Read the epoch before announcing: a signal after the announcement
     * changes it, so event_wait cannot sleep through that signal. */
    int32_t seen = load_relaxed(&ev->epoch);
    (void)add_fetch(&ev->waiters, 1); /* full fence: the caller's re-check comes after */
    return seen;
}

void event_wait(struct event *ev, int32_t seen, int64_t timeout_ns)
{
    platform_wait(&ev->epoch, seen, timeout_ns);
}

void event_finish(struct event *ev)
{
    (void)add_fetch(&ev->waiters, -1);
}

static void signal_waiters(struct event *ev, int32_t count)
{
    fence(); /* the caller's publish before the look at waiters */
    if (load_relaxed(&ev->waiters) > 0) {
        (void)add_fetch(&ev->epoch, 1);
        platform_wake(&ev->epoch, count);
    }
}

void event_signal(struct event *ev)
{
    signal_waiters(ev, INT_MAX);
}

void event_signal_one(struct event *ev)
{
    signal_waiters(ev, 1);
}

void doorbell_ring(struct doorbell *bell)
{
    /* Of several producers that saw the writer asleep, one wakes it. */
    if (cas(&bell->state, DOORBELL_SLEEPING, DOORBELL_RUNNING) == DOORBELL_SLEEPING)
        platform_wake(&bell->state, 1);
}

void doorbell_kick(struct doorbell *bell)
{
    int32_t before = exchange(&bell->state, DOORBELL_KICKED);
    if (before != DOORBELL_KICKED)
        platform_wake(&bell->state, 1);
}

bool doorbell_nap(struct doorbell *bell, int64_t timeout_ns)
{
    platform_wait(&bell->state, DOORBELL_RUNNING, timeout_ns); /* returns at once if kicked */
    /* Look before writing: a nap that nobody interrupted leaves the line shared,
     * so producers' doorbell_is_sleeping stays a cache hit. */
    return load_relaxed(&bell->state) != DOORBELL_RUNNING && doorbell_reset(bell);
}

bool doorbell_announce(struct doorbell *bell)
{
    /* A full fence on success: the writer's re-check of the ring comes after. */
    return cas(&bell->state, DOORBELL_RUNNING, DOORBELL_SLEEPING) == DOORBELL_RUNNING;
}

void doorbell_sleep(struct doorbell *bell)
{
    platform_wait(&bell->state, DOORBELL_SLEEPING, -1);
}

bool doorbell_reset(struct doorbell *bell)
{
    return exchange(&bell->state, DOORBELL_RUNNING) == DOORBELL_KICKED;
}
