/*
 * lanes.h — a core's rings, one per CPU (or per group of CPUs past the ring
 * count): a producer claims in the ring of the CPU it runs on, so that only
 * threads sharing a CPU contend for a ring's head. Each ring with the writer's
 * place in it is a lane; the set of lanes is published with userspace RCU
 * (liburcu's bulletproof flavour, urcu-bp), so that lanes can be added while
 * producers run (lanes.c). Lanes live as long as their core; only the set that
 * lists them is replaced, and the old one freed after a grace period.
 *
 * Order. The writer merges the lanes by each record's time (writer.c), which
 * a producer takes before its claim (log.c). Two rules then keep every
 * thread's records in its order, even one that moves between CPUs
 * (docs/SCALING.md proves both): a record ahead of a thread's record in a
 * ring was claimed before it, so it is older than that thread's next record
 * wherever that lands; and a lane the writer cannot read on (drained, or a
 * claim not yet committed) holds back every record of the other lanes not
 * older than floor_ticks, a time known to precede every claim still to come
 * at its position.
 */
#ifndef SLUICE_LANES_H
#define SLUICE_LANES_H

#include <stdint.h>

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE /* urcu-bp's read side inline: it is on every log call */
#endif
#include <urcu-bp.h>

#include "core.h"
#include "platform.h"

struct lane_set {
    uint32_t count;
    struct lane *lane[]; /* count of them */
};

#ifdef SLUICE_TSAN
void __tsan_acquire(void *address);
void __tsan_release(void *address);
/* The grace period, as ThreadSanitizer needs to see it (liburcu is not instrumented): every
 * read of a set happens before the set is freed. */
static inline void lanes_read_done(sluice_core *core)
{
    __tsan_release(&core->lanes);
}
#else
static inline void lanes_read_done(sluice_core *core)
{
    (void)core;
}
#endif

/* The lane of the CPU this thread runs on (platform_current_cpu): CPUs past the count share
 * lanes round-robin. A thread that moves on after the pick still claims correctly:
 * every ring takes many producers. */
static inline struct lane *lanes_pick(sluice_core *core)
{
    int cpu = platform_current_cpu();
    urcu_bp_read_lock();
    const struct lane_set *set = load_acquire(&core->lanes); /* rcu_dereference, seen by TSan */
    uint32_t index = cpu < 0 ? 0u : (uint32_t)cpu;
    if (index >= set->count) /* a division only where CPUs share rings */
        index %= set->count;
    struct lane *lane = set->lane[index];
    lanes_read_done(core);
    urcu_bp_read_unlock();
    return lane;
}

/* The lanes as they are now, into out (SLUICE_RINGS_MAX of them); returns how many. Lanes
 * never go away while their core lives, so the copy stays good. */
uint32_t lanes_snapshot(sluice_core *core, struct lane *out[SLUICE_RINGS_MAX]);

/* The CPUs this process may run on (its affinity mask): what the ring and render thread counts
 * follow by default. */
uint32_t lanes_usable_cpus(void);

/* The rings a core wants: ring_count (sluice_options), or for 0 the CPUs this process may use
 * now (at most SLUICE_RINGS_AUTO_MAX). */
uint32_t lanes_wanted(unsigned ring_count);

/* Opens count lanes of capacity bytes each; 0, or -1 with the reason in error. */
int lanes_open(sluice_core *core, uint32_t count, size_t capacity, char *error, size_t error_size);

/* Adds lanes until there are count (at most SLUICE_RINGS_MAX), while producers run: a new set
 * is published, and the old one freed after a grace period. Any thread but a producer inside
 * a claim; none while the rings are sealed (a close). Returns the count now. */
uint32_t lanes_grow(sluice_core *core, uint32_t count);

/* Unmaps every lane's ring and frees the set. The core is done with. */
void lanes_destroy(sluice_core *core);

/* Every lane's ring sealed (close: no claim succeeds, no lane is added) or unsealed (a reopen). */
void lanes_set_sealed(sluice_core *core, bool sealed);

/* Moves every lane's ring into the core's ring file (ring_file.c); a lane added later joins
 * it when it is made. */
void lanes_publish(sluice_core *core);
/* Removes the ring file, if there is one (every record is written or counted). */
void lanes_forget_file(sluice_core *core);

#endif /* SLUICE_LANES_H */
