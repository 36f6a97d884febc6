/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private structures of hw/models/vfio-sim. Lock rules are in
 * include/hw/models/vfio-sim.h.
 */
#ifndef HW_VFIO_SIM_VFIO_SIM_INTERNAL_H
#define HW_VFIO_SIM_VFIO_SIM_INTERNAL_H

#include <stddef.h>

#include "hw/models/vfio-sim.h"

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

/* A failure the listener found itself (no map call was made). */
void vfio_sim_container_count_error(VFIOSimContainer *c);

/* A RAM section the listener mapped; @mr is referenced while mapped. */
typedef struct VFIOSimRamMap {
    uint64_t iova;
    uint64_t size;
    MemoryRegion *mr;
} VFIOSimRamMap;

/* Translated memory held for one IOMMU mapping. */
typedef struct VFIOSimPin {
    uint64_t iova; /* in the listener's address space */
    uint64_t size;
    AddressSpace *target;
    void *host;
    hwaddr len;
    bool is_write;
} VFIOSimPin;

typedef struct VFIOSimGuestIOMMU {
    IOMMUNotifier n;
    struct VFIOSimListener *l;
    MemoryRegion *iommu_mr;
    hwaddr as_start; /* the section, in the address space */
    hwaddr region_start; /* the section, in the IOMMU region */
    GArray *pins; /* VFIOSimPin, under l->lock */
    bool registered;
} VFIOSimGuestIOMMU;

struct VFIOSimListener {
    MemoryListener ml;
    VFIOSimContainer *c;
    AddressSpace *as;
    GMutex lock;
    GArray *ram; /* VFIOSimRamMap */
    GList *giommus; /* VFIOSimGuestIOMMU * */
};

/* vfio-sim-giommu.c: following IOMMU sections. Call without l->lock. */
void vfio_sim_giommu_add(VFIOSimListener *l, MemoryRegionSection *s);
void vfio_sim_giommu_del(VFIOSimListener *l, MemoryRegionSection *s);
void vfio_sim_giommu_del_all(VFIOSimListener *l);

#endif /* HW_VFIO_SIM_VFIO_SIM_INTERNAL_H */
