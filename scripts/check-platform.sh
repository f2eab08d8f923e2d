#!/bin/sh
# Fails when a file of the core (CSources/CSluice) other than the platform files
# names a call, flag or path that only Linux has: each belongs behind platform.h
# (platform_linux.c, with its POSIX replacement in platform_portable.c), or the
# core stops building on macOS. Comments are left out; code and strings are read.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
core="$root/CSources/CSluice"
linux_only='futex|membarrier|syscall|SYS_[a-z_]+|sched_getcpu|sched_getaffinity|CPU_COUNT|cpu_set_t'
linux_only="$linux_only|getrandom|secure_getenv|posix_fallocate|mremap|MREMAP_[A-Z_]+|MAP_POPULATE"
linux_only="$linux_only|SOCK_CLOEXEC|SOCK_NONBLOCK|MSG_NOSIGNAL|pthread_mutex_timedlock|program_invocation_short_name"
linux_only="$linux_only|pipe2|accept4|eventfd|epoll_[a-z]+|O_PATH|SIGRTMIN|gettid|tgkill|prctl"
status=0
for file in "$core"/*.c "$core"/*.h "$core"/include/*.h; do
    case "$(basename "$file")" in platform.h | platform_linux.c | platform_portable.c) continue ;; esac
    # The compiler's own comment stripper, includes left unexpanded.
    found=$(${CC:-cc} -fpreprocessed -dD -E -P "$file" 2>/dev/null |
        grep -nE "\\b($linux_only)\\b|\"/proc/|\"/dev/shm|<linux/|<sys/syscall\\.h>" || true)
    if [ -n "$found" ]; then
        echo "check-platform: $(basename "$file") names what only Linux has; call it through platform.h:" >&2
        echo "$found" | sed 's/^/  /' >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "check-platform: the core names no Linux-only call outside platform_linux.c"
exit $status
