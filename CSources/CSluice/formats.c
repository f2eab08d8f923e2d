/* formats.c — message formats: the process's table, its files, a dead process's (formats.h). */
#include "formats.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomics.h"
#include "diagnostics.h"
#include "sluice.h"

_Static_assert(RENDER_FORMAT_ROOM_MAX >= RENDER_ESCAPE_FACTOR * SLUICE_FORMAT_BYTES_MAX + 8,
               "a format's room fits the room every line bound keeps for one");

enum { CHUNK = 1024, CHUNKS = (SLUICE_FORMATS_MAX + 1 + CHUNK - 1) / CHUNK, FILES_MAX = 64 };

/* A two-level table, so that it grows without moving: chunk[id / CHUNK][id % CHUNK]. In the
 * process's, a chunk pointer, then a format pointer, is stored with store_release once filled,
 * and read with load_acquire: a writer that finds a format sees it whole. Never freed. */
struct format_table {
    const struct format **chunk[CHUNKS];
};

static struct format_table process_formats;
/* Under the lock: the last id given, and the files every new format is written to. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t formats_given;
static struct {
    char *path;
    int fd;
} files[FILES_MAX];
static unsigned file_count;

const struct format *formats_find(const struct format_table *table, uint32_t id)
{
    if (id == 0 || id > SLUICE_FORMATS_MAX)
        return NULL;
    const struct format *const *formats = load_acquire(&(table != NULL ? table : &process_formats)->chunk[id / CHUNK]);
    return formats == NULL ? NULL : load_acquire(&formats[id % CHUNK]);
}

/* Puts f at id in table; false when out of memory. */
static bool put_format(struct format_table *table, uint32_t id, const struct format *f)
{
    const struct format **formats = table->chunk[id / CHUNK];
    if (formats == NULL) {
        formats = calloc(CHUNK, sizeof *formats);
        if (formats == NULL)
            return false;
        store_release(&table->chunk[id / CHUNK], formats);
    }
    store_release(&formats[id % CHUNK], f);
    return true;
}

static void free_format(const struct format *f)
{
    if (f != NULL) {
        free((void *)f->text[0]);
        free((void *)f->end[0]);
        free((void *)f);
    }
}

/* The format of pieces, escaped in each style now, the pieces as given kept too; NULL when out
 * of memory. */
static struct format *make_format(const char *const *pieces, const size_t *lengths, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lengths[i];
    size_t bound = RENDER_ESCAPE_FACTOR * total + 8; /* escaping stores up to 8 bytes past its end */
    struct format *f = calloc(1, sizeof *f);
    char *text = malloc(ESCAPE_STYLES * bound + total + 1);
    uint32_t *ends = malloc((ESCAPE_STYLES + 1) * count * sizeof *ends);
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
    char *raw = text + ESCAPE_STYLES * bound;
    uint32_t *raw_end = ends + ESCAPE_STYLES * count, at = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(raw + at, pieces[i], lengths[i]);
        at += (uint32_t)lengths[i];
        raw_end[i] = at;
    }
    f->raw = raw;
    f->raw_end = raw_end;
    return f;
}

/* One entry of a formats file: uint32_t id, uint32_t pieces, then each piece as uint32_t length
 * and its bytes; written with one write, so that a reader sees it whole or cut at its end. */
static void write_entry(int fd, uint32_t id, const struct format *f)
{
    size_t size = 8 + 4 * (size_t)f->pieces + f->raw_end[f->pieces - 1];
    char *entry = malloc(size), *at = entry;
    if (entry == NULL)
        return;
    memcpy(at, &id, 4);
    memcpy(at + 4, &f->pieces, 4);
    at += 8;
    for (uint32_t i = 0; i < f->pieces; i++) {
        uint32_t from = i == 0 ? 0 : f->raw_end[i - 1], length = f->raw_end[i] - from;
        memcpy(at, &length, 4);
        memcpy(at + 4, f->raw + from, length);
        at += 4 + length;
    }
    (void)!write(fd, entry, size); /* a short write ends the file's table there, as a cut entry */
    free(entry);
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
    bool given = id <= SLUICE_FORMATS_MAX && put_format(&process_formats, id, f);
    if (given) {
        formats_given = id;
        for (unsigned i = 0; i < file_count; i++) /* in the files before any record can name it */
            write_entry(files[i].fd, id, f);
    }
    pthread_mutex_unlock(&lock);
    if (given)
        return id;
    free_format(f);
    return 0;
}

/* Call sites (sluice_format_site): open addressing over SITES slots, twice the sites remembered,
 * so that a probe meets an empty slot soon; allocated at the first site, never freed. A slot is
 * filled under site_lock: its id stored, then its key with store_release; a reader that
 * load_acquires the key reads the id it was published with. The table pointer is published the
 * same way. site_lock is taken before lock (sluice_format's), never after. */
enum { SITE_BITS = 17, SITES = 1 << SITE_BITS };
_Static_assert(SITES == 2 * SLUICE_SITES_MAX, "the site table is at most half full");

struct site {
    const void *key; /* NULL: an empty slot */
    uint32_t id;
};

static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;
static struct site *sites;
static uint32_t sites_used; /* under site_lock */

