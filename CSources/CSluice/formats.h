/*
 * formats.h — the process's message formats (sluice.h, sluice_format): a call site's static
 * text registered once, so that its records carry their arguments alone. A format is its
 * pieces (the text before each argument, then the text after the last), kept escaped in each
 * style, so that rendering one copies bytes. Formats live for the life of the process and are
 * the same in every core; the writers of all cores read them without a lock.
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
};

/* The format of id, or NULL for an id never given. */
const struct format *formats_find(uint32_t id);

/* In a forked child: the registration lock another thread may have held. */
void formats_after_fork(void);

#endif /* SLUICE_FORMATS_H */
