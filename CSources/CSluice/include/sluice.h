/*
 * sluice.h — the public C API of the Sluice logging core: a core, its
 * modules, logging, flushing and closing. Beside it: sluice_stats.h, the
 * statistics of a core, read in the process or from outside it; and
 * sluice_recover.h, the records a killed process left in its ring.
 *
 * A core owns a bounded lock-free ring and one writer thread. Any thread may
 * log into it; sluice_log copies the message into the ring and returns without
 * waiting for I/O. The writer drains the ring in order and writes each record as
 * one line:
 *
 *     2026-11-29T04:08:43.123456Z INFO resilient_websocket: message text
 *
 * When the ring is full the record is dropped and counted (the default), or the
 * caller waits for room (SLUICE_OVERFLOW_BLOCK). Drops are reported in the
 * stream itself, each report adding up every drop since the one before:
 *
 *     2026-11-29T04:08:43.123500Z WARNING sluice: dropped 12 records
 *
 * at most once per 100 ms and once per batch written, so that overload cannot
 * fill the stream with reports, and at once when a flush waits or the core
 * closes; after a close the reports add up exactly to the drops.
 *
 * Accounting: every record handed to sluice_log or sluice_reserve is counted
 * as accepted, and ends up counted either as written or as dropped.
 *
 * Thread safety: every function may be called from any thread, except
 * sluice_free, which the caller must order after every other call on the core
 * (it may race with the process's exit: the at-exit drain and sluice_free
 * wait for each other).
 *
 * fork(): the child gets working cores of its own. At once, in the child, every
 * open core is emptied (the records in its ring are the parent's to write),
 * its locks are re-initialized (one held by another thread at fork time would
 * stay held forever) and its statistics become a private copy whose counts
 * start at zero. On the core's first use in the child (a log call, a module
 * registration, a flush, a setting) it gets a statistics file under the
 * child's pid and a writer thread of its own; a child that only calls exec()
 * or exits costs neither. The parent's file, counters and records are never
 * touched by the child, and nothing is written twice. Do not fork between
 * sluice_reserve and sluice_commit on the forking thread: the reservation
 * belongs to the parent's ring.
 *
 * Signal handlers: on an asynchronous core (the default), sluice_log,
 * sluice_log_segments, sluice_reserve and sluice_commit are async-signal-safe
 * once the interrupted thread has logged to that core before (its first call
 * takes a per-thread counter shard): they take no lock, allocate nothing, and
 * make no system call but the futex that wakes a sleeping writer; the counts
 * they add cannot be lost to the call they interrupted. A call made while the
 * same thread is inside a log call or holds an uncommitted reservation (a
 * handler, or a zero-copy caller logging before its commit) never waits,
 * whatever the overflow policy: when the ring is full it drops and counts
 * (dropped_full), since the room it would wait for may be held by the very
 * call it interrupted. A synchronous core takes a lock and writes: it is not
 * async-signal-safe, but a nested call on the same thread drops and counts
 * (dropped_full) rather than deadlock on that lock.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stddef.h>
#include <stdint.h>

/* This release of Sluice (CHANGELOG.md); Swift reads it as Sluice.version. */
#define SLUICE_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sluice_core sluice_core;

/* Levels, lowest first; the same seven as swift-log. */
enum {
    SLUICE_TRACE,
    SLUICE_DEBUG,
    SLUICE_INFO,
    SLUICE_NOTICE,
    SLUICE_WARNING,
    SLUICE_ERROR,
    SLUICE_CRITICAL,
};

/* What a log call does when the ring has no room for its record. */
enum {
    SLUICE_OVERFLOW_DROP,  /* return SLUICE_DROPPED at once; the record is counted as dropped */
    SLUICE_OVERFLOW_BLOCK, /* sleep (futex, no spinning) until the writer frees room */
};

/*
 * Results. One convention across the API: a function that acts returns
 * SLUICE_OK or one of the codes below; one that makes something (sluice_open,
 * sluice_stats_open) returns it, or NULL with the reason in the caller's error
 * buffer; one that finds something (a module's id) returns it (0 or more) or
 * SLUICE_INVALID; a question (sluice_stats_stale, sluice_recover_pending)
 * returns 1 or 0. Where a caller's error buffer is taken, every failure writes
 * one line into it: what went wrong, with what value, and what happens now.
 */
enum {
    SLUICE_OK = 0,      /* accepted (log, reserve); everything written (flush); done */
    SLUICE_DROPPED = 1, /* ring full under the drop policy, or the core is closed */
    SLUICE_TIMEOUT = 2, /* flush, reconfigure: the timeout passed first */
    SLUICE_INVALID = -1, /* bad argument (level out of range, unknown module id), or refused (the
                            reason in the error buffer): nothing counted, nothing changed */
    SLUICE_SYSTEM = -2  /* a system call failed: errno says why; nothing changed */
};

