/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private structures of the PV-IOMMU model (hw/models/pv-iommu/). Lock
 * rules are in include/hw/models/pv-iommu.h.
 */
#ifndef HW_IOMMU_PV_IOMMU_INTERNAL_H
#define HW_IOMMU_PV_IOMMU_INTERNAL_H

#include "hw/models/pv-iommu.h"

#define PV_PAGE_SHIFT 12
#define PV_PAGE_SIZE (1ULL << PV_PAGE_SHIFT)
#define PV_SCRATCH_MFN 0x10ULL /* where swapped BFNs point */
#define PV_FIRST_MFN 0x100ULL /* domains' RAM starts here */

typedef struct PVDomain {
    uint16_t domid;
    uint64_t mfn_base;
    uint64_t nr_pages;
    MemoryRegion ram;
    uint8_t *host;
    bool *present; /* P2M: false once ballooned out */
    unsigned *refs; /* M2B references per frame */
    bool allowed; /* an unprivileged caller may use it */
} PVDomain;

/* One BFN mapping, and the M2B entry it carries (while @holds_ref). */
typedef struct PVBfn {
    uint64_t bfn;
    uint64_t mfn; /* the scratch page once swapped */
    PVDomain *dom;
    uint64_t gfn;
    uint32_t ioserver;
    unsigned flags;
    bool holds_ref;
} PVBfn;

typedef struct PVIoserver {
    PVIOMMUInvalidateFn *fn;
    void *opaque;
} PVIoserver;

struct PVIOMMU {
    PVIOMMUConfig cfg;
    GMutex op_lock; /* serializes operations */
    GMutex lock; /* the tables below; a leaf */
    GHashTable *domains; /* domid -> PVDomain * */
    GHashTable *ioservers; /* id -> PVIoserver * */
    GHashTable *bfns; /* bfn -> PVBfn * */
    GArray *reserved; /* pairs of (first, nr) */
    uint64_t next_mfn;
    PVIOMMUStats stats;

    MemoryRegion machine;
    MemoryRegion scratch;
    AddressSpace machine_as;
    IOMMUMemoryRegion iommu;
};

/* pv-iommu.c */
IOMMUAccessFlags pv_iommu_perm(unsigned flags);
void pv_iommu_notify(PVIOMMU *p, const PVBfn *b, IOMMUNotifierFlag type);
/* Drop @b's frame reference; free and scrub the frame if it was the last
 * reference to a ballooned-out frame. Call with p->lock held. */
void pv_iommu_drop_ref(PVIOMMU *p, PVBfn *b);

#endif /* HW_IOMMU_PV_IOMMU_INTERNAL_H */
