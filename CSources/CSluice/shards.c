/* shards.c — per-thread counters: each thread counts in a shard of its own
 * (the last one shared, by threads past STATS_SHARDS), so that no two
 * producers write one cache line; readers add the shards up (stats.c). See stats.h. */
#include "platform.h"
#include "stats.h"

__thread sluice_shard_slot sluice_shard_slots[SLUICE_SHARD_SLOTS];

sluice_shard_slot *shards_attach(struct stats_map *map, uint64_t core_id)
{
    uint32_t self = platform_thread_id();
    struct stats_shard *shard = NULL;
    for (int i = 0; i < STATS_SHARDS && shard == NULL; i++)
        if (load_relaxed(&map->shards[i].owner) == self)
            shard = &map->shards[i]; /* ours: the cache slot was taken by another core */
    for (int i = 0; i < STATS_SHARDS && shard == NULL; i++) {
        uint32_t owner = load_relaxed(&map->shards[i].owner);
        /* A free shard, or one a thread that has exited left: its counts stay in
         * the sums. The exited thread's last stores are visible: its exit and
         * platform_thread_is_gone's tgkill are both kernel entries, each a full barrier. */
        if ((owner == 0 || platform_thread_is_gone(owner)) && cas(&map->shards[i].owner, owner, self) == owner)
            shard = &map->shards[i];
    }
    bool shared = shard == NULL;
    if (shared)
        shard = &map->shards[STATS_SHARDS];
    sluice_shard_slot *slot = &sluice_shard_slots[core_id % SLUICE_SHARD_SLOTS];
    *slot = (sluice_shard_slot){
        .core_id = core_id, .counts = &shard->modules[0].accepted, .calls = &shard->calls, .shared = shared, .thread = self};
    return slot;
}