enum {
    SLUICE_RING_MIN = 4096,              /* smallest ring_bytes */
    SLUICE_RING_DEFAULT = 4 << 20,       /* 4 MiB */
    SLUICE_MODULE_NAME_MAX = 127,        /* longest module name, in bytes */
    SLUICE_MODULES_MAX = 1024,           /* modules per core, "sluice" (id 0) included */
    SLUICE_SINKS_MAX = 4,                /* sinks per core: the first, and up to three more */
    SLUICE_LEVELS = 7,                   /* SLUICE_TRACE to SLUICE_CRITICAL */
    SLUICE_SINK_NAME_MAX = 255,          /* longest sink name kept in the statistics */
    SLUICE_RINGS_MAX = 64,               /* rings per core (sluice_options.ring_count) */
    SLUICE_RINGS_AUTO_MAX = 16,          /* rings a core opens with by default, at most */
    SLUICE_RENDER_THREADS_MAX = 16,      /* render threads per core, the writer included */
};

/*
 * A sink the application supplies (sluice_options.sink_function, sluice_sink_options.function):
 * write receives the sink's lines, rendered in its format, whole lines only, in batches, on the
 * writer thread (or the logging thread of a synchronous core), one call at a time. It returns
 * the bytes it took: fewer than length is a failed write, counted as the sink's write error and
 * its records as dropped by the sink. A write that never returns is bounded as a stuck file is:
 * by close_timeout_ms, the core then left behind. context must stay valid until sluice_free
 * returns, and for a core left behind (sluice_left_behind) for the life of the process.
 */
typedef struct sluice_sink_function {
    size_t (*write)(void *context, const char *lines, size_t length);
    void *context;
} sluice_sink_function;

/* A sink beside the first (sluice_options.path), with a level and format of its own. */
typedef struct sluice_sink_options {
    const char *path;   /* as sluice_options.path: a file, or NULL, "/dev/stderr", "/dev/stdout";
                           with function, the sink's name */
    const sluice_sink_function *function; /* non-NULL: the application's sink (copied at open) */
    int level;          /* the lowest level it takes: SLUICE_TRACE takes every record */
    int format;         /* SLUICE_FORMAT_* */
    int stream_priority_prefix; /* as sluice_options.stream_priority_prefix */
    const char *json_keys; /* as sluice_options.json_keys, for this sink */
} sluice_sink_options;
#define SLUICE_RING_MAX ((size_t)1 << 30) /* largest ring_bytes: 1 GiB */

