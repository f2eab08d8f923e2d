/*
 * reports.c — drop reports: every record dropped before it reaches a sink's
 * stream (a full ring, a failed write of slot 0, a close that gave records
 * up) is reported in that stream, as one line adding up every drop since the
 * last report; see reports.h.
 */
#include <stdio.h>

#include "output.h"
#include "reports.h"

#define REPORT_INTERVAL_NS 100000000 /* the most often a drop report is written */

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

bool reports_owed(sluice_core *core)
{
    uint64_t unreported[SLUICE_LEVELS];
    return unreported_full(core, unreported) != 0 || core->writer.pending_reports != 0;
}

/* Drops are reported at most once per REPORT_INTERVAL_NS and once per batch,
 * so that an overloaded ring cannot turn the stream into reports; at once when
 * a flush waits or the core closes. Each report adds up every drop before it. */
bool reports_due(sluice_core *core)
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

void reports_write(sluice_core *core, bool force)
{
    struct writer *w = &core->writer;
    if (!reports_owed(core) || !(force || reports_due(core)))
        return;
    char text[256];
    const struct stats_module *own = &core->map->modules[0];
    output_ensure_room(core, render_line_bound(sizeof text, own->length)); /* may itself owe more */
    uint64_t unreported[SLUICE_LEVELS];
    uint64_t count = unreported_full(core, unreported) + w->pending_reports;
    int length = snprintf(text, sizeof text, "dropped %llu records", (unsigned long long)count);
    length += put_shed_levels(w, unreported, text + length, sizeof text - (size_t)length);
    struct line_source report = {
        .utc_ns = clock_to_ns(&w->clock, clock_ticks()), .level = SLUICE_WARNING, .module = own->name,
        .module_length = own->length, .message = text, .length = (size_t)length, .dropped = count};
    output_render(core, &report, &core->modules.labels[0], 0, count);
    w->pending_reports = 0;
    w->batch_reported = true;
    w->last_report_ns = clock_monotonic_ns();
    w->flushes_seen = load_relaxed(&core->map->totals.flushes);
}
