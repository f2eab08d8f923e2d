/*
 * platform_portable.c — platform.h with POSIX alone: what macOS runs, and what
 * the `Portable` package trait builds on Linux so that the core's tests run
 * through every replacement here (docs/PLATFORMS.md).
 */
#include "platform.h"

#if !SLUICE_PLATFORM_LINUX

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- waiting on a word: a parking table of condition variables ----
 *
 * A sleeper takes its word's bucket lock, looks at the word, and waits on the
 * bucket's condition; a waker changes the word first, then takes the same lock
 * to broadcast. Between the sleeper's look and its wait the lock is held, so a
 * change it did not see is always followed by a broadcast it is there for.
 * Words share buckets: a broadcast may wake sleepers of another word, who look
 * again, as after any early return. */

#define PARKING_BUCKETS 64

static struct parking {
    pthread_mutex_t lock;
    pthread_cond_t changed;
} parking[PARKING_BUCKETS] = {[0 ... PARKING_BUCKETS - 1] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER}};

static struct parking *bucket_of(const int32_t *word)
{
    return &parking[((uintptr_t)word >> 2) % PARKING_BUCKETS];
}

void platform_wait(int32_t *word, int32_t expected, int64_t timeout_ns)
{
    struct parking *p = bucket_of(word);
    /* The condition's clock is CLOCK_REALTIME (macOS has no other): a step of the wall
     * clock may end a timed sleep early or late; every caller looks again either way. */
    struct timespec until;
    if (timeout_ns >= 0) {
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t at = (int64_t)until.tv_nsec + timeout_ns;
        until.tv_sec += at / 1000000000;
        until.tv_nsec = at % 1000000000;
    }
    pthread_mutex_lock(&p->lock);
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == expected) {
        if (timeout_ns < 0)
            pthread_cond_wait(&p->changed, &p->lock);
        else
            pthread_cond_timedwait(&p->changed, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
}

void platform_wake(int32_t *word, int32_t count)
{
    (void)count; /* every sleeper of the bucket looks again; those whose word did not change sleep on */
    struct parking *p = bucket_of(word);
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void platform_after_fork_in_child(void)
{
    /* A parent's thread may have held a bucket lock at the fork: the child has that
     * thread no more, and makes every bucket anew. */
    for (int i = 0; i < PARKING_BUCKETS; i++) {
        pthread_mutex_init(&parking[i].lock, NULL);
        pthread_cond_init(&parking[i].changed, NULL);
    }
}

/* ---- fences: no way to fence other threads, so commits keep their full fence ---- */

bool platform_can_fence_all_threads(void)
{
    return false;
}

int platform_fence_all_threads(void)
{
    errno = ENOSYS;
    return -1;
}

/* ---- CPUs and threads ---- */

uint32_t platform_usable_cpus(void)
{
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count < 1 ? 1u : count > INT32_MAX ? (uint32_t)INT32_MAX : (uint32_t)count;
}

__thread int platform_thread_slot = -1;
static uint32_t next_thread_slot;

int platform_deal_thread_slot(void)
{
    int slot = (int)(__atomic_fetch_add(&next_thread_slot, 1, __ATOMIC_RELAXED) & INT32_MAX);
    platform_thread_slot = slot;
    return slot;
}

static __thread uint32_t thread_id;
static uint32_t next_thread_id;

uint32_t platform_thread_id(void)
{
    if (thread_id == 0) {
        uint32_t id = __atomic_add_fetch(&next_thread_id, 1, __ATOMIC_RELAXED);
        thread_id = id != 0 ? id : __atomic_add_fetch(&next_thread_id, 1, __ATOMIC_RELAXED);
    }
    return thread_id;
}

bool platform_thread_is_gone(uint32_t thread)
{
    (void)thread; /* numbers are never reused, and no thread can be asked about by one */
    return false;
}

/* ---- processes ---- */

int platform_process_owner(uint32_t pid, uid_t *owner)
{
    (void)owner;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM ? ENOSYS : ESRCH;
}

int64_t platform_process_start_ns(uint32_t pid)
{
    (void)pid;
    return -1;
}

const char *platform_program_name(void)
{
#if defined(__APPLE__)
    return getprogname();
#else
    return program_invocation_short_name;
#endif
}

const char *platform_secure_getenv(const char *name)
{
    return getuid() != geteuid() || getgid() != getegid() ? NULL : getenv(name);
}

/* ---- memory and files ---- */

bool platform_random(void *out, size_t size)
{
    return getentropy(out, size) == 0;
}

int platform_reserve_file(int fd, off_t offset, off_t size)
{
    /* No posix_fallocate (macOS): zeros written give the blocks. Callers reserve past the
     * file's end only, so no byte of theirs is overwritten. */
    static const char zeros[65536];
    for (off_t at = offset, end = offset + size; at < end;) {
        size_t chunk = end - at < (off_t)sizeof zeros ? (size_t)(end - at) : sizeof zeros;
        ssize_t written = pwrite(fd, zeros, chunk, at);
        if (written < 0 && errno != EINTR)
            return errno;
        if (written > 0)
            at += written;
    }
    return 0;
}

void platform_fault_in(void *address, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t at = 0; at < size; at += page)
        (void)__atomic_fetch_or((char *)address + at, 0, __ATOMIC_RELAXED);
}

bool platform_move_mapping(void *from, void *to, size_t size)
{
    /* No mremap: fresh private pages in place of to's, then the bytes copied over. */
    if (mmap(to, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
        return false;
    memcpy(to, from, size);
    munmap(from, size);
    return true;
}

/* ---- locks and sockets ---- */

bool platform_lock_until(pthread_mutex_t *mutex, int64_t deadline_ns)
{
    /* No pthread_mutex_timedlock (macOS): try every millisecond until the deadline. */
    struct timespec pause = {.tv_nsec = 1000000};
    for (;;) {
        if (pthread_mutex_trylock(mutex) == 0)
            return true;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec >= deadline_ns)
            return false;
        nanosleep(&pause, NULL);
    }
}

int platform_socket(int family, int type)
{
    /* Flags one call at a time: a fork and exec between socket() and FD_CLOEXEC may
     * leak the descriptor into that program (Linux sets both in socket() itself). */
    int fd = socket(family, type, 0);
    if (fd < 0)
        return -1;
    int flags = fcntl(fd, F_GETFL);
    int ok = fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
#if defined(SO_NOSIGPIPE)
    int one = 1;
    ok = ok && setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) == 0;
#endif
    if (!ok) {
        int failure = errno;
        close(fd);
        errno = failure;
        return -1;
    }
    return fd;
}

#endif /* !SLUICE_PLATFORM_LINUX */
