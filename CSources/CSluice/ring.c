/*
 * ring.c — the bounded MPSC byte ring: reserve, commit.
 *
 * Positions count bytes since the core opened and never wrap (2^63 bytes is
 * centuries of logging); a position's place in memory is position mod
 * capacity. A producer reserves [head, head + size) with a cas on head, fills
 * the record, and publishes it by storing its commit word, position ^
 * commit_key. Because the position differs on every lap, a commit word left
 * from an earlier lap never matches, so the writer never zeroes memory behind
 * it. The writer (writer.c) reads records in position order and releases them
 * by advancing tail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core.h"

static inline uint64_t align8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

int ring_init(struct ring *ring, size_t capacity, char *error, size_t error_size)
{
    if (capacity < SLUICE_RING_MIN || capacity > SLUICE_RING_MAX || (capacity & (capacity - 1)) != 0) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: ring_bytes %zu is not a power of two between %d and %zu; nothing was opened",
                     capacity, SLUICE_RING_MIN, SLUICE_RING_MAX);
        return -1;
    }
    void *base = NULL;
    if (posix_memalign(&base, 4096, capacity) != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot allocate a ring of %zu bytes", capacity);
        return -1;
    }
    memset(base, 0, capacity); /* fault every page in now, not on a producer's first lap */
    uint64_t key;
    if (getrandom(&key, sizeof key, GRND_NONBLOCK) != sizeof key)
        key = clock_ticks() * 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)base;
    ring->base = base;
    ring->capacity = capacity;
    ring->commit_key = key | 1;
    ring->max_message = (uint32_t)(capacity / 4 - sizeof(struct record) - sizeof(uint64_t));
    ring->head = 0;
    ring->tail = 0;
    ring->tail_seen = 0;
    return 0;
}

uint64_t ring_restart(struct ring *ring)
{
    uint64_t head = ring->head & ~HEAD_SEALED;
    ring->head = head;
    ring->tail = head;
    ring->tail_seen = head;
    return head;
}

void ring_destroy(struct ring *ring)
{
    free(ring->base);
    ring->base = NULL;
}

size_t sluice_max_message(const sluice_core *core)
{
    return core->ring.max_message;
}

/* Reads tail itself; true if a reservation ending at end fits. */
static bool refresh_tail(struct ring *ring, uint64_t end)
{
    uint64_t tail = load_acquire(&ring->tail);
    if ((int64_t)(end - tail) > (int64_t)ring->capacity)
        return false;
    store_release(&ring->tail_seen, tail);
    return true;
}

/* Block policy: sleeps until the writer releases enough for a reservation
 * ending at end, or the core is sealed; the caller then tries again. */
static void wait_for_room(sluice_core *core, uint64_t end)
{
    struct ring *ring = &core->ring;
    int32_t seen = event_prepare(&core->space);
    /* After prepare's fence: either this sees the writer's new tail (or the
     * seal), or the writer's event_signal sees this waiter. */
    bool ready = (int64_t)(end - load_acquire(&ring->tail)) <= (int64_t)ring->capacity ||
                 (load_relaxed(&ring->head) & HEAD_SEALED) != 0;
    if (!ready)
        event_wait(&core->space, seen, -1);
    event_finish(&core->space);
}

/* Claims size bytes (plus padding to the lap's end when they do not fit before
 * it). Returns SLUICE_OK with the record's position, or SLUICE_DROPPED: the
 * core is closed, or the ring is full and the caller may not wait. */
static int reserve(sluice_core *core, uint64_t size, bool may_wait, uint64_t *position)
{
    struct ring *ring = &core->ring;
    uint64_t head = load_relaxed(&ring->head);
    for (;;) {
        if (head & HEAD_SEALED) {
            add_relaxed(&core->map->totals.dropped_after_close, 1);
            return SLUICE_DROPPED;
        }
        uint64_t offset = head & (ring->capacity - 1);
        uint64_t padding = offset + size > ring->capacity ? ring->capacity - offset : 0;
        uint64_t end = head + padding + size;
        /* Signed: a head read before the writer released past it looks like a
         * negative fill; the cas below then fails and refreshes it. */
        if ((int64_t)(end - load_acquire(&ring->tail_seen)) > (int64_t)ring->capacity &&
            !refresh_tail(ring, end)) {
            if (!may_wait) {
                /* A full fence, then: the writer must wake to report the gap. */
                (void)add_fetch(&core->map->totals.dropped_full, 1);
                if (doorbell_is_sleeping(&core->bell))
                    doorbell_ring(&core->bell);
                return SLUICE_DROPPED;
            }
            wait_for_room(core, end);
            head = load_relaxed(&ring->head);
            continue;
        }
        /* Success is a full fence: the record's bytes, written next, cannot be
         * seen before this claim, nor move before the tail load above. Failure
         * orders nothing; the loop re-reads tail. */
        uint64_t found = cas(&ring->head, head, end);
        if (found == head) {
            if (padding != 0) {
                struct record *pad = (struct record *)(ring->base + offset);
                store_release(&pad->commit, head ^ ring->commit_key ^ COMMIT_PADDING);
            }
            *position = head + padding;
            return SLUICE_OK;
        }
        head = found;
    }
}

static __thread uint32_t cached_thread_id;

void ring_forget_thread_id(void)
{
    cached_thread_id = 0;
}

static inline uint32_t thread_id(void)
{
    if (__builtin_expect(cached_thread_id == 0, 0))
        cached_thread_id = (uint32_t)syscall(SYS_gettid);
    return cached_thread_id;
}

/*
 * Log calls of this thread between their claim and their commit. More than
 * one means nesting: a signal handler that interrupted a log call, or a
 * thread logging while it holds a reservation of its own. A nested call never
 * waits — the room or the lock it would wait for may be held by the very call
 * it interrupted — so it drops and counts instead, whatever the policy.
 */
