/*
 * writer.c — the writer thread: drains committed records in order, renders
 * them into one large buffer, and hands each batch to the sink in one write.
 *
 * Caught up, it naps once so that a batch gathers (let_a_batch_gather). Idle,
 * it naps (a futex wait with a timeout that producers never have to break) for
 * a while, so the producers of a busy service never pay for a wake-up syscall;
 * after that it announces a sleep, and the next commit rings.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asymmetric.h"
#include "core.h"
#include "diagnostics.h"

#define REPORT_INTERVAL_NS 100000000 /* the most often a drop report is written */
enum {
    BATCH_BYTES = 256 << 10,   /* write once the buffer holds this much */
    NAP_NS = 100000,           /* idle: look at the ring every 100 µs ... */
    NAPS_BEFORE_SLEEP = 100,   /* ... for 10 ms, then sleep until a commit rings */
    GATHER_MIN_RING = 1 << 20, /* caught up, nap once if the ring is this large (let_a_batch_gather) */
};
#define STRAGGLER_PATIENCE_NS 2000000000 /* at close: how long to wait for an uncommitted record */

size_t writer_buffer_bytes(uint32_t max_message)
{
    return BATCH_BYTES + render_line_bound(max_message, SLUICE_MODULE_NAME_MAX);
}

/* Lets producers reuse everything before the writer's position; in a recoverable ring,
 * everything the sink has taken (written_position), so that a record a kill -9 catches
 * in the buffer is still in the ring's file for `sluice recover`. */
static void release(sluice_core *core)
{
    struct writer *w = &core->writer;
    uint64_t through = core->recoverable ? core->written_position : w->position;
    if (through == w->released)
        return;
    /* The ring's depth just before and just after: every byte reserved since
     * the last release is still held, so a full ring shows here as full. */
    struct stats_totals *totals = &core->map->totals;
    uint64_t head = ring_head(&core->ring);
    if (head - w->released > load_relaxed(&totals->high_water))
        store_relaxed(&totals->high_water, head - w->released);
    ring_release(&core->ring, through); /* after every read of those records */
    w->released = through;
    store_relaxed(&totals->depth_bytes, head - through);
    if (load_relaxed(&core->warning_waits_off))
        store_relaxed(&core->warning_waits_off, 0); /* room again: a warning may wait for more */
    /* Producers blocked on a full ring: one of them can fill what a release frees,
     * and every other one woken would only compete with the writer for the cores
     * until it blocks again. An empty ring has room for them all. */
    if (head == through)
        event_signal(&core->space);
    else
        event_signal_one(&core->space);
}

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

/* Test-only (sluice_facade.h): while set, writers write nothing. */
static int32_t writers_paused;

void sluice_test_pause_writers(int paused)
{
    store_relaxed(&writers_paused, paused != 0);
}

static void write_out(sluice_core *core);

static bool lacks_room(const struct out_buffer *out, size_t bound)
{
    return out->length >= BATCH_BYTES || out->capacity - out->length < bound;
}

/* Writes the buffers out first if one holds a batch already or lacks bound bytes. */
static void ensure_room(sluice_core *core, size_t bound)
{
    bool full = lacks_room(&core->writer.out, bound);
    for (uint32_t i = 0; i < core->extra_count && !full; i++)
        full = lacks_room(&core->extra[i].out, bound);
    if (full) {
        release(core);
        write_out(core);
    }
}

/* Renders line into every sink that takes its level (the first takes all), each in its
 * format, with the module's label for it (labels NULL: the line's own name). */
static void render_to_sinks(sluice_core *core, struct line_source *line, const struct module_labels *labels,
                            uint16_t module, uint64_t reports)
{
    struct writer *w = &core->writer;
    for (uint32_t i = 0; i <= core->extra_count; i++) {
        struct extra_sink *x = i == 0 ? NULL : &core->extra[i - 1];
        if (x != NULL && line->level < x->level)
            continue;
        const struct sink *sink = x == NULL ? &core->sink : &x->sink;
        struct out_buffer *out = x == NULL ? &w->out : &x->out;
        if (labels != NULL) {
            line->label = labels->of[sink->style.format].text;
            line->label_length = labels->of[sink->style.format].length;
        }
        render_line(out, &w->timestamps, &sink->style, line);
        struct line entry = {.end = (uint32_t)out->length, .module = module, .level = (uint8_t)line->level,
                             .reports = reports, .utc_ns = line->utc_ns};
        if (x == NULL)
            w->lines[w->line_count++] = entry;
        else
            x->lines[x->line_count++] = entry;
    }
}

