/* asymmetric.c — membarrier() (platform.h) for the rare side of asymmetric.h's fence. */
#include "asymmetric.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "atomics.h"
#include "diagnostics.h"
#include "platform.h"

bool asymmetric_fences;

static void register_process(void)
{
    asymmetric_fences = platform_can_fence_all_threads();
}

void asymmetric_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_process);
}

void heavy_fence(void)
{
    if (!asymmetric_fences) {
        fence();
        return;
    }
    /* It cannot fail once registered, short of a seccomp filter added later: then no
     * thread's fence can be forced, and the ordering this call exists for may be lost. */
    if (platform_fence_all_threads() != 0) {
        static int said;
        if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
            report_problem(
                    "sluice: fencing every running thread (platform_fence_all_threads) failed after the "
                    "process registered for it: %s; a writer may sleep through a commit until the next one, "
                    "and a commit racing a close's give-up may go uncounted",
                    strerror(errno));
        fence();
    }
}
