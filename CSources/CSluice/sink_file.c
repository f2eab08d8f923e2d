/* sink_file.c — the file and standard-stream sink, and the SIGPIPE guard; see sink.h. */
#include "sink.h"

#include "diagnostics.h"
#include "housekeeper.h"
#include "rotated_files.h"
#include "seams.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { DEFAULT_FILE_MODE = 0640 };

bool sink_fd_is_pipe(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static size_t file_write(struct sink *sink, const char *data, size_t length);
static size_t write_all(struct sink *sink, const char *data, size_t length);
static void file_close(struct sink *sink);
static int file_reopen(struct sink *sink);
static const struct sink_ops file_ops = {.write = file_write, .close = file_close, .reopen = file_reopen};

static int open_descriptor(struct sink *sink, int fd, const char *name)
{
    *sink = (struct sink){
        .ops = &file_ops, .fd = fd, .owns_fd = false, .is_pipe = sink_fd_is_pipe(fd), .name = strdup(name)};
    return sink->name == NULL ? -1 : 0;
}

/* What kind of file st is not, for a refusal; NULL if it is a file we write to. */
static const char *unusable_kind(const struct stat *st)
{
    if (S_ISREG(st->st_mode) || S_ISCHR(st->st_mode))
        return NULL;
    if (S_ISDIR(st->st_mode))
        return "it is a directory";
    if (S_ISFIFO(st->st_mode))
        return "it is a FIFO (log to stderr and redirect it instead)";
    if (S_ISSOCK(st->st_mode))
        return "it is a socket";
    return "it is neither a regular file nor a character device";
}

/* Opens path for appending as a log file; its size in *size. -1 after a line in error. */
static int open_file(const char *path, unsigned mode, uint64_t *size, char *error, size_t error_size)
{
    /* O_NOFOLLOW: a link planted where the log goes cannot redirect it.
     * O_NONBLOCK: opening a FIFO must not wait for a reader. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                  mode != 0 ? mode : DEFAULT_FILE_MODE);
    const char *problem = NULL;
    struct stat st;
    if (fd < 0) {
        problem = errno == ELOOP   ? "it is a symbolic link, which Sluice does not follow (name the file itself)"
                  : errno == ENXIO ? "it is a FIFO (log to stderr and redirect it instead)"
                  : errno == EISDIR ? "it is a directory"
                                    : strerror(errno);
    } else if (fstat(fd, &st) != 0) {
        problem = strerror(errno);
    } else if ((problem = unusable_kind(&st)) == NULL) {
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        *size = (uint64_t)st.st_size;
        return fd;
    }
    if (error != NULL)
        snprintf(error, error_size, "sluice: cannot open log file '%s': %s", path, problem);
    if (fd >= 0)
        close(fd);
    return -1;
}

int sink_file_open(struct sink *sink, const char *path, unsigned mode, char *error, size_t error_size)
{
    if (path == NULL || strcmp(path, "/dev/stderr") == 0)
        return open_descriptor(sink, STDERR_FILENO, "stderr");
    if (strcmp(path, "/dev/stdout") == 0)
        return open_descriptor(sink, STDOUT_FILENO, "stdout");
    uint64_t size = 0;
    int fd = open_file(path, mode, &size, error, error_size);
    if (fd < 0)
        return -1;
    *sink = (struct sink){
        .ops = &file_ops, .fd = fd, .owns_fd = true, .is_pipe = false, .name = strdup(path), .mode = mode, .size = size};
    if (sink->name == NULL) {
        close(fd);
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening '%s'", path);
        return -1;
    }
    return 0;
}

/* The period (of sink->period seconds, in its zone) the UTC second at falls in. */
static int64_t period_of(const struct sink *sink, int64_t at)
{
    int64_t local = at + clock_zone_offset(&sink->zone, at);
    return (local >= 0 ? local : local - sink->period + 1) / sink->period;
}

void sink_file_configure(struct sink *sink, const sluice_options *options)
{
    if (sink->ops != &file_ops || !sink->owns_fd) /* the standard streams never rotate */
        return;
    sink->max_bytes = options->file_max_bytes;
    sink->keep = options->file_keep;
    sink->period = options->file_rotate == SLUICE_ROTATE_HOURLY ? 3600
                   : options->file_rotate == SLUICE_ROTATE_DAILY ? 86400
                                                                 : 0;
    sink->dated = sink->period != 0 || options->file_compress != 0 || options->file_max_age_s != 0;
    if (!sink->dated)
        return;
    int64_t now = seam_now();
    if (options->local_time)
        clock_zone_find(&sink->zone, now);
    sink->started = now;
    struct stat st;
    /* A file a run before this one left in an earlier period: rotated by the first write. */
    if (sink->period != 0 && sink->size > 0 && fstat(sink->fd, &st) == 0 &&
        period_of(sink, (int64_t)st.st_mtime) != period_of(sink, now))
        sink->started = (int64_t)st.st_mtime;
    sink->housekeeper = housekeeper_start(sink->name, options->file_compress != 0, sink->keep,
                                          (int64_t)options->file_max_age_s);
}

void sink_file_after_fork(struct sink *sink)
{
    sink->housekeeper = NULL;
}

/* Opens the file by name again; the old descriptor is closed only once the new one is open. */
static int file_reopen(struct sink *sink)
{
    if (!sink->owns_fd)
        return 0;
    char error[512];
    uint64_t size = 0;
    int fd = open_file(sink->name, sink->mode, &size, error, sizeof error);
    if (fd < 0) {
        report_problem("%s; writing goes on to the file it had", error);
        return -1;
    }
    close(sink->fd);
    sink->fd = fd;
    sink->size = size;
    sink->started = seam_now();
    return 0;
}

/* path.<n>, into buffer. */
static const char *numbered(char *buffer, size_t size, const char *path, unsigned n)
{
    snprintf(buffer, size, "%s.%u", path, n);
    return buffer;
}

/* A rotation that could not be carried out, at its step from -> to (to NULL: removing
 * from, the oldest): counted, the first one reported on stderr. */
static void rotation_failed(struct sink *sink, const char *from, const char *to, const char *reason)
{
    if (sink->rotation_failures++ == 0)
        report_problem(
                "sluice: cannot rotate '%s'%s%s%s: %s; writing goes on in '%s' (counted as rotation_failures)",
                from, to != NULL ? " to '" : " (removing the oldest)", to != NULL ? to : "", to != NULL ? "'" : "",
                reason, sink->name);
    sink->size = 0; /* try again after another max_bytes */
}

/* Whether every name of the chain, path.1 .. path.keep, is free or a file that a rename may
 * move or replace: a directory (or anything else) in it would be moved along, or have a
 * rotated file renamed onto it and fail after the renames below it destroyed another. */
static bool chain_is_clear(struct sink *sink)
{
    char from[4096], to[4096];
    for (unsigned n = 1; n <= sink->keep; n++) {
        struct stat st;
        if (lstat(numbered(to, sizeof to, sink->name, n), &st) != 0 || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
            continue;
        const char *source = n == 1 ? sink->name : numbered(from, sizeof from, sink->name, n - 1);
        rotation_failed(sink, source, to, S_ISDIR(st.st_mode) ? strerror(EISDIR) : "it is not a regular file");
        return false;
    }
    return true;
}

/* path -> path.<the date it started>; false, counted, if it cannot be moved. */
static bool move_dated(struct sink *sink)
{
    char to[ROTATED_PATH_MAX];
    int32_t offset = clock_zone_offset(&sink->zone, sink->started);
    const char *reason = NULL;
    if (!rotated_name(to, sizeof to, sink->name, sink->started, offset, sink->period))
        reason = "every name for the time it started is taken";
    else if (rename(sink->name, to) != 0)
        reason = strerror(errno);
    if (reason == NULL)
        return true;
    rotation_failed(sink, sink->name, to, reason);
    sink->started = seam_now(); /* tried again at the next period */
    return false;
}

/* path -> path.1 -> ... -> path.keep (the oldest removed). A step that fails stops the
 * rotation before any rename below it could overwrite a file; false, counted. */
static bool move_numbered(struct sink *sink)
{
    char from[4096], to[4096];
    if (sink->keep == 0) {
        (void)unlink(sink->name);
        return true;
    }
    if (!chain_is_clear(sink))
        return false;
    if (unlink(numbered(to, sizeof to, sink->name, sink->keep)) != 0 && errno != ENOENT) {
        rotation_failed(sink, to, NULL, strerror(errno));
        return false;
    }
    for (unsigned n = sink->keep; n >= 1; n--) {
        const char *source = n == 1 ? sink->name : numbered(from, sizeof from, sink->name, n - 1);
        if (rename(source, numbered(to, sizeof to, sink->name, n)) != 0 && (errno != ENOENT || n == 1)) {
            rotation_failed(sink, source, to, strerror(errno));
            return false;
        }
    }
    return true;
}

/* The file moved aside (dated, or down the numbered chain), then a new path; the housekeeper
 * compresses and prunes dated files. A failure leaves writing in the file it had: nothing is
 * lost, and the failure is counted. */
static void rotate(struct sink *sink)
{
    if (!(sink->dated ? move_dated(sink) : move_numbered(sink)))
        return;
    if (file_reopen(sink) != 0) {
        sink->rotation_failures++;
        sink->size = 0;
        return;
    }
    sink->rotations++;
    if (sink->housekeeper != NULL)
        housekeeper_wake(sink->housekeeper);
}

/* How much of data, from its start, goes into the current file: everything that fits
 * within max_bytes, cut after a newline; or, in a file still empty, at least its first
 * line, which is never split. 0: the file must rotate first. */
static size_t fitting_part(const struct sink *sink, const char *data, size_t length)
{
    uint64_t room = sink->size < sink->max_bytes ? sink->max_bytes - sink->size : 0;
    if (length <= room)
        return length;
    for (size_t end = (size_t)room; end > 0; end--)
        if (data[end - 1] == '\n')
            return end;
    if (sink->size > 0)
        return 0;
    const char *end = memchr(data, '\n', length);
    return end != NULL ? (size_t)(end - data) + 1 : length;
}

/* Size rotation splits a batch at line boundaries, so that every file stays within
 * max_bytes unless a single line is longer. */
static size_t file_write(struct sink *sink, const char *data, size_t length)
{
    if (sink->period != 0) {
        int64_t now = seam_now();
        if (period_of(sink, now) != period_of(sink, sink->started)) {
            if (sink->size > 0)
                rotate(sink);
            else
                sink->started = now; /* an empty file is this period's */
        }
    }
    if (sink->max_bytes == 0) {
        size_t written = write_all(sink, data, length);
        sink->size += written;
        return written;
    }
    size_t done = 0;
    while (done < length) {
        size_t part = fitting_part(sink, data + done, length - done);
        if (part == 0) {
            rotate(sink);
            continue; /* a failed rotation leaves size 0: the next part fits */
        }
        size_t written = write_all(sink, data + done, part);
        sink->size += written;
        done += written;
        if (written < part)
            break;
    }
    return done;
}

static size_t write_all(struct sink *sink, const char *data, size_t length)
{
    size_t done = 0;
    while (done < length) {
        ssize_t n = seam_write(sink->fd, data + done, length - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking descriptor (a shared stderr pipe): wait until it drains. */
            struct pollfd p = {.fd = sink->fd, .events = POLLOUT};
            if (poll(&p, 1, 1000) <= 0)
                break;
        } else {
            if (n == 0)
                errno = EIO;
            break;
        }
    }
    return done;
}

void sigpipe_guard_begin(struct sigpipe_guard *guard, bool active)
{
    guard->active = active;
    if (!active)
        return;
    sigset_t pending, pipe_only;
    sigpending(&pending);
    guard->was_pending = sigismember(&pending, SIGPIPE);
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &guard->previous);
}

void sigpipe_guard_end(struct sigpipe_guard *guard)
{
    if (!guard->active)
        return;
    sigset_t pending, pipe_only;
    sigpending(&pending);
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    if (!guard->was_pending && sigismember(&pending, SIGPIPE)) {
        const struct timespec now = {0, 0};
        int saved = errno;
        while (sigtimedwait(&pipe_only, NULL, &now) < 0 && errno == EINTR) {
        }
        errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, &guard->previous, NULL);
}

static void file_close(struct sink *sink)
{
    if (sink->housekeeper != NULL)
        housekeeper_stop(sink->housekeeper);
    sink->housekeeper = NULL;
    if (sink->owns_fd && sink->fd >= 0)
        close(sink->fd);
    sink->fd = -1;
    free(sink->name);
    sink->name = NULL;
}
