/*
 * sampler.c — exact counter-based sampling per key, lock-free on every call
 * of a known key.
 *
 * An open-addressing table of slots, each holding one key's text and its
 * call count. A key lives in the first WINDOW slots from its hash. Every call
 * of a known key compares the text and adds one to the count with a cas that
 * also checks the slot still holds that key, and that number alone decides
 * whether the call is emitted, so the count is exact however many threads
 * call at once. A new key takes an empty slot of its window, or, when the
 * window is full, the slot used least recently: old keys never starve new
 * ones, and a forgotten key starts again (its next call is emitted).
 * Claiming a slot, rare, takes the sampler's lock; calls never do.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "atomics.h"
#include "sluice.h"

enum {
    WINDOW = 8,     /* slots a key may live in */
    CALLS_BITS = 40 /* state: generation << CALLS_BITS | calls */
};
#define CALLS_MASK (((uint64_t)1 << CALLS_BITS) - 1)

struct slot {
    uint64_t state; /* generation << CALLS_BITS | calls of the key. Generation 0: empty; odd: being
                       (re)written; even: the key below, stable. A call adds one with cas, which
                       fails if the generation moved on; the claimer writes it with cas (odd),
                       then store_release (even, calls 1) after the key. load_acquire by callers,
                       before the key words. */
    uint64_t hash;
    uint64_t last_use; /* sampler.clock at the key's last new-key event or call: an eviction hint,
                          relaxed both ways */
    uint64_t length;   /* the key's full length; with hash and text, written (relaxed) while the
                          generation is odd, read (relaxed) under an even one */
    uint64_t text[SLUICE_SAMPLER_KEY_BYTES / 8];
};
_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

struct sluice_sampler {
    pthread_mutex_t lock; /* serializes claims */
    uint64_t clock;       /* ticks once per new key: add_fetch under lock, load_relaxed by calls */
    uint64_t forgotten;   /* keys evicted to make room: add_relaxed under lock */
    uint32_t mask;        /* slots - 1 */
    struct slot slots[];
};

sluice_sampler *sluice_sampler_create(uint32_t keys)
{
    uint32_t slots = 16;
    while (slots < keys && slots < (1u << 24))
        slots *= 2;
    sluice_sampler *sampler = calloc(1, sizeof *sampler + slots * sizeof(struct slot));
    if (sampler == NULL)
        return NULL;
    pthread_mutex_init(&sampler->lock, NULL);
    sampler->mask = slots - 1;
    return sampler;
}

void sluice_sampler_destroy(sluice_sampler *sampler)
{
    if (sampler == NULL)
        return;
    pthread_mutex_destroy(&sampler->lock);
    free(sampler);
}

uint64_t sluice_sampler_forgotten(sluice_sampler *sampler)
{
    return load_relaxed(&sampler->forgotten);
}

/* Call n (from 1) is emitted when it raises ceil(n * ppm / 1e6). n < 2^40 and
 * ppm <= 1e6 < 2^20 keep the products below 2^61; the two divisions by a
 * constant are independent multiplications, so the verdict is a short chain
 * after the count (a remainder of a remainder was twice as long). */
static int emitted(uint64_t n, uint32_t ppm)
{
    if (ppm >= SLUICE_PPM_ALL)
        return 1;
    uint64_t before = (n - 1) * ppm, after = before + ppm;
    return (after + SLUICE_PPM_ALL - 1) / SLUICE_PPM_ALL != (before + SLUICE_PPM_ALL - 1) / SLUICE_PPM_ALL;
}

/* A key as the caller gave it: length its own, stored (at most
 * SLUICE_SAMPLER_KEY_BYTES) the bytes a slot keeps, zero-padded to whole words. */
struct key {
    const unsigned char *bytes;
    size_t stored;
    uint64_t length, hash;
};

/* Word i of the key's stored bytes, zero-padded, read in whole loads: bytes
 * stored one at a time and read back as a word stall the compare that needs it. */
static uint64_t key_word(const struct key *key, size_t i)
{
    const unsigned char *at = key->bytes + 8 * i;
    size_t left = key->stored - 8 * i;
    uint64_t word = 0;
    if (left >= 8) {
        memcpy(&word, at, 8);
    } else if (left >= 4) { /* two overlapping halves: the shared bytes agree */
        uint32_t low, high;
        memcpy(&low, at, 4);
        memcpy(&high, at + left - 4, 4);
        word = low | (uint64_t)high << (8 * (left - 4));
    } else {
        for (size_t b = 0; b < left; b++)
            word |= (uint64_t)at[b] << (8 * b);
    }
    return word;
}

/* Only the words the key's bytes cover: equal lengths mean equal stored sizes.
 * Whole words first, the padded last one alone: one compare a word. */
static bool holds(const struct slot *slot, const struct key *key)
{
    if (load_relaxed(&slot->hash) != key->hash || load_relaxed(&slot->length) != key->length)
        return false;
    size_t whole = key->stored / 8;
    for (size_t i = 0; i < whole; i++) {
        uint64_t word;
        memcpy(&word, key->bytes + 8 * i, 8);
        if (load_relaxed(&slot->text[i]) != word)
            return false;
    }
    return key->stored % 8 == 0 || load_relaxed(&slot->text[whole]) == key_word(key, whole);
}

enum { ABSENT, COUNTED, MOVED };

