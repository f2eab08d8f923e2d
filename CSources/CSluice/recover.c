/*
 * recover.c — sluice_recover: the records a recoverable core (ring_file.c) had
 * committed but not yet written when its process died, read from its rings'
 * file and written in order, as its writer would have written them: the rings
 * merged by time, each ring's records in its order.
 *
 * The file belongs to a dead process, so nothing in it is trusted: it must be
 * what that process made (a regular file of mode 0600, owned by this user,
 * named after the process and core its header names), the header
 * and the records are read (not mapped) into private memory, every position and
 * size is checked against the ring's bounds, and a record is one only where its
 * commit word is its own position's (ring.c). Between tail and head, a word that
 * is neither a commit nor a padding word for its position starts a reservation
 * whose producer died before committing it: it is counted as torn, and the walk
 * goes on at its end (the size its producer wrote, when that lands on the next
 * record) or at the next position that holds a commit word for itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "formats.h"
#include "record_line.h"
#include "ring_file.h"
#include "sluice_recover.h"
#include "stats.h"

enum { RECOVER_BATCH_BYTES = 256 << 10 };

/* One of the dead core's rings, and the walk's place in it. */
struct recovered_ring {
    struct ring ring;          /* a private copy: header and records */
    struct ring_header header;
    uint64_t position;         /* the next record to write */
    uint64_t head;             /* where the walk ends */
};

/* What one recovery reads and writes with. */
struct recovery {
    struct ring_header header; /* the first ring's, which names the process */
    struct recovered_ring rings[SLUICE_RINGS_MAX];
    uint32_t ring_count;
    struct stats_map *names;   /* a snapshot of the statistics file, or NULL */
    struct format_table *formats; /* the process's message formats, from the file beside */
    struct clock_converter clock;
    struct timestamp_cache timestamps;
    struct line_style style;
    struct out_buffer out;
    int output_fd;
    sluice_recovery *result;
};

static int fail(char *error, size_t error_size, const char *path, const char *problem)
{
    if (error != NULL)
        snprintf(error, error_size, "sluice: cannot recover %s: %s", path, problem);
    return SLUICE_INVALID;
}

/* Why header is not a ring this sluice can read, in a file of file_size bytes, or NULL. */
static const char *header_problem(const struct ring_header *h, off_t file_size, char *detail, size_t detail_size)
{
    uint64_t region = RING_HEADER_BYTES + h->capacity;
    if (h->magic != RING_MAGIC)
        return "not a Sluice ring file";
    if (h->version != RING_VERSION) {
        snprintf(detail, detail_size, "ring layout version %u, and this sluice reads version %u", h->version,
                 RING_VERSION);
        return detail;
    }
    uint64_t capacity = h->capacity;
    if (capacity < SLUICE_RING_MIN || capacity > SLUICE_RING_MAX || (capacity & (capacity - 1)) != 0 ||
        (uint64_t)file_size % region != 0 || (uint64_t)file_size / region > SLUICE_RINGS_MAX ||
        (h->commit_key & 1) == 0)
        return "a ring of impossible size or key (corrupt, or truncated)";
    uint64_t head = h->head & ~HEAD_SEALED;
    if (h->tail > head || head - h->tail > capacity || (head | h->tail) % 8 != 0)
        return "positions out of order (corrupt)";
    return NULL;
}

/* Why the header of ring index of the file is not the next ring of the core whose first ring
 * is first, or NULL. */
static const char *lane_problem(const struct ring_header *h, const struct ring_header *first, uint32_t index,
                                off_t file_size, char *detail, size_t detail_size)
{
    const char *problem = header_problem(h, file_size, detail, detail_size);
    if (problem != NULL)
        return problem;
    if (h->pid != first->pid || h->core_id != first->core_id || h->capacity != first->capacity || h->lane != index) {
        snprintf(detail, detail_size, "ring %u names process %u core %llu ring %u (corrupt, or planted?)", index, h->pid,
                 (unsigned long long)h->core_id, h->lane);
        return detail;
    }
    return NULL;
}

