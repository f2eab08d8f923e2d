/*
 * log.c — the log calls: argument checks, the accounting, and the choice
 * between the ring (ring.c) and the synchronous path (sync.c); the flight
 * recorder's keep and recall (flight.h); a thread's first count on a core.
 */
#include <string.h>

#include "abandon.h"
#include "asymmetric.h"
#include "fork.h"
#include "lanes.h"
#include "reservations.h"
#include "sync.h"

static inline uint64_t align8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

size_t sluice_max_message(const sluice_core *core)
{
    return core->max_message;
}

sluice_shard_slot *sluice_shard_attach(sluice_core *core)
{
    core_ready(core); /* a forked child's first count restarts its core first (fork.h) */
    return shards_attach(core->map, core->id);
}

/* Sleeps until the writer releases enough for a reservation ending at end within limit,
 * the core is sealed, or timeout_ns (negative: no limit) passes; the caller then tries again. */
static void wait_for_room(sluice_core *core, struct ring *ring, uint64_t end, uint64_t limit, int64_t timeout_ns)
{
    int32_t seen = event_prepare(&core->space);
    /* After prepare's fence: either this sees the writer's new tail (or the
     * seal), or the writer's event_signal sees this waiter. */
    if (!ring_has_room(ring, end, limit))
        event_wait(&core->space, seen, timeout_ns);
    event_finish(&core->space);
}

/* The ring has no room for a record: whether to wait for some. Under the block policy, for
 * ever; under the drop policy, warning and above until *deadline (set on the first look),
 * unless a wait ran out since the writer last freed room. Never a nested call. */
static bool waits_for_room(sluice_core *core, int level, bool nested, int64_t *deadline, int64_t *timeout_ns)
{
    if (nested)
        return false;
    if (load_relaxed(&core->overflow) == SLUICE_OVERFLOW_BLOCK) {
        *timeout_ns = -1;
        return true;
    }
    if (level < SLUICE_WARNING || core->warning_wait_ns == 0 || load_relaxed(&core->warning_waits_off))
        return false;
    int64_t now = clock_monotonic_ns();
    if (*deadline == 0)
        *deadline = now + core->warning_wait_ns;
    *timeout_ns = *deadline - now;
    if (*timeout_ns > 0)
        return true;
    store_relaxed(&core->warning_waits_off, 1);
    return false;
}

/* A warning's wait for room under the drop policy, into its histogram. */
static void record_warning_wait(sluice_core *core, int64_t deadline)
{
    int64_t waited = clock_monotonic_ns() - (deadline - core->warning_wait_ns);
    histogram_record(&core->map->histograms[SLUICE_HISTOGRAM_WARNING_WAIT], waited > 0 ? (uint64_t)waited : 0, true);
}

/* Claims room in the lane's ring within the level's admission limit (the lower the level, the
 * more room it leaves to those above: a flood of debug never costs an error line), waiting as
 * waits_for_room says; counts a drop. */
static int claim_in_ring(sluice_core *core, struct lane *lane, int level, uint64_t size, bool nested,
                         uint64_t *position)
{
    uint64_t limit = core->admission_limit[level];
    int64_t deadline = 0, timeout_ns = -1; /* deadline: a warning's wait under the drop policy */
    for (;;) {
        switch (ring_reserve(&lane->ring, size, limit, position)) {
        case RING_CLAIMED:
            if (__builtin_expect(deadline != 0, 0))
                record_warning_wait(core, deadline);
            return SLUICE_OK;
        case RING_SEALED:
            add_relaxed(&core->map->totals.dropped_after_close, 1);
            return SLUICE_DROPPED;
        case RING_FULL:
            if (!waits_for_room(core, level, nested, &deadline, &timeout_ns)) {
                if (deadline != 0)
                    record_warning_wait(core, deadline);
                add_relaxed(&core->map->totals.dropped_full_by_level[level], 1);
                /* A full fence, then: the writer must wake to report the gap. */
                (void)add_fetch(&core->map->totals.dropped_full, 1);
                if (doorbell_is_sleeping(&core->bell))
                    doorbell_ring(&core->bell);
                return SLUICE_DROPPED;
            }
            if (doorbell_is_sleeping(&core->bell))
                doorbell_ring(&core->bell); /* a writer asleep would never free the room */
            wait_for_room(core, &lane->ring, *position, limit, timeout_ns);
        }
    }
}

