#include "bench_baseline.h"

uint64_t bench_level_check(const int32_t *level_word, int32_t level, uint64_t calls)
{
    uint64_t passed = 0;
    for (uint64_t i = 0; i < calls; i++)
        passed += level >= __atomic_load_n(level_word, __ATOMIC_RELAXED);
    return passed;
}

uint64_t bench_level_check_counted(const int32_t *level_word, int32_t level, uint64_t calls, uint64_t *filtered)
{
    uint64_t passed = 0;
    for (uint64_t i = 0; i < calls; i++) {
        if (level >= __atomic_load_n(level_word, __ATOMIC_RELAXED))
            passed++;
        else /* volatile: one load-add-store per call, as a counter other threads read */
            (*(volatile uint64_t *)filtered)++;
    }
    return passed;
}
