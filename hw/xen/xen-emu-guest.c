/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor, guest side: what a guest kernel does to its own
 * grant table. Everything here touches only memory shared with the
 * hypervisor process and takes no lock, so a guest forked into a child
 * process (even while another thread held a lock) can call it.
 */
#include <errno.h>

#include "exec/memcore-atomic.h"
#include "xen-emu-internal.h"

static bool ref_claim(XenEmuShared *sh, uint32_t ref)
{
    uint64_t bit = 1ULL << (ref % 64);

    return !(qatomic_fetch_or_acq_rel(&sh->ref_used[ref / 64], bit) & bit);
}

/* Returns false if the ref was not allocated. */
static bool ref_release(XenEmuShared *sh, uint32_t ref)
{
    uint64_t bit = 1ULL << (ref % 64);

    return qatomic_fetch_and_acq_rel(&sh->ref_used[ref / 64], ~bit) & bit;
}

static bool ref_in_use(XenEmuShared *sh, uint32_t ref)
{
    uint64_t word = qatomic_load_acquire(&sh->ref_used[ref / 64]);

    return word & (1ULL << (ref % 64));
}

/*
 * Claim @n consecutive free refs. Another thread or process may claim
 * refs at the same time, so a run is only ours once every bit of it was
 * set by our own fetch-or; on a collision, give the partial run back and
 * look past the ref we lost.
 */
static int64_t ref_alloc_run(XenEmuShared *sh, unsigned n)
{
    uint32_t start = XEN_GRANT_FIRST_FREE_REF;

    while ((uint64_t)start + n <= XEN_EMU_NR_GRANT_REFS) {
        unsigned i;

        if (ref_in_use(sh, start)) {
            start++;
            continue;
        }
        for (i = 0; i < n && ref_claim(sh, start + i); i++) {
            /* claimed start + i */
        }
        if (i == n) {
            return start;
        }
        for (unsigned j = 0; j < i; j++) {
            ref_release(sh, start + j);
        }
        start += i + 1;
    }
    return -ENOSPC;
}

/*
 * Xen's publication order: domid and frame first, then a write barrier,
 * then the flags that make the entry valid. The hypervisor reads the
 * flags first and the frame after a read barrier.
 */
static void entry_publish(XenGrantEntryV1 *e, uint16_t domid, uint32_t gfn,
                          bool readonly)
{
    uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);

    qatomic_set(&e->domid, domid);
    qatomic_set(&e->frame, gfn);
    smp_mb_release();
    qatomic_set(&e->flags, flags);
}

int64_t xen_emu_grant_access_seq(XenEmuDomain *dom, uint16_t backend_domid,
                                 const uint64_t *gfns, unsigned n,
                                 bool readonly)
{
    int64_t first;

    if (n == 0 || n > XEN_EMU_NR_GRANT_REFS) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (gfns[i] > UINT32_MAX) {
            return -EINVAL;
        }
    }
    first = ref_alloc_run(dom->shared, n);
    if (first < 0) {
        return first;
    }
    for (unsigned i = 0; i < n; i++) {
        entry_publish(&dom->gnttab[first + i], backend_domid, gfns[i],
                      readonly);
    }
    return first;
}

int64_t xen_emu_grant_access(XenEmuDomain *dom, uint16_t backend_domid,
                             uint64_t gfn, bool readonly)
{
    return xen_emu_grant_access_seq(dom, backend_domid, &gfn, 1, readonly);
}

/*
 * Revoke as Xen's protocol says: swap the flags to 0, but only while
 * neither GTF_reading nor GTF_writing is set. The hypervisor sets those
 * with compare-and-swap too, so one of the two always sees the other.
 */
static bool entry_revoke(XenGrantEntryV1 *e)
{
    uint16_t flags = qatomic_load_acquire(&e->flags);

    do {
        if (flags & (GTF_reading | GTF_writing)) {
            return false;
        }
    } while (!qatomic_cmpxchg_acq_rel(&e->flags, &flags, 0));
    return true;
}

int xen_emu_end_access(XenEmuDomain *dom, uint32_t ref)
{
    if (ref < XEN_GRANT_FIRST_FREE_REF || ref >= XEN_EMU_NR_GRANT_REFS ||
        !ref_in_use(dom->shared, ref)) {
        return -EINVAL;
    }
    if (!entry_revoke(&dom->gnttab[ref])) {
        return -EBUSY;
    }
    /* Two threads ending the same ref: only one frees it. */
    return ref_release(dom->shared, ref) ? 0 : -EINVAL;
}
