/*
 * sync.c — the synchronous rollback: no writer thread; each record is
 * rendered and written on the caller's thread before its log call returns,
 * in the order the callers take the lock. The rings are not used; the writer's
 * state, the sink slots and their counters are (output.c), under the lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "output.h"
#include "record_line.h"
#include "reports.h"
#include "sync.h"

int sync_open(sluice_core *core)
{
    core->sync.record = malloc(sizeof(struct record) + sizeof(uint64_t) + core->max_message);
    if (core->sync.record == NULL)
        return ENOMEM;
    pthread_mutex_init(&core->sync.lock, NULL);
    core->sync.guard_sigpipe = sink_set_needs_sigpipe_guard(&core->sinks);
    clock_converter_init(&core->writer.clock, clock_system());
    return 0;
}

int sync_begin(sluice_core *core, bool nested, struct record **record)
{
    /* A nested call must not wait: the lock may be held by the call it interrupted. */
    if (nested ? pthread_mutex_trylock(&core->sync.lock) != 0 : pthread_mutex_lock(&core->sync.lock) != 0)
        return SYNC_BUSY;
    if (!core->sync.closed) {
        *record = core->sync.record;
        return SYNC_READY;
    }
    pthread_mutex_unlock(&core->sync.lock);
    return SYNC_CLOSED;
}

void sync_end(sluice_core *core, const struct record *record)
{
    /* Its write, and a report of a failed one on stderr. */
    struct sigpipe_guard guard;
    sigpipe_guard_begin(&guard, core->sync.guard_sigpipe);
    clock_converter_refresh(&core->writer.clock);
    reports_write(core, false); /* a nested call's drop (sluice.h) */
    output_ensure_room(core, record_line_bound(record, NULL));
    output_render_record(core, record);
    output_write(core);
    sigpipe_guard_end(&guard);
    pthread_mutex_unlock(&core->sync.lock);
}

void sync_close(sluice_core *core)
{
    pthread_mutex_lock(&core->sync.lock);
    core->sync.closed = true;
    pthread_mutex_unlock(&core->sync.lock);
}
