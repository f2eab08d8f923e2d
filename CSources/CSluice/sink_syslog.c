/*
 * sink_syslog.c — RFC 5424 syslog to a receiver (rsyslog, syslog-ng) over UDP,
 * TCP with octet-counted framing (RFC 6587), or a Unix datagram socket
 * (/dev/log). The writer renders the lines (RENDER_FORMAT_SYSLOG), never
 * holding a raw newline, so each line of a batch is one message.
 *
 * A receiver that is away (refused, restarting, unreachable) never stops the
 * writer for long: connecting and each send give up after SEND_TIMEOUT_MS;
 * what could not be sent is counted as dropped by this sink (the writer does
 * that from the offset write returns); reconnection is tried again before a
 * later batch, with a back-off from 100 ms doubling to 5 s. A line longer than
 * one datagram can carry is cut to fit, with a truncation marker, and sent
 * alone: the lines around it go as they are.
 */
#include "sink.h"

#include "diagnostics.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
    SEND_TIMEOUT_MS = 1000,
    BACKOFF_FIRST_MS = 100,
    BACKOFF_MOST_MS = 5000,
    FRAMES_PER_WRITE = 256, /* TCP: messages per writev (two iovecs each) */
    DATAGRAM_MOST = 65507,  /* UDP over IPv4's largest payload: a longer line is cut to it */
    DATAGRAM_LEAST = 480,   /* RFC 5424: the least every receiver takes */
};

enum transport { TRANSPORT_UDP, TRANSPORT_TCP, TRANSPORT_UNIX };

struct sink_syslog {
    enum transport transport;
    struct sockaddr_storage address;
    socklen_t address_length;
    int64_t next_attempt_ns;   /* CLOCK_MONOTONIC: no connection attempt before it */
    int64_t backoff_ns;
    char frame_heads[FRAMES_PER_WRITE][12]; /* TCP: "<length> " of each message of a writev */
};

static int64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Parses udp://host:port, tcp://host:port ([v6]:port too) or unix:///path into s;
 * NULL, or what is wrong with it. */
static const char *parse_url(const char *url, struct sink_syslog *s)
{
    const char *rest;
    if (strncmp(url, "unix://", 7) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&s->address;
        rest = url + 7;
        if (rest[0] != '/' || strlen(rest) >= sizeof un->sun_path)
            return "a unix:// address names an absolute socket path of at most 107 bytes";
        s->transport = TRANSPORT_UNIX;
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, rest);
        s->address_length = sizeof *un;
        return NULL;
    }
    if (strncmp(url, "udp://", 6) == 0)
        s->transport = TRANSPORT_UDP;
    else if (strncmp(url, "tcp://", 6) == 0)
        s->transport = TRANSPORT_TCP;
    else
        return "the address is none of udp://host:port, tcp://host:port, unix:///path";
    rest = url + 6;
    char host[256];
    const char *colon = rest[0] == '[' ? strstr(rest, "]:") : strrchr(rest, ':');
    const char *host_start = rest[0] == '[' ? rest + 1 : rest;
    if (colon == NULL || colon == host_start || (size_t)(colon - host_start) >= sizeof host)
        return "the address has no host:port";
    memcpy(host, host_start, (size_t)(colon - host_start));
    host[colon - host_start] = '\0';
    const char *port = colon + (rest[0] == '[' ? 2 : 1);
    struct addrinfo hints = {.ai_socktype = s->transport == TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM};
    struct addrinfo *found = NULL;
    if (*port == '\0' || getaddrinfo(host, port, &hints, &found) != 0 || found == NULL)
        return "its host or port cannot be resolved";
    memcpy(&s->address, found->ai_addr, found->ai_addrlen);
    s->address_length = found->ai_addrlen;
    freeaddrinfo(found);
    return NULL;
}

