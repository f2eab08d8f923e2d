/*
 * core.h — the core's private layout: the ring, the record header, the
 * writer's state, and who touches which shared word, in what order.
 */
#ifndef SLUICE_CORE_H
#define SLUICE_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "clock.h"
#include "flight.h"
#include "render.h"
#include "ring.h"
#include "sink.h"
#include "sluice.h"
#include "sluice_facade.h"
#include "stats.h"
#include "wait.h"

/* A module's name as lines show it: escaped like a message, so that no name
 * can end a line or forge another; one for each format. */
struct module_label {
    char *text;
    uint32_t length;
};
struct module_labels {
    struct module_label of[RENDER_FORMATS];
};

struct modules {
    pthread_mutex_t lock;       /* serializes registration */
    struct stats_map *map;      /* names, settings and per-module counters live in the
                                   shared mapping (stats.h says who writes what) */
    sluice_sampler **samplers;  /* each module's sampler, made on first use under lock;
                                   store_release, then load_acquire */
    struct module_labels *labels; /* each module's, written once at registration, before
                                   module_count covers it; read by the writer */
};

int modules_init(struct modules *modules, struct stats_map *map);
void modules_destroy(struct modules *modules);
int modules_register(struct modules *modules, const char *name, int level, uint32_t sample_ppm);

/* A line in the writer's buffer: a record, or a drop report for `reports` records. */
struct line {
    uint32_t end;     /* offset just after its newline */
    uint16_t module;  /* a record's */
    uint8_t level;    /* a record's */
    uint64_t reports; /* 0 for a record */
    int64_t utc_ns;   /* a record's timestamp, for the end-to-end histogram */
};

/* A sink beside the first, with the lowest level it takes and a buffer of its own:
 * the writer renders each record it takes into it too, and writes it with the first's. */
struct extra_sink {
    struct sink sink;
    int level;
    struct out_buffer out;
    struct line *lines;     /* each line in out, so a failed write knows what it lost */
    uint32_t line_count;
    bool torn_line;         /* a failed write may have left half a line */
    uint64_t failed_writes; /* since it last worked */
};

/* Every sink of a core, opened: what sluice_reconfigure hands the writer. */
struct sink_set {
    struct sink first;
    uint32_t extra_count;
    struct extra_sink extra[SLUICE_SINKS_MAX - 1];
};

/* sinks.c: opens the sinks options name; -1 after a line in error ending with outcome,
 * nothing left open. */
int sink_set_open(struct sink_set *set, const sluice_options *options, uint32_t max_message, const char *outcome,
                  char *error, size_t error_size);
/* Closes every sink of the set and frees the buffers. */
void sink_set_close(struct sink_set *set);
/* The core writes to set's sinks from now on (the writer, or whoever holds the core
 * with no writer running); their names, levels and formats go into the mapping,
 * their counts from zero. */
void core_take_sinks(sluice_core *core, struct sink_set *set);
/* Closes every sink of the core. Safe to call twice. */
void core_close_sinks(sluice_core *core);

/* Writer-private state. */
struct writer {
    uint64_t position;         /* the next record to render */
    uint64_t released;         /* tail as last stored */
    uint64_t pending_reports;   /* drops not yet reported in the stream: by the sink, abandoned at close */
    uint64_t reported_full_by_level[SLUICE_LEVELS]; /* dropped_full_by_level already reported: a
                                                       report names the levels a full ring shed */
    struct out_buffer out;
    struct line *lines;        /* each line in out, so a failed write knows what it lost */
    uint32_t line_count;
    struct clock_converter clock;
    struct timestamp_cache timestamps;
    bool torn_line;            /* a failed write may have left half a line */
    bool batch_reported;       /* the buffer holds a drop report already */
    int64_t last_report_ns;    /* CLOCK_MONOTONIC of the last drop report */
    uint64_t flushes_seen;     /* totals.flushes when the writer last looked: a new flush reports at once */
    uint64_t failed_writes;    /* since the sink last worked */
    uint64_t reopens_seen;     /* reopen requests (mapping's and SIGHUP's) already carried out */
    uint64_t rotations_seen;   /* the sink's rotations and failures already counted */
    uint64_t rotation_failures_seen;
};

