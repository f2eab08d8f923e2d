/*
 * sinks.c — a core's set of sinks (sinks.h): opening every slot options name,
 * with its buffer; closing them; publishing them in the statistics mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_keys.h"
#include "sinks.h"

size_t sink_buffer_bytes(uint32_t max_message)
{
    return SINK_BATCH_BYTES + render_line_bound(max_message, SLUICE_MODULE_NAME_MAX) + RENDER_FORMAT_ROOM_MAX;
}

/* NO_COLOR set and not empty (no-color.org): no colour where it is only a default. */
static bool no_color_asked(void)
{
    const char *no_color = getenv("NO_COLOR");
    return no_color != NULL && no_color[0] != '\0';
}

/* A text sink's time as options ask for it; the zone found now, on the opening thread. */
static void set_text_time(struct sink *sink, const sluice_options *options)
{
    if (sink->style.format != SLUICE_FORMAT_TEXT)
        return;
    sink->style.short_time = options->short_time != 0;
    sink->style.local_time = options->local_time != 0;
    if (sink->style.local_time)
        clock_zone_find(&sink->style.zone, (int64_t)time(NULL));
}

/* One sink as options describe it (function: the application's, path its name); -1 after a
 * line in error. */
static int open_one(struct sink *sink, const char *path, const sluice_sink_function *function, int format,
                    const char *json_keys, int priority_prefix, const sluice_options *options, const char *outcome,
                    char *error, size_t error_size)
{
    if (format < SLUICE_FORMAT_TEXT || format > SLUICE_FORMAT_JSON) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: format %d is none of SLUICE_FORMAT_TEXT (0), _LOGFMT (1), _JSON (2); %s", format,
                     outcome);
        return -1;
    }
    if (function != NULL) {
        if (sink_function_open(sink, path, function, error, error_size) != 0)
            return -1;
        sink->style.format = format;
        set_text_time(sink, options);
        return json_keys_parse(format == SLUICE_FORMAT_JSON ? json_keys : NULL, &sink->style.json_keys, outcome,
                               error, error_size);
    }
    if (sink_is_syslog_address(path)) /* its lines are RFC 5424, whatever the format */
        return sink_syslog_open(sink, path, options->syslog_facility, options->syslog_app_name, error, error_size);
    if (sink_file_open(sink, path, options->file_mode, error, error_size) != 0)
        return -1;
    sink->style.format = format;
    sink->style.priority_prefix = priority_prefix != 0 && !sink->owns_fd; /* a standard stream, never a file */
    bool terminal = options->color == SLUICE_COLOR_AUTO && isatty(sink->fd) && !no_color_asked();
    sink->style.color = format == SLUICE_FORMAT_TEXT && (options->color == SLUICE_COLOR_ALWAYS || terminal);
    set_text_time(sink, options);
    return json_keys_parse(format == SLUICE_FORMAT_JSON ? json_keys : NULL, &sink->style.json_keys, outcome, error,
                           error_size);
}

/* The slot's sink and buffer; -1 after a line in error. */
static int open_slot(struct sink_slot *slot, const char *path, const sluice_sink_function *function, int format,
                     const char *json_keys, int priority_prefix, int level, const sluice_options *options, size_t bytes,
                     const char *outcome, char *error, size_t error_size)
{
    if (open_one(&slot->sink, path, function, format, json_keys, priority_prefix, options, outcome, error,
                 error_size) != 0)
        return -1;
    slot->level = level;
    slot->out = (struct out_buffer){.data = malloc(bytes), .capacity = bytes};
    slot->lines = malloc(sink_buffer_lines(bytes) * sizeof *slot->lines);
    if (slot->out.data == NULL || slot->lines == NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory for the buffer of '%s'; %s", slot->sink.name, outcome);
        return -1;
    }
    return 0;
}

int sink_set_open(struct sink_set *set, const sluice_options *options, uint32_t max_message, const char *outcome,
                  char *error, size_t error_size)
{
    *set = (struct sink_set){0};
    size_t more = options->more_sink_count;
    if (options->color < SLUICE_COLOR_NEVER || options->color > SLUICE_COLOR_AUTO) { /* every sink's: once */
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: color %d is none of SLUICE_COLOR_NEVER (0), _ALWAYS (1), _AUTO (2); %s", options->color,
                     outcome);
        return -1;
    }
    if (options->file_rotate < SLUICE_ROTATE_BY_SIZE || options->file_rotate > SLUICE_ROTATE_DAILY) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: file_rotate %d is none of SLUICE_ROTATE_BY_SIZE (0), _HOURLY (1), _DAILY (2); %s",
                     options->file_rotate, outcome);
        return -1;
    }
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
    size_t bytes = sink_buffer_bytes(max_message);
    for (size_t i = 0; i <= more; i++) {
        const sluice_sink_options *o = i == 0 ? NULL : &options->more_sinks[i - 1];
        struct sink_slot *slot = &set->slot[i];
        set->count++; /* closed with the set, opened or not */
        int failed = o == NULL ? open_slot(slot, options->path, options->sink_function, options->format,
                                           options->json_keys, options->stream_priority_prefix, SLUICE_TRACE, options,
                                           bytes, outcome, error, error_size)
                               : open_slot(slot, o->path, o->function, o->format, o->json_keys,
                                           o->stream_priority_prefix, o->level, options, bytes, outcome, error,
                                           error_size);
        if (failed != 0) {
            sink_set_close(set);
            return -1;
        }
    }
    sink_file_configure(&set->slot[0].sink, options);
    return 0;
}

void sink_set_close(struct sink_set *set)
{
    for (uint32_t i = 0; i < set->count; i++) {
        sink_close(&set->slot[i].sink);
        free(set->slot[i].sink.style.json_keys);
        free(set->slot[i].out.data);
        free(set->slot[i].lines);
    }
    *set = (struct sink_set){0};
}

void sink_set_publish(const struct sink_set *set, struct stats_map *map)
{
    for (uint32_t i = 0; i < set->count; i++) {
        const struct sink_slot *slot = &set->slot[i];
        struct stats_sink *entry = &map->sinks[i];
        *entry = (struct stats_sink){.level = slot->level, .format = slot->sink.style.format};
        snprintf(entry->name, sizeof entry->name, "%s", slot->sink.name);
    }
    store_release(&map->sink_count, set->count); /* the entries before the count that covers them */
}

void sink_set_install(struct sink_set *sinks, const struct sink_set *set, struct stats_map *map)
{
    *sinks = *set;
    sink_set_publish(sinks, map);
}

bool sink_set_needs_sigpipe_guard(const struct sink_set *set)
{
    bool pipe = sink_fd_is_pipe(STDERR_FILENO);
    for (uint32_t i = 0; i < set->count; i++)
        pipe = pipe || set->slot[i].sink.is_pipe;
    return pipe;
}
