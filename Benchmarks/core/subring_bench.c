/*
 * subring_bench — a model of docs/SCALING.md's per-thread and per-CPU rings
 * against the one shared ring Sluice has, measuring only what changes: the
 * transport.
 *
 * All three carry the same records (an rdtsc timestamp taken before the
 * claim, the producer's number and sequence, 72 bytes of message: 96 bytes,
 * about a W1 record) in 128-byte slots of 4 MiB rings, published by a commit
 * word stored with release, and one consumer copies every record into a
 * 256 KiB batch (no rendering, no write) and, once caught up, naps 100 µs
 * for a batch to gather as Sluice's writer does, so the difference between
 * the rows is the transport alone:
 *
 *   shared      one ring for every producer, as ring.h claims room: a CAS on
 *               the shared head; the consumer takes records in slot order.
 *   per-thread  a ring of its own per producer: its head is a word only it
 *               writes; the consumer merges the rings, taking the committed
 *               record with the oldest timestamp among the rings' next ones
 *               (a binary heap; a ring with nothing committed is looked at
 *               again every 64 records).
 *   per-cpu     a ring per CPU, claimed as the shared one is (a CAS on its
 *               head) by whichever producer runs on that CPU (sched_getcpu);
 *               merged as the per-thread rings are, with one more rule. A
 *               ring can hold committed records behind a reservation whose
 *               producer was preempted before its commit; the thread that
 *               wrote one of them may since have moved to another CPU and
 *               written its next record there. So while a ring is blocked
 *               that way, the consumer takes from the others only records
 *               older than every committed record behind the block
 *               (docs/SCALING.md). --merge naive leaves that rule out, to
 *               show what it is for.
 *
 * Per transport and producer count: records/s from the start until the
 * consumer has taken the last record, and the call's p50/p99 (an rdtsc pair
 * around each call, the pair's own cost included, as in every Sluice
 * latency); then the consumer alone ("drain"): rings filled beforehand by
 * each producer in turn, taken at ns per record, which is what the merge
 * costs the writer. Every run checks that each record arrives once and each
 * producer's records in its order, and exits 1 if not. A producer that finds
 * its ring full yields its core, where Sluice's producers sleep on a futex:
 * under the block policy both give the core to the consumer. --migrate N
 * moves each producer to another CPU every N records (sched_setaffinity), in
 * every transport, so that the per-cpu rings see threads change rings.
 *
 * Usage: subring_bench [--records N] [--threads 1,2,4] [--reps N] [--migrate N] [--merge careful|naive]
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "atomics.h"
#include "bench_common.h"

enum {
    SLOT = 128,                    /* a record's room: two cache lines */
    RING_SLOTS = (4 << 20) / SLOT, /* 4 MiB per ring, as Sluice's default */
    MESSAGE = 72,
    BATCH = 256 << 10,             /* the consumer's batch, as a writer's */
    RELEASE_EVERY = 256,           /* slots the consumer takes between releases */
    GATHER_NS = 100000,            /* the consumer's nap once caught up, as the writer's */
    MAX_THREADS = 64,
    BUCKETS = 4096                 /* latency histogram: one bucket per tick below it */
};

struct record {
    uint64_t commit; /* slot number + 1 once the record is in; store_release by its producer,
                        load_acquire by the consumer */
    uint64_t ticks;
    uint32_t producer;
    uint32_t sequence;
    char message[MESSAGE];
};
_Static_assert(sizeof(struct record) == 96, "a record is 96 bytes");

struct ring {
    _Alignas(64) uint64_t head; /* next slot to claim: cas by producers (shared), or written by
                                   its one producer (per-thread) */
    _Alignas(64) uint64_t tail; /* first slot the consumer has not released: store_release by the
                                   consumer after it has read the slots before it, load_acquire
                                   by producers */
    _Alignas(64) char *slots;
};

enum transport { SHARED, PER_THREAD, PER_CPU, TRANSPORTS };
static const char *const transport_names[TRANSPORTS] = {"shared", "per-thread", "per-cpu"};

