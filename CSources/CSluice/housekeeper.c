/* housekeeper.c — compression and retention of a log file's rotated files (housekeeper.h). */
#include "housekeeper.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomics.h"
#include "diagnostics.h"
#include "rotated_files.h"
#include "seams.h"

enum {
    CHUNK_BYTES = 64 << 10,
    STALE_PART_SECONDS = 60, /* a .part nobody wrote to for this long was left by a crash */
};

struct housekeeper {
    char *path;
    bool compress;
    unsigned keep;
    int64_t max_age;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned passes_wanted; /* under lock */
    int stopping;           /* written under lock; read relaxed between a compression's chunks */
    bool reported;          /* a failure was reported: the thread's own */
    unsigned char in[CHUNK_BYTES], out[CHUNK_BYTES];
};

/* The first failure only: a directory that fails once fails every pass. */
static void failed(struct housekeeper *k, const char *what, const char *name, int error)
{
    if (!k->reported)
        report_problem("sluice: cannot %s '%s': %s; the rotated file is kept as it is", what, name,
                       strerror(error));
    k->reported = true;
}

static bool write_all(int fd, const unsigned char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        length -= (size_t)n;
    }
    return true;
}

/* in, gzip-compressed, into out; false on an error or a stop (errno 0). */
static bool deflate_file(struct housekeeper *k, int in, int out)
{
    z_stream z = {0};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16 /* a gzip wrapper */, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        errno = ENOMEM;
        return false;
    }
    bool whole = true;
    int flush = Z_NO_FLUSH;
    while (whole && flush != Z_FINISH) {
        if (load_relaxed(&k->stopping)) {
            errno = 0;
            whole = false;
            break;
        }
        ssize_t n = read(in, k->in, sizeof k->in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            whole = false;
            break;
        }
        flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = k->in;
        z.avail_in = (uInt)n;
        do {
            z.next_out = k->out;
            z.avail_out = sizeof k->out;
            deflate(&z, flush); /* cannot fail with these buffers and a valid stream */
            whole = write_all(out, k->out, sizeof k->out - z.avail_out);
        } while (whole && z.avail_out == 0);
    }
    deflateEnd(&z);
    return whole;
}

/* A .part file to write: a new one, or in place of one a crash left (stale); -1 if another
 * compressor is writing it now, or it cannot be made. */
static int open_part(struct housekeeper *k, const char *part, mode_t mode)
{
    int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    struct stat st;
    if (fd < 0 && errno == EEXIST && lstat(part, &st) == 0 && st.st_mtime < seam_now() - STALE_PART_SECONDS) {
        (void)unlink(part);
        fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    }
    if (fd < 0 && errno != EEXIST)
        failed(k, "create", part, errno);
    return fd;
}

/* directory/name as directory/name.gz: written whole to a .part, synced, renamed, then the
 * original removed. A .gz already there was renamed whole: only the original is left to remove. */
static void compress_one(struct housekeeper *k, const char *directory, const char *name)
{
    char source[ROTATED_PATH_MAX], target[ROTATED_PATH_MAX + 3], part[ROTATED_PATH_MAX + 8];
    snprintf(source, sizeof source, "%s/%s", directory, name);
    snprintf(target, sizeof target, "%s.gz", source);
    snprintf(part, sizeof part, "%s.part", target);
    struct stat st;
    if (lstat(target, &st) == 0) {
        (void)unlink(source);
        return;
    }
    int in = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0 || fstat(in, &st) != 0) {
        if (in >= 0)
            close(in);
        return; /* removed meanwhile: retention, or another compressor */
    }
    int out = open_part(k, part, st.st_mode & 0777);
    if (out < 0) {
        close(in);
        return;
    }
    const struct timespec times[2] = {{0, UTIME_OMIT}, {st.st_mtime, 0}}; /* retention ages it by its last line */
    bool whole = deflate_file(k, in, out) && futimens(out, times) == 0 && fsync(out) == 0;
    int error = errno; /* 0 after a stop */
    close(out);
    close(in);
    if (whole && rename(part, target) != 0) {
        whole = false;
        error = errno;
    }
    if (!whole) {
        if (error != 0)
            failed(k, "compress", source, error);
        (void)unlink(part);
        return;
    }
    int parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent >= 0) { /* the rename lasts before the original goes */
        (void)fsync(parent);
        close(parent);
    }
    (void)unlink(source);
}

/* All but the newest keep, and any last written more than max_age ago. */
static void prune(struct housekeeper *k, const char *directory)
{
    size_t count;
    struct rotated_file *files = rotated_files_list(k->path, &count);
    int64_t oldest = seam_now() - k->max_age;
    size_t kept = 0;
    for (size_t i = count; i-- > 0;) {
        if (kept < k->keep && (k->max_age == 0 || files[i].modified >= oldest)) {
            kept++;
            continue;
        }
        char doomed[ROTATED_PATH_MAX];
        snprintf(doomed, sizeof doomed, "%s/%s", directory, files[i].name);
        if (unlink(doomed) != 0 && errno != ENOENT)
            failed(k, "remove", doomed, errno);
    }
    free(files);
}

static void pass(struct housekeeper *k)
{
    char directory[ROTATED_PATH_MAX];
    const char *base;
    rotated_split(k->path, directory, sizeof directory, &base);
    if (k->compress) {
        size_t count;
        struct rotated_file *files = rotated_files_list(k->path, &count);
        for (size_t i = 0; i < count && !load_relaxed(&k->stopping); i++)
            if (!files[i].compressed)
                compress_one(k, directory, files[i].name);
        free(files);
    }
    if (!load_relaxed(&k->stopping))
        prune(k, directory);
}

static void *keeper_main(void *argument)
{
    struct housekeeper *k = argument;
    unsigned done = 0;
    pthread_mutex_lock(&k->lock);
    while (!k->stopping) {
        if (k->passes_wanted == done) {
            pthread_cond_wait(&k->wake, &k->lock);
            continue;
        }
        done = k->passes_wanted;
        pthread_mutex_unlock(&k->lock);
        pass(k);
        pthread_mutex_lock(&k->lock);
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

struct housekeeper *housekeeper_start(const char *path, bool compress, unsigned keep, int64_t max_age)
{
    struct housekeeper *k = calloc(1, sizeof *k);
    if (k == NULL || (k->path = strdup(path)) == NULL) {
        free(k);
        report_problem("sluice: out of memory for keeping the rotated files of '%s'; they are kept as they are", path);
        return NULL;
    }
    k->compress = compress;
    k->keep = keep;
    k->max_age = max_age;
    k->passes_wanted = 1;
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->wake, NULL);
    sigset_t all, previous; /* signals belong to the application's threads */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int error = pthread_create(&k->thread, NULL, keeper_main, k);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (error != 0) {
        report_problem("sluice: cannot start the thread that keeps the rotated files of '%s': %s; they are kept as "
                       "they are",
                       path, strerror(error));
        free(k->path);
        free(k);
        return NULL;
    }
    return k;
}

void housekeeper_wake(struct housekeeper *k)
{
    pthread_mutex_lock(&k->lock);
    k->passes_wanted++;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
}

void housekeeper_stop(struct housekeeper *k)
{
    pthread_mutex_lock(&k->lock);
    store_relaxed(&k->stopping, 1);
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->wake);
    free(k->path);
    free(k);
}
