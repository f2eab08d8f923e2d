/* stats.c — the statistics mapping: creation, per-thread shards, histograms,
 * and reading (by the process itself, or a snapshot `sluice` took). Its file:
 * stats_file.c. See stats.h. */
#include "stats.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

__thread sluice_shard_slot sluice_shard_slots[SLUICE_SHARD_SLOTS];

static void fill_header(struct stats_map *map, uint64_t core_id, uint64_t ring_bytes, uint32_t call_timing_every)
{
    struct stats_header *h = &map->header;
    h->version = STATS_VERSION;
    h->pid = (uint32_t)getpid();
    h->size = sizeof *map;
    h->core_id = core_id;
    h->ring_bytes = ring_bytes;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->opened_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    h->modules_max = SLUICE_MODULES_MAX;
    h->shards = STATS_SHARDS;
    h->histogram_buckets = HISTOGRAM_BUCKETS;
    h->call_timing_every = call_timing_every;
    FILE *comm = fopen("/proc/self/comm", "re");
    if (comm != NULL) {
        if (fgets(h->command, sizeof h->command, comm) != NULL)
            h->command[strcspn(h->command, "\n")] = '\0';
        fclose(comm);
    }
    for (int i = 0; i < SLUICE_HISTOGRAMS; i++)
        map->histograms[i].min = UINT64_MAX;
    /* The magic last: a reader that sees it sees a whole header. */
    store_release(&h->magic, STATS_MAGIC);
}

