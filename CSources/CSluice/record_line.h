/*
 * record_line.h — what a record in the ring says, as the line the renderer
 * writes: shared by the writer, the synchronous path and `sluice recover`.
 */
#ifndef SLUICE_RECORD_LINE_H
#define SLUICE_RECORD_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "render.h"
#include "ring.h"

/* What record's line shows, its time (line->utc_ns, kept) aside: the message, its flags,
 * and the module's name given (or the record's own label: then true, and the module's
 * labels do not apply). */
bool record_line(struct line_source *line, const struct record *record, const char *module, size_t module_length);

/* The most bytes record's line takes in any format (render_line_bound, and its format's
 * pieces, which the record does not carry, from formats: NULL for the process's). */
size_t record_line_bound(const struct record *record, const struct format_table *formats);

#endif /* SLUICE_RECORD_LINE_H */
