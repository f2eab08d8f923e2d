/* modules.c — the module registry; see modules.h. */
#include <stdlib.h>
#include <string.h>

#include "modules.h"

int modules_init(struct modules *modules, struct stats_map *map)
{
    modules->samplers = calloc(SLUICE_MODULES_MAX, sizeof *modules->samplers);
    modules->labels = calloc(SLUICE_MODULES_MAX, sizeof *modules->labels);
    if (modules->samplers == NULL || modules->labels == NULL)
        return -1;
    pthread_mutex_init(&modules->lock, NULL);
    modules->map = map;
    return modules_register(modules, "sluice", SLUICE_TRACE, SLUICE_PPM_ALL) == 0 ? 0 : -1;
}

void modules_destroy(struct modules *modules)
{
    pthread_mutex_destroy(&modules->lock);
    if (modules->samplers != NULL)
        for (uint32_t i = 0; i < SLUICE_MODULES_MAX; i++)
            sluice_sampler_destroy(modules->samplers[i]);
    free(modules->samplers);
    if (modules->labels != NULL)
        for (uint32_t i = 0; i < SLUICE_MODULES_MAX; i++)
            for (int format = 0; format < RENDER_FORMATS; format++)
                free(modules->labels[i].of[format].text);
    free(modules->labels);
}

/* The name as each format writes it; false when out of memory. */
static bool make_labels(struct module_labels *labels, const char *name, size_t length)
{
    for (int format = 0; format < RENDER_FORMATS; format++) {
        size_t capacity = RENDER_ESCAPE_FACTOR * length + 8 + 2;
        struct out_buffer out = {.data = malloc(capacity), .length = 0, .capacity = capacity};
        if (out.data == NULL)
            return false;
        render_module(&out, name, length, format);
        labels->of[format] = (struct module_label){.text = out.data, .length = (uint32_t)out.length};
    }
    return true;
}

/* Registers name within the first limit slots. */
static int register_within(struct modules *modules, const char *name, int level, uint32_t sample_ppm, uint32_t limit)
{
    size_t length = name == NULL ? 0 : strlen(name);
    if (name == NULL || length > SLUICE_MODULE_NAME_MAX || level < SLUICE_TRACE || level > SLUICE_CRITICAL ||
        sample_ppm > SLUICE_PPM_ALL)
        return SLUICE_INVALID;
    struct stats_map *map = modules->map;
    pthread_mutex_lock(&modules->lock);
    uint32_t count = map->module_count;
    int id = SLUICE_INVALID;
    for (uint32_t i = 0; i < count; i++) {
        if (map->modules[i].length == length && memcmp(map->modules[i].name, name, length) == 0) {
            id = (int)i;
            break;
        }
    }
    if (id == SLUICE_INVALID && count < limit && make_labels(&modules->labels[count], name, length)) {
        struct stats_module *entry = &map->modules[count];
        memcpy(entry->name, name, length + 1);
        entry->length = (uint32_t)length;
        store_relaxed(&entry->level, level);
        store_relaxed(&entry->configured_level, level);
        store_relaxed(&entry->operator_level, SLUICE_LEVEL_UNSET);
        store_relaxed(&entry->sample_ppm, sample_ppm);
        store_release(&map->module_count, count + 1); /* the entry before the count that covers it */
        fence(); /* then the requests: either a tool sees this module, or this sees its request */
        stats_take_level_request(map, count);
        id = (int)count;
    }
    pthread_mutex_unlock(&modules->lock);
    return id;
}

int modules_register(struct modules *modules, const char *name, int level, uint32_t sample_ppm)
{
    return register_within(modules, name, level, sample_ppm, SLUICE_MODULES_MAX - 1);
}

/* The last slot is kept for the overflow module, so that a full table still has somewhere
 * to count the records of the modules it turned away. TRACE and every call: the callers'
 * own level words and samplers decide. */
int modules_register_overflow(struct modules *modules)
{
    return register_within(modules, SLUICE_OVERFLOW_MODULE, SLUICE_TRACE, SLUICE_PPM_ALL, SLUICE_MODULES_MAX);
}

struct stats_module *modules_entry(struct modules *modules, int module)
{
    if (module < 0 || (uint32_t)module >= load_acquire(&modules->map->module_count))
        return NULL;
    return &modules->map->modules[module];
}

enum { MODULE_SAMPLER_KEYS = 1024 };

sluice_sampler *modules_sampler(struct modules *modules, int module)
{
    if (modules_entry(modules, module) == NULL)
        return NULL;
    sluice_sampler **slot = &modules->samplers[module];
    sluice_sampler *sampler = load_acquire(slot);
    if (sampler != NULL)
        return sampler;
    pthread_mutex_lock(&modules->lock);
    sampler = *slot;
    if (sampler == NULL) {
        sampler = sluice_sampler_create(MODULE_SAMPLER_KEYS);
        store_release(slot, sampler);
    }
    pthread_mutex_unlock(&modules->lock);
    return sampler;
}