/* SIGHUP's reopen requests, for every core (sluice_reopen_on_sighup): add_fetch by the
 * handler, load_relaxed by each writer before each write. */
extern uint64_t sluice_sighup_reopens;

/* A reservation a closing writer gave up on (abandon_rest), remembered for its late commit. */
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

struct sluice_core {
    struct ring ring;
    _Alignas(CACHE_LINE) struct doorbell bell;     /* wakes the writer */
    _Alignas(CACHE_LINE) struct abandoned abandoned; /* read by every light commit: its own line */
    _Alignas(CACHE_LINE) struct event space;       /* producers waiting for room (block policy; warning
                                                      and above for a while under the drop policy) */
    int32_t warning_waits_off;                     /* 1 after a warning's wait for room ran out: later ones
                                                      drop at once until the writer frees room. store_relaxed
                                                      by that producer, and by the writer's release (0, only
                                                      when set); load_relaxed by warnings that find no room */
    _Alignas(CACHE_LINE) struct event written;     /* flushers waiting for written_position */
    _Alignas(CACHE_LINE) uint64_t written_position; /* every record before it has been handed to the
                                                       sink or counted as dropped. store_release by the
                                                       writer after the write returns; load_acquire by flush. */
    int32_t writer_done;                           /* 1 once the writer thread has finished.
                                                       store_release by the writer; load_acquire by flush. */
    int32_t closing;  /* 1 once close has sealed head. store_release by close after the seal;
                         load_acquire by the writer, which then reads the sealed head. */
    /* A close that gave up on a writer stuck in its sink (Dekker, both sides with full fences):
     * close sets left_behind, then waits while accounting is 1, then counts what is left; the
     * writer sets accounting before it counts a write's outcome and exits instead if it then
     * sees left_behind. Either the writer counts and close sees it, or close counts and the
     * writer never does. */
    int32_t left_behind;
    int32_t accounting;
    int32_t close_timeout_ms; /* store_relaxed by open and reconfigure (under close_lock); read by close */

    /* Read-only after open, and read by every log call: a line apart from written_position,
     * which the writer stores after every write. */
    _Alignas(CACHE_LINE) uint64_t id; /* unique in the process, never reused: names the stats mapping */
    bool synchronous;
    bool recoverable;          /* options.recoverable: the ring lives in a file (ring_file.c) whenever
                                  the core has a statistics file, and the writer releases only what
                                  its sinks took */
    uint64_t admission_limit[SLUICE_LEVELS]; /* the most bytes the ring may hold after a claim of each
                                     level: the lower the level, the more it leaves to those above */
    int64_t warning_wait_ns;       /* drop policy: how long warning and above wait for room; 0: never */

    int32_t overflow;          /* SLUICE_OVERFLOW_*: set at open and by sluice_reconfigure
                                  (store_relaxed); load_relaxed by each claim, which needs no
                                  other word to agree with it */
    struct sluice_stats_mapping stats; /* the shared mapping: counters, module settings, histograms */
    struct stats_map *map;     /* stats.map, for short */
    struct modules modules;
    struct flight_recorder flight; /* off (slots NULL) unless options asked for it; fixed at open */
    struct sink sink;          /* the writer's first sink (a synchronous core's: under sync.lock) */
    uint32_t extra_count;      /* and the others, as sink is */
    struct extra_sink extra[SLUICE_SINKS_MAX - 1];
    struct sink_set *next_sink; /* sinks sluice_reconfigure handed over, or NULL. store_release by
                                  reconfigure (under close_lock, when NULL); the writer (or a synchronous
                                  caller) takes it between batches (writer_adopt_sink): load_acquire, then
                                  store_release of NULL after the switch, which reconfigure waits for */
    uint64_t sink_switch_at;   /* ring position from which records may go to next_sink: written by
                                  reconfigure before its store_release of next_sink, read after the
                                  load_acquire; the writer switches once everything before it is written */

