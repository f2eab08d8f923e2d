/*
 * formats.h — message formats (sluice.h, sluice_format): a call site's static text registered
 * once, so that its records carry their arguments alone. A format is its pieces (the text
 * before each argument, then the text after the last), kept escaped in each style, so that
 * rendering one copies bytes.
 *
 * The process's table lives for the life of the process and is the same in every core; the
 * writers of all cores read it without a lock. A recoverable core (ring_file.c) also keeps a
 * file of them beside its ring file, <statistics file>.formats, every format written to it
 * before any record can name it, so that `sluice recover` renders a dead process's records
 * with the formats it had (formats_load: a table of that process's own).
 *
 * A call site built at compile time (a Swift macro) finds its format by the address of a key of
 * its own (sluice_format_site): a table of sites beside the formats, read without a lock.
 */
#ifndef SLUICE_FORMATS_H
#define SLUICE_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "render.h"

enum { ESCAPE_STYLES = 4 }; /* ESCAPE_TEXT … ESCAPE_SYSLOG */

struct format {
    uint32_t pieces;                    /* arguments + 1 */
    size_t room;                        /* the most bytes its pieces render in one style */
    const char *text[ESCAPE_STYLES];    /* each style's escaped pieces, one after another … */
    const uint32_t *end[ESCAPE_STYLES]; /* … piece i ending at end[style][i] */
    const char *raw;                    /* the pieces as registered, for a formats file … */
    const uint32_t *raw_end;            /* … piece i ending at raw_end[i] */
};

struct format_table;

/* The format of id in table (NULL: the process's), or NULL for an id never given there. */
const struct format *formats_find(const struct format_table *table, uint32_t id);

/* Writes every format registered so far to a new file at path (mode 0600), and each later one
 * as it is registered, until formats_forget_file; a line on stderr when it cannot. */
void formats_keep_file(const char *path);
/* Stops writing formats to path, and removes it. */
void formats_forget_file(const char *path);

/* A dead process's formats, read without trust from fd (a formats file, its ownership checked
 * by the caller; -1: none, an empty table): a malformed or cut entry ends the table there. NULL
 * when out of memory. */
struct format_table *formats_load(int fd);
void formats_free(struct format_table *table);

/* In a forked child: the registration locks (formats' and call sites') another thread may have
 * held, and the parent's files, which the child never writes. */
void formats_after_fork(void);

#endif /* SLUICE_FORMATS_H */
