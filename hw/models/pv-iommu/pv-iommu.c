/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PV-IOMMU model: machine memory, domains, ioservers, and the BFN
 * space as an IOMMU region. The hypercall-like operations are in
 * pv-iommu-ops.c. See include/hw/models/pv-iommu.h for the semantics and
 * lock rules.
 */
#include <errno.h>
#include <string.h>

#include "exec/memcore-error.h"
#include "pv-iommu-internal.h"

#define DEFAULT_NR_BFNS (1ULL << 20)

IOMMUAccessFlags pv_iommu_perm(unsigned flags)
{
    return ((flags & PV_IOMMU_READABLE) ? IOMMU_RO : 0) |
           ((flags & PV_IOMMU_WRITEABLE) ? IOMMU_WO : 0);
}

static IOMMUTLBEntry pv_iommu_translate(void *opaque, hwaddr addr,
                                        IOMMUAccessFlags flag, int idx)
{
    PVIOMMU *p = opaque;
    IOMMUTLBEntry e = {
        .target_as = &p->machine_as,
        .iova = addr & ~(PV_PAGE_SIZE - 1),
        .addr_mask = PV_PAGE_SIZE - 1,
        .perm = IOMMU_NONE,
    };
    PVBfn *b;

    g_mutex_lock(&p->lock);
    b = g_hash_table_lookup(p->bfns, &(uint64_t){ addr >> PV_PAGE_SHIFT });
    if (b) {
        e.translated_addr = b->mfn << PV_PAGE_SHIFT;
        e.perm = pv_iommu_perm(b->flags);
    }
    g_mutex_unlock(&p->lock);
    return e;
}

static const IOMMUMemoryRegionOps pv_iommu_ops = {
    .translate = pv_iommu_translate,
};

void pv_iommu_notify(PVIOMMU *p, const PVBfn *b, IOMMUNotifierFlag type)
{
    IOMMUTLBEvent ev = {
        .type = type,
        .entry = {
            .target_as = &p->machine_as,
            .iova = b->bfn << PV_PAGE_SHIFT,
            .translated_addr = b->mfn << PV_PAGE_SHIFT,
            .addr_mask = PV_PAGE_SIZE - 1,
            .perm = type == IOMMU_NOTIFIER_MAP ? pv_iommu_perm(b->flags)
                                               : IOMMU_NONE,
        },
    };

    memory_region_notify_iommu(&p->iommu, 0, ev);
}

void pv_iommu_drop_ref(PVIOMMU *p, PVBfn *b)
{
    PVDomain *d = b->dom;

    if (!b->holds_ref) {
        return;
    }
    b->holds_ref = false;
    p->stats.m2b_entries--;
    p->stats.frame_refs--;
    if (--d->refs[b->gfn] == 0 && !d->present[b->gfn]) {
        /* Back to Xen's allocator: scrub it for whoever gets it next. */
        memset(d->host + (b->gfn << PV_PAGE_SHIFT), 0, PV_PAGE_SIZE);
        p->stats.frames_freed++;
    }
}

static void domain_free(gpointer value)
{
    PVDomain *d = value;

    memory_region_finalize(&d->ram);
    g_free(d->present);
    g_free(d->refs);
    g_free(d);
}

PVIOMMU *pv_iommu_new(const PVIOMMUConfig *cfg, GError **errp)
{
    PVIOMMU *p = g_new0(PVIOMMU, 1);

    if (!memory_region_init_ram(&p->scratch, p, "scratch", PV_PAGE_SIZE,
                                errp)) {
        g_free(p);
        return NULL;
    }
    p->cfg = cfg ? *cfg : (PVIOMMUConfig){ 0 };
    p->cfg.nr_bfns = p->cfg.nr_bfns ?: DEFAULT_NR_BFNS;
    g_mutex_init(&p->op_lock);
    g_mutex_init(&p->lock);
    p->domains = g_hash_table_new_full(NULL, NULL, NULL, domain_free);
    p->ioservers = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    p->bfns = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    p->reserved = g_array_new(false, false, sizeof(uint64_t));
    p->next_mfn = PV_FIRST_MFN;

    memory_region_init(&p->machine, p, "machine", UINT64_MAX);
    memory_region_add_subregion(&p->machine, PV_SCRATCH_MFN << PV_PAGE_SHIFT,
                                &p->scratch);
    address_space_init(&p->machine_as, &p->machine, "machine");
    memory_region_init_iommu(&p->iommu, &pv_iommu_ops, p, p, "bfn-space",
                             p->cfg.nr_bfns << PV_PAGE_SHIFT);
    return p;
}

