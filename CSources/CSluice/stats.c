/* stats.c — the statistics mapping in memory: creation, a forked child's
 * private copy, and reading it (by the process itself, or a snapshot `sluice`
 * took). Its file: stats_file.c; its shards: shards.c; its histograms:
 * histogram.c. See stats.h. */
#include "platform.h"
#include "stats.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>


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
    snprintf(h->command, sizeof h->command, "%s", platform_program_name());
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
    copy->reopen_requests = map->reopen_requests; /* the writer's count of them carries over too */
    copy->ring_count = map->ring_count;
    copy->render_threads = map->render_threads;
    for (uint32_t i = 0; i < modules; i++) {
        const struct stats_module *from = &map->modules[i];
        struct stats_module *to = &copy->modules[i];
        memcpy(to->name, from->name, sizeof to->name);
        to->length = from->length;
        to->level = from->level;
        to->operator_level = from->operator_level;
        to->configured_level = from->configured_level;
        to->sample_ppm = from->sample_ppm;
    }
    for (uint32_t i = 0; i < SLUICE_SINKS_MAX; i++) { /* names, levels and formats; no counts */
        memcpy(copy->sinks[i].name, map->sinks[i].name, sizeof copy->sinks[i].name);
        copy->sinks[i].level = map->sinks[i].level;
        copy->sinks[i].format = map->sinks[i].format;
    }
    copy->sink_count = map->sink_count;
    /* Over the parent's pages, in this process only: every pointer into map stays valid. */
    if (!platform_move_mapping(copy, map, sizeof *copy))
        munmap(copy, sizeof *copy);
}

void stats_destroy(struct stats_map *map, char *path)
{
    if (path != NULL)
        unlink(path);
    free(path);
    munmap(map, sizeof *map);
}

/* ---- reading ---- */

const char *sluice_stats_path(sluice_stats_mapping *stats)
{
    return stats->path;
}

int sluice_stats_pid(sluice_stats_mapping *stats)
{
    return (int)stats->map->header.pid;
}

uint64_t sluice_stats_core_id(sluice_stats_mapping *stats)
{
    return stats->map->header.core_id;
}

const char *sluice_stats_command(sluice_stats_mapping *stats)
{
    return stats->map->header.command;
}

int sluice_stats_module_count(sluice_stats_mapping *stats)
{
    return (int)load_acquire(&stats->map->module_count);
}

/* One module's count (which: SLUICE_COUNT_*) over every shard. */
static uint64_t shards_sum(const struct stats_map *map, uint32_t module, int which)
{
    uint64_t sum = 0;
    for (int i = 0; i <= STATS_SHARDS; i++)
        sum += load_relaxed(&(&map->shards[i].modules[module].accepted)[which]);
    return sum;
}

/* Every module's counts over every shard. */
static struct stats_shard_module shards_total(const struct stats_map *map)
{
    struct stats_shard_module sum = {0};
    uint32_t modules = load_acquire(&map->module_count);
    for (int i = 0; i <= STATS_SHARDS; i++) {
        for (uint32_t m = 0; m < modules; m++) {
            const struct stats_shard_module *c = &map->shards[i].modules[m];
            sum.accepted += load_relaxed(&c->accepted);
            sum.filtered += load_relaxed(&c->filtered);
            sum.sampled_out += load_relaxed(&c->sampled_out);
            sum.keys_forgotten += load_relaxed(&c->keys_forgotten);
        }
    }
    return sum;
}


/* Sums one count of one module over every shard. */
int sluice_stats_module(sluice_stats_mapping *stats, int module, sluice_module_counters *out)
{
    const struct stats_map *map = stats->map;
    if (module < 0 || module >= sluice_stats_module_count(stats))
        return SLUICE_INVALID;
    const struct stats_module *m = &map->modules[module];
    memcpy(out->name, m->name, sizeof out->name);
    out->name[SLUICE_MODULE_NAME_MAX] = '\0';
    out->level = load_relaxed(&m->level);
    out->operator_level = load_relaxed(&m->operator_level);
    out->sample_ppm = load_relaxed(&m->sample_ppm);
    out->written = load_relaxed(&m->written);
    out->dropped = load_relaxed(&m->dropped);
    out->accepted = shards_sum(map, (uint32_t)module, SLUICE_COUNT_ACCEPTED);
    out->filtered = shards_sum(map, (uint32_t)module, SLUICE_COUNT_FILTERED);
    out->sampled_out = shards_sum(map, (uint32_t)module, SLUICE_COUNT_SAMPLED_OUT);
    out->keys_forgotten = shards_sum(map, (uint32_t)module, SLUICE_COUNT_KEYS_FORGOTTEN);
    return SLUICE_OK;
}

