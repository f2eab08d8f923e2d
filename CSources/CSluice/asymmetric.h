/*
 * asymmetric.h — one fence split unevenly between a frequent side and a rare
 * one, as liburcu's urcu-memb flavour splits it between its readers and
 * synchronize_rcu. The frequent side (a producer's commit) orders its store
 * before its next load with a compiler barrier alone; the rare side (the
 * writer announcing a sleep, or giving reservations up at close) calls
 * membarrier(), which runs a full fence on every thread of the process that is
 * running at that moment. Of a producer's store and the writer's later load,
 * or the writer's store and the producer's later load, one is then always
 * seen: the Dekker pattern of wait.h without a locked instruction on the
 * producer's side.
 *
 * Where the kernel lacks MEMBARRIER_CMD_PRIVATE_EXPEDITED (or a seccomp filter
 * refuses it), both sides stay full fences: producers commit with an exchange.
 */
#ifndef SLUICE_ASYMMETRIC_H
#define SLUICE_ASYMMETRIC_H

#include <stdbool.h>

/* Whether commits are light: set once, by asymmetric_init before the first core is
 * returned to its caller; read by every commit. */
extern bool asymmetric_fences;

/* Registers the process for membarrier, once; sets asymmetric_fences if it can. */
void asymmetric_init(void);

/* The frequent side: keeps the compiler from moving loads above the store before it. */
#define light_fence() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* The rare side: a full fence on every running thread of the process (a full fence
 * alone when commits are not light). */
void heavy_fence(void);

#endif /* SLUICE_ASYMMETRIC_H */
