/*
 * core_bench — the C core alone, through its public API.
 *
 *   throughput: N producers log 64-byte messages to a file under /tmp with
 *               the block policy; records/s from the first call until
 *               sluice_flush returns.
 *   ceiling:    the same bytes written by plain write() calls of 256 KiB
 *               (no logger at all): what the file system allows, in lines/s,
 *               measured between the logger's runs.
 *   latency:    one producer logs bursts of 100 calls with a pause of at least
 *               20 µs between bursts (so the writer keeps up); each call is
 *               timed with a CLOCK_MONOTONIC pair; p50/p99/p99.9/max, and the
 *               median cost of an empty clock pair, which every sample includes.
 *   steps:      ns per call of a loop of each step of a log call alone (rdtsc,
 *               an uncontended CAS, an exchange, a release store), then of
 *               sluice_log_segments with the message the Swift facade builds
 *               for W1, of the same message by format id (its text registered
 *               once with sluice_format, its values alone in the record), and of
 *               sluice_log with 64 bytes of text, each into a 64 MiB ring that
 *               never fills, its writer draining to /dev/null.
 *
 * Usage: core_bench [--records N] [--bursts N] [--reps N] [--path FILE]
 * (--path /dev/null measures the core without the file system's cost.)
 */
#include <pthread.h>
#include <sluice.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "bench_common.h"

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* 64 bytes; the id digits change per call. */
static const char message_template[] = "request id=0000000000 op=GET status=200 latency_us=1234.5 ok....";
_Static_assert(sizeof message_template - 1 == 64, "the message is 64 bytes");

static void put_id(char *message, uint64_t id)
{
    for (int i = 20; i >= 11; i--, id /= 10)
        message[i] = (char)('0' + id % 10);
}

/* Removes a regular file left by an earlier run; leaves devices alone. */
static void remove_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        unlink(path);
}

static sluice_core *open_core(const char *path, int overflow)
{
    remove_file(path);
    sluice_options options;
    sluice_options_init(&options);
    options.path = path;
    options.overflow = overflow;
    char error[256];
    sluice_core *core = sluice_open(&options, error, sizeof error);
    if (core == NULL) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    return core;
}

struct producer {
    sluice_core *core;
    int module;
    uint64_t records;
    pthread_barrier_t *start;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    char message[65];
    memcpy(message, message_template, sizeof message);
    pthread_barrier_wait(p->start);
    for (uint64_t i = 0; i < p->records; i++) {
        put_id(message, i);
        sluice_log(p->core, SLUICE_INFO, p->module, message, 64);
    }
    return NULL;
}

/* Records/s for threads producers logging records in all; *bytes gets what was written. */
static double throughput(const char *path, int threads, uint64_t records, uint64_t *dropped, uint64_t *bytes)
{
    sluice_core *core = open_core(path, SLUICE_OVERFLOW_BLOCK);
    int module = sluice_module(core, "bench");
    sluice_flush(core, -1); /* the writer is up and calibrated before the clock starts */
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    pthread_t tids[64];
    struct producer producers[64];
    for (int t = 0; t < threads; t++) {
        producers[t] = (struct producer){core, module, records / (uint64_t)threads, &start};
        pthread_create(&tids[t], NULL, produce, &producers[t]);
    }
    pthread_barrier_wait(&start);
    uint64_t begin = now_ns();
    for (int t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);
    sluice_flush(core, -1);
    uint64_t elapsed = now_ns() - begin;
    sluice_counters counters;
    sluice_counters_read(core, &counters);
    *dropped = counters.dropped;
    *bytes = counters.bytes_written;
    sluice_free(core);
    pthread_barrier_destroy(&start);
    remove_file(path);
    return (double)counters.written / ((double)elapsed / 1e9);
}