typedef struct sluice_options {
    size_t ring_bytes;  /* each ring's capacity: a power of two in [SLUICE_RING_MIN, SLUICE_RING_MAX];
                           default 4 MiB. A core holds ring_count of them. */
    unsigned ring_count; /* rings, one per CPU (CPUs past it share them round-robin): a producer
                           claims in the ring of the CPU it runs on, and the writer merges the rings
                           by time, each thread's records in its order. 1 to SLUICE_RINGS_MAX; 0
                           (default): the CPUs this process may use, at most SLUICE_RINGS_AUTO_MAX,
                           and more as CPUs come online. Fixed at open. */
    unsigned render_threads; /* threads that render lines, the writer included: the writer takes
                           the records in order, each thread renders a part of a batch, and every
                           sink receives the lines in order. 1 to SLUICE_RENDER_THREADS_MAX; 0
                           (default): one per four CPUs the process may use from 8 CPUs on, else
                           1. Fixed at open; a synchronous core renders on its callers' threads. */
    int overflow;       /* SLUICE_OVERFLOW_DROP (default) or SLUICE_OVERFLOW_BLOCK */
    const char *path;   /* log file, opened for appending; NULL, "/dev/stderr": stderr; "/dev/stdout": stdout;
                           udp://host:port, tcp://host:port or unix:///dev/log: RFC 5424 syslog (the
                           format does not apply; TCP messages are octet-counted).
                           A regular file (created with file_mode if missing) or a character device
                           (/dev/null); a symbolic link is never followed, and a directory, FIFO or
                           socket is refused, each with an error naming the path. */
    const sluice_sink_function *sink_function; /* non-NULL: the first sink is the application's
                           (copied at open), path its name */
    int synchronous;    /* non-zero: no writer thread; each record is rendered and written on the
                           caller's thread, under a lock, before the call returns (the rollback
                           switch). Same format, sink and counters; nothing is ever dropped for room.
                           Like the writer thread, it never lets a write raise SIGPIPE: a pipe whose
                           reader is gone fails with EPIPE, counted as a write error. */
    unsigned call_timing_every; /* time 1 log call in this many (a power of two; default 64) for the
                           call-latency histogram; 0 times none. The facade does the timing. */
    unsigned file_mode; /* permissions of a log file sluice_open creates (less the umask); default 0640 */
    uint64_t file_max_bytes; /* rotate the log file before a write would take it past this size:
                           path -> path.1 -> ... -> path.<file_keep>, the oldest removed; a batch
                           is split at a line boundary, so a file passes it only with a single
                           line longer than it (a line is never split). 0 (default): never */
    unsigned file_keep; /* rotated files kept; default 5 */
    int file_rotate;    /* SLUICE_ROTATE_HOURLY or _DAILY: also rotate when the hour or day changes (in
                           local time with local_time), a file that is not empty, between two writes;
                           the rotated files are then named by date, path.2026-12-07T13 (hourly) or
                           path.2026-12-07 (daily), and a size rotation within a period by the second it
                           started, path.2026-12-07T132510: names that sort as their contents do and never
                           move. SLUICE_ROTATE_BY_SIZE (0, default): by file_max_bytes alone */
    int file_compress;  /* non-zero: each rotated file is compressed with gzip (path.<date>.gz) on a thread
                           of its own, never the writer's; a crash mid-compression leaves the whole
                           uncompressed file, finished by the next run. Rotated files are named by date. */
    uint64_t file_max_age_s; /* rotated files last written longer ago than this many seconds are removed
                           (as are all but the newest file_keep); 0 (default): no age limit. Rotated
                           files are named by date. */
    int stream_priority_prefix; /* non-zero, with stderr or stdout as the sink: each line starts with
                           its syslog severity, "<6>" for info, which journald records as the
                           line's priority (a file never gets it); default 0 */
    int format;         /* SLUICE_FORMAT_TEXT (default), SLUICE_FORMAT_LOGFMT or SLUICE_FORMAT_JSON */
    const char *json_keys; /* the first sink's JSON names (JSON lines only): NULL or "" (default) the
                           standard ones; else a collector's preset first, then renames, comma-separated:
                             ecs              Elastic Common Schema: @timestamp, log.level, message,
                                              log.logger, trace.id, ecs.version …
                             gcp[:<project>]  Google Cloud Logging: time, severity, message,
                                              logging.googleapis.com/trace (projects/<project>/traces/<id>
                                              when a project is given), logging.googleapis.com/spanId
                             datadog          status, message, logger.name, dd.trace_id and dd.span_id
                                              (decimal), error.kind
                             from=to          a line's own key (ts, level, module, msg, thread, dropped,
                                              recalled, source, file, line, function) or a metadata key
                                              (at most 16) written as to
                           With any of them the message is the line's third member. Examples in
                           docs/shipping-logs.md; sluice_json_keys_check says what is wrong with one. */
    int local_time;     /* non-zero: text lines show local time with its offset from UTC
                           (2026-11-29T05:08:43.123456+01:00; the zone's changes for two years ahead
                           found at open from TZ); 0 (default): UTC. Other formats are always UTC. */
    int short_time;     /* non-zero: text lines show the time of day alone, to the millisecond
                           (05:08:43.123), for a console; default 0 */
    int color;          /* text lines with their level in colour (ANSI escapes), on every text sink:
                           SLUICE_COLOR_NEVER (default), SLUICE_COLOR_ALWAYS, or SLUICE_COLOR_AUTO:
                           where the sink is a terminal (isatty) and NO_COLOR is not set, decided
                           when it opens */
    const sluice_sink_options *more_sinks; /* sinks beside the first, each with its own level and
                           format: everything as JSON to a file and warnings as text to stderr. The
                           first sink takes every record and the core's counters are its; each sink
                           has counters of its own (sluice_stats_sink). One that fails never stops
                           the others. Rotation (file_max_bytes) is the first sink's only. */
    size_t more_sink_count; /* at most SLUICE_SINKS_MAX - 1 */
    int syslog_facility;    /* of every syslog sink: 0 (kern) to 23 (local7); default 1 (user) */
    int close_timeout_ms; /* how long sluice_close (and the exit drain) waits for a writer stuck in its
                           sink (a pipe nobody reads, a receiver that stopped reading): then it gives
                           up, counts every record not written as dropped (abandoned, without a level
                           or module) and leaves that thread behind, its core never freed. Negative:
                           wait for ever. Default 5000. */
    unsigned flight_recorder_records; /* keep the last this many records below their module's level in
                           memory (sluice_flight_keep) and write them just before the next record at
                           error or above, marked as recalled; 0 (default): off. Fixed at open. */
    unsigned warning_reserve_permille; /* r, in thousandths of the ring: how much of it each level
                           leaves to the levels above, so that a flood of lower levels never costs
                           an error line. A claim may fill the ring up to: warning and above all of
                           it; notice all but r; info all but 2r; trace and debug all but 4r (none
                           of these below half the ring). 0 to 500; default 125 (an eighth: notice
                           7/8, info 3/4, debug half); 0: every level may fill it all. */
    unsigned warning_wait_us; /* under the drop policy, how long a record at warning or above that finds
                           no room waits for the writer to free some before it is dropped (a call
                           nested in another on its thread never waits); each wait goes into the
                           warning-wait histogram. After a wait that ran out, later ones do not wait
                           until the writer frees room again. 0 to 1000000; default 2000 (2 ms);
                           0: never wait. */
    const char *syslog_app_name; /* APP-NAME of syslog lines; NULL (default): the program's name */
    int recoverable;    /* non-zero: the ring lives in a file beside the statistics file
                           (<statistics file>.ring, 0600, removed at clean exit or sluice_free), so
                           that the records committed but not yet written when the process is killed
                           (kill -9, the OOM killer) can be written afterwards by sluice_recover /
                           `sluice recover`. The writer then frees ring space only once its sinks
                           took the records. Needs the statistics file; ignored by a synchronous
                           core (it holds no record). Default 0. Fixed at open. */
} sluice_options;

