/*
 * stats.h — a core's counters, module settings and histograms, in one
 * file-backed shared mapping (/dev/shm/sluice-<pid>-<core id>, or under
 * $SLUICE_STATS_DIR), so that they can be read, and module settings changed,
 * from outside the process (`sluice stat`, `sluice level`). Layout version 5;
 * every field is naturally aligned and little-endian. Readers outside the
 * process trust nothing in the file: they read a snapshot and check it.
 *
 * Who writes what:
 *   header                 the opener, before anyone else can see the file
 *   totals (producers)     add_relaxed, on slow paths only (drops, truncation)
 *   totals (writer)        the writer thread alone, store_relaxed
 *   modules[i]             name and length once, under the registry lock, before
 *                          module_count covers them (store_release); level,
 *                          operator_level, configured_level and sample_ppm by
 *                          any setter, in or out of the process (store_relaxed;
 *                          loggers load_relaxed; an operator's level is stored
 *                          before the level it puts in effect); dropped by
 *                          add_relaxed; written by the writer alone
 *   shards[i]              one thread each: the counts every call touches
 *                          (accepted, filtered, sampled out) with no locked
 *                          instruction and no shared cache line; a thread claims
 *                          a shard by cas on its owner word. Past the last
 *                          shard, threads share one whose counts are add_relaxed.
 *   level_requests         tools (`sluice level` ahead of a module's first call) and the
 *                          registering process, each slot claimed by cas on its state
 *   sinks                  names, levels and formats by whoever installs a set of sinks (open,
 *                          or the writer adopting a new set) before sink_count covers them
 *                          (store_release); counts by the writer alone
 *   histograms             producers add_relaxed (call latency, 1 call in N);
 *                          the writer alone for the others
 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "histogram.h"
#include "sluice_stats.h"
#include "facade.h"

#define STATS_MAGIC 0x31304543494c5553ull /* "SLUICE01" */
#define STATS_VERSION 6u

enum {
    STATS_SHARDS = 64,       /* threads with a shard of their own, per core */
};

struct stats_header {
    uint64_t magic;
    uint32_t version;
    uint32_t pid;
    uint64_t size;           /* bytes of the mapping */
    uint64_t core_id;
    uint64_t ring_bytes;
    uint64_t opened_ns;      /* CLOCK_REALTIME when the core opened */
    uint32_t modules_max;
    uint32_t shards;
    uint32_t histogram_buckets;
    uint32_t call_timing_every; /* 1 call in this many is timed; 0: none */
    char command[64];        /* the process's name, for `sluice list` */
};

struct stats_totals {
    _Alignas(64) uint64_t dropped_full;
    uint64_t dropped_after_close;
    uint64_t truncated;
    uint64_t flushes;
    uint64_t dropped_abandoned; /* behind a reservation close gave up on: the writer, and late commits */
    _Alignas(64) uint64_t written;
    uint64_t bytes_written;
    uint64_t write_errors;
    uint64_t dropped_by_sink;
    uint64_t batches;
    uint64_t high_water;
    uint64_t depth_bytes;    /* as the writer last saw it */
    uint64_t rotations;      /* log file rotations */
    _Alignas(64) uint64_t rotation_failures;
    uint64_t reopens;
    /* By the record's level: every drop (producers and the writer, add_relaxed), and the
     * part that found the ring full (producers, add_relaxed; the writer reads it for reports). */
    _Alignas(64) uint64_t dropped_by_level[SLUICE_LEVELS];
    uint64_t dropped_full_by_level[SLUICE_LEVELS];
};

struct stats_module {
    char name[SLUICE_MODULE_NAME_MAX + 1];
    uint32_t length;
    int32_t level;          /* in effect: the operator's if set, else the configured one */
    uint32_t sample_ppm;
    int32_t operator_level; /* set at run time (sluice level, Sluice.setLevel), or SLUICE_LEVEL_UNSET */
    int32_t configured_level; /* from the configuration: what a reset returns to */
    uint32_t reserved;
    uint64_t dropped;
    uint64_t written;
};

/* `sluice level` for a module that has not registered yet (it has not logged): the process
 * applies it as the operator's level when the module registers (modules.c). */
enum { STATS_LEVEL_REQUESTS = 16 };
enum { REQUEST_FREE, REQUEST_WRITING, REQUEST_READY, REQUEST_TAKEN };
struct stats_level_request {
    uint32_t state; /* FREE -> WRITING: a tool's cas, then level, length and name, then READY by its
                       store_release. READY -> TAKEN: the cas of whoever reads it (the registering
                       process, or a tool replacing or withdrawing it), then FREE (used) or READY
                       (not the name it looked for) by store_release. */
    int32_t level;
    uint32_t length;
    char name[SLUICE_MODULE_NAME_MAX + 1];
};

