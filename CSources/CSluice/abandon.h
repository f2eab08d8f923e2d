/*
 * abandon.h — the close protocol: what a close waits for, what it gives up,
 * and who counts each record it gives up, so that written + dropped =
 * accepted holds however a close ends.
 *
 * The words (core.h; the abandoned ones are each lane's), who stores each and who waits on it:
 *
 *   word                  stored by                         read (waited on) by
 *   every ring's seal     close (lanes_set_sealed)          producers: a claim after it drops
 *   closing               close, after the seal (release)   the writer (acquire): drains to the
 *                                                           sealed heads, then finishes
 *   writer_done           the writer, last (release)        close (waits, on `written`), flush
 *   left_behind           close, when the writer is stuck   the writer, after it sets accounting
 *                         past close_timeout_ms, then a     and a full fence: it exits,
 *                         full fence                        counting nothing
 *   accounting            the writer around each count of   close (spins while 1, then counts
 *                         a write's outcome, then a fence   what is left itself)
 *   abandoned.walking     the writer: 1 before its walk,    a late commit below abandoned.below
 *                         0 (release) once every mark is    (waits for 0)
 *                         listed
 *   abandoned.below       the writer, before its heavy      every light commit (acquire, after
 *                         fence (release)                   its store): below it, look
 *   abandoned.positions   the writer (release)              a late commit (acquire)
 *   a record's commit     its producer (commit), or the     the writer's walk; the late commit
 *                         writer's cas to ABANDONED         (its cas fails, or its store is
 *                                                           found in positions)
 *
 * A close seals every ring and waits close_timeout_ms for the writer. The writer
 * writes every record reserved before the seal; a reservation not committed
 * within STRAGGLER_PATIENCE_NS it marks abandoned (abandon_rest), counting
 * every record committed behind one in its ring as dropped, and the late commit counts its
 * own (abandon_given_up). A writer stuck in its sink past the timeout is left
 * behind (abandon_writer): a Dekker handshake on left_behind and accounting,
 * both sides with full fences, decides whether the writer or the close counts
 * that write's outcome — never both, never neither.
 */
#ifndef SLUICE_ABANDON_H
#define SLUICE_ABANDON_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"

#define STRAGGLER_PATIENCE_NS 2000000000 /* at close: how long the writer waits for an uncommitted record */

/* A record given up by whoever counts its drop (a crash, a closing writer, a late commit). */
void abandon_count(sluice_core *core, const struct record *record);

/* The writer, before it counts a write's outcome: a writer a close left behind exits here
 * instead, having counted nothing of it. */
void abandon_begin_accounting(sluice_core *core);
void abandon_end_accounting(sluice_core *core);

/* The writer, closing: marks every reservation of the lane before end not yet committed
 * abandoned, counts every record committed behind one as dropped and says so on stderr;
 * returns how many (the writer reports them in the stream). */
uint64_t abandon_rest(sluice_core *core, struct lane *lane, uint64_t end);

/* A light commit below its lane's abandoned.below: whether the writer marked it abandoned (then
 * the commit counts its drop) or saw it committed. */
bool abandon_given_up(struct lane *lane, uint64_t position);

/* The closer: true once the writer has finished, false if timeout_ms (negative: no limit)
 * passed first. */
bool abandon_wait_for_writer(sluice_core *core, int timeout_ms);

/* The closer, after the wait ran out: the writer stays behind in its write, with the sinks and
 * the core's memory it uses, and every record not written or dropped yet counts as dropped. */
void abandon_writer(sluice_core *core);

#endif /* SLUICE_ABANDON_H */
