/* core.c — a core's life: open, flush, counters, close, and the at-exit drain. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* Every open core, so that an exiting process still writes what it accepted.
 * The drain takes a core off the list and marks it draining while it closes
 * it, without the lock; sluice_free on another thread waits for that to end
 * before it frees anything. */
static pthread_mutex_t open_cores_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drain_finished = PTHREAD_COND_INITIALIZER;
static sluice_core *open_cores;

static void close_all_at_exit(void)
{
    pthread_mutex_lock(&open_cores_lock);
    for (sluice_core *core; (core = open_cores) != NULL;) {
        open_cores = core->next_open;
        core->draining = true;
        pthread_mutex_unlock(&open_cores_lock);
        sluice_close(core);
        pthread_mutex_lock(&open_cores_lock);
        core->draining = false;
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

static void untrack(sluice_core *core)
{
    pthread_mutex_lock(&open_cores_lock);
    for (sluice_core **link = &open_cores; *link != NULL; link = &(*link)->next_open) {
        if (*link == core) {
            *link = core->next_open;
            break;
        }
    }
    pthread_mutex_unlock(&open_cores_lock);
}

void sluice_options_init(sluice_options *options)
{
    *options = (sluice_options){
        .ring_bytes = SLUICE_RING_DEFAULT, .overflow = SLUICE_OVERFLOW_DROP, .path = NULL, .call_timing_every = 64,
        .file_mode = 0640};
}

static void release_resources(sluice_core *core)
{
    ring_destroy(&core->ring);
    modules_destroy(&core->modules);
    if (core->map != NULL)
        stats_destroy(core->map, core->stats.path);
    free(core->writer.out.data);
    free(core->writer.lines);
    free(core->sync.record);
    free(core);
}

/* Starts the writer with every signal blocked: signals belong to the
 * application's threads, and a closed pipe must give EPIPE, not SIGPIPE. */
int core_start_writer(sluice_core *core)
{
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int error = pthread_create(&core->thread, NULL, writer_main, core);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return error;
}

sluice_core *sluice_open(const sluice_options *options, char *error, size_t error_size)
{
    sluice_options defaults;
    if (options == NULL) {
        sluice_options_init(&defaults);
        options = &defaults;
    }
    if (error != NULL && error_size > 0)
        error[0] = '\0';
    if (options->overflow != SLUICE_OVERFLOW_DROP && options->overflow != SLUICE_OVERFLOW_BLOCK) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: overflow %d is neither SLUICE_OVERFLOW_DROP (0) nor SLUICE_OVERFLOW_BLOCK (1); "
                     "nothing was opened",
                     options->overflow);
        return NULL;
    }
    unsigned every = options->call_timing_every;
    if (every > (1u << 20) || (every & (every - 1)) != 0) {
        if (error != NULL)
            snprintf(error, error_size,
                     "sluice: call_timing_every %u is neither 0 nor a power of two up to 1048576; nothing was opened",
                     every);
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
    if (ring_init(&core->ring, options->ring_bytes, error, error_size) != 0) {
        free(core);
        return NULL;
    }
    static uint64_t last_id;
    core->id = add_fetch(&last_id, 1);
    core->map = stats_create(core->id, options->ring_bytes, every);
    core->stats = (struct sluice_stats){.map = core->map, .live = core->map, .path = NULL, .owned = false};
    size_t buffer = writer_buffer_bytes(core->ring.max_message);
    core->writer.out = (struct out_buffer){.data = malloc(buffer), .capacity = buffer};
    core->writer.lines = malloc(writer_buffer_lines(buffer) * sizeof *core->writer.lines);
    if (core->map == NULL || modules_init(&core->modules, core->map) != 0 || core->writer.out.data == NULL ||
        core->writer.lines == NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening a core");
        release_resources(core);
        return NULL;
    }
    if (sink_open(&core->sink, options->path, options->file_mode, error, error_size) != 0) {
        release_resources(core);
        return NULL;
    }
    core->stats.path = stats_publish(core->map);
    core->overflow = options->overflow;
    core->synchronous = options->synchronous != 0;
    core->writer.timestamps.second = INT64_MIN;
    core->writer.timestamps.micro = INT64_MIN;
    pthread_mutex_init(&core->close_lock, NULL);
    int failure = core->synchronous ? sync_open(core) : core_start_writer(core);
    if (failure != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot start %s: %s",
                     core->synchronous ? "a synchronous core" : "the writer thread", strerror(failure));
        sink_close(&core->sink);
        pthread_mutex_destroy(&core->close_lock);
        release_resources(core);
        return NULL;
    }
    track(core);
    return core;
}

int sluice_flush(sluice_core *core, int timeout_ms)
{
    core_ready(core);
    /* Every record accepted before this call lies below head: its cas came first. */
    uint64_t target = load_relaxed(&core->ring.head) & ~HEAD_SEALED;
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

void sluice_counters_read(sluice_core *core, sluice_counters *out)
{
    sluice_stats_counters(&core->stats, out);
}

/* A closed core's mapping leaves the directory (`sluice list` lists open cores);
 * the process keeps reading its counters until sluice_free. */
static void forget_stats_file(sluice_core *core)
{
    if (core->stats.path != NULL) {
        unlink(core->stats.path);
        free(core->stats.path);
        core->stats.path = NULL;
    }
}

void sluice_close(sluice_core *core)
{
    pthread_mutex_lock(&core->close_lock);
    if (!core->closed && core->restart_pending) {
        /* A forked child that never used it: nothing reserved, no writer, no file. */
        sink_close(&core->sink);
        untrack(core);
        core->closed = true;
        store_release(&core->restart_pending, 0);
    } else if (!core->closed && core->synchronous) {
        sync_close(core); /* every accepted record is written already */
        sink_close(&core->sink);
        untrack(core);
        core->closed = true;
    } else if (!core->closed) {
        /* Seal head: reservations before this cas get written, later ones drop. */
        uint64_t head = load_relaxed(&core->ring.head), found;
        while ((found = cas(&core->ring.head, head, head | HEAD_SEALED)) != head)
            head = found;
        store_release(&core->closing, 1);
        event_signal(&core->space); /* blocked producers see the seal and give up */
        doorbell_kick(&core->bell);
        pthread_join(core->thread, NULL);
        sink_close(&core->sink);
        untrack(core);
        core->closed = true;
    }
    forget_stats_file(core);
    pthread_mutex_unlock(&core->close_lock);
}

void sluice_free(sluice_core *core)
{
    if (core == NULL)
        return;
    sluice_close(core); /* off the list now: no drain can take it up later */
    pthread_mutex_lock(&open_cores_lock);
    while (core->draining)
        pthread_cond_wait(&drain_finished, &open_cores_lock);
    pthread_mutex_unlock(&open_cores_lock);
    pthread_mutex_destroy(&core->close_lock);
    if (core->synchronous)
        pthread_mutex_destroy(&core->sync.lock);
    release_resources(core);
}
