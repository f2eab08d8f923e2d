/* formats.c — the process's message formats (formats.h). */
#include "formats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "atomics.h"
#include "sluice.h"

enum { CHUNK = 1024, CHUNKS = (SLUICE_FORMATS_MAX + 1 + CHUNK - 1) / CHUNK };

/* A two-level table, so that it grows without moving: chunk[id / CHUNK][id % CHUNK]. A
 * chunk pointer, then a format pointer, is stored with store_release once filled, and read
 * with load_acquire: a writer that finds a format sees it whole. Never freed. */
static const struct format **chunk[CHUNKS];
static uint32_t formats_given; /* the last id given; under the lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const struct format *formats_find(uint32_t id)
{
    if (id == 0 || id > SLUICE_FORMATS_MAX)
        return NULL;
    const struct format **formats = load_acquire(&chunk[id / CHUNK]);
    return formats == NULL ? NULL : load_acquire(&formats[id % CHUNK]);
}

void formats_after_fork(void)
{
    pthread_mutex_init(&lock, NULL);
}

/* The format of pieces, each style's escaping done now; NULL when out of memory. */
static struct format *make_format(const char *const *pieces, const size_t *lengths, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lengths[i];
    size_t bound = RENDER_ESCAPE_FACTOR * total + 8; /* escaping stores up to 8 bytes past its end */
    struct format *f = calloc(1, sizeof *f);
    char *text = malloc(ESCAPE_STYLES * bound);
    uint32_t *ends = malloc(ESCAPE_STYLES * count * sizeof *ends);
    if (f == NULL || text == NULL || ends == NULL) {
        free(f);
        free(text);
        free(ends);
        return NULL;
    }
    f->pieces = (uint32_t)count;
    for (int style = 0; style < ESCAPE_STYLES; style++) {
        struct out_buffer out = {.data = text + style * bound, .capacity = bound};
        for (size_t i = 0; i < count; i++) {
            render_escaped(&out, pieces[i], lengths[i], (enum escape_style)style);
            ends[style * count + i] = (uint32_t)out.length;
        }
        f->text[style] = out.data;
        f->end[style] = ends + style * count;
        if (out.length > f->room)
            f->room = out.length;
    }
    return f;
}

uint32_t sluice_format(const char *const *pieces, const size_t *lengths, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lengths[i];
    if (count == 0 || count > SLUICE_FORMAT_PIECES_MAX || total > SLUICE_FORMAT_BYTES_MAX)
        return 0;
    struct format *f = make_format(pieces, lengths, count);
    if (f == NULL)
        return 0;
    pthread_mutex_lock(&lock);
    uint32_t id = formats_given + 1;
    const struct format **formats = id <= SLUICE_FORMATS_MAX ? chunk[id / CHUNK] : NULL;
    if (id <= SLUICE_FORMATS_MAX && formats == NULL) {
        formats = calloc(CHUNK, sizeof *formats);
        if (formats != NULL)
            store_release(&chunk[id / CHUNK], formats);
    }
    if (formats != NULL) {
        store_release(&formats[id % CHUNK], f);
        formats_given = id;
    }
    pthread_mutex_unlock(&lock);
    if (formats != NULL)
        return id;
    free((void *)f->text[0]);
    free((void *)f->end[0]);
    free(f);
    return 0;
}
