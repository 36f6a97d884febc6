/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RCU reader registration.
 *
 * liburcu's default flavour wants every reader thread registered. A device
 * model should not have to remember that for each of its threads, so the
 * first memcore access on a thread registers it, and a thread-specific-data
 * destructor unregisters it when the thread exits. A thread the embedding
 * program registered itself is left alone.
 */
#include <pthread.h>
#include <stdlib.h>

#include "memory-internal.h"

__thread bool memcore_rcu_registered
    __attribute__((tls_model("initial-exec")));

#ifdef MC_TSAN
/* Only its address matters: ThreadSanitizer's token for grace periods. */
char memcore_tsan_grace_period;
#endif

static pthread_key_t rcu_key;
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *arg)
{
    (void)arg;
    if (memcore_rcu_registered) {
        /*
         * The inline fast path takes the read lock only with a filled
         * entry: empty them, so a later access (from another key's
         * destructor, say) goes to the library and registers again.
         */
        memset(&memcore_fast_v1, 0, sizeof(memcore_fast_v1));
        rcu_unregister_thread();
        memcore_rcu_registered = false;
    }
}

/*
 * call_rcu's worker thread does not survive fork(). liburcu provides the
 * hooks; without them a forked child that frees a flat view would queue
 * work nobody runs, and rcu_barrier() would wait forever.
 */
static void rcu_key_init(void)
{
    pthread_key_create(&rcu_key, rcu_thread_exit);
    pthread_atfork(call_rcu_before_fork, call_rcu_after_fork_parent,
                   call_rcu_after_fork_child);
}

void memcore_rcu_register_slow(void)
{
    pthread_once(&rcu_key_once, rcu_key_init);
    if (URCU_TLS(urcu_memb_reader).registered) {
        /* The program registered this thread itself. */
        memcore_rcu_registered = true;
        return;
    }
    rcu_register_thread();
    memcore_rcu_registered = true;
    pthread_setspecific(rcu_key, (void *)1);
}

void memcore_rcu_ensure_registered(void)
{
    if (!memcore_rcu_registered) {
        memcore_rcu_register_slow();
    }
}
