/*
 * reconfigure.c — a core's sinks and settings changed while it runs (a hand-over
 * between batches), a closed core opened again, and reopening files by name
 * (sluice_reopen, SIGHUP) for logrotate.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "close.h"
#include "fork.h"
#include "lanes.h"
#include "lifecycle.h"
#include "output.h"
#include "platform.h"
#include "writer.h"

/* A closed core writes again: to fresh, with a new writer thread (or, synchronous,
 * on its callers' threads again); its modules, settings and counts stay. Under close_lock. */
static int reopen(sluice_core *core, struct sink_set *fresh, char *error, size_t error_size)
{
    if (core->synchronous) {
        pthread_mutex_lock(&core->sync.lock);
        sink_set_install(&core->sinks, fresh, core->map);
        core->sync.guard_sigpipe = sink_set_needs_sigpipe_guard(&core->sinks);
        core->sync.closed = false;
        pthread_mutex_unlock(&core->sync.lock);
    } else {
        sink_set_install(&core->sinks, fresh, core->map);
        core->closing = 0;
        core->writer_done = 0;
        core->bell.state = DOORBELL_RUNNING;
        int failure = writer_start(core);
        if (failure != 0) {
            if (error != NULL)
                snprintf(error, error_size, "sluice: cannot start the writer thread: %s; the core stays closed",
                         strerror(failure));
            sink_set_close(&core->sinks);
            return SLUICE_INVALID;
        }
        /* The writer stands at every head (it wrote or abandoned everything before the seal). */
        lanes_set_sealed(core, false);
    }
    if (core->stats.path == NULL) /* a forked child's, or one whose file could not be made */
        core->stats.path = stats_publish(core->map);
    if (core->recoverable)
        lanes_publish(core);
    core->closed = false;
    return SLUICE_OK;
}

/* An open core's new sink: records logged before go to the old one (flushed
 * first), and the writer switches between batches. Under close_lock. */
static int hand_over(sluice_core *core, struct sink_set *fresh, int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    int flushed = close_flush_written(core, timeout_ms);
    struct sink_set *next = malloc(sizeof *next);
    if (next == NULL) {
        sink_set_close(fresh);
        return SLUICE_INVALID;
    }
    *next = *fresh;
    struct lane *lanes[SLUICE_RINGS_MAX];
    for (uint32_t i = 0, count = lanes_snapshot(core, lanes); i < count; i++)
        lanes[i]->sink_switch_at = ring_head(&lanes[i]->ring);
    store_release(&core->next_sinks, next);
    if (core->synchronous) {
        /* A caller stuck in a write holds the lock: wait for it no longer than the deadline. */
        if (platform_lock_until(&core->sync.lock, deadline)) {
            output_adopt_sinks(core);
            pthread_mutex_unlock(&core->sync.lock);
        }
    } else {
        doorbell_kick(&core->bell);
        for (;;) {
            int32_t seen = event_prepare(&core->written);
            bool done = load_acquire(&core->next_sinks) == NULL;
            int64_t left = deadline - clock_monotonic_ns();
            if (!done && left > 0)
                event_wait(&core->written, seen, left);
            event_finish(&core->written);
            if (done || left <= 0)
                break;
        }
    }
    return flushed == SLUICE_OK && load_acquire(&core->next_sinks) == NULL ? SLUICE_OK : SLUICE_TIMEOUT;
}

int sluice_reconfigure(sluice_core *core, const sluice_options *options, int timeout_ms, char *error,
                       size_t error_size)
{
    if (!lifecycle_overflow_is_valid(options, "nothing was changed", error, error_size))
        return SLUICE_INVALID;
    struct sink_set fresh;
    if (sink_set_open(&fresh, options, core->max_message, "nothing was changed", error, error_size) != 0)
        return SLUICE_INVALID;
    core_ready(core);
    pthread_mutex_lock(&core->close_lock);
    store_relaxed(&core->overflow, options->overflow);
    store_relaxed(&core->close_timeout_ms, options->close_timeout_ms);
    int result;
    if (core->closed && load_relaxed(&core->left_behind)) {
        sink_set_close(&fresh);
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: the writer of '%s' is still stuck in a write from before its close; the core cannot "
                     "open again",
                     core->sinks.slot[0].sink.name);
        result = SLUICE_INVALID;
    } else if (core->closed) {
        result = reopen(core, &fresh, error, error_size);
    } else if (load_acquire(&core->next_sinks) != NULL) {
        sink_set_close(&fresh); /* the last change is still waiting for a stuck write */
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: '%s' has not finished a write since the last sink change; the sink stays as it was",
                     core->sinks.slot[0].sink.name);
        result = SLUICE_TIMEOUT;
    } else {
        result = hand_over(core, &fresh, timeout_ms < 0 ? 0 : timeout_ms);
        if (result == SLUICE_TIMEOUT && error != NULL)
            snprintf(error, error_size,
                     "sluice: '%s' did not finish writing within %d ms; the new sink takes over when it does",
                     core->sinks.slot[0].sink.name, timeout_ms);
    }
    pthread_mutex_unlock(&core->close_lock);
    return result;
}

void sluice_reopen(sluice_core *core)
{
    core_ready(core);
    (void)add_fetch(&core->map->reopen_requests, 1);
    doorbell_kick(&core->bell); /* a synchronous core's next write sees it */
}

static void reopen_on_sighup(int signal)
{
    (void)signal;
    (void)add_fetch(&sluice_sighup_reopens, 1); /* lock-free: safe in a handler */
}

int sluice_reopen_on_sighup(void)
{
    struct sigaction action = {.sa_handler = reopen_on_sighup, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    return sigaction(SIGHUP, &action, NULL) == 0 ? SLUICE_OK : SLUICE_SYSTEM;
}
