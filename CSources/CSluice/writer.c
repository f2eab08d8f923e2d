/*
 * writer.c — the writer thread: drains committed records in order, renders
 * them into each sink slot's buffer, and hands each batch to its sink in one
 * write (output.c), reporting drops in the stream (reports.c).
 *
 * Caught up, it naps once so that a batch gathers (let_a_batch_gather). Idle,
 * it naps (a futex wait with a timeout that producers never have to break) for
 * a while, so the producers of a busy service never pay for a wake-up syscall;
 * after that it announces a sleep, and the next commit rings.
 */
#include <signal.h>
#include <string.h>

#include "abandon.h"
#include "asymmetric.h"
#include "lanes.h"
#include "output.h"
#include "record_line.h"
#include "renderers.h"
#include "reports.h"
#include "reservations.h"
#include "seams.h"
#include "writer.h"

enum {
    NAP_NS = 100000,           /* idle: look at the ring every 100 µs ... */
    NAPS_BEFORE_SLEEP = 100,   /* ... for 10 ms, then sleep until a commit rings */
    GATHER_MIN_RING = 1 << 20, /* caught up, nap once if the ring is this large (let_a_batch_gather) */
};

/* The writer's clock into every ring's header whenever it re-anchors, so that `sluice
 * recover` converts a dead process's ticks as its writer would have. */
static void publish_clock(sluice_core *core)
{
    const struct writer *w = &core->writer;
    const struct clock_converter *c = &w->clock;
    struct ring_clock now = {.anchor_ticks = c->anchor_ticks, .anchor_ns = c->anchor_ns,
                             .ns_per_tick = c->ns_per_tick, .ticks_are_realtime_ns = c->source->ticks_are_realtime_ns};
    for (uint32_t i = 0; i < w->lane_count; i++) {
        struct ring *ring = &w->lanes[i]->ring;
        const struct ring_header *header = ring->header;
        if (memcmp(&header->clocks[header->clock_index], &now, sizeof now) != 0) /* the writer's own stores */
            ring_store_clock(ring, &now);
    }
}

/* The time now, read before any load after it: every claim a later load finds missing
 * happens after it (lanes.h). */
static uint64_t ticks_before_loads(void)
{
    uint64_t ticks = clock_ticks();
#if defined(__x86_64__)
    __builtin_ia32_lfence(); /* rdtsc waits for nothing, and nothing waits for it but this */
#else
    fence();
#endif
    return ticks;
}

/* The next committed record of the lane before end, past padding and reservations given up;
 * NULL when it has none yet (drained to end, or a claim there not committed yet). */
static struct record *lane_next(struct lane *lane, uint64_t end)
{
    while (lane->position < end) {
        struct record *r;
        switch (ring_peek(&lane->ring, lane->position, &r)) {
        case PEEK_RECORD:
            return r;
        case PEEK_PADDING:
            lane->position += ring_padding(&lane->ring, lane->position);
            break;
        case PEEK_ABANDONED: /* its header was whole before it was given up */
            lane->position += r->size;
            break;
        case PEEK_NOTHING:
            return NULL;
        }
    }
    return NULL;
}

/* A lane with nothing before end: every claim still to come there is later than since. */
static void lane_drained(struct lane *lane, uint64_t end, uint64_t since)
{
    if (lane->position >= end && since > lane->floor_ticks)
        lane->floor_ticks = since;
}

/* Sinks handed over, and every lane read up to where the change was asked for: the records
 * before it go to the old sinks now, the rest to the new ones. */
static bool switch_due(sluice_core *core)
{
    const struct writer *w = &core->writer;
    if (__builtin_expect(load_acquire(&core->next_sinks) == NULL, 1))
        return false;
    for (uint32_t i = 0; i < w->lane_count; i++)
        if (w->lanes[i]->position < w->lanes[i]->sink_switch_at)
            return false;
    return true;
}

/* Renders the lane's record at its position and steps past it. */
static void take(sluice_core *core, struct lane *lane, const struct record *r)
{
    output_ensure_room(core, record_line_bound(r, NULL));
    output_render_record(core, r);
    lane->position += r->size;
    if (r->ticks > lane->floor_ticks)
        lane->floor_ticks = r->ticks;
    if (lane->position - lane->released >= lane->ring.capacity / 8) {
        reports_write(core, false);
        output_release(core);
    }
}