/* A connected socket, or -1 with errno set; waits at most SEND_TIMEOUT_MS. */
static int connect_socket(const struct sink_syslog *s)
{
    int type = s->transport == TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = platform_socket(s->address.ss_family, type);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)&s->address, s->address_length) != 0) {
        int failure = errno;
        if (failure == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            socklen_t size = sizeof failure;
            if (poll(&p, 1, SEND_TIMEOUT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 &&
                failure == 0)
                goto connected;
            if (failure == EINPROGRESS)
                failure = ETIMEDOUT;
        }
        close(fd);
        errno = failure;
        return -1;
    }
connected:
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval timeout = {.tv_sec = SEND_TIMEOUT_MS / 1000, .tv_usec = SEND_TIMEOUT_MS % 1000 * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    return fd;
}

static void disconnect(struct sink *sink)
{
    if (sink->fd >= 0)
        close(sink->fd);
    sink->fd = -1;
}

/* Connected now, or after an attempt if the back-off allows one; errno set if not. */
static bool ensure_connected(struct sink *sink)
{
    struct sink_syslog *s = sink->syslog;
    if (sink->fd >= 0 && s->transport == TRANSPORT_TCP) {
        /* A receiver that closed (restarted) shows as end of stream: reconnect now, rather
         * than lose the first batch into a socket the other side has left. */
        struct pollfd p = {.fd = sink->fd, .events = POLLIN | POLLRDHUP};
        char byte;
        if (poll(&p, 1, 0) == 1 && ((p.revents & (POLLRDHUP | POLLHUP | POLLERR)) ||
                                     recv(sink->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0))
            disconnect(sink);
    }
    if (sink->fd >= 0)
        return true;
    int64_t now = monotonic_ns();
    if (now < s->next_attempt_ns) {
        errno = ENOTCONN;
        return false;
    }
    sink->fd = connect_socket(s);
    if (sink->fd >= 0) {
        s->backoff_ns = 0;
        return true;
    }
    int failure = errno;
    s->backoff_ns = s->backoff_ns == 0 ? (int64_t)BACKOFF_FIRST_MS * 1000000 : s->backoff_ns * 2;
    if (s->backoff_ns > (int64_t)BACKOFF_MOST_MS * 1000000)
        s->backoff_ns = (int64_t)BACKOFF_MOST_MS * 1000000;
    s->next_attempt_ns = monotonic_ns() + s->backoff_ns;
    errno = failure;
    return false;
}

/* A line too long for one datagram (EMSGSIZE): its start, cut before a character, with
 * the truncation marker, in the largest UDP payload, or half that until the transport
 * takes it. False with errno for any other failure. */
static bool send_cut(struct sink *sink, const char *line, size_t length)
{
    for (size_t most = DATAGRAM_MOST; most >= DATAGRAM_LEAST; most /= 2) {
        char marker[64];
        size_t keep = most - sizeof marker;
        while (keep > 0 && ((unsigned char)line[keep] & 0xC0) == 0x80)
            keep--; /* a UTF-8 continuation byte: its character goes whole */
        int marked = snprintf(marker, sizeof marker, " [sluice: truncated to %zu of %zu bytes]", keep, length);
        struct iovec parts[2] = {{.iov_base = (void *)line, .iov_len = keep}, {.iov_base = marker, .iov_len = (size_t)marked}};
        struct msghdr message = {.msg_iov = parts, .msg_iovlen = 2};
        if (sendmsg(sink->fd, &message, PLATFORM_SEND_FLAGS) >= 0)
            return true;
        if (errno != EMSGSIZE)
            return false;
    }
    return false;
}

/* Datagrams: one send per line; a line too long for the transport is cut, alone. */
static size_t send_datagrams(struct sink *sink, const char *data, size_t length)
{
    const char *p = data, *end = data + length;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((newline != NULL ? newline : end) - p);
        if (send(sink->fd, p, n, PLATFORM_SEND_FLAGS) < 0 && !(errno == EMSGSIZE && send_cut(sink, p, n))) {
            int failure = errno;
            if (failure != EINTR) {
                if (sink->syslog->transport == TRANSPORT_UNIX)
                    disconnect(sink); /* the receiver may have a new socket by that name */
                errno = failure;
                return (size_t)(p - data);
            }
            continue;
        }
        p += n + (newline != NULL);
    }
    return length;
}

/* TCP: "<length> <message>" per line, many per writev. A write cut short (timeout,
 * reset) leaves a frame torn: the connection is dropped, and the lines from the torn
 * one on are not sent. */
static size_t send_frames(struct sink *sink, const char *data, size_t length)
{
    struct sink_syslog *s = sink->syslog;
    const char *p = data, *end = data + length;
    while (p < end) {
        struct iovec iov[2 * FRAMES_PER_WRITE];
        const char *line_end[FRAMES_PER_WRITE];
        int frames = 0;
        size_t total = 0;
        const char *q = p;
        while (q < end && frames < FRAMES_PER_WRITE) {
            const char *newline = memchr(q, '\n', (size_t)(end - q));
            size_t n = (size_t)((newline != NULL ? newline : end) - q);
            int head = snprintf(s->frame_heads[frames], sizeof s->frame_heads[0], "%zu ", n);
            iov[2 * frames] = (struct iovec){.iov_base = s->frame_heads[frames], .iov_len = (size_t)head};
            iov[2 * frames + 1] = (struct iovec){.iov_base = (void *)q, .iov_len = n};
            total += (size_t)head + n;
            q += n + (newline != NULL);
            line_end[frames++] = q;
        }
        /* sendmsg, not writev: PLATFORM_SEND_FLAGS, so a reset gives EPIPE on any thread. */
        size_t sent = 0;
        int at = 0;
        while (sent < total) {
            struct msghdr message = {.msg_iov = iov + at, .msg_iovlen = (size_t)(2 * frames - at)};
            ssize_t n = sendmsg(sink->fd, &message, PLATFORM_SEND_FLAGS);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                int failure = n < 0 ? errno : EPIPE;
                disconnect(sink);
                /* Whole frames sent before the torn one: iov pairs fully inside sent. */
                size_t whole = 0, counted = 0;
                for (int i = 0; i < frames; i++) {
                    counted += iov[2 * i].iov_len + iov[2 * i + 1].iov_len;
                    if (counted > sent)
                        break;
                    whole = (size_t)(line_end[i] - data);
                }
                errno = failure;
                return whole > (size_t)(p - data) ? whole : (size_t)(p - data);
            }
            sent += (size_t)n;
            for (size_t left = (size_t)n; left > 0;) { /* skip what went out */
                size_t take = left < iov[at].iov_len ? left : iov[at].iov_len;
                iov[at].iov_base = (char *)iov[at].iov_base + take;
                iov[at].iov_len -= take;
                left -= take;
                if (iov[at].iov_len == 0)
                    at++;
            }
        }
        p = q;
    }
    return length;
}

