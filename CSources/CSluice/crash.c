/*
 * crash.c — the records already committed when the process receives a fatal
 * signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) are written before it dies:
 * the handler flushes every open core within a deadline, then hands the signal
 * to whatever handled it before (Swift's backtracer, a sanitizer), or to the
 * default action, so the process still dies of that signal.
 *
 * The handler only flushes: atomics and futex waits on the writer, which keeps
 * running on its own thread. A crash on the writer thread itself, or a sink that
 * never takes the write, costs at most the deadline.
 */
#include <signal.h>
#include <string.h>

#include "core.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
enum { FATAL_SIGNALS = sizeof fatal_signals / sizeof fatal_signals[0] };

static struct sigaction previous[FATAL_SIGNALS]; /* written once, before the handler is installed */
static int32_t crash_timeout_ms;                 /* store_relaxed by install; load_relaxed by the handler */
static int32_t crashing;                         /* exchange: the first fatal signal flushes, a later one
                                                    (a fault inside the flush) goes straight on */
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
         * that was sent (abort, kill) is sent again, delivered once this returns. */
        signal(sig, SIG_DFL);
        if (info == NULL || info->si_code <= 0)
            raise(sig);
    }
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context)
{
    int index = 0;
    while (index < FATAL_SIGNALS - 1 && fatal_signals[index] != sig)
        index++;
    if (exchange(&crashing, 1) == 0)
        core_flush_all_for_crash(load_relaxed(&crash_timeout_ms));
    pass_on(index, sig, info, context);
}

int sluice_install_crash_handler(int timeout_ms)
{
    store_relaxed(&crash_timeout_ms, timeout_ms < 0 ? 0 : timeout_ms);
    if (cas(&installed, 0, 1) != 0)
        return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK; /* an alternate stack, where the thread has one */
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < FATAL_SIGNALS; i++)
        if (sigaction(fatal_signals[i], NULL, &previous[i]) != 0)
            return -1;
    for (int i = 0; i < FATAL_SIGNALS; i++)
        if (sigaction(fatal_signals[i], &action, NULL) != 0)
            return -1;
    return 0;
}
