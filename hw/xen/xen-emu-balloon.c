/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor: ballooning and the invalidation it triggers.
 *
 * Xen tells a device model that a guest gave memory back by sending it
 * IOREQ_TYPE_INVALIDATE, asynchronously. Here the guest side bumps a
 * counter in shared memory; the hypervisor process notices the change
 * (at once when the guest runs in the same process, otherwise at the next
 * xen_emu_poll_invalidate()) and runs the notifiers registered for that
 * domain.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "exec/memcore-atomic.h"
#include "xen-emu-internal.h"

int xen_emu_balloon_out(XenEmuDomain *dom, uint64_t gfn)
{
    uint64_t bit = 1ULL << (gfn % 64);
    uint64_t old;

    if (gfn >= dom->nr_pages) {
        return -EINVAL;
    }
    old = qatomic_fetch_or_acq_rel(&dom->shared->absent[gfn / 64], bit);
    if (old & bit) {
        return -ENOENT;
    }
    qatomic_fetch_add_release(&dom->shared->invalidate_seq, 1);
    if (getpid() == dom->emu->hv_pid) {
        xen_emu_poll_invalidate(dom->emu);
    }
    return 0;
}

int xen_emu_balloon_in(XenEmuDomain *dom, uint64_t gfn)
{
    uint64_t bit = 1ULL << (gfn % 64);

    if (gfn >= dom->nr_pages) {
        return -EINVAL;
    }
    if (!(qatomic_load_acquire(&dom->shared->absent[gfn / 64]) & bit)) {
        return -ENOENT;
    }
    /* A fresh page: zeroed before anyone can map it again. */
    memset(dom->ram + gfn * XEN_PAGE_SIZE, 0, XEN_PAGE_SIZE);
    qatomic_fetch_and_acq_rel(&dom->shared->absent[gfn / 64], ~bit);
    return 0;
}

void xen_emu_add_invalidate_notifier(XenEmu *emu, uint16_t domid,
                                     XenEmuInvalidateFn *fn, void *opaque)
{
    XenEmuNotifier *n = g_new0(XenEmuNotifier, 1);

    xen_emu_assert_hv(emu, __func__);
    n->domid = domid;
    n->fn = fn;
    n->opaque = opaque;
    g_rec_mutex_lock(&emu->notify_lock);
    emu->notifiers = g_list_append(emu->notifiers, n);
    g_rec_mutex_unlock(&emu->notify_lock);
}

void xen_emu_remove_invalidate_notifier(XenEmu *emu, uint16_t domid,
                                        XenEmuInvalidateFn *fn, void *opaque)
{
    g_rec_mutex_lock(&emu->notify_lock);
    for (GList *l = emu->notifiers; l; l = l->next) {
        XenEmuNotifier *n = l->data;

        if (n->domid == domid && n->fn == fn && n->opaque == opaque) {
            emu->notifiers = g_list_delete_link(emu->notifiers, l);
            g_free(n);
            break;
        }
    }
    g_rec_mutex_unlock(&emu->notify_lock);
}

/* Domains whose counter moved since we last looked; emu->lock held. */
static GArray *collect_invalidated_locked(XenEmu *emu)
{
    GArray *domids = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, emu->domains);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        XenEmuDomain *dom = value;
        uint64_t seq = qatomic_load_acquire(&dom->shared->invalidate_seq);

        if (seq != dom->invalidate_seen) {
            dom->invalidate_seen = seq;
            g_array_append_val(domids, dom->domid);
        }
    }
    return domids;
}

static void run_notifiers(XenEmu *emu, uint16_t domid)
{
    GList *l = emu->notifiers;

    while (l) {
        XenEmuNotifier *n = l->data;

        /* A notifier may remove itself: step past it first. */
        l = l->next;
        if (n->domid == domid) {
            n->fn(n->opaque, domid);
        }
    }
}

unsigned xen_emu_poll_invalidate(XenEmu *emu)
{
    GArray *domids;
    unsigned count;

    xen_emu_assert_hv(emu, __func__);
    g_rec_mutex_lock(&emu->notify_lock);
    g_mutex_lock(&emu->lock);
    domids = collect_invalidated_locked(emu);
    g_mutex_unlock(&emu->lock);

    for (unsigned i = 0; i < domids->len; i++) {
        run_notifiers(emu, g_array_index(domids, uint16_t, i));
    }
    count = domids->len;
    g_array_free(domids, TRUE);
    g_rec_mutex_unlock(&emu->notify_lock);
    return count;
}
