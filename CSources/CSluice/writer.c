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
#include "output.h"
#include "reports.h"
#include "reservations.h"
#include "seams.h"
#include "writer.h"

enum {
    NAP_NS = 100000,           /* idle: look at the ring every 100 µs ... */
    NAPS_BEFORE_SLEEP = 100,   /* ... for 10 ms, then sleep until a commit rings */
    GATHER_MIN_RING = 1 << 20, /* caught up, nap once if the ring is this large (let_a_batch_gather) */
};

/* The writer's clock into the ring's header whenever it re-anchors, so that `sluice
 * recover` converts a dead process's ticks as its writer would have. */
static void publish_clock(sluice_core *core)
{
    const struct clock_converter *c = &core->writer.clock;
    struct ring_header *header = core->ring.header;
    const struct ring_clock *last = &header->clocks[header->clock_index]; /* the writer's own stores */
    struct ring_clock now = {.anchor_ticks = c->anchor_ticks, .anchor_ns = c->anchor_ns,
                             .ns_per_tick = c->ns_per_tick, .ticks_are_realtime_ns = c->source->ticks_are_realtime_ns};
    if (memcmp(last, &now, sizeof now) != 0)
        ring_store_clock(&core->ring, &now);
}

/* Renders every committed record from the writer's position on; returns how many. */
static uint64_t drain(sluice_core *core)
{
    struct writer *w = &core->writer;
    struct ring *ring = &core->ring;
    clock_converter_refresh(&w->clock);
    publish_clock(core);

    /* Drops are reported just before the writer frees room: the records it
     * rendered so far were in the ring when the ring was full, and records
     * reserved after the drops mostly need that room. */
    uint64_t records = 0;
    for (;;) {
        struct record *r;
        enum peek found = ring_peek(ring, w->position, &r);
        if (found == PEEK_NOTHING)
            break;
        if (found == PEEK_PADDING) {
            w->position += ring_padding(ring, w->position);
            continue;
        }
        if (found == PEEK_ABANDONED) { /* its header was whole before it was given up */
            w->position += r->size;
            continue;
        }
        if (__builtin_expect(load_acquire(&core->next_sinks) != NULL, 0) && w->position >= core->sink_switch_at &&
            core->written_position < core->sink_switch_at) {
            output_release(core);
            output_write(core); /* the records before a sink change go to the old sink, the rest to the new */
        }
        output_ensure_room(core, render_line_bound(r->length, SLUICE_MODULE_NAME_MAX));
        output_render_record(core, r);
        w->position += r->size;
        records++;
        if (w->position - w->released >= ring->capacity / 8) {
            reports_write(core, false);
            output_release(core);
        }
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
    if (core->ring.capacity < GATHER_MIN_RING || load_acquire(&core->closing))
        return;
    output_write(core);
    doorbell_nap(&core->bell, NAP_NS);
}

static bool has_work(sluice_core *core)
{
    struct record *r;
    return ring_peek(&core->ring, core->writer.position, &r) != PEEK_NOTHING ||
           load_relaxed(&core->closing) != 0 || load_relaxed(&core->next_sinks) != NULL ||
           (reports_owed(core) && reports_due(core));
}

static void wait_for_work(sluice_core *core)
{
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
    publish_clock(core);
    int64_t stalled_since = 0;
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
            wait_for_work(core);
            continue;
        }
        /* Closing: every reservation made before the seal gets written. */
        uint64_t end = ring_head(&core->ring);
        if (w->position == end) {
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
            uint64_t given_up = abandon_rest(core, end);
            if (given_up > 0) {
                w->pending_reports += given_up; /* reported as the next gap in the stream */
                reports_write(core, true);
                output_write(core);
            }
            break;
        }
        doorbell_nap(&core->bell, NAP_NS);
    }
    ring_release(&core->ring, w->position); /* every record is written or counted: none is recover's */
    store_release(&core->writer_done, 1);
    event_signal(&core->written);
    return NULL;
}

/* Starts the writer with every signal blocked: signals belong to the
 * application's threads, and a closed pipe must give EPIPE, not SIGPIPE. */
int writer_start(sluice_core *core)
{
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int error = pthread_create(&core->thread, NULL, writer_main, core);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return error;
}