/* The options every run shares. */
static int cpus;             /* online, at most MAX_THREADS: the per-cpu rings */
static uint32_t migrate_every; /* records between a producer's moves to another CPU; 0: never */
static bool naive_merge;     /* per-cpu: merge without the blocked-ring rule */

struct run {
    enum transport transport;
    int threads;
    int rings;
    uint64_t per_producer;
    struct ring rings_of[MAX_THREADS]; /* shared: the first alone */
    pthread_barrier_t start;
    uint64_t histogram[MAX_THREADS][BUCKETS + 1];
    bool failed;
};

struct producer {
    struct run *run;
    int id;
};

static struct record *slot_of(struct ring *ring, uint64_t slot)
{
    return (struct record *)(ring->slots + (slot % RING_SLOTS) * SLOT);
}

/* Waits (yielding) until slot fits in the ring, whose tail the consumer moves. Signed: a
 * shared head read before the consumer passed it is behind the tail; its cas then fails. */
static void wait_for_room(struct ring *ring, uint64_t slot)
{
    while ((int64_t)(slot - load_acquire(&ring->tail)) >= RING_SLOTS)
        sched_yield();
}

/* One log call: claim a slot, fill it, commit it. The timestamp is taken before the claim:
 * a record's claim then comes after its time, so every record a ring holds ahead of a thread's
 * record is older than that thread's next record, wherever that one lands (docs/SCALING.md). */
static void log_one(struct run *run, int id, uint32_t sequence, const char *message)
{
    uint64_t ticks = __rdtsc();
    struct ring *ring;
    uint64_t slot;
    if (run->transport == PER_THREAD) {
        ring = &run->rings_of[id];
        slot = load_relaxed(&ring->head); /* only this thread writes it */
        /* No cas to fence with: on x86 (this program is, for rdtsc) a store never
         * passes an earlier load, so the record's stores stay after the tail's. */
        wait_for_room(ring, slot);
        store_relaxed(&ring->head, slot + 1);
    } else {
        ring = &run->rings_of[run->transport == PER_CPU ? sched_getcpu() % run->rings : 0];
        slot = load_relaxed(&ring->head);
        for (;;) {
            wait_for_room(ring, slot);
            uint64_t found = cas(&ring->head, slot, slot + 1);
            if (found == slot)
                break;
            slot = found;
        }
    }
    struct record *record = slot_of(ring, slot);
    record->ticks = ticks;
    record->producer = (uint32_t)id;
    record->sequence = sequence;
    memcpy(record->message, message, MESSAGE);
    store_release(&record->commit, slot + 1);
}

/* Runs the calling thread on cpu alone from now on. */
static void move_to_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static void *produce(void *arg)
{
    struct producer *p = arg;
    struct run *run = p->run;
    char message[MESSAGE];
    memset(message, 'x', sizeof message);
    uint64_t *histogram = run->histogram[p->id];
    pthread_barrier_wait(&run->start);
    for (uint32_t i = 0; i < run->per_producer; i++) {
        if (migrate_every != 0 && i % migrate_every == 0)
            move_to_cpu((p->id + (int)(i / migrate_every)) % cpus);
        memcpy(message, &i, sizeof i);
        uint64_t before = __rdtsc();
        log_one(run, p->id, i, message);
        uint64_t ticks = __rdtsc() - before;
        histogram[ticks < BUCKETS ? ticks : BUCKETS]++;
    }
    return NULL;
}

/* The consumer's next record of ring, or NULL when its producer has not committed it yet. */
static struct record *committed(struct ring *ring, uint64_t slot)
{
    struct record *record = slot_of(ring, slot);
    return load_acquire(&record->commit) == slot + 1 ? record : NULL;
}

/* The rings with a committed next record, as a binary min-heap on that record's timestamp; the
 * others wait and are looked at again every POLL_EVERY records, or when the heap runs dry. With
 * one ring (shared) this is reading it in slot order. */
struct merge {
    int heap[MAX_THREADS];
    int size;
    uint64_t key[MAX_THREADS]; /* per ring: the ticks of its next record, while in the heap */
    bool waiting[MAX_THREADS];
};