/* Line formats (examples in docs/shipping-logs.md):
 *   text    2026-11-29T04:08:43.123456Z INFO module: message key=value
 *   logfmt  ts=2026-11-29T04:08:43.123456Z level=info module=module msg="message" key=value
 *   json    {"ts":"2026-11-29T04:08:43.123456Z","level":"info","module":"module","msg":"message",
 *            "thread":4711,"key":"value"}
 * Each record is one line of valid UTF-8 without control bytes in every format. */
enum { SLUICE_FORMAT_TEXT = 0, SLUICE_FORMAT_LOGFMT = 1, SLUICE_FORMAT_JSON = 2 };
enum { SLUICE_COLOR_NEVER = 0, SLUICE_COLOR_ALWAYS = 1, SLUICE_COLOR_AUTO = 2 };
enum { SLUICE_ROTATE_BY_SIZE = 0, SLUICE_ROTATE_HOURLY = 1, SLUICE_ROTATE_DAILY = 2 };

typedef struct sluice_counters {
    uint64_t accepted;            /* records handed to sluice_log / sluice_reserve */
    uint64_t written;             /* records written to the sink */
    uint64_t dropped;             /* records not written: ring full, core closed, sink error, or abandoned */
    uint64_t dropped_full;        /* the part of dropped that found the ring full */
    uint64_t dropped_after_close; /* the part of dropped that arrived after sluice_close began */
    uint64_t dropped_by_sink;     /* the part of dropped the sink refused */
    uint64_t dropped_abandoned;   /* the part of dropped that close could not write: committed behind a
                                     reservation never committed within its patience, or that
                                     reservation's own late commit */
    uint64_t sampled_out;         /* calls a sampling logger left out (counted by the caller) */
    uint64_t keys_forgotten;      /* sampling keys forgotten to make room for new ones (by the caller) */
    uint64_t filtered;            /* calls below their module's level (counted by the caller) */
    uint64_t truncated;           /* records cut to the ring's largest message (and written) */
    uint64_t bytes_written;       /* bytes handed to the sink, drop reports included */
    uint64_t write_errors;        /* failed writes (each failed batch counts once) */
    uint64_t batches;             /* write calls that completed a batch */
    uint64_t flushes;             /* sluice_flush calls that had to wait for the writer */
    uint64_t rotations;           /* log file rotations */
    uint64_t rotation_failures;   /* rotations that could not rename or reopen: writing went on in the
                                     file it had, nothing lost (each reported on stderr) */
    uint64_t reopens;             /* log file reopens asked for (sluice_reopen, `sluice reopen`, SIGHUP) */
    uint64_t depth_bytes;         /* ring bytes reserved and not yet released by the writer */
    uint64_t depth_records;       /* records accepted and neither written nor dropped yet */
    uint64_t high_water_bytes;    /* the deepest the ring was, in bytes, at the writer's releases */
    uint64_t ring_bytes;          /* ring capacity */
    uint64_t dropped_by_level[SLUICE_LEVELS]; /* dropped, by the record's level (SLUICE_TRACE ...); all
                                     of dropped but what a close left behind (close_timeout_ms) */
} sluice_counters;

/* Fills *options with the defaults: 4 MiB ring, drop on overflow, stderr, files 0640. */
void sluice_options_init(sluice_options *options);

/* SLUICE_OK if spec is a json_keys value a sink opens with (sluice_options.json_keys), else
 * SLUICE_INVALID with one line in error naming what is wrong. */
int sluice_json_keys_check(const char *spec, char *error, size_t error_size);

/*
 * Opens a core: allocates the ring, opens the sink, starts the writer thread.
 * On failure returns NULL and writes one line naming what was wrong (the path
 * and the reason, or the bad option and its value) into error (if not NULL).
 * Several cores may be open at once. A core still open when the process exits
 * (returning from main or exit()) is drained and closed by an at-exit handler.
 */
