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

/* The "YYYY-MM-DDTHH:MM:SS." prefix of the current second, rebuilt when the second changes. */
struct timestamp_cache {
    int64_t second;
    char prefix[20];
};

/* The most bytes render_line can append for a message of this length. */
size_t render_line_bound(size_t message_length, size_t module_length);

/* Appends one line; the caller has checked render_line_bound against the room left.
 * truncated_from is the original message length of a truncated record, else 0. */
void render_line(struct out_buffer *out, struct timestamp_cache *cache, int64_t utc_ns, int level,
                 const char *module, size_t module_length, const char *message, size_t length,
                 uint64_t truncated_from);

/* Appends message with the escaping above; the caller has room for 4 * length bytes. */
void render_escaped(struct out_buffer *out, const char *message, size_t length);

#endif /* SLUICE_RENDER_H */
