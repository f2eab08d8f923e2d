/*
 * open_cores.h — every core not yet freed, so that an exiting process still
 * writes what it accepted and removes every statistics file (process_hooks.c).
 * The at-exit drain moves a core from the open list to the drained list (the
 * process still holds it: a leak checker must see it), marking it draining
 * while it closes it without the lock; sluice_free on another thread waits for
 * that to end before it frees anything.
 */
#ifndef SLUICE_OPEN_CORES_H
#define SLUICE_OPEN_CORES_H

#include <stdbool.h>

#include "core.h"

void open_cores_add(sluice_core *core);
/* Takes core off the lists, once no drain is closing it. */
void open_cores_remove(sluice_core *core);
/* The drain: the next open core, marked draining (NULL when none is left), then, once it is
 * closed, onto the drained list. */
sluice_core *open_cores_take_for_drain(void);
void open_cores_drained(sluice_core *core);

/* The list's lock, for a walk from open_cores_first along next_open (fork, a crash). */
void open_cores_lock(void);
bool open_cores_trylock(void);
void open_cores_unlock(void);
sluice_core *open_cores_first(void);
/* A forked child, in its only thread, with the lock its fork handler took: the drain's
 * condition made anew, the lock let go. */
void open_cores_unlock_in_child(void);

#endif /* SLUICE_OPEN_CORES_H */