sluice_core *sluice_open(const sluice_options *options, char *error, size_t error_size);

/*
 * Returns the id of the module called name, registering it on first use: the
 * same name always gives the same id. Id 0 is "sluice", the core's own.
 * The empty name is a module of its own, which lines show as empty (in text
 * "INFO : message"), a form no other name takes.
 * Returns SLUICE_INVALID for a NULL name, a name longer than
 * SLUICE_MODULE_NAME_MAX bytes, or when the table is full: SLUICE_MODULES_MAX - 1
 * names, the last slot being kept for SLUICE_OVERFLOW_MODULE.
 */
int sluice_module(sluice_core *core, const char *name);

/*
 * The modules a full table turned away log through one more slot, the
 * overflow module, each record carrying its own module name as its label
 * (sluice_log_labelled): lines show the name, the overflow module's counters
 * count the records. Its level and rate stay TRACE and all: the callers check
 * their own. Returns its id, registering it on first use; SLUICE_INVALID only
 * when out of memory.
 */
#define SLUICE_OVERFLOW_MODULE "sluice.overflow"
int sluice_overflow_module(sluice_core *core);

/* The name of module id, or NULL if id is not registered. Valid until sluice_free. */
const char *sluice_module_name(sluice_core *core, int module);

/*
 * Module settings. The core stores a level and a sample rate per module so
 * that they can change at run time, but sluice_log writes whatever it is
 * given: checking them is the caller's part (the Swift facade does, with
 * sluice_enabled and a sampler). A module starts at SLUICE_TRACE and
 * SLUICE_PPM_ALL unless registered with sluice_module_configured.
 */
#define SLUICE_PPM_ALL 1000000u /* sample rates are in parts per million */

/* As sluice_module; a module seen for the first time starts with this level and rate.
 * SLUICE_INVALID also for a level or rate out of range. */
int sluice_module_configured(sluice_core *core, const char *name, int level, uint32_t sample_ppm);
int sluice_module_level(sluice_core *core, int module);
/*
 * Levels, in precedence: an operator's (set at run time, here or by `sluice level`,
 * through the mapping) wins until it is reset; then the configured one
 * (sluice_module_configured, sluice_configure_module_level: what the code and the
 * environment decided). Each setter is ignored for a level out of range.
 */
#define SLUICE_LEVEL_UNSET (-1) /* no operator's level */
void sluice_set_module_level(sluice_core *core, int module, int level);       /* the operator's */
void sluice_reset_module_level(sluice_core *core, int module);                /* back to the configured level */
void sluice_configure_module_level(sluice_core *core, int module, int level); /* in effect unless an operator's is set */
uint32_t sluice_module_sample_ppm(sluice_core *core, int module);
void sluice_set_module_sample_ppm(sluice_core *core, int module, uint32_t ppm); /* capped at SLUICE_PPM_ALL */
/* The words behind a module's settings, for callers that check them on every call;
 * stable until sluice_free. */
const int32_t *sluice_module_level_word(sluice_core *core, int module);
const int32_t *sluice_module_operator_word(sluice_core *core, int module); /* the operator's level, or SLUICE_LEVEL_UNSET */
const uint32_t *sluice_module_sample_word(sluice_core *core, int module);

/* True if a record at level passes the module level in *level_word (one relaxed load). */
static inline int sluice_enabled(const int32_t *level_word, int level)
{
    return level >= __atomic_load_n(level_word, __ATOMIC_RELAXED);
}

static inline uint32_t sluice_sample_ppm(const uint32_t *sample_word)
{
    return __atomic_load_n(sample_word, __ATOMIC_RELAXED);
}

/*
 * Exact counter-based sampling. A sampler counts calls per key and emits call
 * n of a key at rate ppm exactly when ceil(n * ppm / 1e6) > ceil((n - 1) * ppm / 1e6):
 * the first call, and after n calls exactly ceil(n * ppm / 1e6) of them, under
 * any concurrency; lock-free for every call of a known key. Keys are compared
 * by their bytes, never by a hash: the caller passes a key of up to
 * SLUICE_SAMPLER_KEY_BYTES as it is, and a longer one as its first
 * SLUICE_SAMPLER_KEY_BYTES - 16 bytes and a 128-bit keyed digest of the whole
 * (the facade uses Swift's seeded SipHash), with length always the key's own.
 * hash spreads keys over the table (any well-mixed hash of the key).
 * Memory is bounded: when a new key finds no room, the key used least recently
 * near its place is forgotten (it starts again, its next call emitted), so old
 * keys never starve new ones; take then returns SLUICE_SAMPLE_FORGOT too.
 */
