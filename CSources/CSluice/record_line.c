/* record_line.c — a record's line; see record_line.h. */
#include <string.h>

#include "record_line.h"
#include "sluice.h"

bool record_line(struct line_source *line, const struct record *r, const char *module, size_t module_length)
{
    const char *message = (const char *)(r + 1);
    *line = (struct line_source){
        .utc_ns = line->utc_ns, .level = r->level, .thread = r->thread, .module = module,
        .module_length = module_length, .length = r->length, .segments = (r->flags & RECORD_SEGMENTS) != 0,
        .recalled = (r->flags & RECORD_RECALLED) != 0};
    if (r->flags & RECORD_TRUNCATED) {
        memcpy(&line->truncated_from, message, sizeof line->truncated_from);
        message += sizeof line->truncated_from;
    }
    bool labelled = (r->flags & RECORD_LABELLED) != 0;
    if (labelled) { /* its own name, escaped where it is written */
        uint8_t label_length = (uint8_t)message[0];
        line->module = message + 1;
        line->module_length = label_length;
        message += 1 + label_length;
        line->length -= 1 + label_length;
        line->truncated_from -= line->truncated_from != 0 ? 1 + label_length : 0;
    }
    line->message = message;
    return labelled;
}

size_t record_line_bound(const struct record *r, const struct format_table *formats)
{
    struct line_source line = {0};
    (void)record_line(&line, r, NULL, 0);
    size_t room = line.segments ? render_format_room(formats, line.message, line.length) : 0;
    return render_line_bound(r->length, SLUICE_MODULE_NAME_MAX) + room;
}
