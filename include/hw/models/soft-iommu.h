/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reference software IOMMU: per-device contexts, domains whose page
 * tables live in guest memory, IOTLB-style invalidation that drives IOMMU
 * notifiers, per-device passthrough, and a fault log.
 *
 * It is small on purpose. It shows what a real model (VT-d, SMMU,
 * virtio-iommu) has to get right against the memory API, and it gives the
 * tests an IOMMU whose page tables a hostile guest controls.
 *
 * Devices. Each device (a 16-bit requester ID) is in one of three modes:
 *  - SOFT_IOMMU_BLOCKED: every DMA faults;
 *  - SOFT_IOMMU_TRANSLATE: DMA addresses are IOVAs of the device's domain;
 *  - SOFT_IOMMU_PASSTHROUGH: DMA addresses are guest-physical (what a
 *    guest's "iommu=pt" asks for). The device's address space then holds
 *    system memory directly; see hw/iommu/iommu-dma.h.
 *
 * Page tables. A domain has a root table address and 1..4 levels; the
 * input address is 12 + 9 * levels bits wide. A table is one 4 KiB page of
 * 512 little-endian 64-bit entries at a 4 KiB-aligned guest-physical
 * address. An entry is:
 *
 *   bit 0      R: the device may read
 *   bit 1      W: the device may write
 *   bit 7      PS: a leaf above level 1 (level 2: 2 MiB, level 3: 1 GiB)
 *   bits 12-51 the next table, or the output page (aligned to its size)
 *   others     reserved, must be 0
 *
 * An entry is present when R or W is set; a non-present entry is ignored
 * whatever else it holds. Permissions are the AND of every entry on the
 * path. Level 1 entries are always leaves (PS must be 0); PS at level 4
 * is reserved. A present entry with reserved bits, or a large page whose
 * address is not aligned to its size, faults with SOFT_IOMMU_FAULT_RSVD.
 *
 * Translation walks the tables at every access (there is no IOTLB), so
 * emulated DMA always sees the tables as they are. Notifier consumers (a
 * VFIO-style mirror) see the domain's *shadow*: the mappings as of the
 * last invalidation. Like VT-d in caching mode, a guest must invalidate
 * after every change, including not-present to present, for them to hear
 * of it. The shadow never holds more than @max_mappings entries and a sync
 * reads at most @walk_budget tables; whatever a sync could not confirm is
 * unmapped, never left stale.
 *
 * Lock rules (outermost first):
 *  1. cfg_lock: serializes mode and domain changes of devices; held across
 *     the transaction that switches a device's address space.
 *  2. the topology lock (transactions; listener callbacks run under it).
 *  3. lock: device contexts, domains and shadows. IOMMU notifier
 *     callbacks run under it: they may access memory but must not call
 *     any soft_iommu_*() function of the same IOMMU or change the topology.
 *  4. fault_lock: the fault log; a leaf.
 * translate() takes none of them: contexts and domain roots are read with
 * atomic loads, so any thread may DMA at any time.
 */
#ifndef HW_IOMMU_SOFT_IOMMU_H
#define HW_IOMMU_SOFT_IOMMU_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"

#define SOFT_IOMMU_PAGE_SHIFT 12
#define SOFT_IOMMU_PAGE_SIZE (1ULL << SOFT_IOMMU_PAGE_SHIFT)
#define SOFT_IOMMU_MAX_LEVELS 4

#define SOFT_IOMMU_PTE_R (1ULL << 0)
#define SOFT_IOMMU_PTE_W (1ULL << 1)
#define SOFT_IOMMU_PTE_PS (1ULL << 7)
#define SOFT_IOMMU_PTE_ADDR 0x000ffffffffff000ULL
#define SOFT_IOMMU_PTE_RSVD                                      \
    (~(SOFT_IOMMU_PTE_R | SOFT_IOMMU_PTE_W | SOFT_IOMMU_PTE_PS | \
       SOFT_IOMMU_PTE_ADDR))

/* Bytes one entry at @level (1..4) covers. */
#define SOFT_IOMMU_LEVEL_SIZE(level) \
    (1ULL << (SOFT_IOMMU_PAGE_SHIFT + 9 * ((level)-1)))

/**
 * enum SoftIOMMUMode - what a device's DMA goes through.
 * @SOFT_IOMMU_BLOCKED: nothing; every access faults.
 * @SOFT_IOMMU_TRANSLATE: the page tables of the device's domain.
 * @SOFT_IOMMU_PASSTHROUGH: nothing: addresses are guest-physical.
 *
 * The values are the register encoding (SOFT_IOMMU_REG_DEV_CTX).
 */
typedef enum SoftIOMMUMode {
    SOFT_IOMMU_BLOCKED = 0,
    SOFT_IOMMU_TRANSLATE = 1,
    SOFT_IOMMU_PASSTHROUGH = 2,
} SoftIOMMUMode;

/**
 * enum SoftIOMMUFaultReason - why a translation or a sync failed.
 * @SOFT_IOMMU_FAULT_BLOCKED: the device is blocked.
 * @SOFT_IOMMU_FAULT_NO_ROOT: its domain has no page table.
 * @SOFT_IOMMU_FAULT_RANGE: the IOVA is wider than the domain's tables.
 * @SOFT_IOMMU_FAULT_NOT_PRESENT: no mapping.
 * @SOFT_IOMMU_FAULT_PERM: the mapping does not allow the access.
 * @SOFT_IOMMU_FAULT_RSVD: an entry has reserved bits or a misaligned
 *                         large page.
 * @SOFT_IOMMU_FAULT_PT_READ: a table could not be read (not RAM, private
 *                            memory, nothing there).
 * @SOFT_IOMMU_FAULT_WALK_BUDGET: a sync read @walk_budget tables and
 *                                stopped; the rest counts as unmapped.
 * @SOFT_IOMMU_FAULT_TOO_MANY: a sync found more than @max_mappings
 *                             mappings; the rest counts as unmapped.
 * @SOFT_IOMMU_FAULT_NR: number of reasons.
 */
typedef enum SoftIOMMUFaultReason {
    SOFT_IOMMU_FAULT_NONE = 0,
    SOFT_IOMMU_FAULT_BLOCKED,
    SOFT_IOMMU_FAULT_NO_ROOT,
    SOFT_IOMMU_FAULT_RANGE,
    SOFT_IOMMU_FAULT_NOT_PRESENT,
    SOFT_IOMMU_FAULT_PERM,
    SOFT_IOMMU_FAULT_RSVD,
    SOFT_IOMMU_FAULT_PT_READ,
    SOFT_IOMMU_FAULT_WALK_BUDGET,
    SOFT_IOMMU_FAULT_TOO_MANY,
    SOFT_IOMMU_FAULT_NR,
} SoftIOMMUFaultReason;

/**
 * struct SoftIOMMUFault - one entry of the fault log.
 * @reason: why.
 * @devid: the device, or -1 for a fault found by a sync (no device).
 * @domid: the domain, or -1 if the device had none.
 * @iova: the input address.
 * @is_write: the access was a write (false for sync faults).
 */
typedef struct SoftIOMMUFault {
    SoftIOMMUFaultReason reason;
    int devid;
    int domid;
    hwaddr iova;
    bool is_write;
} SoftIOMMUFault;

/* Faults the log keeps; older ones are dropped (and counted). */
#define SOFT_IOMMU_FAULT_LOG 64

/**
 * struct SoftIOMMUConfig - how to build the IOMMU; zero means default.
 * @nr_domains: domain IDs 0..nr_domains-1; default 256, at most 65536.
 * @max_mappings: entries a domain's shadow may hold; default 65536 (VFIO
 *                type1's default DMA entry limit).
 * @walk_budget: tables one sync may read; default 16384.
 * @no_caching_mode: the guest is not required to invalidate after adding
 *                   mappings, so MAP notifiers are refused (-ENOTSUP).
 * @start_blocked: new devices start blocked instead of in passthrough.
 */
typedef struct SoftIOMMUConfig {
    unsigned nr_domains;
    unsigned max_mappings;
    unsigned walk_budget;
    bool no_caching_mode;
    bool start_blocked;
} SoftIOMMUConfig;

/**
 * struct SoftIOMMUStats - counters.
 * @faults: faults by reason (index 0: total).
 * @faults_dropped: faults that fell off the log before being popped.
 * @syncs: invalidations and root changes processed.
 * @tables_read: page tables read by syncs.
 * @map_events: MAP events sent (once per event, not per notifier).
 * @unmap_events: UNMAP events sent.
 * @shadow_entries: mappings in all shadows now.
 */
typedef struct SoftIOMMUStats {
    uint64_t faults[SOFT_IOMMU_FAULT_NR];
    uint64_t faults_dropped;
    uint64_t syncs;
    uint64_t tables_read;
    uint64_t map_events;
    uint64_t unmap_events;
    uint64_t shadow_entries;
} SoftIOMMUStats;

typedef struct SoftIOMMU SoftIOMMU;
typedef struct SoftIOMMUDevice SoftIOMMUDevice;

/**
 * soft_iommu_new() - create an IOMMU in front of @sys_mem.
 * @sys_mem: root region of guest-physical memory. Page tables are read
 *           from it and translations point into it.
 * @cfg: configuration, or NULL for defaults.
 * @errp: set on failure (a configuration out of range).
 *
 * Return: the IOMMU, or NULL.
 */
SoftIOMMU *soft_iommu_new(MemoryRegion *sys_mem, const SoftIOMMUConfig *cfg,
                          GError **errp);

/**
 * soft_iommu_free() - destroy the IOMMU.
 * @s: the IOMMU, or NULL.
 *
 * Misuse: devices still alive, or its register region still mapped,
 * abort.
 */
void soft_iommu_free(SoftIOMMU *s);

/**
 * soft_iommu_target_as() - the address space translations point into.
 * @s: the IOMMU.
 *
 * An address space over @sys_mem owned by the IOMMU; it is the target_as
 * of every IOMMUTLBEntry the model produces.
 */
AddressSpace *soft_iommu_target_as(SoftIOMMU *s);

/**
 * soft_iommu_device_new() - plug a device in behind the IOMMU.
 * @s: the IOMMU.
 * @devid: its requester ID.
 * @name: base name of its regions and address space; copied.
 * @errp: set if @devid is taken.
 *
 * The device starts in passthrough (or blocked, see @start_blocked).
 *
 * Return: the device, or NULL.
 */
SoftIOMMUDevice *soft_iommu_device_new(SoftIOMMU *s, uint16_t devid,
                                       const char *name, GError **errp);

/**
 * soft_iommu_device_free() - unplug a device.
 * @dev: the device, or NULL.
 *
 * Misuse: listeners or mappings still on its address space, or notifiers
 * still registered on its IOMMU region, abort.
 */
void soft_iommu_device_free(SoftIOMMUDevice *dev);

/**
 * soft_iommu_device_as() - the device's DMA address space.
 * @dev: the device.
 */
AddressSpace *soft_iommu_device_as(SoftIOMMUDevice *dev);

/**
 * soft_iommu_device_iommu() - the device's IOMMU region.
 * @dev: the device.
 */
IOMMUMemoryRegion *soft_iommu_device_iommu(SoftIOMMUDevice *dev);

/**
 * soft_iommu_device_dma_root() - the root region of the device's DMA view.
 * @dev: the device.
 *
 * What soft_iommu_device_as() is built on. Hand it to another IOMMU as
 * its @sys_mem to nest: that IOMMU's tables and translations then live in
 * this device's (already translated) address space, as for a nested guest.
 */
MemoryRegion *soft_iommu_device_dma_root(SoftIOMMUDevice *dev);

/**
 * soft_iommu_set_domain() - point a domain at its page tables.
 * @s: the IOMMU.
 * @domid: the domain.
 * @root: guest-physical address of the top table, 4 KiB aligned.
 * @levels: 1..4, or 0 to remove the tables (every IOVA unmapped).
 *
 * Re-syncs the whole domain: notifiers of attached devices hear UNMAP for
 * what the old tables mapped and MAP for what the new ones map.
 *
 * Return: 0, -ERANGE for a @domid beyond @nr_domains, or -EINVAL for bad
 * @levels or a misaligned @root.
 */
int soft_iommu_set_domain(SoftIOMMU *s, uint32_t domid, hwaddr root,
                          unsigned levels);

/**
 * soft_iommu_set_device() - change a device's mode and domain.
 * @s: the IOMMU.
 * @devid: the device.
 * @mode: the new mode.
 * @domid: the domain for SOFT_IOMMU_TRANSLATE; ignored otherwise.
 *
 * The device's notifiers hear UNMAP for every mapping of the domain it
 * leaves and MAP for every mapping of the domain it joins. Entering or
 * leaving passthrough switches its address space atomically (see
 * iommu_device_space_set_bypass()); mappings made before stay valid until
 * unmapped.
 *
 * Return: 0, -ENODEV for no such device, -ERANGE for a bad @domid, or
 * -EINVAL for a bad @mode.
 */
int soft_iommu_set_device(SoftIOMMU *s, uint32_t devid, SoftIOMMUMode mode,
                          uint32_t domid);

/**
 * soft_iommu_invalidate() - the guest changed [@iova, @iova + @size).
 * @s: the IOMMU.
 * @domid: whose tables.
 * @iova: start.
 * @size: bytes; 0 means the whole domain. A range past 2^64 is clipped.
 *
 * Walks the tables over the range (widened to whole pages and to whole
 * mappings that overlap it), compares with the shadow, and tells the
 * notifiers of attached devices: first UNMAP for every mapping that went
 * away or changed, then MAP for every mapping that is new or changed.
 *
 * Return: 0 or -ERANGE.
 */
int soft_iommu_invalidate(SoftIOMMU *s, uint32_t domid, hwaddr iova,
                          uint64_t size);

/**
 * soft_iommu_fault_pop() - take the oldest fault from the log.
 * @s: the IOMMU.
 * @fault: filled in.
 *
 * Return: false when the log is empty.
 */
bool soft_iommu_fault_pop(SoftIOMMU *s, SoftIOMMUFault *fault);

/**
 * soft_iommu_get_stats() - read the counters.
 * @s: the software IOMMU.
 * @stats: filled in with a snapshot of the counters.
 */
void soft_iommu_get_stats(SoftIOMMU *s, SoftIOMMUStats *stats);

/*
 * The register block, for a guest to program the IOMMU. 64-bit registers,
 * little endian; 4- and 8-byte aligned accesses. A write to DEV_CTX,
 * DOM_ROOT or INV_CMD runs the command at once and leaves its result
 * (0, or a positive errno) in STATUS.
 */
#define SOFT_IOMMU_REG_CAP 0x00 /* RO: see SOFT_IOMMU_CAP_* */
#define SOFT_IOMMU_REG_DEV_SEL 0x08 /* RW: devid for DEV_CTX */
#define SOFT_IOMMU_REG_DEV_CTX 0x10 /* RW: mode [1:0], domid [47:16] */
#define SOFT_IOMMU_REG_DOM_SEL 0x18 /* RW: domid for DOM_ROOT */
#define SOFT_IOMMU_REG_DOM_ROOT 0x20 /* RW: root [51:12], levels [2:0] */
#define SOFT_IOMMU_REG_INV_ADDR 0x28 /* RW: start of INV_CMD's range */
#define SOFT_IOMMU_REG_INV_SIZE 0x30 /* RW: bytes, 0 = whole domain */
#define SOFT_IOMMU_REG_INV_CMD 0x38 /* WO: write a domid: invalidate */
#define SOFT_IOMMU_REG_STATUS 0x40 /* RO: last command's result */
#define SOFT_IOMMU_REG_FAULT_COUNT 0x48 /* RO: faults recorded so far */
#define SOFT_IOMMU_REG_FAULT_POP 0x50 /* RO, pops: see below; 0 = none */
#define SOFT_IOMMU_REG_FAULT_ADDR 0x58 /* RO: iova of the popped fault */
#define SOFT_IOMMU_REG_SIZE 0x1000

/*
 * FAULT_POP: reason [7:0], write [8], has devid [9], has domid [10],
 * devid [31:16], domid [47:32].
 */
#define SOFT_IOMMU_CAP_VERSION 1 /* [7:0] */
#define SOFT_IOMMU_CAP_LEVELS_SHIFT 8 /* [11:8] most levels */
#define SOFT_IOMMU_CAP_CM (1ULL << 12) /* caching mode */
#define SOFT_IOMMU_CAP_DOMS_SHIFT 32 /* [63:32] nr_domains */

/**
 * soft_iommu_regs() - the register block.
 * @s: the IOMMU.
 *
 * An MMIO region of SOFT_IOMMU_REG_SIZE bytes; add it where the guest
 * expects it. Remove it again before soft_iommu_free().
 */
MemoryRegion *soft_iommu_regs(SoftIOMMU *s);

#endif /* HW_IOMMU_SOFT_IOMMU_H */
