/*
 * sync.c — the synchronous rollback: no writer thread; each record is
 * rendered and written on the caller's thread before its log call returns,
 * in the order the callers take the lock. The ring is not used; the writer's
 * buffer, renderer, sink and counters are, under the lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core.h"

int sync_open(sluice_core *core)
{
    core->sync.record = malloc(sizeof(struct record) + sizeof(uint64_t) + core->ring.max_message);
    if (core->sync.record == NULL)
        return ENOMEM;
    pthread_mutex_init(&core->sync.lock, NULL);
    sync_watch_sigpipe(core);
    clock_converter_init(&core->writer.clock, clock_system());
    return 0;
}

void sync_watch_sigpipe(sluice_core *core)
{
    /* stderr too: a failed write is reported there. */
    bool pipe = core->sink.is_pipe || sink_fd_is_pipe(STDERR_FILENO);
    for (uint32_t i = 0; i < core->extra_count; i++)
        pipe = pipe || core->extra[i].sink.is_pipe;
    core->sync.guard_sigpipe = pipe;
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
    writer_write_record(core, record);
    sigpipe_guard_end(&guard);
    pthread_mutex_unlock(&core->sync.lock);
}

void sync_close(sluice_core *core)
{
    pthread_mutex_lock(&core->sync.lock);
    core->sync.closed = true;
    pthread_mutex_unlock(&core->sync.lock);
}
