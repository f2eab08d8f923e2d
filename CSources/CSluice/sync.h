/*
 * sync.h — synchronous cores (sync.c): no writer thread; each record is
 * rendered and written on the caller's thread before its log call returns.
 */
#ifndef SLUICE_SYNC_H
#define SLUICE_SYNC_H

#include <stdbool.h>

#include "core.h"

/* sync_begin locks and gives the record to fill (SYNC_READY), or leaves it unlocked:
 * SYNC_CLOSED, or SYNC_BUSY for a nested call that found the lock taken. */
enum { SYNC_READY, SYNC_CLOSED, SYNC_BUSY };

/* 0 or an errno. */
int sync_open(sluice_core *core);
int sync_begin(sluice_core *core, bool nested, struct record **record);
/* Writes the record and unlocks. */
void sync_end(sluice_core *core, const struct record *record);
void sync_close(sluice_core *core);

#endif /* SLUICE_SYNC_H */
