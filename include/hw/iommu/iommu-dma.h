/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-device DMA address spaces: what a device's DMA sees when an IOMMU
 * may or may not sit between it and memory.
 *
 * Each device gets its own root region holding two children over the
 * whole 2^64 space:
 *
 *   root "<name>"  (container)
 *     +-- "<name>-sysmem"  alias of system memory   (enabled in bypass)
 *     +-- "<name>-iommu"   the device's IOMMU region (enabled otherwise)
 *
 * Exactly one of them is enabled. Switching flips both inside one
 * transaction, so a reader sees either the old view or the new one, never
 * a mix and never nothing. Mappings made before a switch keep their
 * memory until address_space_unmap(): the core pins what a mapping points
 * at, whatever the view looks like later.
 *
 * This is what a guest's "iommu=pt" (or a per-device bypass bit) asks
 * for: the device keeps its address space object, only what is behind it
 * changes.
 */
#ifndef HW_IOMMU_IOMMU_DMA_H
#define HW_IOMMU_IOMMU_DMA_H

#include <stdbool.h>
#include "exec/memory.h"

/**
 * struct IOMMUDeviceSpace - one device's DMA view.
 * @as: the device's DMA address space; hand it to the device model.
 *
 * Other fields are private.
 */
typedef struct IOMMUDeviceSpace {
    AddressSpace as;
    MemoryRegion root;
    MemoryRegion sys_alias;
    MemoryRegion *iommu_mr;
    bool bypass;
} IOMMUDeviceSpace;

/**
 * iommu_device_space_init() - build a device's DMA address space.
 * @ds: the space; embed it in the device or IOMMU model.
 * @owner: opaque owner pointer for the regions, may be NULL.
 * @name: base name for the regions and the address space; copied.
 * @sys_mem: root region of system memory, what bypass shows.
 * @iommu_mr: the device's IOMMU region (its parent_obj), sized 2^64 or
 *            less; not yet inside any container.
 * @bypass: the initial mode.
 *
 * Misuse: @iommu_mr already inside a container aborts (in the core).
 */
void iommu_device_space_init(IOMMUDeviceSpace *ds, void *owner,
                             const char *name, MemoryRegion *sys_mem,
                             MemoryRegion *iommu_mr, bool bypass);

/**
 * iommu_device_space_set_bypass() - switch between bypass and translation.
 * @ds: the space.
 * @bypass: true: DMA addresses are guest-physical; false: they go through
 *          the IOMMU region.
 *
 * Atomic for readers: one commit flips both children. Listeners of @ds->as
 * hear region_del for what left and region_add for what came. Outstanding
 * mappings stay valid until unmapped through @ds->as, as before.
 *
 * Lock rules: takes the topology lock, so it must not be called from a
 * MemoryListener callback or with a lock held that listener callbacks or
 * IOMMU replay take.
 */
void iommu_device_space_set_bypass(IOMMUDeviceSpace *ds, bool bypass);

/**
 * iommu_device_space_get_bypass() - the current mode.
 * @ds: the device's DMA space.
 */
bool iommu_device_space_get_bypass(const IOMMUDeviceSpace *ds);

/**
 * iommu_device_space_destroy() - tear down what init built.
 * @ds: the space.
 *
 * Leaves @iommu_mr outside any container; the caller finalizes it.
 *
 * Misuse: listeners still registered on @ds->as, or mappings still
 * outstanding, abort (see address_space_destroy()).
 */
void iommu_device_space_destroy(IOMMUDeviceSpace *ds);

#endif /* HW_IOMMU_IOMMU_DMA_H */
