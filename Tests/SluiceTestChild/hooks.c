/*
 * Scenarios of the process hooks under attack: a signal handler that logs while its
 * thread keeps a record, crashes while a reservation is open or while another crash
 * flushes, and a forked child that crashes before it ever logs.
 */
#include <pthread.h>
#include <signal.h>
#include <sluice.h>
#include <sluice_test_seams.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios.h"

static sluice_core *hooked_core;
static int hooked_module;
static int keeping_done;

static sluice_core *open_hooked(const char *path, unsigned flight_records, size_t ring_bytes, int recoverable)
{
    sluice_options options;
    sluice_options_init(&options);
    options.path = path;
    options.flight_recorder_records = flight_records;
    options.ring_bytes = ring_bytes;
    options.recoverable = recoverable;
    return open_options_or_exit(&options);
}

/* flight-signal <signals>: a thread keeps records in the flight recorder without pause
 * while the main thread signals it; the handler logs an error, whose dump may meet the
 * very slot the interrupted keep holds. An alarm turns a hang into death by SIGALRM. */
static void log_error_from_handler(int signal)
{
    (void)signal;
    sluice_log(hooked_core, SLUICE_ERROR, hooked_module, "error from a handler", 20);
}

static void *keep_until_done(void *unused)
{
    (void)unused;
    char message[400];
    memset(message, 'k', sizeof message); /* a long copy: the slot stays held a while */
    while (!__atomic_load_n(&keeping_done, __ATOMIC_ACQUIRE))
        sluice_flight_keep(hooked_core, SLUICE_DEBUG, hooked_module, message, sizeof message, 0);
    return NULL;
}

int flight_signal(char **argv)
{
    alarm(30);
    hooked_core = open_hooked("/dev/null", 8, 1 << 20, 0);
    hooked_module = sluice_module(hooked_core, "keeper");
    struct sigaction action = {.sa_handler = log_error_from_handler};
    sigaction(SIGUSR1, &action, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, keep_until_done, NULL);
    long signals = strtol(argv[0], NULL, 10);
    for (long sent = 0; sent < signals; sent++) {
        pthread_kill(thread, SIGUSR1);
        usleep(10);
    }
    __atomic_store_n(&keeping_done, 1, __ATOMIC_RELEASE);
    pthread_join(thread, NULL);
    sluice_free(hooked_core);
    printf("signals %ld\n", signals);
    return 0;
}

/* crash-reserved <path> <threads> <records>: the main thread reserves a record and,
 * before it commits, threads log records each behind it; then it faults, its
 * reservation still open. */
static long records_per_thread;

static void *log_records_behind(void *index)
{
    for (long i = 0; i < records_per_thread; i++) {
        char message[48];
        int length = snprintf(message, sizeof message, "t%ld %ld", (long)(intptr_t)index, i);
        sluice_log(hooked_core, SLUICE_INFO, hooked_module, message, (size_t)length);
    }
    return NULL;
}

int crash_reserved(char **argv)
{
    hooked_core = open_hooked(argv[0], 0, 16 << 20, 0);
    hooked_module = sluice_module(hooked_core, "child");
    if (sluice_install_crash_handler(10000) != 0)
        return 1;
    long threads = strtol(argv[1], NULL, 10);
    records_per_thread = strtol(argv[2], NULL, 10);
    sluice_reservation open;
    if (sluice_reserve(hooked_core, SLUICE_INFO, hooked_module, 64, &open) != SLUICE_OK)
        return 1;
    memset(open.message, 'r', 32); /* half filled: the fault comes before the commit */
    pthread_t t[16];
    for (long i = 0; i < threads && i < 16; i++)
        pthread_create(&t[i], NULL, log_records_behind, (void *)(intptr_t)i);
    for (long i = 0; i < threads && i < 16; i++)
        pthread_join(t[i], NULL);
    *(volatile int *)NULL = 1;
    return 0;
}

/* crash-twice <path> <records>: records wait in the ring (the writer paused) when one
 * thread aborts; while its handler flushes them, a second thread faults. */
static int first_crashing;

static void *abort_now(void *unused)
{
    (void)unused;
    __atomic_store_n(&first_crashing, 1, __ATOMIC_RELEASE);
    abort();
}

int crash_twice(char **argv)
{
    hooked_core = open_hooked(argv[0], 0, 64 << 20, 0);
    hooked_module = sluice_module(hooked_core, "child");
    if (sluice_install_crash_handler(10000) != 0)
        return 1;
    sluice_test_pause_writers(1);
    records_per_thread = strtol(argv[1], NULL, 10);
    log_records_behind(0);
    sluice_test_pause_writers(0);
    pthread_t first;
    pthread_create(&first, NULL, abort_now, NULL);
    while (!__atomic_load_n(&first_crashing, __ATOMIC_ACQUIRE))
        ;
    usleep(2000); /* the first handler is flushing now */
    *(volatile int *)NULL = 1;
    return 0;
}

/* fork-crash <count>: a recoverable core logs in the parent; count children are forked,
 * each crashing (abort) before it logs anything. Prints how each child died and the
 * files it left under $SLUICE_STATS_DIR (files <n>). */
int fork_crash(char **argv)
{
    hooked_core = open_hooked("/dev/null", 0, 1 << 20, 1);
    hooked_module = sluice_module(hooked_core, "parent");
    if (sluice_install_crash_handler(2000) != 0)
        return 1;
    sluice_log(hooked_core, SLUICE_INFO, hooked_module, "before the forks", 16);
    const char *dir = getenv("SLUICE_STATS_DIR");
    long count = strtol(argv[0], NULL, 10), aborted = 0, files = 0;
    for (long c = 0; c < count; c++) {
        pid_t pid = fork();
        if (pid == 0)
            abort();
        int status = 0;
        waitpid(pid, &status, 0);
        aborted += WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        char command[512];
        snprintf(command, sizeof command, "ls '%s' | grep -c '^sluice-%d-'", dir, (int)pid);
        FILE *listing = popen(command, "r");
        long found = 0;
        if (listing != NULL && fscanf(listing, "%ld", &found) == 1)
            files += found;
        if (listing != NULL)
            pclose(listing);
    }
    sluice_free(hooked_core);
    printf("aborted %ld of %ld files %ld\n", aborted, count, files);
    return 0;
}
