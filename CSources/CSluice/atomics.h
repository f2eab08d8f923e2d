/*
 * atomics.h — the core's few atomic operations, each with a named ordering.
 *
 * Built on liburcu's primitives. liburcu 0.13 implements its x86 atomics in
 * inline assembly, which ThreadSanitizer cannot see; under TSan the same
 * operations map to the compiler's __atomic builtins with the same orderings,
 * so TSan checks the contract the code relies on (as liburcu itself later did
 * with CMM_SANITIZE_THREAD).
 *
 *   load_relaxed / store_relaxed  a single-copy-atomic access, no ordering
 *   load_acquire                  later loads stay after it
 *   store_release                 earlier loads and stores stay before it
 *   exchange                      returns the old value; a full fence
 *   cas                           returns the value found; a full fence on
 *                                 success, NO ordering on failure
 *   add_fetch                     returns the new value; a full fence
 *   add_relaxed                   atomic increment, no ordering
 *   fence                         full fence
 *
 * Only naturally aligned 32- and 64-bit words go through these, on 64-bit Linux.
 */
#ifndef SLUICE_ATOMICS_H
#define SLUICE_ATOMICS_H

#if defined(__SANITIZE_THREAD__)
#define SLUICE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_TSAN 1
#endif
#endif

#ifdef SLUICE_TSAN

#define load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define exchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define cas(p, expected, desired)                                                           \
    __extension__({                                                                         \
        __typeof__(*(p)) cas_found_ = (expected);                                           \
        __atomic_compare_exchange_n((p), &cas_found_, (desired), 0, __ATOMIC_SEQ_CST,       \
                                    __ATOMIC_RELAXED);                                      \
        cas_found_;                                                                         \
    })
#define add_fetch(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define add_relaxed(p, v) ((void)__atomic_add_fetch((p), (v), __ATOMIC_RELAXED))
#define fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define cpu_relax() __atomic_signal_fence(__ATOMIC_SEQ_CST)

#else

#include <urcu/arch.h>
#include <urcu/system.h>
#include <urcu/uatomic.h>

#define load_relaxed(p) CMM_LOAD_SHARED(*(p))
/* cmm_smp_rmb orders this load before later loads. Where a store must also
 * stay after it (a producer writing into space it saw freed), the successful
 * cas that follows the load is the full fence that keeps it there. */
#define load_acquire(p)                                                                     \
    __extension__({                                                                         \
        __typeof__(*(p)) load_value_ = CMM_LOAD_SHARED(*(p));                               \
        cmm_smp_rmb();                                                                      \
        load_value_;                                                                        \
    })
#define store_relaxed(p, v) ((void)CMM_STORE_SHARED(*(p), (v)))
/* cmm_smp_wmb would order earlier stores only; release needs earlier loads too. x86
 * keeps every earlier load and store before a later store (TSO), so there release
 * needs only the compiler held back; liburcu's full barrier there is an mfence,
 * which waits for every store in flight (~100 ns after a record's copy). */
#if defined(__x86_64__) || defined(__i386__)
#define release_barrier() cmm_barrier()
#else
#define release_barrier() cmm_smp_mb()
#endif
#define store_release(p, v)                                                                 \
    do {                                                                                    \
        release_barrier();                                                                  \
        CMM_STORE_SHARED(*(p), (v));                                                        \
    } while (0)
#define exchange(p, v) uatomic_xchg((p), (v))
#define cas(p, expected, desired) uatomic_cmpxchg((p), (expected), (desired))
#define add_fetch(p, v) uatomic_add_return((p), (v))
#define add_relaxed(p, v) uatomic_add((p), (v))
#define cpu_relax() caa_cpu_relax() /* in a spin: the pause instruction */
#define fence() cmm_smp_mb()

#endif

#endif /* SLUICE_ATOMICS_H */
