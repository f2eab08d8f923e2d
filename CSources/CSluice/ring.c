/*
 * ring.c — the bounded MPSC byte ring: init, the tail refresh, seal (reserve,
 * commit, peek and release are inline in ring.h, on every log call's path).
 *
 * Positions count bytes since the core opened and never wrap (2^63 bytes is
 * centuries of logging); a position's place in memory is position mod
 * capacity. A producer reserves [head, head + size) with a cas on head, fills
 * the record, and publishes it by storing its commit word, position ^
 * commit_key. Because the position differs on every lap, a commit word left
 * from an earlier lap never matches, so the writer never zeroes memory behind
 * it. The writer (writer.c) reads records in position order and releases them
 * by advancing tail. What a full ring means for a caller (drop, or wait) and
 * every count are log.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "ring.h"
#include "sluice.h"

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

bool ring_refresh_tail(struct ring *ring, uint64_t end, uint64_t limit)
{
    uint64_t tail = load_acquire(&ring->tail);
    if ((int64_t)(end - tail) > (int64_t)limit)
        return false;
    store_release(&ring->tail_seen, tail);
    return true;
}

bool ring_has_room(struct ring *ring, uint64_t end, uint64_t limit)
{
    return (int64_t)(end - load_acquire(&ring->tail)) <= (int64_t)limit ||
           (load_relaxed(&ring->head) & HEAD_SEALED) != 0;
}

void ring_seal(struct ring *ring)
{
    uint64_t head = load_relaxed(&ring->head), found;
    while ((found = cas(&ring->head, head, head | HEAD_SEALED)) != head)
        head = found;
}

void ring_unseal(struct ring *ring)
{
    uint64_t head = load_relaxed(&ring->head), found;
    while ((found = cas(&ring->head, head, head & ~HEAD_SEALED)) != head)
        head = found;
}
