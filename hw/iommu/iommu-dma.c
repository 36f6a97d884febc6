/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-device DMA address spaces: a root with an alias of system memory and
 * the device's IOMMU region, exactly one of them enabled.
 *
 * Why both children stay in the tree instead of being added and removed:
 * set_enabled() inside one transaction is the cheapest atomic switch the
 * core offers, and it never leaves a region without a container, so
 * teardown has nothing to special-case.
 *
 * Lock rules: the mode lives in the region tree; callers serialize
 * switches of one space (the IOMMU models here do, under their own
 * configuration lock).
 */
#include <glib.h>

#include "hw/iommu/iommu-dma.h"

void iommu_device_space_init(IOMMUDeviceSpace *ds, void *owner,
                             const char *name, MemoryRegion *sys_mem,
                             MemoryRegion *iommu_mr, bool bypass)
{
    g_autofree char *alias_name = g_strdup_printf("%s-sysmem", name);

    ds->iommu_mr = iommu_mr;
    ds->bypass = bypass;
    memory_region_init(&ds->root, owner, name, UINT64_MAX);
    memory_region_init_alias(&ds->sys_alias, owner, alias_name, sys_mem, 0,
                             UINT64_MAX);

    memory_region_transaction_begin();
    memory_region_set_enabled(&ds->sys_alias, bypass);
    memory_region_set_enabled(iommu_mr, !bypass);
    memory_region_add_subregion(&ds->root, 0, &ds->sys_alias);
    memory_region_add_subregion(&ds->root, 0, iommu_mr);
    memory_region_transaction_commit();

    address_space_init(&ds->as, &ds->root, name);
}

void iommu_device_space_set_bypass(IOMMUDeviceSpace *ds, bool bypass)
{
    if (ds->bypass == bypass) {
        return;
    }
    memory_region_transaction_begin();
    memory_region_set_enabled(&ds->sys_alias, bypass);
    memory_region_set_enabled(ds->iommu_mr, !bypass);
    ds->bypass = bypass;
    memory_region_transaction_commit();
}

bool iommu_device_space_get_bypass(const IOMMUDeviceSpace *ds)
{
    return ds->bypass;
}

void iommu_device_space_destroy(IOMMUDeviceSpace *ds)
{
    address_space_destroy(&ds->as);

    memory_region_transaction_begin();
    memory_region_del_subregion(&ds->root, ds->iommu_mr);
    memory_region_del_subregion(&ds->root, &ds->sys_alias);
    memory_region_transaction_commit();

    memory_region_finalize(&ds->sys_alias);
    memory_region_finalize(&ds->root);
    /* Leave the IOMMU region usable again, as the caller gave it. */
    memory_region_set_enabled(ds->iommu_mr, true);
    ds->iommu_mr = NULL;
}