/* Adds to a writer-owned word of the mapping (only the writer writes it). */
static void bump(uint64_t *word, uint64_t by)
{
    store_relaxed(word, load_relaxed(word) + by);
}

/* Drops for want of room not yet reported, level by level, into unreported; returns their
 * sum. Read from the by-level counts alone: a producer counts its level just before the total,
 * so a report made from the total and the levels, read a moment apart, could count a drop
 * whose level it does not name. */
static uint64_t unreported_full(const sluice_core *core, uint64_t unreported[SLUICE_LEVELS])
{
    uint64_t sum = 0;
    for (int level = 0; level < SLUICE_LEVELS; level++) {
        unreported[level] =
            load_relaxed(&core->map->totals.dropped_full_by_level[level]) - core->writer.reported_full_by_level[level];
        sum += unreported[level];
    }
    return sum;
}

static bool reports_owed(sluice_core *core)
{
    uint64_t unreported[SLUICE_LEVELS];
    return unreported_full(core, unreported) != 0 || core->writer.pending_reports != 0;
}

/* Drops are reported at most once per REPORT_INTERVAL_NS and once per batch,
 * so that an overloaded ring cannot turn the stream into reports; at once when
 * a flush waits or the core closes. Each report adds up every drop before it. */
static bool report_due(sluice_core *core)
{
    struct writer *w = &core->writer;
    if (load_relaxed(&core->map->totals.flushes) != w->flushes_seen || load_relaxed(&core->closing))
        return true;
    return !w->batch_reported && clock_monotonic_ns() - w->last_report_ns >= REPORT_INTERVAL_NS;
}

/* "; shed for room: debug 90, info 10": the unreported drops for want of room, by level;
 * marks them reported. */
static int put_shed_levels(struct writer *w, const uint64_t unreported[SLUICE_LEVELS], char *text, size_t size)
{
    static const char *const names[] = {"trace", "debug", "info", "notice", "warning", "error", "critical"};
    int length = 0;
    for (int level = 0; level < SLUICE_LEVELS; level++) {
        if (unreported[level] == 0)
            continue;
        length += snprintf(text + length, size - (size_t)length, "%s %s %llu", length == 0 ? "; shed for room:" : ",",
                           names[level], (unsigned long long)unreported[level]);
        w->reported_full_by_level[level] += unreported[level];
    }
    return length;
}

/* One "dropped N records" line for drops not yet reported, if any and due
 * (always when forced), naming the levels a full ring shed. */
static void report_drops(sluice_core *core, bool force)
{
    struct writer *w = &core->writer;
    if (!reports_owed(core) || !(force || report_due(core)))
        return;
    char text[256];
    const struct stats_module *own = &core->map->modules[0];
    ensure_room(core, render_line_bound(sizeof text, own->length)); /* may itself owe more */
    uint64_t unreported[SLUICE_LEVELS];
    uint64_t count = unreported_full(core, unreported) + w->pending_reports;
    int length = snprintf(text, sizeof text, "dropped %llu records", (unsigned long long)count);
    length += put_shed_levels(w, unreported, text + length, sizeof text - (size_t)length);
    struct line_source report = {
        .utc_ns = clock_to_ns(&w->clock, clock_ticks()), .level = SLUICE_WARNING, .module = own->name,
        .module_length = own->length, .message = text, .length = (size_t)length, .dropped = count};
    render_to_sinks(core, &report, &core->modules.labels[0], 0, count);
    w->pending_reports = 0;
    w->batch_reported = true;
    w->last_report_ns = clock_monotonic_ns();
    w->flushes_seen = load_relaxed(&core->map->totals.flushes);
}

/* The first failed write of a sink since it last worked, on stderr. */
static void report_failure(const struct sink *sink, uint64_t *failed_writes, int error)
{
    if ((*failed_writes)++ == 0)
        report_problem(
                "sluice: cannot write to '%s': %s; records are dropped and counted until it works again",
                sink->name, strerror(error));
}

/* A write that worked after failed ones, on stderr. */
static void report_recovery(const struct sink *sink, uint64_t *failed_writes)
{
    if (*failed_writes > 0)
        report_problem("sluice: writing to '%s' works again after %llu failed writes", sink->name,
                (unsigned long long)*failed_writes);
    *failed_writes = 0;
}

/* A write stopped after done bytes: the records past it are dropped, and the
 * drop reports past it are owed again, to be written once the sink works. */