/* Lines/s that plain write() calls reach for lines lines of line_length bytes. */
static double ceiling(const char *path, uint64_t lines, size_t line_length)
{
    enum { CHUNK = 256 << 10 };
    remove_file(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    char *chunk = malloc(CHUNK);
    for (size_t i = 0; i < CHUNK; i++)
        chunk[i] = (i + 1) % line_length == 0 ? '\n' : 'x';
    uint64_t total = lines * line_length, begin = now_ns();
    for (uint64_t done = 0; done < total;) {
        size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        ssize_t w = write(fd, chunk, n);
        if (w <= 0) {
            perror(path);
            exit(1);
        }
        done += (uint64_t)w;
    }
    uint64_t elapsed = now_ns() - begin;
    close(fd);
    free(chunk);
    remove_file(path);
    return (double)lines / ((double)elapsed / 1e9);
}

struct latency {
    uint64_t p50, p99, p999, max, clock_pair;
};

static struct latency latency(const char *path, int bursts)
{
    enum { BURST = 100, PAUSE_NS = 20000 };
    sluice_core *core = open_core(path, SLUICE_OVERFLOW_DROP);
    int module = sluice_module(core, "bench");
    sluice_flush(core, -1);
    size_t n = (size_t)bursts * BURST;
    uint64_t *samples = malloc(n * sizeof *samples);
    memset(samples, 0, n * sizeof *samples); /* touched before timing */
    char message[65];
    memcpy(message, message_template, sizeof message);
    struct timespec a, b;
    for (size_t i = 0; i < n; i++) { /* the cost of the clock pair alone */
        clock_gettime(CLOCK_MONOTONIC, &a);
        clock_gettime(CLOCK_MONOTONIC, &b);
        samples[i] = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec));
    }
    qsort(samples, n, sizeof *samples, compare_u64);
    struct latency result = {.clock_pair = samples[n / 2]};
    size_t k = 0;
    for (int burst = 0; burst < bursts; burst++) {
        for (int j = 0; j < BURST; j++, k++) {
            put_id(message, k);
            clock_gettime(CLOCK_MONOTONIC, &a);
            sluice_log(core, SLUICE_INFO, module, message, 64);
            clock_gettime(CLOCK_MONOTONIC, &b);
            samples[k] = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec));
        }
        uint64_t until = now_ns() + PAUSE_NS;
        while (now_ns() < until)
            ;
    }
    sluice_counters counters;
    sluice_flush(core, -1);
    sluice_counters_read(core, &counters);
    if (counters.dropped != 0)
        fprintf(stderr, "core_bench: latency run dropped %llu records\n", (unsigned long long)counters.dropped);
    sluice_free(core);
    remove_file(path);
    qsort(samples, n, sizeof *samples, compare_u64);
    result.p50 = samples[n / 2];
    result.p99 = samples[n * 99 / 100];
    result.p999 = samples[n * 999 / 1000];
    result.max = samples[n - 1];
    free(samples);
    return result;
}

enum { STEP_CALLS = 400000 };

/* ns per iteration of body over STEP_CALLS iterations. */
#define TIME_STEP(body)                                                                      \
    __extension__({                                                                          \
        uint64_t begin_ = now_ns();                                                          \
        for (uint64_t i_ = 0; i_ < STEP_CALLS; i_++) {                                       \
            body;                                                                            \
        }                                                                                    \
        (double)(now_ns() - begin_) / STEP_CALLS;                                            \
    })

/* The segments SluiceMessage builds for "request id=\(i) op=\(op) latency_us=\(x)" (sluice.h,
 * "Deferred formatting"); returns their length. */
static size_t w1_segments(unsigned char *out)
{
    size_t n = 0;
    const char *texts[] = {"request id=", " op=GET latency_us="};
    for (int t = 0; t < 2; t++) {
        uint32_t length = (uint32_t)strlen(texts[t]);
        out[n++] = SLUICE_SEGMENT_TEXT;
        memcpy(out + n, &length, 4);
        memcpy(out + n + 4, texts[t], length);
        n += 4 + length;
        out[n++] = t == 0 ? SLUICE_SEGMENT_INT : SLUICE_SEGMENT_DOUBLE;
        if (t == 0) {
            int64_t id = 1234567;
            memcpy(out + n, &id, 8);
        } else {
            double latency = 1234.125;
            memcpy(out + n, &latency, 8);
        }
        n += 8;
    }
    return n;
}

/* The W1 message by format id: its text registered once, its values alone; returns their length. */
static size_t w1_formatted(unsigned char *out)
{
    static uint32_t id;
    if (id == 0) {
        const char *pieces[] = {"request id=", " op=GET latency_us=", ""};
        size_t lengths[] = {11, 19, 0};
        id = sluice_format(pieces, lengths, 3);
    }
    int64_t request = 1234567;
    double latency = 1234.125;
    out[0] = SLUICE_SEGMENT_FORMAT;
    memcpy(out + 1, &id, 4);
    out[5] = SLUICE_SEGMENT_INT;
    memcpy(out + 6, &request, 8);
    out[14] = SLUICE_SEGMENT_DOUBLE;
    memcpy(out + 15, &latency, 8);
    return 23;
}

struct steps {
    double rdtsc, cas, exchange, release, log_segments, log_formatted, log_text;
    size_t segments_bytes, formatted_bytes;
};

