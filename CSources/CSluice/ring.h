/*
 * ring.h — the bounded MPSC byte ring: the record header, reserve, commit,
 * peek, release and the seal, with who touches which shared word, in what
 * order. It knows nothing of cores, counters or the synchronous path.
 */
#ifndef SLUICE_RING_H
#define SLUICE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomics.h"

#define CACHE_LINE 64

/*
 * One record in the ring: this header, then the message bytes, padded to a
 * multiple of 8. A truncated record carries the original length as a uint64_t
 * before the message.
 */
struct record {
    uint64_t commit;  /* position ^ commit_key once published (see ring.c). Written
                         by the producer last: with store_release where fences are
                         asymmetric (asymmetric.h; a closing writer's give-up is then
                         learnt from the core's list, log.c), else with exchange (a
                         full fence; the old value says whether a closing writer
                         abandoned the record); or by that writer with cas. Read by
                         the writer with load_acquire, before any other field. */
    uint64_t ticks;   /* clock_ticks() taken at reserve */
    uint32_t size;    /* bytes from this header to the next record */
    uint32_t length;  /* message bytes */
    uint32_t thread;  /* the logging thread's id (platform_thread_id) */
    uint16_t module;
    uint8_t level;
    uint8_t flags;    /* RECORD_TRUNCATED, RECORD_SEGMENTS */
};
_Static_assert(sizeof(struct record) == 32, "the record header is 32 bytes");

enum {
    RECORD_TRUNCATED = 1, /* a uint64_t original length precedes the message */
    RECORD_SEGMENTS = 2,  /* the message is segments (sluice.h), not text */
    RECORD_LABELLED = 4,  /* a uint8_t length and that many bytes of module name precede the
                             message (after the original length, if truncated) */
    RECORD_RECALLED = 8,  /* below its module's level when logged, written by the flight recorder */
};

/* Records never straddle the end: a producer whose record does not fit before
 * the end reserves the rest of the lap too and marks it with a padding commit
 * word, (position ^ commit_key ^ COMMIT_PADDING). A reservation the closing
 * writer gave up on gets (position ^ commit_key ^ COMMIT_ABANDONED), by cas,
 * so that its late commit, an exchange, learns it and counts its own drop; so
 * does one whose own thread crashed holding it (log.c), which the writer steps
 * over by its size. */
enum { COMMIT_PADDING = 2, COMMIT_ABANDONED = 4 };

/* Set in head by sluice_close: no reservation succeeds after it. The writer
 * learns of the close from sluice_core.closing instead, to leave head's line
 * to the producers. */
#define HEAD_SEALED ((uint64_t)1 << 63)

/* Bytes before the records: the ring's header page. */
#define RING_HEADER_BYTES 4096
#define RING_MAGIC 0x474e495245434953ull /* "SICERING" */
#define RING_VERSION 2u

/* The writer's clock conversion as `sluice recover` needs it (clock.h). */
struct ring_clock {
    uint64_t anchor_ticks;
    int64_t anchor_ns;
    uint64_t ns_per_tick;
    uint32_t ticks_are_realtime_ns;
    uint32_t reserved;
};

/*
 * The ring's first page: its positions, and what `sluice recover` (recover.c)
 * needs to read the records of a process that died. It lives in private memory,
 * or, for a recoverable core, in a file beside the statistics mapping
 * (ring_file.c), where it and the records outlive a kill -9. Little-endian,
 * naturally aligned; a reader outside the process trusts none of it.
 */
struct ring_header {
    /* Producers' line. */
    _Alignas(CACHE_LINE) uint64_t head; /* the next free position (bytes since open, never wraps),
                         | HEAD_SEALED once closed. Written by producers with cas (a full fence
                         on success, none on failure) and by close (cas). Read by producers
                         (relaxed: the cas validates it), the writer and flush. */
    uint64_t tail_seen; /* a recent value of tail, never above it: producers check room
                         against it and read tail itself only when it says full, so the
                         writer's line is not pulled on every call. store_release by a
                         producer after its load_acquire of tail; load_acquire by producers,
                         which keeps the writer's reads before their writes. */

