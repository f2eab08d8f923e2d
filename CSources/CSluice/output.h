/*
 * output.h — the writer's side of a record, one unit for the writer thread
 * and a synchronous core's callers: render it into the buffer of every sink
 * slot that takes its level, write the buffers out, count each write's
 * outcome, free what the sinks took from the ring, and switch to sinks
 * sluice_reconfigure handed over. Only the thread that writes calls these
 * (the writer; a synchronous core's caller, under sync.lock).
 */
#ifndef SLUICE_OUTPUT_H
#define SLUICE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* SIGHUP's reopen requests, for every core (sluice_reopen_on_sighup): add_fetch by the
 * handler, load_relaxed by each writer before each write. */
extern uint64_t sluice_sighup_reopens;

/* Lets producers reuse everything before the writer's position; in a recoverable ring,
 * everything the sinks have taken (written_position). */
void output_release(sluice_core *core);
/* Writes the buffers out first if one holds a batch already or lacks bound bytes. */
void output_ensure_room(sluice_core *core, size_t bound);
/* Renders line into every slot that takes its level, each in its format, with the module's
 * label for it (labels NULL: the line's own name); reports: a drop report's count, or 0. */
void output_render(sluice_core *core, struct line_source *line, const struct module_labels *labels, uint16_t module,
                   uint64_t reports);
/* Renders a record of a ring (or a synchronous core's), at its time: at once, or with render
 * threads into the batch (renderers.h), which is rendered before anything else reaches
 * the slots, before ring space is released and before a write. */
void output_render_record(sluice_core *core, const struct record *record);

/* Hands every slot's buffer to its sink, counts the outcome, publishes written_position, and
 * switches sinks between batches (output_adopt_sinks). */
void output_write(sluice_core *core);
/* If new sinks were handed over and every record before the change is written, closes the
 * old ones and writes to the new ones from now on. Between batches only. */
void output_adopt_sinks(sluice_core *core);

#endif /* SLUICE_OUTPUT_H */
