/*
 * reservations.h — this thread's log calls between their claim and their
 * commit: how deeply they nest, and the reservations they hold open, which a
 * crash on this thread gives up (reservations.c).
 *
 * More than one call open means nesting: a signal handler that interrupted a
 * log call, or a thread logging while it holds a reservation of its own. A
 * nested call never waits — the room or the lock it would wait for may be
 * held by the very call it interrupted — so it drops and counts instead,
 * whatever the policy. A writer thread starts at one: whatever it logs (from
 * a formatter) is nested, and never waits on a ring only it can empty.
 */
#ifndef SLUICE_RESERVATIONS_H
#define SLUICE_RESERVATIONS_H

#include <stdint.h>

#include "core.h"

/* Log calls of this thread between their claim and their commit (log.c counts them). */
extern __thread uint32_t log_depth;

/* This thread's reservations, one per depth (the first few): written once a claim's header
 * is whole. An entry at a depth below log_depth may still be a committed call's, which the
 * crash handler tells by the record's commit word. */
enum { TRACKED_DEPTHS = 4 };
struct open_reservation {
    sluice_core *core;
    struct lane *lane;
    uint64_t position;
};
extern __thread struct open_reservation open_reservations[TRACKED_DEPTHS];

static inline void reservations_on_writer_thread(void)
{
    log_depth = 1;
}

/* From a fatal signal's handler: gives up the reservations this thread holds open (it will
 * never commit them), each counted as dropped (abandoned), so that the writer writes every
 * record committed behind them. */
void reservations_give_up_own(void);

#endif /* SLUICE_RESERVATIONS_H */
