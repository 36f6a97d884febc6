/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PV-IOMMU operations: map, lookup and unmap of foreign pages, and
 * ballooning. Each runs under op_lock, changes the tables under lock,
 * and tells notifiers and ioservers with only op_lock held. Checks come
 * in the draft's order of concern: who asks, about which domain, which
 * frame, which bus address.
 */
#include <errno.h>

#include "pv-iommu-internal.h"

/* Who is asking about which domain and frame: 0 or the draft's errno. */
static int check_caller(PVIOMMU *p, uint16_t domid, uint64_t gfn,
                        uint32_t ioserver, PVDomain **dom)
{
    PVDomain *d;

    if (!g_hash_table_contains(p->ioservers, GUINT_TO_POINTER(ioserver))) {
        return -ENODEV;
    }
    if (domid == PV_IOMMU_DOMID_SELF || domid == p->cfg.self_domid) {
        return -EPERM;
    }
    d = g_hash_table_lookup(p->domains, GUINT_TO_POINTER(domid));
    if (!d) {
        return -ENXIO;
    }
    if (p->cfg.unprivileged && !d->allowed) {
        return -EPERM;
    }
    if (gfn >= d->nr_pages || !d->present[gfn]) {
        return -ENXIO;
    }
    *dom = d;
    return 0;
}

static int check_flags(PVIOMMU *p, unsigned flags)
{
    if ((flags & PV_IOMMU_RSVD_FLAGS) ||
        !(flags & (PV_IOMMU_READABLE | PV_IOMMU_WRITEABLE))) {
        return -EINVAL;
    }
    if (((flags & PV_IOMMU_ORDER_MASK) >> PV_IOMMU_ORDER_SHIFT) >
        p->cfg.max_order) {
        return -ENOSPC;
    }
    return 0;
}

static bool bfn_reserved(PVIOMMU *p, uint64_t bfn)
{
    guint i;

    for (i = 0; i + 1 < p->reserved->len; i += 2) {
        uint64_t first = g_array_index(p->reserved, uint64_t, i);
        uint64_t nr = g_array_index(p->reserved, uint64_t, i + 1);

        if (bfn >= first && bfn - first < nr) {
            return true;
        }
    }
    return false;
}

static PVBfn *bfn_get(PVIOMMU *p, uint64_t bfn)
{
    return g_hash_table_lookup(p->bfns, &bfn);
}

/*
 * Map @bfn to @d's frame @gfn for @ioserver, or find it already so.
 * Return 0 and whether a new mapping was made, or -EACCES/-EIO.
 */
static int bfn_install(PVIOMMU *p, PVDomain *d, uint64_t gfn, uint64_t bfn,
                       unsigned flags, uint32_t ioserver, PVBfn **made)
{
    PVBfn *b;

    *made = NULL;
    if (bfn_reserved(p, bfn)) {
        return -EACCES;
    }
    if (bfn >= p->cfg.nr_bfns) {
        return -EIO;
    }
    g_mutex_lock(&p->lock);
    b = bfn_get(p, bfn);
    if (b) {
        bool same = b->dom == d && b->gfn == gfn && b->holds_ref &&
                    b->ioserver == ioserver &&
                    pv_iommu_perm(b->flags) == pv_iommu_perm(flags);

        g_mutex_unlock(&p->lock);
        return same ? 0 : -EIO; /* an identical entry adds nothing */
    }
    b = g_new0(PVBfn, 1);
    *b = (PVBfn){
        .bfn = bfn,
        .mfn = d->mfn_base + gfn,
        .dom = d,
        .gfn = gfn,
        .ioserver = ioserver,
        .flags = flags,
        .holds_ref = true,
    };
    g_hash_table_insert(p->bfns, &b->bfn, b);
    d->refs[gfn]++;
    p->stats.m2b_entries++;
    p->stats.frame_refs++;
    g_mutex_unlock(&p->lock);
    *made = b;
    return 0;
}

int pv_iommu_map_foreign_page(PVIOMMU *p, uint16_t domid, uint64_t gfn,
                              uint64_t bfn, unsigned flags, uint32_t ioserver,
                              uint64_t *bfn_out)
{
    PVDomain *d = NULL;
    PVBfn *made;
    int ret;

    g_mutex_lock(&p->op_lock);
    ret = check_caller(p, domid, gfn, ioserver, &d);
    ret = ret ? ret : check_flags(p, flags);
    if (!ret) {
        /* Without an IOMMU a frame's only bus address is its MFN. */
        bfn = p->cfg.no_iommu ? d->mfn_base + gfn : bfn;
        ret = bfn_install(p, d, gfn, bfn, flags, ioserver, &made);
    }
    if (!ret && made) {
        pv_iommu_notify(p, made, IOMMU_NOTIFIER_MAP);
    }
    if (!ret && bfn_out) {
        *bfn_out = bfn;
    }
    g_mutex_unlock(&p->op_lock);
    return ret;
}

/* The BFN @ioserver already has for @d's @gfn, or UINT64_MAX. */
static uint64_t bfn_of(PVIOMMU *p, PVDomain *d, uint64_t gfn,
                       uint32_t ioserver)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, p->bfns);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        PVBfn *b = value;

        if (b->dom == d && b->gfn == gfn && b->ioserver == ioserver &&
            b->holds_ref) {
            return b->bfn;
        }
    }
    return UINT64_MAX;
}

int pv_iommu_lookup_foreign_page(PVIOMMU *p, uint16_t domid, uint64_t gfn,
                                 uint32_t ioserver, uint64_t *bfn_out)
{
    PVDomain *d = NULL;
    PVBfn *made = NULL;
    uint64_t bfn;
    int ret;

    g_mutex_lock(&p->op_lock);
    ret = check_caller(p, domid, gfn, ioserver, &d);
    if (!ret) {
        g_mutex_lock(&p->lock);
        bfn = bfn_of(p, d, gfn, ioserver);
        g_mutex_unlock(&p->lock);
        if (bfn == UINT64_MAX) {
            /* The hardware domain's 1:1 map: BFN == MFN. */
            bfn = d->mfn_base + gfn;
            ret = bfn_install(p, d, gfn, bfn,
                              PV_IOMMU_READABLE | PV_IOMMU_WRITEABLE, ioserver,
                              &made);
        }
    }
    if (made) {
        pv_iommu_notify(p, made, IOMMU_NOTIFIER_MAP);
    }
    if (!ret) {
        *bfn_out = bfn;
    }
    g_mutex_unlock(&p->op_lock);
    return ret;
}

int pv_iommu_unmap_foreign_page(PVIOMMU *p, uint64_t bfn, uint32_t ioserver)
{
    PVBfn *b;
    int ret = 0;

    g_mutex_lock(&p->op_lock);
    g_mutex_lock(&p->lock);
    b = bfn_get(p, bfn);
    if (!g_hash_table_contains(p->ioservers, GUINT_TO_POINTER(ioserver))) {
        ret = -ENODEV;
    } else if (!b) {
        ret = -ENXIO;
    } else if (b->ioserver != ioserver) {
        ret = -EPERM;
    } else {
        pv_iommu_drop_ref(p, b);
        g_hash_table_steal(p->bfns, &bfn);
    }
    g_mutex_unlock(&p->lock);
    if (!ret) {
        pv_iommu_notify(p, b, IOMMU_NOTIFIER_UNMAP);
        g_free(b);
    }
    g_mutex_unlock(&p->op_lock);
    return ret;
}
