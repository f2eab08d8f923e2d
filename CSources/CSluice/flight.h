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
    int32_t lock;       /* 1 while a keeper fills it or a dump copies it: taken by cas 0 -> 1, never
                           waited for by a dump or by a call nested in a holder (a signal handler);
                           store_release 0 */
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
    uint64_t next;   /* records kept so far. A keeper takes its slot's lock first, then claims its
                        number by cas: a dump that sees a number below next finds its slot either
                        locked (being filled) or holding that record or a newer one. */
    uint64_t dumped; /* records before it are recalled or too old. A dump copies the record at dumped,
                        then claims it by cas dumped -> dumped + 1: two dumps never recall one record,
                        and a record not filled in yet stops the dump there, for the next one. */
};

/* A kept record, copied out of its slot by a dump. */
struct flight_copy {
    struct flight_slot head;
    char message[FLIGHT_SLOT_BYTES - sizeof(struct flight_slot)];
};

int flight_init(struct flight_recorder *recorder, uint32_t capacity);
void flight_destroy(struct flight_recorder *recorder);
/* Keeps a record (its message cut to what a slot holds); SLUICE_DROPPED for a keep nested in
 * this thread's own keep or dump (a signal handler), which must not wait for its slot. */
int flight_keep(struct flight_recorder *recorder, int level, int module, uint32_t thread, const void *message,
                size_t length, bool segments);
/* A dump, one record at a time: copies the oldest record kept since the last dump into copy and
 * claims it (true), or finds none left, or one still being filled in (false: the next dump starts
 * there). Never waits. The caller re-logs each one (log.c). */
bool flight_take(struct flight_recorder *recorder, struct flight_copy *copy);

#endif /* SLUICE_FLIGHT_H */