/* Claims room for a record: in the ring of this thread's CPU, or (synchronous cores) the one
 * record buffer, whose lock is then held until commit. */
static int claim(sluice_core *core, int level, uint64_t size, bool nested, struct lane **lane, uint64_t *position,
                 struct record **record)
{
    if (core->synchronous) {
        int status = sync_begin(core, nested, record);
        if (status == SYNC_CLOSED) {
            add_relaxed(&core->map->totals.dropped_after_close, 1);
        } else if (status == SYNC_BUSY) {
            add_relaxed(&core->map->totals.dropped_full_by_level[level], 1);
            add_relaxed(&core->map->totals.dropped_full, 1);
        }
        return status == SYNC_READY ? SLUICE_OK : SLUICE_DROPPED;
    }
    *lane = lanes_pick(core);
    int status = claim_in_ring(core, *lane, level, size, nested, position);
    *record = ring_record(&(*lane)->ring, *position);
    return status;
}

static void recall_kept(sluice_core *core);

/* Reserves a record of length message bytes, cut there from original ones (original is
 * length but for a record the flight recorder kept cut). */
static int reserve_record(sluice_core *core, int level, int module, size_t length, uint64_t original, uint8_t flags,
                          sluice_reservation *r)
{
    if ((unsigned)level > SLUICE_CRITICAL || module < 0 ||
        (uint32_t)module >= load_relaxed(&core->map->module_count))
        return SLUICE_INVALID;
    if (level >= SLUICE_ERROR && core->flight.slots != NULL && !(flags & RECORD_RECALLED))
        recall_kept(core); /* the context of an error goes just before it */
    sluice_shard_slot *slot = sluice_shard(core, core->id);
    sluice_shard_count(slot, module, SLUICE_COUNT_ACCEPTED);

    size_t capacity = length;
    size_t prefix = 0;
    if (__builtin_expect(length > core->max_message || original > length, 0)) {
        capacity = length < core->max_message ? length : core->max_message;
        flags |= RECORD_TRUNCATED;
        prefix = sizeof(uint64_t);
    }
    uint64_t size = align8(sizeof(struct record) + prefix + capacity);
    uint64_t position = 0;
    struct record *record;
    struct lane *lane = NULL;
    /* Before the claim: the writer's merge keeps a thread's order only so (lanes.h). */
    uint64_t ticks = clock_ticks();
    int status = claim(core, level, size, log_depth++ != 0, &lane, &position, &record);
    if (status != SLUICE_OK) {
        log_depth--;
        add_relaxed(&core->map->modules[module].dropped, 1);
        add_relaxed(&core->map->totals.dropped_by_level[level], 1);
        return status;
    }
    if (__builtin_expect(flags & RECORD_TRUNCATED, 0))
        add_relaxed(&core->map->totals.truncated, 1); /* cut and in the ring: a dropped record is not */

    record->ticks = ticks;
    record->thread = slot->thread;
    record->size = (uint32_t)size;
    record->length = (uint32_t)capacity;
    record->module = (uint16_t)module;
    record->level = (uint8_t)level;
    record->flags = flags;
    if (!core->synchronous && log_depth <= TRACKED_DEPTHS)
        open_reservations[log_depth - 1] = (struct open_reservation){.core = core, .lane = lane, .position = position};
    char *message = (char *)(record + 1);
    if (flags & RECORD_TRUNCATED) {
        memcpy(message, &original, sizeof original);
        message += sizeof original;
    }
    *r = (sluice_reservation){.message = message, .capacity = capacity, .position = position, .record = record,
                              .lane = lane};
    return SLUICE_OK;
}

int sluice_reserve(sluice_core *core, int level, int module, size_t length, sluice_reservation *r)
{
    return reserve_record(core, level, module, length, length, 0, r);
}

