/* lanes.c — a core's rings, one per CPU, published with RCU; see lanes.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "lanes.h"
#include "ring_file.h"

uint32_t lanes_snapshot(sluice_core *core, struct lane *out[SLUICE_RINGS_MAX])
{
    urcu_bp_read_lock();
    const struct lane_set *set = load_acquire(&core->lanes);
    uint32_t count = set->count;
    memcpy(out, set->lane, count * sizeof set->lane[0]);
    lanes_read_done(core);
    urcu_bp_read_unlock();
    return count;
}

uint32_t lanes_usable_cpus(void)
{
    return platform_usable_cpus();
}

uint32_t lanes_wanted(unsigned ring_count)
{
    uint32_t cpus = lanes_usable_cpus();
    return ring_count != 0 ? ring_count : cpus > SLUICE_RINGS_AUTO_MAX ? SLUICE_RINGS_AUTO_MAX : cpus;
}

static struct lane_set *new_set(uint32_t count)
{
    struct lane_set *set = calloc(1, sizeof *set + count * sizeof set->lane[0]);
    if (set != NULL)
        set->count = count;
    return set;
}

static struct lane *new_lane(sluice_core *core, uint32_t index, char *error, size_t error_size)
{
    struct lane *lane = NULL;
    if (posix_memalign((void **)&lane, CACHE_LINE, sizeof *lane) != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening ring %u", index);
        return NULL;
    }
    memset(lane, 0, sizeof *lane);
    if (ring_init(&lane->ring, core->ring_bytes, core->id, error, error_size) != 0) {
        free(lane);
        return NULL;
    }
    lane->index = index;
    lane->ring.header->lane = index;
    return lane;
}

static void free_lane(struct lane *lane)
{
    for (struct abandoned_position *p = lane->abandoned.positions, *next; p != NULL; p = next) {
        next = p->next;
        free(p);
    }
    ring_forget_file(&lane->ring);
    ring_destroy(&lane->ring);
    free(lane);
}

int lanes_open(sluice_core *core, uint32_t count, size_t capacity, char *error, size_t error_size)
{
    if (count < 1 || count > SLUICE_RINGS_MAX) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: ring_count %u is more than %d; nothing was opened", count,
                     SLUICE_RINGS_MAX);
        return -1;
    }
    core->ring_bytes = capacity;
    struct lane_set *set = new_set(count);
    if (set == NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening a core");
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        if ((set->lane[i] = new_lane(core, i, error, error_size)) == NULL) {
            while (i-- > 0)
                free_lane(set->lane[i]);
            free(set);
            return -1;
        }
    }
    core->max_message = set->lane[0]->ring.max_message;
    pthread_mutex_init(&core->lanes_lock, NULL);
    store_release(&core->lanes, set);
    return 0;
}

uint32_t lanes_grow(sluice_core *core, uint32_t count)
{
    pthread_mutex_lock(&core->lanes_lock);
    struct lane_set *old = core->lanes;
    if (count > SLUICE_RINGS_MAX)
        count = SLUICE_RINGS_MAX;
    if (count <= old->count || core->lanes_sealed) {
        pthread_mutex_unlock(&core->lanes_lock);
        return old->count;
    }
    struct lane_set *set = new_set(count);
    uint32_t made = old->count;
    if (set != NULL) {
        memcpy(set->lane, old->lane, old->count * sizeof old->lane[0]);
        for (; made < count; made++) {
            struct lane *lane = new_lane(core, made, NULL, 0);
            if (lane == NULL)
                break;
            if (old->lane[0]->ring.path != NULL)
                (void)ring_publish(&lane->ring, old->lane[0]->ring.path, made);
            set->lane[made] = lane;
        }
        set->count = made;
    }
    if (set == NULL || made == old->count) {
        free(set);
        pthread_mutex_unlock(&core->lanes_lock);
        return old->count;
    }
    store_release(&core->lanes, set); /* rcu_assign_pointer */
    store_relaxed(&core->map->ring_count, made);
    pthread_mutex_unlock(&core->lanes_lock);
    urcu_bp_synchronize_rcu(); /* every producer that may still read old has left its read side */
#ifdef SLUICE_TSAN
    __tsan_acquire(&core->lanes);
#endif
    free(old);
    return made;
}

void lanes_destroy(sluice_core *core)
{
    struct lane_set *set = core->lanes;
    if (set == NULL)
        return;
    for (uint32_t i = 0; i < set->count; i++)
        free_lane(set->lane[i]);
    free(set);
    core->lanes = NULL;
    pthread_mutex_destroy(&core->lanes_lock);
}

/* Under lanes_lock, the set cannot change. */
void lanes_set_sealed(sluice_core *core, bool sealed)
{
    pthread_mutex_lock(&core->lanes_lock);
    for (uint32_t i = 0; i < core->lanes->count; i++)
        (sealed ? ring_seal : ring_unseal)(&core->lanes->lane[i]->ring);
    core->lanes_sealed = sealed;
    pthread_mutex_unlock(&core->lanes_lock);
}

void lanes_publish(sluice_core *core)
{
    pthread_mutex_lock(&core->lanes_lock);
    struct lane_set *set = core->lanes;
    if (core->stats.path != NULL && set->lane[0]->ring.path == NULL) {
        char name[4096];
        snprintf(name, sizeof name, "%s.ring", core->stats.path);
        for (uint32_t i = 0; i < set->count; i++)
            if (!ring_publish(&set->lane[i]->ring, name, i))
                break; /* said on stderr; the lanes after it stay private */
        if (set->lane[0]->ring.path != NULL) { /* the formats its records may name, for recovery */
            snprintf(name, sizeof name, "%s.formats", core->stats.path);
            formats_keep_file(name);
        }
    }
    pthread_mutex_unlock(&core->lanes_lock);
}

void lanes_forget_file(sluice_core *core)
{
    struct lane_set *set = core->lanes;
    if (set != NULL && set->lane[0]->ring.path != NULL && core->stats.path != NULL) {
        char name[4096];
        snprintf(name, sizeof name, "%s.formats", core->stats.path);
        formats_forget_file(name);
    }
    for (uint32_t i = 0; set != NULL && i < set->count; i++)
        ring_forget_file(&set->lane[i]->ring);
}
