/*
 * rotated_files.h — a log file's rotated files when they are named by date (sink_file.c):
 *
 *     app.log.2026-12-07T13          hourly: the hour the file started in
 *     app.log.2026-12-07             daily: its day
 *     app.log.2026-12-07T132510      to the second: a file started within a period whose name
 *                                    is taken (a size rotation inside the hour), or rotation by
 *                                    size alone; .1, .2 … after it if even that is taken
 *
 * each perhaps compressed (".gz"). A name is given once and never moves, so compression and
 * retention work beside the writer; and the names sort as their contents do (".gz" aside):
 * a name to the second comes after its period's name, which is its prefix.
 */
#ifndef SLUICE_ROTATED_FILES_H
#define SLUICE_ROTATED_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ROTATED_PATH_MAX = 4096, ROTATED_NAME_MAX = 256 };

/* The name for path's file started at the UTC second started, its times offset seconds east
 * of UTC, rotated every period seconds (3600, 86400; 0: by size alone): the first free of
 * <path>.<start at the period's precision>, <path>.<start to the second>, and that with .1 to
 * .999. A name is free when neither it nor its ".gz" exists. False if none is. */
bool rotated_name(char *name, size_t size, const char *path, int64_t started, int32_t offset, int period);

/* One of path's rotated files, as its directory lists it. */
struct rotated_file {
    char name[ROTATED_NAME_MAX]; /* in path's directory */
    size_t key_length;           /* of the name without ".gz": what the order compares */
    bool compressed;             /* ends in ".gz" */
    int64_t modified;            /* its mtime, UTC seconds */
};

/* path's directory, and the name of the file in it. */
void rotated_split(const char *path, char *directory, size_t size, const char **base);

/* path's rotated files, oldest first; NULL with *count 0 when there are none, or after a line on
 * stderr when the directory cannot be read. The caller frees the array. */
struct rotated_file *rotated_files_list(const char *path, size_t *count);

#endif /* SLUICE_ROTATED_FILES_H */
