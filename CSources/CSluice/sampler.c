/*
 * sampler.c — exact counter-based sampling per key, lock-free.
 *
 * An open-addressing table of (key, calls) slots, twice as many slots as keys
 * allowed. A key claims an empty slot with a cas on its key word; every call
 * of the key takes a number with add_fetch on its calls word, and that number
 * alone decides whether the call is emitted, so the count is exact however
 * many threads call at once.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "atomics.h"
#include "sluice.h"

struct slot {
    uint64_t key;   /* 0 while empty. Set once, by cas (a full fence); read with load_acquire. */
    uint64_t calls; /* calls of the key so far. add_fetch by callers. */
};

struct sluice_sampler {
    uint64_t keys;           /* slots claimed, or being claimed. add_fetch by callers. */
    uint64_t overflow_calls; /* calls of keys that found no room. add_fetch by callers. */
    uint32_t max_keys;
    uint32_t mask;           /* slots - 1 */
    struct slot slots[];
};

sluice_sampler *sluice_sampler_create(uint32_t max_keys)
{
    uint32_t slots = 16;
    while (slots < 2 * (uint64_t)max_keys && slots < (1u << 30))
        slots *= 2;
    sluice_sampler *sampler = calloc(1, sizeof *sampler + slots * sizeof(struct slot));
    if (sampler == NULL)
        return NULL;
    sampler->max_keys = max_keys < slots / 2 ? max_keys : slots / 2;
    sampler->mask = slots - 1;
    return sampler;
}

void sluice_sampler_destroy(sluice_sampler *sampler)
{
    free(sampler);
}

uint64_t sluice_sampler_overflow_calls(sluice_sampler *sampler)
{
    return load_relaxed(&sampler->overflow_calls);
}

/* Call n (from 1) is emitted when it raises ceil(n * ppm / 1e6). With
 * r = (n - 1) * ppm mod 1e6, that is: r == 0 (the previous ceiling was exact)
 * and ppm > 0, or r + ppm > 1e6. The pattern repeats every 1e6 calls, so only
 * n mod 1e6 matters, which keeps the product small. */
static int emitted(uint64_t n, uint32_t ppm)
{
    if (ppm >= SLUICE_PPM_ALL)
        return 1;
    uint64_t previous = (n - 1) % SLUICE_PPM_ALL;
    uint64_t r = previous * ppm % SLUICE_PPM_ALL;
    return r == 0 ? ppm > 0 : r + ppm > SLUICE_PPM_ALL;
}

/* The calls word of key, claiming a slot for it if there is room; NULL if not. */
static uint64_t *calls_of(sluice_sampler *sampler, uint64_t key)
{
    bool claimed_room = false;
    /* Keys come hashed (the facade's hash mixes every byte into every bit). */
    for (uint64_t i = key, probes = 0; probes <= sampler->mask; i++, probes++) {
        struct slot *slot = &sampler->slots[i & sampler->mask];
        uint64_t found = load_acquire(&slot->key);
        if (found == 0) {
            if (!claimed_room) {
                if (add_fetch(&sampler->keys, 1) > sampler->max_keys) {
                    (void)add_fetch(&sampler->keys, -1);
                    return NULL;
                }
                claimed_room = true;
            }
            found = cas(&slot->key, 0, key);
            if (found == 0)
                return &slot->calls;
        }
        if (found == key) {
            if (claimed_room)
                (void)add_fetch(&sampler->keys, -1); /* another thread claimed it first */
            return &slot->calls;
        }
    }
    if (claimed_room)
        (void)add_fetch(&sampler->keys, -1);
    return NULL;
}

int sluice_sampler_take(sluice_sampler *sampler, uint64_t key, uint32_t ppm)
{
    key = key == 0 ? 1 : key; /* 0 marks an empty slot */
    uint64_t *calls = calls_of(sampler, key);
    uint64_t n = add_fetch(calls != NULL ? calls : &sampler->overflow_calls, 1);
    return emitted(n, ppm);
}
