/*
 * reports.h — drop reports: the gaps in the stream, written in it as
 * "dropped N records" lines (reports.c), by the thread that writes.
 */
#ifndef SLUICE_REPORTS_H
#define SLUICE_REPORTS_H

#include <stdbool.h>

#include "core.h"

/* Drops not yet reported in the stream. */
bool reports_owed(sluice_core *core);
/* Whether a report may be written now: at most once per interval and once per batch, at once
 * when a flush waits or the core closes. */
bool reports_due(sluice_core *core);
/* One "dropped N records" line for every drop not yet reported, if any and due (always when
 * forced), naming the levels a full ring shed. */
void reports_write(sluice_core *core, bool force);

#endif /* SLUICE_REPORTS_H */