/*
 * One round of the merge: the records committed before each lane's head as it stood when the
 * round began, oldest first, as long as every lane it cannot read on (drained, or stopped at a
 * claim not yet committed) lets them by: a record goes only if it is older than each such
 * lane's floor_ticks (lanes.h), and than the round's start. While it takes from one lane, it compares with the others
 * only when that lane's next record is newer than their oldest. Returns how many it took.
 */
static uint64_t merge_round(sluice_core *core)
{
    struct writer *w = &core->writer;
    uint64_t began = ticks_before_loads();
    /* After began: a lane added since is missing here, and its records were claimed after
     * began, so no record newer than began goes this round (bound below). */
    uint32_t count = w->lane_count = lanes_snapshot(core, w->lanes);
    bool switching = load_acquire(&core->next_sinks) != NULL;
    uint64_t end[SLUICE_RINGS_MAX];
    struct record *next[SLUICE_RINGS_MAX];
    for (uint32_t i = 0; i < count; i++) {
        struct lane *lane = w->lanes[i];
        end[i] = ring_head(&lane->ring);
        if (switching && end[i] > lane->sink_switch_at) /* the rest waits for the new sinks */
            end[i] = lane->position > lane->sink_switch_at ? lane->position : lane->sink_switch_at;
        next[i] = lane_next(lane, end[i]);
        lane_drained(lane, end[i], began);
    }
    uint64_t taken = 0;
    for (;;) {
        uint32_t best = count;
        uint64_t oldest = UINT64_MAX, runner_up = UINT64_MAX, bound = began;
        for (uint32_t i = 0; i < count; i++) {
            if (next[i] == NULL) {
                if (w->lanes[i]->floor_ticks < bound)
                    bound = w->lanes[i]->floor_ticks;
            } else if (next[i]->ticks < oldest) {
                runner_up = oldest;
                oldest = next[i]->ticks;
                best = i;
            } else if (next[i]->ticks < runner_up) {
                runner_up = next[i]->ticks;
            }
        }
        if (best == count || oldest >= bound) {
            w->held_back = best != count;
            return taken;
        }
        struct lane *lane = w->lanes[best];
        do {
            take(core, lane, next[best]);
            taken++;
            next[best] = lane_next(lane, end[best]);
        } while (next[best] != NULL && next[best]->ticks <= runner_up && next[best]->ticks < bound);
        lane_drained(lane, end[best], began);
    }
}

/* Renders every record the lanes let the merge take; returns how many. */
static uint64_t drain(sluice_core *core)
{
    struct writer *w = &core->writer;
    clock_converter_refresh(&w->clock);
    publish_clock(core);

    /* Drops are reported just before the writer frees room: the records it
     * rendered so far were in the ring when the ring was full, and records
     * reserved after the drops mostly need that room. */
    uint64_t records = 0;
    for (;;) {
        if (switch_due(core)) {
            output_release(core);
            output_write(core); /* the records before a sink change go to the old sink, the rest to the new */
        }
        uint64_t taken = merge_round(core);
        if (taken == 0)
            break;
        records += taken;
    }
    reports_write(core, false);
    output_release(core);
    return records;
}

/*
 * The writer has caught up with the producers. Following them record by record, it
 * would read the lines they are writing their next records into, each call would wait
 * to take its line back (calls took up to twice as long), and every record would cost
 * a write. It writes what it has and naps once instead, so that a batch gathers: only
 * in a ring that a fast producer (1 GB of records a second) fills a tenth of meanwhile.
 * A flush or a close ends the nap.
 */
static void let_a_batch_gather(sluice_core *core)
{
    if (core->ring_bytes < GATHER_MIN_RING || load_acquire(&core->closing))
        return;
    output_write(core);
    doorbell_nap(&core->bell, NAP_NS);
}

static bool has_work(sluice_core *core)
{
    struct writer *w = &core->writer;
    w->lane_count = lanes_snapshot(core, w->lanes); /* a lane added since: its producers ring too */
    for (uint32_t i = 0; i < w->lane_count; i++) {
        struct record *r;
        if (ring_peek(&w->lanes[i]->ring, w->lanes[i]->position, &r) != PEEK_NOTHING)
            return true;
    }
    return load_relaxed(&core->closing) != 0 || load_relaxed(&core->next_sinks) != NULL ||
           (reports_owed(core) && reports_due(core));
}

/* Lanes for CPUs that came online since the last look (at most once a second, idle). */
static void grow_with_cpus(sluice_core *core, int64_t *last_look)
{
    int64_t now = clock_monotonic_ns();
    if (!core->grow_with_cpus || now - *last_look < 1000000000)
        return;
    *last_look = now;
    uint32_t wanted = lanes_wanted(0);
    if (wanted > core->writer.lane_count)
        (void)lanes_grow(core, wanted);
}

