/*
 * Scenarios the core must survive in a process of their own: each one exits,
 * crashes or forks, which a test process cannot do to itself.
 * Usage: SluiceTestChild <scenario> <arguments>; see the table at the end.
 */
#include <pthread.h>
#include <sluice.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sluice_core *open_or_exit(const char *path, int synchronous, int overflow)
{
    sluice_options options;
    sluice_options_init(&options);
    options.path = path;
    options.synchronous = synchronous;
    options.overflow = overflow;
    char error[256];
    sluice_core *core = sluice_open(&options, error, sizeof error);
    if (core == NULL) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    return core;
}

static void log_records(sluice_core *core, int module, const char *prefix, long count)
{
    for (long i = 0; i < count; i++) {
        char message[64];
        int length = snprintf(message, sizeof message, "%s %ld", prefix, i);
        sluice_log(core, SLUICE_INFO, module, message, (size_t)length);
    }
}

static void print_counters(sluice_core *core)
{
    sluice_counters c;
    sluice_counters_read(core, &c);
    printf("accepted %llu written %llu dropped %llu write_errors %llu\n", (unsigned long long)c.accepted,
           (unsigned long long)c.written, (unsigned long long)c.dropped, (unsigned long long)c.write_errors);
    fflush(stdout);
}

/* exit-drain <path> <count>: logs and returns from main without closing. */
static int exit_drain(char **argv)
{
    sluice_core *core = open_or_exit(argv[0], 0, SLUICE_OVERFLOW_DROP);
    log_records(core, sluice_module(core, "child"), "record", strtol(argv[1], NULL, 10));
    return 0;
}

/* sync-sigpipe <count>: a synchronous core on stderr, a pipe whose reader is gone. */
static int sync_sigpipe(char **argv)
{
    int ends[2];
    if (pipe(ends) != 0 || dup2(ends[1], STDERR_FILENO) < 0)
        return 1;
    close(ends[0]);
    close(ends[1]);
    sluice_core *core = open_or_exit(NULL, 1, SLUICE_OVERFLOW_DROP);
    log_records(core, sluice_module(core, "child"), "record", strtol(argv[0], NULL, 10));
    print_counters(core);
    sluice_free(core);
    return 0;
}

/* exit-free <path> <count>: a second thread frees the core while main calls exit(). */
static sluice_core *racing_core;
static int racing_go;

static void *free_when_told(void *unused)
{
    (void)unused;
    while (!__atomic_load_n(&racing_go, __ATOMIC_ACQUIRE)) {
    }
    sluice_free(racing_core);
    return NULL;
}

static int exit_free(char **argv)
{
    racing_core = open_or_exit(argv[0], 0, SLUICE_OVERFLOW_DROP);
    log_records(racing_core, sluice_module(racing_core, "child"), "record", strtol(argv[1], NULL, 10));
    pthread_t thread;
    pthread_create(&thread, NULL, free_when_told, NULL);
    pthread_detach(thread); /* exit() does not wait for it: that is the race */
    __atomic_store_n(&racing_go, 1, __ATOMIC_RELEASE);
    usleep((useconds_t)(getpid() % 200)); /* each run meets the free at another point */
    exit(0);
}

/* signal-count <records> <signals>: a signal handler logs on the thread it
 * interrupts, which logs too; every call must be counted. */
static sluice_core *signalled_core;
static int signalled_module;
static long handler_calls;
static int logging_done;

static void log_from_handler(int signal)
{
    (void)signal;
    handler_calls++; /* only on the logging thread */
    sluice_log(signalled_core, SLUICE_INFO, signalled_module, "from a handler", 14);
}

static void *log_until_done(void *records)
{
    log_records(signalled_core, signalled_module, "record", (long)(intptr_t)records);
    __atomic_store_n(&logging_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int signal_count(char **argv)
{
    signalled_core = open_or_exit("/dev/null", 0, SLUICE_OVERFLOW_DROP);
    signalled_module = sluice_module(signalled_core, "child");
    struct sigaction action = {.sa_handler = log_from_handler};
    sigaction(SIGUSR1, &action, NULL);
    long records = strtol(argv[0], NULL, 10), signals = strtol(argv[1], NULL, 10), sent = 0;
    pthread_t thread;
    pthread_create(&thread, NULL, log_until_done, (void *)(intptr_t)records);
    while (sent < signals && !__atomic_load_n(&logging_done, __ATOMIC_ACQUIRE)) {
        pthread_kill(thread, SIGUSR1);
        sent++;
        usleep(20);
    }
    pthread_join(thread, NULL);
    sluice_flush(signalled_core, -1);
    sluice_counters c;
    sluice_counters_read(signalled_core, &c);
    printf("calls %ld accepted %llu written+dropped %llu\n", records + handler_calls, (unsigned long long)c.accepted,
           (unsigned long long)(c.written + c.dropped));
    sluice_free(signalled_core);
    return 0;
}

static const struct {
    const char *name;
    int arguments;
    int (*run)(char **argv);
} scenarios[] = {
    {"exit-drain", 2, exit_drain},
    {"sync-sigpipe", 1, sync_sigpipe},
    {"exit-free", 2, exit_free},
    {"signal-count", 2, signal_count},
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc >= 2 && i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (strcmp(argv[1], scenarios[i].name) == 0 && argc - 2 == scenarios[i].arguments)
            return scenarios[i].run(argv + 2);
    fprintf(stderr, "usage: %s <scenario> <arguments>; scenarios:", argv[0]);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        fprintf(stderr, " %s", scenarios[i].name);
    fprintf(stderr, "\n");
    return 2;
}
