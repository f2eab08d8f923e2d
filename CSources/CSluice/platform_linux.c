/* platform_linux.c — platform.h with Linux's own calls (the default on Linux). */
#include "platform.h"

#if SLUICE_PLATFORM_LINUX

#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <urcu/futex.h>

void platform_wait(int32_t *word, int32_t expected, int64_t timeout_ns)
{
    struct timespec timeout = {
        .tv_sec = timeout_ns / 1000000000,
        .tv_nsec = timeout_ns % 1000000000,
    };
    /* EAGAIN (the word changed), EINTR and ETIMEDOUT all mean: look again. */
    (void)futex_async(word, FUTEX_WAIT, expected, timeout_ns < 0 ? NULL : &timeout, NULL, 0);
}

void platform_wake(int32_t *word, int32_t count)
{
    (void)futex_async(word, FUTEX_WAKE, count, NULL, NULL, 0);
}

static int call_membarrier(int command)
{
    return (int)syscall(__NR_membarrier, command, 0, 0);
}

bool platform_can_fence_all_threads(void)
{
    int supported = call_membarrier(MEMBARRIER_CMD_QUERY);
    /* Registered once, the process stays registered, in a forked child too. */
    return supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
           call_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

int platform_fence_all_threads(void)
{
    return call_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

uint32_t platform_usable_cpus(void)
{
    cpu_set_t cpus;
    int count = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    return count < 1 ? 1u : (uint32_t)count;
}

uint32_t platform_thread_id(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

bool platform_thread_is_gone(uint32_t thread)
{
    /* A kernel entry, so a full barrier: the exited thread's last stores are visible. */
    return syscall(SYS_tgkill, getpid(), (pid_t)thread, 0) != 0 && errno == ESRCH;
}

int platform_process_owner(uint32_t pid, uid_t *owner)
{
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/%u", pid);
    struct stat process;
    if (stat(proc, &process) != 0)
        return ESRCH;
    *owner = process.st_uid;
    return 0;
}

int64_t platform_process_start_ns(uint32_t pid)
{
    char path[32], text[1024];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    /* Field 22, starttime in clock ticks since boot, is the 20th after the
     * command, which ends at the last ')' (a command may hold spaces). */
    char *field = strrchr(text, ')');
    for (int i = 0; field != NULL && i < 20; i++)
        field = strchr(field + 1, ' ');
    FILE *proc_stat = fopen("/proc/stat", "re");
    long long boot = -1;
    char line[256];
    while (proc_stat != NULL && fgets(line, sizeof line, proc_stat) != NULL)
        if (sscanf(line, "btime %lld", &boot) == 1)
            break;
    if (proc_stat != NULL)
        fclose(proc_stat);
    long ticks_per_second = sysconf(_SC_CLK_TCK);
    if (field == NULL || boot < 0 || ticks_per_second <= 0)
        return -1;
    unsigned long long started = strtoull(field + 1, NULL, 10);
    return boot * 1000000000LL + (int64_t)(started * (1000000000ULL / (unsigned long long)ticks_per_second));
}

const char *platform_program_name(void)
{
    return program_invocation_short_name;
}

const char *platform_secure_getenv(const char *name)
{
    return secure_getenv(name);
}

bool platform_random(void *out, size_t size)
{
    return getrandom(out, size, GRND_NONBLOCK) == (ssize_t)size;
}

int platform_reserve_file(int fd, off_t offset, off_t size)
{
    return posix_fallocate(fd, offset, size);
}

bool platform_move_mapping(void *from, void *to, size_t size)
{
    return mremap(from, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to) != MAP_FAILED;
}

bool platform_lock_until(pthread_mutex_t *mutex, int64_t deadline_ns)
{
    struct timespec now, until;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = deadline_ns - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    clock_gettime(CLOCK_REALTIME, &until); /* pthread_mutex_timedlock's clock */
    int64_t at = (int64_t)until.tv_nsec + (left > 0 ? left : 0);
    until.tv_sec += at / 1000000000;
    until.tv_nsec = at % 1000000000;
    return pthread_mutex_timedlock(mutex, &until) == 0;
}

int platform_socket(int family, int type)
{
    return socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

void platform_after_fork_in_child(void)
{
}

#endif /* SLUICE_PLATFORM_LINUX */
