/*
 * sinks.h — a core's sinks: one array of slots. Every slot is a sink (sink.h)
 * with the lowest level it takes, a buffer the writer renders its lines into,
 * and what a failed write needs to know. Slot 0 takes every record, and its
 * outcome is the core's own accounting (written, dropped by the sink, drop
 * reports owed); the others (up to SLUICE_SINKS_MAX - 1) count for themselves.
 */
#ifndef SLUICE_SINKS_H
#define SLUICE_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render.h"
#include "sink.h"
#include "sluice.h"
#include "stats.h"

enum { SINK_BATCH_BYTES = 256 << 10 }; /* a slot's buffer is written once it holds this much */

/* A line in a slot's buffer: a record, or a drop report for `reports` records. */
struct line {
    uint32_t end;     /* offset just after its newline */
    uint16_t module;  /* a record's */
    uint8_t level;    /* a record's */
    uint64_t reports; /* 0 for a record */
    int64_t utc_ns;   /* a record's timestamp, for the end-to-end histogram */
};

/* Only the thread that writes (the writer, or a synchronous core's caller under its lock)
 * touches a slot. */
struct sink_slot {
    struct sink sink;
    int level;                  /* the lowest it takes; slot 0: SLUICE_TRACE */
    struct out_buffer out;
    struct line *lines;         /* each line in out, so a failed write knows what it lost */
    uint32_t line_count;
    bool torn_line;             /* a failed write may have left half a line */
    uint64_t failed_writes;     /* since it last worked */
    uint64_t rotations_seen;    /* the sink's rotations and failures already counted */
    uint64_t rotation_failures_seen;
};

struct sink_set {
    uint32_t count; /* 1 to SLUICE_SINKS_MAX once open */
    struct sink_slot slot[SLUICE_SINKS_MAX];
};

/* Opens the sinks options name, each slot's buffer sized for lines of up to max_message
 * bytes; -1 after a line in error ending with outcome, nothing left open. */
int sink_set_open(struct sink_set *set, const sluice_options *options, uint32_t max_message, const char *outcome,
                  char *error, size_t error_size);
/* Closes every sink of the set and frees the buffers. Safe to call twice. */
void sink_set_close(struct sink_set *set);
/* The set's names, levels and formats into map, their counts from zero. */
void sink_set_publish(const struct sink_set *set, struct stats_map *map);
/* A core's sinks become set's (closed before, or never open), published in map. */
void sink_set_install(struct sink_set *sinks, const struct sink_set *set, struct stats_map *map);
/* Whether writing to the set on an application thread must guard against SIGPIPE (sink.h):
 * a sink, or stderr (where a failed write is reported), is a pipe. */
bool sink_set_needs_sigpipe_guard(const struct sink_set *set);
/* A slot's buffer for lines of up to max_message bytes, and the most lines it holds (a line
 * is longer than 32 bytes: its timestamp alone takes 28). */
size_t sink_buffer_bytes(uint32_t max_message);
static inline size_t sink_buffer_lines(size_t bytes)
{
    return bytes / 32 + 1;
}

#endif /* SLUICE_SINKS_H */
