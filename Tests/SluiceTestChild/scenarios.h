/* Scenarios of the test child that live in files of their own. */
#ifndef SLUICE_TEST_SCENARIOS_H
#define SLUICE_TEST_SCENARIOS_H

int clock_check(char **argv);
int civil_check(char **argv);
int killed(char **argv);
int flight_signal(char **argv);
int crash_reserved(char **argv);
int crash_twice(char **argv);
int fork_crash(char **argv);

#endif
