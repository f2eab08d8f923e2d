/*
 * killed <path> <threads> <records per thread> <torn 0|1> <writer>: a recoverable core
 * (4 MiB rings, one per CPU, the block policy) logging to path; each thread logs "t<thread> <i>",
 * moving to the next CPU (and so ring) every 100 records. With torn, thread 0
 * reserves a record halfway and never commits it, as a producer killed while filling it
 * would. writer: "runs"; "paused", taking nothing from the ring; "formatted", paused, each
 * thread logging by a format of its own ("t<thread> " and the number: sluice_format), thread
 * 0's registered before the core opens and the others' after; or "stuck", its first write
 * never returning. When every thread is done (and, stuck, the writer is in that
 * write), the process kills itself with SIGKILL: no handler, no exit drain.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sluice.h>
#include <sluice_test_seams.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios.h"

static sluice_core *killed_core;
static int killed_module;
static long killed_records;
static int killed_torn;
static uint32_t killed_formats[16]; /* by thread; 0: log text */

/* The format "t<thread> " then a number. */
static uint32_t thread_format(long thread)
{
    char prefix[24];
    const char *pieces[] = {prefix, ""};
    size_t lengths[] = {(size_t)snprintf(prefix, sizeof prefix, "t%ld ", thread), 0};
    return sluice_format(pieces, lengths, 2);
}

static void *log_then_stop(void *argument)
{
    long thread = (long)(intptr_t)argument;
    for (long i = 0; i < killed_records; i++) {
        if (i % 100 == 0)
            (void)sluice_test_move_to_cpu((int)(thread + i / 100));
        if (thread == 0 && killed_torn && i == killed_records / 2) {
            sluice_reservation torn;
            if (sluice_reserve(killed_core, SLUICE_ERROR, killed_module, 40, &torn) == SLUICE_OK)
                memset(torn.message, 'x', 20); /* half filled, never committed */
        }
        if (killed_formats[thread] != 0) {
            unsigned char segments[14] = {SLUICE_SEGMENT_FORMAT};
            int64_t number = i;
            memcpy(segments + 1, &killed_formats[thread], 4);
            segments[5] = SLUICE_SEGMENT_INT;
            memcpy(segments + 6, &number, 8);
            sluice_log_segments(killed_core, SLUICE_INFO, killed_module, segments, sizeof segments);
            continue;
        }
        char message[48];
        int length = snprintf(message, sizeof message, "t%ld %ld", thread, i);
        sluice_log(killed_core, SLUICE_INFO, killed_module, message, (size_t)length);
    }
    return NULL;
}

static int write_entered;

static ssize_t write_never_returns(int fd, const void *data, size_t length)
{
    (void)fd, (void)data, (void)length;
    __atomic_store_n(&write_entered, 1, __ATOMIC_RELEASE);
    for (;;)
        pause(); /* the writer blocks every signal: for ever */
}

int killed(char **argv)
{
    sluice_options options;
    sluice_options_init(&options);
    options.path = argv[0];
    options.recoverable = 1;
    options.overflow = SLUICE_OVERFLOW_BLOCK; /* every record in the ring or the log: none dropped */
    bool formatted = strcmp(argv[4], "formatted") == 0;
    if (formatted)
        killed_formats[0] = thread_format(0); /* before the core, so its file starts with it */
    char error[256];
    killed_core = sluice_open(&options, error, sizeof error);
    if (killed_core == NULL) {
        fprintf(stderr, "%s\n", error);
        return 1;
    }
    killed_module = sluice_module(killed_core, "child");
    long threads = strtol(argv[1], NULL, 10);
    killed_records = strtol(argv[2], NULL, 10);
    killed_torn = strcmp(argv[3], "1") == 0;
    for (long t = 1; formatted && t < threads && t < 16; t++)
        killed_formats[t] = thread_format(t);
    if (strcmp(argv[4], "paused") == 0 || formatted)
        sluice_test_pause_writers(1);
    else if (strcmp(argv[4], "stuck") == 0)
        sluice_test_set_write(write_never_returns);
    pthread_t running[16];
    for (long t = 0; t < threads && t < 16; t++)
        pthread_create(&running[t], NULL, log_then_stop, (void *)(intptr_t)t);
    for (long t = 0; t < threads && t < 16; t++)
        pthread_join(running[t], NULL);
    /* stuck: killed in the middle of that write, not before it */
    for (int waited = 0; strcmp(argv[4], "stuck") == 0 && waited < 5000; waited++) {
        if (__atomic_load_n(&write_entered, __ATOMIC_ACQUIRE))
            break;
        usleep(1000);
    }
    raise(SIGKILL);
    return 1;
}
