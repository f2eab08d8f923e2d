/*
 * render.h — one record to one line, in one of three formats (sluice.h,
 * SLUICE_FORMAT_*):
 *
 *     text    2026-11-29T04:08:43.123456Z INFO resilient_websocket: message text key=value
 *     logfmt  ts=2026-11-29T04:08:43.123456Z level=info module=resilient_websocket msg="message text" key=value
 *     json    {"ts":"2026-11-29T04:08:43.123456Z","level":"info","module":"resilient_websocket",
 *              "msg":"message text","thread":4711,"key":"value"}
 *
 * Whatever a record holds, its line is one line of valid UTF-8 with no control
 * byte: text and logfmt write \n \r \t for those controls and \xHH for every
 * other C0/C1 control, DEL and each byte of invalid UTF-8; JSON writes \u00XX
 * for the controls and \ufffd for invalid bytes; all three write \u2028 and
 * \u2029 for the two line separators, and escape backslashes (and, in logfmt
 * and JSON, quotes).
 */
#ifndef SLUICE_RENDER_H
#define SLUICE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"

struct json_keys;
struct format_table;

struct out_buffer {
    char *data;
    size_t length;
    size_t capacity;
};

/* "2026-11-29T04:08:43.123456Z": RFC 3339, UTC, microseconds; in local time
 * "2026-11-29T05:08:43.123456+01:00"; short (text lines only) "05:08:43.123". */
enum { RENDER_TIMESTAMP_LENGTH = 27, RENDER_LOCAL_TIMESTAMP_LENGTH = 32, RENDER_SHORT_TIMESTAMP_LENGTH = 12 };

/* One zone's "YYYY-MM-DDTHH:MM:SS." prefix of the current second, rebuilt when the
 * second (or the offset) changes, and the whole stamp of the last microsecond rendered. */
struct stamp_cache {
    int64_t second;
    int64_t micro;
    int32_t offset;
    char prefix[20];
    char stamp[RENDER_LOCAL_TIMESTAMP_LENGTH];
};

/* A renderer's stamps, in UTC and in local time. */
struct timestamp_cache {
    struct stamp_cache utc, local;
};

/* SLUICE_FORMAT_TEXT, _LOGFMT, _JSON, and RFC 5424 syslog, which only the syslog sink
 * writes (sink_syslog.c): <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - [sluice@32473
 * module="…" thread="…"][fields@32473 key="value"] message */
enum { RENDER_FORMAT_SYSLOG = 3, RENDER_FORMATS = 4 };

/* How text is escaped: a text line's message, a logfmt value or key, a JSON string, a
 * syslog structured-data value (logfmt's, and ']' too). */
enum escape_style { ESCAPE_TEXT, ESCAPE_LOGFMT, ESCAPE_JSON, ESCAPE_SYSLOG };

/* How a sink wants its lines. */
struct line_style {
    int format;             /* SLUICE_FORMAT_* or RENDER_FORMAT_SYSLOG */
    bool priority_prefix;   /* "<N>" first, for journald (standard streams only) */
    bool color;             /* text: the level in ANSI colour (a terminal, or asked for) */
    bool local_time;        /* text: the time in zone, with its offset (else UTC) */
    bool short_time;        /* text: HH:MM:SS.mmm alone */
    struct clock_zone zone; /* the local zone's offsets, found when the sink opened */
    struct json_keys *json_keys; /* json: a preset's names or renames (json_keys.h, owned by the
                                    sink set); NULL: the standard names */
    int facility;           /* syslog: PRI is facility * 8 + severity */
    char syslog_head[320];  /* syslog: " HOSTNAME APP-NAME PROCID - " after the timestamp */
    size_t syslog_head_length;
};

/* The most bytes escaping writes for one byte of input (JSON's \ufffd for an invalid byte). */
enum { RENDER_ESCAPE_FACTOR = 6 };

