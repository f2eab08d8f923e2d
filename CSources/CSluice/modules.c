/* modules.c — the module registry: name -> small id, stable for the core's life. */
#include <stdlib.h>
#include <string.h>

#include "core.h"

int modules_init(struct modules *modules)
{
    modules->entries = calloc(SLUICE_MODULES_MAX, sizeof *modules->entries);
    if (modules->entries == NULL)
        return -1;
    pthread_mutex_init(&modules->lock, NULL);
    modules->count = 0;
    return modules_register(modules, "sluice", SLUICE_TRACE, SLUICE_PPM_ALL) == 0 ? 0 : -1;
}

void modules_destroy(struct modules *modules)
{
    pthread_mutex_destroy(&modules->lock);
    if (modules->entries != NULL)
        for (uint32_t i = 0; i < modules->count; i++)
            sluice_sampler_destroy(modules->entries[i].sampler);
    free(modules->entries);
}

int modules_register(struct modules *modules, const char *name, int level, uint32_t sample_ppm)
{
    size_t length = name == NULL ? 0 : strlen(name);
    if (length == 0 || length > SLUICE_MODULE_NAME_MAX || level < SLUICE_TRACE || level > SLUICE_CRITICAL ||
        sample_ppm > SLUICE_PPM_ALL)
        return SLUICE_INVALID;
    pthread_mutex_lock(&modules->lock);
    uint32_t count = modules->count;
    int id = SLUICE_INVALID;
    for (uint32_t i = 0; i < count; i++) {
        if (modules->entries[i].length == length && memcmp(modules->entries[i].name, name, length) == 0) {
            id = (int)i;
            break;
        }
    }
    if (id == SLUICE_INVALID && count < SLUICE_MODULES_MAX) {
        struct module *entry = &modules->entries[count];
        memcpy(entry->name, name, length + 1);
        entry->length = (uint32_t)length;
        entry->level = level;
        entry->sample_ppm = sample_ppm;
        store_release(&modules->count, count + 1); /* the entry before the count that covers it */
        id = (int)count;
    }
    pthread_mutex_unlock(&modules->lock);
    return id;
}

int sluice_module(sluice_core *core, const char *name)
{
    return modules_register(&core->modules, name, SLUICE_TRACE, SLUICE_PPM_ALL);
}

int sluice_module_configured(sluice_core *core, const char *name, int level, uint32_t sample_ppm)
{
    return modules_register(&core->modules, name, level, sample_ppm);
}

/* The entry of a registered module, or NULL. */
static struct module *entry_of(sluice_core *core, int module)
{
    if (module < 0 || (uint32_t)module >= load_acquire(&core->modules.count))
        return NULL;
    return &core->modules.entries[module];
}

const char *sluice_module_name(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    return entry == NULL ? NULL : entry->name;
}

int sluice_module_level(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    return entry == NULL ? SLUICE_INVALID : load_relaxed(&entry->level);
}

void sluice_set_module_level(sluice_core *core, int module, int level)
{
    struct module *entry = entry_of(core, module);
    if (entry != NULL && level >= SLUICE_TRACE && level <= SLUICE_CRITICAL)
        store_relaxed(&entry->level, level);
}

uint32_t sluice_module_sample_ppm(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    return entry == NULL ? 0 : load_relaxed(&entry->sample_ppm);
}

void sluice_set_module_sample_ppm(sluice_core *core, int module, uint32_t ppm)
{
    struct module *entry = entry_of(core, module);
    if (entry != NULL)
        store_relaxed(&entry->sample_ppm, ppm < SLUICE_PPM_ALL ? ppm : SLUICE_PPM_ALL);
}

const int32_t *sluice_module_level_word(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    return entry == NULL ? NULL : &entry->level;
}

const uint32_t *sluice_module_sample_word(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    return entry == NULL ? NULL : &entry->sample_ppm;
}

enum { MODULE_SAMPLER_KEYS = 1024 };

sluice_sampler *sluice_module_sampler(sluice_core *core, int module)
{
    struct module *entry = entry_of(core, module);
    if (entry == NULL)
        return NULL;
    sluice_sampler *sampler = load_acquire(&entry->sampler);
    if (sampler != NULL)
        return sampler;
    pthread_mutex_lock(&core->modules.lock);
    sampler = entry->sampler;
    if (sampler == NULL) {
        sampler = sluice_sampler_create(MODULE_SAMPLER_KEYS);
        store_release(&entry->sampler, sampler);
    }
    pthread_mutex_unlock(&core->modules.lock);
    return sampler;
}
