/*
 * sink.h — where rendered lines go: a file opened for appending, or stderr.
 */
#ifndef SLUICE_SINK_H
#define SLUICE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sink {
    int fd;
    bool owns_fd;     /* close fd at sink_close (not for stderr) */
    char *name;       /* the path, or "stderr": for messages */
};

/* Opens path for appending (created 0644), or stderr when path is NULL.
 * On failure returns -1 and writes a line naming the path and the reason. */
int sink_open(struct sink *sink, const char *path, char *error, size_t error_size);

/* Writes all of data, retrying EINTR, short writes and EAGAIN. Returns the
 * bytes written: length, or fewer with errno set when the sink failed. */
size_t sink_write(struct sink *sink, const char *data, size_t length);

void sink_close(struct sink *sink);

#endif /* SLUICE_SINK_H */
