/* The tests' side of the core's seams (seams.h): strong definitions, with setters. */
#include <stdbool.h>
#include <unistd.h>

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
