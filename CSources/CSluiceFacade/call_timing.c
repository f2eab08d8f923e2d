/* call_timing.c — what the facade's inlined hot path asks of the core: its
 * id (the shard cache's key), which calls to time, the clock, and the
 * call-latency histogram. */
#include "../CSluice/core.h"

uint64_t sluice_core_id(const sluice_core *core)
{
    return core->id;
}

uint64_t sluice_call_timing_mask(const sluice_core *core)
{
    uint32_t every = core->stats.map->header.call_timing_every;
    return every == 0 ? UINT64_MAX : every - 1;
}

uint64_t sluice_monotonic_ns(void)
{
    return (uint64_t)clock_monotonic_ns();
}

void sluice_record_call(sluice_core *core, uint64_t ns)
{
    histogram_record(&core->stats.map->histograms[SLUICE_HISTOGRAM_CALL], ns, true);
}

