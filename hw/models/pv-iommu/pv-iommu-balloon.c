/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ballooning under the PV-IOMMU. A guest may give a frame back at any
 * time, including one an emulator's device is DMAing into. Tearing the
 * BFN mappings down at once would let a guest fault the emulator's DMA on
 * purpose, and freeing the frame would let the DMA land in another
 * guest's memory. So the P2M entry goes, each ioserver is told which BFN
 * went stale, and the frame stays referenced until every emulator has
 * unmapped it; only then is it scrubbed and given back. With swap_mfn
 * and an IOMMU, the BFN is pointed at a scratch page instead, which lets
 * the reference go at once while late DMA lands harmlessly.
 */
#include <errno.h>

#include "pv-iommu-internal.h"

/* BFN mappings holding a reference on @d's frame @gfn. */
static GPtrArray *frame_users(PVIOMMU *p, PVDomain *d, uint64_t gfn)
{
    GPtrArray *users = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, p->bfns);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        PVBfn *b = value;

        if (b->dom == d && b->gfn == gfn && b->holds_ref) {
            g_ptr_array_add(users, b);
        }
    }
    return users;
}

/* Point @b at the scratch page; announce it as UNMAP, then MAP. */
static void swap_to_scratch(PVIOMMU *p, PVBfn *b)
{
    pv_iommu_notify(p, b, IOMMU_NOTIFIER_UNMAP);
    g_mutex_lock(&p->lock);
    b->mfn = PV_SCRATCH_MFN;
    pv_iommu_drop_ref(p, b);
    p->stats.swaps++;
    g_mutex_unlock(&p->lock);
    pv_iommu_notify(p, b, IOMMU_NOTIFIER_MAP);
}

static void invalidate(PVIOMMU *p, PVBfn *b)
{
    PVIoserver *s = g_hash_table_lookup(p->ioservers,
                                        GUINT_TO_POINTER(b->ioserver));

    g_mutex_lock(&p->lock);
    p->stats.invalidations++;
    g_mutex_unlock(&p->lock);
    if (s && s->fn) {
        s->fn(s->opaque, b->ioserver, b->bfn);
    }
}

int pv_iommu_balloon_out(PVIOMMU *p, uint16_t domid, uint64_t gfn)
{
    PVDomain *d;
    GPtrArray *users;
    guint i;
    int ret = 0;

    g_mutex_lock(&p->op_lock);
    d = g_hash_table_lookup(p->domains, GUINT_TO_POINTER(domid));
    if (!d || gfn >= d->nr_pages) {
        g_mutex_unlock(&p->op_lock);
        return -ENXIO;
    }
    g_mutex_lock(&p->lock);
    if (!d->present[gfn]) {
        ret = -EBUSY;
    } else {
        d->present[gfn] = false;
    }
    users = frame_users(p, d, gfn);
    g_mutex_unlock(&p->lock);
    for (i = 0; !ret && i < users->len; i++) {
        PVBfn *b = g_ptr_array_index(users, i);

        if ((b->flags & PV_IOMMU_SWAP_MFN) && !p->cfg.no_iommu) {
            swap_to_scratch(p, b);
        }
        invalidate(p, b);
    }
    g_ptr_array_free(users, true);
    g_mutex_unlock(&p->op_lock);
    return ret;
}

int pv_iommu_balloon_in(PVIOMMU *p, uint16_t domid, uint64_t gfn)
{
    PVDomain *d;
    int ret = 0;

    g_mutex_lock(&p->op_lock);
    g_mutex_lock(&p->lock);
    d = g_hash_table_lookup(p->domains, GUINT_TO_POINTER(domid));
    if (!d || gfn >= d->nr_pages) {
        ret = -ENXIO;
    } else if (d->present[gfn]) {
        ret = -EEXIST;
    } else if (d->refs[gfn]) {
        ret = -EBUSY; /* an emulator has not unmapped it yet */
    } else {
        d->present[gfn] = true;
    }
    g_mutex_unlock(&p->lock);
    g_mutex_unlock(&p->op_lock);
    return ret;
}
