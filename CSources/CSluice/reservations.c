/* reservations.c — this thread's open log calls; see reservations.h. */
#include "abandon.h"
#include "reservations.h"

__thread uint32_t log_depth;
__thread struct open_reservation open_reservations[TRACKED_DEPTHS];

void reservations_give_up_own(void)
{
    uint32_t depth = log_depth < TRACKED_DEPTHS ? log_depth : TRACKED_DEPTHS;
    for (uint32_t i = 0; i < depth; i++) {
        sluice_core *core = open_reservations[i].core;
        uint64_t position = open_reservations[i].position;
        if (core == NULL || core->synchronous)
            continue;
        struct ring *ring = &open_reservations[i].lane->ring;
        if (ring_head(ring) <= position)
            continue;
        struct record *record = ring_record(ring, position);
        uint64_t key = position ^ ring->commit_key;
        if (load_acquire(&ring->header->tail) > position)
            continue; /* released: a committed call's, and the room is another's now */
        uint64_t seen = load_acquire(&record->commit);
        if (seen == key)
            continue; /* committed */
        /* Given up by this handler, or by a closing writer whose list expects a late
         * commit that will never come: either way the drop is counted here. */
        if (seen == (key ^ COMMIT_ABANDONED) || cas(&record->commit, seen, key ^ COMMIT_ABANDONED) == seen)
            abandon_count(core, record);
    }
}