#define SLUICE_SAMPLER_KEY_BYTES 96
enum { SLUICE_SAMPLE_EMIT = 1, SLUICE_SAMPLE_FORGOT = 2 };
typedef struct sluice_sampler sluice_sampler;
sluice_sampler *sluice_sampler_create(uint32_t keys); /* room for about keys keys; NULL when out of memory */
void sluice_sampler_destroy(sluice_sampler *sampler);
/* SLUICE_SAMPLE_EMIT if this call is emitted, | SLUICE_SAMPLE_FORGOT if a key was forgotten for it. */
int sluice_sampler_take(sluice_sampler *sampler, const void *key, size_t stored, uint64_t length, uint64_t hash,
                        uint32_t ppm);
uint64_t sluice_sampler_forgotten(sluice_sampler *sampler); /* keys forgotten so far */
/* The module's own sampler (1024 keys), made on first use; NULL if out of memory.
 * Freed with the core. */
sluice_sampler *sluice_module_sampler(sluice_core *core, int module);

/*
 * Logs one record: copies message[0..length) into the ring. Never blocks under
 * the drop policy. The bytes may be anything: control characters are escaped
 * and invalid UTF-8 is written as \xHH when the line is rendered. A message
 * longer than the ring's largest (sluice_max_message) is cut there and the
 * line ends with a " [sluice: truncated to N of M bytes]" marker.
 * Returns SLUICE_OK, SLUICE_DROPPED, or SLUICE_INVALID (also for a NULL
 * message with a non-zero length).
 */
int sluice_log(sluice_core *core, int level, int module, const char *message, size_t length);

/*
 * Deferred formatting: instead of text, a message may be a sequence of
 * segments that the writer renders, so the caller copies a value's bytes
 * rather than formatting it. Each segment is a tag byte, then (unaligned,
 * little-endian):
 *   SLUICE_SEGMENT_TEXT    uint32_t length, then that many bytes
 *   SLUICE_SEGMENT_INT     int64_t, rendered in decimal
 *   SLUICE_SEGMENT_UINT    uint64_t, rendered in decimal
 *   SLUICE_SEGMENT_DOUBLE  double, rendered by the double formatter
 *   SLUICE_SEGMENT_FLOAT   float, rendered by the float formatter
 *   SLUICE_SEGMENT_BOOL    uint8_t, rendered true (non-zero) or false
 * Rendered text is escaped like any message. A malformed or cut sequence
 * renders up to the first segment that does not fit.
 *
 * Fields: SLUICE_SEGMENT_FIELDS ends the message; what follows are the record's
 * fields, which each format writes its own way (JSON as members of the line's
 * object, text and logfmt as key=value after the message):
 *   SLUICE_SEGMENT_SOURCE   uint32_t length, bytes: the record's source (swift-log's;
 *                           json and logfmt write it as "source", text leaves it out)
 *   SLUICE_SEGMENT_LOCATION uint32_t length, file bytes, uint32_t line, uint32_t length,
 *                           function bytes: written as "file", "line", "function"
 *   SLUICE_SEGMENT_KEY      uint32_t length, bytes: a key, followed by its value
 * A value is a TEXT (a string), INT, UINT, DOUBLE, FLOAT or BOOL segment, or
 *   SLUICE_SEGMENT_OBJECT   (nothing more) opens an object: KEY and value pairs up to
 *   SLUICE_SEGMENT_END      which closes the innermost object or array
 *   SLUICE_SEGMENT_ARRAY    (nothing more) opens an array: values up to its END.
 * At most 16 levels deep. A key that names one of the line's own fields (ts, level,
 * module, msg, thread, source, file, line, function, dropped, recalled) is written as
 * "fields.<key>", and so is a key starting with "fields.", so that no key appears
 * twice (under json_keys, a key the line names one of its members by). Fields are written in the order given: give each key once. A malformed or
 * cut sequence ends the fields there, every object and array closed.
 */
enum {
    SLUICE_SEGMENT_TEXT = 1,
    SLUICE_SEGMENT_INT = 2,
    SLUICE_SEGMENT_UINT = 3,
    SLUICE_SEGMENT_DOUBLE = 4,
    SLUICE_SEGMENT_FLOAT = 5,
    SLUICE_SEGMENT_BOOL = 6,
    SLUICE_SEGMENT_FIELDS = 7,
    SLUICE_SEGMENT_KEY = 8,
    SLUICE_SEGMENT_OBJECT = 9,
    SLUICE_SEGMENT_ARRAY = 10,
    SLUICE_SEGMENT_END = 11,
    SLUICE_SEGMENT_SOURCE = 12,
    SLUICE_SEGMENT_LOCATION = 13,
    SLUICE_SEGMENT_FORMAT = 14,
};
int sluice_log_segments(sluice_core *core, int level, int module, const void *segments, size_t length);

