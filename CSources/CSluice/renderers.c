/* renderers.c — records into lines in the sink slots, at once or a batch on several threads; see renderers.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"
#include "record_line.h"
#include "renderers.h"

uint32_t renderers_wanted(unsigned render_threads)
{
    if (render_threads != 0)
        return render_threads;
    uint32_t cpus = lanes_usable_cpus();
    uint32_t wanted = cpus >= 8 ? cpus / 4 : 1;
    return wanted > SLUICE_RENDER_THREADS_MAX ? SLUICE_RENDER_THREADS_MAX : wanted;
}

/* One line into one slot's destination: the slot's own buffer, or a render part's. */
static void render_for(const struct sink_slot *s, struct out_buffer *out, struct line *lines, uint32_t *line_count,
                       struct timestamp_cache *timestamps, struct line_source *line,
                       const struct module_labels *labels, uint16_t module, uint64_t reports)
{
    if (line->level < s->level)
        return;
    if (labels != NULL) {
        line->label = labels->of[s->sink.style.format].text;
        line->label_length = labels->of[s->sink.style.format].length;
    }
    render_line(out, timestamps, &s->sink.style, line);
    lines[(*line_count)++] = (struct line){.end = (uint32_t)out->length, .module = module, .level = (uint8_t)line->level,
                                           .reports = reports, .utc_ns = line->utc_ns};
}

void renderers_line(sluice_core *core, struct line_source *line, const struct module_labels *labels, uint16_t module,
                    uint64_t reports)
{
    for (uint32_t i = 0; i < core->sinks.count; i++) {
        struct sink_slot *s = &core->sinks.slot[i];
        render_for(s, &s->out, s->lines, &s->line_count, &core->writer.timestamps, line, labels, module, reports);
    }
}

/* A record's line source, at its time; the labels its module's line takes, or NULL for its own. */
static const struct module_labels *record_source(sluice_core *core, const struct record *r, struct line_source *line)
{
    const struct stats_module *registered = &core->map->modules[r->module];
    *line = (struct line_source){.utc_ns = clock_to_ns(&core->writer.clock, r->ticks)};
    bool labelled = record_line(line, r, registered->name, registered->length);
    return labelled ? NULL : &core->modules.labels[r->module];
}

void renderers_record(sluice_core *core, const struct record *r)
{
    struct line_source line;
    const struct module_labels *labels = record_source(core, r, &line);
    renderers_line(core, &line, labels, r->module, 0);
}

/* A render thread's: the record into its part. */
static void render_into_part(sluice_core *core, struct render_part *part, const struct record *r)
{
    struct line_source line;
    const struct module_labels *labels = record_source(core, r, &line);
    for (uint32_t i = 0; i < core->sinks.count; i++)
        render_for(&core->sinks.slot[i], &part->out[i], part->lines[i], &part->line_count[i], &part->timestamps, &line,
                   labels, r->module, 0);
}

/* A rendered part's lines after the slots' own, the part emptied. */
static void append_part(sluice_core *core, struct render_part *part)
{
    for (uint32_t i = 0; i < core->sinks.count; i++) {
        struct sink_slot *s = &core->sinks.slot[i];
        uint32_t offset = (uint32_t)s->out.length;
        memcpy(s->out.data + offset, part->out[i].data, part->out[i].length);
        s->out.length += part->out[i].length;
        for (uint32_t l = 0; l < part->line_count[i]; l++) {
            struct line line = part->lines[i][l];
            line.end += offset;
            s->lines[s->line_count++] = line;
        }
        part->out[i].length = 0;
        part->line_count[i] = 0;
    }
}

static void free_part(struct render_part *part)
{
    for (int i = 0; i < SLUICE_SINKS_MAX; i++) {
        free(part->out[i].data);
        free(part->lines[i]);
    }
}

int renderers_init(sluice_core *core, uint32_t threads)
{
    struct renderers *r = &core->render;
    if (threads <= 1)
        return 0;
    r->batch = calloc(RENDER_BATCH_RECORDS, sizeof r->batch[0]);
    r->helper = calloc(threads - 1, sizeof r->helper[0]);
    if (r->batch == NULL || r->helper == NULL) {
        free(r->batch);
        free(r->helper);
        r->batch = NULL;
        r->helper = NULL;
        return ENOMEM;
    }
    r->helpers = threads - 1;
    /* A part renders at most a batch's bound (a batch over it is one record, the writer's). */
    size_t lines = sink_buffer_lines(RENDER_BATCH_BYTES);
    for (uint32_t h = 0; h < r->helpers; h++) {
        struct render_helper *helper = &r->helper[h];
        helper->core = core;
        helper->index = h + 1;
        render_timestamp_cache_init(&helper->part.timestamps);
        for (int i = 0; i < SLUICE_SINKS_MAX; i++) {
            helper->part.out[i] = (struct out_buffer){.data = malloc(RENDER_BATCH_BYTES), .capacity = RENDER_BATCH_BYTES};
            helper->part.lines[i] = malloc(lines * sizeof(struct line));
            if (helper->part.out[i].data == NULL || helper->part.lines[i] == NULL) {
                renderers_destroy(core);
                return ENOMEM;
            }
        }
    }
    return 0;
}