/* What a line shows: a record, or a drop report (dropped > 0). */
struct line_source {
    int64_t utc_ns;
    int level;
    uint32_t thread;          /* the logging thread's id; 0 for a drop report */
    const char *module;       /* the module's name as registered (or a record's own label) */
    size_t module_length;
    const char *label;        /* the name as format writes it (render_module, done once per module
                                 by modules.c), or NULL: written from module here */
    size_t label_length;
    const char *message;      /* text, or segments (sluice.h, "Deferred formatting") */
    size_t length;
    bool segments;
    uint64_t truncated_from;  /* the original length of a cut message, or 0 */
    uint64_t dropped;         /* a drop report's count */
    bool recalled;            /* written by the flight recorder, after an error */
    const struct format_table *formats; /* where its format is (formats.h): NULL, the process's */
};

/* A cache that holds no stamp yet. */
void render_timestamp_cache_init(struct timestamp_cache *cache);
/* Writes RENDER_TIMESTAMP_LENGTH bytes at at. */
void render_timestamp(char *at, struct timestamp_cache *cache, int64_t utc_ns);
/* Writes RENDER_LOCAL_TIMESTAMP_LENGTH bytes at at: the time offset seconds east of UTC. */
void render_local_timestamp(char *at, struct timestamp_cache *cache, int64_t utc_ns, int32_t offset);

/* "00" "01" ... "99": two decimal digits at a time. */
extern const char render_digit_pairs[201];

/* The most bytes render_line can append for a message of this length, in any format. */
size_t render_line_bound(size_t message_length, size_t module_length);

/* Appends the line of source as style says; the caller has checked render_line_bound
 * against the room left. */
void render_line(struct out_buffer *out, struct timestamp_cache *cache, const struct line_style *style,
                 const struct line_source *source);

/* text, escaped in style. */
void render_escaped(struct out_buffer *out, const char *text, size_t length, enum escape_style style);
/* Escapes text, whole characters and escapes only, until the escaped text
 * would pass budget bytes: the bound holds after escaping, not before. */
void render_escaped_within(struct out_buffer *out, const char *text, size_t length, size_t budget,
                           enum escape_style style);
/* A module's name as format writes it: escaped (text), a logfmt value, or a JSON string's inside. */
void render_module(struct out_buffer *out, const char *name, size_t length, int format);
/* A logfmt value: as it is when it is a plain token, else quoted and escaped. */
void render_logfmt_value(struct out_buffer *out, const char *text, size_t length);
/* A logfmt key: one token always, a space, '=' or '"' in it written as '_'. */
void render_logfmt_key(struct out_buffer *out, const char *key, size_t length);

/* segments.c: the message part of segments, rendered and escaped in style; returns
 * the offset of its fields (the SLUICE_SEGMENT_FIELDS tag), or length if none. */
size_t render_segments(struct out_buffer *out, const char *segments, size_t length, enum escape_style style,
                       const struct format_table *formats);
/* That offset, rendering nothing. */
size_t render_fields_offset(const char *segments, size_t length);
/* The most bytes the format segments start with (SLUICE_SEGMENT_FORMAT, found in formats:
 * NULL for the process's) adds to their line, beyond render_line_bound's for their length; 0
 * without one. Never more than RENDER_FORMAT_ROOM_MAX. */
size_t render_format_room(const struct format_table *formats, const char *segments, size_t length);
enum { RENDER_FORMAT_ROOM_MAX = RENDER_ESCAPE_FACTOR * 4096 /* SLUICE_FORMAT_BYTES_MAX */ + 8 };
/* A value segment: an integer, a floating-point number (in JSON a string when not
 * finite), a boolean. */
void render_value(struct out_buffer *out, int tag, const char *bytes, size_t size, int format);
/* value in decimal. */
void render_unsigned(struct out_buffer *out, uint64_t value);
/* The bytes after a value segment's tag (a TEXT segment's: its length), or 0 for other tags. */
size_t render_value_size(int tag);

/* fields.c: a record's fields, from just after SLUICE_SEGMENT_FIELDS, in format; JSON
 * under keys' names when keys is not NULL. */
void render_fields(struct out_buffer *out, const char *fields, size_t length, int format,
                   const struct json_keys *keys);

#endif /* SLUICE_RENDER_H */
