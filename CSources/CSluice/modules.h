/*
 * modules.h — the module registry: name -> small id, stable for the core's
 * life. Names, levels and sample rates live in the shared statistics mapping
 * (stats.h says who writes what), so `sluice level` and `sluice sample` can
 * change them from outside; the registry keeps what only the process needs:
 * each module's sampler and its name as each format writes it.
 */
#ifndef SLUICE_MODULES_H
#define SLUICE_MODULES_H

#include <pthread.h>
#include <stdint.h>

#include "render.h"
#include "sluice.h"
#include "stats.h"

/* A module's name as lines show it: escaped like a message, so that no name
 * can end a line or forge another; one for each format. */
struct module_label {
    char *text;
    uint32_t length;
};
struct module_labels {
    struct module_label of[RENDER_FORMATS];
};

struct modules {
    pthread_mutex_t lock;       /* serializes registration */
    struct stats_map *map;      /* names, settings and per-module counters */
    sluice_sampler **samplers;  /* each module's sampler, made on first use under lock;
                                   store_release, then load_acquire */
    struct module_labels *labels; /* each module's, written once at registration, before
                                   module_count covers it; read by the writer */
};

/* Registers the core's own module, "sluice", as id 0; -1 when out of memory. */
int modules_init(struct modules *modules, struct stats_map *map);
void modules_destroy(struct modules *modules);
/* name's id, registered with level and sample_ppm if new; SLUICE_INVALID for a bad
 * argument or a full table. The last slot is kept for the overflow module. */
int modules_register(struct modules *modules, const char *name, int level, uint32_t sample_ppm);
/* The overflow module's id (sluice.h, SLUICE_OVERFLOW_MODULE), in the slot kept for it. */
int modules_register_overflow(struct modules *modules);
/* The entry of a registered module, or NULL. */
struct stats_module *modules_entry(struct modules *modules, int module);
/* A registered module's sampler, made on first use; NULL for any other id or out of memory. */
sluice_sampler *modules_sampler(struct modules *modules, int module);

#endif /* SLUICE_MODULES_H */
