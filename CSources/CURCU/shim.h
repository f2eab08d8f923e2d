/* liburcu (userspace RCU), as found through pkg-config liburcu-bp: the
 * bulletproof flavour that publishes a core's rings (lanes.h), beside the
 * atomics and futexes every flavour shares. CSluice includes the headers it
 * needs itself; this shim lets SwiftPM resolve the library's compile and link
 * flags. */
#include <urcu/uatomic.h>
#include <urcu/futex.h>
