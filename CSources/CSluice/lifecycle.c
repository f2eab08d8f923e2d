/* lifecycle.c — a core's life: its options, open, and free (close.c closes it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asymmetric.h"
#include "close.h"
#include "lanes.h"
#include "lifecycle.h"
#include "open_cores.h"
#include "output.h"
#include "process_hooks.h"
#include "renderers.h"
#include "sync.h"
#include "writer.h"

void sluice_options_init(sluice_options *options)
{
    *options = (sluice_options){
        .ring_bytes = SLUICE_RING_DEFAULT, .overflow = SLUICE_OVERFLOW_DROP, .path = NULL, .call_timing_every = 64,
        .file_mode = 0640, .file_max_bytes = 0, .file_keep = 5, .syslog_facility = 1 /* user */,
        .warning_reserve_permille = 125, .warning_wait_us = 2000, .close_timeout_ms = 5000};
}

static void release_resources(sluice_core *core)
{
    lanes_destroy(core);
    renderers_destroy(core);
    flight_destroy(&core->flight);
    modules_destroy(&core->modules);
    if (core->map != NULL)
        stats_destroy(core->map, core->stats.path);
    free(core->sync.record);
    free(core);
}

/* How full a claim of each level may leave a ring (sluice.h, warning_reserve_permille): the
 * lower the level, the more room it leaves to the ones above. Whole records only: multiples of 8. */
static void set_admission_limits(sluice_core *core, unsigned reserve_permille)
{
    static const unsigned reserves_left[SLUICE_LEVELS] = {4, 4, 2, 1, 0, 0, 0}; /* trace ... critical */
    uint64_t capacity = core->ring_bytes, reserve = capacity * reserve_permille / 1000;
    for (int level = 0; level < SLUICE_LEVELS; level++) {
        uint64_t left = reserve * reserves_left[level];
        uint64_t limit = left < capacity / 2 ? capacity - left : capacity / 2;
        core->admission_limit[level] = level >= SLUICE_WARNING ? capacity : limit & ~(uint64_t)7;
    }
}

bool lifecycle_overflow_is_valid(const sluice_options *options, const char *outcome, char *error, size_t error_size)
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
    if (!lifecycle_overflow_is_valid(options, "nothing was opened", error, error_size))
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
    if (options->render_threads > SLUICE_RENDER_THREADS_MAX) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: render_threads %u is more than %d; nothing was opened",
                     options->render_threads, SLUICE_RENDER_THREADS_MAX);
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
    if (lanes_open(core, lanes_wanted(options->ring_count), options->ring_bytes, error, error_size) != 0) {
        free(core);
        return NULL;
    }
    core->grow_with_cpus = options->ring_count == 0;
    set_admission_limits(core, options->warning_reserve_permille);
    core->warning_wait_ns = (int64_t)options->warning_wait_us * 1000;
    core->close_timeout_ms = options->close_timeout_ms;
    core->map = stats_create(core->id, options->ring_bytes, every);
    core->stats = (struct sluice_stats_mapping){.map = core->map, .live = core->map, .path = NULL, .owned = false};
    if (core->map != NULL) {
        core->map->ring_count = core->lanes->count;
        core->map->render_threads = options->synchronous ? 0 : renderers_wanted(options->render_threads);
    }
    if (core->map == NULL || modules_init(&core->modules, core->map) != 0 ||
        (!options->synchronous && renderers_init(core, renderers_wanted(options->render_threads)) != 0) ||
        flight_init(&core->flight, options->flight_recorder_records) != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening a core");
        release_resources(core);
        return NULL;
    }
    struct sink_set sinks;
    if (sink_set_open(&sinks, options, core->max_message, "nothing was opened", error, error_size) != 0) {
        release_resources(core);
        return NULL;
    }
    sink_set_install(&core->sinks, &sinks, core->map);
    core->writer.reopens_seen = load_relaxed(&sluice_sighup_reopens);
    core->stats.path = stats_publish(core->map);
    core->overflow = options->overflow;
    core->synchronous = options->synchronous != 0;
    core->recoverable = options->recoverable != 0 && !core->synchronous; /* a synchronous core holds no record */
    if (core->recoverable)
        lanes_publish(core);
    render_timestamp_cache_init(&core->writer.timestamps);
    pthread_mutex_init(&core->close_lock, NULL);
    int failure = core->synchronous ? sync_open(core) : writer_start(core);
    if (failure != 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot start %s: %s",
                     core->synchronous ? "a synchronous core" : "the writer thread", strerror(failure));
        sink_set_close(&core->sinks);
        pthread_mutex_destroy(&core->close_lock);
        release_resources(core);
        return NULL;
    }
    process_hooks_install();
    open_cores_add(core);
    return core;
}

sluice_stats_mapping *sluice_core_stats(sluice_core *core)
{
    return &core->stats;
}

void sluice_counters_read(sluice_core *core, sluice_counters *out)
{
    sluice_stats_counters(&core->stats, out);
}

int sluice_left_behind(sluice_core *core)
{
    return core != NULL && load_relaxed(&core->left_behind) ? 1 : 0;
}

void sluice_free(sluice_core *core)
{
    if (core == NULL)
        return;
    sluice_close(core);
    open_cores_remove(core);
    if (load_relaxed(&core->left_behind)) {
        close_forget_files(core); /* no file outlives the process for a core nobody holds */
        return; /* its writer may still wake in its write and look at the core: it stays */
    }
    pthread_mutex_destroy(&core->close_lock);
    if (core->synchronous)
        pthread_mutex_destroy(&core->sync.lock);
    release_resources(core);
}
