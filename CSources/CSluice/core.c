/* core.c — a core's life: open, flush, counters, close, reconfigure and reopen, and the at-exit drain. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asymmetric.h"
#include "core.h"
#include "diagnostics.h"

/* Every core not yet freed, so that an exiting process still writes what it
 * accepted and removes every statistics file.
 * The drain moves a core from open_cores to drained_cores (the process still
 * holds it: a leak checker must see it), marking it draining while it closes
 * it without the lock; sluice_free on another thread waits for that to end
 * before it frees anything. */
static pthread_mutex_t open_cores_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drain_finished = PTHREAD_COND_INITIALIZER;
static sluice_core *open_cores;
static sluice_core *drained_cores;

/* At exit the mapping leaves the directory; a core closed earlier keeps its
 * file until sluice_free, so that counts made after its close stay visible. */
static void forget_stats_file(sluice_core *core)
{
    ring_forget_file(&core->ring); /* written or counted: nothing in it is recover's */
    if (core->stats.path != NULL) {
        unlink(core->stats.path);
        free(core->stats.path);
        core->stats.path = NULL;
    }
}

static void close_all_at_exit(void)
{
    pthread_mutex_lock(&open_cores_lock);
    for (sluice_core *core; (core = open_cores) != NULL;) {
        open_cores = core->next_open;
        core->draining = true;
        pthread_mutex_unlock(&open_cores_lock);
        sluice_close(core);
        forget_stats_file(core); /* no sluice_free follows an exit */
        pthread_mutex_lock(&open_cores_lock);
        core->draining = false;
        core->next_open = drained_cores;
        drained_cores = core;
        pthread_cond_broadcast(&drain_finished);
    }
    pthread_mutex_unlock(&open_cores_lock);
}

/* fork(): the list stays whole across it (the parent's threads may be opening
 * or closing cores), and the child resets every core it holds (fork.c). */
static void lock_list_for_fork(void)
{
    pthread_mutex_lock(&open_cores_lock);
}

static void unlock_list_after_fork(void)
{
    pthread_mutex_unlock(&open_cores_lock);
}

static void reset_cores_in_child(void)
{
    for (sluice_core *core = open_cores; core != NULL; core = core->next_open)
        fork_reset_core(core);
    fork_reset_thread();
    pthread_cond_init(&drain_finished, NULL);
    pthread_mutex_unlock(&open_cores_lock);
}

static void register_process_hooks(void)
{
    atexit(close_all_at_exit);
    pthread_atfork(lock_list_for_fork, unlock_list_after_fork, reset_cores_in_child);
}

static void track(sluice_core *core)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_process_hooks);
    pthread_mutex_lock(&open_cores_lock);
    core->next_open = open_cores;
    open_cores = core;
    pthread_mutex_unlock(&open_cores_lock);
}

/* Takes core off whichever list holds it; under open_cores_lock. */
static void unlink_core(sluice_core **list, sluice_core *core)
{
    for (sluice_core **link = list; *link != NULL; link = &(*link)->next_open) {
        if (*link == core) {
            *link = core->next_open;
            return;
        }
    }
}


void sluice_options_init(sluice_options *options)
{
    *options = (sluice_options){
        .ring_bytes = SLUICE_RING_DEFAULT, .overflow = SLUICE_OVERFLOW_DROP, .path = NULL, .call_timing_every = 64,
        .file_mode = 0640, .file_max_bytes = 0, .file_keep = 5, .syslog_facility = 1 /* user */,
        .warning_reserve_permille = 125, .warning_wait_us = 2000, .close_timeout_ms = 5000};
}

static void release_resources(sluice_core *core)
{
    for (struct abandoned_position *p = core->abandoned.positions, *next; p != NULL; p = next) {
        next = p->next;
        free(p);
    }
    ring_destroy(&core->ring);
    flight_destroy(&core->flight);
    modules_destroy(&core->modules);
    if (core->map != NULL)
        stats_destroy(core->map, core->stats.path);
    free(core->writer.out.data);
    free(core->writer.lines);
    free(core->sync.record);
    free(core);
}