int sluice_stats_sink_count(sluice_stats_mapping *stats)
{
    uint32_t count = load_acquire(&stats->map->sink_count);
    return count <= SLUICE_SINKS_MAX ? (int)count : 0; /* a file from outside is not trusted */
}

int sluice_stats_ring_count(sluice_stats_mapping *stats)
{
    uint32_t count = load_relaxed(&stats->map->ring_count);
    return count > SLUICE_RINGS_MAX ? SLUICE_RINGS_MAX : (int)count; /* another process's word */
}

int sluice_stats_ring(sluice_stats_mapping *stats, int ring, sluice_ring_counters *out)
{
    if (ring < 0 || ring >= sluice_stats_ring_count(stats))
        return SLUICE_INVALID;
    const struct stats_ring *r = &stats->map->rings[ring];
    *out = (sluice_ring_counters){.depth_bytes = load_relaxed(&r->depth_bytes),
                                  .high_water_bytes = load_relaxed(&r->high_water)};
    return SLUICE_OK;
}

int sluice_stats_render_thread_count(sluice_stats_mapping *stats)
{
    uint32_t count = load_relaxed(&stats->map->render_threads);
    return count > SLUICE_RENDER_THREADS_MAX ? SLUICE_RENDER_THREADS_MAX : (int)count; /* another process's word */
}

uint64_t sluice_stats_render_thread_records(sluice_stats_mapping *stats, int thread)
{
    if (thread < 0 || thread >= sluice_stats_render_thread_count(stats))
        return 0;
    return load_relaxed(&stats->map->render_records[thread]);
}

int sluice_stats_sink(sluice_stats_mapping *stats, int sink, sluice_sink_counters *out)
{
    if (sink < 0 || sink >= sluice_stats_sink_count(stats))
        return SLUICE_INVALID;
    const struct stats_sink *s = &stats->map->sinks[sink];
    memcpy(out->name, s->name, sizeof out->name);
    out->name[SLUICE_SINK_NAME_MAX] = '\0';
    out->level = load_relaxed(&s->level);
    out->format = load_relaxed(&s->format);
    out->written = load_relaxed(&s->written);
    out->bytes = load_relaxed(&s->bytes);
    out->write_errors = load_relaxed(&s->write_errors);
    out->dropped = load_relaxed(&s->dropped);
    return SLUICE_OK;
}

void sluice_stats_counters(sluice_stats_mapping *stats, sluice_counters *out)
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
    struct stats_shard_module sums = shards_total(map);
    uint64_t accepted = sums.accepted, filtered = sums.filtered, sampled_out = sums.sampled_out,
             keys_forgotten = sums.keys_forgotten;
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
        .rotation_failures = load_relaxed(&t->rotation_failures),
        .reopens = load_relaxed(&t->reopens),
        .depth_bytes = load_relaxed(&t->depth_bytes),
        .depth_records = accepted > written + dropped ? accepted - written - dropped : 0,
        .high_water_bytes = load_relaxed(&t->high_water),
        .ring_bytes = map->header.ring_bytes,
    };
    for (int level = 0; level < SLUICE_LEVELS; level++)
        out->dropped_by_level[level] = load_relaxed(&t->dropped_by_level[level]);
}

void sluice_stats_histogram(sluice_stats_mapping *stats, int which, sluice_histogram *out)
{
    if (which < 0 || which >= SLUICE_HISTOGRAMS) {
        memset(out, 0, sizeof *out);
        return;
    }
    histogram_summarize(&stats->map->histograms[which], out);
}

int sluice_stats_find_module(sluice_stats_mapping *stats, const char *name)
{
    int count = sluice_stats_module_count(stats);
    for (int i = 0; i < count; i++)
        if (strncmp(stats->map->modules[i].name, name, SLUICE_MODULE_NAME_MAX + 1) == 0)
            return i;
    return SLUICE_INVALID;
}

/* A setting changed in the process: in its live mapping (and in a snapshot, so it shows). */
static int set_module_word(sluice_stats_mapping *stats, int module, size_t offset, uint32_t value)
{
    if (stats->live == NULL || module < 0 || module >= sluice_stats_module_count(stats))
        return SLUICE_INVALID;
    store_relaxed((uint32_t *)((char *)&stats->live->modules[module] + offset), value);
    if (stats->map != stats->live)
        *(uint32_t *)((char *)&stats->map->modules[module] + offset) = value;
    return SLUICE_OK;
}

/* An operator's level into a live module: the operator's word before the level it puts in effect. */
static void set_live_level(struct stats_map *live, uint32_t module, int level)
{
    store_relaxed(&live->modules[module].operator_level, level);
    store_relaxed(&live->modules[module].level, level);
}

