/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following a guest IOMMU: for each IOMMU section of the mirrored space,
 * an IOMMU notifier over the section. MAP pins the translated memory
 * with address_space_map() and maps it at the IOVA; UNMAP undoes both.
 *
 * Only memory hardware can reach is mapped: RAM and map-on-demand
 * memory (a grant mapping is real memory once mapped). A translation
 * into MMIO would need the bounce buffer a device can never see, so it
 * is counted as an error and the IOVA stays unmapped: the device faults
 * there, as it would on real hardware.
 *
 * Lock rules: the notifier runs with the IOMMU model's locks held and
 * takes l->lock; registration, replay and unregistration happen without
 * l->lock, since they call back into the notifier.
 */
#include <stddef.h>

#include "vfio-sim-internal.h"

/* Is @addr in @as something a device can DMA into once mapped? */
static bool dma_target_ok(AddressSpace *as, hwaddr addr)
{
    MemoryRegionSection *s;
    size_t n, i;
    bool ok = false;

    s = address_space_get_sections(as, &n);
    for (i = 0; i < n; i++) {
        Int128 start = s[i].offset_within_address_space;

        if ((Int128)addr >= start && (Int128)addr < start + s[i].size) {
            MemoryRegion *mr = s[i].mr;

            ok = (memory_region_is_ram(mr) && !mr->private_mem) ||
                 memory_region_is_map_on_demand(mr);
            break;
        }
    }
    g_free(s);
    return ok;
}

static void pin_release(VFIOSimPin *p)
{
    address_space_unmap(p->target, p->host, p->len, p->is_write,
                        p->is_write ? p->len : 0);
}

static void giommu_map(VFIOSimGuestIOMMU *g, uint64_t iova, uint64_t size,
                       IOMMUTLBEntry *e)
{
    VFIOSimListener *l = g->l;
    uint64_t pg = vfio_sim_container_pgsize(l->c);
    VFIOSimPin p = {
        .iova = iova,
        .size = size,
        .target = e->target_as,
        .len = size,
        .is_write = e->perm & IOMMU_WO,
    };
    unsigned prot = ((e->perm & IOMMU_RO) ? VFIO_SIM_PROT_READ : 0) |
                    ((e->perm & IOMMU_WO) ? VFIO_SIM_PROT_WRITE : 0);

    if (((iova | size) & (pg - 1)) ||
        !dma_target_ok(p.target, e->translated_addr)) {
        vfio_sim_container_count_error(l->c);
        return;
    }
    p.host = address_space_map(p.target, e->translated_addr, &p.len,
                               p.is_write, MEMTXATTRS_UNSPECIFIED);
    if (!p.host || p.len < size) {
        if (p.host) {
            address_space_unmap(p.target, p.host, p.len, p.is_write, 0);
        }
        vfio_sim_container_count_error(l->c);
        return;
    }
    g_mutex_lock(&l->lock);
    if (vfio_sim_dma_map(l->c, iova, size, p.host, prot) == 0) {
        g_array_append_val(g->pins, p);
        p.host = NULL;
    }
    g_mutex_unlock(&l->lock);
    if (p.host) {
        pin_release(&p);
    }
}

/* Drop every pin of @g overlapping [iova, iova + size - 1]. */
static void giommu_unmap(VFIOSimGuestIOMMU *g, uint64_t iova, uint64_t last)
{
    VFIOSimListener *l = g->l;
    guint i = 0;

    g_mutex_lock(&l->lock);
    while (i < g->pins->len) {
        VFIOSimPin *p = &g_array_index(g->pins, VFIOSimPin, i);

        if (p->iova > last || p->iova + (p->size - 1) < iova) {
            i++;
            continue;
        }
        vfio_sim_dma_unmap(l->c, p->iova, p->size, NULL);
        pin_release(p);
        g_array_remove_index_fast(g->pins, i);
    }
    g_mutex_unlock(&l->lock);
}

static void giommu_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    VFIOSimGuestIOMMU *g = container_of(n, VFIOSimGuestIOMMU, n);
    uint64_t iova = e->iova - g->region_start + g->as_start;

    if (e->addr_mask == UINT64_MAX) {
        /* One entry for all of 2^64: nothing a host IOMMU can hold. */
        vfio_sim_container_count_error(g->l->c);
        return;
    }
    if (e->perm == IOMMU_NONE) {
        giommu_unmap(g, iova, iova + e->addr_mask);
    } else {
        giommu_map(g, iova, e->addr_mask + 1, e);
    }
}

void vfio_sim_giommu_add(VFIOSimListener *l, MemoryRegionSection *s)
{
    VFIOSimGuestIOMMU *g = g_new0(VFIOSimGuestIOMMU, 1);
    GError *err = NULL;

    g->l = l;
    g->iommu_mr = s->mr;
    g->as_start = s->offset_within_address_space;
    g->region_start = s->offset_within_region;
    g->pins = g_array_new(false, false, sizeof(VFIOSimPin));
    iommu_notifier_init(&g->n, giommu_notify, IOMMU_NOTIFIER_ALL,
                        g->region_start,
                        (uint64_t)(g->region_start + s->size - 1), 0);
    g_mutex_lock(&l->lock);
    l->giommus = g_list_append(l->giommus, g);
    g_mutex_unlock(&l->lock);

    if (memory_region_register_iommu_notifier(s->mr, &g->n, &err) < 0) {
        /* The model cannot tell us its mappings: map nothing. */
        g_clear_error(&err);
        vfio_sim_container_count_error(l->c);
        return;
    }
    g->registered = true;
    memory_region_iommu_replay(memory_region_get_iommu(s->mr), &g->n);
}

static void giommu_free(VFIOSimGuestIOMMU *g)
{
    if (g->registered) {
        memory_region_unregister_iommu_notifier(g->iommu_mr, &g->n);
    }
    giommu_unmap(g, 0, UINT64_MAX);
    g_array_free(g->pins, true);
    g_free(g);
}

void vfio_sim_giommu_del(VFIOSimListener *l, MemoryRegionSection *s)
{
    VFIOSimGuestIOMMU *g = NULL;
    GList *it;

    g_mutex_lock(&l->lock);
    for (it = l->giommus; it; it = it->next) {
        VFIOSimGuestIOMMU *cand = it->data;

        if (cand->iommu_mr == s->mr &&
            cand->as_start == s->offset_within_address_space) {
            g = cand;
            l->giommus = g_list_delete_link(l->giommus, it);
            break;
        }
    }
    g_mutex_unlock(&l->lock);
    if (g) {
        giommu_free(g);
    }
}

void vfio_sim_giommu_del_all(VFIOSimListener *l)
{
    GList *all;

    g_mutex_lock(&l->lock);
    all = l->giommus;
    l->giommus = NULL;
    g_mutex_unlock(&l->lock);
    g_list_free_full(all, (GDestroyNotify)giommu_free);
}
