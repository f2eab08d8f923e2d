/*
 * core.h — the core's private layout: what a core holds, and who touches
 * which shared word, in what order. Layout only: each file that works on a
 * core declares its functions in a header of its own (docs/ARCHITECTURE.md,
 * "The layers of the core").
 */
#ifndef SLUICE_CORE_H
#define SLUICE_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "clock.h"
#include "flight.h"
#include "modules.h"
#include "render.h"
#include "ring.h"
#include "sinks.h"
#include "sluice.h"
#include "facade.h"
#include "stats.h"
#include "wait.h"

/* Writer-private state. */
struct writer {
    struct lane *lanes[SLUICE_RINGS_MAX]; /* the lanes as the writer last took them (lanes_snapshot) */
    uint32_t lane_count;
    bool held_back;            /* the last merge stopped at a record it may not take yet (lanes.h) */
    uint64_t pending_reports;   /* drops not yet reported in the stream: by the sink, abandoned at close */
    uint64_t reported_full_by_level[SLUICE_LEVELS]; /* dropped_full_by_level already reported: a
                                                       report names the levels a full ring shed */
    struct clock_converter clock;
    struct timestamp_cache timestamps;
    bool batch_reported;       /* the buffer holds a drop report already */
    int64_t last_report_ns;    /* CLOCK_MONOTONIC of the last drop report */
    uint64_t flushes_seen;     /* totals.flushes when the writer last looked: a new flush reports at once */
    uint64_t reopens_seen;     /* reopen requests (mapping's and SIGHUP's) already carried out */
};

/* A reservation a closing writer gave up on (abandon.c), remembered for its late commit. */
struct abandoned_position {
    uint64_t position;
    struct abandoned_position *next;
};

/* What a light commit (a store, asymmetric.h) needs to learn whether a closing writer
 * gave its reservation up first: the store may have overwritten the writer's mark. */
struct abandoned {
    uint64_t below;    /* every abandoned position is below it; 0 until a close gives one up.
                          store_release by the writer after it sets walking, before its heavy fence;
                          a light commit's load_acquire after its store tells it to look. */
    int32_t walking;   /* 1 while the writer marks reservations. store_release(0) once every
                          mark is in the list; a late commit waits for 0 (load_acquire). */
    struct abandoned_position *positions; /* newest first, freed with the core. store_release
                          by the writer; load_acquire by late commits. */
};

/* One ring and the writer's place in it (lanes.h). */
struct lane {
    struct ring ring;
    uint32_t index;            /* in the set, and in the ring file */
    /* The writer's (a synchronous core uses no lane). */
    _Alignas(CACHE_LINE) uint64_t position; /* the next record to render */
    uint64_t released;         /* tail as last stored */
    uint64_t floor_ticks;      /* a time before every claim at or after position not yet seen
                                  (lanes.h): the largest time of a record taken from it, or when the
                                  writer last found it drained */
    uint64_t sink_switch_at;   /* the position from which records may go to next_sinks: written by
                                  reconfigure before its store_release of next_sinks, read after the
                                  writer's load_acquire */
    _Alignas(CACHE_LINE) uint64_t written_position; /* every record before it has been handed to the
                                  sink or counted as dropped. store_release by the writer after the
                                  write returns; load_acquire by flush. */
    _Alignas(CACHE_LINE) struct abandoned abandoned; /* read by every light commit: its own line */
};

/* Rendering on several threads (renderers.h): the writer's batch and the hand-off. */
enum { RENDER_BATCH_RECORDS = 2048 };
#define RENDER_BATCH_BYTES ((size_t)1 << 20) /* the most a batch may render, by render_line_bound */
struct renderers {
    uint32_t helpers;              /* render threads beside the writer; 0: none. Fixed at open */
    struct render_helper *helper;
    const struct record **batch;   /* records taken from the rings, not yet rendered (the writer's) */
    uint32_t count;
    size_t bound;                  /* their render_line_bound, summed */
    _Alignas(CACHE_LINE) uint32_t generation; /* a new batch: store_release by the writer, after the
                                      parts and pending; load_acquire by helpers */
    int32_t pending;               /* helpers still rendering: stored by the writer before generation;
                                      add_fetch(-1) by each helper after its part; load_acquire by the
                                      writer, which then reads the parts */
    int32_t stop;                  /* store_release by the writer as it finishes; load_acquire by helpers */
    struct event work;             /* helpers wait here for a generation */
    struct event done;             /* the writer waits here for pending 0 */
};