/* Takes the pending request for name out of the table; true if there was one (with its level). */
static bool take_request(struct stats_map *live, const char *name, size_t length, int *level)
{
    bool found = false;
    for (int i = 0; i < STATS_LEVEL_REQUESTS; i++) {
        struct stats_level_request *r = &live->level_requests[i];
        if (load_acquire(&r->state) != REQUEST_READY || cas(&r->state, REQUEST_READY, REQUEST_TAKEN) != REQUEST_READY)
            continue;
        bool match = r->length == length && memcmp(r->name, name, length) == 0;
        if (match && level != NULL)
            *level = r->level;
        found |= match;
        store_release(&r->state, match ? REQUEST_FREE : REQUEST_READY);
    }
    return found;
}

void stats_take_level_request(struct stats_map *map, uint32_t module)
{
    const struct stats_module *m = &map->modules[module];
    int level = SLUICE_LEVEL_UNSET;
    if (take_request(map, m->name, m->length, &level) && level >= SLUICE_TRACE && level <= SLUICE_CRITICAL)
        set_live_level(map, module, level);
}

/* The live module called name (id), or SLUICE_INVALID. */
static int live_module(struct stats_map *live, const char *name, size_t length)
{
    uint32_t count = load_acquire(&live->module_count);
    for (uint32_t i = 0; i < count && i < SLUICE_MODULES_MAX; i++)
        if (live->modules[i].length == length && memcmp(live->modules[i].name, name, length) == 0)
            return (int)i;
    return SLUICE_INVALID;
}

int sluice_stats_request_level(sluice_stats_mapping *stats, const char *name, int level)
{
    size_t length = name == NULL ? 0 : strlen(name);
    struct stats_map *live = stats->live;
    if (live == NULL || name == NULL || length > SLUICE_MODULE_NAME_MAX || level < SLUICE_TRACE || level > SLUICE_CRITICAL)
        return SLUICE_INVALID;
    (void)take_request(live, name, length, NULL); /* one request a name: the newest */
    struct stats_level_request *slot = NULL;
    for (int i = 0; i < STATS_LEVEL_REQUESTS && slot == NULL; i++)
        if (cas(&live->level_requests[i].state, REQUEST_FREE, REQUEST_WRITING) == REQUEST_FREE)
            slot = &live->level_requests[i];
    if (slot == NULL)
        return SLUICE_INVALID;
    slot->level = level;
    slot->length = (uint32_t)length;
    memcpy(slot->name, name, length + 1);
    store_release(&slot->state, REQUEST_READY);
    fence(); /* the registering process fences after its module_count (stats_take_level_request) */
    int module = live_module(live, name, length);
    if (module != SLUICE_INVALID && take_request(live, name, length, NULL))
        set_live_level(live, (uint32_t)module, level); /* it registered meanwhile, without the request */
    return SLUICE_OK;
}

int sluice_stats_withdraw_level(sluice_stats_mapping *stats, const char *name)
{
    size_t length = name == NULL ? 0 : strlen(name);
    if (stats->live == NULL || name == NULL || length > SLUICE_MODULE_NAME_MAX)
        return SLUICE_INVALID;
    return take_request(stats->live, name, length, NULL) ? SLUICE_OK : SLUICE_INVALID;
}

int sluice_stats_reopen(sluice_stats_mapping *stats)
{
    if (stats->live == NULL)
        return SLUICE_INVALID;
    (void)add_fetch(&stats->live->reopen_requests, 1);
    return SLUICE_OK;
}

int sluice_stats_set_level(sluice_stats_mapping *stats, int module, int level)
{
    if (level < SLUICE_TRACE || level > SLUICE_CRITICAL ||
        set_module_word(stats, module, offsetof(struct stats_module, operator_level), (uint32_t)level) != SLUICE_OK)
        return SLUICE_INVALID;
    return set_module_word(stats, module, offsetof(struct stats_module, level), (uint32_t)level);
}

int sluice_stats_reset_level(sluice_stats_mapping *stats, int module)
{
    if (set_module_word(stats, module, offsetof(struct stats_module, operator_level), (uint32_t)SLUICE_LEVEL_UNSET) !=
        SLUICE_OK)
        return SLUICE_INVALID;
    int32_t configured = load_relaxed(&stats->live->modules[module].configured_level);
    return set_module_word(stats, module, offsetof(struct stats_module, level), (uint32_t)configured);
}

int sluice_stats_set_sample_ppm(sluice_stats_mapping *stats, int module, uint32_t ppm)
{
    if (ppm > SLUICE_PPM_ALL)
        return SLUICE_INVALID;
    return set_module_word(stats, module, offsetof(struct stats_module, sample_ppm), ppm);
}
