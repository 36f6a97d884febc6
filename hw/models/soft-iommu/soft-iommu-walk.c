/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Walking a domain's page tables. Everything read here comes from the
 * guest, so every entry is checked before it is used:
 *  - a walk goes down at most 4 levels, whatever the entries say, so a
 *    table that points at itself or an ancestor cannot loop;
 *  - a table that cannot be read (nothing there, MMIO that fails, private
 *    memory) faults and counts as empty;
 *  - reserved bits and misaligned large pages fault, the entry is skipped;
 *  - a range walk stops after a budget of tables and a limit of leaves,
 *    because tables may be shared: four self-similar pages could
 *    otherwise describe 2^36 mappings.
 */
#include <string.h>

#include "soft-iommu-internal.h"

static unsigned root_levels(uint64_t root_word)
{
    return root_word & SOFT_IOMMU_ROOT_LEVELS;
}

static hwaddr root_table(uint64_t root_word)
{
    return root_word & SOFT_IOMMU_PTE_ADDR;
}

/* Last input address the tables can describe. */
static hwaddr width_last(unsigned levels)
{
    unsigned bits = SOFT_IOMMU_PAGE_SHIFT + 9 * levels;

    return bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
}

static IOMMUAccessFlags pte_perm(uint64_t pte)
{
    return (IOMMUAccessFlags)(pte & (SOFT_IOMMU_PTE_R | SOFT_IOMMU_PTE_W));
}

/*
 * Check a present entry at @level. Return SOFT_IOMMU_FAULT_NONE and say
 * whether it is a leaf, or the fault it deserves.
 */
static SoftIOMMUFaultReason pte_check(uint64_t pte, unsigned level, bool *leaf)
{
    bool ps = pte & SOFT_IOMMU_PTE_PS;

    if (pte & SOFT_IOMMU_PTE_RSVD) {
        return SOFT_IOMMU_FAULT_RSVD;
    }
    if (ps && (level == 1 || level == SOFT_IOMMU_MAX_LEVELS)) {
        return SOFT_IOMMU_FAULT_RSVD;
    }
    *leaf = level == 1 || ps;
    if (*leaf &&
        (pte & SOFT_IOMMU_PTE_ADDR & (SOFT_IOMMU_LEVEL_SIZE(level) - 1))) {
        return SOFT_IOMMU_FAULT_RSVD; /* large page not aligned */
    }
    return SOFT_IOMMU_FAULT_NONE;
}

SoftIOMMUFaultReason soft_iommu_walk_one(AddressSpace *as, uint64_t root_word,
                                         hwaddr iova, SoftIOMMUMapping *m)
{
    unsigned level = root_levels(root_word);
    hwaddr table = root_table(root_word);
    IOMMUAccessFlags perm = IOMMU_RW;

    if (!level) {
        return SOFT_IOMMU_FAULT_NO_ROOT;
    }
    if (iova > width_last(level)) {
        return SOFT_IOMMU_FAULT_RANGE;
    }
    for (;;) {
        uint64_t span = SOFT_IOMMU_LEVEL_SIZE(level);
        hwaddr idx = (iova / span) & 511;
        SoftIOMMUFaultReason f;
        MemTxResult r;
        uint64_t pte;
        bool leaf;

        pte = address_space_ldq_le(as, table + idx * 8, MEMTXATTRS_UNSPECIFIED,
                                   &r);
        if (r != MEMTX_OK) {
            return SOFT_IOMMU_FAULT_PT_READ;
        }
        if (!pte_perm(pte)) {
            return SOFT_IOMMU_FAULT_NOT_PRESENT;
        }
        f = pte_check(pte, level, &leaf);
        if (f != SOFT_IOMMU_FAULT_NONE) {
            return f;
        }
        perm &= pte_perm(pte);
        if (leaf) {
            m->iova = iova & ~(span - 1);
            m->size = span;
            m->out = pte & SOFT_IOMMU_PTE_ADDR;
            m->perm = perm;
            return SOFT_IOMMU_FAULT_NONE;
        }
        table = pte & SOFT_IOMMU_PTE_ADDR;
        level--;
    }
}

/* Visit the entries of one table that overlap the walk's range. */
static bool walk_table(SoftIOMMUWalk *w, hwaddr table, unsigned level,
                       hwaddr base, IOMMUAccessFlags perm)
{
    uint64_t span = SOFT_IOMMU_LEVEL_SIZE(level);
    uint64_t ents[512];
    unsigned i, first, last;

    if (w->budget == 0) {
        w->stopped = SOFT_IOMMU_FAULT_WALK_BUDGET;
        return false;
    }
    w->budget--;
    w->tables_read++;
    if (address_space_read(&w->s->sys_as, table, MEMTXATTRS_UNSPECIFIED, ents,
                           sizeof(ents)) != MEMTX_OK) {
        soft_iommu_fault(w->s, SOFT_IOMMU_FAULT_PT_READ, -1, w->domid,
                         MAX(base, w->start), false);
        return true;
    }
    first = w->start > base ? (w->start - base) / span : 0;
    last = MIN(511, (w->last - base) / span);
    for (i = first; i <= last; i++) {
        uint64_t pte = GUINT64_FROM_LE(ents[i]);
        hwaddr iova = base + i * span;
        bool leaf;

        if (!pte_perm(pte)) {
            continue;
        }
        if (pte_check(pte, level, &leaf) != SOFT_IOMMU_FAULT_NONE) {
            soft_iommu_fault(w->s, SOFT_IOMMU_FAULT_RSVD, -1, w->domid, iova,
                             false);
            continue;
        }
        if (!leaf) {
            if (!walk_table(w, pte & SOFT_IOMMU_PTE_ADDR, level - 1, iova,
                            perm & pte_perm(pte))) {
                return false;
            }
            continue;
        }
        if (w->out->len >= w->max_leaves) {
            w->stopped = SOFT_IOMMU_FAULT_TOO_MANY;
            return false;
        }
        g_array_append_val(w->out, ((SoftIOMMUMapping){
                                       .iova = iova,
                                       .size = span,
                                       .out = pte & SOFT_IOMMU_PTE_ADDR,
                                       .perm = perm & pte_perm(pte),
                                   }));
    }
    return true;
}

void soft_iommu_walk_range(SoftIOMMUWalk *w, uint64_t root_word)
{
    unsigned levels = root_levels(root_word);

    w->stopped = SOFT_IOMMU_FAULT_NONE;
    if (!levels || w->start > width_last(levels)) {
        return;
    }
    w->last = MIN(w->last, width_last(levels));
    walk_table(w, root_table(root_word), levels, 0, IOMMU_RW);
}
