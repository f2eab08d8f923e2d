/* line.c — a whole line in each format: its head, the message, the fields, its end (render.h). */
#include <stdio.h>
#include <string.h>

#include "json_keys.h"
#include "render.h"
#include "sluice.h"

static const struct {
    char upper[10];    /* text: "INFO " */
    char lower[10];    /* logfmt and JSON: "info" */
    char severity[10]; /* JSON named as Google's severity: "INFO", trace as "DEBUG" */
    size_t length;     /* of each name alone */
} level_names[] = {
    {"TRACE ", "trace", "DEBUG", 5},       {"DEBUG ", "debug", "DEBUG", 5}, {"INFO ", "info", "INFO", 4},
    {"NOTICE ", "notice", "NOTICE", 6},    {"WARNING ", "warning", "WARNING", 7},
    {"ERROR ", "error", "ERROR", 5},       {"CRITICAL ", "critical", "CRITICAL", 8},
};

static const char truncation_format[] = " [sluice: truncated to %zu of %llu bytes]";
enum { TRUNCATION_MARKER_MAX = sizeof truncation_format + 2 * 20 };

/* The longest head, thread, drop count and end of a line (a syslog line's head
 * holds a 255-byte host name), with room for every bracket fields.c may close and
 * 8 bytes escaping may store past the end. A JSON line's fixed part is under 180
 * bytes, so its names may make it JSON_KEYS_GROWTH_MAX longer (json_keys.h). */
enum { LINE_FIXED_MAX = 640 };

size_t render_line_bound(size_t message_length, size_t module_length)
{
    return LINE_FIXED_MAX + TRUNCATION_MARKER_MAX + RENDER_ESCAPE_FACTOR * (module_length + message_length);
}

static void put(struct out_buffer *out, const char *text, size_t length)
{
    memcpy(out->data + out->length, text, length);
    out->length += length;
}

#define PUT_LITERAL(out, literal) put(out, literal, sizeof literal - 1)

/* A level's name: a fixed-size copy (no call), then the length it has. */
static void put_level(struct out_buffer *out, const char name[10], size_t length)
{
    memcpy(out->data + out->length, name, 10);
    out->length += length;
}

void render_module(struct out_buffer *out, const char *name, size_t length, int format)
{
    static const enum escape_style styles[] = {ESCAPE_TEXT, ESCAPE_LOGFMT, ESCAPE_JSON, ESCAPE_SYSLOG};
    if (format == SLUICE_FORMAT_LOGFMT)
        render_logfmt_value(out, name, length);
    else
        render_escaped(out, name, length, styles[format]);
}

/* The module's label, or its name written here. */
static void put_module(struct out_buffer *out, const struct line_source *s, int format)
{
    if (s->label != NULL)
        put(out, s->label, s->label_length);
    else
        render_module(out, s->module, s->module_length, format);
}

/* "<N>": facility * 8 + the level's syslog severity (trace and debug 7, info 6, notice 5,
 * warning 4, error 3, critical 2). */
static void put_priority(struct out_buffer *out, int facility, int level)
{
    static const uint8_t severity[] = {7, 7, 6, 5, 4, 3, 2}; /* by SLUICE_TRACE ... SLUICE_CRITICAL */
    out->data[out->length++] = '<';
    render_unsigned(out, (uint64_t)facility * 8 + severity[level]);
    out->data[out->length++] = '>';
}

static void put_timestamp(struct out_buffer *out, struct timestamp_cache *cache, int64_t utc_ns)
{
    render_timestamp(out->data + out->length, cache, utc_ns);
    out->length += RENDER_TIMESTAMP_LENGTH;
}

/* The fields after the message, if it has any: they start past the FIELDS tag at fields. */
static void put_fields(struct out_buffer *out, const struct line_source *s, size_t fields, int format,
                       const struct json_keys *keys)
{
    if (fields < s->length)
        render_fields(out, s->message + fields + 1, s->length - fields - 1, format, keys);
}

/* The message, escaped in style, then the truncation marker; returns the offset of its fields. */
static size_t put_message(struct out_buffer *out, const struct line_source *s, enum escape_style style)
{
    size_t fields = s->length;
    if (s->segments)
        fields = render_segments(out, s->message, s->length, style, s->formats);
    else
        render_escaped(out, s->message, s->length, style);
    if (s->truncated_from != 0)
        out->length += (size_t)snprintf(out->data + out->length, TRUNCATION_MARKER_MAX, truncation_format,
                                        s->length, (unsigned long long)s->truncated_from);
    return fields;
}