/*
 * Formats: a message's static text registered once, so that a record carries its arguments
 * alone. sluice_format registers count pieces, the text before each argument and the text after
 * the last (count = arguments + 1, any of them empty), and returns the format's id: not 0, the
 * same in every core, for the life of the process. A message of segments may start with
 *   SLUICE_SEGMENT_FORMAT   uint32_t id
 * and is then rendered as piece 0, the next value segment, piece 1, the next, … the last piece;
 * fields may follow as in any message. The line is the one the pieces and values would make as
 * TEXT and value segments, byte for byte, in every format. An id never given renders the values
 * alone; a message with fewer values than its format's arguments ends at the first missing one.
 * Returns 0 (nothing registered) for more than SLUICE_FORMAT_PIECES_MAX pieces, more than
 * SLUICE_FORMAT_BYTES_MAX bytes of them, past SLUICE_FORMATS_MAX formats, or out of memory.
 * Thread-safe; a call site registers once and keeps the id. A recoverable core keeps every
 * format, each written before a record can name it, in <statistics file>.formats beside its ring
 * file (0600, removed with it), so that sluice_recover renders a dead process's records with them.
 */
enum { SLUICE_FORMATS_MAX = 65535, SLUICE_FORMAT_PIECES_MAX = 257, SLUICE_FORMAT_BYTES_MAX = 4096 };
uint32_t sluice_format(const char *const *pieces, const size_t *lengths, size_t count);

/*
 * A call site's format, found by the address of its key: a constant of the site's own (a string
 * literal in the binary), so that a call site built at compile time needs no storage of its own.
 * sluice_format_of_site returns the id remembered for key without a lock: 0 where the core
 * refused the site's format, SLUICE_SITE_UNKNOWN for a key not seen yet. sluice_format_site
 * registers the site's pieces (as sluice_format) and remembers the id for key, unless one is
 * remembered already: it returns the one remembered, so a site racing itself registers once.
 * Past SLUICE_SITES_MAX sites it registers nothing and returns 0, remembered for none. Keys that
 * are equal constants merged by the linker must name equal pieces.
 */
#define SLUICE_SITE_UNKNOWN 0xFFFFFFFFu
enum { SLUICE_SITES_MAX = 65536 };
uint32_t sluice_format_of_site(const void *key);
uint32_t sluice_format_site(const void *key, const char *const *pieces, const size_t *lengths, size_t count);

/* As sluice_log (segments = 0) or sluice_log_segments (1), with the record's own
 * module name, label (at most SLUICE_MODULE_NAME_MAX bytes, escaped when written),
 * shown in place of module's: for modules past the table (sluice_overflow_module).
 * A message cut to fit keeps its whole label. */
int sluice_log_labelled(sluice_core *core, int level, int module, const char *label, size_t label_length,
                        const void *message, size_t length, int segments);

/* Writes the text of value into out (at most capacity bytes) and returns its length. */
typedef size_t (*sluice_double_formatter)(double value, char *out, size_t capacity);
typedef size_t (*sluice_float_formatter)(float value, char *out, size_t capacity);
/* Sets how every core renders DOUBLE and FLOAT segments (the Swift facade installs
 * Swift's own description). Without one, "%.17g" and "%.9g". Set it before logging. */
void sluice_set_float_formatters(sluice_double_formatter format_double, sluice_float_formatter format_float);
/* The formatters in place, so that a caller that sets its own can put them back. */
void sluice_float_formatters(sluice_double_formatter *format_double, sluice_float_formatter *format_float);

/* A record reserved in the ring and not yet committed. */
typedef struct sluice_reservation {
    char *message;      /* where the message bytes go */
    size_t capacity;    /* how many bytes may be written there */
    uint64_t position;  /* private to the core */
    void *record;       /* private to the core */
    void *lane;         /* private to the core */
} sluice_reservation;

/*
 * The zero-copy form of sluice_log: reserves room for a message of up to
 * length bytes; the caller writes the message straight into r->message and
 * then calls sluice_commit. Returns as sluice_log does; on SLUICE_OK the
 * caller must commit promptly (the writer waits for records in order), on the
 * same thread (until then that thread's log calls are nested: they never wait).
 * capacity is less than length only when length exceeds sluice_max_message;
 * the record is then marked truncated.
 */
int sluice_reserve(sluice_core *core, int level, int module, size_t length, sluice_reservation *r);
/* The same for a message of segments ("Deferred formatting"): what sluice_log_segments
 * copies, written in place. A record cut at capacity ends where its segments were cut. */
int sluice_reserve_segments(sluice_core *core, int level, int module, size_t length, sluice_reservation *r);

/* Publishes a reserved record holding used (<= r->capacity) message bytes.
 * (Synchronous cores render and write it here, and hold their lock from
 * sluice_reserve until this call.) */
