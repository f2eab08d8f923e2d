/*
 * platform.h — what the core asks of the operating system beyond POSIX, in one
 * place. Two files answer it:
 *
 *   platform_linux.c     Linux's own calls: futex, membarrier, sched_getcpu
 *                        (rseq), gettid and tgkill, getrandom, /proc,
 *                        posix_fallocate, mremap, MAP_POPULATE, sockets made
 *                        non-blocking in one call. The default on Linux.
 *   platform_portable.c  POSIX alone: condition variables for futexes, full
 *                        fences for membarrier, a thread number for the CPU.
 *                        What macOS runs; on Linux, the `Portable` package
 *                        trait (SLUICE_PORTABLE) builds it, so that every
 *                        replacement runs the core's tests here too.
 *
 * Nothing else in the core names a Linux-only call (scripts/check-platform.sh
 * fails if one does). docs/PLATFORMS.md lists what each replacement costs.
 */
#ifndef SLUICE_PLATFORM_H
#define SLUICE_PLATFORM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#if defined(__linux__) && !defined(SLUICE_PORTABLE)
#define SLUICE_PLATFORM_LINUX 1
#include <sched.h>
#include <sys/mman.h>
#else
#define SLUICE_PLATFORM_LINUX 0
#endif

/* ---- waiting on a word (wait.c's futex protocol) ---- */

/* Sleeps while *word == expected, at most timeout_ns (negative: no limit). It may return
 * early for no reason; callers look again, as with a futex. */
void platform_wait(int32_t *word, int32_t expected, int64_t timeout_ns);

/* Wakes up to count sleepers on word, after the caller changed it. */
void platform_wake(int32_t *word, int32_t count);

/* ---- fences (asymmetric.h) ---- */

/* Whether platform_fence_all_threads can work in this process: asks once, registers. */
bool platform_can_fence_all_threads(void);

/* A full fence on every running thread of the process; 0, or -1 with errno. */
int platform_fence_all_threads(void);

/* ---- CPUs and threads ---- */

/* The CPUs this process may run on: the affinity mask where there is one. At least 1. */
uint32_t platform_usable_cpus(void);

#if SLUICE_PLATFORM_LINUX
/* The CPU this thread runs on now (glibc reads rseq's cpu_id: no system call), or -1. */
static inline int platform_current_cpu(void)
{
    return sched_getcpu();
}
#else
/* No CPU number to ask for: each thread keeps the slot it was dealt at its first call, in
 * turn, so that threads spread over the rings as they would over CPUs. */
extern __thread int platform_thread_slot;
int platform_deal_thread_slot(void);
static inline int platform_current_cpu(void)
{
    int slot = platform_thread_slot;
    return slot >= 0 ? slot : platform_deal_thread_slot();
}
#endif

/* This thread's id, never 0: the kernel's (gettid) on Linux, else its number in the process. */
uint32_t platform_thread_id(void);

/* Whether the thread of that id (platform_thread_id) has exited; false when it cannot be told. */
bool platform_thread_is_gone(uint32_t thread);

/* ---- processes ---- */

/* The owner of process pid: 0 and *owner, ESRCH when it is gone, or ENOSYS when it runs but
 * its owner cannot be told here. */
int platform_process_owner(uint32_t pid, uid_t *owner);

/* CLOCK_REALTIME when process pid started, to within a second, or -1 when unknown. */
int64_t platform_process_start_ns(uint32_t pid);

/* This program's name (no directory), as syslog's APP-NAME and `sluice stat` show it. */
const char *platform_program_name(void);

/* getenv, but NULL in a set-user-ID or set-group-ID program: it must not be pointed elsewhere. */
const char *platform_secure_getenv(const char *name);

/* Where statistics files live unless SLUICE_STATS_DIR says: memory-backed on Linux. */
#if SLUICE_PLATFORM_LINUX
#define PLATFORM_STATS_DIRECTORY "/dev/shm"
#else
#define PLATFORM_STATS_DIRECTORY "/tmp"
#endif

/* ---- memory and files ---- */

/* size random bytes into out; false when the system has none to give now. */
bool platform_random(void *out, size_t size);

/* Gives the file its blocks from offset for size bytes now, growing it if needed, so that a
 * full file system fails here and not as SIGBUS at a later touch of a mapped page. 0 or an errno. */
int platform_reserve_file(int fd, off_t offset, off_t size);

/* Every page of a new mapping faulted in now, not at a producer's first touch: mmap's flag
 * where there is one, else platform_fault_in after the mmap (which Linux needs not). */
#if SLUICE_PLATFORM_LINUX
#define PLATFORM_MAP_POPULATE MAP_POPULATE
static inline void platform_fault_in(void *address, size_t size)
{
    (void)address;
    (void)size;
}
#else
#define PLATFORM_MAP_POPULATE 0
/* A write to each page that keeps its bytes (an atomic or of 0: safe beside other threads). */
void platform_fault_in(void *address, size_t size);
#endif

/* Puts the size bytes at from in place of the mapping at to, in this process only, and
 * unmaps from; false (both left as they were) when it cannot. */
bool platform_move_mapping(void *from, void *to, size_t size);

/* ---- locks and sockets ---- */

/* Locks mutex unless deadline_ns (CLOCK_MONOTONIC) passes first; whether it locked. */
bool platform_lock_until(pthread_mutex_t *mutex, int64_t deadline_ns);

/* A socket that closes on exec, does not block, and never raises SIGPIPE when sent to with
 * PLATFORM_SEND_FLAGS; -1 with errno. */
int platform_socket(int family, int type);

/* Flags for every send: MSG_NOSIGNAL where it exists (elsewhere the socket says it, SO_NOSIGPIPE). */
#if defined(MSG_NOSIGNAL)
#define PLATFORM_SEND_FLAGS MSG_NOSIGNAL
#else
#define PLATFORM_SEND_FLAGS 0
#endif

/* In a forked child, before anything else: state the parent's other threads may have held. */
void platform_after_fork_in_child(void);

#endif /* SLUICE_PLATFORM_H */