/* How full a claim of each level may leave the ring (sluice.h, warning_reserve_permille): the
 * lower the level, the more room it leaves to the ones above. Whole records only: multiples of 8. */
static void set_admission_limits(sluice_core *core, unsigned reserve_permille)
{
    static const unsigned reserves_left[SLUICE_LEVELS] = {4, 4, 2, 1, 0, 0, 0}; /* trace ... critical */
    uint64_t capacity = core->ring.capacity, reserve = capacity * reserve_permille / 1000;
    for (int level = 0; level < SLUICE_LEVELS; level++) {
        uint64_t left = reserve * reserves_left[level];
        uint64_t limit = left < capacity / 2 ? capacity - left : capacity / 2;
        core->admission_limit[level] = level >= SLUICE_WARNING ? capacity : limit & ~(uint64_t)7;
    }
}

/* Clears error, then checks options->overflow; a line naming it and outcome if bad. */
static bool overflow_is_valid(const sluice_options *options, const char *outcome, char *error, size_t error_size)
{
    if (error != NULL && error_size > 0)
        error[0] = '\0';
    if (options->overflow == SLUICE_OVERFLOW_DROP || options->overflow == SLUICE_OVERFLOW_BLOCK)
        return true;
    if (error != NULL)
        snprintf(error, error_size,
                 "sluice: overflow %d is neither SLUICE_OVERFLOW_DROP (0) nor SLUICE_OVERFLOW_BLOCK (1); %s",
                 options->overflow, outcome);
    return false;
}

sluice_core *sluice_open(const sluice_options *options, char *error, size_t error_size)
{
    sluice_options defaults;
    if (options == NULL) {
        sluice_options_init(&defaults);
        options = &defaults;
    }
    if (!overflow_is_valid(options, "nothing was opened", error, error_size))
        return NULL;
    asymmetric_init(); /* how commits publish, decided before any core can take one */
    unsigned every = options->call_timing_every;
    if (every > (1u << 20) || (every & (every - 1)) != 0) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: call_timing_every %u is neither 0 nor a power of two up to 1048576; nothing was opened",
                     every);
        return NULL;
    }
    if (options->warning_reserve_permille > 500) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: warning_reserve_permille %u is more than 500 (half the ring); nothing was opened",
                     options->warning_reserve_permille);
        return NULL;
    }
    if (options->warning_wait_us > 1000000) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: warning_wait_us %u is more than 1000000 (a second); nothing was opened",
                     options->warning_wait_us);
        return NULL;
    }
    clock_setup();

    sluice_core *core = NULL;
    if (posix_memalign((void **)&core, CACHE_LINE, sizeof *core) != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening a core");
        return NULL;
    }
    memset(core, 0, sizeof *core);
    static uint64_t last_id;
    core->id = add_fetch(&last_id, 1);
    if (ring_init(&core->ring, options->ring_bytes, core->id, error, error_size) != 0) {
        free(core);
        return NULL;
    }
    set_admission_limits(core, options->warning_reserve_permille);
    core->warning_wait_ns = (int64_t)options->warning_wait_us * 1000;
    core->close_timeout_ms = options->close_timeout_ms;
    core->map = stats_create(core->id, options->ring_bytes, every);
    core->stats = (struct sluice_stats_mapping){.map = core->map, .live = core->map, .path = NULL, .owned = false};
    size_t buffer = writer_buffer_bytes(core->ring.max_message);
    core->writer.out = (struct out_buffer){.data = malloc(buffer), .capacity = buffer};
    core->writer.lines = malloc(writer_buffer_lines(buffer) * sizeof *core->writer.lines);
    if (core->map == NULL || modules_init(&core->modules, core->map) != 0 || core->writer.out.data == NULL ||
        core->writer.lines == NULL || flight_init(&core->flight, options->flight_recorder_records) != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening a core");
        release_resources(core);
        return NULL;
    }
    struct sink_set sinks;
    if (sink_set_open(&sinks, options, core->ring.max_message, "nothing was opened", error, error_size) != 0) {
        release_resources(core);
        return NULL;
    }
    core_take_sinks(core, &sinks);
    core->writer.reopens_seen = load_relaxed(&sluice_sighup_reopens);
    core->stats.path = stats_publish(core->map);
    core->overflow = options->overflow;
    core->synchronous = options->synchronous != 0;
    core->recoverable = options->recoverable != 0 && !core->synchronous; /* a synchronous core holds no record */
    if (core->recoverable && core->stats.path != NULL)
        (void)ring_publish(&core->ring, core->stats.path);
    core->writer.timestamps.second = INT64_MIN;
    core->writer.timestamps.micro = INT64_MIN;
    pthread_mutex_init(&core->close_lock, NULL);
    int failure = core->synchronous ? sync_open(core) : writer_start(core);
    if (failure != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot start %s: %s",
                     core->synchronous ? "a synchronous core" : "the writer thread", strerror(failure));
        core_close_sinks(core);
        pthread_mutex_destroy(&core->close_lock);
        release_resources(core);
        return NULL;
    }
    track(core);
    return core;
}