/* Each level's colour (SGR): trace and debug dim, info green, notice cyan, warning yellow,
 * error red, critical bold red; the escapes fit in LINE_FIXED_MAX's room. */
static const struct {
    char start[8];
    size_t length;
} level_colors[] = {
    {"\x1b[2m", 4}, {"\x1b[2m", 4}, {"\x1b[32m", 5}, {"\x1b[36m", 5}, {"\x1b[33m", 5}, {"\x1b[31m", 5}, {"\x1b[1;31m", 7},
};

/* A text line's time: in UTC or local time, whole or short. */
static void put_text_time(struct out_buffer *out, struct timestamp_cache *cache, const struct line_style *style,
                          int64_t utc_ns)
{
    if (!style->local_time && !style->short_time) {
        put_timestamp(out, cache, utc_ns);
        return;
    }
    char stamp[RENDER_LOCAL_TIMESTAMP_LENGTH];
    size_t length = RENDER_TIMESTAMP_LENGTH;
    if (style->local_time) {
        int64_t second = utc_ns >= 0 ? utc_ns / 1000000000 : (utc_ns - 999999999) / 1000000000;
        render_local_timestamp(stamp, cache, utc_ns, clock_zone_offset(&style->zone, second));
        length = RENDER_LOCAL_TIMESTAMP_LENGTH;
    } else {
        render_timestamp(stamp, cache, utc_ns);
    }
    if (style->short_time) /* "HH:MM:SS.mmm" of "YYYY-MM-DDTHH:MM:SS.uuuuuu…" */
        put(out, stamp + 11, RENDER_SHORT_TIMESTAMP_LENGTH);
    else
        put(out, stamp, length);
}

static void put_text(struct out_buffer *out, struct timestamp_cache *cache, const struct line_style *style,
                     const struct line_source *s)
{
    put_text_time(out, cache, style, s->utc_ns);
    out->data[out->length++] = ' ';
    if (style->color) {
        put(out, level_colors[s->level].start, level_colors[s->level].length);
        put_level(out, level_names[s->level].upper, level_names[s->level].length);
        PUT_LITERAL(out, "\x1b[0m ");
    } else {
        put_level(out, level_names[s->level].upper, level_names[s->level].length + 1);
    }
    put_module(out, s, SLUICE_FORMAT_TEXT);
    PUT_LITERAL(out, ": ");
    if (s->recalled)
        PUT_LITERAL(out, "[recalled] ");
    size_t fields = put_message(out, s, ESCAPE_TEXT);
    put_fields(out, s, fields, SLUICE_FORMAT_TEXT, NULL);
}

static void put_logfmt(struct out_buffer *out, struct timestamp_cache *cache, const struct line_source *s)
{
    PUT_LITERAL(out, "ts=");
    put_timestamp(out, cache, s->utc_ns);
    PUT_LITERAL(out, " level=");
    put_level(out, level_names[s->level].lower, level_names[s->level].length);
    PUT_LITERAL(out, " module=");
    put_module(out, s, SLUICE_FORMAT_LOGFMT);
    PUT_LITERAL(out, " msg=\"");
    size_t fields = put_message(out, s, ESCAPE_LOGFMT);
    out->data[out->length++] = '"';
    if (s->recalled)
        PUT_LITERAL(out, " recalled=true");
    if (s->dropped != 0) {
        PUT_LITERAL(out, " dropped=");
        render_unsigned(out, s->dropped);
    }
    put_fields(out, s, fields, SLUICE_FORMAT_LOGFMT, NULL);
}

static void put_json(struct out_buffer *out, struct timestamp_cache *cache, const struct line_source *s)
{
    PUT_LITERAL(out, "{\"ts\":\"");
    put_timestamp(out, cache, s->utc_ns);
    PUT_LITERAL(out, "\",\"level\":\"");
    put_level(out, level_names[s->level].lower, level_names[s->level].length);
    PUT_LITERAL(out, "\",\"module\":\"");
    put_module(out, s, SLUICE_FORMAT_JSON);
    PUT_LITERAL(out, "\",\"msg\":\"");
    size_t fields = put_message(out, s, ESCAPE_JSON);
    out->data[out->length++] = '"';
    if (s->thread != 0) {
        PUT_LITERAL(out, ",\"thread\":");
        render_unsigned(out, s->thread);
    }
    if (s->recalled)
        PUT_LITERAL(out, ",\"recalled\":true");
    if (s->dropped != 0) {
        PUT_LITERAL(out, ",\"dropped\":");
        render_unsigned(out, s->dropped);
    }
    put_fields(out, s, fields, SLUICE_FORMAT_JSON, NULL);
    out->data[out->length++] = '}';
}

