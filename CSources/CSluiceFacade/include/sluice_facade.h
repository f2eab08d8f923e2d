/*
 * sluice_facade.h — what the Swift facade inlines on every log call (the
 * core's facade.h) and the calls behind it (call_timing.c). This target is in
 * no product: it is not a C API, and may change with any release.
 */
#ifndef SLUICE_FACADE_PUBLIC_H
#define SLUICE_FACADE_PUBLIC_H

#include "../../CSluice/facade.h"

#endif /* SLUICE_FACADE_PUBLIC_H */