/* Waits until every record accepted before the call is written or dropped: atomics and
 * futex waits only, so that a crash handler may call it. */
static int flush_written(sluice_core *core, int timeout_ms)
{
    /* Every record accepted before this call lies below head: its cas came first. */
    uint64_t target = ring_head(&core->ring);
    if (load_acquire(&core->written_position) >= target)
        return SLUICE_OK;
    add_relaxed(&core->map->totals.flushes, 1);
    doorbell_kick(&core->bell);
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int32_t seen = event_prepare(&core->written);
        bool done = load_acquire(&core->written_position) >= target || load_acquire(&core->writer_done);
        int64_t left = timeout_ms < 0 ? -1 : deadline - clock_monotonic_ns();
        bool expired = !done && timeout_ms >= 0 && left <= 0;
        if (!done && !expired)
            event_wait(&core->written, seen, left);
        event_finish(&core->written);
        if (done)
            return SLUICE_OK;
        if (expired)
            return SLUICE_TIMEOUT;
    }
}

int sluice_flush(sluice_core *core, int timeout_ms)
{
    core_ready(core);
    return flush_written(core, timeout_ms);
}

void core_flush_all_for_crash(int timeout_ms)
{
    /* The crashing thread may hold the list's lock (or another may, forever): walk the
     * list without it then. A list changing under the walk can only fault again, and
     * crash.c sends a second fault straight on. */
    bool locked = pthread_mutex_trylock(&open_cores_lock) == 0;
    log_give_up_own_reservations(); /* this thread will never commit them: write what is behind */
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (sluice_core *core = open_cores; core != NULL; core = core->next_open) {
        int64_t left_ms = (deadline - clock_monotonic_ns()) / 1000000;
        if (left_ms <= 0)
            break;
        /* A synchronous core wrote every record already; a writer that crashed cannot write;
         * a forked child's core not yet used holds nothing, and its restart (locks, a file,
         * a thread) has no place in a signal handler. */
        if (!core->synchronous && !core->closed && !pthread_equal(core->thread, pthread_self()) &&
            !load_acquire(&core->restart_pending))
            (void)flush_written(core, (int)left_ms);
    }
    if (locked)
        pthread_mutex_unlock(&open_cores_lock);
}

void sluice_counters_read(sluice_core *core, sluice_counters *out)
{
    sluice_stats_counters(&core->stats, out);
}

/* True once the writer has finished, false if timeout_ms (negative: no limit) passed first. */
static bool wait_for_writer(sluice_core *core, int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int32_t seen = event_prepare(&core->written);
        bool done = load_acquire(&core->writer_done) != 0;
        int64_t left = timeout_ms < 0 ? -1 : deadline - clock_monotonic_ns();
        if (!done && (timeout_ms < 0 || left > 0))
            event_wait(&core->written, seen, left);
        event_finish(&core->written);
        if (done || (timeout_ms >= 0 && left <= 0))
            return done;
    }
}

/* Close gave up on a writer stuck in its sink: it stays behind, with the sinks and the
 * core's memory it uses, and every record not written or dropped yet counts as dropped. */
