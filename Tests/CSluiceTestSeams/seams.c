/* The tests' side of the core's seams (seams.h): strong definitions, with setters. */
#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

#include "lanes.h"
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

unsigned sluice_test_add_rings(sluice_core *core, unsigned count)
{
    return lanes_grow(core, count);
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
