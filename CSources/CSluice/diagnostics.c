/* diagnostics.c — the lines Sluice writes on stderr about itself; see diagnostics.h. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "diagnostics.h"
#include "render.h"
#include "facade.h"

enum { PROBLEM_MAX = 1024 };

size_t sluice_escape_text(const char *text, size_t length, char *out, size_t capacity)
{
    struct out_buffer buffer = {.data = out, .length = 0, .capacity = capacity};
    render_escaped_within(&buffer, text, length, capacity, ESCAPE_TEXT);
    return buffer.length;
}

void report_problem(const char *format, ...)
{
    char text[PROBLEM_MAX], line[PROBLEM_MAX * RENDER_ESCAPE_FACTOR + 1];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    if (length < 0)
        return;
    size_t escaped = sluice_escape_text(text, (size_t)length < sizeof text ? (size_t)length : sizeof text - 1, line,
                                        sizeof line - 1);
    line[escaped++] = '\n';
    for (size_t done = 0; done < escaped;) {
        ssize_t n = write(STDERR_FILENO, line + done, escaped - done);
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}
