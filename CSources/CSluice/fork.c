/*
 * fork.c — a forked child gets working cores of its own.
 *
 * fork() copies one thread: the child has no writer thread, holds copies of
 * locks other threads may have held, shares the parent's statistics file, and
 * has the parent's records in its rings, which the parent writes. The child's
 * fork handler (process_hooks.c calls fork_reset_core for every open core, then
 * fork_reset_thread) therefore, at once and in the child's only thread:
 * re-initializes the locks, empties the ring at its head, forgets the
 * writer's half-built batch, and puts the statistics in a private copy with
 * every count zero, so the parent's file and counters are never touched again.
 * The rest waits for the core's first use in the child (core_ready), so that
 * a child that only calls exec() costs no thread and leaves no file: a new
 * statistics file under the child's pid, and a new writer thread.
 *
 * Every count the child makes goes through its thread's shard, and no thread
 * of the child has one (fork_reset_thread forgets the forking thread's): the
 * first count attaches one (sluice_shard_attach, log.c), which calls core_ready,
 * so nothing is counted, and no record reserved, before the restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnostics.h"
#include "fork.h"
#include "lanes.h"
#include "renderers.h"
#include "ring_file.h"
#include "writer.h"

void fork_reset_core(sluice_core *core)
{
    /* A lock held by another thread at fork time stays held in the child forever. */
    pthread_mutex_init(&core->close_lock, NULL);
    pthread_mutex_init(&core->modules.lock, NULL);
    pthread_mutex_init(&core->lanes_lock, NULL);
    if (core->synchronous)
        pthread_mutex_init(&core->sync.lock, NULL);

    free(core->stats.path); /* the parent's file: never the child's to remove */
    core->stats.path = NULL;
    stats_fork_private(core->map);

    struct writer *w = &core->writer;
    w->pending_reports = 0;
    memset(w->reported_full_by_level, 0, sizeof w->reported_full_by_level);
    for (uint32_t i = 0; i < core->sinks.count; i++) {
        struct sink_slot *s = &core->sinks.slot[i];
        sink_syslog_after_fork(&s->sink);
        sink_file_after_fork(&s->sink);
        s->out.length = 0;
        s->line_count = 0;
        s->torn_line = false;
        s->failed_writes = 0;
    }

    /* The parent's ring file is the parent's: a child that cannot leave it gets sealed rings. */
    bool closing = core->closed;
    for (uint32_t i = 0; i < core->lanes->count; i++) {
        struct lane *lane = core->lanes->lane[i];
        bool own_ring = ring_fork_private(&lane->ring);
        closing |= ring_is_sealed(&lane->ring);
        uint64_t start = own_ring ? ring_restart(&lane->ring) : 0;
        lane->position = lane->released = lane->written_position = start;
        lane->floor_ticks = 0;
    }
    renderers_after_fork(core);
    core->bell.state = DOORBELL_RUNNING;
    core->space = (struct event){0};
    core->written = (struct event){0};
    core->writer_done = 0;
    core->closing = 0;
    if (closing) { /* the parent was closing it: so is the child */
        if (!core->closed)
            sink_set_close(&core->sinks);
        core->closed = true;
        core->sync.closed = true;
        return;
    }
    core->restart_pending = 1;
}

void fork_reset_thread(void)
{
    memset(sluice_shard_slots, 0, sizeof sluice_shard_slots);
}

void fork_restart_core(sluice_core *core)
{
    pthread_mutex_lock(&core->close_lock);
    if (core->restart_pending && !core->closed) {
        pthread_mutex_lock(&core->modules.lock); /* the module table is copied whole */
        core->stats.path = stats_publish(core->map);
        pthread_mutex_unlock(&core->modules.lock);
        if (core->recoverable)
            lanes_publish(core);
        int failure = core->synchronous ? 0 : writer_start(core);
        if (failure != 0) {
            /* Nothing can write this core's records in this process: refuse them, counted. */
            report_problem(
                    "sluice: cannot start the writer thread of '%s' after fork: %s; its records are dropped and "
                    "counted in this process",
                    core->sinks.slot[0].sink.name, strerror(failure));
            lanes_set_sealed(core, true);
            store_release(&core->writer_done, 1);
            sink_set_close(&core->sinks);
            core->closed = true;
        }
        store_release(&core->restart_pending, 0);
    }
    pthread_mutex_unlock(&core->close_lock);
}
