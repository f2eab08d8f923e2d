/* asymmetric.c — membarrier() for the rare side of asymmetric.h's fence. */
#include "asymmetric.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomics.h"
#include "diagnostics.h"

bool asymmetric_fences;

static int call_membarrier(int command)
{
    return (int)syscall(__NR_membarrier, command, 0, 0);
}

static void register_process(void)
{
    int supported = call_membarrier(MEMBARRIER_CMD_QUERY);
    /* Registered once, the process stays registered, in a forked child too. */
    asymmetric_fences = supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
                        call_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
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
    if (call_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
        static int said;
        if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
            report_problem(
                    "sluice: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed after it was registered: %s; "
                    "a writer may sleep through a commit until the next one, and a commit racing a close's "
                    "give-up may go uncounted",
                    strerror(errno));
        fence();
    }
}
