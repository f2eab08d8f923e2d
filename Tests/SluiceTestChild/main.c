/*
 * Scenarios the core must survive in a process of their own: each one exits,
 * crashes or forks, which a test process cannot do to itself.
 * Usage: SluiceTestChild <scenario> <arguments>; see the table at the end.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sluice.h>
#include <sluice_stats.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios.h"

sluice_core *open_options_or_exit(const sluice_options *options)
{
    char error[256];
    sluice_core *core = sluice_open(options, error, sizeof error);
    if (core == NULL) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    return core;
}

static sluice_core *open_or_exit(const char *path, int synchronous, int overflow)
{
    sluice_options options;
    sluice_options_init(&options);
    options.path = path;
    options.synchronous = synchronous;
    options.overflow = overflow;
    return open_options_or_exit(&options);
}

static void log_records(sluice_core *core, int module, const char *prefix, long count)
{
    for (long i = 0; i < count; i++) {
        char message[64];
        int length = snprintf(message, sizeof message, "%s %ld", prefix, i);
        sluice_log(core, SLUICE_INFO, module, message, (size_t)length);
    }
}

static void print_counters(sluice_core *core, FILE *to)
{
    sluice_counters c;
    sluice_counters_read(core, &c);
    fprintf(to, "accepted %llu written %llu dropped %llu write_errors %llu\n", (unsigned long long)c.accepted,
            (unsigned long long)c.written, (unsigned long long)c.dropped, (unsigned long long)c.write_errors);
    fflush(to);
}

/* exit-drain <path> <count>: logs and returns from main without closing. */
static int exit_drain(char **argv)
{
    sluice_core *core = open_or_exit(argv[0], 0, SLUICE_OVERFLOW_DROP);
    log_records(core, sluice_module(core, "child"), "record", strtol(argv[1], NULL, 10));
    return 0;
}

/* Makes fd a pipe whose reader is gone: a write to it raises SIGPIPE, or fails with EPIPE. */
static bool break_pipe_on(int fd)
{
    int ends[2];
    if (pipe(ends) != 0 || dup2(ends[1], fd) < 0)
        return false;
    close(ends[0]);
    close(ends[1]);
    return true;
}

/* Logs count records into a core whose sink is a broken pipe, then prints its counters to report. */
static int log_into_broken_pipe(const char *path, int synchronous, const char *count, FILE *report)
{
    sluice_core *core = open_or_exit(path, synchronous, SLUICE_OVERFLOW_DROP);
    log_records(core, sluice_module(core, "child"), "record", strtol(count, NULL, 10));
    sluice_flush(core, -1);
    print_counters(core, report);
    sluice_free(core);
    return 0;
}

/* sync-sigpipe <count>: a synchronous core on stderr, a pipe whose reader is gone. */
static int sync_sigpipe(char **argv)
{
    return break_pipe_on(STDERR_FILENO) ? log_into_broken_pipe(NULL, 1, argv[0], stdout) : 1;
}

/* pipe-gone <count>: the writer thread logs to stdout, a pipe whose reader is gone
 * (`app | head -1`); the counters go to stderr. */
static int pipe_gone(char **argv)
{
    return break_pipe_on(STDOUT_FILENO) ? log_into_broken_pipe("/dev/stdout", 0, argv[0], stderr) : 1;
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

/* fork <path> <children> <0|1|recoverable>: 4 threads log into an asynchronous, a
 * synchronous or a recoverable core while the main thread forks children one after
 * another; each child logs 10 records, flushes and exits. Prints what the parent logged,
 * how the children fared, and what the file holds: whether each parent thread's records
 * are there once each, in order, and how many children's 10 records are, likewise (read
 * here, in C: the parent logs millions of lines). An asynchronous core renders on three
 * threads. */
enum { FORK_THREADS = 4 };
static sluice_core *forking_core;
static int forking_module, forking_stop, forking_recoverable;
static long forking_counts[FORK_THREADS];

static void *log_until_stopped(void *index)
{
    long t = (long)(intptr_t)index, i = 0;
    while (!__atomic_load_n(&forking_stop, __ATOMIC_ACQUIRE)) {
        char message[64];
        int length = snprintf(message, sizeof message, "parent %ld %ld", t, i);
        if (sluice_log(forking_core, SLUICE_INFO, forking_module, message, (size_t)length) == SLUICE_OK)
            i++;
    }
    forking_counts[t] = i;
    return NULL;
}

static bool forking_housekept;

static int child_after_fork(void)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "child %d", (int)getpid());
    log_records(forking_core, forking_module, prefix, 10);
    if (sluice_flush(forking_core, 5000) != SLUICE_OK)
        return 3;
    /* Its own statistics file, under its own pid, and its own ring file beside it if recoverable. */
    const char *path = sluice_stats_path(sluice_core_stats(forking_core));
    char own[64], ring[4096];
    snprintf(own, sizeof own, "/sluice-%d-", (int)getpid());
    if (path == NULL || strstr(path, own) == NULL || access(path, F_OK) != 0)
        return 4;
    snprintf(ring, sizeof ring, "%s.ring", path);
    if (forking_recoverable && access(ring, F_OK) != 0)
        return 5;
    if (forking_housekept)
        sluice_free(forking_core); /* closes its log file, and leaves the parent's housekeeper be */
    return 0;
}

