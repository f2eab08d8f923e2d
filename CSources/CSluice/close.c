/* close.c — flushing and closing a core; see close.h and abandon.h. */
#include <stdlib.h>
#include <unistd.h>

#include "abandon.h"
#include "close.h"
#include "fork.h"
#include "lanes.h"
#include "output.h"
#include "sync.h"

void close_forget_files(sluice_core *core)
{
    lanes_forget_file(core); /* written or counted: nothing in it is recover's */
    if (core->stats.path != NULL) {
        unlink(core->stats.path);
        free(core->stats.path);
        core->stats.path = NULL;
    }
}

/* Every lane written up to its target. */
static bool written_to(struct lane *const *lanes, const uint64_t *targets, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (load_acquire(&lanes[i]->written_position) < targets[i])
            return false;
    return true;
}

int close_flush_written(sluice_core *core, int timeout_ms)
{
    /* Every record accepted before this call lies below its ring's head: its cas came first. */
    struct lane *lanes[SLUICE_RINGS_MAX];
    uint64_t targets[SLUICE_RINGS_MAX];
    uint32_t count = lanes_snapshot(core, lanes);
    for (uint32_t i = 0; i < count; i++)
        targets[i] = ring_head(&lanes[i]->ring);
    if (written_to(lanes, targets, count))
        return SLUICE_OK;
    add_relaxed(&core->map->totals.flushes, 1);
    doorbell_kick(&core->bell);
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int32_t seen = event_prepare(&core->written);
        bool done = written_to(lanes, targets, count) || load_acquire(&core->writer_done);
        int64_t left = timeout_ms < 0 ? -1 : deadline - clock_monotonic_ns();
        bool expired = !done && timeout_ms >= 0 && left <= 0;
        if (!done && !expired)
            event_wait(&core->written, seen, left);
        event_finish(&core->written);
        if (done)
            return SLUICE_OK;
        if (expired)
            return SLUICE_TIMEOUT;
    }
}

int sluice_flush(sluice_core *core, int timeout_ms)
{
    core_ready(core);
    return close_flush_written(core, timeout_ms);
}

void sluice_close(sluice_core *core)
{
    pthread_mutex_lock(&core->close_lock);
    if (!core->closed && core->restart_pending) {
        /* A forked child that never used it: nothing reserved, no writer, no file. */
        sink_set_close(&core->sinks);
        core->closed = true;
        store_release(&core->restart_pending, 0);
    } else if (!core->closed && core->synchronous) {
        sync_close(core); /* every accepted record is written already */
        output_adopt_sinks(core); /* one handed over but never written to */
        sink_set_close(&core->sinks);
        core->closed = true;
    } else if (!core->closed) {
        lanes_set_sealed(core, true); /* reservations before it get written, later ones drop */
        store_release(&core->closing, 1);
        event_signal(&core->space); /* blocked producers see the seal and give up */
        doorbell_kick(&core->bell);
        if (abandon_wait_for_writer(core, load_relaxed(&core->close_timeout_ms))) {
            pthread_join(core->thread, NULL);
            output_adopt_sinks(core);
            sink_set_close(&core->sinks);
        } else {
            abandon_writer(core);
        }
        core->closed = true;
    }
    pthread_mutex_unlock(&core->close_lock);
}