struct stats_map *stats_create(uint64_t core_id, uint64_t ring_bytes, uint32_t call_timing_every)
{
    /* Private until published: a fork's child gets its own copy. */
    struct stats_map *map = mmap(NULL, sizeof *map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    fill_header(map, core_id, ring_bytes, call_timing_every);
    return map;
}

void stats_fork_private(struct stats_map *map)
{
    struct stats_map *copy = stats_create(map->header.core_id, map->header.ring_bytes,
                                          map->header.call_timing_every);
    if (copy == NULL)
        return; /* out of memory: the child keeps counting into the shared map */
    uint32_t modules = map->module_count;
    copy->module_count = modules;
    for (uint32_t i = 0; i < modules; i++) {
        const struct stats_module *from = &map->modules[i];
        struct stats_module *to = &copy->modules[i];
        memcpy(to->name, from->name, sizeof to->name);
        to->length = from->length;
        to->level = from->level;
        to->sample_ppm = from->sample_ppm;
    }
    /* Over the parent's pages, in this process only: every pointer into map stays valid. */
    if (mremap(copy, sizeof *copy, sizeof *copy, MREMAP_MAYMOVE | MREMAP_FIXED, map) == MAP_FAILED)
        munmap(copy, sizeof *copy);
}

void stats_destroy(struct stats_map *map, char *path)
{
    if (path != NULL)
        unlink(path);
    free(path);
    munmap(map, sizeof *map);
}

/* ---- per-thread shards ---- */

static bool thread_is_gone(uint32_t tid)
{
    return syscall(SYS_tgkill, getpid(), (pid_t)tid, 0) != 0 && errno == ESRCH;
}

sluice_shard_slot *sluice_shard_attach(sluice_core *core)
{
    core_ready(core); /* a forked child's first count restarts its core first (fork.c) */
    struct stats_map *map = core->stats.map;
    uint32_t self = (uint32_t)syscall(SYS_gettid);
    struct stats_shard *shard = NULL;
    for (int i = 0; i < STATS_SHARDS && shard == NULL; i++)
        if (load_relaxed(&map->shards[i].owner) == self)
            shard = &map->shards[i]; /* ours: the cache slot was taken by another core */
    for (int i = 0; i < STATS_SHARDS && shard == NULL; i++) {
        uint32_t owner = load_relaxed(&map->shards[i].owner);
        /* A free shard, or one a thread that has exited left: its counts stay in
         * the sums. The exited thread's last stores are visible: its exit and
         * our tgkill are both kernel entries, each a full barrier. */
        if ((owner == 0 || thread_is_gone(owner)) && cas(&map->shards[i].owner, owner, self) == owner)
            shard = &map->shards[i];
    }
    bool shared = shard == NULL;
    if (shared)
        shard = &map->shards[STATS_SHARDS];
    sluice_shard_slot *slot = &sluice_shard_slots[core->id % SLUICE_SHARD_SLOTS];
    *slot = (sluice_shard_slot){
        .core_id = core->id, .counts = &shard->modules[0].accepted, .calls = &shard->calls, .shared = shared};
    return slot;
}

uint64_t sluice_core_id(const sluice_core *core)
{
    return core->id;
}

uint64_t sluice_call_timing_mask(const sluice_core *core)
{
    uint32_t every = core->stats.map->header.call_timing_every;
    return every == 0 ? UINT64_MAX : every - 1;
}

uint64_t sluice_monotonic_ns(void)
{
    return (uint64_t)clock_monotonic_ns();
}

void sluice_record_call(sluice_core *core, uint64_t ns)
{
    histogram_record(&core->stats.map->histograms[SLUICE_HISTOGRAM_CALL], ns, true);
}

/* ---- histograms ---- */

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

/* ---- reading ---- */

sluice_stats *sluice_core_stats(sluice_core *core)
{
    return &core->stats;
}

const char *sluice_stats_path(sluice_stats *stats)
{
    return stats->path;
}

int sluice_stats_pid(sluice_stats *stats)
{
    return (int)stats->map->header.pid;
}

uint64_t sluice_stats_core_id(sluice_stats *stats)
{
    return stats->map->header.core_id;
}

const char *sluice_stats_command(sluice_stats *stats)
{
    return stats->map->header.command;
}

int sluice_stats_module_count(sluice_stats *stats)
{
    return (int)load_acquire(&stats->map->module_count);
}

/* Sums one count of one module over every shard. */
static uint64_t shard_sum(const struct stats_map *map, uint32_t module, int which)
{
    uint64_t sum = 0;
    for (int i = 0; i <= STATS_SHARDS; i++)
        sum += load_relaxed(&(&map->shards[i].modules[module].accepted)[which]);
    return sum;
}

int sluice_stats_module(sluice_stats *stats, int module, sluice_module_counters *out)
{
    const struct stats_map *map = stats->map;
    if (module < 0 || module >= sluice_stats_module_count(stats))
        return SLUICE_INVALID;
    const struct stats_module *m = &map->modules[module];
    memcpy(out->name, m->name, sizeof out->name);
    out->name[SLUICE_MODULE_NAME_MAX] = '\0';
    out->level = load_relaxed(&m->level);
    out->sample_ppm = load_relaxed(&m->sample_ppm);
    out->written = load_relaxed(&m->written);
    out->dropped = load_relaxed(&m->dropped);
    out->accepted = shard_sum(map, (uint32_t)module, SLUICE_COUNT_ACCEPTED);
    out->filtered = shard_sum(map, (uint32_t)module, SLUICE_COUNT_FILTERED);
    out->sampled_out = shard_sum(map, (uint32_t)module, SLUICE_COUNT_SAMPLED_OUT);
    out->keys_forgotten = shard_sum(map, (uint32_t)module, SLUICE_COUNT_KEYS_FORGOTTEN);
    return SLUICE_OK;
}

void sluice_stats_counters(sluice_stats *stats, sluice_counters *out)
{
    const struct stats_map *map = stats->map;
    const struct stats_totals *t = &map->totals;
    /* What the writer finished, then what producers offered: a record is
     * accepted before it is written or dropped, so a snapshot taken in this
     * order never shows more written and dropped than accepted. */
    uint64_t written = load_relaxed(&t->written);
    uint64_t dropped_by_sink = load_relaxed(&t->dropped_by_sink);
    uint64_t dropped_full = load_relaxed(&t->dropped_full);
    uint64_t dropped_after_close = load_relaxed(&t->dropped_after_close);
    uint64_t dropped_abandoned = load_relaxed(&t->dropped_abandoned);
    uint64_t accepted = 0, filtered = 0, sampled_out = 0, keys_forgotten = 0;
    uint32_t modules = load_acquire(&map->module_count);
    for (int i = 0; i <= STATS_SHARDS; i++) {
        for (uint32_t m = 0; m < modules; m++) {
            const struct stats_shard_module *c = &map->shards[i].modules[m];
            accepted += load_relaxed(&c->accepted);
            filtered += load_relaxed(&c->filtered);
            sampled_out += load_relaxed(&c->sampled_out);
            keys_forgotten += load_relaxed(&c->keys_forgotten);
        }
    }
    uint64_t dropped = dropped_full + dropped_after_close + dropped_by_sink + dropped_abandoned;
    *out = (sluice_counters){
        .accepted = accepted,
        .written = written,
        .dropped = dropped,
        .dropped_full = dropped_full,
        .dropped_after_close = dropped_after_close,
        .dropped_by_sink = dropped_by_sink,
        .dropped_abandoned = dropped_abandoned,
        .sampled_out = sampled_out,
        .keys_forgotten = keys_forgotten,
        .filtered = filtered,
        .truncated = load_relaxed(&t->truncated),
        .bytes_written = load_relaxed(&t->bytes_written),
        .write_errors = load_relaxed(&t->write_errors),
        .batches = load_relaxed(&t->batches),
        .flushes = load_relaxed(&t->flushes),
        .rotations = load_relaxed(&t->rotations),
        .depth_bytes = load_relaxed(&t->depth_bytes),
        .depth_records = accepted > written + dropped ? accepted - written - dropped : 0,
        .high_water_bytes = load_relaxed(&t->high_water),
        .ring_bytes = map->header.ring_bytes,
    };
}

void sluice_stats_histogram(sluice_stats *stats, int which, sluice_histogram *out)
{
    if (which < 0 || which >= SLUICE_HISTOGRAMS) {
        memset(out, 0, sizeof *out);
        return;
    }
    histogram_summarize(&stats->map->histograms[which], out);
}

int sluice_stats_find_module(sluice_stats *stats, const char *name)
{
    int count = sluice_stats_module_count(stats);
    for (int i = 0; i < count; i++)
        if (strncmp(stats->map->modules[i].name, name, SLUICE_MODULE_NAME_MAX + 1) == 0)
            return i;
    return SLUICE_INVALID;
}

/* A setting changed in the process: in its live mapping (and in a snapshot, so it shows). */
static int set_module_word(sluice_stats *stats, int module, size_t offset, uint32_t value)
{
    if (stats->live == NULL || module < 0 || module >= sluice_stats_module_count(stats))
        return SLUICE_INVALID;
    store_relaxed((uint32_t *)((char *)&stats->live->modules[module] + offset), value);
    if (stats->map != stats->live)
        *(uint32_t *)((char *)&stats->map->modules[module] + offset) = value;
    return SLUICE_OK;
}

int sluice_stats_set_level(sluice_stats *stats, int module, int level)
{
    if (level < SLUICE_TRACE || level > SLUICE_CRITICAL)
        return SLUICE_INVALID;
    return set_module_word(stats, module, offsetof(struct stats_module, level), (uint32_t)level);
}

int sluice_stats_set_sample_ppm(sluice_stats *stats, int module, uint32_t ppm)
{
    if (ppm > SLUICE_PPM_ALL)
        return SLUICE_INVALID;
    return set_module_word(stats, module, offsetof(struct stats_module, sample_ppm), ppm);
}
