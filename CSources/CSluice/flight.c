/* flight.c — the flight recorder; see flight.h. */
#include <stdlib.h>
#include <string.h>

#include "atomics.h"
#include "clock.h"
#include "flight.h"
#include "sluice.h"

static struct flight_slot *slot_at(const struct flight_recorder *recorder, uint64_t position)
{
    return (struct flight_slot *)((char *)recorder->slots + (position % recorder->capacity) * FLIGHT_SLOT_BYTES);
}

/*
 * Slot locks this thread holds. A signal handler that interrupts a keep or a dump
 * on the same thread and keeps a record must not wait for a slot: the holder
 * cannot let go until the handler returns.
 */
static __thread uint32_t slots_held;

static bool try_lock_slot(struct flight_slot *slot)
{
    if (load_relaxed(&slot->lock) != 0 || cas(&slot->lock, 0, 1) != 0)
        return false;
    slots_held++;
    return true;
}

static void unlock_slot(struct flight_slot *slot)
{
    store_release(&slot->lock, 0);
    slots_held--;
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

int flight_keep(struct flight_recorder *recorder, int level, int module, uint32_t thread, const void *message,
                size_t length, bool segments)
{
    bool nested = slots_held != 0;
    uint64_t position = load_relaxed(&recorder->next);
    struct flight_slot *slot;
    for (;;) { /* the slot's lock first, then the number: see flight.h */
        slot = slot_at(recorder, position);
        if (!try_lock_slot(slot)) {
            if (nested)
                return SLUICE_DROPPED; /* the slot may be this thread's own, interrupted */
            cpu_relax(); /* another thread copies or fills it: one slot's copy */
            position = load_relaxed(&recorder->next);
            continue;
        }
        uint64_t found = cas(&recorder->next, position, position + 1);
        if (found == position)
            break;
        unlock_slot(slot);
        position = found;
    }
    size_t room = FLIGHT_SLOT_BYTES - sizeof *slot;
    slot->position = position;
    slot->ticks = clock_ticks();
    slot->thread = thread;
    slot->module = (uint16_t)module;
    slot->level = (uint8_t)level;
    slot->segments = segments;
    slot->original = length;
    slot->length = (uint32_t)(length < room ? length : room);
    memcpy(slot + 1, message, slot->length);
    unlock_slot(slot);
    return SLUICE_OK;
}

bool flight_take(struct flight_recorder *recorder, struct flight_copy *copy)
{
    for (;;) {
        uint64_t position = load_acquire(&recorder->dumped), end = load_acquire(&recorder->next);
        if (position >= end)
            return false;
        if (end - position > recorder->capacity) { /* older ones were overwritten */
            (void)cas(&recorder->dumped, position, end - recorder->capacity);
            continue;
        }
        struct flight_slot *slot = slot_at(recorder, position);
        if (!try_lock_slot(slot))
            return false; /* being filled in, or copied by another dump: the next dump starts here */
        bool held = slot->position == position; /* else a newer one's: this record is gone */
        if (held)
            memcpy(copy, slot, sizeof(struct flight_slot) + slot->length);
        unlock_slot(slot);
        if (cas(&recorder->dumped, position, position + 1) != position)
            continue; /* another dump claimed it first */
        if (held)
            return true;
    }
}