static size_t syslog_write(struct sink *sink, const char *data, size_t length)
{
    if (!ensure_connected(sink))
        return 0;
    return sink->syslog->transport == TRANSPORT_TCP ? send_frames(sink, data, length)
                                                     : send_datagrams(sink, data, length);
}

static void syslog_close(struct sink *sink)
{
    disconnect(sink);
    free(sink->syslog);
    free(sink->name);
    sink->syslog = NULL;
    sink->name = NULL;
}

static const struct sink_ops syslog_ops = {.write = syslog_write, .close = syslog_close, .reopen = NULL};

bool sink_is_syslog_address(const char *path)
{
    return path != NULL &&
           (strncmp(path, "udp://", 6) == 0 || strncmp(path, "tcp://", 6) == 0 || strncmp(path, "unix://", 7) == 0);
}

/* The RFC 5424 HOSTNAME and APP-NAME: printable ASCII without spaces, at most max bytes, or "-". */
static size_t put_header_field(char *at, const char *value, size_t max)
{
    size_t n = 0;
    for (; value != NULL && value[n] != '\0' && n < max; n++)
        at[n] = value[n] > ' ' && value[n] < 0x7f ? value[n] : '_';
    if (n == 0)
        at[n++] = '-';
    return n;
}

static void set_pid(struct sink *sink, int pid)
{
    struct line_style *style = &sink->style;
    char *at = style->syslog_head + sink->syslog_pid_at;
    style->syslog_head_length = sink->syslog_pid_at + (size_t)snprintf(at, 16, "%d - ", pid);
}

int sink_syslog_open(struct sink *sink, const char *url, int facility, const char *app_name, char *error,
                     size_t error_size)
{
    struct sink_syslog *s = calloc(1, sizeof *s);
    char *name = strdup(url);
    const char *problem = s == NULL || name == NULL ? "out of memory" : parse_url(url, s);
    if (problem == NULL && (facility < 0 || facility > 23))
        problem = "the facility is not from 0 (kern) to 23 (local7)";
    if (problem != NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: cannot log to syslog at '%s': %s", url, problem);
        free(s);
        free(name);
        return -1;
    }
    /* Not is_pipe: no send raises SIGPIPE (platform_socket). */
    *sink = (struct sink){.ops = &syslog_ops, .fd = -1, .owns_fd = true, .is_pipe = false, .name = name, .syslog = s};
    struct line_style *style = &sink->style;
    style->format = RENDER_FORMAT_SYSLOG;
    style->facility = facility;
    char host[256] = "";
    (void)gethostname(host, sizeof host - 1);
    char *at = style->syslog_head;
    *at++ = ' ';
    at += put_header_field(at, host, 255);
    *at++ = ' ';
    at += put_header_field(at, app_name != NULL ? app_name : platform_program_name(), 48);
    *at++ = ' ';
    sink->syslog_pid_at = (size_t)(at - style->syslog_head);
    set_pid(sink, (int)getpid());
    if (!ensure_connected(sink))
        report_problem("sluice: cannot connect to syslog at '%s' yet: %s; records are dropped and counted "
                "until it works, retrying with back-off", url, strerror(errno));
    return 0;
}

void sink_syslog_after_fork(struct sink *sink)
{
    if (sink->syslog == NULL)
        return;
    if (sink->fd >= 0)
        close(sink->fd); /* the parent's connection: its frames and ours must not interleave */
    sink->fd = -1;
    sink->syslog->next_attempt_ns = 0;
    set_pid(sink, (int)getpid());
}
