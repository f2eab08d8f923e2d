/*
 * sluice_test_seams.h — for tests only: stand-ins for the core's seams
 * (CSources/CSluice/seams.h). Linked into a test binary, this target's strong
 * definitions replace the core's weak ones; the shipped product has neither
 * these functions nor a branch for them.
 */
#ifndef SLUICE_TEST_SEAMS_H
#define SLUICE_TEST_SEAMS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sluice.h"

/* Every file and standard-stream sink calls write_function instead of write(2) until it is
 * set back to NULL, so that a test can inject EINTR and short writes. */
typedef ssize_t (*sluice_write_function)(int fd, const void *data, size_t length);
void sluice_test_set_write(sluice_write_function write_function);

/* Non-zero makes every writer thread stop taking records from its ring (and a closing core
 * wait for it, up to its close timeout); zero lets them go on. For a test that needs records
 * to be waiting in a ring. */
void sluice_test_pause_writers(int paused);

/* Adds rings to an open core until it has count, while its producers run (lanes_grow): the
 * ring set a CPU coming online would publish. Returns the count now. */
unsigned sluice_test_add_rings(sluice_core *core, unsigned count);

/* Moves the calling thread to cpu (mod the CPUs it may use): a test's producer that changes
 * CPU, and so ring, on purpose. Returns the CPU, or -1 if it could not move. */
int sluice_test_move_to_cpu(int cpu);

/* The CPUs the calling thread may use. */
int sluice_test_cpu_count(void);

/* The platform layer (CSources/CSluice/platform.h), for PlatformTests: 1 when this build runs
 * the portable path (the Portable trait, as macOS does), 0 when Linux's own calls. */
int sluice_test_platform_is_portable(void);
uint32_t sluice_test_thread_id(void);
void sluice_test_wait(int32_t *word, int32_t expected, int64_t timeout_ns);
/* Stores value in word (release), then wakes every sleeper on it; and reads it (acquire). */
void sluice_test_set_and_wake(int32_t *word, int32_t value);
int32_t sluice_test_word(const int32_t *word);
int sluice_test_reserve_file(int fd, off_t offset, off_t size);
int sluice_test_move_mapping(void *from, void *to, size_t size);
/* 1 when it locked mutex within timeout_ns. */
int sluice_test_lock_within(pthread_mutex_t *mutex, int64_t timeout_ns);
/* 0 with *owner, ESRCH (gone) or ENOSYS (running, owner not told). */
int sluice_test_process_owner(int pid, uid_t *owner);

/* A pseudo-terminal: returns its master's descriptor and puts the terminal's path in path, or
 * returns -1. For a test of what a sink does on a terminal (isatty). */
int sluice_test_open_terminal(char *path, size_t size);

/* Moves the clock that log files rotate and age by (seam_now) to seconds from the real time;
 * 0 puts it back. Record timestamps keep the real time. */
void sluice_test_shift_clock(int64_t seconds);

/* The local zone's offset (seconds east of UTC) at the UTC second at, as a sink that opened at
 * the UTC second opened_at finds it (clock_zone_find, clock_zone_offset): the writer's view. */
int32_t sluice_test_local_offset(int64_t opened_at, int64_t at);

#endif /* SLUICE_TEST_SEAMS_H */