    struct writer writer; /* the writer thread's; a synchronous core's callers', under sync.lock */
    pthread_t thread;

    struct {
        pthread_mutex_t lock;   /* held by a caller from reserve to commit */
        bool closed;            /* under lock */
        struct record *record;  /* the record being filled, sized for the largest message */
        bool guard_sigpipe;     /* the sink or stderr is a pipe: writes block SIGPIPE */
    } sync;

    pthread_mutex_t close_lock; /* serializes close */
    bool closed;                /* under close_lock */
    struct sluice_core *next_open; /* the open-cores list, under its lock (core.c) */
    bool draining;              /* the at-exit drain is closing it; under the list's lock */
    int32_t restart_pending;    /* 1 in a forked child until its core restarts: set by the child's
                                   fork handler, cleared (store_release) under close_lock once the
                                   statistics file and the writer are new; read with load_acquire */
};

/* fork.c: after fork() the child's cores are reset at once (fork_reset_core,
 * in the child's only thread) and restarted lazily (core_ready): on the first
 * call that counts, registers, flushes or changes a setting. */
void fork_reset_core(sluice_core *core);
void fork_reset_thread(void);
void fork_restart_core(sluice_core *core);
static inline void core_ready(sluice_core *core)
{
    if (__builtin_expect(load_acquire(&core->restart_pending), 0))
        fork_restart_core(core);
}

/* core.c: flushes every open core, all of them within timeout_ms, from a fatal signal's
 * handler (crash.c): no lock waited for, nothing allocated. */
void core_flush_all_for_crash(int timeout_ms);

/* log.c: every log call of this thread from now on counts as nested, so that it never
 * waits: a writer thread (whose formatter or sink may log) must never wait on a ring only
 * it can empty. */
void log_on_writer_thread(void);
/* log.c: from a fatal signal's handler: gives up the reservations this thread holds open
 * (it will never commit them), each counted as dropped (abandoned), so that the writer
 * writes every record committed behind them. */
void log_give_up_own_reservations(void);
/* log.c: a record the flight recorder kept, into the ring as recalled: its level, module,
 * thread and time as when it was logged. */
void log_recalled(sluice_core *core, const struct flight_slot *slot, const char *message);

/* writer.c: the writer thread, started with every signal blocked. */
int writer_start(sluice_core *core);
void *writer_main(void *core);
/* The writer's side of a sink change: if a new sink was handed over and every
 * record before the change is written, closes the old sink and writes to the
 * new one from now on. Between batches only (or under a synchronous core's lock). */
void writer_adopt_sink(sluice_core *core);
/* What record's line shows, its time (line->utc_ns, kept) aside: the message, its flags,
 * and the module's name given (or the record's own label: then true, and the module's
 * labels do not apply). */
bool writer_line_of_record(struct line_source *line, const struct record *r, const char *module,
                           size_t module_length);
/* A synchronous core's writing: renders record and hands it to the sink now. */
void writer_write_record(sluice_core *core, const struct record *record);

/* Synchronous cores (sync.c). sync_open returns 0 or an errno; sync_begin locks and gives the record to fill
 * (SYNC_READY), or leaves it unlocked: SYNC_CLOSED, or SYNC_BUSY for a nested call that found the lock taken;
 * sync_end writes the record and unlocks. */
enum { SYNC_READY, SYNC_CLOSED, SYNC_BUSY };
int sync_open(sluice_core *core);
/* Whether callers' writes must guard against SIGPIPE, for the sink now in place. */
void sync_watch_sigpipe(sluice_core *core);
int sync_begin(sluice_core *core, bool nested, struct record **record);
void sync_end(sluice_core *core, const struct record *record);
void sync_close(sluice_core *core);
/* The writer's buffer size for a ring whose largest message is max_message. */
size_t writer_buffer_bytes(uint32_t max_message);
/* The most lines that buffer can hold: a line is longer than 32 bytes (its timestamp alone takes 28). */
static inline size_t writer_buffer_lines(size_t bytes)
{
    return bytes / 32 + 1;
}

#endif /* SLUICE_CORE_H */
