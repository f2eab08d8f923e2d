/*
 * fork.h — a forked child gets working cores of its own (fork.c): its cores
 * are reset at once, in its only thread, and restarted lazily, by the first
 * API call that counts, registers, flushes or changes a setting (core_ready).
 */
#ifndef SLUICE_FORK_H
#define SLUICE_FORK_H

#include "core.h"

/* The child's fork handler, for every core it holds (process_hooks.c), then once. */
void fork_reset_core(sluice_core *core);
void fork_reset_thread(void);
/* A new statistics file and writer thread for a core reset in a child. */
void fork_restart_core(sluice_core *core);

/* Called at every API entry point that needs a working core. */
static inline void core_ready(sluice_core *core)
{
    if (__builtin_expect(load_acquire(&core->restart_pending), 0))
        fork_restart_core(core);
}

#endif /* SLUICE_FORK_H */
