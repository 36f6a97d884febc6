/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stress test's region churner and its reader.
 *
 * The churner initialises CHURN, an MMIO region with a re-entrancy guard
 * whose read callback sometimes sleeps, adds it, lets it live for a
 * moment, removes it and finalizes it, then starts again on the same
 * MemoryRegion. The churn reader reads CHURN all the while, so callbacks
 * are running (and sleeping) when the region is removed, and the same
 * memory is initialised again soon after readers used it.
 *
 * What must hold: a read sees either CHURN's bytes or a decode error with
 * zeroes; and once memory_region_finalize() returns, no callback of the
 * region is still running. Under ThreadSanitizer this is also where the
 * publication of a view and the grace period before finalize returns
 * must be visible: a region's initialisation happens before readers use
 * it, and their use happens before it is finalized and initialised
 * again.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "stress.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED

static MemReentrancyGuard churn_guard = { .name = "churn" };
static unsigned churn_inflight; /* atomic: callbacks running now */

static uint64_t churn_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t *calls = opaque;
    uint64_t v = 0;

    qatomic_fetch_add_acq_rel(&churn_inflight, 1);
    /*
     * Now and then a call sleeps, so that removal finds readers inside.
     * Rarely and briefly: a sleeping reader holds back every grace
     * period, and the topology changer's dead views pile up meanwhile.
     */
    if ((qatomic_fetch_add_relaxed(calls, 1) & 255) == 0) {
        g_usleep(50);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)st_const(addr + i) << (8 * i);
    }
    qatomic_fetch_sub_acq_rel(&churn_inflight, 1);
    return v;
}

static void churn_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps churn_ops = {
    .read = churn_read,
    .write = churn_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static uint64_t churn_calls;

gpointer st_churn_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x6368726e);

    while (!st_stopping()) {
        memory_region_init_io(&st.churn, NULL, &churn_ops, &churn_calls,
                              "churn", ST_CHURN_SIZE);
        memory_region_set_reentrancy_guard(&st.churn, &churn_guard);
        memory_region_add_subregion(&st.root, ST_CHURN_BASE, &st.churn);
        g_usleep(g_rand_int_range(rng, 0, 2000));
        memory_region_del_subregion(&st.root, &st.churn);
        memory_region_finalize(&st.churn);
        if (qatomic_load_acquire(&churn_inflight)) {
            ST_LOST(ST_CHURN, "a callback still ran after finalize returned");
        }
        st.c[ST_CHURN].ops++;
    }
    g_rand_free(rng);
    return NULL;
}

gpointer st_churn_reader_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x63726472);
    const int t = ST_CHURN_READER;

    while (!st_stopping()) {
        uint64_t off = g_rand_int_range(rng, 0, ST_CHURN_SIZE - 64);
        size_t len = g_rand_int_range(rng, 1, 64);
        uint8_t buf[64];
        MemTxResult r = address_space_read(&st.as, ST_CHURN_BASE + off, ATTRS,
                                           buf, len);
        bool zero = true, same = true;

        for (size_t i = 0; i < len; i++) {
            zero &= buf[i] == 0;
            same &= buf[i] == st_const(off + i);
        }
        if (r == MEMTX_DECODE_ERROR && zero) {
            /*
             * Between finalize and add. Wait a little rather than spin:
             * on a small machine the call_rcu thread needs the CPU.
             */
            st.c[t].explained++;
            g_usleep(20);
        } else if (r != MEMTX_OK) {
            ST_UNEXPECTED(t, "CHURN read: %#x", r);
        } else if (!same) {
            ST_LOST(t, "CHURN read at +0x%" PRIx64 " saw wrong bytes", off);
        }
        st.c[t].ops++;
    }
    g_rand_free(rng);
    return NULL;
}