struct sluice_core {
    struct lane_set *lanes;    /* the lanes (lanes.h): rcu_assign_pointer by open and lanes_grow
                                  (under lanes_lock); rcu_dereference by producers inside urcu-bp's
                                  read side, and by lanes_snapshot */
    pthread_mutex_t lanes_lock; /* serializes lanes_grow with close's seal and a reopen */
    bool lanes_sealed;         /* under lanes_lock: sealed by close, so no lane may be added */
    uint64_t ring_bytes;       /* each lane's capacity */
    uint32_t max_message;      /* the longest message a record carries whole (ring.h) */
    bool grow_with_cpus;       /* options.ring_count was 0: the writer adds lanes as CPUs come online */
    _Alignas(CACHE_LINE) struct doorbell bell;     /* wakes the writer */
    _Alignas(CACHE_LINE) struct event space;       /* producers waiting for room (block policy; warning
                                                      and above for a while under the drop policy) */
    int32_t warning_waits_off;                     /* 1 after a warning's wait for room ran out: later ones
                                                      drop at once until the writer frees room. store_relaxed
                                                      by that producer, and by the writer's release (0, only
                                                      when set); load_relaxed by warnings that find no room */
    _Alignas(CACHE_LINE) struct event written;     /* flushers waiting for a lane's written_position */
    int32_t writer_done;                           /* 1 once the writer thread has finished.
                                                       store_release by the writer; load_acquire by flush. */
    int32_t closing;  /* 1 once close has sealed head. store_release by close after the seal;
                         load_acquire by the writer, which then reads the sealed head. */
    /* A close that gave up on a writer stuck in its sink: abandon.h's table. */
    int32_t left_behind;
    int32_t accounting;
    int32_t close_timeout_ms; /* store_relaxed by open and reconfigure (under close_lock); read by close */

    /* Read-only after open, and read by every log call: a line apart from the words the
     * writer stores. */
    _Alignas(CACHE_LINE) uint64_t id; /* unique in the process, never reused: names the stats mapping */
    bool synchronous;
    bool recoverable;          /* options.recoverable: the ring lives in a file (ring_file.c) whenever
                                  the core has a statistics file, and the writer releases only what
                                  its sinks took */
    uint64_t admission_limit[SLUICE_LEVELS]; /* the most bytes a lane's ring may hold after a claim of
                                     each level: the lower the level, the more it leaves to those above */
    int64_t warning_wait_ns;       /* drop policy: how long warning and above wait for room; 0: never */

    int32_t overflow;          /* SLUICE_OVERFLOW_*: set at open and by sluice_reconfigure
                                  (store_relaxed); load_relaxed by each claim, which needs no
                                  other word to agree with it */
    struct sluice_stats_mapping stats; /* the shared mapping: counters, module settings, histograms */
    struct stats_map *map;     /* stats.map, for short */
    struct modules modules;
    struct flight_recorder flight; /* off (slots NULL) unless options asked for it; fixed at open */
    struct sink_set sinks;     /* the writer's (a synchronous core's: under sync.lock) */
    struct sink_set *next_sinks; /* sinks sluice_reconfigure handed over, or NULL. store_release by
                                  reconfigure (under close_lock, when NULL); the writer (or a synchronous
                                  caller) takes it between batches (output_adopt_sinks): load_acquire, then
                                  store_release of NULL after the switch, which reconfigure waits for;
                                  the writer switches once every lane is written to its sink_switch_at */

    struct writer writer; /* the writer thread's; a synchronous core's callers', under sync.lock */
    pthread_t thread;
    struct renderers render;   /* a synchronous core has none */

    struct {
        pthread_mutex_t lock;   /* held by a caller from reserve to commit */
        bool closed;            /* under lock */
        struct record *record;  /* the record being filled, sized for the largest message */
        bool guard_sigpipe;     /* the sink or stderr is a pipe: writes block SIGPIPE */
    } sync;

    pthread_mutex_t close_lock; /* serializes close */
    bool closed;                /* under close_lock */
    struct sluice_core *next_open; /* the open-cores list, under its lock (open_cores.c) */
    bool draining;              /* the at-exit drain is closing it; under the list's lock */
    int32_t restart_pending;    /* 1 in a forked child until its core restarts: set by the child's
                                   fork handler, cleared (store_release) under close_lock once the
                                   statistics file and the writer are new; read with load_acquire */
};

#endif /* SLUICE_CORE_H */