    /* The writer's line. */
    _Alignas(CACHE_LINE) uint64_t tail; /* the first position the writer has not released.
                         Written by the writer only, store_release after it has read every
                         record before it (and, in a recoverable ring, after the sink took
                         them); by `sluice recover` once the process is dead. Read by
                         producers with load_acquire before they reuse the space. */
    uint64_t writing_end; /* recoverable rings: the end of the batch being written, stored by
                         the writer (store_release) before the write and left behind when it
                         returns; records in [tail, writing_end) may be in the log already. */

    /* Written at open (and in a forked child before it publishes a file of its own). */
    _Alignas(CACHE_LINE) uint64_t magic;
    uint32_t version;
    uint32_t pid;
    uint64_t capacity;
    uint64_t commit_key;
    uint64_t core_id;
    uint32_t lane;            /* which of the core's rings (lanes.h): the file holds them in order */
    uint32_t reserved;
    uint64_t opened_ns;       /* CLOCK_REALTIME when the file was made: tells a reused pid */

    /* The writer's clock (store_release of clock_index after the slot it names is whole),
     * so that recover converts ticks as the writer would have. */
    _Alignas(CACHE_LINE) uint32_t clock_index;
    struct ring_clock clocks[2];
};
_Static_assert(sizeof(struct ring_header) <= RING_HEADER_BYTES, "the header fits its page");

struct ring {
    /* Read-only after open; the producers' and the writer's words are behind header. */
    _Alignas(CACHE_LINE) struct ring_header *header; /* the mapping's first page; the records follow it */
    char *base;           /* header + RING_HEADER_BYTES */
    uint64_t capacity;    /* a power of two */
    uint64_t commit_key;  /* random, low bit set: zeroed memory never looks committed, and
                             stale message bytes match a future commit word with chance 2^-64 */
    uint32_t max_message; /* the longest message a record carries whole */
    char *path;           /* the file the mapping lives in (ring_publish), or NULL */
};

/* What the writer found at a position: nothing committed yet, a record, padding to the
 * lap's end, or a reservation its crashing producer gave up (its drop counted already). */
enum peek { PEEK_NOTHING, PEEK_RECORD, PEEK_PADDING, PEEK_ABANDONED };

int ring_init(struct ring *ring, size_t capacity, uint64_t core_id, char *error, size_t error_size);
/* Unmaps; a ring with a file removes it first (ring_forget_file). */
void ring_destroy(struct ring *ring);

/* The writer's clock into the header, for recover. */
void ring_store_clock(struct ring *ring, const struct ring_clock *clock);
/* A forked child: empties the ring at its head (every record in it is the
 * parent's to write) and returns that position. Only one thread exists. */
uint64_t ring_restart(struct ring *ring);

/* Producers. */
enum ring_claim { RING_CLAIMED, RING_FULL, RING_SEALED };
/* Claims size bytes (plus padding to the lap's end when they do not fit
 * before it) if the ring then holds at most limit bytes (capacity, or less for
 * a claim that must leave room for others): RING_CLAIMED with the record's
 * *position; RING_FULL with the *position the reservation would end at, for a
 * caller that waits for room (ring_has_room); or RING_SEALED. Never waits,
 * counts nothing. */
/* The slow path of ring_reserve, when tail_seen says full: reads tail itself; true if
 * a reservation ending at end fits within limit. */