/* Closing and still short of some sealed head after the patience: gives up every lane that
 * stops at a claim never committed (the others go on once nothing holds them back); returns
 * the records it counted as dropped. */
static uint64_t give_up_stragglers(sluice_core *core)
{
    struct writer *w = &core->writer;
    uint64_t given_up = 0;
    for (uint32_t i = 0; i < w->lane_count; i++) {
        struct lane *lane = w->lanes[i];
        uint64_t end = ring_head(&lane->ring);
        if (lane->position < end && lane_next(lane, end) == NULL)
            given_up += abandon_rest(core, lane, end);
    }
    return given_up;
}

/* Every lane written up to its sealed head. */
static bool drained_to_seal(const sluice_core *core)
{
    const struct writer *w = &core->writer;
    for (uint32_t i = 0; i < w->lane_count; i++)
        if (w->lanes[i]->position != ring_head(&w->lanes[i]->ring))
            return false;
    return true;
}

static void wait_for_work(sluice_core *core, int64_t *last_cpu_look)
{
    grow_with_cpus(core, last_cpu_look);
    for (int i = 0; i < NAPS_BEFORE_SLEEP; i++) {
        if (has_work(core) || doorbell_nap(&core->bell, NAP_NS))
            return;
    }
    if (reports_owed(core))
        return; /* a report not yet due: keep napping, never sleep on it */
    /* Announce, fence, re-check: a producer that committed before the
     * announcement is seen here; one after it rings. The announcement's cas is a
     * full fence here; the heavy fence is the one a light commit pairs with. */
    if (doorbell_announce(&core->bell)) {
        heavy_fence();
        if (!has_work(core))
            doorbell_sleep(&core->bell);
    }
    doorbell_reset(&core->bell);
}

static void *writer_main(void *arg)
{
    sluice_core *core = arg;
    struct writer *w = &core->writer;
    reservations_on_writer_thread(); /* a formatter that logs drops when the ring is full, never waits */
    clock_converter_init(&w->clock, clock_system());
    w->lane_count = lanes_snapshot(core, w->lanes);
    publish_clock(core);
    int64_t stalled_since = 0, last_cpu_look = clock_monotonic_ns();
    for (;;) {
        if (__builtin_expect(seam_writers_paused(), 0)) { /* a test keeps records in the ring */
            doorbell_nap(&core->bell, NAP_NS);
            continue;
        }
        if (drain(core) > 0) {
            stalled_since = 0;
            let_a_batch_gather(core);
            continue;
        }
        output_write(core);
        if (!load_acquire(&core->closing)) {
            if (w->held_back) /* a claim not yet committed holds the rest: its producer needs a core */
                doorbell_nap(&core->bell, NAP_NS);
            else
                wait_for_work(core, &last_cpu_look);
            continue;
        }
        /* Closing: every reservation made before the seal gets written. */
        if (drained_to_seal(core)) {
            /* The last drain may have run before the close began, when a report
             * was not yet due: everything owed goes out now. */
            reports_write(core, true);
            output_write(core);
            break;
        }
        int64_t now = clock_monotonic_ns();
        if (stalled_since == 0) {
            stalled_since = now;
        } else if (now - stalled_since > STRAGGLER_PATIENCE_NS) {
            uint64_t given_up = give_up_stragglers(core);
            if (given_up > 0) {
                w->pending_reports += given_up; /* reported as the next gap in the stream */
                reports_write(core, true);
                output_write(core);
            }
            stalled_since = 0; /* what the stragglers held back goes on */
            continue;
        }
        doorbell_nap(&core->bell, NAP_NS);
    }
    for (uint32_t i = 0; i < w->lane_count; i++) /* every record is written or counted: none is recover's */
        ring_release(&w->lanes[i]->ring, w->lanes[i]->position);
    renderers_stop(core);
    store_release(&core->writer_done, 1);
    event_signal(&core->written);
    return NULL;
}

/* Starts the writer with every signal blocked: signals belong to the
 * application's threads, and a closed pipe must give EPIPE, not SIGPIPE. */
int writer_start(sluice_core *core)
{
    int error = renderers_start(core);
    if (error != 0)
        return error;
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    error = pthread_create(&core->thread, NULL, writer_main, core);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (error != 0)
        renderers_stop(core);
    return error;
}

