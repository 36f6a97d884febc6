/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's side of the soft IOMMU: writing page tables into guest
 * memory. See include/hw/models/soft-iommu-pgtable.h.
 *
 * Intermediate entries always grant R|W; leaves carry the permission, so
 * the AND along the path is the leaf's.
 */
#include <errno.h>

#include "hw/models/soft-iommu-pgtable.h"

#define PG SOFT_IOMMU_PAGE_SIZE
#define TABLE_FLAGS (SOFT_IOMMU_PTE_R | SOFT_IOMMU_PTE_W)

static int pt_ld(SoftIOMMUPageTable *pt, hwaddr addr, uint64_t *v)
{
    MemTxResult r;

    *v = address_space_ldq_le(pt->as, addr, MEMTXATTRS_UNSPECIFIED, &r);
    return r == MEMTX_OK ? 0 : -EIO;
}

static int pt_st(SoftIOMMUPageTable *pt, hwaddr addr, uint64_t v)
{
    MemTxResult r;

    address_space_stq_le(pt->as, addr, v, MEMTXATTRS_UNSPECIFIED, &r);
    return r == MEMTX_OK ? 0 : -EIO;
}

static bool present(uint64_t pte)
{
    return pte & (SOFT_IOMMU_PTE_R | SOFT_IOMMU_PTE_W);
}

static bool is_leaf(uint64_t pte, unsigned level)
{
    return level == 1 || (pte & SOFT_IOMMU_PTE_PS);
}

static uint64_t leaf_pte(hwaddr pa, unsigned level, unsigned perm)
{
    return (pa & SOFT_IOMMU_PTE_ADDR) | perm |
           (level > 1 ? SOFT_IOMMU_PTE_PS : 0);
}

static hwaddr slot_of(hwaddr table, hwaddr iova, unsigned level)
{
    return table + ((iova / SOFT_IOMMU_LEVEL_SIZE(level)) & 511) * 8;
}

static hwaddr width_last(unsigned levels)
{
    return (1ULL << (SOFT_IOMMU_PAGE_SHIFT + 9 * levels)) - 1;
}

hwaddr soft_iommu_pt_alloc_table(SoftIOMMUPageTable *pt)
{
    static const uint8_t zeroes[PG];
    hwaddr t = pt->pool_next;

    if (pt->pool_end - pt->pool_next < PG ||
        address_space_write(pt->as, t, MEMTXATTRS_UNSPECIFIED, zeroes, PG) !=
            MEMTX_OK) {
        return 0;
    }
    pt->pool_next += PG;
    return t;
}

int soft_iommu_pt_init(SoftIOMMUPageTable *pt, AddressSpace *as, hwaddr pool,
                       uint64_t pool_size, unsigned levels)
{
    if (levels < 1 || levels > SOFT_IOMMU_MAX_LEVELS || (pool & (PG - 1)) ||
        pool_size > UINT64_MAX - pool) {
        return -EINVAL;
    }
    *pt = (SoftIOMMUPageTable){
        .as = as,
        .levels = levels,
        .max_page = 1ULL << 30,
        .pool_next = pool,
        .pool_end = pool + (pool_size & ~(PG - 1)),
    };
    pt->root = soft_iommu_pt_alloc_table(pt);
    return pt->root ? 0 : -ENOMEM;
}

/* Replace the large leaf @pte at @slot by a table of smaller leaves. */
static int pt_split(SoftIOMMUPageTable *pt, hwaddr slot, unsigned level,
                    uint64_t pte, hwaddr *table)
{
    uint64_t span = SOFT_IOMMU_LEVEL_SIZE(level - 1);
    unsigned perm = pte & TABLE_FLAGS;
    hwaddr t = soft_iommu_pt_alloc_table(pt);
    unsigned i;

    if (!t) {
        return -ENOMEM;
    }
    for (i = 0; i < 512; i++) {
        hwaddr pa = (pte & SOFT_IOMMU_PTE_ADDR) + i * span;

        if (pt_st(pt, t + i * 8, leaf_pte(pa, level - 1, perm))) {
            return -EIO;
        }
    }
    *table = t;
    return pt_st(pt, slot, t | TABLE_FLAGS);
}

