/*
 * close.h — flushing and closing a core (close.c); abandon.h has the protocol
 * a close follows with the writer.
 */
#ifndef SLUICE_CLOSE_H
#define SLUICE_CLOSE_H

#include "core.h"

/* Waits until every record accepted before the call is written or dropped, at most
 * timeout_ms (negative: no limit): atomics and futex waits only, so that a crash handler
 * may call it. SLUICE_OK or SLUICE_TIMEOUT. */
int close_flush_written(sluice_core *core, int timeout_ms);
/* A core done with for good (an exit, or freed after its writer was left behind): its ring's
 * and its statistics mapping's files leave the directory. A core closed earlier keeps its
 * file until sluice_free, so that counts made after its close stay visible. */
void close_forget_files(sluice_core *core);

#endif /* SLUICE_CLOSE_H */
