/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's side of the soft IOMMU: build and edit page tables in guest
 * memory, as a guest IOMMU driver would. Tests and demo workloads use it;
 * the model itself never does (it only reads tables).
 *
 * Tables are allocated from a pool of guest pages handed over at init;
 * tables that are replaced or dropped are not reused (a driver would free
 * them; a test does not need to). After
 * any change, tell the IOMMU with soft_iommu_invalidate() (or the
 * INV_CMD register), as a guest must.
 *
 * Not thread-safe: one guest CPU programs one table at a time.
 */
#ifndef HW_IOMMU_SOFT_IOMMU_PGTABLE_H
#define HW_IOMMU_SOFT_IOMMU_PGTABLE_H

#include "hw/models/soft-iommu.h"

/**
 * struct SoftIOMMUPageTable - one domain's tables, guest side.
 * @as: guest-physical memory, where the tables are written.
 * @root: address of the top table.
 * @levels: 1..4.
 * @max_page: largest page map() uses (4 KiB, 2 MiB or 1 GiB); set it
 *            after init to force small pages.
 *
 * Other fields are private.
 */
typedef struct SoftIOMMUPageTable {
    AddressSpace *as;
    hwaddr root;
    unsigned levels;
    uint64_t max_page;
    hwaddr pool_next;
    hwaddr pool_end;
} SoftIOMMUPageTable;

/**
 * soft_iommu_pt_init() - start empty tables.
 * @pt: the tables.
 * @as: guest-physical memory.
 * @pool: first byte of guest RAM the tables may use, 4 KiB aligned.
 * @pool_size: bytes of it.
 * @levels: 1..4.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM if the pool cannot hold
 * the root, -EIO if guest memory cannot be written.
 */
int soft_iommu_pt_init(SoftIOMMUPageTable *pt, AddressSpace *as, hwaddr pool,
                       uint64_t pool_size, unsigned levels);

/**
 * soft_iommu_pt_map() - map [@iova, @iova + @size) to @pa with @perm.
 * @pt: the tables.
 * @iova: 4 KiB aligned.
 * @pa: 4 KiB aligned.
 * @size: a nonzero multiple of 4 KiB.
 * @perm: IOMMU_RO, IOMMU_WO or IOMMU_RW.
 *
 * Replaces whatever was mapped there. Uses the largest pages that fit
 * (up to @max_page), replacing whole tables of smaller pages they cover,
 * and splits a large page that is only partly replaced.
 *
 * Return: 0, -EINVAL, -ERANGE (beyond the tables' width), -ENOMEM (pool
 * exhausted; what was mapped before the failure stays mapped) or -EIO.
 */
int soft_iommu_pt_map(SoftIOMMUPageTable *pt, hwaddr iova, hwaddr pa,
                      uint64_t size, IOMMUAccessFlags perm);

/**
 * soft_iommu_pt_unmap() - unmap [@iova, @iova + @size).
 * @pt: the tables.
 * @iova: 4 KiB aligned.
 * @size: a nonzero multiple of 4 KiB.
 *
 * Splits a large page that is only partly unmapped; drops whole tables
 * the range covers.
 *
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM (splitting) or -EIO.
 */
int soft_iommu_pt_unmap(SoftIOMMUPageTable *pt, hwaddr iova, uint64_t size);

/**
 * soft_iommu_pt_entry_addr() - where the leaf entry for @iova lives.
 * @pt: the tables.
 * @iova: any input address.
 * @level: if not NULL, receives the leaf's level.
 *
 * For tests that corrupt entries on purpose.
 *
 * Return: the guest-physical address of the entry, or 0 if @iova is not
 * mapped.
 */
hwaddr soft_iommu_pt_entry_addr(SoftIOMMUPageTable *pt, hwaddr iova,
                                unsigned *level);

/**
 * soft_iommu_pt_alloc_table() - take one zeroed page from the pool.
 * @pt: the tables.
 *
 * For tests that build odd tables by hand.
 *
 * Return: its address, or 0 if the pool is exhausted or unwritable.
 */
hwaddr soft_iommu_pt_alloc_table(SoftIOMMUPageTable *pt);

#endif /* HW_IOMMU_SOFT_IOMMU_PGTABLE_H */
