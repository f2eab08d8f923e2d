/*
 * render.h — one record to one line of text:
 *
 *     2026-11-29T04:08:43.123456Z INFO resilient_websocket: message text\n
 *
 * The message is escaped so that a record is always exactly one line and the
 * output is valid UTF-8: \n \r \t for those controls, \xHH for every other
 * C0/C1 control, DEL, and each byte of invalid UTF-8.
 */
#ifndef SLUICE_RENDER_H
#define SLUICE_RENDER_H

#include <stddef.h>
#include <stdint.h>

struct out_buffer {
    char *data;
    size_t length;
    size_t capacity;
};

/* The "YYYY-MM-DDTHH:MM:SS." prefix of the current second, rebuilt when the
 * second changes, and the whole stamp of the last microsecond rendered. */
struct timestamp_cache {
    int64_t second;
    char prefix[20];
    int64_t micro;
    char stamp[28];
};

/* "00" "01" ... "99": two decimal digits at a time. */
extern const char render_digit_pairs[201];

/* The most bytes render_line can append for a message of this length. */
size_t render_line_bound(size_t message_length, size_t module_length);

/* A line is its head, a message, and its end; the caller has checked
 * render_line_bound against the room left. */

/* "<N>": the syslog severity of level (trace and debug 7, info 6, notice 5, warning 4,
 * error 3, critical 2), which journald reads off the start of a line on stderr. */
void render_priority(struct out_buffer *out, int level);
/* "2026-11-29T04:08:43.123456Z LEVEL module: " */
void render_head(struct out_buffer *out, struct timestamp_cache *cache, int64_t utc_ns, int level,
                 const char *module, size_t module_length);
/* The message text, escaped as above. */
void render_escaped(struct out_buffer *out, const char *message, size_t length);
/* Escapes text, whole characters and escapes only, until the escaped text
 * would pass budget bytes: the bound holds after escaping, not before. */
void render_escaped_within(struct out_buffer *out, const char *text, size_t length, size_t budget);
/* A message of segments (sluice.h, "Deferred formatting"), rendered and escaped (segments.c). */
void render_segments(struct out_buffer *out, const char *segments, size_t length);
/* The truncation marker if truncated_from (the original length) is not 0, and the newline. */
void render_end(struct out_buffer *out, size_t kept, uint64_t truncated_from);

#endif /* SLUICE_RENDER_H */