int sluice_reserve_segments(sluice_core *core, int level, int module, size_t length, sluice_reservation *r)
{
    return reserve_record(core, level, module, length, length, RECORD_SEGMENTS, r);
}

/* Publishes the record. Either the writer's re-check after announcing its sleep sees it,
 * or the look at the doorbell after it sees the announcement (wait.h): a light commit
 * orders the two with light_fence, paired with the writer's heavy_fence, an exchange
 * with its own full fence. False if a closing writer gave up on the record first. */
static bool publish(struct lane *lane, struct record *record, uint64_t position)
{
    if (!asymmetric_fences)
        return ring_commit(&lane->ring, record, position);
    ring_commit_store(&lane->ring, record, position);
    light_fence();
    return __builtin_expect(position >= load_acquire(&lane->abandoned.below), 1) || !abandon_given_up(lane, position);
}

void sluice_commit(sluice_core *core, sluice_reservation *r, size_t used)
{
    struct record *record = r->record;
    record->length = (uint32_t)(used < r->capacity ? used : r->capacity);
    if (core->synchronous) {
        sync_end(core, record);
    } else {
        /* A record a closing writer gave up on is dropped, and counted here. */
        if (__builtin_expect(!publish(r->lane, record, r->position), 0))
            abandon_count(core, record);
        else if (doorbell_is_sleeping(&core->bell))
            doorbell_ring(&core->bell);
    }
    log_depth--; /* only now: until it is published, a call nested here must not wait for it */
}

static int log_bytes(sluice_core *core, int level, int module, const void *bytes, size_t length, uint8_t flags)
{
    if (bytes == NULL && length != 0)
        return SLUICE_INVALID;
    sluice_reservation r;
    int status = reserve_record(core, level, module, length, length, flags, &r);
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
    if ((message == NULL && length != 0) || label == NULL ||
        label_length > SLUICE_MODULE_NAME_MAX)
        return SLUICE_INVALID;
    sluice_reservation r;
    size_t labelled = 1 + label_length;
    int status = reserve_record(core, level, module, labelled + length, labelled + length,
                                RECORD_LABELLED | (segments ? RECORD_SEGMENTS : 0), &r);
    if (status != SLUICE_OK)
        return status;
    r.message[0] = (char)label_length;
    memcpy(r.message + 1, label, label_length);
    memcpy(r.message + labelled, message, r.capacity - labelled); /* a cut takes from the message only */
    sluice_commit(core, &r, r.capacity);
    return SLUICE_OK;
}

/* A record the flight recorder kept, into the ring as recalled: its level, module, thread
 * and time as when it was logged. */
static void log_recalled(sluice_core *core, const struct flight_slot *slot, const char *message)
{
    sluice_reservation r;
    uint8_t flags = RECORD_RECALLED | (slot->segments ? RECORD_SEGMENTS : 0);
    if (reserve_record(core, slot->level, slot->module, slot->length, slot->original, flags, &r) != SLUICE_OK)
        return;
    struct record *record = r.record;
    record->ticks = slot->ticks; /* when it was logged, not recalled */
    record->thread = slot->thread;
    memcpy(r.message, message, r.capacity);
    sluice_commit(core, &r, r.capacity);
}

/* Recalls the records kept since the last dump, oldest first, up to the first one still
 * being filled in (the next dump starts there). Never waits. */
static void recall_kept(sluice_core *core)
{
    struct flight_copy copy;
    while (flight_take(&core->flight, &copy))
        log_recalled(core, &copy.head, copy.message);
}

int sluice_flight_keep(sluice_core *core, int level, int module, const void *message, size_t length, int segments)
{
    if (core->flight.slots == NULL || (unsigned)level > SLUICE_CRITICAL || module < 0 ||
        (uint32_t)module >= load_relaxed(&core->map->module_count) || (message == NULL && length != 0))
        return SLUICE_INVALID;
    uint32_t thread = sluice_shard(core, core->id)->thread;
    return flight_keep(&core->flight, level, module, thread, message, length, segments != 0);
}