static __thread uint32_t log_depth;

/* Claims room for a record: in the ring, or (synchronous cores) the one
 * record buffer, whose lock is then held until commit. */
static int claim(sluice_core *core, uint64_t size, bool nested, uint64_t *position, struct record **record)
{
    if (core->synchronous) {
        int status = sync_begin(core, nested, record);
        if (status == SYNC_CLOSED)
            add_relaxed(&core->map->totals.dropped_after_close, 1);
        else if (status == SYNC_BUSY)
            add_relaxed(&core->map->totals.dropped_full, 1);
        return status == SYNC_READY ? SLUICE_OK : SLUICE_DROPPED;
    }
    int status = reserve(core, size, load_relaxed(&core->overflow) == SLUICE_OVERFLOW_BLOCK && !nested, position);
    *record = (struct record *)(core->ring.base + (*position & (core->ring.capacity - 1)));
    return status;
}

static int reserve_record(sluice_core *core, int level, int module, size_t length, uint8_t flags,
                          sluice_reservation *r)
{
    struct ring *ring = &core->ring;
    if ((unsigned)level > SLUICE_CRITICAL || module < 0 ||
        (uint32_t)module >= load_relaxed(&core->map->module_count))
        return SLUICE_INVALID;
    sluice_shard_count(sluice_shard(core, core->id), module, SLUICE_COUNT_ACCEPTED);

    size_t capacity = length;
    size_t prefix = 0;
    if (__builtin_expect(length > ring->max_message, 0)) {
        capacity = ring->max_message;
        flags |= RECORD_TRUNCATED;
        prefix = sizeof(uint64_t);
    }
    uint64_t size = align8(sizeof(struct record) + prefix + capacity);
    uint64_t position = 0;
    struct record *record;
    int status = claim(core, size, log_depth++ != 0, &position, &record);
    if (status != SLUICE_OK) {
        log_depth--;
        add_relaxed(&core->map->modules[module].dropped, 1);
        return status;
    }
    if (__builtin_expect(flags & RECORD_TRUNCATED, 0))
        add_relaxed(&core->map->totals.truncated, 1); /* cut and in the ring: a dropped record is not */

    record->ticks = clock_ticks();
    record->size = (uint32_t)size;
    record->length = (uint32_t)capacity;
    record->thread = thread_id();
    record->module = (uint16_t)module;
    record->level = (uint8_t)level;
    record->flags = flags;
    char *message = (char *)(record + 1);
    if (flags & RECORD_TRUNCATED) {
        uint64_t original = length;
        memcpy(message, &original, sizeof original);
        message += sizeof original;
    }
    *r = (sluice_reservation){.message = message, .capacity = capacity, .position = position, .record = record};
    return SLUICE_OK;
}

int sluice_reserve(sluice_core *core, int level, int module, size_t length, sluice_reservation *r)
{
    return reserve_record(core, level, module, length, 0, r);
}

void sluice_commit(sluice_core *core, sluice_reservation *r, size_t used)
{
    struct record *record = r->record;
    record->length = (uint32_t)(used < r->capacity ? used : r->capacity);
    if (core->synchronous) {
        sync_end(core, record);
    } else {
        /* Publish, then a full fence before looking at the doorbell: either the
         * writer's re-check after announcing its sleep sees this record, or
         * this load sees the announcement (wait.h). The exchange also tells
         * whether a closing writer gave up on this record: then it is dropped,
         * and counted. */
        uint64_t commit = r->position ^ core->ring.commit_key;
        if (__builtin_expect(exchange(&record->commit, commit) == (commit ^ COMMIT_ABANDONED), 0)) {
            add_relaxed(&core->map->totals.dropped_abandoned, 1);
            add_relaxed(&core->map->modules[record->module].dropped, 1);
        } else if (doorbell_is_sleeping(&core->bell)) {
            doorbell_ring(&core->bell);
        }
    }
    log_depth--; /* only now: until it is published, a call nested here must not wait for it */
}

static int log_bytes(sluice_core *core, int level, int module, const void *bytes, size_t length, uint8_t flags)
{
    if (bytes == NULL && length != 0)
        return SLUICE_INVALID;
    sluice_reservation r;
    int status = reserve_record(core, level, module, length, flags, &r);
    if (status != SLUICE_OK)
        return status;
    memcpy(r.message, bytes, r.capacity);
    sluice_commit(core, &r, r.capacity);
    return SLUICE_OK;
}

int sluice_log(sluice_core *core, int level, int module, const char *message, size_t length)
{
    return log_bytes(core, level, module, message, length, 0);
}

int sluice_log_segments(sluice_core *core, int level, int module, const void *segments, size_t length)
{
    return log_bytes(core, level, module, segments, length, RECORD_SEGMENTS);
}

int sluice_log_labelled(sluice_core *core, int level, int module, const char *label, size_t label_length,
                        const void *message, size_t length, int segments)
{
    if ((message == NULL && length != 0) || label == NULL || label_length == 0 ||
        label_length > SLUICE_MODULE_NAME_MAX)
        return SLUICE_INVALID;
    sluice_reservation r;
    size_t labelled = 1 + label_length;
    int status = reserve_record(core, level, module, labelled + length,
                                RECORD_LABELLED | (segments ? RECORD_SEGMENTS : 0), &r);
    if (status != SLUICE_OK)
        return status;
    r.message[0] = (char)label_length;
    memcpy(r.message + 1, label, label_length);
    memcpy(r.message + labelled, message, r.capacity - labelled); /* a cut takes from the message only */
    sluice_commit(core, &r, r.capacity);
    return SLUICE_OK;
}
