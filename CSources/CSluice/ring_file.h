/*
 * ring_file.h — a recoverable ring: its mapping in a file beside the
 * statistics mapping, so that the records a process had committed but not
 * yet written outlive a kill -9 for `sluice recover` (ring_file.c).
 */
#ifndef SLUICE_RING_FILE_H
#define SLUICE_RING_FILE_H

#include <stdbool.h>

#include "ring.h"

/* Moves the mapping into the ring file name, at the same address: lane index's place in it
 * (the file holds a core's rings one after another, each its header page and records; lane 0
 * makes the file). False after one line on stderr, the ring staying private. Before any record
 * is reserved in it. */
bool ring_publish(struct ring *ring, const char *name, uint32_t index);
/* A forked child: the mapping becomes private again (the parent's file stays the
 * parent's), positions kept; false if it could not (the child must not use the ring:
 * it is still the parent's). Only one thread exists. */
bool ring_fork_private(struct ring *ring);
/* Removes the ring's file, if it has one, and keeps the mapping (exit: the records are written). */
void ring_forget_file(struct ring *ring);
/* The file at path is a ring file, one of whose rings holds records no writer and no recovery
 * has written yet: never ours to remove. */
bool ring_file_holds_records(const char *path);

#endif /* SLUICE_RING_FILE_H */
