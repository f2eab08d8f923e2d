/*
 * flight.h — the flight recorder: the most recent records that were below
 * their module's level, kept in memory (a fixed ring of slots of its own, no
 * I/O) and written just before the next record at error or above, marked as
 * recalled, oldest first. A dump empties it: the next error recalls only what
 * came after.
 */
#ifndef SLUICE_FLIGHT_H
#define SLUICE_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FLIGHT_SLOT_BYTES = 512 }; /* a slot: its header, then up to this less the header of message */

struct flight_slot {
    int32_t lock;       /* 1 while a producer fills it or a dump copies it: cas 0 -> 1, store_release 0 */
    uint32_t length;    /* message bytes kept */
    uint64_t position;  /* which record it holds (its number since open) */
    uint64_t ticks;     /* when it was logged */
    uint64_t original;  /* its message's length before a cut */
    uint32_t thread;
    uint16_t module;
    uint8_t level;
    uint8_t segments;
};

struct flight_recorder {
    struct flight_slot *slots; /* capacity slots of FLIGHT_SLOT_BYTES; NULL when off. Fixed at open. */
    uint32_t capacity;
    uint64_t next;   /* records kept so far: add_fetch by producers, each claims its number */
    uint64_t dumped; /* records before it are recalled or too old: cas by a dump, which claims the
                        range [dumped, next) so that two errors never recall a record twice */
};

struct sluice_core;
int flight_init(struct flight_recorder *recorder, uint32_t capacity);
void flight_destroy(struct flight_recorder *recorder);
/* Recalls every record kept since the last dump into the core's ring, oldest first. */
void flight_dump(struct sluice_core *core);

#endif /* SLUICE_FLIGHT_H */
