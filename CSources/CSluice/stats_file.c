/*
 * stats_file.c — the statistics mapping's file: publishing a core's mapping
 * without ever removing another process's file, and opening one from outside
 * the process without trusting it. See stats.h and sluice.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "diagnostics.h"
#include "platform.h"
#include "ring_file.h"
#include "stats.h"

const char *sluice_stats_directory(void)
{
    /* A set-user-ID program must not be pointed at another directory. */
    const char *directory = platform_secure_getenv("SLUICE_STATS_DIR");
    return directory != NULL && directory[0] != '\0' ? directory : PLATFORM_STATS_DIRECTORY;
}

static bool process_is_gone(uint32_t pid)
{
    return pid == 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

/* A file made before the process its header names started: that pid was
 * reused, and the file is a dead process's. (boot time has whole seconds.) */
static bool made_before_process(uint32_t pid, uint64_t opened_ns)
{
    int64_t started = platform_process_start_ns(pid);
    return started > 0 && (int64_t)opened_ns + 2000000000LL < started;
}

bool stats_owner_is_dead(uint32_t pid, uint64_t opened_ns)
{
    return process_is_gone(pid) || made_before_process(pid, opened_ns);
}

int sluice_stats_stale(const char *path, int *owned)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    struct stats_header header;
    bool stale = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 pread(fd, &header, sizeof header, 0) == (ssize_t)sizeof header && header.magic == STATS_MAGIC &&
                 stats_owner_is_dead(header.pid, header.opened_ns);
    close(fd);
    if (owned != NULL)
        *owned = stale && st.st_uid == geteuid();
    return stale;
}

/* Only a stale file of our own user is ever removed, and never one whose ring
 * still holds records for `sluice recover`: it needs the module names. */
static bool is_stale_and_ours(const char *path)
{
    int owned = 0;
    char ring[4096 + 8];
    snprintf(ring, sizeof ring, "%s.ring", path);
    return sluice_stats_stale(path, &owned) && owned && !ring_file_holds_records(ring);
}

/* Creates a file of our own for the mapping; returns its descriptor and name, or -1. */
static int create_file(char *name, size_t name_size, uint64_t core_id)
{
    const char *directory = sluice_stats_directory();
    snprintf(name, name_size, "%s/sluice-%d-%llu", directory, (int)getpid(), (unsigned long long)core_id);
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
        if (attempt == 0 && is_stale_and_ours(name) && unlink(name) == 0)
            continue;
        /* Another process's (a PID namespace sharing the directory, a parent
         * before fork, another user): never ours to remove. Take another name;
         * `sluice stat` finds files by the pid in their name and header. */
        uint32_t random;
        if (!platform_random(&random, sizeof random))
            random = (uint32_t)clock_ticks() ^ (uint32_t)attempt;
        snprintf(name, name_size, "%s/sluice-%d-%llu-%08x", directory, (int)getpid(), (unsigned long long)core_id,
                 random);
    }
    errno = EEXIST;
    return -1;
}

