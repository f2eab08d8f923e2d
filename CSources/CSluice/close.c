/* close.c — flushing and closing a core; see close.h and abandon.h. */
#include <stdlib.h>
#include <unistd.h>

#include "abandon.h"
#include "close.h"
#include "fork.h"
#include "output.h"
#include "ring_file.h"
#include "sync.h"

void close_forget_files(sluice_core *core)
{
    ring_forget_file(&core->ring); /* written or counted: nothing in it is recover's */
    if (core->stats.path != NULL) {
        unlink(core->stats.path);
        free(core->stats.path);
        core->stats.path = NULL;
    }
}

int close_flush_written(sluice_core *core, int timeout_ms)
{
    /* Every record accepted before this call lies below head: its cas came first. */
    uint64_t target = ring_head(&core->ring);
    if (load_acquire(&core->written_position) >= target)
        return SLUICE_OK;
    add_relaxed(&core->map->totals.flushes, 1);
    doorbell_kick(&core->bell);
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int32_t seen = event_prepare(&core->written);
        bool done = load_acquire(&core->written_position) >= target || load_acquire(&core->writer_done);
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
        ring_seal(&core->ring); /* reservations before it get written, later ones drop */
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