static struct steps steps(void)
{
    struct steps s = {0};
    volatile uint64_t sink = 0;
    uint64_t word = 0;
#if defined(__x86_64__)
    s.rdtsc = TIME_STEP(sink = __rdtsc());
#endif
    s.cas = TIME_STEP({
        uint64_t expected = i_;
        __atomic_compare_exchange_n(&word, &expected, i_ + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    });
    s.exchange = TIME_STEP(sink = __atomic_exchange_n(&word, i_, __ATOMIC_SEQ_CST));
    s.release = TIME_STEP(__atomic_store_n(&word, i_, __ATOMIC_RELEASE));
    (void)sink;

    sluice_options options;
    sluice_options_init(&options);
    options.path = "/dev/null";
    options.ring_bytes = 64u << 20; /* 400,000 records of either kind fit: no call waits for the writer */
    char error[256];
    unsigned char segments[64], formatted[32];
    size_t length = w1_segments(segments), formatted_length = w1_formatted(formatted);
    s.segments_bytes = length;
    s.formatted_bytes = formatted_length;
    char message[65];
    memcpy(message, message_template, sizeof message);
    sluice_core *core = sluice_open(&options, error, sizeof error);
    if (core == NULL) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    int module = sluice_module(core, "steps");
    s.log_segments = TIME_STEP(sluice_log_segments(core, SLUICE_INFO, module, segments, length));
    sluice_flush(core, -1);
    s.log_formatted = TIME_STEP(sluice_log_segments(core, SLUICE_INFO, module, formatted, formatted_length));
    sluice_flush(core, -1);
    s.log_text = TIME_STEP(sluice_log(core, SLUICE_INFO, module, message, 64));
    sluice_close(core);
    sluice_free(core);
    return s;
}

int main(int argc, char **argv)
{
    uint64_t records = 10000000;
    int bursts = 20000, reps = 5;
    char path[4096];
    snprintf(path, sizeof path, "/tmp/sluice-core-bench-%d.log", (int)getpid());
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--records") == 0)
            records = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--bursts") == 0)
            bursts = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--path") == 0)
            snprintf(path, sizeof path, "%s", argv[i + 1]);
        else {
            fprintf(stderr, "core_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (reps < 1 || reps > 64 || bursts < 1 || records < 4) {
        fprintf(stderr, "core_bench: --reps must be 1..64, --bursts and --records positive\n");
        return 2;
    }
    printf("core_bench: %llu records of 64 bytes, block policy, to %s; %d rounds after a warm-up, medians [min-max]\n",
           (unsigned long long)records, path, reps);
    /* Rounds interleave the runs (1 producer, 4 producers, plain writes) so all
     * see the same machine; round 0 warms the page cache up and is not counted:
     * on a VM the first gigabyte a process writes can cost twice the next. */
    double one[64], four[64], plain[64];
    uint64_t dropped_total = 0;
    for (int r = 0; r <= reps; r++) {
        uint64_t dropped, bytes;
        double rate1 = throughput(path, 1, records, &dropped, &bytes);
        dropped_total += dropped;
        double rate4 = throughput(path, 4, records, &dropped, &bytes);
        dropped_total += dropped;
        double ceiling_rate = ceiling(path, records, (size_t)(bytes / records));
        if (r > 0) {
            one[r - 1] = rate1;
            four[r - 1] = rate4;
            plain[r - 1] = ceiling_rate;
        }
    }
    struct { const char *name; double *rates; } rows[] = {
        {"throughput, 1 producer ", one},
        {"throughput, 4 producers", four},
        {"plain write() ceiling  ", plain},
    };
    for (int i = 0; i < 3; i++) {
        double lo = 1e300, hi = 0;
        for (int r = 0; r < reps; r++) {
            lo = rows[i].rates[r] < lo ? rows[i].rates[r] : lo;
            hi = rows[i].rates[r] > hi ? rows[i].rates[r] : hi;
        }
        printf("%s: %6.2f M lines/s [%.2f-%.2f]\n", rows[i].name, median(rows[i].rates, reps) / 1e6, lo / 1e6,
               hi / 1e6);
    }
    printf("dropped in all throughput runs: %llu\n", (unsigned long long)dropped_total);
    double p50[64], p99[64], p999[64], mx[64], pair[64];
    for (int r = 0; r < reps; r++) {
        struct latency l = latency(path, bursts);
        p50[r] = (double)l.p50;
        p99[r] = (double)l.p99;
        p999[r] = (double)l.p999;
        mx[r] = (double)l.max;
        pair[r] = (double)l.clock_pair;
    }
    printf("latency (%d bursts of 100, clock pair included): p50 %.0f ns, p99 %.0f ns, p99.9 %.0f ns, max %.0f ns; "
           "clock pair alone %.0f ns\n",
           bursts, median(p50, reps), median(p99, reps), median(p999, reps), median(mx, reps), median(pair, reps));
    double tsc[64], cas[64], xchg[64], rel[64], segs[64], formatted[64], text[64];
    size_t segments_bytes = 0, formatted_bytes = 0;
    for (int r = 0; r < reps; r++) {
        struct steps st = steps();
        tsc[r] = st.rdtsc, cas[r] = st.cas, xchg[r] = st.exchange, rel[r] = st.release;
        segs[r] = st.log_segments, formatted[r] = st.log_formatted, text[r] = st.log_text;
        segments_bytes = st.segments_bytes, formatted_bytes = st.formatted_bytes;
    }
    printf("steps (%d calls each, ns per call): rdtsc %.1f, CAS %.1f, exchange %.1f, release store %.1f; "
           "sluice_log_segments of the W1 message %.1f (%zu bytes), by format id %.1f (%zu bytes), "
           "sluice_log of 64 bytes %.1f\n",
           STEP_CALLS, median(tsc, reps), median(cas, reps), median(xchg, reps), median(rel, reps),
           median(segs, reps), segments_bytes, median(formatted, reps), formatted_bytes, median(text, reps));
    return 0;
}
