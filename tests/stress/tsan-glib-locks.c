/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GMutex and GCond on pthreads, for ThreadSanitizer runs only.
 *
 * On Linux, glib implements GMutex and GCond itself with atomics and
 * futex(2), inside libglib, which is not instrumented. ThreadSanitizer
 * therefore never sees them lock or unlock, and reports every access
 * that such a lock orders as a data race: in memcore's map path, the
 * grant region, the emulated hypervisor, the tests. Those reports are
 * false, and suppressing them would also hide the real races among them.
 *
 * Instead, .ci/run preloads this library (LD_PRELOAD) into the TSan
 * build's multi-threaded suites. It provides the same functions on
 * pthread mutexes and condition variables, which ThreadSanitizer
 * intercepts, so it sees exactly the ordering the locks give, no more.
 * The lock objects are allocated on first use, as glib's own pthread
 * implementation does, so statically zeroed GMutex and GCond work.
 *
 * GRecMutex and GRWLock need nothing: glib builds them on pthreads
 * already.
 *
 * The library is not instrumented itself, because ThreadSanitizer also
 * starts its symbolizer with this preload; so the one thing it does with
 * atomics, publishing a lazily made lock, is announced to the runtime
 * with __tsan_release()/__tsan_acquire(), when there is a runtime.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <glib.h>
#include "exec/memcore-atomic.h"

/* ThreadSanitizer's annotations; absent outside a TSan process. */
void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

static void *impl_get(gpointer *slot, void *(*make)(void),
                      void (*drop)(void *))
{
    void *impl = qatomic_load_acquire(slot);

    if (!impl) {
        void *fresh = make();

        if (__tsan_release) {
            __tsan_release(slot);
        }
        if (qatomic_cmpxchg_acq_rel(slot, &impl, fresh)) {
            return fresh;
        }
        drop(fresh); /* another thread won; impl is theirs */
    }
    if (__tsan_acquire) {
        __tsan_acquire(slot);
    }
    return impl;
}

static void *mutex_make(void)
{
    pthread_mutex_t *m = malloc(sizeof(*m));

    if (!m || pthread_mutex_init(m, NULL)) {
        abort();
    }
    return m;
}

static void mutex_drop(void *p)
{
    pthread_mutex_destroy(p);
    free(p);
}

static pthread_mutex_t *mutex_of(GMutex *mutex)
{
    return impl_get(&mutex->p, mutex_make, mutex_drop);
}

void g_mutex_init(GMutex *mutex)
{
    mutex->p = NULL;
}

void g_mutex_clear(GMutex *mutex)
{
    if (mutex->p) {
        mutex_drop(mutex->p);
        mutex->p = NULL;
    }
}

void g_mutex_lock(GMutex *mutex)
{
    if (pthread_mutex_lock(mutex_of(mutex))) {
        abort();
    }
}

void g_mutex_unlock(GMutex *mutex)
{
    if (pthread_mutex_unlock(mutex_of(mutex))) {
        abort();
    }
}

gboolean g_mutex_trylock(GMutex *mutex)
{
    return pthread_mutex_trylock(mutex_of(mutex)) == 0;
}

/* Conditions wait on the monotonic clock, as g_cond_wait_until() takes. */
static void *cond_make(void)
{
    pthread_cond_t *c = malloc(sizeof(*c));
    pthread_condattr_t attr;

    if (!c || pthread_condattr_init(&attr) ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) ||
        pthread_cond_init(c, &attr)) {
        abort();
    }
    pthread_condattr_destroy(&attr);
    return c;
}

static void cond_drop(void *p)
{
    pthread_cond_destroy(p);
    free(p);
}

static pthread_cond_t *cond_of(GCond *cond)
{
    return impl_get(&cond->p, cond_make, cond_drop);
}

void g_cond_init(GCond *cond)
{
    cond->p = NULL;
}

void g_cond_clear(GCond *cond)
{
    if (cond->p) {
        cond_drop(cond->p);
        cond->p = NULL;
    }
}

void g_cond_wait(GCond *cond, GMutex *mutex)
{
    if (pthread_cond_wait(cond_of(cond), mutex_of(mutex))) {
        abort();
    }
}

void g_cond_signal(GCond *cond)
{
    pthread_cond_signal(cond_of(cond));
}

void g_cond_broadcast(GCond *cond)
{
    pthread_cond_broadcast(cond_of(cond));
}

gboolean g_cond_wait_until(GCond *cond, GMutex *mutex, gint64 end_time)
{
    struct timespec ts = {
        .tv_sec = end_time / G_USEC_PER_SEC,
        .tv_nsec = (end_time % G_USEC_PER_SEC) * 1000,
    };
    int ret = pthread_cond_timedwait(cond_of(cond), mutex_of(mutex), &ts);

    if (ret && ret != ETIMEDOUT) {
        abort();
    }
    return ret == 0;
}
