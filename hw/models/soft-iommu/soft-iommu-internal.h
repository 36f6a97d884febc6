/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private structures of the reference software IOMMU (hw/models/soft-iommu/).
 * Lock rules are stated in include/hw/models/soft-iommu.h.
 */
#ifndef HW_IOMMU_SOFT_IOMMU_INTERNAL_H
#define HW_IOMMU_SOFT_IOMMU_INTERNAL_H

#include "hw/iommu/iommu-dma.h"
#include "hw/models/soft-iommu.h"

/* A root word: table address [51:12] | levels [2:0]; 0 = no tables. */
#define SOFT_IOMMU_ROOT_LEVELS 0x7ULL

/* A device context word: mode [1:0] | domid [31:16]. */
#define CTX_MODE(ctx) ((SoftIOMMUMode)((ctx)&3))
#define CTX_DOMID(ctx) ((ctx) >> 16)
#define CTX_MAKE(mode, domid) ((uint32_t)(mode) | ((uint32_t)(domid) << 16))

/* One leaf of a domain's tables: [iova, iova + size) -> out. */
typedef struct SoftIOMMUMapping {
    hwaddr iova;
    uint64_t size;
    hwaddr out;
    IOMMUAccessFlags perm;
} SoftIOMMUMapping;

typedef struct SoftIOMMUDomain {
    uint64_t root_word; /* atomic; written under lock */
    GArray *shadow; /* SoftIOMMUMapping, sorted, disjoint */
} SoftIOMMUDomain;

struct SoftIOMMUDevice {
    SoftIOMMU *s;
    uint16_t devid;
    uint32_t ctx; /* atomic; written under lock */
    char *name;
    IOMMUMemoryRegion iommu;
    IOMMUDeviceSpace space;
};

struct SoftIOMMU {
    SoftIOMMUConfig cfg;
    MemoryRegion *sys_mem; /* what passthrough shows */
    AddressSpace sys_as; /* holds the tables; translations land here */

    GMutex cfg_lock;
    GMutex lock;
    SoftIOMMUDomain *domains; /* cfg.nr_domains of them */
    GHashTable *devices; /* devid -> SoftIOMMUDevice *, under lock */
    SoftIOMMUStats stats; /* under lock, except faults (fault_lock) */

    GMutex fault_lock;
    SoftIOMMUFault log[SOFT_IOMMU_FAULT_LOG];
    unsigned log_head, log_len;

    /* Register block (soft-iommu-regs.c), under reg_lock, the outermost. */
    GMutex reg_lock;
    MemoryRegion regs;
    uint64_t reg_dev_sel, reg_dev_ctx, reg_dom_sel, reg_dom_root;
    uint64_t reg_inv_addr, reg_inv_size, reg_inv_cmd;
    uint64_t reg_status, reg_fault_pop, reg_fault_addr;
};

/* soft-iommu.c */
void soft_iommu_fault(SoftIOMMU *s, SoftIOMMUFaultReason reason, int devid,
                      int domid, hwaddr iova, bool is_write);

/* soft-iommu-walk.c: reading a domain's tables. Take no lock. */
SoftIOMMUFaultReason soft_iommu_walk_one(AddressSpace *as, uint64_t root_word,
                                         hwaddr iova, SoftIOMMUMapping *m);

typedef struct SoftIOMMUWalk {
    SoftIOMMU *s;
    int domid;
    hwaddr start, last; /* inclusive range of interest */
    unsigned budget; /* tables still allowed */
    unsigned max_leaves;
    GArray *out; /* SoftIOMMUMapping, ascending */
    unsigned tables_read;
    SoftIOMMUFaultReason stopped; /* why it stopped early, or NONE */
} SoftIOMMUWalk;

void soft_iommu_walk_range(SoftIOMMUWalk *w, uint64_t root_word);

/* soft-iommu-sync.c: shadows and notifications. Call with s->lock held. */
void soft_iommu_sync(SoftIOMMU *s, uint32_t domid, hwaddr start, hwaddr last);
void soft_iommu_send_domain(SoftIOMMU *s, SoftIOMMUDevice *dev, uint32_t domid,
                            IOMMUNotifierFlag type);
void soft_iommu_replay(void *opaque, IOMMUNotifier *n);

/* soft-iommu-regs.c */
void soft_iommu_regs_init(SoftIOMMU *s);

#endif /* HW_IOMMU_SOFT_IOMMU_INTERNAL_H */
