/*
 * process_hooks.h — what a process's exit, fork and crash do to its cores
 * (process_hooks.c): at exit every open core is closed, its records written
 * and its files removed; a forked child resets every core it holds (fork.h);
 * a fatal signal flushes them all (crash.c).
 */
#ifndef SLUICE_PROCESS_HOOKS_H
#define SLUICE_PROCESS_HOOKS_H

/* Registers the exit and fork hooks, once per process (before the first core opens). */
void process_hooks_install(void);
/* Flushes every open core, all of them within timeout_ms, from a fatal signal's handler:
 * no lock waited for, nothing allocated. */
void process_hooks_flush_for_crash(int timeout_ms);

#endif /* SLUICE_PROCESS_HOOKS_H */
