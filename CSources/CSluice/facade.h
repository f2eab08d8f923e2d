/*
 * facade.h — the inline helpers the Swift facade calls on every log call:
 * per-thread counts, call timing, and words it keeps for modules past the
 * table. Private to the core and the facade: the Swift facade reaches it
 * through the CSluiceFacade target (CSources/CSluiceFacade), which no product
 * exports; C programs use sluice.h, sluice_stats.h and sluice_recover.h.
 */
#ifndef SLUICE_FACADE_H
#define SLUICE_FACADE_H

#include <sys/types.h>

#include "sluice.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Per-thread counts for the calls that never reach the ring. A thread counts
 * into a shard of the core's mapping that only it writes: no locked
 * instruction, no shared cache line, so a filtered call stays about a
 * nanosecond. These are the inline helpers the Swift facade calls.
 */
typedef struct sluice_shard_slot {
    uint64_t core_id;  /* the core this slot caches a shard of; 0: none */
    uint64_t *counts;  /* the shard's counts: per module accepted, filtered, sampled out, spare */
    uint64_t *calls;   /* the shard's log calls, for timing 1 call in N */
    int shared;        /* the shard past the last: counted with atomic adds */
    uint32_t thread;   /* this thread's id (platform_thread_id), which its records carry */
} sluice_shard_slot;
enum {
    SLUICE_SHARD_SLOTS = 8,
    SLUICE_COUNT_ACCEPTED = 0,
    SLUICE_COUNT_FILTERED = 1,
    SLUICE_COUNT_SAMPLED_OUT = 2,
    SLUICE_COUNT_KEYS_FORGOTTEN = 3
};
extern __thread sluice_shard_slot sluice_shard_slots[SLUICE_SHARD_SLOTS];
uint64_t sluice_core_id(const sluice_core *core);
/* The slow path of sluice_shard: claims this thread's shard of core and caches it. */
sluice_shard_slot *sluice_shard_attach(sluice_core *core);

static inline sluice_shard_slot *sluice_shard(sluice_core *core, uint64_t core_id)
{
    sluice_shard_slot *slot = &sluice_shard_slots[core_id % SLUICE_SHARD_SLOTS];
    return __builtin_expect(slot->core_id == core_id, 1) ? slot : sluice_shard_attach(core);
}

#if defined(__SANITIZE_THREAD__)
#define SLUICE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_UNDER_TSAN 1
#endif
#endif

/* Adds 1 to a count only this thread writes, in one instruction: no locked
 * instruction (other threads only read it), and a signal handler on this
 * thread that counts too cannot lose either count. */
static inline void sluice_count_own(uint64_t *word)
{
#if defined(__x86_64__) && !defined(SLUICE_UNDER_TSAN)
    __asm__ volatile("addq $1, %0" : "+m"(*word));
#else /* one instruction (LSE) or a retried exclusive pair elsewhere; visible to ThreadSanitizer */
    __atomic_fetch_add(word, 1, __ATOMIC_RELAXED);
#endif
}

static inline void sluice_shard_count(sluice_shard_slot *slot, int module, int which)
{
    uint64_t *word = &slot->counts[4 * module + which];
    if (__builtin_expect(slot->shared, 0))
        __atomic_fetch_add(word, 1, __ATOMIC_RELAXED);
    else
        sluice_count_own(word);
}

static inline void sluice_count_filtered(sluice_core *core, uint64_t core_id, int module)
{
    sluice_shard_count(sluice_shard(core, core_id), module, SLUICE_COUNT_FILTERED);
}

static inline void sluice_count_sampled_out(sluice_core *core, uint64_t core_id, int module)
{
    sluice_shard_count(sluice_shard(core, core_id), module, SLUICE_COUNT_SAMPLED_OUT);
}

static inline void sluice_count_key_forgotten(sluice_core *core, uint64_t core_id, int module)
{
    sluice_shard_count(sluice_shard(core, core_id), module, SLUICE_COUNT_KEYS_FORGOTTEN);
}

/* True for 1 call in every_mask + 1 (every_mask: call_timing_every - 1, or UINT64_MAX for none). */
static inline int sluice_time_this_call(sluice_core *core, uint64_t core_id, uint64_t every_mask)
{
    if (every_mask == UINT64_MAX)
        return 0;
    sluice_shard_slot *slot = sluice_shard(core, core_id);
    uint64_t calls = __atomic_load_n(slot->calls, __ATOMIC_RELAXED);
    __atomic_store_n(slot->calls, calls + 1, __ATOMIC_RELAXED); /* a shared shard's count may skip: timing is a sample */
    return (calls & every_mask) == 0;
}

/* CLOCK_MONOTONIC in ns, for timing a call. */
uint64_t sluice_monotonic_ns(void);
/* Adds a timed call's ns to the call-latency histogram. */
void sluice_record_call(sluice_core *core, uint64_t ns);
/* call_timing_every - 1, or UINT64_MAX when calls are not timed. */
uint64_t sluice_call_timing_mask(const sluice_core *core);

/* A message's text as a text line shows it (segments rendered, escaped), into out, which holds
 * at least sluice_message_text_bound(message, length, segments) bytes; its length. For a
 * message's description. */
size_t sluice_message_text_bound(const void *message, size_t length, int segments);
size_t sluice_message_text(const void *message, size_t length, int segments, char *out);

/* text escaped as a record's text is in a text line (control bytes and invalid UTF-8 as
 * \n, \t, \xHH ...), whole characters only, into out: at most capacity bytes, returned.
 * For every line the facade and the tools write about themselves (diagnostics, tables),
 * so that no name or value they quote can end the line or forge another. */
size_t sluice_escape_text(const char *text, size_t length, char *out, size_t capacity);

/* Words a caller keeps itself, for a module past the table: read and set as relaxed
 * as the table's own (one word each; nothing else has to agree with them). */
static inline int sluice_level_word_load(const int32_t *level_word)
{
    return __atomic_load_n(level_word, __ATOMIC_RELAXED);
}

static inline void sluice_level_word_store(int32_t *level_word, int level)
{
    __atomic_store_n(level_word, level, __ATOMIC_RELAXED);
}

static inline void sluice_sample_word_store(uint32_t *sample_word, uint32_t ppm)
{
    __atomic_store_n(sample_word, ppm, __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_FACADE_H */