void pv_iommu_free(PVIOMMU *p)
{
    GHashTableIter it;
    gpointer value;

    if (!p) {
        return;
    }
    if (memory_region_is_mapped(&p->iommu.parent_obj)) {
        g_error("pv_iommu_free: BFN region still mapped");
    }
    memory_region_finalize(&p->iommu.parent_obj);
    address_space_destroy(&p->machine_as);
    g_hash_table_iter_init(&it, p->domains);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        memory_region_del_subregion(&p->machine, &((PVDomain *)value)->ram);
    }
    memory_region_del_subregion(&p->machine, &p->scratch);
    memory_region_finalize(&p->scratch);
    memory_region_finalize(&p->machine);
    g_hash_table_destroy(p->domains);
    g_hash_table_destroy(p->ioservers);
    g_hash_table_destroy(p->bfns);
    g_array_free(p->reserved, true);
    g_mutex_clear(&p->op_lock);
    g_mutex_clear(&p->lock);
    g_free(p);
}

int pv_iommu_add_domain(PVIOMMU *p, uint16_t domid, uint64_t nr_pages,
                        GError **errp)
{
    g_autofree char *name = g_strdup_printf("dom%u-ram", domid);
    PVDomain *d;

    if (domid == 0 || domid >= PV_IOMMU_DOMID_SELF || !nr_pages ||
        nr_pages > (1ULL << 24) ||
        g_hash_table_contains(p->domains, GUINT_TO_POINTER(domid))) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "pv-iommu: cannot create domain %u", domid);
        return -EINVAL;
    }
    d = g_new0(PVDomain, 1);
    if (!memory_region_init_ram(&d->ram, p, name, nr_pages << PV_PAGE_SHIFT,
                                errp)) {
        g_free(d);
        return -ENOMEM;
    }
    d->domid = domid;
    d->nr_pages = nr_pages;
    d->host = memory_region_get_ram_ptr(&d->ram);
    d->present = g_new(bool, nr_pages);
    memset(d->present, true, nr_pages * sizeof(bool));
    d->refs = g_new0(unsigned, nr_pages);

    g_mutex_lock(&p->op_lock);
    d->mfn_base = p->next_mfn;
    p->next_mfn += nr_pages;
    memory_region_add_subregion(&p->machine, d->mfn_base << PV_PAGE_SHIFT,
                                &d->ram);
    g_mutex_lock(&p->lock);
    g_hash_table_insert(p->domains, GUINT_TO_POINTER(domid), d);
    g_mutex_unlock(&p->lock);
    g_mutex_unlock(&p->op_lock);
    return 0;
}

static PVDomain *domain_get(PVIOMMU *p, uint16_t domid)
{
    return g_hash_table_lookup(p->domains, GUINT_TO_POINTER(domid));
}

void *pv_iommu_domain_ram(PVIOMMU *p, uint16_t domid)
{
    PVDomain *d = domain_get(p, domid);

    return d ? d->host : NULL;
}

uint64_t pv_iommu_domain_mfn(PVIOMMU *p, uint16_t domid, uint64_t gfn)
{
    PVDomain *d = domain_get(p, domid);

    return d && gfn < d->nr_pages ? d->mfn_base + gfn : 0;
}

void pv_iommu_allow_domain(PVIOMMU *p, uint16_t domid)
{
    PVDomain *d;

    g_mutex_lock(&p->op_lock);
    d = domain_get(p, domid);
    if (d) {
        d->allowed = true;
    }
    g_mutex_unlock(&p->op_lock);
}

int pv_iommu_add_ioserver(PVIOMMU *p, uint32_t id, PVIOMMUInvalidateFn *fn,
                          void *opaque)
{
    PVIoserver *s;
    int ret = -EEXIST;

    g_mutex_lock(&p->op_lock);
    if (!g_hash_table_contains(p->ioservers, GUINT_TO_POINTER(id))) {
        s = g_new0(PVIoserver, 1);
        s->fn = fn;
        s->opaque = opaque;
        g_hash_table_insert(p->ioservers, GUINT_TO_POINTER(id), s);
        ret = 0;
    }
    g_mutex_unlock(&p->op_lock);
    return ret;
}

void pv_iommu_add_reserved(PVIOMMU *p, uint64_t first_bfn, uint64_t nr)
{
    g_mutex_lock(&p->op_lock);
    g_array_append_val(p->reserved, first_bfn);
    g_array_append_val(p->reserved, nr);
    g_mutex_unlock(&p->op_lock);
}

unsigned pv_iommu_frame_refs(PVIOMMU *p, uint16_t domid, uint64_t gfn)
{
    PVDomain *d;
    unsigned n = 0;

    g_mutex_lock(&p->lock);
    d = domain_get(p, domid);
    if (d && gfn < d->nr_pages) {
        n = d->refs[gfn];
    }
    g_mutex_unlock(&p->lock);
    return n;
}

void pv_iommu_get_stats(PVIOMMU *p, PVIOMMUStats *stats)
{
    g_mutex_lock(&p->lock);
    *stats = p->stats;
    g_mutex_unlock(&p->lock);
}

IOMMUMemoryRegion *pv_iommu_bfn_region(PVIOMMU *p)
{
    return &p->iommu;
}

AddressSpace *pv_iommu_machine_as(PVIOMMU *p)
{
    return &p->machine_as;
}