char *stats_publish(struct stats_map *map)
{
    size_t size = sizeof *map;
    char name[4096];
    const char *problem = NULL;
    int fd = -1;
    /* A file size limit below the mapping would make the reservation raise SIGXFSZ. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < size) {
        snprintf(name, sizeof name, "%s", sluice_stats_directory());
        problem = "the file size limit (RLIMIT_FSIZE) is below its size";
    } else if ((fd = create_file(name, sizeof name, map->header.core_id)) < 0) {
        problem = strerror(errno);
    } else {
        int error;
        /* Reserve every page now: a sparse file on a full tmpfs would raise
         * SIGBUS at the first touch of a new page, long after this check. */
        if (fchmod(fd, 0600) != 0)
            problem = strerror(errno);
        else if ((error = platform_reserve_file(fd, 0, (off_t)size)) != 0)
            problem = strerror(error);
        else if (pwrite(fd, map, offsetof(struct stats_map, shards), 0) != (ssize_t)offsetof(struct stats_map, shards))
            problem = strerror(errno);
        else if (mmap(map, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
            problem = strerror(errno);
        close(fd);
        if (problem != NULL)
            unlink(name);
    }
    if (problem != NULL) {
        report_problem(
                "sluice: cannot create the statistics file %s: %s; logging goes on, but `sluice stat` cannot see "
                "this core",
                name, problem);
        return NULL;
    }
    return strdup(name);
}

/* ---- opening another process's mapping ---- */

/* Why a snapshot is not a mapping this sluice can read, or NULL. Every count
 * and index is read once, from memory the process cannot change any more. */
const char *stats_snapshot_problem(const struct stats_map *map, char *detail, size_t detail_size)
{
    const struct stats_header *h = &map->header;
    if (h->magic != STATS_MAGIC)
        return "not a Sluice statistics mapping";
    if (h->version != STATS_VERSION) {
        snprintf(detail, detail_size, "layout version %u, and this sluice reads version %u", h->version,
                 STATS_VERSION);
        return detail;
    }
    if (h->size != sizeof *map || h->modules_max != SLUICE_MODULES_MAX || h->shards != STATS_SHARDS ||
        h->histogram_buckets != HISTOGRAM_BUCKETS)
        return "a layout of other sizes than this version's (corrupt)";
    uint32_t modules = map->module_count;
    if (modules == 0 || modules > SLUICE_MODULES_MAX) {
        snprintf(detail, detail_size, "corrupt: %u modules, not 1 to %d", modules, SLUICE_MODULES_MAX);
        return detail;
    }
    for (uint32_t i = 0; i < modules; i++) {
        const struct stats_module *m = &map->modules[i];
        size_t length = strnlen(m->name, sizeof m->name);
        if ((length == 0 && i == 0) || length == sizeof m->name || length != m->length || m->level < SLUICE_TRACE ||
            m->level > SLUICE_CRITICAL || m->operator_level < SLUICE_LEVEL_UNSET || m->operator_level > SLUICE_CRITICAL ||
            m->configured_level < SLUICE_TRACE || m->configured_level > SLUICE_CRITICAL || m->sample_ppm > SLUICE_PPM_ALL) {
            snprintf(detail, detail_size, "corrupt: module %u has a bad name, level or sample rate", i);
            return detail;
        }
    }
    if (memchr(h->command, '\0', sizeof h->command) == NULL)
        return "corrupt: the command name is not terminated";
    return NULL;
}

/* Why the open file st is not one to trust, or NULL. */
static const char *file_problem(const struct stat *st, const struct stats_header *header, char *detail,
                                size_t detail_size)
{
    uint32_t pid = header->pid;
    if (!S_ISREG(st->st_mode))
        return "not a regular file";
    if ((st->st_mode & 07777) != 0600) {
        snprintf(detail, detail_size, "mode %04o, not 0600", (unsigned)(st->st_mode & 07777));
        return detail;
    }
    if ((size_t)st->st_size != sizeof(struct stats_map)) {
        snprintf(detail, detail_size, "%lld bytes, not %zu (truncated or corrupt)", (long long)st->st_size,
                 sizeof(struct stats_map));
        return detail;
    }
    uid_t owner = 0;
    int asked = platform_process_owner(pid, &owner);
    if (asked == ESRCH) {
        snprintf(detail, detail_size, "stale: process %u, which it names, is gone", pid);
        return detail;
    }
    if (made_before_process(pid, header->opened_ns)) {
        snprintf(detail, detail_size, "stale: made before process %u started (a dead process had its pid)", header->pid);
        return detail;
    }
    if (asked == 0 && owner != st->st_uid) { /* ENOSYS: an owner not told here (docs/PLATFORMS.md) */
        snprintf(detail, detail_size, "owned by uid %u, but process %u runs as uid %u", (unsigned)st->st_uid, pid,
                 (unsigned)owner);
        return detail;
    }
    return NULL;
}

sluice_stats_mapping *sluice_stats_open(const char *path, int writable, char *error, size_t error_size)
{
    /* O_NOFOLLOW: no link; O_NONBLOCK: a FIFO of that name cannot hang us. */
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (error != NULL)
            snprintf(error, error_size, "%s: %s", path,
                     errno == ELOOP ? "a symbolic link, not a mapping" : strerror(errno));
        return NULL;
    }
    struct stats_map *snapshot = malloc(sizeof *snapshot);
    struct stats_map *live = NULL;
    char *copy = strdup(path);
    sluice_stats_mapping *stats = malloc(sizeof *stats);
    const char *problem = NULL;
    char detail[160] = "";
    struct stat st;
    if (snapshot == NULL || copy == NULL || stats == NULL) {
        problem = "out of memory";
    } else if (fstat(fd, &st) != 0) {
        problem = strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        problem = "not a regular file";
    } else if (pread(fd, snapshot, sizeof *snapshot, 0) != (ssize_t)sizeof *snapshot) {
        /* Read, not mapped: a file truncated under us cannot raise SIGBUS. */
        problem = "too short for a Sluice mapping (truncated?)";
    } else if ((problem = stats_snapshot_problem(snapshot, detail, sizeof detail)) == NULL &&
               (problem = file_problem(&st, &snapshot->header, detail, sizeof detail)) == NULL && writable) {
        /* Settings are single aligned words: store them where the process reads them. */
        live = mmap(NULL, sizeof *live, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (live == MAP_FAILED) {
            live = NULL;
            problem = strerror(errno);
        }
    }
    close(fd);
    if (problem != NULL) {
        if (error != NULL)
            snprintf(error, error_size, "%s: %s", path, problem);
        free(snapshot);
        free(copy);
        free(stats);
        return NULL;
    }
    *stats = (sluice_stats_mapping){.map = snapshot, .live = live, .path = copy, .owned = true};
    return stats;
}

void sluice_stats_close(sluice_stats_mapping *stats)
{
    if (stats == NULL || !stats->owned)
        return;
    if (stats->live != NULL)
        munmap(stats->live, sizeof *stats->live);
    free(stats->map);
    free(stats->path);
    free(stats);
}
