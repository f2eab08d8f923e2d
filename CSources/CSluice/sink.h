/*
 * sink.h — where rendered lines go. The writer calls a sink through this
 * interface without knowing which one it has; sink_file.c is the file and
 * standard-stream sink, and every other kind (rotating files, syslog) adds a
 * file of its own with an opener and a struct sink_ops.
 */
#ifndef SLUICE_SINK_H
#define SLUICE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "render.h"
#include "sluice.h"

struct sink;
struct sink_syslog;
struct housekeeper;

struct sink_ops {
    /* Writes all of data, retrying what can be retried. Returns the bytes
     * written: length, or fewer with errno set when the sink failed. */
    size_t (*write)(struct sink *sink, const char *data, size_t length);
    /* Releases what the sink holds. */
    void (*close)(struct sink *sink);
    /* Closes and opens again what it writes to by name (a file logrotate renamed); NULL
     * for sinks with nothing to reopen. 0, or -1 after a line on stderr: writing goes on
     * where it was. */
    int (*reopen)(struct sink *sink);
};

struct sink {
    const struct sink_ops *ops; /* NULL once closed */
    char *name;                 /* the path, "stderr" or "stdout": for messages */
    bool is_pipe;               /* a pipe or socket: a write whose reader is gone raises SIGPIPE */
    int fd;                     /* the descriptor written to */
    bool owns_fd;               /* closed with the sink (not the standard streams) */
    /* A file sink's rotation: the path is name. Only the thread that writes touches these. */
    unsigned mode;              /* for the files it creates */
    uint64_t max_bytes;         /* rotate where a write would pass it, between lines; 0: never */
    unsigned keep;              /* rotated files kept */
    uint64_t size;              /* bytes in the file now, as far as this sink knows */
    int period;                 /* rotate when the clock (seam_now) enters another period of this many
                                   seconds (3600, 86400) and the file is not empty; 0: never by time */
    bool dated;                 /* rotated files are named by date and never move (rotated_files.h);
                                   else path.1 … path.keep, shifted at each rotation */
    struct clock_zone zone;     /* periods and names in local time; all offsets 0: UTC */
    int64_t started;            /* when the current file started, UTC seconds */
    struct housekeeper *housekeeper; /* compresses and prunes dated files on its thread; or NULL */
    uint64_t rotations;         /* done, and failed: the writer adds them to the counters */
    uint64_t rotation_failures;
    struct sink_syslog *syslog; /* a syslog sink's connection state (sink_syslog.c); NULL otherwise */
    size_t syslog_pid_at;       /* where PROCID starts in style.syslog_head */
    struct line_style style;    /* how its lines are rendered: the format, and the priority prefix
                                   of a standard stream journald reads (never a file's) */
    sluice_sink_function function; /* the application's sink (sink_function.c); zero otherwise */
};

static inline size_t sink_write(struct sink *sink, const char *data, size_t length)
{
    return sink->ops->write(sink, data, length);
}

/* Safe to call twice. */
static inline void sink_close(struct sink *sink)
{
    if (sink->ops != NULL)
        sink->ops->close(sink);
    sink->ops = NULL;
}

/* sink_file.c: opens path for appending (created with mode, or 0640 when mode
 * is 0), or stderr when path is NULL; "/dev/stdout" and "/dev/stderr" are the
 * process's own descriptors. Refuses a symbolic link (never followed), a
 * directory, a FIFO or a socket: the sink is a regular file or a character
 * device. On failure returns -1 and writes a line naming the path and the reason. */
int sink_file_open(struct sink *sink, const char *path, unsigned mode, char *error, size_t error_size);
/* Sets a file sink's rotation as options say (file_max_bytes, file_rotate, file_keep,
 * file_compress, file_max_age_s, local_time); files only, the standard streams never rotate.
 * Dated rotation starts the sink's housekeeper (housekeeper.h). */
void sink_file_configure(struct sink *sink, const sluice_options *options);
/* In a forked child: the housekeeper's thread is the parent's, and so are its files. */
void sink_file_after_fork(struct sink *sink);

/* sink_function.c: the application's sink, its lines handed to function (sluice.h), under name
 * (NULL: "function"). -1 after a line in error when out of memory. */
int sink_function_open(struct sink *sink, const char *name, const sluice_sink_function *function, char *error,
                       size_t error_size);

/* sink_syslog.c: true for udp://host:port, tcp://host:port and unix:///path. */
bool sink_is_syslog_address(const char *path);
/* An RFC 5424 syslog sink to url, its lines with facility (0 to 23) and app_name (NULL:
 * the program's name). A receiver that cannot be reached yet is no error (one line on
 * stderr; records are dropped and counted until it can); -1 after a line in error for an
 * address that is malformed or cannot be resolved. */
int sink_syslog_open(struct sink *sink, const char *url, int facility, const char *app_name, char *error,
                     size_t error_size);
/* In a forked child: its own connection (made at the next write) and its own PROCID.
 * Does nothing for other sinks. */
void sink_syslog_after_fork(struct sink *sink);

/* Asks the sink to reopen by name; 0 when there is nothing to reopen. */
static inline int sink_reopen(struct sink *sink)
{
    return sink->ops != NULL && sink->ops->reopen != NULL ? sink->ops->reopen(sink) : 0;
}

/* True if fd is a pipe or socket, where a write whose reader is gone raises SIGPIPE. */
bool sink_fd_is_pipe(int fd);

/* Writing on an application thread (a synchronous core) must not let SIGPIPE
 * kill the process any more than the writer thread, which blocks every signal,
 * does: between begin and end SIGPIPE is blocked, and one raised in between is
 * taken off the pending set, so the write just fails with EPIPE. Does nothing
 * when not active. */
struct sigpipe_guard {
    bool active;
    bool was_pending;
    sigset_t previous;
};
void sigpipe_guard_begin(struct sigpipe_guard *guard, bool active);
void sigpipe_guard_end(struct sigpipe_guard *guard);

#endif /* SLUICE_SINK_H */
