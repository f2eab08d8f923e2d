/*
 * housekeeper.h — a log file's rotated files (named by date: rotated_files.h) kept on a
 * thread of their own, never the writer's: each one compressed with gzip, then those past
 * retention (all but the newest keep, and those older than max_age) removed.
 *
 * A compression writes <name>.gz.part, syncs it, renames it <name>.gz, then removes <name>:
 * a crash at any point leaves the whole uncompressed file, never a half file in its place.
 * Each pass lists the directory again, so what a crash or a stop left (a stale .part, a file
 * not compressed yet) is finished by the next pass, in this process or the next.
 */
#ifndef SLUICE_HOUSEKEEPER_H
#define SLUICE_HOUSEKEEPER_H

#include <stdbool.h>
#include <stdint.h>

struct housekeeper;

/* Starts the thread for path's rotated files, its first pass at once: compressing them when
 * compress; keeping the newest keep; removing those last written more than max_age seconds
 * ago (0: no age limit). NULL after a line on stderr when it cannot start: rotated files are
 * then left as they are. */
struct housekeeper *housekeeper_start(const char *path, bool compress, unsigned keep, int64_t max_age);

/* Asks for another pass (a file was just rotated); never waits for one. */
void housekeeper_wake(struct housekeeper *keeper);

/* Stops the thread at its next step (a compression in progress abandoned, its .part removed:
 * the next pass does it again), joins it, frees keeper. */
void housekeeper_stop(struct housekeeper *keeper);

#endif /* SLUICE_HOUSEKEEPER_H */