/* The entry for @iova at @target, making tables on the way down. */
static int pt_descend(SoftIOMMUPageTable *pt, hwaddr iova, unsigned target,
                      hwaddr *slot)
{
    hwaddr table = pt->root;
    unsigned level;

    for (level = pt->levels; level > target; level--) {
        hwaddr s = slot_of(table, iova, level);
        uint64_t pte;
        int ret = pt_ld(pt, s, &pte);

        if (ret) {
            return ret;
        }
        if (!present(pte)) {
            table = soft_iommu_pt_alloc_table(pt);
            if (!table) {
                return -ENOMEM;
            }
            ret = pt_st(pt, s, table | TABLE_FLAGS);
        } else if (is_leaf(pte, level)) {
            ret = pt_split(pt, s, level, pte, &table);
        } else {
            table = pte & SOFT_IOMMU_PTE_ADDR;
        }
        if (ret) {
            return ret;
        }
    }
    *slot = slot_of(table, iova, target);
    return 0;
}

/* The largest page level that fits at @iova -> @pa with @size left. */
static unsigned pick_level(SoftIOMMUPageTable *pt, hwaddr iova, hwaddr pa,
                           uint64_t size)
{
    unsigned l;

    for (l = MIN(3, pt->levels); l > 1; l--) {
        uint64_t span = SOFT_IOMMU_LEVEL_SIZE(l);

        if (span <= pt->max_page && !(iova & (span - 1)) &&
            !(pa & (span - 1)) && size >= span) {
            break;
        }
    }
    return l;
}

static int check_range(SoftIOMMUPageTable *pt, hwaddr iova, uint64_t size)
{
    if (!size || ((iova | size) & (PG - 1))) {
        return -EINVAL;
    }
    if (iova > width_last(pt->levels) ||
        size - 1 > width_last(pt->levels) - iova) {
        return -ERANGE;
    }
    return 0;
}

int soft_iommu_pt_map(SoftIOMMUPageTable *pt, hwaddr iova, hwaddr pa,
                      uint64_t size, IOMMUAccessFlags perm)
{
    int ret = check_range(pt, iova, size);

    if (ret || (pa & (PG - 1)) || perm == IOMMU_NONE) {
        return ret ? ret : -EINVAL;
    }
    while (size) {
        unsigned level = pick_level(pt, iova, pa, size);
        hwaddr slot;

        /*
         * The new page covers the whole entry, so a table there is simply
         * replaced (and its page left in the pool).
         */
        ret = pt_descend(pt, iova, level, &slot);
        ret = ret ? ret : pt_st(pt, slot, leaf_pte(pa, level, perm));
        if (ret) {
            return ret;
        }
        iova += SOFT_IOMMU_LEVEL_SIZE(level);
        pa += SOFT_IOMMU_LEVEL_SIZE(level);
        size -= SOFT_IOMMU_LEVEL_SIZE(level);
    }
    return 0;
}

/* Unmap from @iova, at most @size bytes; return how many were handled. */
static int64_t pt_unmap_one(SoftIOMMUPageTable *pt, hwaddr iova, uint64_t size)
{
    hwaddr table = pt->root;
    unsigned level;

    for (level = pt->levels;; level--) {
        uint64_t span = SOFT_IOMMU_LEVEL_SIZE(level);
        hwaddr s = slot_of(table, iova, level);
        uint64_t pte;
        int ret = pt_ld(pt, s, &pte);

        if (ret) {
            return ret;
        }
        if (!present(pte)) {
            return MIN(size, span - (iova & (span - 1)));
        }
        if (!(iova & (span - 1)) && size >= span) {
            /* All of it goes: a leaf, or a whole table below. */
            ret = pt_st(pt, s, 0);
            return ret ? ret : (int64_t)span;
        }
        if (!is_leaf(pte, level)) {
            table = pte & SOFT_IOMMU_PTE_ADDR;
            continue;
        }
        ret = pt_split(pt, s, level, pte, &table);
        if (ret) {
            return ret;
        }
    }
}

int soft_iommu_pt_unmap(SoftIOMMUPageTable *pt, hwaddr iova, uint64_t size)
{
    int ret = check_range(pt, iova, size);

    while (!ret && size) {
        int64_t done = pt_unmap_one(pt, iova, size);

        if (done < 0) {
            return done;
        }
        iova += done;
        size -= done;
    }
    return ret;
}

hwaddr soft_iommu_pt_entry_addr(SoftIOMMUPageTable *pt, hwaddr iova,
                                unsigned *level)
{
    hwaddr table = pt->root;
    unsigned l;

    if (iova > width_last(pt->levels)) {
        return 0;
    }
    for (l = pt->levels; l >= 1; l--) {
        hwaddr s = slot_of(table, iova, l);
        uint64_t pte;

        if (pt_ld(pt, s, &pte) || !present(pte)) {
            return 0;
        }
        if (is_leaf(pte, l)) {
            if (level) {
                *level = l;
            }
            return s;
        }
        table = pte & SOFT_IOMMU_PTE_ADDR;
    }
    return 0;
}
