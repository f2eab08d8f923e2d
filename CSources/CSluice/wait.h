/*
 * wait.h — futex sleeps and wake-ups in the two shapes the core needs. Both
 * follow liburcu's call_rcu pattern: the sleeper announces itself, issues a
 * full fence, and re-checks its condition before sleeping; the waker
 * publishes, issues a full fence, and only then looks for a sleeper. Either
 * the sleeper sees the published state or the waker sees the sleeper, so no
 * wake-up is lost, and a waker pays a syscall only when someone sleeps.
 */
#ifndef SLUICE_WAIT_H
#define SLUICE_WAIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * An event many threads wait on and one thread signals: producers waiting for
 * ring space, flushers waiting for writes. Waiter:
 *
 *     int32_t seen = event_prepare(&ev);
 *     if (!condition) event_wait(&ev, seen, timeout_ns);
 *     event_finish(&ev);
 *
 * Signaller: make the condition true, then event_signal(&ev), or
 * event_signal_one(&ev) when one waiter's progress may use the condition up.
 */
struct event {
    int32_t epoch;   /* futex word. Written by event_signal and event_signal_one (add_fetch,
                        full fence); read by waiters before they announce themselves. */
    int32_t waiters; /* threads between prepare and finish. Written by waiters (add_fetch,
                        full fence); read by both signals after their fence. */
};

int32_t event_prepare(struct event *ev);
/* Sleeps until signalled after prepare, or timeout_ns passes (< 0: no limit). */
void event_wait(struct event *ev, int32_t seen, int64_t timeout_ns);
void event_finish(struct event *ev);
/* Wakes every sleeper; one that has prepared but not slept yet sees the epoch move. */
void event_signal(struct event *ev);
/* Wakes one sleeper (the kernel's order: the longest asleep at one priority); the
 * others sleep on until the next signal. The epoch moves all the same. */
void event_signal_one(struct event *ev);

/*
 * The writer's doorbell: one sleeper (the writer), many ringers.
 * state: DOORBELL_RUNNING, DOORBELL_SLEEPING (the writer announced a sleep
 * without timeout: a producer that commits must ring), DOORBELL_KICKED (a
 * flush or close wants the writer now). Written by the writer (cas, exchange)
 * and by ringers (cas, exchange); both are full fences.
 */
enum { DOORBELL_SLEEPING = -1, DOORBELL_RUNNING = 0, DOORBELL_KICKED = 1 };
struct doorbell {
    int32_t state;
};

/* Producers, after a commit and its fence (a full one, or a light one that the writer's
 * heavy_fence after its announcement pairs with: asymmetric.h): wakes the writer only if it
 * announced a sleep. */
static inline bool doorbell_is_sleeping(struct doorbell *bell);
void doorbell_ring(struct doorbell *bell);
/* Flush and close: wakes the writer whatever it is doing. */
void doorbell_kick(struct doorbell *bell);
/* Writer: sleeps up to timeout_ns unless kicked; returns true if kicked. */
bool doorbell_nap(struct doorbell *bell, int64_t timeout_ns);
/* Writer: announces a sleep without timeout; false if a kick came first. The
 * writer must then re-check for work, and call doorbell_sleep only if none. */
bool doorbell_announce(struct doorbell *bell);
void doorbell_sleep(struct doorbell *bell);
/* Writer: back to running; returns true if the doorbell had been kicked. */
bool doorbell_reset(struct doorbell *bell);

#include "atomics.h"

static inline bool doorbell_is_sleeping(struct doorbell *bell)
{
    return load_relaxed(&bell->state) == DOORBELL_SLEEPING;
}

#endif /* SLUICE_WAIT_H */
