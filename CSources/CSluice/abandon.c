/* abandon.c — the close protocol's steps; abandon.h has the table of who stores and waits on what. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "abandon.h"
#include "asymmetric.h"
#include "diagnostics.h"
#include "lanes.h"

void abandon_count(sluice_core *core, const struct record *record)
{
    add_relaxed(&core->map->totals.dropped_abandoned, 1);
    add_relaxed(&core->map->totals.dropped_by_level[record->level], 1);
    add_relaxed(&core->map->modules[record->module].dropped, 1);
}

void abandon_begin_accounting(sluice_core *core)
{
    store_relaxed(&core->accounting, 1);
    fence();
    if (load_relaxed(&core->left_behind)) {
        store_release(&core->accounting, 0);
        pthread_exit(NULL);
    }
}

void abandon_end_accounting(sluice_core *core)
{
    store_release(&core->accounting, 0);
}

/* A light commit may land on a mark after it is made, and overwrite it: the list
 * tells that commit what the mark said. */
static void remember_abandoned(sluice_core *core, struct lane *lane, uint64_t position)
{
    struct abandoned_position *p = malloc(sizeof *p);
    if (p == NULL) {
        report_problem("sluice: out of memory to remember the reservation at %llu of '%s' as abandoned: "
                "if it is committed late, its drop goes uncounted", (unsigned long long)position,
                core->sinks.slot[0].sink.name);
        return;
    }
    p->position = position;
    p->next = lane->abandoned.positions;
    store_release(&lane->abandoned.positions, p);
}

uint64_t abandon_rest(sluice_core *core, struct lane *lane, uint64_t end)
{
    struct ring *ring = &lane->ring;
    uint64_t position = lane->position, records = 0, stragglers = 0;
    /* A light commit from here on looks for its position in the list (after the walk);
     * one before the heavy fence is seen committed by the walk. */
    store_relaxed(&lane->abandoned.walking, 1);
    store_release(&lane->abandoned.below, end);
    heavy_fence();
    while (position < end) {
        struct record *r = ring_record(ring, position);
        uint64_t commit = load_acquire(&r->commit);
        if (commit == (position ^ ring->commit_key)) {
            add_relaxed(&core->map->modules[r->module].dropped, 1);
            add_relaxed(&core->map->totals.dropped_by_level[r->level], 1);
            records++;
            position += r->size;
        } else if (commit == (position ^ ring->commit_key ^ COMMIT_PADDING)) {
            position += ring_padding(ring, position);
        } else if (cas(&r->commit, commit, position ^ ring->commit_key ^ COMMIT_ABANDONED) == commit) {
            stragglers++;
            if (asymmetric_fences)
                remember_abandoned(core, lane, position);
            /* Its producer wrote the header before it let the reservation out;
             * a size that does not fit means it stopped before that: search. */
            uint32_t size = r->size;
            bool sane = size >= sizeof(struct record) && size % 8 == 0 && size <= end - position;
            position = sane ? position + size : ring_next_published(ring, position + 8, end);
        } /* else: committed just now; look again */
    }
    store_release(&lane->abandoned.walking, 0);
    add_relaxed(&core->map->totals.dropped_abandoned, records);
    report_problem(
            "sluice: closing '%s' without %llu records: they were committed behind %llu reservations never "
            "committed within %d s; all are counted as dropped (a late commit counts its own)",
            core->sinks.slot[0].sink.name, (unsigned long long)records, (unsigned long long)stragglers,
            (int)(STRAGGLER_PATIENCE_NS / 1000000000));
    lane->position = end;
    return records;
}

bool abandon_given_up(struct lane *lane, uint64_t position)
{
    while (load_acquire(&lane->abandoned.walking))
        sched_yield(); /* the writer is marking reservations: microseconds */
    for (struct abandoned_position *p = load_acquire(&lane->abandoned.positions); p != NULL; p = p->next)
        if (p->position == position)
            return true;
    return false;
}

bool abandon_wait_for_writer(sluice_core *core, int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int32_t seen = event_prepare(&core->written);
        bool done = load_acquire(&core->writer_done) != 0;
        int64_t left = timeout_ms < 0 ? -1 : deadline - clock_monotonic_ns();
        if (!done && (timeout_ms < 0 || left > 0))
            event_wait(&core->written, seen, left);
        event_finish(&core->written);
        if (done || (timeout_ms >= 0 && left <= 0))
            return done;
    }
}

void abandon_writer(sluice_core *core)
{
    store_relaxed(&core->left_behind, 1);
    fence();
    while (load_acquire(&core->accounting) != 0) /* a write's outcome being counted: no I/O */
        cpu_relax();
    pthread_detach(core->thread);
    sluice_counters c;
    sluice_stats_counters(&core->stats, &c);
    uint64_t left = c.accepted > c.written + c.dropped ? c.accepted - c.written - c.dropped : 0;
    add_relaxed(&core->map->totals.dropped_abandoned, left);
    lanes_forget_file(core); /* counted as dropped: none of it is recover's, even after a kill */
    report_problem(
            "sluice: closing '%s' after %d ms without its writer, stuck in a write: %llu records not written are "
            "counted as dropped",
            core->sinks.slot[0].sink.name, load_relaxed(&core->close_timeout_ms), (unsigned long long)left);
}
