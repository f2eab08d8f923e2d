/*
 * seams.h — the two places where a test build stands in for the core: the
 * write every file and standard-stream sink makes, and whether writer threads
 * may take records. The core defines both weakly (seams.c: write(2), never
 * paused); the tests' target Tests/CSluiceTestSeams defines them strongly,
 * with setters. The product carries no test code and no branch for them.
 */
#ifndef SLUICE_SEAMS_H
#define SLUICE_SEAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* write(2), for every file and standard-stream sink. */
ssize_t seam_write(int fd, const void *data, size_t length);
/* False: writer threads take records. A test makes it true to keep records waiting in a ring. */
bool seam_writers_paused(void);

#endif /* SLUICE_SEAMS_H */
