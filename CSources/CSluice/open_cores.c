/* open_cores.c — the list of cores not yet freed; see open_cores.h. */
#include "open_cores.h"

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drain_finished = PTHREAD_COND_INITIALIZER;
static sluice_core *open_cores;    /* under list_lock */
static sluice_core *drained_cores; /* under list_lock */

void open_cores_add(sluice_core *core)
{
    pthread_mutex_lock(&list_lock);
    core->next_open = open_cores;
    open_cores = core;
    pthread_mutex_unlock(&list_lock);
}

/* Takes core off whichever list holds it; under list_lock. */
static void unlink_core(sluice_core **list, sluice_core *core)
{
    for (sluice_core **link = list; *link != NULL; link = &(*link)->next_open) {
        if (*link == core) {
            *link = core->next_open;
            return;
        }
    }
}

void open_cores_remove(sluice_core *core)
{
    pthread_mutex_lock(&list_lock);
    while (core->draining) /* the drain puts it on drained_cores when it ends */
        pthread_cond_wait(&drain_finished, &list_lock);
    unlink_core(&open_cores, core); /* off both lists now: no drain can take it up later */
    unlink_core(&drained_cores, core);
    pthread_mutex_unlock(&list_lock);
}

sluice_core *open_cores_take_for_drain(void)
{
    pthread_mutex_lock(&list_lock);
    sluice_core *core = open_cores;
    if (core != NULL) {
        open_cores = core->next_open;
        core->draining = true;
    }
    pthread_mutex_unlock(&list_lock);
    return core;
}

void open_cores_drained(sluice_core *core)
{
    pthread_mutex_lock(&list_lock);
    core->draining = false;
    core->next_open = drained_cores;
    drained_cores = core;
    pthread_cond_broadcast(&drain_finished);
    pthread_mutex_unlock(&list_lock);
}

void open_cores_lock(void)
{
    pthread_mutex_lock(&list_lock);
}

bool open_cores_trylock(void)
{
    return pthread_mutex_trylock(&list_lock) == 0;
}

void open_cores_unlock(void)
{
    pthread_mutex_unlock(&list_lock);
}

sluice_core *open_cores_first(void)
{
    return open_cores;
}

void open_cores_unlock_in_child(void)
{
    pthread_cond_init(&drain_finished, NULL);
    pthread_mutex_unlock(&list_lock);
}
