/* process_hooks.c — exit, fork and crash, for every open core; see process_hooks.h. */
#include <pthread.h>
#include <stdlib.h>

#include "close.h"
#include "fork.h"
#include "formats.h"
#include "lanes.h"
#include "open_cores.h"
#include "platform.h"
#include "process_hooks.h"
#include "reservations.h"

static void close_all_at_exit(void)
{
    for (sluice_core *core; (core = open_cores_take_for_drain()) != NULL;) {
        sluice_close(core);
        close_forget_files(core); /* no sluice_free follows an exit */
        open_cores_drained(core);
    }
}

/* fork(): the list stays whole across it (the parent's threads may be opening or
 * closing cores), and the child resets every core it holds. */
static void reset_cores_in_child(void)
{
    platform_after_fork_in_child();
    urcu_bp_after_fork_child(); /* RCU's registry: only this thread is left */
    for (sluice_core *core = open_cores_first(); core != NULL; core = core->next_open)
        fork_reset_core(core);
    fork_reset_thread();
    formats_after_fork();
    open_cores_unlock_in_child();
}

/* RCU's registry lock is taken across the fork too, so that the child's copy is whole. */
static void before_fork(void)
{
    open_cores_lock();
    urcu_bp_before_fork();
}

static void after_fork_in_parent(void)
{
    urcu_bp_after_fork_parent();
    open_cores_unlock();
}

static void register_hooks(void)
{
    atexit(close_all_at_exit);
    pthread_atfork(before_fork, after_fork_in_parent, reset_cores_in_child);
}

void process_hooks_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_hooks);
}

void process_hooks_flush_for_crash(int timeout_ms)
{
    /* The crashing thread may hold the list's lock (or another may, forever): walk the
     * list without it then. A list changing under the walk can only fault again, and
     * crash.c sends a second fault straight on. */
    bool locked = open_cores_trylock();
    reservations_give_up_own(); /* this thread will never commit them: write what is behind */
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (sluice_core *core = open_cores_first(); core != NULL; core = core->next_open) {
        int64_t left_ms = (deadline - clock_monotonic_ns()) / 1000000;
        if (left_ms <= 0)
            break;
        /* A synchronous core wrote every record already; a writer that crashed cannot write;
         * a forked child's core not yet used holds nothing, and its restart (locks, a file,
         * a thread) has no place in a signal handler. */
        if (!core->synchronous && !core->closed && !pthread_equal(core->thread, pthread_self()) &&
            !load_acquire(&core->restart_pending))
            (void)close_flush_written(core, (int)left_ms);
    }
    if (locked)
        open_cores_unlock();
}