/* The statistics file beside path (path without ".ring") into stats_path; false if path
 * is not named as a ring file. */
static bool stats_path_of(const char *path, char *stats_path, size_t size)
{
    size_t length = strlen(path);
    if (length < 5 || length - 5 >= size || strcmp(path + length - 5, ".ring") != 0)
        return false;
    memcpy(stats_path, path, length - 5);
    stats_path[length - 5] = '\0';
    return true;
}

/* Why a ring file whose stat is st may have been planted rather than made by the process
 * it names, or NULL: its process made it 0600, owned by its user, which must be this
 * caller's (root: the owner of the statistics file made beside it). */
static const char *ownership_problem(const char *path, const struct stat *st, char *detail, size_t detail_size)
{
    if ((st->st_mode & 07777) != 0600) {
        snprintf(detail, detail_size, "mode %04o, not 0600 as its process made it (planted?)",
                 (unsigned)(st->st_mode & 07777));
        return detail;
    }
    uid_t self = geteuid();
    if (st->st_uid == self)
        return NULL;
    char stats_path[4096];
    struct stat beside;
    if (self == 0 && stats_path_of(path, stats_path, sizeof stats_path) && lstat(stats_path, &beside) == 0 &&
        S_ISREG(beside.st_mode) && beside.st_uid == st->st_uid)
        return NULL;
    snprintf(detail, detail_size, "owned by uid %u, not by this user (uid %u)%s", (unsigned)st->st_uid, (unsigned)self,
             self == 0 ? " nor by the owner of the statistics file beside it" : "");
    return detail;
}

/* Why header does not belong to the process and core path's name gives
 * (sluice-<pid>-<core>[-<8 hex digits>].ring), or NULL. */
static const char *name_problem(const char *path, const struct ring_header *header, char *detail,
                                size_t detail_size)
{
    const char *name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    unsigned pid = 0;
    unsigned long long core = 0;
    int end = 0;
    if (sscanf(name, "sluice-%u-%llu%n", &pid, &core, &end) != 2 ||
        (strcmp(name + end, ".ring") != 0 && (strlen(name + end) != 14 || name[end] != '-' ||
                                              strspn(name + end + 1, "0123456789abcdef") != 8 ||
                                              strcmp(name + end + 9, ".ring") != 0)))
        return "not named as a ring file (sluice-<pid>-<core>.ring)";
    if (pid != header->pid || core != header->core_id) {
        snprintf(detail, detail_size, "its header names process %u core %llu, but its name process %u core %llu (planted?)",
                 header->pid, (unsigned long long)header->core_id, pid, core);
        return detail;
    }
    return NULL;
}

