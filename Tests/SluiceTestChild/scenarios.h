/* Scenarios of the test child that live in files of their own. */
#ifndef SLUICE_TEST_SCENARIOS_H
#define SLUICE_TEST_SCENARIOS_H

#include <sluice.h>

/* Opens a core, or exits with status 1 after the reason on stderr (main.c). */
sluice_core *open_options_or_exit(const sluice_options *options);

int clock_check(char **argv);
int civil_check(char **argv);
int killed(char **argv);
int flight_signal(char **argv);
int crash_reserved(char **argv);
int crash_twice(char **argv);
int fork_crash(char **argv);

#endif