static void account_failed_write(sluice_core *core, size_t done, int error)
{
    struct writer *w = &core->writer;
    uint64_t lost = 0;
    for (uint32_t i = w->line_count; i > 0 && w->lines[i - 1].end > done; i--) {
        const struct line *line = &w->lines[i - 1];
        if (line->reports == 0) {
            lost++;
            add_relaxed(&core->map->modules[line->module].dropped, 1);
            add_relaxed(&core->map->totals.dropped_by_level[line->level], 1);
        } else {
            w->pending_reports += line->reports;
        }
    }
    w->pending_reports += lost;
    bump(&core->map->totals.write_errors, 1);
    bump(&core->map->totals.dropped_by_sink, lost);
    bump(&core->map->sinks[0].write_errors, 1);
    bump(&core->map->sinks[0].dropped, lost);
    if (done > 0)
        w->torn_line = w->out.data[done - 1] != '\n';
    report_failure(&core->sink, &w->failed_writes, error);
}

/* Counts the records of the lines before done as written, per module too, and
 * their end-to-end latency; the batch size and the write's duration. */
static void account_written(sluice_core *core, size_t done, uint64_t write_ns)
{
    struct writer *w = &core->writer;
    struct stats_map *map = core->map;
    int64_t now = clock_to_ns(&w->clock, clock_ticks());
    uint64_t records = 0;
    for (uint32_t i = 0; i < w->line_count && w->lines[i].end <= done; i++) {
        const struct line *line = &w->lines[i];
        if (line->reports != 0)
            continue;
        records++;
        bump(&map->modules[line->module].written, 1);
        histogram_record(&map->histograms[SLUICE_HISTOGRAM_END_TO_END],
                         now > line->utc_ns ? (uint64_t)(now - line->utc_ns) : 0, false);
    }
    bump(&map->totals.written, records);
    bump(&map->totals.bytes_written, done);
    bump(&map->sinks[0].written, records);
    bump(&map->sinks[0].bytes, done);
    if (records > 0)
        histogram_record(&map->histograms[SLUICE_HISTOGRAM_BATCH_RECORDS], records, false);
    histogram_record(&map->histograms[SLUICE_HISTOGRAM_WRITE], write_ns, false);
}

/* Before a write's outcome is counted: a writer a close left behind exits here instead,
 * having counted nothing of it (core.h, left_behind). */
static void begin_accounting(sluice_core *core)
{
    store_relaxed(&core->accounting, 1);
    fence();
    if (load_relaxed(&core->left_behind)) {
        store_release(&core->accounting, 0);
        pthread_exit(NULL);
    }
}

static void end_accounting(sluice_core *core)
{
    store_release(&core->accounting, 0);
}

/* Hands the buffer to the sink and publishes what is now written. */
/* A reopen asked for since the last write: the file by name again, before this batch. */
static void reopen_if_asked(sluice_core *core)
{
    struct writer *w = &core->writer;
    uint64_t asked = load_relaxed(&core->map->reopen_requests) + load_relaxed(&sluice_sighup_reopens);
    if (asked == w->reopens_seen)
        return;
    w->reopens_seen = asked;
    bump(&core->map->totals.reopens, 1);
    (void)sink_reopen(&core->sink);
    for (uint32_t i = 0; i < core->extra_count; i++)
        (void)sink_reopen(&core->extra[i].sink);
}

/* The sink's rotations and failed rotations since the last look, into the counters. */
static void count_rotations(sluice_core *core)
{
    struct writer *w = &core->writer;
    bump(&core->map->totals.rotations, core->sink.rotations - w->rotations_seen);
    bump(&core->map->totals.rotation_failures, core->sink.rotation_failures - w->rotation_failures_seen);
    w->rotations_seen = core->sink.rotations;
    w->rotation_failures_seen = core->sink.rotation_failures;
}

/* A sink beside the first: its buffer in one write, its records counted as its own. A
 * failure costs this sink its records and nothing else; drop reports lost with them
 * are not owed again (the first sink's stream keeps the reckoning). */
static void write_extra(sluice_core *core, struct extra_sink *x, struct stats_sink *counts)
{
    if (x->out.length == 0)
        return;
    if (x->torn_line && sink_write(&x->sink, "\n", 1) == 1)
        x->torn_line = false;
    size_t done = x->torn_line ? 0 : sink_write(&x->sink, x->out.data, x->out.length);
    int error = errno;
    begin_accounting(core);
    uint64_t written = 0, lost = 0;
    for (uint32_t i = 0; i < x->line_count; i++)
        if (x->lines[i].reports == 0)
            *(x->lines[i].end <= done ? &written : &lost) += 1;
    bump(&counts->written, written);
    bump(&counts->bytes, done);
    if (done < x->out.length) {
        bump(&counts->write_errors, 1);
        bump(&counts->dropped, lost);
        if (done > 0)
            x->torn_line = x->out.data[done - 1] != '\n';
        report_failure(&x->sink, &x->failed_writes, error);
    } else {
        report_recovery(&x->sink, &x->failed_writes);
    }
    end_accounting(core);
    x->out.length = 0;
    x->line_count = 0;
}