static void sift_down(struct merge *m, int i)
{
    for (;;) {
        int least = i, left = 2 * i + 1, right = left + 1;
        if (left < m->size && m->key[m->heap[left]] < m->key[m->heap[least]])
            least = left;
        if (right < m->size && m->key[m->heap[right]] < m->key[m->heap[least]])
            least = right;
        if (least == i)
            return;
        int t = m->heap[i];
        m->heap[i] = m->heap[least];
        m->heap[least] = t;
        i = least;
    }
}

static void push(struct merge *m, int ring, uint64_t key)
{
    int i = m->size++;
    m->key[ring] = key;
    m->heap[i] = ring;
    while (i > 0 && m->key[m->heap[(i - 1) / 2]] > key) {
        m->heap[i] = m->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    m->heap[i] = ring;
}

/* Moves the waiting rings whose next record is now committed into the heap. */
static void poll_waiting(struct run *run, struct merge *m, const uint64_t *next, int rings)
{
    for (int r = 0; r < rings; r++) {
        struct record *record = m->waiting[r] ? committed(&run->rings_of[r], next[r]) : NULL;
        if (record != NULL) {
            m->waiting[r] = false;
            push(m, r, record->ticks);
        }
    }
}

/* Per-cpu rings: the oldest timestamp among the records committed behind a reservation that
 * is not, over every ring blocked that way (UINT64_MAX: none is). A record of another ring at
 * or past it may belong to a thread whose earlier record waits behind the block. */
static uint64_t blocked_bound(struct run *run, const struct merge *m, const uint64_t *next)
{
    uint64_t bound = UINT64_MAX;
    for (int r = 0; r < run->rings; r++) {
        if (!m->waiting[r])
            continue;
        uint64_t head = load_acquire(&run->rings_of[r].head);
        for (uint64_t slot = next[r] + 1; slot < head; slot++) {
            struct record *record = committed(&run->rings_of[r], slot);
            if (record != NULL && record->ticks < bound)
                bound = record->ticks;
        }
    }
    return bound;
}

/* Takes every record of the run, merged by timestamp across the rings (one ring: in slot
 * order), copying each into a batch and checking each producer's sequence. */
static void consume(struct run *run)
{
    enum { POLL_EVERY = 64 };
    static char batch[BATCH];
    size_t used = 0;
    uint32_t expected[MAX_THREADS] = {0};
    uint64_t next[MAX_THREADS] = {0}, taken = 0, total = run->per_producer * (uint64_t)run->threads;
    int rings = run->rings;
    struct merge m = {.size = 0};
    for (int r = 0; r < rings; r++)
        m.waiting[r] = true;
    while (taken < total) {
        if (m.size == 0 || taken % POLL_EVERY == 0)
            poll_waiting(run, &m, next, rings);
        if (m.size == 0) { /* caught up: let a batch gather, as Sluice's writer does */
            for (int r = 0; r < rings; r++)
                store_release(&run->rings_of[r].tail, next[r]);
            nanosleep(&(struct timespec){.tv_nsec = GATHER_NS}, NULL);
            continue;
        }
        int from = m.heap[0];
        if (run->transport == PER_CPU && !naive_merge && m.key[from] >= blocked_bound(run, &m, next)) {
            sched_yield(); /* a producer preempted inside its call must finish it first */
            poll_waiting(run, &m, next, rings);
            continue;
        }
        struct record *record = slot_of(&run->rings_of[from], next[from]);
        if (record->producer >= (uint32_t)run->threads || record->sequence != expected[record->producer]++)
            run->failed = true;
        if (used + sizeof *record > BATCH)
            used = 0;
        memcpy(batch + used, record, sizeof *record);
        used += sizeof *record;
        taken++;
        if (++next[from] % RELEASE_EVERY == 0)
            store_release(&run->rings_of[from].tail, next[from]);
        struct record *after = committed(&run->rings_of[from], next[from]);
        if (after != NULL) {
            m.key[from] = after->ticks;
        } else {
            m.waiting[from] = true;
            m.heap[0] = m.heap[--m.size];
        }
        sift_down(&m, 0);
    }
    for (int t = 0; t < run->threads; t++)
        if (expected[t] != run->per_producer)
            run->failed = true;
}

struct result {
    double records_per_s, p50_ns, p99_ns;
};

/* The tick at quantile q of every producer's calls together. */
static uint64_t quantile(struct run *run, double q)
{
    uint64_t total = run->per_producer * (uint64_t)run->threads, seen = 0;
    for (uint64_t b = 0; b <= BUCKETS; b++) {
        for (int t = 0; t < run->threads; t++)
            seen += run->histogram[t][b];
        if ((double)seen >= q * (double)total)
            return b;
    }
    return BUCKETS;
}

static struct run *make_run(enum transport transport, int threads, uint64_t per_producer)
{
    struct run *run = calloc(1, sizeof *run);
    if (run == NULL) {
        fprintf(stderr, "subring_bench: out of memory\n");
        exit(2);
    }
    run->transport = transport;
    run->threads = threads;
    run->rings = transport == PER_THREAD ? threads : transport == PER_CPU ? cpus : 1;
    run->per_producer = per_producer;
    for (int r = 0; r < run->rings; r++) {
        run->rings_of[r].slots = aligned_alloc(4096, (size_t)RING_SLOTS * SLOT);
        if (run->rings_of[r].slots == NULL) {
            fprintf(stderr, "subring_bench: out of memory for %d rings\n", threads);
            exit(2);
        }
        memset(run->rings_of[r].slots, 0, (size_t)RING_SLOTS * SLOT); /* fault the pages in first */
    }
    return run;
}

static void check_and_free(struct run *run, const char *what)
{
    if (run->failed) {
        fprintf(stderr,
                "subring_bench: %s, %s, %d producers: a record was lost, repeated or out of its producer's order\n",
                what, transport_names[run->transport], run->threads);
        exit(1);
    }
    for (int r = 0; r < run->rings; r++)
        free(run->rings_of[r].slots);
    free(run);
}

/* Producers and the consumer together: records/s and the calls' latency. */
static struct result measure(enum transport transport, int threads, uint64_t records, double ns_per_tick)
{
    struct run *run = make_run(transport, threads, records / (uint64_t)threads);
    pthread_barrier_init(&run->start, NULL, (unsigned)threads + 1);
    pthread_t tids[MAX_THREADS];
    struct producer producers[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        producers[t] = (struct producer){run, t};
        pthread_create(&tids[t], NULL, produce, &producers[t]);
    }
    pthread_barrier_wait(&run->start);
    uint64_t begin = now_ns();
    consume(run);
    uint64_t elapsed = now_ns() - begin;
    for (int t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&run->start);
    uint64_t total = run->per_producer * (uint64_t)threads;
    struct result result = {
        .records_per_s = (double)total / ((double)elapsed / 1e9),
        .p50_ns = (double)quantile(run, 0.50) * ns_per_tick,
        .p99_ns = (double)quantile(run, 0.99) * ns_per_tick,
    };
    check_and_free(run, "live");
    return result;
}

/* The consumer alone, ns per record: rings filled beforehand, a ring's worth in all, by each
 * producer in turn (so that a merge moves from ring to ring), then taken; DRAINS times. */
static double drain_ns(enum transport transport, int threads)
{
    enum { DRAINS = 20 };
    uint64_t elapsed = 0, taken = 0;
    char message[MESSAGE];
    memset(message, 'x', sizeof message);
    for (int d = 0; d < DRAINS; d++) {
        struct run *run = make_run(transport, threads, RING_SLOTS / (uint64_t)threads);
        for (uint32_t i = 0; i < run->per_producer; i++)
            for (int t = 0; t < threads; t++)
                log_one(run, t, i, message);
        uint64_t begin = now_ns();
        consume(run);
        elapsed += now_ns() - begin;
        taken += run->per_producer * (uint64_t)threads;
        check_and_free(run, "drain");
    }
    return (double)elapsed / (double)taken;
}

/* ns per rdtsc tick, against CLOCK_MONOTONIC over 100 ms. */
static double calibrate(void)
{
    uint64_t ns0 = now_ns(), t0 = __rdtsc();
    while (now_ns() - ns0 < 100000000u) {
    }
    return (double)(now_ns() - ns0) / (double)(__rdtsc() - t0);
}

int main(int argc, char **argv)
{
    uint64_t records = 4000000;
    int reps = 3, thread_counts[16] = {1, 2, 4}, counts = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--records") == 0) {
            records = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--reps") == 0) {
            reps = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--migrate") == 0) {
            migrate_every = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--merge") == 0 && strcmp(argv[i + 1], "naive") == 0) {
            naive_merge = true;
        } else if (strcmp(argv[i], "--merge") == 0 && strcmp(argv[i + 1], "careful") == 0) {
            naive_merge = false;
        } else if (strcmp(argv[i], "--threads") == 0) {
            counts = 0;
            for (char *p = argv[i + 1]; *p != '\0' && counts < 16; p += *p == ',') {
                char *end;
                thread_counts[counts++] = (int)strtol(p, &end, 10);
                p = end;
            }
        } else {
            fprintf(stderr, "subring_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    for (int c = 0; c < counts; c++)
        if (thread_counts[c] < 1 || thread_counts[c] > MAX_THREADS) {
            fprintf(stderr, "subring_bench: --threads takes counts from 1 to %d, got %d\n", MAX_THREADS,
                    thread_counts[c]);
            return 2;
        }
    if (reps < 1 || reps > 64 || records < (uint64_t)MAX_THREADS || records > UINT32_MAX) {
        fprintf(stderr, "subring_bench: --reps must be 1..64, --records from %d to %u\n", MAX_THREADS, UINT32_MAX);
        return 2;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpus = online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (int)online;
    double ns_per_tick = calibrate();
    uint64_t pair[BUCKETS + 1] = {0};
    for (int i = 0; i < 1000000; i++) {
        uint64_t before = __rdtsc(), ticks = __rdtsc() - before;
        pair[ticks < BUCKETS ? ticks : BUCKETS]++;
    }
    uint64_t seen = 0, pair_ticks = 0;
    while ((seen += pair[pair_ticks]) < 500000)
        pair_ticks++;
    printf("subring_bench: %llu records of %zu bytes in %d-byte slots, 4 MiB a ring, %d rounds interleaved, "
           "medians; rdtsc pair alone %.1f ns (in every call figure); %d per-cpu rings, %s merge; "
           "producers move every %u records (0: never)\n",
           (unsigned long long)records, sizeof(struct record), SLOT, reps, (double)pair_ticks * ns_per_tick, cpus,
           naive_merge ? "naive" : "careful", migrate_every);
    printf("%-10s %-11s %12s %10s %10s %14s\n", "producers", "transport", "records/s", "call p50", "call p99",
           "drain ns/rec");
    for (int c = 0; c < counts; c++) {
        double rate[TRANSPORTS][64], p50[TRANSPORTS][64], p99[TRANSPORTS][64], drain[TRANSPORTS][64];
        for (int r = 0; r < reps; r++)
            for (enum transport kind = 0; kind < TRANSPORTS; kind++) {
                struct result x = measure(kind, thread_counts[c], records, ns_per_tick);
                rate[kind][r] = x.records_per_s, p50[kind][r] = x.p50_ns, p99[kind][r] = x.p99_ns;
                drain[kind][r] = drain_ns(kind, thread_counts[c]);
            }
        for (enum transport kind = 0; kind < TRANSPORTS; kind++)
            printf("%-10d %-11s %10.2f M %7.0f ns %7.0f ns %11.1f ns\n", thread_counts[c], transport_names[kind],
                   median(rate[kind], reps) / 1e6, median(p50[kind], reps), median(p99[kind], reps),
                   median(drain[kind], reps));
    }
    return 0;
}