static void leave_writer_behind(sluice_core *core)
{
    store_relaxed(&core->left_behind, 1);
    fence();
    while (load_acquire(&core->accounting) != 0) /* a write's outcome being counted: no I/O */
        cpu_relax();
    pthread_detach(core->thread);
    sluice_counters c;
    sluice_stats_counters(&core->stats, &c);
    uint64_t left = c.accepted > c.written + c.dropped ? c.accepted - c.written - c.dropped : 0;
    add_relaxed(&core->map->totals.dropped_abandoned, left);
    ring_forget_file(&core->ring); /* counted as dropped: none of it is recover's, even after a kill */
    report_problem(
            "sluice: closing '%s' after %d ms without its writer, stuck in a write: %llu records not written are "
            "counted as dropped",
            core->sink.name, load_relaxed(&core->close_timeout_ms), (unsigned long long)left);
}

void sluice_close(sluice_core *core)
{
    pthread_mutex_lock(&core->close_lock);
    if (!core->closed && core->restart_pending) {
        /* A forked child that never used it: nothing reserved, no writer, no file. */
        core_close_sinks(core);
        core->closed = true;
        store_release(&core->restart_pending, 0);
    } else if (!core->closed && core->synchronous) {
        sync_close(core); /* every accepted record is written already */
        writer_adopt_sink(core); /* one handed over but never written to */
        core_close_sinks(core);
        core->closed = true;
    } else if (!core->closed) {
        ring_seal(&core->ring); /* reservations before it get written, later ones drop */
        store_release(&core->closing, 1);
        event_signal(&core->space); /* blocked producers see the seal and give up */
        doorbell_kick(&core->bell);
        if (wait_for_writer(core, load_relaxed(&core->close_timeout_ms))) {
            pthread_join(core->thread, NULL);
            writer_adopt_sink(core);
            core_close_sinks(core);
        } else {
            leave_writer_behind(core);
        }
        core->closed = true;
    }
    pthread_mutex_unlock(&core->close_lock);
}

/* A closed core writes again: to fresh, with a new writer thread (or, synchronous,
 * on its callers' threads again); its modules, settings and counts stay. Under close_lock. */
static int reopen(sluice_core *core, struct sink_set *fresh, char *error, size_t error_size)
{
    if (core->synchronous) {
        pthread_mutex_lock(&core->sync.lock);
        core_take_sinks(core, fresh);
        sync_watch_sigpipe(core);
        core->sync.closed = false;
        pthread_mutex_unlock(&core->sync.lock);
    } else {
        core_take_sinks(core, fresh);
        core->writer.torn_line = false;
        core->writer.failed_writes = 0;
        core->closing = 0;
        core->writer_done = 0;
        core->bell.state = DOORBELL_RUNNING;
        int failure = writer_start(core);
        if (failure != 0) {
            if (error != NULL)
                snprintf(error, error_size, "sluice: cannot start the writer thread: %s; the core stays closed",
                         strerror(failure));
            core_close_sinks(core);
            return SLUICE_INVALID;
        }
        /* The writer stands at head (it wrote or abandoned everything before the seal). */
        ring_unseal(&core->ring);
    }
    if (core->stats.path == NULL) /* a forked child's, or one whose file could not be made */
        core->stats.path = stats_publish(core->map);
    if (core->recoverable && core->ring.path == NULL && core->stats.path != NULL)
        (void)ring_publish(&core->ring, core->stats.path);
    core->closed = false;
    return SLUICE_OK;
}

/* An open core's new sink: records logged before go to the old one (flushed
 * first), and the writer switches between batches. Under close_lock. */