/* Counts a call of key in slot if the slot holds it under generation; *n gets the count. */
static inline __attribute__((always_inline)) int count_in(struct slot *slot, uint64_t state, const struct key *key,
                                                          uint64_t *n)
{
    uint64_t generation = state >> CALLS_BITS;
    if (!holds(slot, key))
        return ABSENT;
    for (;;) {
        uint64_t found = cas(&slot->state, state, state + 1);
        if (found == state) {
            *n = (state & CALLS_MASK) + 1;
            return COUNTED;
        }
        if (found >> CALLS_BITS != generation)
            return MOVED; /* evicted since the comparison: look again */
        state = found;
    }
}

/* Marks the slot used now, for eviction; stored only when the clock has moved,
 * so that calls of a busy key leave its line shared. */
static inline void note_use(sluice_sampler *sampler, struct slot *slot)
{
    uint64_t now = load_relaxed(&sampler->clock);
    if (load_relaxed(&slot->last_use) != now)
        store_relaxed(&slot->last_use, now);
}

/* Looks for key in its window: COUNTED (with *n), ABSENT (an empty slot or the
 * window's end reached), or MOVED (a slot changed under us: look again). */
static int find(sluice_sampler *sampler, const struct key *key, uint64_t *n)
{
    for (uint32_t i = 0; i < WINDOW; i++) {
        struct slot *slot = &sampler->slots[(key->hash + i) & sampler->mask];
        uint64_t state = load_acquire(&slot->state);
        while ((state >> CALLS_BITS) & 1) /* being written: a claim is a few stores */
            state = load_acquire(&slot->state);
        if (state >> CALLS_BITS == 0)
            return ABSENT; /* keys fill windows from their start and are never removed */
        int result = count_in(slot, state, key, n);
        if (result != ABSENT) {
            if (result == COUNTED)
                note_use(sampler, slot);
            return result;
        }
    }
    return ABSENT;
}

/* Puts key in its window (under lock): the first empty slot, else the one
 * used least recently, whose key is forgotten. Its first call is this one. */
static bool claim(sluice_sampler *sampler, const struct key *key)
{
    struct slot *chosen = NULL;
    for (uint32_t i = 0; i < WINDOW; i++) {
        struct slot *slot = &sampler->slots[(key->hash + i) & sampler->mask];
        if (load_relaxed(&slot->state) >> CALLS_BITS == 0) {
            chosen = slot;
            break;
        }
        if (chosen == NULL || load_relaxed(&slot->last_use) < load_relaxed(&chosen->last_use))
            chosen = slot;
    }
    bool evicting = load_relaxed(&chosen->state) >> CALLS_BITS != 0;
    uint64_t state = load_relaxed(&chosen->state), found;
    uint64_t writing = ((state >> CALLS_BITS) + 1) << CALLS_BITS;
    while ((found = cas(&chosen->state, state, writing)) != state) { /* callers may be counting */
        state = found;
        writing = ((state >> CALLS_BITS) + 1) << CALLS_BITS;
    }
    store_relaxed(&chosen->hash, key->hash);
    store_relaxed(&chosen->length, key->length);
    for (size_t i = 0; i < SLUICE_SAMPLER_KEY_BYTES / 8; i++)
        store_relaxed(&chosen->text[i], 8 * i < key->stored ? key_word(key, i) : 0);
    store_relaxed(&chosen->last_use, add_fetch(&sampler->clock, 1));
    store_release(&chosen->state, (writing + ((uint64_t)1 << CALLS_BITS)) | 1); /* after the key */
    if (evicting)
        add_relaxed(&sampler->forgotten, 1);
    return evicting;
}

/* A key not found at once: a slot changed under the look, or the key is new. */
static __attribute__((noinline)) int take_slowly(sluice_sampler *sampler, const struct key *key, uint32_t ppm)
{
    uint64_t n;
    int found;
    while ((found = find(sampler, key, &n)) == MOVED) {
    }
    if (found == COUNTED)
        return emitted(n, ppm);
    pthread_mutex_lock(&sampler->lock);
    /* Another thread may have claimed it since: look again under the lock. */
    found = find(sampler, key, &n); /* no slot moves under the lock */
    int result = found == COUNTED ? emitted(n, ppm) : emitted(1, ppm) | (claim(sampler, key) ? SLUICE_SAMPLE_FORGOT : 0);
    pthread_mutex_unlock(&sampler->lock);
    return result;
}

int sluice_sampler_take(sluice_sampler *sampler, const void *bytes, size_t stored, uint64_t length, uint64_t hash,
                        uint32_t ppm)
{
    struct key key = {.bytes = bytes,
                      .stored = stored < SLUICE_SAMPLER_KEY_BYTES ? stored : SLUICE_SAMPLER_KEY_BYTES,
                      .length = length,
                      .hash = hash};
    /* Most keys sit in their window's first slot: a stable slot there that
     * counts the call is the whole of the usual call. */
    struct slot *first = &sampler->slots[hash & sampler->mask];
    uint64_t state = load_acquire(&first->state), n;
    uint64_t generation = state >> CALLS_BITS;
    if (__builtin_expect(generation != 0 && (generation & 1) == 0 && count_in(first, state, &key, &n) == COUNTED, 1)) {
        note_use(sampler, first);
        return emitted(n, ppm);
    }
    return take_slowly(sampler, &key, ppm);
}
