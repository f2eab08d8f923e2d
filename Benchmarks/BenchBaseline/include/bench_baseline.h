/*
 * bench_baseline.h — what a filtered log call is measured against: C loops that
 * do only the level check, so that sluice-bench can price Sluice's filtered call
 * against the least any logger can do, in the same run.
 */
#ifndef BENCH_BASELINE_H
#define BENCH_BASELINE_H

#include <stdint.h>

/* calls times: one relaxed load of *level_word and a compare with level. Returns
 * how many passed, so that no compiler can drop the loop. */
uint64_t bench_level_check(const int32_t *level_word, int32_t level, uint64_t calls);

/* The same, and each call that does not pass adds one to *filtered, a counter in
 * memory as a logger's exact filtered count is: the floor of an exact count. */
uint64_t bench_level_check_counted(const int32_t *level_word, int32_t level, uint64_t calls, uint64_t *filtered);

#endif
