/*
 * sluice_recover.h — the records a killed process left in its recoverable ring
 * (sluice_options.recoverable), written out afterwards by another process:
 * what `sluice recover` does.
 */
#ifndef SLUICE_RECOVER_H
#define SLUICE_RECOVER_H

#include <stddef.h>
#include <stdint.h>

#include "sluice.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Recovery after a kill (sluice_options.recoverable). Reads the ring file at path
 * (<statistics file>.ring) of a process that is gone, and writes to output_fd,
 * in order, every record that was committed in it but not yet written, with its
 * original timestamp and thread, in format (SLUICE_FORMAT_*; -1: the format of the
 * process's first sink, text for syslog). Module names come from the statistics
 * file beside it ("module-<id>" where it is gone or unreadable: modules_named 0).
 * A reservation whose producer died before committing it is skipped and counted
 * (torn). Once everything is written (and, for a regular file, synced), the ring
 * file is marked recovered: a second recovery writes nothing. SLUICE_INVALID with
 * the reason in error for a file that is not a ring file, may have been planted
 * (not a regular file of mode 0600 owned by this user — root: by the owner of
 * the statistics file beside it —, or named for another process or core than
 * its header names: sluice-<pid>-<core>.ring), is a live process's
 * (its own writer writes those records), is locked by another recovery, or when
 * a write to output_fd fails (the file is then not marked: recover again).
 */
typedef struct sluice_recovery {
    int pid;                   /* the process the ring was in */
    uint64_t core_id;
    uint64_t records;          /* written to output_fd by this call */
    uint64_t maybe_written;    /* of those, the ones the dead writer was writing when the process
                                  died: they may be in its log as well */
    uint64_t torn;             /* reservations never committed (their producer died filling them) */
    uint64_t bytes;            /* written to output_fd */
    int modules_named;         /* 1: module names came from the statistics file */
} sluice_recovery;
int sluice_recover(const char *path, int output_fd, int format, sluice_recovery *out, char *error,
                   size_t error_size);
/* 1 if the ring file at path holds records that neither its writer nor a recovery wrote. */
int sluice_recover_pending(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_RECOVER_H */
