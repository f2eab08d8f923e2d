/*
 * sinks.c — a core's set of sinks: the first, which takes every record and
 * whose accounting is the core's, and up to three more, each with the lowest
 * level it takes, its format, a buffer and counters of its own (core.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* One sink as options describe it; -1 after a line in error. */
static int open_one(struct sink *sink, const char *path, int format, int priority_prefix,
                    const sluice_options *options, const char *outcome, char *error, size_t error_size)
{
    if (format < SLUICE_FORMAT_TEXT || format > SLUICE_FORMAT_JSON) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: format %d is none of SLUICE_FORMAT_TEXT (0), _LOGFMT (1), _JSON (2); %s", format,
                     outcome);
        return -1;
    }
    if (sink_is_syslog_address(path)) /* its lines are RFC 5424, whatever the format */
        return sink_syslog_open(sink, path, options->syslog_facility, options->syslog_app_name, error, error_size);
    if (sink_file_open(sink, path, options->file_mode, error, error_size) != 0)
        return -1;
    sink->style.format = format;
    sink->style.priority_prefix = priority_prefix != 0 && !sink->owns_fd; /* a standard stream, never a file */
    return 0;
}

int sink_set_open(struct sink_set *set, const sluice_options *options, uint32_t max_message, const char *outcome,
                  char *error, size_t error_size)
{
    *set = (struct sink_set){0};
    size_t more = options->more_sink_count;
    if (more > SLUICE_SINKS_MAX - 1 || (more > 0 && options->more_sinks == NULL)) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: %zu more sinks asked for, at most %d; %s", more, SLUICE_SINKS_MAX - 1,
                     outcome);
        return -1;
    }
    for (size_t i = 0; i < more; i++) {
        int level = options->more_sinks[i].level;
        if (level < SLUICE_TRACE || level > SLUICE_CRITICAL) {
            if (error != NULL)
                snprintf(error, error_size, "sluice: sink %zu has level %d, not one of SLUICE_TRACE to _CRITICAL; %s",
                         i + 1, level, outcome);
            return -1;
        }
    }
    if (open_one(&set->first, options->path, options->format, options->stream_priority_prefix, options, outcome, error,
                 error_size) != 0)
        return -1;
    sink_file_configure(&set->first, options->file_max_bytes, options->file_keep);
    size_t bytes = writer_buffer_bytes(max_message);
    for (size_t i = 0; i < more; i++) {
        const sluice_sink_options *o = &options->more_sinks[i];
        struct extra_sink *x = &set->extra[i];
        if (open_one(&x->sink, o->path, o->format, o->stream_priority_prefix, options, outcome, error, error_size) !=
            0) {
            sink_set_close(set);
            return -1;
        }
        set->extra_count++;
        x->level = o->level;
        x->out = (struct out_buffer){.data = malloc(bytes), .capacity = bytes};
        x->lines = malloc(writer_buffer_lines(bytes) * sizeof *x->lines);
        if (x->out.data == NULL || x->lines == NULL) {
            if (error != NULL)
                snprintf(error, error_size, "sluice: out of memory for the buffer of '%s'; %s", x->sink.name, outcome);
            sink_set_close(set);
            return -1;
        }
    }
    return 0;
}

void sink_set_close(struct sink_set *set)
{
    sink_close(&set->first);
    for (uint32_t i = 0; i < set->extra_count; i++) {
        sink_close(&set->extra[i].sink);
        free(set->extra[i].out.data);
        free(set->extra[i].lines);
    }
    set->extra_count = 0;
}

static void publish(struct stats_sink *entry, const struct sink *sink, int level)
{
    *entry = (struct stats_sink){.level = level, .format = sink->style.format};
    snprintf(entry->name, sizeof entry->name, "%s", sink->name);
}

void core_take_sinks(sluice_core *core, struct sink_set *set)
{
    struct stats_map *map = core->map;
    core->sink = set->first;
    core->extra_count = set->extra_count;
    memcpy(core->extra, set->extra, sizeof core->extra);
    publish(&map->sinks[0], &core->sink, SLUICE_TRACE);
    for (uint32_t i = 0; i < core->extra_count; i++)
        publish(&map->sinks[1 + i], &core->extra[i].sink, core->extra[i].level);
    store_release(&map->sink_count, 1 + core->extra_count); /* the entries before the count that covers them */
}

void core_close_sinks(sluice_core *core)
{
    struct sink_set set = {.first = core->sink, .extra_count = core->extra_count};
    memcpy(set.extra, core->extra, sizeof set.extra);
    sink_set_close(&set);
    core->sink.ops = NULL;
    core->extra_count = 0;
}
