/* output.c — rendering records into the sink slots and writing them out; see output.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abandon.h"
#include "diagnostics.h"
#include "output.h"
#include "record_line.h"
#include "renderers.h"

uint64_t sluice_sighup_reopens;

/* Adds to a writer-owned word of the mapping (only the writer writes it). */
static void bump(uint64_t *word, uint64_t by)
{
    store_relaxed(word, load_relaxed(word) + by);
}

/* The batch, rendered, before anything else reaches the slots or the rings let go of it. */
static void render_batch(sluice_core *core)
{
    if (core->render.count > 0)
        renderers_batch(core);
}

void output_release(sluice_core *core)
{
    render_batch(core);
    struct writer *w = &core->writer;
    struct stats_map *map = core->map;
    uint64_t depth = 0, deepest = load_relaxed(&map->totals.high_water);
    bool freed = false, emptied = false;
    for (uint32_t i = 0; i < w->lane_count; i++) {
        struct lane *lane = w->lanes[i];
        uint64_t through = core->recoverable ? lane->written_position : lane->position;
        uint64_t head = ring_head(&lane->ring);
        if (through != lane->released) {
            /* The ring's depth just before and just after: every byte reserved since
             * the last release is still held, so a full ring shows here as full. */
            struct stats_ring *counts = &map->rings[i];
            if (head - lane->released > load_relaxed(&counts->high_water))
                store_relaxed(&counts->high_water, head - lane->released);
            if (head - lane->released > deepest)
                deepest = head - lane->released;
            ring_release(&lane->ring, through); /* after every read of those records */
            lane->released = through;
            store_relaxed(&counts->depth_bytes, head - through);
            freed = true;
            emptied |= head == through;
        }
        depth += head - lane->released;
    }
    if (!freed)
        return;
    store_relaxed(&map->totals.high_water, deepest);
    store_relaxed(&map->totals.depth_bytes, depth);
    if (load_relaxed(&core->warning_waits_off))
        store_relaxed(&core->warning_waits_off, 0); /* room again: a warning may wait for more */
    /* Producers blocked on a full ring: one of them can fill what a release frees,
     * and every other one woken would only compete with the writer for the cores
     * until it blocks again. An empty ring has room for them all. */
    if (emptied)
        event_signal(&core->space);
    else
        event_signal_one(&core->space);
}

static bool lacks_room(const struct out_buffer *out, size_t bound)
{
    return out->length >= SINK_BATCH_BYTES || out->capacity - out->length < bound;
}

static bool slots_lack_room(const sluice_core *core, size_t bound)
{
    for (uint32_t i = 0; i < core->sinks.count; i++)
        if (lacks_room(&core->sinks.slot[i].out, bound))
            return true;
    return false;
}

void output_ensure_room(sluice_core *core, size_t bound)
{
    struct renderers *r = &core->render;
    if (r->count > 0 && (r->count == RENDER_BATCH_RECORDS || r->bound + bound > RENDER_BATCH_BYTES ||
                         slots_lack_room(core, r->bound + bound)))
        renderers_batch(core);
    if (slots_lack_room(core, r->bound + bound)) {
        output_release(core);
        output_write(core);
    }
}

void output_render(sluice_core *core, struct line_source *line, const struct module_labels *labels, uint16_t module,
                   uint64_t reports)
{
    render_batch(core);
    renderers_line(core, line, labels, module, reports);
}

void output_render_record(sluice_core *core, const struct record *r)
{
    struct renderers *batch = &core->render;
    if (batch->helpers == 0) {
        renderers_record(core, r);
        bump(&core->map->render_records[0], 1);
        return;
    }
    batch->batch[batch->count++] = r; /* output_ensure_room made room for it */
    batch->bound += record_line_bound(r, NULL);
}

/* A write that stopped after done bytes: the core's records past it are dropped, and the
 * drop reports past it are owed again, to be written once the sink works. */