/* `,"name":` (first: `{"name":`) for a member named by keys. */
static void put_member(struct out_buffer *out, const struct json_keys *keys, enum json_own_key key, bool first)
{
    out->data[out->length++] = first ? '{' : ',';
    out->data[out->length++] = '"';
    put(out, keys->own[key].text, keys->own[key].length);
    PUT_LITERAL(out, "\":");
}

/* JSON under a preset's names or renames: the same members, the message third as ECS asks. */
static void put_json_named(struct out_buffer *out, struct timestamp_cache *cache, const struct json_keys *keys,
                           const struct line_source *s)
{
    put_member(out, keys, JSON_TS, true);
    out->data[out->length++] = '"';
    put_timestamp(out, cache, s->utc_ns);
    out->data[out->length++] = '"';
    put_member(out, keys, JSON_LEVEL, false);
    out->data[out->length++] = '"';
    put_level(out, keys->severity_names ? level_names[s->level].severity : level_names[s->level].lower,
              level_names[s->level].length);
    out->data[out->length++] = '"';
    put_member(out, keys, JSON_MSG, false);
    out->data[out->length++] = '"';
    size_t fields = put_message(out, s, ESCAPE_JSON);
    out->data[out->length++] = '"';
    put_member(out, keys, JSON_MODULE, false);
    out->data[out->length++] = '"';
    put_module(out, s, SLUICE_FORMAT_JSON);
    out->data[out->length++] = '"';
    if (s->thread != 0) {
        put_member(out, keys, JSON_THREAD, false);
        render_unsigned(out, s->thread);
    }
    if (s->recalled) {
        put_member(out, keys, JSON_RECALLED, false);
        PUT_LITERAL(out, "true");
    }
    if (s->dropped != 0) {
        put_member(out, keys, JSON_DROPPED, false);
        render_unsigned(out, s->dropped);
    }
    if (keys->extra_key.length > 0) {
        PUT_LITERAL(out, ",\"");
        put(out, keys->extra_key.text, keys->extra_key.length);
        PUT_LITERAL(out, "\":\"");
        put(out, keys->extra_value.text, keys->extra_value.length);
        out->data[out->length++] = '"';
    }
    put_fields(out, s, fields, SLUICE_FORMAT_JSON, keys);
    out->data[out->length++] = '}';
}

/* RFC 5424: the head, the structured data (the line's own fields, then the metadata), the message. */
static void put_syslog(struct out_buffer *out, struct timestamp_cache *cache, const struct line_style *style,
                       const struct line_source *s)
{
    put_priority(out, style->facility, s->level);
    PUT_LITERAL(out, "1 ");
    put_timestamp(out, cache, s->utc_ns);
    put(out, style->syslog_head, style->syslog_head_length);
    PUT_LITERAL(out, "[sluice@32473 module=\"");
    put_module(out, s, RENDER_FORMAT_SYSLOG);
    out->data[out->length++] = '"';
    if (s->thread != 0) {
        PUT_LITERAL(out, " thread=\"");
        render_unsigned(out, s->thread);
        out->data[out->length++] = '"';
    }
    if (s->recalled)
        PUT_LITERAL(out, " recalled=\"true\"");
    if (s->dropped != 0) {
        PUT_LITERAL(out, " dropped=\"");
        render_unsigned(out, s->dropped);
        out->data[out->length++] = '"';
    }
    size_t fields = s->segments ? render_fields_offset(s->message, s->length) : s->length;
    if (fields < s->length)
        put_fields(out, s, fields, RENDER_FORMAT_SYSLOG, NULL); /* closes it */
    else
        out->data[out->length++] = ']';
    out->data[out->length++] = ' ';
    put_message(out, s, ESCAPE_TEXT);
}

void render_line(struct out_buffer *out, struct timestamp_cache *cache, const struct line_style *style,
                 const struct line_source *source)
{
    if (style->format == RENDER_FORMAT_SYSLOG) {
        put_syslog(out, cache, style, source);
    } else {
        if (style->priority_prefix)
            put_priority(out, 0, source->level);
        if (style->format == SLUICE_FORMAT_JSON && style->json_keys != NULL)
            put_json_named(out, cache, style->json_keys, source);
        else if (style->format == SLUICE_FORMAT_JSON)
            put_json(out, cache, source);
        else if (style->format == SLUICE_FORMAT_LOGFMT)
            put_logfmt(out, cache, source);
        else
            put_text(out, cache, style, source);
    }
    out->data[out->length++] = '\n';
}
