/* histogram.c — log-linear histograms: recording (lock-free) and summarizing. See histogram.h. */
#include "histogram.h"

#include <string.h>

#include "atomics.h"

static unsigned bucket_of(uint64_t value)
{
    if (value < HISTOGRAM_EXACT)
        return (unsigned)value;
    unsigned exponent = 63u - (unsigned)__builtin_clzll(value); /* >= 6 */
    unsigned octave = exponent - 6;
    if (octave >= HISTOGRAM_OCTAVES)
        return HISTOGRAM_BUCKETS - 1;
    return HISTOGRAM_EXACT + octave * 64 + (unsigned)((value >> octave) & 63);
}

/* The smallest value of bucket b, and the bucket's width. */
static uint64_t bucket_floor(unsigned b, uint64_t *width)
{
    if (b < HISTOGRAM_EXACT) {
        *width = 1;
        return b;
    }
    unsigned octave = (b - HISTOGRAM_EXACT) / 64, sub = (b - HISTOGRAM_EXACT) % 64;
    *width = (uint64_t)1 << octave;
    return (uint64_t)(64 + sub) << octave;
}

static void keep_min(uint64_t *word, uint64_t value)
{
    uint64_t seen = load_relaxed(word);
    while (value < seen) {
        uint64_t found = cas(word, seen, value);
        if (found == seen)
            return;
        seen = found;
    }
}

static void keep_max(uint64_t *word, uint64_t value)
{
    uint64_t seen = load_relaxed(word);
    while (value > seen) {
        uint64_t found = cas(word, seen, value);
        if (found == seen)
            return;
        seen = found;
    }
}

/* shared: several threads record (atomic adds); else one writer (plain relaxed stores). */
void histogram_record(struct stats_histogram *h, uint64_t value, bool shared)
{
    uint64_t *bucket = &h->buckets[bucket_of(value)];
    if (shared) {
        add_relaxed(bucket, 1);
        add_relaxed(&h->count, 1);
        add_relaxed(&h->sum, value);
        keep_min(&h->min, value);
        keep_max(&h->max, value);
    } else {
        store_relaxed(bucket, load_relaxed(bucket) + 1);
        store_relaxed(&h->count, load_relaxed(&h->count) + 1);
        store_relaxed(&h->sum, load_relaxed(&h->sum) + value);
        if (value < load_relaxed(&h->min))
            store_relaxed(&h->min, value);
        if (value > load_relaxed(&h->max))
            store_relaxed(&h->max, value);
    }
}

void histogram_summarize(const struct stats_histogram *h, sluice_histogram *out)
{
    memset(out, 0, sizeof *out);
    uint64_t total = 0;
    uint64_t snapshot[HISTOGRAM_BUCKETS];
    for (unsigned b = 0; b < HISTOGRAM_BUCKETS; b++) {
        snapshot[b] = load_relaxed(&h->buckets[b]);
        total += snapshot[b];
    }
    out->count = total; /* from the buckets, so the percentiles agree with it */
    out->sum = load_relaxed(&h->sum);
    out->min = total ? load_relaxed(&h->min) : 0;
    out->max = load_relaxed(&h->max);
    out->mean = total ? (double)out->sum / (double)total : 0;
    double *targets[] = {&out->p50, &out->p90, &out->p99, &out->p999};
    double quantiles[] = {0.5, 0.9, 0.99, 0.999};
    uint64_t seen = 0;
    unsigned next = 0, power = 0;
    for (unsigned b = 0; b < HISTOGRAM_BUCKETS; b++) {
        uint64_t width, floor = bucket_floor(b, &width);
        /* below[i]: values under 2^i, every bucket that ends by 2^i */
        while (power < SLUICE_HISTOGRAM_POWERS && floor >= ((uint64_t)1 << power))
            out->below[power++] = seen;
        seen += snapshot[b];
        while (next < 4 && total > 0 && (double)seen >= quantiles[next] * (double)total) {
            /* the middle of the bucket, kept inside what was seen */
            double middle = (double)floor + (double)(width - 1) / 2;
            if (middle < (double)out->min)
                middle = (double)out->min;
            if (middle > (double)out->max)
                middle = (double)out->max;
            *targets[next++] = middle;
        }
    }
    while (power < SLUICE_HISTOGRAM_POWERS)
        out->below[power++] = seen;
}

