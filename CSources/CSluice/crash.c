/*
 * crash.c — the records already committed when the process receives a fatal
 * signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP) are written before
 * it dies: the handler gives up the reservations its own thread holds open,
 * flushes every open core within a deadline, then hands the signal to whatever
 * handled it before (Swift's backtracer, a sanitizer), or to the default action,
 * so the process still dies of that signal.
 *
 * The handler only flushes: atomics and futex waits on the writer, which keeps
 * running on its own thread. A crash on the writer thread itself, or a sink that
 * never takes the write, costs at most the deadline. A fatal signal on a second
 * thread while the first one's handler flushes waits for that flush (at most the
 * deadline), so that it cannot end the process halfway through.
 */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"
#include "platform.h"
#include "process_hooks.h"
#include "sluice.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
enum { FATAL_SIGNALS = sizeof fatal_signals / sizeof fatal_signals[0] };
enum { FLUSH_DONE = -1 };

static struct sigaction previous[FATAL_SIGNALS]; /* written once, before the handler is installed */
static int32_t crash_timeout_ms;                 /* store_relaxed by install; load_relaxed by the handler */
static int32_t flushing_thread;                  /* 0, then the id of the thread whose handler flushes
                                                    (cas: the first fatal signal's), FLUSH_DONE once it
                                                    has (store_release; other crashing threads wait on
                                                    it with load_acquire). A fault inside the flush,
                                                    on that thread, goes straight on. */
static int32_t installed;                        /* cas: the handlers go in once per process */

/* The signal to its previous handler, as if Sluice's had not been there. */
static void pass_on(int index, int sig, siginfo_t *info, void *context)
{
    const struct sigaction *before = &previous[index];
    sigaction(sig, before, NULL);
    if (before->sa_flags & SA_SIGINFO) {
        before->sa_sigaction(sig, info, context);
    } else if (before->sa_handler != SIG_DFL && before->sa_handler != SIG_IGN) {
        before->sa_handler(sig);
    } else {
        /* The default action: a fault re-executes its instruction on return; a signal
         * that was sent (abort, kill) is sent again, delivered once this returns, and so
         * is a breakpoint trap, whose instruction (int3) is behind the return address. */
        signal(sig, SIG_DFL);
        if (info == NULL || info->si_code <= 0 || sig == SIGTRAP)
            raise(sig);
    }
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context)
{
    int index = 0;
    while (index < FATAL_SIGNALS - 1 && fatal_signals[index] != sig)
        index++;
    int32_t self = (int32_t)platform_thread_id();
    int32_t flushing = cas(&flushing_thread, 0, self);
    int timeout_ms = load_relaxed(&crash_timeout_ms);
    if (flushing == 0) {
        process_hooks_flush_for_crash(timeout_ms);
        store_release(&flushing_thread, FLUSH_DONE);
    } else if (flushing != self) {
        /* Another thread's handler is flushing: wait for it, a little past its deadline. */
        struct timespec pause = {.tv_nsec = 1000000};
        for (int waited = 0; waited <= timeout_ms + 1000 && load_acquire(&flushing_thread) != FLUSH_DONE; waited++)
            nanosleep(&pause, NULL);
    }
    pass_on(index, sig, info, context);
}

int sluice_install_crash_handler(int timeout_ms)
{
    store_relaxed(&crash_timeout_ms, timeout_ms < 0 ? 0 : timeout_ms);
    if (cas(&installed, 0, 1) != 0)
        return SLUICE_OK;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK; /* an alternate stack, where the thread has one */
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < FATAL_SIGNALS; i++)
        if (sigaction(fatal_signals[i], NULL, &previous[i]) != 0)
            return SLUICE_SYSTEM;
    for (int i = 0; i < FATAL_SIGNALS; i++)
        if (sigaction(fatal_signals[i], &action, NULL) != 0)
            return SLUICE_SYSTEM;
    return SLUICE_OK;
}
