/*
 * seams.h — the three places where a test build stands in for the core: the
 * write every file and standard-stream sink makes, whether writer threads
 * may take records, and the time a log file rotates and ages by. The core defines both weakly (seams.c: write(2), never
 * paused); the tests' target Tests/CSluiceTestSeams defines them strongly,
 * with setters. The product carries no test code and no branch for them.
 */
#ifndef SLUICE_SEAMS_H
#define SLUICE_SEAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* write(2), for every file and standard-stream sink. */
ssize_t seam_write(int fd, const void *data, size_t length);
/* False: writer threads take records. A test makes it true to keep records waiting in a ring. */
bool seam_writers_paused(void);
/* CLOCK_REALTIME in seconds, for rotation by time and retention by age: a test moves it. */
int64_t seam_now(void);

#endif /* SLUICE_SEAMS_H */