bool ring_refresh_tail(struct ring *ring, uint64_t end, uint64_t limit);
/* Inline: it is every log call's claim. */
static inline enum ring_claim ring_reserve(struct ring *ring, uint64_t size, uint64_t limit, uint64_t *position)
{
    uint64_t head = load_relaxed(&ring->header->head);
    for (;;) {
        if (head & HEAD_SEALED)
            return RING_SEALED;
        uint64_t offset = head & (ring->capacity - 1);
        uint64_t padding = offset + size > ring->capacity ? ring->capacity - offset : 0;
        uint64_t end = head + padding + size;
        /* Signed: a head read before the writer released past it looks like a
         * negative fill; the cas below then fails and refreshes it. */
        if ((int64_t)(end - load_acquire(&ring->header->tail_seen)) > (int64_t)limit && !ring_refresh_tail(ring, end, limit)) {
            *position = end;
            return RING_FULL;
        }
        /* Success is a full fence: the record's bytes, written next, cannot be
         * seen before this claim, nor move before the tail load above. Failure
         * orders nothing; the loop re-reads tail. */
        uint64_t found = cas(&ring->header->head, head, end);
        if (found == head) {
            if (padding != 0) {
                struct record *pad = (struct record *)(ring->base + offset);
                store_release(&pad->commit, head ^ ring->commit_key ^ COMMIT_PADDING);
            }
            *position = head + padding;
            return RING_CLAIMED;
        }
        head = found;
    }
}

/* True if a reservation ending at end fits within limit now, or the ring is sealed:
 * what a producer waiting for room checks after preparing its wait. */
bool ring_has_room(struct ring *ring, uint64_t end, uint64_t limit);
static inline struct record *ring_record(const struct ring *ring, uint64_t position)
{
    return (struct record *)(ring->base + (position & (ring->capacity - 1)));
}
/* Publishes the record at position with an exchange (a full fence); false if
 * a closing writer abandoned it first, so that its drop is the caller's to count. */
static inline bool ring_commit(struct ring *ring, struct record *record, uint64_t position)
{
    uint64_t commit = position ^ ring->commit_key;
    return exchange(&record->commit, commit) != (commit ^ COMMIT_ABANDONED);
}
/* Publishes it with a release store: no locked instruction, so the store waits in the
 * store buffer instead of the caller waiting for the line (which the writer, reading
 * the records just before, often holds). It may overwrite a closing writer's
 * abandonment mark: the caller asks the core's list instead (log.c). */
static inline void ring_commit_store(struct ring *ring, struct record *record, uint64_t position)
{
    store_release(&record->commit, position ^ ring->commit_key);
}

/* The next free position, seal aside. */
static inline uint64_t ring_head(const struct ring *ring)
{
    return load_relaxed(&ring->header->head) & ~HEAD_SEALED;
}
static inline bool ring_is_sealed(const struct ring *ring)
{
    return (load_relaxed(&ring->header->head) & HEAD_SEALED) != 0;
}
/* Seals head (cas): reservations before it get written, later ones fail. */
void ring_seal(struct ring *ring);
/* A reopened core: reservations succeed again from where head stood. */
void ring_unseal(struct ring *ring);

/* The writer. */
/* What is at position (an unreleased position the writer has reached). */
static inline enum peek ring_peek(const struct ring *ring, uint64_t position, struct record **record)
{
    struct record *r = ring_record(ring, position);
    uint64_t commit = load_acquire(&r->commit);
    *record = r;
    if (commit == (position ^ ring->commit_key))
        return PEEK_RECORD;
    if (commit == (position ^ ring->commit_key ^ COMMIT_PADDING))
        return PEEK_PADDING;
    if (commit == (position ^ ring->commit_key ^ COMMIT_ABANDONED))
        return PEEK_ABANDONED;
    return PEEK_NOTHING;
}
/* Bytes of padding from position to the end of the lap. */
static inline uint64_t ring_padding(const struct ring *ring, uint64_t position)
{
    return ring->capacity - (position & (ring->capacity - 1));
}
/* The next position after from, below end, that holds a commit or padding word for
 * itself (a stale or random word matches with chance 2^-64), or end: where records
 * start again after a reservation that was never committed. */
uint64_t ring_next_published(const struct ring *ring, uint64_t from, uint64_t end);
/* Lets producers reuse everything before position, after every read of it. */
static inline void ring_release(struct ring *ring, uint64_t position)
{
    store_release(&ring->header->tail, position);
}

#endif /* SLUICE_RING_H */
