/* lifecycle.h — a core's open and free (lifecycle.c), and the options check reconfigure shares. */
#ifndef SLUICE_LIFECYCLE_H
#define SLUICE_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice.h"

/* Clears error, then checks options->overflow; false after a line naming it and outcome. */
bool lifecycle_overflow_is_valid(const sluice_options *options, const char *outcome, char *error, size_t error_size);

#endif /* SLUICE_LIFECYCLE_H */
