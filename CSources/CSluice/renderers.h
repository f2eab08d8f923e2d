/*
 * renderers.h — records into lines in the sink slots (each slot's buffer and
 * its lines): at once, on the thread that writes, or on several threads
 * (sluice_options.render_threads). Then the writer puts the records the merge
 * takes into a batch (output.c), hands each helper thread a contiguous part
 * of it, renders the first part itself, and appends the parts' lines to the
 * slots in order, so that every sink receives them in the merge's order. A
 * record stays in its ring until its batch is rendered: output.c renders the
 * batch before it releases ring space, writes, or renders anything else. With
 * one render thread (the default below 8 CPUs) there is no batch and no helper.
 *
 * The hand-off, per batch (one of a single record stays the writer's): the writer
 * sets each part, stores pending (every helper, an empty part too), then
 * generation (store_release) and signals work; a helper that
 * sees a new generation (load_acquire) renders its part, then takes one from
 * pending (add_fetch, a full fence) and signals done if it was the last; the
 * writer waits on done until pending is 0 (load_acquire), then reads the parts.
 */
#ifndef SLUICE_RENDERERS_H
#define SLUICE_RENDERERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* What one part of a batch renders into: a buffer and its lines per sink slot. */
struct render_part {
    struct out_buffer out[SLUICE_SINKS_MAX];
    struct line *lines[SLUICE_SINKS_MAX];
    uint32_t line_count[SLUICE_SINKS_MAX];
    struct timestamp_cache timestamps;
    uint32_t first, count; /* its records in the batch */
};

struct render_helper {
    pthread_t thread;
    sluice_core *core;
    uint32_t index;             /* 1 and up: 0 is the writer */
    uint32_t generation_seen;
    struct render_part part;
};

/* The render threads a core wants: render_threads (sluice_options), or for 0 one per four
 * CPUs this process may use from 8 on (1 below), at most SLUICE_RENDER_THREADS_MAX. */
uint32_t renderers_wanted(unsigned render_threads);

/* Allocates the batch and helpers-1 helpers' parts (no thread yet); 0 or ENOMEM. */
int renderers_init(sluice_core *core, uint32_t threads);
/* Starts the helper threads, every signal blocked; 0 or an errno (none left running). */
int renderers_start(sluice_core *core);
/* Stops and joins them (the writer, as it finishes). */
void renderers_stop(sluice_core *core);
/* A forked child: no helper runs, no batch is pending, every part is empty. */
void renderers_after_fork(sluice_core *core);
void renderers_destroy(sluice_core *core);

/* A line into every slot that takes its level, each in its format, with the module's label
 * for it (labels NULL: the line's own name); reports: a drop report's count, or 0. */
void renderers_line(sluice_core *core, struct line_source *line, const struct module_labels *labels, uint16_t module,
                    uint64_t reports);
/* A record of a ring (or a synchronous core's) into every slot, at once, at its time. */
void renderers_record(sluice_core *core, const struct record *record);
/* The batch into the slots, in order, on every render thread. */
void renderers_batch(sluice_core *core);

#endif /* SLUICE_RENDERERS_H */
