/* rotated_files.c — a log file's rotated files named by date: naming one, listing them (rotated_files.h). */
#include "rotated_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "diagnostics.h"

enum precision { TO_THE_SECOND, TO_THE_HOUR, TO_THE_DAY };

/* local (seconds, the zone's offset added) as 2026-12-07, 2026-12-07T13 or 2026-12-07T132510. */
static void put_stamp(char stamp[32], int64_t local, enum precision precision)
{
    struct clock_civil c;
    clock_civil(local, &c);
    int year = c.year < 0 ? 0 : c.year > 9999 ? 9999 : c.year;
    if (precision == TO_THE_DAY)
        snprintf(stamp, 32, "%04d-%02u-%02u", year, c.month, c.day);
    else if (precision == TO_THE_HOUR)
        snprintf(stamp, 32, "%04d-%02u-%02uT%02u", year, c.month, c.day, c.hour);
    else
        snprintf(stamp, 32, "%04d-%02u-%02uT%02u%02u%02u", year, c.month, c.day, c.hour, c.minute, c.second);
}

/* Neither name nor name.gz exists. */
static bool is_free(const char *name)
{
    char compressed[ROTATED_PATH_MAX + 4];
    struct stat st;
    snprintf(compressed, sizeof compressed, "%s.gz", name);
    return lstat(name, &st) != 0 && lstat(compressed, &st) != 0;
}

bool rotated_name(char *name, size_t size, const char *path, int64_t started, int32_t offset, int period)
{
    char stamp[32];
    int64_t local = started + offset;
    if (period != 0) {
        put_stamp(stamp, local, period >= 86400 ? TO_THE_DAY : TO_THE_HOUR);
        if ((size_t)snprintf(name, size, "%s.%s", path, stamp) < size && is_free(name))
            return true;
    }
    put_stamp(stamp, local, TO_THE_SECOND);
    if ((size_t)snprintf(name, size, "%s.%s", path, stamp) < size && is_free(name))
        return true;
    for (unsigned n = 1; n <= 999; n++)
        if ((size_t)snprintf(name, size, "%s.%s.%u", path, stamp, n) < size && is_free(name))
            return true;
    return false;
}

void rotated_split(const char *path, char *directory, size_t size, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(directory, size, ".");
        *base = path;
    } else {
        snprintf(directory, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        *base = slash + 1;
    }
}

/* name is one of base's rotated files: "<base>." then a date (YYYY-MM-DD), then only what
 * rotated_name adds (T, digits, '.'), perhaps ".gz". */
static bool is_rotated(const char *name, const char *base, size_t base_length, struct rotated_file *file)
{
    if (strncmp(name, base, base_length) != 0 || name[base_length] != '.')
        return false;
    const char *stamp = name + base_length + 1;
    size_t length = strlen(stamp);
    file->compressed = length > 3 && strcmp(stamp + length - 3, ".gz") == 0;
    if (file->compressed)
        length -= 3;
    if (length < 10 || base_length + 1 + length + 3 >= ROTATED_NAME_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = stamp[i];
        bool digit = c >= '0' && c <= '9';
        if (i < 10 ? !(i == 4 || i == 7 ? c == '-' : digit) : !(digit || c == 'T' || c == '.'))
            return false;
    }
    snprintf(file->name, sizeof file->name, "%s", name);
    file->key_length = base_length + 1 + length;
    return true;
}

static int older_first(const void *a, const void *b)
{
    const struct rotated_file *x = a, *y = b;
    size_t shorter = x->key_length < y->key_length ? x->key_length : y->key_length;
    int order = memcmp(x->name, y->name, shorter);
    if (order != 0)
        return order;
    if (x->key_length != y->key_length)
        return x->key_length < y->key_length ? -1 : 1;
    return (int)x->compressed - (int)y->compressed;
}

struct rotated_file *rotated_files_list(const char *path, size_t *count)
{
    char directory[ROTATED_PATH_MAX];
    const char *base;
    rotated_split(path, directory, sizeof directory, &base);
    *count = 0;
    DIR *listing = opendir(directory);
    if (listing == NULL) {
        report_problem("sluice: cannot list '%s' for the rotated files of '%s': %s; they are kept as they are",
                       directory, path, strerror(errno));
        return NULL;
    }
    struct rotated_file *files = NULL, file;
    size_t capacity = 0, base_length = strlen(base);
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        struct stat st;
        if (!is_rotated(entry->d_name, base, base_length, &file) ||
            fstatat(dirfd(listing), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        file.modified = (int64_t)st.st_mtime;
        if (*count == capacity) {
            size_t more = capacity == 0 ? 16 : 2 * capacity;
            struct rotated_file *grown = realloc(files, more * sizeof *files);
            if (grown == NULL)
                break; /* what was listed so far */
            files = grown;
            capacity = more;
        }
        files[(*count)++] = file;
    }
    closedir(listing);
    if (*count > 0)
        qsort(files, *count, sizeof *files, older_first);
    return files;
}