/* The lines of path: parent_in_order 1 if thread t's records are 0 ..< counts[t], once each
 * and in order; *children_whole the number of pids whose records are 0 ..< 10 likewise. */
static int fork_log_in_order(const char *path, const long counts[FORK_THREADS], const pid_t *pids, long children,
                             long *children_whole)
{
    FILE *file = fopen(path, "r");
    long next[FORK_THREADS] = {0}, *child_next = calloc((size_t)children, sizeof *child_next);
    bool in_order = file != NULL && child_next != NULL;
    char line[512];
    while (in_order && fgets(line, sizeof line, file) != NULL) {
        const char *message = strstr(line, " fork: ");
        long who = -1, i = -1;
        if (message == NULL)
            continue; /* a line of another module (a drop report) */
        if (sscanf(message, " fork: parent %ld %ld", &who, &i) == 2) {
            in_order = who >= 0 && who < FORK_THREADS && i == next[who]++;
        } else if (sscanf(message, " fork: child %ld %ld", &who, &i) == 2) {
            long c = 0;
            while (c < children && pids[c] != (pid_t)who)
                c++;
            in_order = c < children && i == child_next[c]++;
        } else {
            in_order = false;
        }
    }
    for (int t = 0; t < FORK_THREADS; t++)
        in_order = in_order && next[t] == counts[t];
    *children_whole = 0;
    for (long c = 0; child_next != NULL && c < children; c++)
        *children_whole += child_next[c] == 10;
    free(child_next);
    if (file != NULL)
        fclose(file);
    return in_order;
}

static int fork_children(char **argv)
{
    sluice_options options;
    sluice_options_init(&options);
    options.path = argv[0];
    options.ring_bytes = 65536;
    options.overflow = SLUICE_OVERFLOW_BLOCK;
    forking_recoverable = strcmp(argv[2], "recoverable") == 0;
    forking_housekept = strcmp(argv[2], "housekept") == 0;
    options.file_compress = forking_housekept; /* a housekeeper thread, the parent's alone */
    options.synchronous = strcmp(argv[2], "1") == 0;
    options.recoverable = forking_recoverable;
    options.render_threads = 3; /* every child starts its own render threads, as its own writer */
    char error[256];
    forking_core = sluice_open(&options, error, sizeof error);
    if (forking_core == NULL) {
        fprintf(stderr, "%s\n", error);
        return 1;
    }
    forking_module = sluice_module(forking_core, "fork");
    pthread_t threads[FORK_THREADS];
    for (long t = 0; t < FORK_THREADS; t++)
        pthread_create(&threads[t], NULL, log_until_stopped, (void *)(intptr_t)t);
    long children = strtol(argv[1], NULL, 10), slow = 0, failed = 0;
    pid_t *pids = calloc((size_t)children, sizeof *pids);
    for (long c = 0; c < children; c++) {
        pid_t pid = fork();
        pids[c] = pid;
        if (pid == 0)
            exit(child_after_fork());
        int status = 0, waited = 0;
        for (; waited < 5000 && waitpid(pid, &status, WNOHANG) == 0; waited++)
            usleep(1000);
        if (waited == 5000) {
            slow++;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
        }
    }
    __atomic_store_n(&forking_stop, 1, __ATOMIC_RELEASE);
    long total = 0;
    for (int t = 0; t < FORK_THREADS; t++) {
        pthread_join(threads[t], NULL);
        total += forking_counts[t];
    }
    const char *stats_path = sluice_stats_path(sluice_core_stats(forking_core));
    int stats_file = stats_path != NULL && access(stats_path, F_OK) == 0;
    sluice_flush(forking_core, -1);
    sluice_counters c;
    sluice_counters_read(forking_core, &c);
    sluice_free(forking_core); /* every record written: the file is whole */
    long children_whole = 0;
    int in_order = fork_log_in_order(argv[0], forking_counts, pids, children, &children_whole);
    free(pids);
    printf("slow %ld failed %ld stats_file %d accepted %llu logged %ld parent_in_order %d children_whole %ld", slow,
           failed, stats_file, (unsigned long long)c.accepted, total, in_order, children_whole);
    for (int t = 0; t < FORK_THREADS; t++)
        printf(" %ld", forking_counts[t]);
    printf("\n");
    return 0;
}

/* crash <path> <count> <abort|segv|trap|stuck>: installs a SIGABRT handler of its own, then
 * Sluice's crash handler (500 ms), logs count records through the writer thread and
 * crashes at once: abort(), a write through NULL, a breakpoint trap (SIGTRAP), or abort() with its sink a pipe that
 * is full and never read (path is ignored then). */
static void previous_abort_handler(int sig)
{
    static const char said[] = "the previous SIGABRT handler ran\n";
    (void)!write(STDERR_FILENO, said, sizeof said - 1);
    signal(sig, SIG_DFL); /* abort() raises again, and the process dies of it */
}