static void write_out(sluice_core *core)
{
    struct writer *w = &core->writer;
    struct out_buffer *out = &w->out;
    reopen_if_asked(core);
    if (out->length > 0) {
        /* After a write that stopped mid-line, start the next one on a line of its own. */
        if (w->torn_line && sink_write(&core->sink, "\n", 1) == 1)
            w->torn_line = false;
        if (core->recoverable) /* what recover finds in [tail, writing_end) may be in the log already */
            store_release(&core->ring.header->writing_end, w->position);
        int64_t started = clock_monotonic_ns();
        size_t done = w->torn_line ? 0 : sink_write(&core->sink, out->data, out->length);
        int error = errno;
        uint64_t write_ns = (uint64_t)(clock_monotonic_ns() - started);
        begin_accounting(core);
        errno = error;
        if (done < out->length) {
            account_failed_write(core, done, errno);
        } else {
            report_recovery(&core->sink, &w->failed_writes);
            bump(&core->map->totals.batches, 1);
        }
        account_written(core, done, write_ns);
        count_rotations(core);
        end_accounting(core);
        out->length = 0;
        w->line_count = 0;
        w->batch_reported = false;
    }
    for (uint32_t i = 0; i < core->extra_count; i++)
        write_extra(core, &core->extra[i], &core->map->sinks[1 + i]);
    if (load_relaxed(&core->written_position) != w->position) {
        store_release(&core->written_position, w->position);
        event_signal(&core->written);
    }
    if (core->recoverable)
        release(core); /* what the sinks took leaves the ring's file only now */
    writer_adopt_sink(core); /* between batches: a sink change takes effect here */
}

bool writer_line_of_record(struct line_source *line, const struct record *r, const char *module,
                           size_t module_length)
{
    const char *message = (const char *)(r + 1);
    *line = (struct line_source){
        .utc_ns = line->utc_ns, .level = r->level, .thread = r->thread, .module = module,
        .module_length = module_length, .length = r->length, .segments = (r->flags & RECORD_SEGMENTS) != 0,
        .recalled = (r->flags & RECORD_RECALLED) != 0};
    if (r->flags & RECORD_TRUNCATED) {
        memcpy(&line->truncated_from, message, sizeof line->truncated_from);
        message += sizeof line->truncated_from;
    }
    bool labelled = (r->flags & RECORD_LABELLED) != 0;
    if (labelled) { /* its own name, escaped where it is written */
        uint8_t label_length = (uint8_t)message[0];
        line->module = message + 1;
        line->module_length = label_length;
        message += 1 + label_length;
        line->length -= 1 + label_length;
        line->truncated_from -= line->truncated_from != 0 ? 1 + label_length : 0;
    }
    line->message = message;
    return labelled;
}

static void render_record(sluice_core *core, const struct record *r)
{
    const struct stats_module *registered = &core->map->modules[r->module];
    struct line_source line = {.utc_ns = clock_to_ns(&core->writer.clock, r->ticks)};
    bool labelled = writer_line_of_record(&line, r, registered->name, registered->length);
    render_to_sinks(core, &line, labelled ? NULL : &core->modules.labels[r->module], r->module, 0);
}

void writer_write_record(sluice_core *core, const struct record *record)
{
    clock_converter_refresh(&core->writer.clock);
    report_drops(core, false); /* a nested call's drop (sluice.h) */
    ensure_room(core, render_line_bound(record->length, SLUICE_MODULE_NAME_MAX));
    render_record(core, record);
    write_out(core);
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
        if (__builtin_expect(load_acquire(&core->next_sink) != NULL, 0) && w->position >= core->sink_switch_at &&
            core->written_position < core->sink_switch_at) {
            release(core);
            write_out(core); /* the records before a sink change go to the old sink, the rest to the new */
        }
        ensure_room(core, render_line_bound(r->length, SLUICE_MODULE_NAME_MAX));
        render_record(core, r);
        w->position += r->size;
        records++;
        if (w->position - w->released >= ring->capacity / 8) {
            report_drops(core, false);
            release(core);
        }
    }
    report_drops(core, false);
    release(core);
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
    write_out(core);
    doorbell_nap(&core->bell, NAP_NS);
}

