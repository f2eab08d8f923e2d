/* sink_file.c — the file and stderr sink; see sink.h. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sink_open(struct sink *sink, const char *path, char *error, size_t error_size)
{
    if (path == NULL) {
        *sink = (struct sink){.fd = STDERR_FILENO, .owns_fd = false, .name = strdup("stderr")};
        return sink->name == NULL ? -1 : 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot open log file '%s': %s", path, strerror(errno));
        return -1;
    }
    *sink = (struct sink){.fd = fd, .owns_fd = true, .name = strdup(path)};
    if (sink->name == NULL) {
        close(fd);
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory opening '%s'", path);
        return -1;
    }
    return 0;
}

size_t sink_write(struct sink *sink, const char *data, size_t length)
{
    size_t done = 0;
    while (done < length) {
        ssize_t n = write(sink->fd, data + done, length - done);
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

void sink_close(struct sink *sink)
{
    if (sink->owns_fd && sink->fd >= 0)
        close(sink->fd);
    sink->fd = -1;
    free(sink->name);
    sink->name = NULL;
}
