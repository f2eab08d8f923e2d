/* A process that logs and returns from main without closing its core: the
 * at-exit drain must still write every record.
 * Usage: SluiceTestChild <path> <count> */
#include <sluice.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <path> <count>\n", argv[0]);
        return 2;
    }
    sluice_options options;
    sluice_options_init(&options);
    options.path = argv[1];
    char error[256];
    sluice_core *core = sluice_open(&options, error, sizeof error);
    if (core == NULL) {
        fprintf(stderr, "%s\n", error);
        return 1;
    }
    int module = sluice_module(core, "child");
    long count = strtol(argv[2], NULL, 10);
    for (long i = 0; i < count; i++) {
        char message[32];
        int length = snprintf(message, sizeof message, "record %ld", i);
        sluice_log(core, SLUICE_INFO, module, message, (size_t)length);
    }
    return 0;
}
