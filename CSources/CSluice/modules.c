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
    return modules_register(modules, "sluice") == 0 ? 0 : -1;
}

void modules_destroy(struct modules *modules)
{
    pthread_mutex_destroy(&modules->lock);
    free(modules->entries);
}

int modules_register(struct modules *modules, const char *name)
{
    size_t length = name == NULL ? 0 : strlen(name);
    if (length == 0 || length > SLUICE_MODULE_NAME_MAX)
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
        store_release(&modules->count, count + 1); /* the entry before the count that covers it */
        id = (int)count;
    }
    pthread_mutex_unlock(&modules->lock);
    return id;
}

int sluice_module(sluice_core *core, const char *name)
{
    return modules_register(&core->modules, name);
}

const char *sluice_module_name(sluice_core *core, int module)
{
    if (module < 0 || (uint32_t)module >= load_acquire(&core->modules.count))
        return NULL;
    return core->modules.entries[module].name;
}
