/*
 * module_settings.c — the API over a core's modules (modules.h): registering,
 * and each module's level and sample rate. Every entry point that changes
 * something readies a forked child's core first (fork.h).
 */
#include "core.h"
#include "fork.h"

int sluice_overflow_module(sluice_core *core)
{
    core_ready(core);
    return modules_register_overflow(&core->modules);
}

int sluice_module(sluice_core *core, const char *name)
{
    core_ready(core);
    return modules_register(&core->modules, name, SLUICE_TRACE, SLUICE_PPM_ALL);
}

int sluice_module_configured(sluice_core *core, const char *name, int level, uint32_t sample_ppm)
{
    core_ready(core);
    return modules_register(&core->modules, name, level, sample_ppm);
}

/* The entry of a registered module, or NULL. */
static struct stats_module *entry_of(sluice_core *core, int module)
{
    return modules_entry(&core->modules, module);
}

const char *sluice_module_name(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? NULL : entry->name;
}

int sluice_module_level(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? SLUICE_INVALID : load_relaxed(&entry->level);
}

void sluice_set_module_level(sluice_core *core, int module, int level)
{
    core_ready(core);
    (void)sluice_stats_set_level(&core->stats, module, level);
}

void sluice_reset_module_level(sluice_core *core, int module)
{
    core_ready(core);
    (void)sluice_stats_reset_level(&core->stats, module);
}

void sluice_configure_module_level(sluice_core *core, int module, int level)
{
    core_ready(core);
    struct stats_module *entry = entry_of(core, module);
    if (entry == NULL || level < SLUICE_TRACE || level > SLUICE_CRITICAL)
        return;
    store_relaxed(&entry->configured_level, level);
    if (load_relaxed(&entry->operator_level) == SLUICE_LEVEL_UNSET) /* an operator's level stays until reset */
        store_relaxed(&entry->level, level);
}

const int32_t *sluice_module_operator_word(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? NULL : &entry->operator_level;
}

uint32_t sluice_module_sample_ppm(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? 0 : load_relaxed(&entry->sample_ppm);
}

void sluice_set_module_sample_ppm(sluice_core *core, int module, uint32_t ppm)
{
    core_ready(core);
    (void)sluice_stats_set_sample_ppm(&core->stats, module, ppm < SLUICE_PPM_ALL ? ppm : SLUICE_PPM_ALL);
}

const int32_t *sluice_module_level_word(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? NULL : &entry->level;
}

const uint32_t *sluice_module_sample_word(sluice_core *core, int module)
{
    struct stats_module *entry = entry_of(core, module);
    return entry == NULL ? NULL : &entry->sample_ppm;
}

sluice_sampler *sluice_module_sampler(sluice_core *core, int module)
{
    return modules_sampler(&core->modules, module);
}
