/*
 * sluice_stats.h — a core's statistics: its counters per module and per sink,
 * its histograms, and its module settings, read (and set) from inside the
 * process (sluice_core_stats) or from outside it through the mapping's file
 * (sluice_stats_open): what `sluice stat`, `sluice level` and the Prometheus
 * text are made from.
 */
#ifndef SLUICE_STATS_PUBLIC_H
#define SLUICE_STATS_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "sluice.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One module's counters and settings. */
typedef struct sluice_module_counters {
    char name[SLUICE_MODULE_NAME_MAX + 1];
    int level;           /* in effect */
    int operator_level;  /* set at run time, or SLUICE_LEVEL_UNSET */
    uint32_t sample_ppm;
    uint64_t accepted, written, dropped, sampled_out, filtered, keys_forgotten;
} sluice_module_counters;

/* One sink's counters: sink 0 is the first (its records are the core's written and
 * dropped_by_sink), then the more_sinks in order. */
typedef struct sluice_sink_counters {
    char name[SLUICE_SINK_NAME_MAX + 1]; /* its path, "stderr" or "stdout" */
    int level;                /* the lowest level it takes */
    int format;               /* SLUICE_FORMAT_* */
    uint64_t written;         /* records written to it */
    uint64_t bytes;           /* bytes written to it, drop reports included */
    uint64_t write_errors;    /* failed writes */
    uint64_t dropped;         /* records it took and could not write */
} sluice_sink_counters;

/* Log-linear histograms: values below 64 exactly, then 64 buckets per power of
 * two (at most 1.6% relative error) below 2^38; larger values land in the last. */
enum {
    SLUICE_HISTOGRAM_CALL,          /* ns a timed log call took (1 call in call_timing_every) */
    SLUICE_HISTOGRAM_END_TO_END,    /* ns from a record's timestamp to its batch being written */
    SLUICE_HISTOGRAM_BATCH_RECORDS, /* records per write */
    SLUICE_HISTOGRAM_WRITE,         /* ns each write took */
    SLUICE_HISTOGRAM_WARNING_WAIT,  /* ns a record at warning or above waited for room (warning_wait_us) */
    SLUICE_HISTOGRAMS
};
enum { SLUICE_HISTOGRAM_POWERS = 40 };
typedef struct sluice_histogram {
    uint64_t count, sum, min, max;
    double mean, p50, p90, p99, p999;       /* from the buckets: within 1% */
    uint64_t below[SLUICE_HISTOGRAM_POWERS]; /* below[i]: values < 2^i (Prometheus buckets) */
} sluice_histogram;

/*
 * Statistics from outside the process. A core keeps its counters, module
 * settings and histograms in a shared mapping, <dir>/sluice-<pid>-<core id>
 * (dir: $SLUICE_STATS_DIR, else /dev/shm, or /tmp on the portable path: docs/PLATFORMS.md;
 * read as secure_getenv does), mode 0600,
 * its pages reserved when it is made, removed at clean close. When that name
 * is taken by a file that is not a stale one of the same user (its recorded
 * pid gone, or reused by a process that started after the file was made),
 * the core never removes it and takes the name with a random part added,
 * "-<8 hex digits>". When no file can be made (a full /dev/shm), the core
 * keeps its statistics in private memory after one line on stderr.
 *
 * sluice_stats_open reads a snapshot of one and trusts nothing in it: it
 * refuses (NULL, the reason in error) a symbolic link, anything but a regular
 * file (a FIFO cannot hang it), a mode other than 0600, a size other than the
 * layout's, a file whose owner is not the user of the process its header
 * names, a stale file (that process is gone, or started after the file was
 * made), and any count, name or setting out of range. The snapshot is read,
 * not mapped, so a file truncated meanwhile cannot fault. writable also maps the file, so that sluice_stats_set_level /
 * _sample_ppm change the process's modules, seen on their next call.
 * sluice_core_stats gives a core's own, live and not to be closed.
 */
typedef struct sluice_stats_mapping sluice_stats_mapping;
const char *sluice_stats_directory(void);
sluice_stats_mapping *sluice_stats_open(const char *path, int writable, char *error, size_t error_size);
void sluice_stats_close(sluice_stats_mapping *stats);
/* 1 if path is a Sluice mapping left by a process that is gone (or whose pid a
 * process started since has taken); *owned (if not NULL) then says whether the
 * caller's user owns it, and so may remove it. 0 for anything else. */
int sluice_stats_stale(const char *path, int *owned);
sluice_stats_mapping *sluice_core_stats(sluice_core *core);
const char *sluice_stats_path(sluice_stats_mapping *stats);  /* NULL for a core without a file */
int sluice_stats_pid(sluice_stats_mapping *stats);
uint64_t sluice_stats_core_id(sluice_stats_mapping *stats);
const char *sluice_stats_command(sluice_stats_mapping *stats);
void sluice_stats_counters(sluice_stats_mapping *stats, sluice_counters *out);
int sluice_stats_module_count(sluice_stats_mapping *stats);
int sluice_stats_module(sluice_stats_mapping *stats, int module, sluice_module_counters *out); /* SLUICE_INVALID: no such */
void sluice_stats_histogram(sluice_stats_mapping *stats, int which, sluice_histogram *out);
int sluice_stats_find_module(sluice_stats_mapping *stats, const char *name); /* id, or SLUICE_INVALID */
int sluice_stats_set_level(sluice_stats_mapping *stats, int module, int level);          /* an operator's; SLUICE_OK or _INVALID */
int sluice_stats_reset_level(sluice_stats_mapping *stats, int module);                  /* to the configured; SLUICE_OK or _INVALID */
int sluice_stats_set_sample_ppm(sluice_stats_mapping *stats, int module, uint32_t ppm);  /* SLUICE_OK or _INVALID */
int sluice_stats_reopen(sluice_stats_mapping *stats);  /* asks the process to reopen its log files; SLUICE_OK or _INVALID */
/* An operator's level for a module that has not registered yet (it has not logged): the process
 * applies it when the module registers, as if set then; it replaces an earlier request for the
 * name. SLUICE_OK, or SLUICE_INVALID for a bad name or level, or when 16 requests are pending. */
int sluice_stats_request_level(sluice_stats_mapping *stats, const char *name, int level);
int sluice_stats_withdraw_level(sluice_stats_mapping *stats, const char *name); /* SLUICE_OK if one was pending */
/* Each of the core's rings (sluice_options.ring_count): its depth and the deepest it has been. */
typedef struct sluice_ring_counters {
    uint64_t depth_bytes;      /* as the writer last saw it */
    uint64_t high_water_bytes;
} sluice_ring_counters;
int sluice_stats_ring_count(sluice_stats_mapping *stats);
int sluice_stats_ring(sluice_stats_mapping *stats, int ring, sluice_ring_counters *out); /* SLUICE_INVALID: no such */
/* The threads that render the core's lines (sluice_options.render_threads; 0 for a synchronous
 * core), and the records each has rendered: thread 0 is the writer. */
int sluice_stats_render_thread_count(sluice_stats_mapping *stats);
uint64_t sluice_stats_render_thread_records(sluice_stats_mapping *stats, int thread);
int sluice_stats_sink_count(sluice_stats_mapping *stats);
int sluice_stats_sink(sluice_stats_mapping *stats, int sink, sluice_sink_counters *out); /* SLUICE_INVALID: no such */

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_STATS_PUBLIC_H */