static bool has_work(sluice_core *core)
{
    struct record *r;
    return ring_peek(&core->ring, core->writer.position, &r) != PEEK_NOTHING ||
           load_relaxed(&core->closing) != 0 || load_relaxed(&core->next_sink) != NULL ||
           (reports_owed(core) && report_due(core));
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

/* A light commit may land on a mark after it is made, and overwrite it: the list
 * tells that commit what the mark said. */
static void remember_abandoned(sluice_core *core, uint64_t position)
{
    struct abandoned_position *p = malloc(sizeof *p);
    if (p == NULL) {
        report_problem("sluice: out of memory to remember the reservation at %llu of '%s' as abandoned: "
                "if it is committed late, its drop goes uncounted", (unsigned long long)position, core->sink.name);
        return;
    }
    p->position = position;
    p->next = core->abandoned.positions;
    store_release(&core->abandoned.positions, p);
}

/* Close gave up waiting for a reservation that was never committed. Each such
 * reservation is marked abandoned, so that its late commit counts its own
 * drop; every record committed behind one is counted as dropped (abandoned)
 * and reported in the stream and on stderr: written + dropped = accepted holds. */
static void abandon_rest(sluice_core *core, uint64_t end)
{
    struct writer *w = &core->writer;
    struct ring *ring = &core->ring;
    uint64_t position = w->position, records = 0, stragglers = 0;
    /* A light commit from here on looks for its position in the list (after the walk);
     * one before the heavy fence is seen committed by the walk. */
    store_relaxed(&core->abandoned.walking, 1);
    store_release(&core->abandoned.below, end);
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
                remember_abandoned(core, position);
            /* Its producer wrote the header before it let the reservation out;
             * a size that does not fit means it stopped before that: search. */
            uint32_t size = r->size;
            bool sane = size >= sizeof(struct record) && size % 8 == 0 && size <= end - position;
            position = sane ? position + size : ring_next_published(ring, position + 8, end);
        } /* else: committed just now; look again */
    }
    store_release(&core->abandoned.walking, 0);
    add_relaxed(&core->map->totals.dropped_abandoned, records);
    report_problem(
            "sluice: closing '%s' without %llu records: they were committed behind %llu reservations never "
            "committed within %d s; all are counted as dropped (a late commit counts its own)",
            core->sink.name, (unsigned long long)records, (unsigned long long)stragglers,
            (int)(STRAGGLER_PATIENCE_NS / 1000000000));
    w->position = end;
    if (records > 0) {
        w->pending_reports += records; /* reported as the next gap in the stream */
        report_drops(core, true);
        write_out(core);
    }
}

void *writer_main(void *arg)
{
    sluice_core *core = arg;
    struct writer *w = &core->writer;
    log_on_writer_thread(); /* a formatter that logs drops when the ring is full, never waits */
    clock_converter_init(&w->clock, clock_system());
    publish_clock(core);
    int64_t stalled_since = 0;
    for (;;) {
        if (__builtin_expect(load_relaxed(&writers_paused), 0)) {
            doorbell_nap(&core->bell, NAP_NS);
            continue;
        }
        if (drain(core) > 0) {
            stalled_since = 0;
            let_a_batch_gather(core);
            continue;
        }
        write_out(core);
        if (!load_acquire(&core->closing)) {
            wait_for_work(core);
            continue;
        }
        /* Closing: every reservation made before the seal gets written. */
        uint64_t end = ring_head(&core->ring);
        if (w->position == end) {
            /* The last drain may have run before the close began, when a report
             * was not yet due: everything owed goes out now. */
            report_drops(core, true);
            write_out(core);
            break;
        }
        int64_t now = clock_monotonic_ns();
        if (stalled_since == 0) {
            stalled_since = now;
        } else if (now - stalled_since > STRAGGLER_PATIENCE_NS) {
            abandon_rest(core, end);
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

void writer_adopt_sink(sluice_core *core)
{
    struct sink_set *next = load_acquire(&core->next_sink);
    if (next == NULL || (!core->synchronous && core->written_position < core->sink_switch_at))
        return; /* records logged before the change go to the old sinks first */
    core_close_sinks(core);
    core_take_sinks(core, next);
    free(next);
    core->writer.torn_line = false; /* a half line stays in the old sink */
    core->writer.failed_writes = 0;
    core->writer.rotations_seen = 0; /* the new sink counts from zero */
    core->writer.rotation_failures_seen = 0;
    sync_watch_sigpipe(core);
    store_release(&core->next_sink, NULL);
    event_signal(&core->written); /* reconfigure waits on it */
}