/* Makes stdout a pipe that is full and never read: the next write to it blocks for ever. */
static bool stdout_stuck(void)
{
    int ends[2];
    if (pipe(ends) != 0 || fcntl(ends[1], F_SETFL, O_NONBLOCK) != 0)
        return false;
    static char fill[4096];
    while (write(ends[1], fill, sizeof fill) > 0) {
    }
    fcntl(ends[1], F_SETFL, 0);
    return dup2(ends[1], STDOUT_FILENO) == STDOUT_FILENO;
}

static int crash(char **argv)
{
    const char *how = argv[2];
    signal(SIGABRT, previous_abort_handler);
    if (strcmp(how, "stuck") == 0 && !stdout_stuck())
        return 1;
    sluice_core *core = open_or_exit(strcmp(how, "stuck") == 0 ? "/dev/stdout" : argv[0], 0, SLUICE_OVERFLOW_DROP);
    if (sluice_install_crash_handler(500) != 0)
        return 1;
    log_records(core, sluice_module(core, "child"), "record", strtol(argv[1], NULL, 10));
    if (strcmp(how, "segv") == 0)
        *(volatile int *)NULL = 1;
    if (strcmp(how, "trap") == 0) {
#if defined(__x86_64__) || defined(__i386__)
        __asm__ volatile("int3"); /* SIGTRAP, as a Swift trap's brk on arm64 */
#else
        __builtin_trap(); /* brk: SIGTRAP */
#endif
    }
    abort();
}

/* stuck-close <count> <close|exit|kill>: the sink is a pipe nobody reads; a recoverable
 * core closes with a timeout of 300 ms (close: sluice_close, then the counters on stderr,
 * then sluice_free; exit: returning from main, the exit drain; kill: sluice_close, then
 * SIGKILL, as a process killed after its close gave up). */
static int stuck_close(char **argv)
{
    if (!stdout_stuck())
        return 1;
    sluice_options options;
    sluice_options_init(&options);
    options.path = "/dev/stdout";
    options.close_timeout_ms = 300;
    options.recoverable = 1;
    char error[256];
    sluice_core *core = sluice_open(&options, error, sizeof error);
    if (core == NULL)
        return 1;
    log_records(core, sluice_module(core, "child"), "record", strtol(argv[0], NULL, 10));
    if (strcmp(argv[1], "exit") != 0) {
        sluice_close(core);
        print_counters(core, stderr);
        if (strcmp(argv[1], "kill") == 0)
            raise(SIGKILL);
        sluice_free(core);
    }
    return 0;
}

/* formatter-logs <count>: a double formatter that logs into the same core, which is small and
 * blocks when full, while the main thread logs count doubles; the counters on stdout. An
 * alarm turns a deadlock into death by SIGALRM. */
static sluice_core *formatting_core;
static int formatting_module;

static size_t formatter_that_logs(double value, char *out, size_t capacity)
{
    sluice_log(formatting_core, SLUICE_INFO, formatting_module, "from the formatter", 18);
    return (size_t)snprintf(out, capacity, "%.3f", value);
}

static int formatter_logs(char **argv)
{
    alarm(20);
    sluice_options options;
    sluice_options_init(&options);
    options.path = "/dev/null";
    options.ring_bytes = 4096;
    options.overflow = SLUICE_OVERFLOW_BLOCK;
    char error[256];
    formatting_core = sluice_open(&options, error, sizeof error);
    if (formatting_core == NULL)
        return 1;
    formatting_module = sluice_module(formatting_core, "formatter");
    sluice_set_float_formatters(formatter_that_logs, NULL);
    long count = strtol(argv[0], NULL, 10);
    for (long i = 0; i < count; i++) {
        unsigned char segment[9] = {SLUICE_SEGMENT_DOUBLE};
        double value = 3.14159265358979 + (double)i; /* not a short decimal: the formatter renders it */
        memcpy(segment + 1, &value, sizeof value);
        sluice_log_segments(formatting_core, SLUICE_INFO, formatting_module, segment, sizeof segment);
    }
    sluice_close(formatting_core);
    print_counters(formatting_core, stdout);
    return 0;
}

static const struct {
    const char *name;
    int arguments;
    int (*run)(char **argv);
} scenarios[] = {
    {"exit-drain", 2, exit_drain},
    {"sync-sigpipe", 1, sync_sigpipe},
    {"pipe-gone", 1, pipe_gone},
    {"crash", 3, crash},
    {"stuck-close", 2, stuck_close},
    {"formatter-logs", 1, formatter_logs},
    {"exit-free", 2, exit_free},
    {"signal-count", 2, signal_count},
    {"fork", 3, fork_children},
    {"clock-check", 0, clock_check},
    {"civil-check", 0, civil_check},
    {"killed", 5, killed},
    {"flight-signal", 1, flight_signal},
    {"crash-reserved", 3, crash_reserved},
    {"crash-twice", 2, crash_twice},
    {"fork-crash", 1, fork_crash},
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