/* The statistics file beside path (path without ".ring"): a checked snapshot, or NULL. */
static struct stats_map *read_names(const char *path)
{
    char stats_path[4096];
    if (!stats_path_of(path, stats_path, sizeof stats_path))
        return NULL;
    struct stats_map *map = malloc(sizeof *map);
    int fd = open(stats_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    char detail[160];
    bool usable = map != NULL && fd >= 0 && pread(fd, map, sizeof *map, 0) == (ssize_t)sizeof *map &&
                  stats_snapshot_problem(map, detail, sizeof detail) == NULL;
    if (fd >= 0)
        close(fd);
    if (!usable) {
        free(map);
        return NULL;
    }
    return map;
}

/* The message formats in the file beside path (<statistics file>.formats), when it is one its
 * process made (0600, its owner); else an empty table: its formatted records show their values. */
static struct format_table *read_formats(const char *path)
{
    char stats_path[4096], formats_path[4096 + 8], detail[160];
    int fd = -1;
    struct stat st;
    if (stats_path_of(path, stats_path, sizeof stats_path)) {
        snprintf(formats_path, sizeof formats_path, "%s.formats", stats_path);
        fd = open(formats_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || ownership_problem(path, &st, detail, sizeof detail) != NULL)) {
        close(fd);
        fd = -1;
    }
    struct format_table *formats = formats_load(fd);
    if (fd >= 0)
        close(fd);
    return formats;
}

/* Writes all of the buffer to the output; false with errno if it cannot. */
static bool write_out(struct recovery *r)
{
    for (size_t done = 0; done < r->out.length;) {
        ssize_t n = write(r->output_fd, r->out.data + done, r->out.length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        done += (size_t)n;
    }
    r->result->bytes += r->out.length;
    r->out.length = 0;
    return true;
}

/* The record at position, if its header fits where it lies. */
static bool record_is_whole(const struct ring *ring, const struct record *record, uint64_t position, uint64_t head)
{
    uint64_t size = record->size, offset = position & (ring->capacity - 1);
    uint64_t extras = ((record->flags & RECORD_TRUNCATED) ? sizeof(uint64_t) : 0);
    if (size < sizeof(struct record) || size % 8 != 0 || size > head - position || offset + size > ring->capacity ||
        record->level > SLUICE_CRITICAL || record->module >= SLUICE_MODULES_MAX || record->length > ring->capacity / 4 ||
        (uint64_t)record->length + extras > size - sizeof(struct record))
        return false;
    if (record->flags & RECORD_LABELLED) {
        const uint8_t *label = (const uint8_t *)(record + 1) + extras;
        return record->length >= 1u + label[0];
    }
    return true;
}

/* Renders one record into the output buffer, writing the buffer out first when full. */
static bool render(struct recovery *r, const struct record *record)
{
    char fallback[32];
    const char *module = fallback;
    size_t module_length;
    const struct stats_map *names = r->names;
    if (names != NULL && record->module < names->module_count) {
        module = names->modules[record->module].name;
        module_length = names->modules[record->module].length;
    } else {
        module_length = (size_t)snprintf(fallback, sizeof fallback, "module-%u", record->module);
    }
    size_t bound = record_line_bound(record, r->formats);
    if ((r->out.length >= RECOVER_BATCH_BYTES || r->out.capacity - r->out.length < bound) && !write_out(r))
        return false;
    struct line_source line = {.utc_ns = clock_to_ns(&r->clock, record->ticks)};
    (void)record_line(&line, record, module, module_length);
    line.formats = r->formats;
    render_line(&r->out, &r->timestamps, &r->style, &line);
    return true;
}

/* The ring's next whole committed record before its head, past padding and torn
 * reservations (counted), or NULL. */
static struct record *next_record(struct recovery *r, struct recovered_ring *rr)
{
    const struct ring *ring = &rr->ring;
    while (rr->position < rr->head) {
        uint64_t position = rr->position;
        struct record *record = ring_record(ring, position);
        uint64_t commit = record->commit;
        if (commit == (position ^ ring->commit_key ^ COMMIT_PADDING)) {
            rr->position += ring_padding(ring, position);
        } else if (commit == (position ^ ring->commit_key) && record_is_whole(ring, record, position, rr->head)) {
            return record;
        } else {
            r->result->torn++;
            uint64_t size = record->size, end = position + size;
            bool lands = size >= sizeof(struct record) && size % 8 == 0 && size <= rr->head - position &&
                         (end == rr->head || ring_next_published(ring, end, end + 8) == end);
            rr->position = lands ? end : ring_next_published(ring, position + 8, rr->head);
        }
    }
    return NULL;
}

/* Every committed record from tail to head of each ring, the rings merged by time; false with
 * errno when a write fails. */
static bool walk(struct recovery *r)
{
    struct record *next[SLUICE_RINGS_MAX];
    for (uint32_t i = 0; i < r->ring_count; i++)
        next[i] = next_record(r, &r->rings[i]);
    for (;;) {
        uint32_t oldest = r->ring_count;
        for (uint32_t i = 0; i < r->ring_count; i++)
            if (next[i] != NULL && (oldest == r->ring_count || next[i]->ticks < next[oldest]->ticks))
                oldest = i;
        if (oldest == r->ring_count)
            break;
        struct recovered_ring *rr = &r->rings[oldest];
        if (!render(r, next[oldest]))
            return false;
        r->result->records++;
        r->result->maybe_written += rr->position < rr->header.writing_end;
        rr->position += next[oldest]->size;
        next[oldest] = next_record(r, rr);
    }
    return write_out(r);
}

static void start_clock(struct recovery *r)
{
    const struct ring_header *h = &r->rings[0].header; /* the writer stores its clock in every ring */
    const struct ring_clock *c = &h->clocks[h->clock_index & 1];
    if (c->ticks_are_realtime_ns || c->ns_per_tick != 0)
        clock_converter_restore(&r->clock, c->anchor_ticks, c->anchor_ns, c->ns_per_tick, c->ticks_are_realtime_ns);
    else /* killed before its writer calibrated: the same machine's clock converts the same ticks */
        clock_converter_init(&r->clock, clock_system());
}

/* Records in hand: into the output, then the file marked recovered. */
static int recover_records(struct recovery *r, int fd, const char *path, char *error, size_t error_size)
{
    if (!walk(r)) {
        char problem[256];
        snprintf(problem, sizeof problem, "writing the records failed: %s; the ring file is left as it was",
                 strerror(errno));
        return fail(error, error_size, path, problem);
    }
    if (fsync(r->output_fd) != 0 && errno != EINVAL && errno != EROFS) {
        char problem[256];
        snprintf(problem, sizeof problem, "syncing the output failed: %s; the ring file is left as it was",
                 strerror(errno));
        return fail(error, error_size, path, problem);
    }
    /* As its writer would have: everything before each head is written. */
    bool marked = true;
    for (uint32_t i = 0; i < r->ring_count && marked; i++) {
        uint64_t head = r->rings[i].head;
        off_t at = (off_t)i * (off_t)(RING_HEADER_BYTES + r->rings[i].ring.capacity);
        marked = pwrite(fd, &head, sizeof head, at + (off_t)offsetof(struct ring_header, tail)) == (ssize_t)sizeof head &&
                 pwrite(fd, &head, sizeof head, at + (off_t)offsetof(struct ring_header, writing_end)) ==
                         (ssize_t)sizeof head;
    }
    if (!marked) {
        char problem[256];
        snprintf(problem, sizeof problem,
                 "the records are written, but marking the file recovered failed: %s; a second recovery would "
                 "write them again",
                 strerror(errno));
        return fail(error, error_size, path, problem);
    }
    return SLUICE_OK;
}

int sluice_recover_pending(const char *path)
{
    return ring_file_holds_records(path);
}

int sluice_recover(const char *path, int output_fd, int format, sluice_recovery *out, char *error,
                   size_t error_size)
{
    sluice_recovery ignored;
    sluice_recovery *result = out != NULL ? out : &ignored;
    *result = (sluice_recovery){0};
    if (format < -1 || format > SLUICE_FORMAT_JSON) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: format %d is none of -1 (the process's), SLUICE_FORMAT_TEXT (0), "
                                        "_LOGFMT (1), _JSON (2); nothing was recovered", format);
        return SLUICE_INVALID;
    }
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(error, error_size, path, errno == ELOOP ? "a symbolic link, not a ring file" : strerror(errno));
    struct recovery r = {.output_fd = output_fd, .result = result};
    struct stat st;
    char detail[200];
    const char *problem = NULL;
    if (fstat(fd, &st) != 0)
        problem = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if ((problem = ownership_problem(path, &st, detail, sizeof detail)) != NULL)
        ;
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        problem = errno == EWOULDBLOCK ? "another recovery is reading it" : strerror(errno);
    else if (pread(fd, &r.header, sizeof r.header, 0) != (ssize_t)sizeof r.header)
        problem = "too short for a Sluice ring file (truncated?)";
    else if ((problem = header_problem(&r.header, st.st_size, detail, sizeof detail)) != NULL)
        ;
    else if ((problem = name_problem(path, &r.header, detail, sizeof detail)) != NULL)
        ;
    else if (!stats_owner_is_dead(r.header.pid, r.header.opened_ns)) {
        snprintf(detail, sizeof detail,
                 "process %u is running: its own writer writes these records (recover only a dead process's ring)",
                 r.header.pid);
        problem = detail;
    }
    result->pid = (int)r.header.pid;
    result->core_id = r.header.core_id;
    if (problem != NULL) {
        close(fd);
        return fail(error, error_size, path, problem);
    }
    uint64_t capacity = r.header.capacity, region = RING_HEADER_BYTES + capacity;
    r.ring_count = (uint32_t)((uint64_t)st.st_size / region);
    bool pending = false;
    for (uint32_t i = 0; i < r.ring_count && problem == NULL; i++) {
        struct recovered_ring *rr = &r.rings[i];
        if (pread(fd, &rr->header, sizeof rr->header, (off_t)(i * region)) != (ssize_t)sizeof rr->header) {
            problem = "too short for its rings (truncated?)";
        } else if (i > 0 && rr->header.magic == 0) { /* killed while it added this ring: none from here */
            r.ring_count = i;
            break;
        } else {
            problem = lane_problem(&rr->header, &r.header, i, st.st_size, detail, sizeof detail);
        }
        rr->position = rr->header.tail;
        rr->head = rr->header.head & ~HEAD_SEALED;
        pending |= rr->head != rr->position;
    }
    if (problem != NULL || !pending) { /* or nothing is left to recover */
        close(fd);
        return problem != NULL ? fail(error, error_size, path, problem) : SLUICE_OK;
    }

    size_t buffer = RECOVER_BATCH_BYTES + render_line_bound(capacity / 4, SLUICE_MODULE_NAME_MAX) + RENDER_FORMAT_ROOM_MAX;
    r.out = (struct out_buffer){.data = malloc(buffer), .capacity = buffer};
    int status = SLUICE_OK;
    for (uint32_t i = 0; i < r.ring_count && status == SLUICE_OK; i++) {
        struct recovered_ring *rr = &r.rings[i];
        /* A header's worth of zeros past the end: a torn reservation's header may be read anywhere. */
        char *records = calloc(1, capacity + sizeof(struct record));
        rr->ring = (struct ring){.header = &rr->header, .base = records, .capacity = capacity,
                                 .commit_key = rr->header.commit_key};
        if (records == NULL)
            status = fail(error, error_size, path, "out of memory");
        else if (pread(fd, records, capacity, (off_t)(i * region + RING_HEADER_BYTES)) != (ssize_t)capacity)
            status = fail(error, error_size, path, "its records could not be read (truncated?)");
    }
    if (status == SLUICE_OK && r.out.data == NULL) {
        status = fail(error, error_size, path, "out of memory");
    } else if (status == SLUICE_OK) {
        r.names = read_names(path);
        r.formats = read_formats(path);
        result->modules_named = r.names != NULL;
        int process_format = r.names != NULL && r.names->sink_count > 0 ? r.names->sinks[0].format : 0;
        r.style.format = format >= 0 ? format : process_format <= SLUICE_FORMAT_JSON ? process_format
                                                                                        : SLUICE_FORMAT_TEXT;
        render_timestamp_cache_init(&r.timestamps);
        start_clock(&r);
        status = recover_records(&r, fd, path, error, error_size);
    }
    for (uint32_t i = 0; i < r.ring_count; i++)
        free(r.rings[i].ring.base);
    free(r.names);
    formats_free(r.formats);
    free(r.out.data);
    close(fd); /* and the lock with it */
    return status;
}