static int hand_over(sluice_core *core, struct sink_set *fresh, int timeout_ms)
{
    int64_t deadline = clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    int flushed = sluice_flush(core, timeout_ms);
    struct sink_set *next = malloc(sizeof *next);
    if (next == NULL) {
        sink_set_close(fresh);
        return SLUICE_INVALID;
    }
    *next = *fresh;
    core->sink_switch_at = ring_head(&core->ring);
    store_release(&core->next_sink, next);
    if (core->synchronous) {
        /* A caller stuck in a write holds the lock: wait for it no longer than the deadline. */
        int64_t left = deadline - clock_monotonic_ns();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until); /* pthread_mutex_timedlock's clock */
        int64_t at = (int64_t)until.tv_nsec + (left > 0 ? left : 0);
        until.tv_sec += at / 1000000000;
        until.tv_nsec = at % 1000000000;
        if (pthread_mutex_timedlock(&core->sync.lock, &until) == 0) {
            writer_adopt_sink(core);
            pthread_mutex_unlock(&core->sync.lock);
        }
    } else {
        doorbell_kick(&core->bell);
        for (;;) {
            int32_t seen = event_prepare(&core->written);
            bool done = load_acquire(&core->next_sink) == NULL;
            int64_t left = deadline - clock_monotonic_ns();
            if (!done && left > 0)
                event_wait(&core->written, seen, left);
            event_finish(&core->written);
            if (done || left <= 0)
                break;
        }
    }
    return flushed == SLUICE_OK && load_acquire(&core->next_sink) == NULL ? SLUICE_OK : SLUICE_TIMEOUT;
}

int sluice_reconfigure(sluice_core *core, const sluice_options *options, int timeout_ms, char *error,
                       size_t error_size)
{
    if (!overflow_is_valid(options, "nothing was changed", error, error_size))
        return SLUICE_INVALID;
    struct sink_set fresh;
    if (sink_set_open(&fresh, options, core->ring.max_message, "nothing was changed", error, error_size) != 0)
        return SLUICE_INVALID;
    core_ready(core);
    pthread_mutex_lock(&core->close_lock);
    store_relaxed(&core->overflow, options->overflow);
    store_relaxed(&core->close_timeout_ms, options->close_timeout_ms);
    int result;
    if (core->closed && load_relaxed(&core->left_behind)) {
        sink_set_close(&fresh);
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: the writer of '%s' is still stuck in a write from before its close; the core cannot "
                     "open again",
                     core->sink.name);
        result = SLUICE_INVALID;
    } else if (core->closed) {
        result = reopen(core, &fresh, error, error_size);
    } else if (load_acquire(&core->next_sink) != NULL) {
        sink_set_close(&fresh); /* the last change is still waiting for a stuck write */
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: '%s' has not finished a write since the last sink change; the sink stays as it was",
                     core->sink.name);
        result = SLUICE_TIMEOUT;
    } else {
        result = hand_over(core, &fresh, timeout_ms < 0 ? 0 : timeout_ms);
        if (result == SLUICE_TIMEOUT && error != NULL)
            snprintf(error, error_size,
                     "sluice: '%s' did not finish writing within %d ms; the new sink takes over when it does",
                     core->sink.name, timeout_ms);
    }
    pthread_mutex_unlock(&core->close_lock);
    return result;
}

uint64_t sluice_sighup_reopens;

void sluice_reopen(sluice_core *core)
{
    core_ready(core);
    (void)add_fetch(&core->map->reopen_requests, 1);
    doorbell_kick(&core->bell); /* a synchronous core's next write sees it */
}

static void reopen_on_sighup(int signal)
{
    (void)signal;
    (void)add_fetch(&sluice_sighup_reopens, 1); /* lock-free: safe in a handler */
}

int sluice_reopen_on_sighup(void)
{
    struct sigaction action = {.sa_handler = reopen_on_sighup, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    return sigaction(SIGHUP, &action, NULL) == 0 ? 0 : errno;
}

void sluice_free(sluice_core *core)
{
    if (core == NULL)
        return;
    sluice_close(core);
    pthread_mutex_lock(&open_cores_lock);
    while (core->draining) /* the drain puts it on drained_cores when it ends */
        pthread_cond_wait(&drain_finished, &open_cores_lock);
    unlink_core(&open_cores, core); /* off both lists now: no drain can take it up later */
    unlink_core(&drained_cores, core);
    pthread_mutex_unlock(&open_cores_lock);
    if (load_relaxed(&core->left_behind)) {
        forget_stats_file(core); /* no file outlives the process for a core nobody holds */
        return; /* its writer may still wake in its write and look at the core: it stays */
    }
    pthread_mutex_destroy(&core->close_lock);
    if (core->synchronous)
        pthread_mutex_destroy(&core->sync.lock);
    release_resources(core);
}