/* Where the probe for key starts: Fibonacci hashing, so that keys a few bytes apart spread. */
static size_t site_slot(const void *key)
{
    return (size_t)(((uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15u) >> (64 - SITE_BITS));
}

/* The slot holding key in table, or the empty slot where it would go. */
static struct site *site_find(struct site *table, const void *key)
{
    for (size_t i = site_slot(key);; i = (i + 1) & (SITES - 1)) {
        const void *found = load_acquire(&table[i].key);
        if (found == key || found == NULL)
            return &table[i];
    }
}

uint32_t sluice_format_of_site(const void *key)
{
    struct site *table = load_acquire(&sites);
    if (table == NULL)
        return SLUICE_SITE_UNKNOWN;
    struct site *slot = site_find(table, key);
    return slot->key == NULL ? SLUICE_SITE_UNKNOWN : slot->id;
}

uint32_t sluice_format_site(const void *key, const char *const *pieces, const size_t *lengths, size_t count)
{
    pthread_mutex_lock(&site_lock);
    if (sites == NULL)
        store_release(&sites, calloc(SITES, sizeof *sites));
    uint32_t id = 0;
    if (sites != NULL) {
        struct site *slot = site_find(sites, key);
        if (slot->key != NULL) {
            id = slot->id;
        } else if (sites_used < SLUICE_SITES_MAX) {
            id = sluice_format(pieces, lengths, count);
            slot->id = id;
            store_release(&slot->key, key);
            sites_used++;
        }
    }
    pthread_mutex_unlock(&site_lock);
    return id;
}

void formats_keep_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    char *name = strdup(path);
    pthread_mutex_lock(&lock);
    bool kept = fd >= 0 && name != NULL && file_count < FILES_MAX;
    if (kept) {
        for (uint32_t id = 1; id <= formats_given; id++)
            write_entry(fd, id, formats_find(NULL, id));
        files[file_count].path = name;
        files[file_count++].fd = fd;
    }
    pthread_mutex_unlock(&lock);
    if (kept)
        return;
    report_problem("sluice: cannot keep the message formats in '%s': %s; `sluice recover` will show the values of "
                   "formatted records without their text",
                   path, fd < 0 ? strerror(errno) : "too many recoverable cores");
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(name);
}

void formats_forget_file(const char *path)
{
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < file_count; i++) {
        if (strcmp(files[i].path, path) != 0)
            continue;
        close(files[i].fd);
        unlink(path);
        free(files[i].path);
        files[i] = files[--file_count];
        break;
    }
    pthread_mutex_unlock(&lock);
}

void formats_after_fork(void)
{
    pthread_mutex_init(&site_lock, NULL);
    pthread_mutex_init(&lock, NULL);
    for (unsigned i = 0; i < file_count; i++) { /* the parent's: never the child's to write or remove */
        close(files[i].fd);
        free(files[i].path);
    }
    file_count = 0;
}

/* The next entry of a formats file in bytes [*at, end): its id and format; false where the
 * bytes go wrong or end. */
static bool read_entry(const char **at, const char *end, uint32_t *id, struct format **f)
{
    const char *p = *at;
    uint32_t count;
    if (end - p < 8)
        return false;
    memcpy(id, p, 4);
    memcpy(&count, p + 4, 4);
    p += 8;
    if (*id == 0 || *id > SLUICE_FORMATS_MAX || count == 0 || count > SLUICE_FORMAT_PIECES_MAX)
        return false;
    const char *pieces[SLUICE_FORMAT_PIECES_MAX];
    size_t lengths[SLUICE_FORMAT_PIECES_MAX], total = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t length;
        if (end - p < 4)
            return false;
        memcpy(&length, p, 4);
        total += length;
        if (total > SLUICE_FORMAT_BYTES_MAX || (size_t)(end - p - 4) < length)
            return false;
        pieces[i] = p + 4;
        lengths[i] = length;
        p += 4 + length;
    }
    *f = make_format(pieces, lengths, count);
    *at = p;
    return *f != NULL;
}

struct format_table *formats_load(int fd)
{
    struct format_table *table = calloc(1, sizeof *table);
    char *bytes = NULL;
    size_t size = 0, capacity = 0;
    for (ssize_t n = 1; fd >= 0 && table != NULL && n > 0;) {
        if (size == capacity) {
            char *grown = realloc(bytes, capacity = capacity == 0 ? 65536 : 2 * capacity);
            if (grown == NULL)
                break; /* what was read so far */
            bytes = grown;
        }
        n = read(fd, bytes + size, capacity - size);
        size += n > 0 ? (size_t)n : 0;
    }
    const char *at = bytes, *end = bytes + size;
    uint32_t id;
    struct format *f;
    while (table != NULL && read_entry(&at, end, &id, &f))
        if (formats_find(table, id) != NULL || !put_format(table, id, f))
            free_format(f); /* an id twice: the first stays */
    free(bytes);
    return table;
}

void formats_free(struct format_table *table)
{
    if (table == NULL)
        return;
    for (int c = 0; c < CHUNKS; c++) {
        for (int i = 0; table->chunk[c] != NULL && i < CHUNK; i++)
            free_format(table->chunk[c][i]);
        free(table->chunk[c]);
    }
    free(table);
}
