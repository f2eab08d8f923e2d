/* The tests' side of the core's seams (seams.h): strong definitions, with setters. */
#include <sched.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lanes.h"
#include "platform.h"
#include "seams.h"
#include "sluice_test_seams.h"

/* store_release by the test, load_acquire by each write. */
static sluice_write_function write_stand_in;
/* store_relaxed by the test, load_relaxed by each writer's turn. */
static int paused;

void sluice_test_set_write(sluice_write_function write_function)
{
    __atomic_store_n(&write_stand_in, write_function, __ATOMIC_RELEASE);
}

void sluice_test_pause_writers(int pause)
{
    __atomic_store_n(&paused, pause != 0, __ATOMIC_RELAXED);
}

ssize_t seam_write(int fd, const void *data, size_t length)
{
    sluice_write_function stand_in = __atomic_load_n(&write_stand_in, __ATOMIC_ACQUIRE);
    return stand_in != NULL ? stand_in(fd, data, length) : write(fd, data, length);
}

bool seam_writers_paused(void)
{
    return __atomic_load_n(&paused, __ATOMIC_RELAXED) != 0;
}

static int64_t clock_shift; /* seconds seam_now adds to the real time */

int64_t seam_now(void)
{
    return (int64_t)time(NULL) + __atomic_load_n(&clock_shift, __ATOMIC_RELAXED);
}

void sluice_test_shift_clock(int64_t seconds)
{
    __atomic_store_n(&clock_shift, seconds, __ATOMIC_RELAXED);
}

unsigned sluice_test_add_rings(sluice_core *core, unsigned count)
{
    return lanes_grow(core, count);
}

#if defined(__linux__)
int sluice_test_platform_is_portable(void)
{
    return !SLUICE_PLATFORM_LINUX;
}

uint32_t sluice_test_thread_id(void)
{
    return platform_thread_id();
}

void sluice_test_wait(int32_t *word, int32_t expected, int64_t timeout_ns)
{
    platform_wait(word, expected, timeout_ns);
}

void sluice_test_set_and_wake(int32_t *word, int32_t value)
{
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
    platform_wake(word, INT32_MAX);
}

int32_t sluice_test_word(const int32_t *word)
{
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

int sluice_test_reserve_file(int fd, off_t offset, off_t size)
{
    return platform_reserve_file(fd, offset, size);
}

int sluice_test_move_mapping(void *from, void *to, size_t size)
{
    return platform_move_mapping(from, to, size);
}

int sluice_test_lock_within(pthread_mutex_t *mutex, int64_t timeout_ns)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return platform_lock_until(mutex, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + timeout_ns);
}

int sluice_test_process_owner(int pid, uid_t *owner)
{
    return platform_process_owner((uint32_t)pid, owner);
}

int sluice_test_open_terminal(char *path, size_t size)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0)
        return -1;
    const char *name = grantpt(master) == 0 && unlockpt(master) == 0 ? ptsname(master) : NULL;
    if (name == NULL || (size_t)snprintf(path, size, "%s", name) >= size) {
        close(master);
        return -1;
    }
    return master;
}

/* The CPUs the main thread may use (its id is the process's), which test threads never change. */
static int allowed_cpus(cpu_set_t *cpus)
{
    return sched_getaffinity(getpid(), sizeof *cpus, cpus) == 0 ? CPU_COUNT(cpus) : 0;
}

int sluice_test_cpu_count(void)
{
    cpu_set_t cpus;
    int count = allowed_cpus(&cpus);
    return count > 0 ? count : 1;
}

int sluice_test_move_to_cpu(int cpu)
{
    cpu_set_t allowed, one;
    int count = allowed_cpus(&allowed);
    if (count == 0)
        return -1;
    int skip = (cpu < 0 ? -cpu : cpu) % count;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &allowed) || skip-- > 0)
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        return sched_setaffinity(0, sizeof one, &one) == 0 ? c : -1;
    }
    return -1;
}
#else
/* No affinity to set (macOS): the tests' threads stay where the scheduler puts them. */
int sluice_test_cpu_count(void)
{
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count > 0 ? (int)count : 1;
}

int sluice_test_move_to_cpu(int cpu)
{
    (void)cpu;
    return -1;
}
#endif

int32_t sluice_test_local_offset(int64_t opened_at, int64_t at)
{
    struct clock_zone zone;
    clock_zone_find(&zone, opened_at);
    return clock_zone_offset(&zone, at);
}
