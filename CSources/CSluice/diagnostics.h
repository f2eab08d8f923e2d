/*
 * diagnostics.h — the lines Sluice writes on stderr about itself.
 */
#ifndef SLUICE_DIAGNOSTICS_H
#define SLUICE_DIAGNOSTICS_H

/* One line on stderr: format's text, escaped as a record's text is (control bytes and
 * invalid UTF-8 as \n, \t, \xHH ...), so that a name or value it quotes can never end
 * the line or forge another; then a newline. Cut at 1 KiB. Takes no lock. */
void report_problem(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif /* SLUICE_DIAGNOSTICS_H */
