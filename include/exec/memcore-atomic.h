/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Atomic accesses and fences with the memory order in the name, after
 * QEMU's qatomic_*() and smp_*() (QEMU's docs/devel/atomics.rst).
 *
 * memcore uses the compiler's __atomic builtins, and only through these
 * macros, so that every ordering choice is named where it is made and can
 * be found with grep. Pick the weakest order that is still right, and say
 * in a comment what it pairs with:
 *
 *  - *_relaxed, qatomic_read(), qatomic_set(): no ordering, only
 *    indivisibility; counters and flags nobody orders other memory by;
 *  - qatomic_load_acquire() / qatomic_store_release() and the _acquire /
 *    _release read-modify-writes: publication; what was written before
 *    the release is visible after the acquire that reads its value;
 *  - *_acq_rel: a read-modify-write that both publishes and consumes
 *    (reference counts whose last drop frees);
 *  - smp_mb_acquire(), smp_mb_release(), smp_mb(): fences, for orderings
 *    that are not attached to one variable (and across processes, for the
 *    emulated hypervisor's shared grant table).
 *
 * Arguments are evaluated once; @p is a pointer to a naturally aligned
 * integer or pointer no wider than 8 bytes.
 */
#ifndef EXEC_MEMCORE_ATOMIC_H
#define EXEC_MEMCORE_ATOMIC_H

#define qatomic_read(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define qatomic_set(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define qatomic_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define qatomic_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

#define qatomic_fetch_add_relaxed(p, v) \
    __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define qatomic_fetch_sub_relaxed(p, v) \
    __atomic_fetch_sub(p, v, __ATOMIC_RELAXED)
#define qatomic_add_fetch_relaxed(p, v) \
    __atomic_add_fetch(p, v, __ATOMIC_RELAXED)
#define qatomic_fetch_add_release(p, v) \
    __atomic_fetch_add(p, v, __ATOMIC_RELEASE)
#define qatomic_sub_fetch_acq_rel(p, v) \
    __atomic_sub_fetch(p, v, __ATOMIC_ACQ_REL)
#define qatomic_fetch_or_acq_rel(p, v) \
    __atomic_fetch_or(p, v, __ATOMIC_ACQ_REL)
#define qatomic_fetch_and_acq_rel(p, v) \
    __atomic_fetch_and(p, v, __ATOMIC_ACQ_REL)
#define qatomic_fetch_or_release(p, v) \
    __atomic_fetch_or(p, v, __ATOMIC_RELEASE)
#define qatomic_fetch_and_release(p, v) \
    __atomic_fetch_and(p, v, __ATOMIC_RELEASE)
#define qatomic_fetch_add_acq_rel(p, v) \
    __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL)
#define qatomic_fetch_sub_acq_rel(p, v) \
    __atomic_fetch_sub(p, v, __ATOMIC_ACQ_REL)
#define qatomic_xchg_relaxed(p, v) __atomic_exchange_n(p, v, __ATOMIC_RELAXED)

/* Sequentially consistent load and store, for tests that want it simple. */
#define qatomic_mb_read(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define qatomic_mb_set(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)

/*
 * Compare *@p with *@expected; if equal store @desired (acquire+release),
 * else load *@p into *@expected (acquire). True if it stored.
 */
#define qatomic_cmpxchg_acq_rel(p, expected, desired)        \
    __atomic_compare_exchange_n(p, expected, desired, false, \
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

#define smp_mb_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_mb_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif /* EXEC_MEMCORE_ATOMIC_H */
