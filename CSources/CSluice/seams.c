/* seams.c — the product's side of seams.h: weak, so that only a test build replaces them. */
#include <time.h>
#include <unistd.h>

#include "seams.h"

__attribute__((weak)) ssize_t seam_write(int fd, const void *data, size_t length)
{
    return write(fd, data, length);
}

__attribute__((weak)) bool seam_writers_paused(void)
{
    return false;
}

__attribute__((weak)) int64_t seam_now(void)
{
    return (int64_t)time(NULL);
}
