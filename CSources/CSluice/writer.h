/* writer.h — the writer thread (writer.c). */
#ifndef SLUICE_WRITER_H
#define SLUICE_WRITER_H

#include "core.h"

/* Starts core's writer thread with every signal blocked; 0 or an errno. */
int writer_start(sluice_core *core);

#endif /* SLUICE_WRITER_H */
