/*
 * ring_file.c — a recoverable ring: its mapping in a file beside the
 * statistics mapping, <stats file>.ring, so that the records a process had
 * committed but not yet written outlive a kill -9 for `sluice recover`
 * (recover.c). The records are where they always are; only the memory under
 * them changes, at the same address, before any record is reserved.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diagnostics.h"
#include "platform.h"
#include "ring_file.h"
#include "sluice.h"

bool ring_file_holds_records(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct ring_header header;
    bool holds = false;
    for (off_t at = 0; !holds && pread(fd, &header, sizeof header, at) == (ssize_t)sizeof header &&
                       header.magic == RING_MAGIC && header.capacity <= SLUICE_RING_MAX;
         at += RING_HEADER_BYTES + (off_t)header.capacity)
        holds = (header.head & ~HEAD_SEALED) != header.tail;
    close(fd);
    return holds;
}

/* Creates name for a ring of size bytes; a leftover of a dead process that holds no
 * records (written, or recovered) is replaced. Returns the descriptor, or -1 with errno. */
static int create_file(const char *name)
{
    int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST && !ring_file_holds_records(name) && unlink(name) == 0)
        fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    return fd;
}

bool ring_publish(struct ring *ring, const char *name, uint32_t index)
{
    size_t size = RING_HEADER_BYTES + ring->capacity;
    off_t offset = (off_t)index * (off_t)size;
    const char *problem = NULL;
    int error = 0;
    struct rlimit limit;
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < (rlim_t)offset + size) {
        problem = "the file size limit (RLIMIT_FSIZE) is below its size";
    } else {
        int fd = index == 0 ? create_file(name) : open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        struct ring_header *header = ring->header;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        header->pid = (uint32_t)getpid();
        header->opened_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        /* Every page reserved now: a sparse file on a full tmpfs would raise SIGBUS
         * at a producer's first touch of a new page. */
        if (fd < 0)
            problem = errno == EEXIST ? "a dead process's file of that name still holds records: run `sluice "
                                        "recover` on it"
                                      : strerror(errno);
        else if (fchmod(fd, 0600) != 0)
            problem = strerror(errno);
        else if ((error = platform_reserve_file(fd, offset, (off_t)size)) != 0)
            problem = strerror(error);
        else if (pwrite(fd, header, RING_HEADER_BYTES, offset) != RING_HEADER_BYTES)
            problem = strerror(errno);
        else if (mmap(header, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | PLATFORM_MAP_POPULATE, fd, offset) ==
                 MAP_FAILED)
            problem = strerror(errno);
        else
            platform_fault_in(header, size);
        if (fd >= 0)
            close(fd);
        if (problem != NULL && fd >= 0 && index == 0)
            unlink(name);
    }
    if (problem != NULL) {
        report_problem(
                "sluice: cannot put ring %u in the ring file %s: %s; logging goes on, but records waiting in "
                "that ring cannot be recovered after a kill",
                index, name, problem);
        return false;
    }
    ring->path = strdup(name);
    if (ring->path == NULL)
        unlink(name); /* a file nobody would remove; the mapping stays, unrecoverable */
    return ring->path != NULL;
}

bool ring_fork_private(struct ring *ring)
{
    if (ring->path == NULL)
        return true;
    free(ring->path); /* the parent's file: never the child's to remove */
    ring->path = NULL;
    char header[RING_HEADER_BYTES];
    memcpy(header, ring->header, sizeof header);
    /* The records are the parent's, which its writer writes: the child keeps none. */
    if (mmap(ring->header, RING_HEADER_BYTES + ring->capacity, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
        /* Still the parent's memory: the child's ring becomes a sealed header of its own
         * that no reservation gets past, and the parent's mapping is never touched again. */
        static struct ring_header sealed = {.head = HEAD_SEALED, .tail = 0};
        ring->header = &sealed;
        ring->base = NULL;
        return false;
    }
    memcpy(ring->header, header, sizeof header);
    return true;
}

void ring_forget_file(struct ring *ring)
{
    if (ring->path == NULL)
        return;
    unlink(ring->path);
    free(ring->path);
    ring->path = NULL;
}