void sluice_commit(sluice_core *core, sluice_reservation *r, size_t used);

/* The longest message a record carries whole: ring_bytes / 4 less 40 bytes of header. */
size_t sluice_max_message(const sluice_core *core);

/*
 * Waits until every record accepted before the call has been handed to the
 * sink (or counted as dropped because the sink failed). Returns SLUICE_OK, at
 * once when there is nothing to wait for, or SLUICE_TIMEOUT when timeout_ms
 * passes first. timeout_ms < 0 waits without limit.
 */
int sluice_flush(sluice_core *core, int timeout_ms);

/* A snapshot of the core's counters; each is exact, read independently. */
void sluice_counters_read(sluice_core *core, sluice_counters *out);

/*
 * Stops accepting records (later calls return SLUICE_DROPPED and count as
 * dropped after close), waits for every accepted record to be written, joins
 * the writer and closes the sink. The statistics file stays until sluice_free
 * (or exit), so that what is dropped after close stays visible. Safe to call while other threads log, and
 * more than once. A reservation still uncommitted after 2 s is given up on:
 * the records committed behind it are counted as dropped_abandoned, reported
 * in the stream and on stderr, and its own late sluice_commit counts it as
 * dropped_abandoned too, so written + dropped = accepted still holds.
 */
void sluice_close(sluice_core *core);

/*
 * The flight recorder (sluice_options.flight_recorder_records): keeps a record that
 * is below its module's level — text, or segments when segments is non-zero, cut to
 * a few hundred bytes — instead of dropping it. The next record at error or above
 * (from any thread) first writes every record kept since the last such one, oldest
 * first, with the time and thread it was logged at, marked as recalled; the oldest
 * are forgotten past the recorder's size. SLUICE_INVALID when the core has no
 * recorder, or for a bad level or module. A recalled record is counted as accepted
 * then (the facade counted the call as filtered when it was kept). Neither a keep nor
 * a dump ever waits for a slot its own thread may hold: a keep from a signal handler
 * that interrupted this thread's keep of the same slot is refused (SLUICE_DROPPED), and
 * a dump that meets a record still being kept leaves it, and the ones after it, to the
 * next dump: each kept record is recalled once, by the first error after it or the next.
 */
int sluice_flight_keep(sluice_core *core, int level, int module, const void *message, size_t length, int segments);

/*
 * Writes the records already committed when the process receives SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT or SIGTRAP: the reservations the crashing
 * thread holds open are given up (counted as dropped_abandoned), every open core
 * is flushed, all within timeout_ms (a crash on a writer thread, or a sink that
 * never takes the write, costs at most that), and a fatal signal on another
 * thread meanwhile waits for that flush; then the signal goes to the handler installed before
 * (Swift's backtracer, a sanitizer) or to its default action, so the process
 * still dies of it. Once per process (a second call only changes the timeout);
 * SLUICE_OK, or SLUICE_SYSTEM with errno from sigaction.
 */
int sluice_install_crash_handler(int timeout_ms);

/*
 * Changes a core in place, for every logger it has: the overflow policy and
 * the sink (path and file_mode, as at open) from options; ring_bytes,
 * synchronous and call_timing_every are fixed at open and not read. The new
 * sink is opened first: if it cannot be, returns SLUICE_INVALID with the
 * reason in error, and nothing changes. Records logged before the call are
 * written to the old sink (flushed, waiting up to timeout_ms); the writer
 * switches between batches and closes the old sink. SLUICE_TIMEOUT: the old
 * sink did not finish within timeout_ms (a stuck pipe): the switch happens
 * when its write returns, and the reason is in error. A closed core opens
 * again: a new writer thread, its modules, settings and counts kept.
 */
int sluice_reconfigure(sluice_core *core, const sluice_options *options, int timeout_ms, char *error,
                       size_t error_size);

/*
 * Asks the writer to close and reopen its log file by name before its next
 * write, for logrotate's create mode (it renames the file, then runs
 * `sluice reopen <pid>` or this): records logged after the call go to the new
 * file. Safe from any thread; a no-op for stderr and stdout.
 */
void sluice_reopen(sluice_core *core);
/* From now on, SIGHUP asks every core of the process to reopen its log file.
 * Opt-in: the application may use SIGHUP for something else. SLUICE_OK, or
 * SLUICE_SYSTEM with errno from sigaction. */
int sluice_reopen_on_sighup(void);

/* Closes the core if needed and releases its memory. No thread may use core afterwards. */
void sluice_free(sluice_core *core);
/* 1 when close gave up on a writer stuck in its sink's write (close_timeout_ms): sluice_free
 * then keeps the core, and that writer may still call a sink function's write later, so its
 * context must stay valid. 0 otherwise. Call it after sluice_close, before sluice_free. */
int sluice_left_behind(sluice_core *core);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_H */
