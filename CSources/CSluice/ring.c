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
 * every count are log.c's. The positions live in the first page of the ring's
 * mapping (struct ring_header), the records after it, so that ring_file.c can
 * move the whole of it into a file that outlives the process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "platform.h"
#include "ring.h"
#include "sluice.h"

int ring_init(struct ring *ring, size_t capacity, uint64_t core_id, char *error, size_t error_size)
{
    if (capacity < SLUICE_RING_MIN || capacity > SLUICE_RING_MAX || (capacity & (capacity - 1)) != 0) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: ring_bytes %zu is not a power of two between %d and %zu; nothing was opened",
                     capacity, SLUICE_RING_MIN, SLUICE_RING_MAX);
        return -1;
    }
    /* Every page faulted in now, not on a producer's first lap. */
    void *mapping = mmap(NULL, RING_HEADER_BYTES + capacity, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | PLATFORM_MAP_POPULATE, -1, 0);
    if (mapping == MAP_FAILED) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot map a ring of %zu bytes: %s; nothing was opened", capacity,
                     strerror(errno));
        return -1;
    }
    platform_fault_in(mapping, RING_HEADER_BYTES + capacity);
    uint64_t key;
    if (!platform_random(&key, sizeof key))
        key = clock_ticks() * 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)mapping;
    struct ring_header *header = mapping;
    header->magic = RING_MAGIC;
    header->version = RING_VERSION;
    header->pid = (uint32_t)getpid();
    header->capacity = capacity;
    header->commit_key = key | 1;
    header->core_id = core_id;
    *ring = (struct ring){.header = header,
                          .base = (char *)mapping + RING_HEADER_BYTES,
                          .capacity = capacity,
                          .commit_key = key | 1,
                          .max_message = (uint32_t)(capacity / 4 - sizeof(struct record) - sizeof(uint64_t)),
                          .path = NULL};
    return 0;
}

uint64_t ring_restart(struct ring *ring)
{
    struct ring_header *header = ring->header;
    uint64_t head = header->head & ~HEAD_SEALED;
    header->head = head;
    header->tail = head;
    header->tail_seen = head;
    header->writing_end = head;
    return head;
}

void ring_destroy(struct ring *ring)
{
    if (ring->header == NULL || ring->base == NULL) /* none, or a forked child's sealed stand-in */
        return;
    munmap(ring->header, RING_HEADER_BYTES + ring->capacity);
    ring->header = NULL;
    ring->base = NULL;
}

bool ring_refresh_tail(struct ring *ring, uint64_t end, uint64_t limit)
{
    uint64_t tail = load_acquire(&ring->header->tail);
    if ((int64_t)(end - tail) > (int64_t)limit)
        return false;
    store_release(&ring->header->tail_seen, tail);
    return true;
}

bool ring_has_room(struct ring *ring, uint64_t end, uint64_t limit)
{
    return (int64_t)(end - load_acquire(&ring->header->tail)) <= (int64_t)limit ||
           (load_relaxed(&ring->header->head) & HEAD_SEALED) != 0;
}

void ring_seal(struct ring *ring)
{
    uint64_t head = load_relaxed(&ring->header->head), found;
    while ((found = cas(&ring->header->head, head, head | HEAD_SEALED)) != head)
        head = found;
}

void ring_unseal(struct ring *ring)
{
    uint64_t head = load_relaxed(&ring->header->head), found;
    while ((found = cas(&ring->header->head, head, head & ~HEAD_SEALED)) != head)
        head = found;
}

uint64_t ring_next_published(const struct ring *ring, uint64_t from, uint64_t end)
{
    for (uint64_t q = from; q < end; q += 8) {
        uint64_t word = load_relaxed((uint64_t *)(ring->base + (q & (ring->capacity - 1))));
        if (word == (q ^ ring->commit_key) || word == (q ^ ring->commit_key ^ COMMIT_PADDING))
            return q;
    }
    return end;
}

void ring_store_clock(struct ring *ring, const struct ring_clock *clock)
{
    struct ring_header *header = ring->header;
    uint32_t next = (load_relaxed(&header->clock_index) + 1) & 1;
    header->clocks[next] = *clock; /* the slot recover is not told to read */
    store_release(&header->clock_index, next);
}