void renderers_destroy(sluice_core *core)
{
    struct renderers *r = &core->render;
    for (uint32_t h = 0; r->helper != NULL && h < r->helpers; h++)
        free_part(&r->helper[h].part);
    free(r->helper);
    free(r->batch);
    *r = (struct renderers){0};
}

static void *helper_main(void *argument)
{
    struct render_helper *helper = argument;
    sluice_core *core = helper->core;
    struct renderers *r = &core->render;
    for (;;) {
        int32_t seen = event_prepare(&r->work);
        uint32_t generation = load_acquire(&r->generation);
        bool stopping = load_acquire(&r->stop) != 0;
        if (generation == helper->generation_seen && !stopping)
            event_wait(&r->work, seen, -1);
        event_finish(&r->work);
        if (stopping)
            return NULL;
        if (generation == helper->generation_seen)
            continue;
        helper->generation_seen = generation;
        struct render_part *part = &helper->part;
        for (uint32_t i = 0; i < part->count; i++)
            render_into_part(core, part, r->batch[part->first + i]);
        add_relaxed(&core->map->render_records[helper->index], part->count);
        if (add_fetch(&r->pending, -1) == 0)
            event_signal(&r->done);
    }
}

int renderers_start(sluice_core *core)
{
    struct renderers *r = &core->render;
    store_relaxed(&r->stop, 0);
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int error = 0;
    uint32_t started = 0;
    for (; started < r->helpers && error == 0; started++) {
        r->helper[started].generation_seen = load_relaxed(&r->generation);
        error = pthread_create(&r->helper[started].thread, NULL, helper_main, &r->helper[started]);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (error != 0) {
        store_release(&r->stop, 1);
        event_signal(&r->work);
        for (uint32_t h = 0; h + 1 < started; h++)
            pthread_join(r->helper[h].thread, NULL);
    }
    return error;
}

void renderers_stop(sluice_core *core)
{
    struct renderers *r = &core->render;
    if (r->helpers == 0)
        return;
    store_release(&r->stop, 1);
    event_signal(&r->work);
    for (uint32_t h = 0; h < r->helpers; h++)
        pthread_join(r->helper[h].thread, NULL);
}

void renderers_after_fork(sluice_core *core)
{
    struct renderers *r = &core->render;
    r->count = 0;
    r->bound = 0;
    r->pending = 0;
    r->stop = 0;
    r->work = (struct event){0};
    r->done = (struct event){0};
    for (uint32_t h = 0; h < r->helpers; h++) {
        struct render_part *part = &r->helper[h].part;
        for (int i = 0; i < SLUICE_SINKS_MAX; i++) {
            part->out[i].length = 0;
            part->line_count[i] = 0;
        }
    }
}

void renderers_batch(sluice_core *core)
{
    struct renderers *r = &core->render;
    uint32_t count = r->count, parts = r->helpers + 1;
    uint32_t chunk = (count + parts - 1) / parts, mine = count < chunk ? count : chunk;
    uint32_t busy = 0;
    for (uint32_t h = 0; h < r->helpers; h++) {
        struct render_part *part = &r->helper[h].part;
        part->first = mine + h * chunk < count ? mine + h * chunk : count;
        part->count = count - part->first < chunk ? count - part->first : chunk;
        busy += part->count > 0 ? 1 : 0;
    }
    if (busy > 0) {
        store_relaxed(&r->pending, (int32_t)r->helpers);
        store_release(&r->generation, r->generation + 1);
        event_signal(&r->work);
    }
    for (uint32_t i = 0; i < mine; i++)
        renderers_record(core, r->batch[i]);
    add_relaxed(&core->map->render_records[0], mine);
    if (busy > 0) {
        for (;;) {
            int32_t seen = event_prepare(&r->done);
            bool done = load_acquire(&r->pending) == 0;
            if (!done)
                event_wait(&r->done, seen, -1);
            event_finish(&r->done);
            if (done)
                break;
        }
        for (uint32_t h = 0; h < r->helpers; h++)
            append_part(core, &r->helper[h].part);
    }
    r->count = 0;
    r->bound = 0;
}
