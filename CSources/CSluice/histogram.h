/*
 * histogram.h — log-linear histograms in shared memory: values below 64
 * exactly, then 64 buckets per power of two. Producers and the writer record
 * (lock-free); any reader, in the process or outside it, summarizes.
 */
#ifndef SLUICE_HISTOGRAM_H
#define SLUICE_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice_stats.h"

enum {
    HISTOGRAM_EXACT = 64,    /* values below this have a bucket each */
    HISTOGRAM_OCTAVES = 32,  /* then 64 buckets per power of two, below 2^38 (~275 s) */
    HISTOGRAM_BUCKETS = HISTOGRAM_EXACT + HISTOGRAM_OCTAVES * 64,
};

struct stats_histogram {
    uint64_t count;
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    uint64_t buckets[HISTOGRAM_BUCKETS];
};

/* Adds value: with atomic adds when shared (producers), plain stores of the owner otherwise (the writer). */
void histogram_record(struct stats_histogram *h, uint64_t value, bool shared);
void histogram_summarize(const struct stats_histogram *h, sluice_histogram *out);

#endif /* SLUICE_HISTOGRAM_H */
