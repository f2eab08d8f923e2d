/*
 * sink.h — where rendered lines go: a file opened for appending, or stderr.
 */
#ifndef SLUICE_SINK_H
#define SLUICE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

struct sink {
    int fd;
    bool owns_fd;     /* close fd at sink_close (not for stderr) */
    bool is_pipe;     /* a pipe or socket: a write whose reader is gone raises SIGPIPE */
    char *name;       /* the path, or "stderr": for messages */
};

/* Opens path for appending (created with mode, or 0640 when mode is 0), or
 * stderr when path is NULL; "/dev/stdout" and "/dev/stderr" are the process's
 * own descriptors. Refuses a symbolic link (never followed), a directory, a
 * FIFO or a socket: the sink is a regular file or a character device.
 * On failure returns -1 and writes a line naming the path and the reason. */
int sink_open(struct sink *sink, const char *path, unsigned mode, char *error, size_t error_size);

/* Writes all of data, retrying EINTR, short writes and EAGAIN. Returns the
 * bytes written: length, or fewer with errno set when the sink failed. */
size_t sink_write(struct sink *sink, const char *data, size_t length);

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

void sink_close(struct sink *sink);

#endif /* SLUICE_SINK_H */
