/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A map-on-demand region standing in for Xen grants, over guest RAM:
 * grant ref r is guest frame frame[r] if granted; a map covers refs
 * while their frames are consecutive, as gntdev maps one contiguous
 * range; read-only refs refuse writable maps. It counts live mappings,
 * so tests can prove none leak.
 */
#ifndef TESTS_UNIT_IOMMU_FAKE_GRANTS_H
#define TESTS_UNIT_IOMMU_FAKE_GRANTS_H

#include "exec/memory.h"

#define GRANT_BASE (1ULL << 63)
#define NR_REFS 64

typedef struct FakeGrants {
    MemoryRegion mr;
    uint8_t *ram;
    uint64_t frame[NR_REFS];
    bool granted[NR_REFS], ro[NR_REFS];
    int live, maps, refused;
} FakeGrants;

static void *fg_map(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                    MemTxAttrs attrs, MemTxResult *result)
{
    FakeGrants *g = opaque;
    hwaddr off = addr & 0xfff, ref = addr >> 12, len = 0, r;

    for (r = ref; r < NR_REFS && len < *plen; r++) {
        if (!g->granted[r] || (is_write && g->ro[r]) ||
            g->frame[r] != g->frame[ref] + (r - ref)) {
            break;
        }
        len = MIN(*plen, (r - ref + 1) * 0x1000 - off);
    }
    if (!len) {
        g->refused++;
        *plen = 0;
        *result = ref < NR_REFS ? MEMTX_ACCESS_ERROR : MEMTX_DECODE_ERROR;
        return NULL;
    }
    g->live++;
    g->maps++;
    *plen = len;
    return g->ram + g->frame[ref] * 0x1000 + off;
}

static void fg_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                     bool is_write, hwaddr access_len)
{
    ((FakeGrants *)opaque)->live--;
}

static const MemoryRegionOps fg_ops = {
    .map_with_result = fg_map,
    .unmap = fg_unmap,
};

/* A grant region over @ram, nothing granted yet; add it at GRANT_BASE. */
static inline void fake_grants_init(FakeGrants *g, uint8_t *ram)
{
    memset(g, 0, sizeof(*g));
    g->ram = ram;
    memory_region_init_io(&g->mr, NULL, &fg_ops, g, "fake-grants",
                          NR_REFS * 0x1000);
}

/* Grant guest-physical page @gpa as @ref; return its grant address. */
static inline uint64_t fake_grant(FakeGrants *g, unsigned ref, hwaddr gpa,
                                  bool ro)
{
    g->frame[ref] = gpa >> 12;
    g->granted[ref] = true;
    g->ro[ref] = ro;
    return GRANT_BASE | ((uint64_t)ref << 12);
}

#endif /* TESTS_UNIT_IOMMU_FAKE_GRANTS_H */