struct stats_shard_module {
    uint64_t accepted;
    uint64_t filtered;
    uint64_t sampled_out;
    uint64_t keys_forgotten;
};

struct stats_sink {
    char name[SLUICE_SINK_NAME_MAX + 1];
    int32_t level;
    int32_t format;
    uint64_t written;
    uint64_t bytes;
    uint64_t write_errors;
    uint64_t dropped;
};

/* A ring's depth and high-water mark, as the writer last saw them (store_relaxed, writer only). */
struct stats_ring {
    uint64_t depth_bytes;
    uint64_t high_water;
};

struct stats_shard {
    _Alignas(64) uint32_t owner; /* kernel thread id; 0 while free */
    uint32_t reserved;
    uint64_t calls;              /* log calls, for timing 1 in N */
    struct stats_shard_module modules[SLUICE_MODULES_MAX];
};

struct stats_map {
    struct stats_header header;
    _Alignas(64) uint32_t module_count;
    uint64_t reopen_requests; /* add_fetch by sluice_reopen and by `sluice reopen` through a writable
                                 mapping; load_relaxed by the writer before each write */
    struct stats_totals totals;
    _Alignas(64) uint32_t sink_count;
    struct stats_sink sinks[SLUICE_SINKS_MAX];
    _Alignas(64) uint32_t ring_count; /* the core's rings: set at open, store_relaxed by lanes_grow */
    struct stats_ring rings[SLUICE_RINGS_MAX];
    uint32_t render_threads;       /* the writer and its helpers: set at open */
    uint64_t render_records[SLUICE_RENDER_THREADS_MAX]; /* records each rendered (add_relaxed by that thread) */
    struct stats_level_request level_requests[STATS_LEVEL_REQUESTS];
    struct stats_module modules[SLUICE_MODULES_MAX];
    struct stats_histogram histograms[SLUICE_HISTOGRAMS];
    struct stats_shard shards[STATS_SHARDS + 1]; /* the last one is shared */
};

/* Creates the mapping of a new core in private memory, to be published once
 * its module table is filled in. NULL only when out of memory. */
struct stats_map *stats_create(uint64_t core_id, uint64_t ring_bytes, uint32_t call_timing_every);
/* A forked child: puts a private copy of map at its address — the header (now
 * this process's) and the module table with its names, levels and rates, every
 * count zero — so that nothing the child counts reaches the parent's file. */
void stats_fork_private(struct stats_map *map);
/* Unmaps, and removes the file if path is not NULL. */
void stats_destroy(struct stats_map *map, char *path);

/*
 * Puts map in a new file, <dir>/sluice-<pid>-<core id> (or, when that name is
 * taken by a file that is not a stale one of ours, with a random part added),
 * its pages reserved so that a full tmpfs fails here rather than with SIGBUS
 * later, and maps the file over map at the same address: every pointer into
 * map stays valid. Only the part before the shards is copied (the shards are
 * zero: nothing has counted yet). Returns the path, or NULL after one line on
 * stderr, the map staying private: logging goes on, unseen from outside.
 */
char *stats_publish(struct stats_map *map);

/* stats_file.c: why a snapshot of a mapping is not one this sluice can read, or NULL
 * (detail holds the reason when it needs numbers). */
const char *stats_snapshot_problem(const struct stats_map *map, char *detail, size_t detail_size);
/* stats_file.c: the process pid is gone, or started after a file it names was made
 * at opened_ns (its pid was reused): the file is a dead process's. */
bool stats_owner_is_dead(uint32_t pid, uint64_t opened_ns);

/* A mapping as its reader holds it: a core's own, or one sluice_stats_open made. */
struct sluice_stats_mapping {
    struct stats_map *map;  /* what is read: a core's live mapping, or a snapshot */
    struct stats_map *live; /* where settings are written: the live mapping; NULL if read-only */
    char *path;             /* NULL when the mapping has no file */
    bool owned;             /* made by sluice_stats_open: freed by sluice_stats_close */
};

/* stats.c: applies a pending operator's level request for the module just registered at
 * index module, after module_count covers it and a full fence (the tool's side fences too:
 * either the tool sees the module, or this sees its request). */
void stats_take_level_request(struct stats_map *map, uint32_t module);

/* shards.c: claims this thread's shard of map (core core_id's) and caches it in the thread's slot. */
sluice_shard_slot *shards_attach(struct stats_map *map, uint64_t core_id);

#endif /* SLUICE_STATS_H */