static void account_core_loss(sluice_core *core, const struct sink_slot *s, size_t done)
{
    struct writer *w = &core->writer;
    uint64_t lost = 0;
    for (uint32_t i = s->line_count; i > 0 && s->lines[i - 1].end > done; i--) {
        const struct line *line = &s->lines[i - 1];
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
}

/* The core's records of the lines before done as written, per module too, and their
 * end-to-end latency; the batch size and the write's duration. */
static void account_core_written(sluice_core *core, const struct sink_slot *s, size_t done, uint64_t write_ns)
{
    struct stats_map *map = core->map;
    int64_t now = clock_to_ns(&core->writer.clock, clock_ticks());
    uint64_t records = 0;
    for (uint32_t i = 0; i < s->line_count && s->lines[i].end <= done; i++) {
        const struct line *line = &s->lines[i];
        if (line->reports != 0)
            continue;
        records++;
        bump(&map->modules[line->module].written, 1);
        histogram_record(&map->histograms[SLUICE_HISTOGRAM_END_TO_END],
                         now > line->utc_ns ? (uint64_t)(now - line->utc_ns) : 0, false);
    }
    bump(&map->totals.written, records);
    bump(&map->totals.bytes_written, done);
    if (records > 0)
        histogram_record(&map->histograms[SLUICE_HISTOGRAM_BATCH_RECORDS], records, false);
    histogram_record(&map->histograms[SLUICE_HISTOGRAM_WRITE], write_ns, false);
}

/* The slot's rotations and failed rotations since the last look, into the core's counters. */
static void count_rotations(sluice_core *core, struct sink_slot *s)
{
    bump(&core->map->totals.rotations, s->sink.rotations - s->rotations_seen);
    bump(&core->map->totals.rotation_failures, s->sink.rotation_failures - s->rotation_failures_seen);
    s->rotations_seen = s->sink.rotations;
    s->rotation_failures_seen = s->sink.rotation_failures;
}

/* A slot's buffer in one write, its outcome counted: every slot's in its own counters;
 * slot 0's as the core's too. A failure costs a slot its records and nothing else; drop
 * reports lost with them are owed again only in slot 0, whose stream keeps the reckoning. */
static void write_slot(sluice_core *core, uint32_t index)
{
    struct sink_slot *s = &core->sinks.slot[index];
    struct stats_sink *counts = &core->map->sinks[index];
    if (s->out.length == 0)
        return;
    /* After a write that stopped mid-line, start the next one on a line of its own. */
    if (s->torn_line && sink_write(&s->sink, "\n", 1) == 1)
        s->torn_line = false;
    if (index == 0 && core->recoverable) /* what recover finds in [tail, writing_end) may be in the log already */
        for (uint32_t i = 0; i < core->writer.lane_count; i++)
            store_release(&core->writer.lanes[i]->ring.header->writing_end, core->writer.lanes[i]->position);
    int64_t started = clock_monotonic_ns();
    size_t done = s->torn_line ? 0 : sink_write(&s->sink, s->out.data, s->out.length);
    int error = errno;
    uint64_t write_ns = (uint64_t)(clock_monotonic_ns() - started);
    abandon_begin_accounting(core);
    uint64_t written = 0, lost = 0;
    for (uint32_t i = 0; i < s->line_count; i++)
        if (s->lines[i].reports == 0)
            *(s->lines[i].end <= done ? &written : &lost) += 1;
    bump(&counts->written, written);
    bump(&counts->bytes, done);
    if (index == 0)
        account_core_written(core, s, done, write_ns);
    if (done < s->out.length) {
        bump(&counts->write_errors, 1);
        bump(&counts->dropped, lost);
        if (index == 0)
            account_core_loss(core, s, done);
        if (done > 0)
            s->torn_line = s->out.data[done - 1] != '\n';
        if (s->failed_writes++ == 0)
            report_problem("sluice: cannot write to '%s': %s; records are dropped and counted until it works again",
                           s->sink.name, strerror(error));
    } else {
        if (index == 0)
            bump(&core->map->totals.batches, 1);
        if (s->failed_writes > 0)
            report_problem("sluice: writing to '%s' works again after %llu failed writes", s->sink.name,
                           (unsigned long long)s->failed_writes);
        s->failed_writes = 0;
    }
    count_rotations(core, s);
    abandon_end_accounting(core);
    s->out.length = 0;
    s->line_count = 0;
}

/* A reopen asked for since the last write: every file by name again, before this batch. */
static void reopen_if_asked(sluice_core *core)
{
    struct writer *w = &core->writer;
    uint64_t asked = load_relaxed(&core->map->reopen_requests) + load_relaxed(&sluice_sighup_reopens);
    if (asked == w->reopens_seen)
        return;
    w->reopens_seen = asked;
    bump(&core->map->totals.reopens, 1);
    for (uint32_t i = 0; i < core->sinks.count; i++)
        (void)sink_reopen(&core->sinks.slot[i].sink);
}

void output_write(sluice_core *core)
{
    render_batch(core);
    struct writer *w = &core->writer;
    reopen_if_asked(core);
    if (core->sinks.count > 0 && core->sinks.slot[0].out.length > 0)
        w->batch_reported = false; /* the next batch may carry a report of its own */
    for (uint32_t i = 0; i < core->sinks.count; i++)
        write_slot(core, i);
    bool written = false;
    for (uint32_t i = 0; i < w->lane_count; i++) {
        struct lane *lane = w->lanes[i];
        if (load_relaxed(&lane->written_position) != lane->position) {
            store_release(&lane->written_position, lane->position);
            written = true;
        }
    }
    if (written)
        event_signal(&core->written);
    if (core->recoverable)
        output_release(core); /* what the sinks took leaves the ring's file only now */
    output_adopt_sinks(core); /* between batches: a sink change takes effect here */
}

/* Every lane written up to where a sink change was asked for. */
static bool written_to_switch(const sluice_core *core)
{
    for (uint32_t i = 0; i < core->writer.lane_count; i++)
        if (core->writer.lanes[i]->written_position < core->writer.lanes[i]->sink_switch_at)
            return false;
    return true;
}

void output_adopt_sinks(sluice_core *core)
{
    struct sink_set *next = load_acquire(&core->next_sinks);
    if (next == NULL || (!core->synchronous && !written_to_switch(core)))
        return; /* records logged before the change go to the old sinks first */
    sink_set_close(&core->sinks);
    sink_set_install(&core->sinks, next, core->map); /* from zero: a half line stays in the old sink */
    free(next);
    core->sync.guard_sigpipe = sink_set_needs_sigpipe_guard(&core->sinks);
    store_release(&core->next_sinks, NULL);
    event_signal(&core->written); /* reconfigure waits on it */
}
