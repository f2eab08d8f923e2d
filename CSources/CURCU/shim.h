/* liburcu (userspace RCU), as found through pkg-config liburcu-memb. CSluice
 * includes the headers it needs itself; this shim lets SwiftPM resolve the
 * library's compile and link flags. */
#include <urcu/uatomic.h>
#include <urcu/futex.h>
