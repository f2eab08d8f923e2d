/*
 * soak — a long run of the core (make soak; not part of make test): threads log
 * records of random sizes into a small rotating file under the drop policy, then
 * the block policy, with periodic flushes, reopen requests and reads of the
 * statistics mapping as `sluice stat` reads it (a snapshot of the file, from
 * outside the core's own view). Every second it prints the counts and the
 * resident memory. At the end each policy's accounting must be exact (written +
 * dropped = accepted, per module too) and resident memory after the warm-up
 * must not have grown by more than SOAK_RSS_SLACK_KB; the exit status says so.
 *
 * Usage: soak <directory> <records per policy> <threads>
 */
#include <pthread.h>
#include <sluice.h>
#include <sluice_stats.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { WARM_UP_SECONDS = 5, SOAK_RSS_SLACK_KB = 1024, FLUSH_EVERY = 1 << 20 };

struct run {
    sluice_core *core;
    int modules[64];
    long records_per_thread;
    atomic_long logged;
    atomic_int finished_threads;
};

static long resident_kb(void)
{
    long pages = 0, resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm != NULL) {
        if (fscanf(statm, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(statm);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

struct producer {
    struct run *run;
    int index;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    struct run *run = p->run;
    uint64_t state = 0x9e3779b97f4a7c15u * (uint64_t)(p->index + 1);
    static const char filler[1024] = {[0 ... 1022] = 'x'};
    for (long i = 0; i < run->records_per_thread; i++) {
        size_t size = next_random(&state) % 600; /* 0 to 599 bytes of message */
        char message[700];
        int head = snprintf(message, sizeof message, "t%d r%ld ", p->index, i);
        memcpy(message + head, filler, size);
        int level = (int)(next_random(&state) % 7);
        sluice_log(run->core, level, run->modules[p->index], message, (size_t)head + size);
        if (i % FLUSH_EVERY == FLUSH_EVERY - 1)
            sluice_flush(run->core, 5000);
        if (i % (4 * FLUSH_EVERY) == 0)
            sluice_reopen(run->core);
    }
    atomic_fetch_add(&run->logged, run->records_per_thread);
    atomic_fetch_add(&run->finished_threads, 1);
    return NULL;
}

/* One policy's run; 0 when its accounting and memory held. */
static int soak(const char *directory, int overflow, long records, int threads)
{
    char path[512];
    snprintf(path, sizeof path, "%s/soak-%s.log", directory, overflow == SLUICE_OVERFLOW_DROP ? "drop" : "block");
    sluice_options options;
    sluice_options_init(&options);
    options.path = path;
    options.overflow = overflow;
    options.ring_bytes = 1 << 20;
    options.file_max_bytes = 64 << 20; /* rotations, and a bounded disk */
    options.file_keep = 2;
    char error[256];
    struct run run = {.records_per_thread = records / threads};
    run.core = sluice_open(&options, error, sizeof error);
    if (run.core == NULL) {
        fprintf(stderr, "%s\n", error);
        return 1;
    }
    for (int t = 0; t < threads; t++) {
        char name[32];
        snprintf(name, sizeof name, "soak.%d", t);
        run.modules[t] = sluice_module(run.core, name);
    }
    pthread_t ids[64];
    struct producer producers[64];
    time_t started = time(NULL);
    for (int t = 0; t < threads; t++) {
        producers[t] = (struct producer){.run = &run, .index = t};
        pthread_create(&ids[t], NULL, produce, &producers[t]);
    }
    long warm_rss = 0, last_rss = 0, peak_rss = 0;
    const char *stats_path = sluice_stats_path(sluice_core_stats(run.core));
    while (atomic_load(&run.finished_threads) < threads) {
        sleep(1);
        long seconds = (long)(time(NULL) - started);
        sluice_stats_mapping *outside = stats_path != NULL ? sluice_stats_open(stats_path, 0, error, sizeof error) : NULL;
        sluice_counters c;
        if (outside != NULL) {
            sluice_stats_counters(outside, &c);
            sluice_stats_close(outside);
        } else {
            sluice_counters_read(run.core, &c);
        }
        last_rss = resident_kb();
        if (seconds == WARM_UP_SECONDS)
            warm_rss = last_rss;
        if (last_rss > peak_rss)
            peak_rss = last_rss;
        printf("%s %3lds accepted %llu written %llu dropped %llu rotations %llu reopens %llu rss %ld KiB\n",
               overflow == SLUICE_OVERFLOW_DROP ? "drop " : "block", seconds, (unsigned long long)c.accepted,
               (unsigned long long)c.written, (unsigned long long)c.dropped, (unsigned long long)c.rotations,
               (unsigned long long)c.reopens, last_rss);
        fflush(stdout);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(ids[t], NULL);
    sluice_close(run.core);
    sluice_counters c;
    sluice_counters_read(run.core, &c);
    int failures = 0;
    if (c.accepted != (uint64_t)atomic_load(&run.logged) || c.written + c.dropped != c.accepted) {
        printf("FAIL: logged %ld accepted %llu written %llu dropped %llu\n", atomic_load(&run.logged),
               (unsigned long long)c.accepted, (unsigned long long)c.written, (unsigned long long)c.dropped);
        failures++;
    }
    sluice_stats_mapping *own = sluice_core_stats(run.core);
    for (int m = 0; m < sluice_stats_module_count(own); m++) {
        sluice_module_counters mc;
        sluice_stats_module(own, m, &mc);
        if (mc.written + mc.dropped != mc.accepted) {
            printf("FAIL: module %s accepted %llu written %llu dropped %llu\n", mc.name, (unsigned long long)mc.accepted,
                   (unsigned long long)mc.written, (unsigned long long)mc.dropped);
            failures++;
        }
    }
    long growth = warm_rss > 0 ? last_rss - warm_rss : 0;
    printf("%s: %llu records accepted, %llu written, %llu dropped, %llu rotations, %ld s; resident %ld KiB after "
           "the warm-up, %ld KiB at the end (%+ld KiB), peak %ld KiB: %s\n",
           overflow == SLUICE_OVERFLOW_DROP ? "drop" : "block", (unsigned long long)c.accepted,
           (unsigned long long)c.written, (unsigned long long)c.dropped, (unsigned long long)c.rotations,
           (long)(time(NULL) - started), warm_rss, last_rss, growth, peak_rss,
           failures == 0 && growth <= SOAK_RSS_SLACK_KB ? "exact, flat" : "FAILED");
    sluice_free(run.core);
    return failures != 0 || growth > SOAK_RSS_SLACK_KB;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s <directory> <records per policy> <threads>\n", argv[0]);
        return 2;
    }
    long records = strtol(argv[2], NULL, 10);
    int threads = (int)strtol(argv[3], NULL, 10);
    if (records <= 0 || threads <= 0 || threads > 64) {
        fprintf(stderr, "soak: records must be positive and threads from 1 to 64\n");
        return 2;
    }
    int failed = soak(argv[1], SLUICE_OVERFLOW_DROP, records, threads);
    failed |= soak(argv[1], SLUICE_OVERFLOW_BLOCK, records, threads);
    return failed;
}
