/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mirroring MemoryListener: RAM sections of an address space become
 * host IOMMU mappings at their guest-physical address. What is mapped
 * and how is in include/hw/models/vfio-sim.h.
 *
 * region_del never looks at the region's current state: the region may
 * have changed (become private, read-only, a ROM device out of romd)
 * and that change is why the section went away. It unmaps exactly what
 * region_add recorded for that range.
 */
#include <stddef.h>

#include "vfio-sim-internal.h"

/* The section trimmed inward to whole container pages; false if empty. */
static bool section_pages(VFIOSimListener *l, MemoryRegionSection *s,
                          uint64_t *iova, uint64_t *size)
{
    Int128 pg = vfio_sim_container_pgsize(l->c);
    Int128 start = s->offset_within_address_space;
    Int128 first = (start + pg - 1) / pg * pg;
    Int128 end = (start + s->size) / pg * pg;

    if (first >= end) {
        return false;
    }
    *iova = (uint64_t)first;
    *size = (uint64_t)(end - first);
    return true;
}

/*
 * Is @s memory a device may reach, and with what permission? The core
 * offers no predicate for private memory or ROM devices, so read the
 * region's own flags; under the topology lock they are what was just
 * rendered.
 */
static bool section_is_dma_ram(MemoryRegionSection *s, unsigned *prot)
{
    MemoryRegion *mr = s->mr;

    if (!memory_region_is_ram(mr) || mr->private_mem) {
        return false;
    }
    *prot = VFIO_SIM_PROT_READ;
    if (!s->readonly && !memory_region_is_rom(mr) &&
        mr->kind != MR_KIND_ROM_DEVICE) {
        *prot |= VFIO_SIM_PROT_WRITE;
    }
    return true;
}

static void vfio_sim_region_add(MemoryListener *ml, MemoryRegionSection *s)
{
    VFIOSimListener *l = container_of(ml, VFIOSimListener, ml);
    uint64_t iova, size;
    unsigned prot;
    uint8_t *host;

    if (memory_region_get_iommu(s->mr)) {
        vfio_sim_giommu_add(l, s);
        return;
    }
    if (!section_is_dma_ram(s, &prot) || !section_pages(l, s, &iova, &size)) {
        return;
    }
    host = (uint8_t *)memory_region_get_ram_ptr(s->mr) +
           s->offset_within_region + (iova - s->offset_within_address_space);
    g_mutex_lock(&l->lock);
    if (vfio_sim_dma_map(l->c, iova, size, host, prot) == 0) {
        VFIOSimRamMap r = { iova, size, s->mr };

        memory_region_ref(s->mr); /* pinned while mapped */
        g_array_append_val(l->ram, r);
    }
    g_mutex_unlock(&l->lock);
}

static void ram_unmap(VFIOSimListener *l, guint i)
{
    VFIOSimRamMap *r = &g_array_index(l->ram, VFIOSimRamMap, i);

    vfio_sim_dma_unmap(l->c, r->iova, r->size, NULL);
    memory_region_unref(r->mr);
    g_array_remove_index_fast(l->ram, i);
}

static void vfio_sim_region_del(MemoryListener *ml, MemoryRegionSection *s)
{
    VFIOSimListener *l = container_of(ml, VFIOSimListener, ml);
    uint64_t iova, size;
    guint i;

    if (memory_region_get_iommu(s->mr)) {
        vfio_sim_giommu_del(l, s);
        return;
    }
    if (!section_pages(l, s, &iova, &size)) {
        return;
    }
    g_mutex_lock(&l->lock);
    for (i = 0; i < l->ram->len; i++) {
        VFIOSimRamMap *r = &g_array_index(l->ram, VFIOSimRamMap, i);

        if (r->iova == iova && r->size == size && r->mr == s->mr) {
            ram_unmap(l, i);
            break;
        }
    }
    g_mutex_unlock(&l->lock);
}

VFIOSimListener *vfio_sim_listener_new(VFIOSimContainer *c, AddressSpace *as)
{
    VFIOSimListener *l = g_new0(VFIOSimListener, 1);

    l->c = c;
    l->as = as;
    g_mutex_init(&l->lock);
    l->ram = g_array_new(false, false, sizeof(VFIOSimRamMap));
    l->ml.region_add = vfio_sim_region_add;
    l->ml.region_del = vfio_sim_region_del;
    l->ml.name = "vfio-sim";
    memory_listener_register(&l->ml, as);
    return l;
}

void vfio_sim_listener_free(VFIOSimListener *l)
{
    if (!l) {
        return;
    }
    /* Unregistering replays no region_del: undo everything here. */
    memory_listener_unregister(&l->ml);
    vfio_sim_giommu_del_all(l);
    g_mutex_lock(&l->lock);
    while (l->ram->len) {
        ram_unmap(l, l->ram->len - 1);
    }
    g_mutex_unlock(&l->lock);
    g_array_free(l->ram, true);
    g_mutex_clear(&l->lock);
    g_free(l);
}
