/* sink_function.c — a sink the application supplies: its lines go to a function (sluice.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"

static size_t function_write(struct sink *sink, const char *data, size_t length)
{
    size_t taken = sink->function.write(sink->function.context, data, length);
    if (taken < length)
        errno = EIO; /* the function's own failure: counted as the sink's write error */
    return taken < length ? taken : length;
}

static void function_close(struct sink *sink)
{
    free(sink->name);
    sink->name = NULL;
    sink->function = (sluice_sink_function){0};
}

static const struct sink_ops function_ops = {.write = function_write, .close = function_close, .reopen = NULL};

int sink_function_open(struct sink *sink, const char *name, const sluice_sink_function *function, char *error,
                       size_t error_size)
{
    *sink = (struct sink){.ops = &function_ops, .fd = -1, .owns_fd = false, .is_pipe = false,
                          .name = strdup(name != NULL ? name : "function"), .function = *function};
    if (function->write == NULL || sink->name == NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: the sink '%s' %s; nothing was opened", name != NULL ? name : "function",
                     function->write == NULL ? "has no write function" : "cannot be named: out of memory");
        free(sink->name);
        *sink = (struct sink){0};
        return -1;
    }
    return 0;
}
