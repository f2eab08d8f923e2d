/* flight.c — the flight recorder; see flight.h. */
#include <stdlib.h>
#include <string.h>

#include "core.h"

static struct flight_slot *slot_at(const struct flight_recorder *recorder, uint64_t position)
{
    return (struct flight_slot *)((char *)recorder->slots + (position % recorder->capacity) * FLIGHT_SLOT_BYTES);
}

static void lock_slot(struct flight_slot *slot)
{
    while (cas(&slot->lock, 0, 1) != 0) /* held for one copy of at most a slot */
        cpu_relax();
}

static void unlock_slot(struct flight_slot *slot)
{
    store_release(&slot->lock, 0);
}

int flight_init(struct flight_recorder *recorder, uint32_t capacity)
{
    *recorder = (struct flight_recorder){0};
    if (capacity == 0)
        return 0;
    recorder->slots = calloc(capacity, FLIGHT_SLOT_BYTES);
    recorder->capacity = capacity;
    return recorder->slots == NULL ? -1 : 0;
}

void flight_destroy(struct flight_recorder *recorder)
{
    free(recorder->slots);
    recorder->slots = NULL;
}

int sluice_flight_keep(sluice_core *core, int level, int module, const void *message, size_t length, int segments)
{
    struct flight_recorder *recorder = &core->flight;
    if (recorder->slots == NULL || (unsigned)level > SLUICE_CRITICAL || module < 0 ||
        (uint32_t)module >= load_relaxed(&core->map->module_count) || (message == NULL && length != 0))
        return SLUICE_INVALID;
    uint64_t position = add_fetch(&recorder->next, 1) - 1;
    struct flight_slot *slot = slot_at(recorder, position);
    size_t room = FLIGHT_SLOT_BYTES - sizeof *slot;
    lock_slot(slot);
    slot->position = position;
    slot->ticks = clock_ticks();
    slot->thread = sluice_shard(core, core->id)->thread;
    slot->module = (uint16_t)module;
    slot->level = (uint8_t)level;
    slot->segments = segments != 0;
    slot->original = length;
    slot->length = (uint32_t)(length < room ? length : room);
    memcpy(slot + 1, message, slot->length);
    unlock_slot(slot);
    return SLUICE_OK;
}

void flight_dump(sluice_core *core)
{
    struct flight_recorder *recorder = &core->flight;
    uint64_t end = load_acquire(&recorder->next), from = load_relaxed(&recorder->dumped);
    for (;;) { /* claim [from, end): a dump racing this one gets what came after */
        if (from >= end)
            return;
        uint64_t found = cas(&recorder->dumped, from, end);
        if (found == from)
            break;
        from = found;
    }
    if (end - from > recorder->capacity)
        from = end - recorder->capacity; /* older ones were overwritten */
    struct {
        struct flight_slot head;
        char bytes[FLIGHT_SLOT_BYTES - sizeof(struct flight_slot)];
    } copy;
    for (uint64_t position = from; position < end; position++) {
        struct flight_slot *slot = slot_at(recorder, position);
        lock_slot(slot);
        bool held = slot->position == position; /* not yet filled, or already a newer one's: gone */
        if (held)
            memcpy(&copy, slot, sizeof(struct flight_slot) + slot->length);
        unlock_slot(slot);
        if (held)
            log_recalled(core, &copy.head, copy.bytes);
    }
}
