/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryRegionCache: a long-lived view of a small guest range, for rings
 * and descriptors a device reads over and over. Part of the memory API;
 * included by exec/memory.h, which a user includes instead.
 */
#ifndef EXEC_MEMORY_CACHE_H
#define EXEC_MEMORY_CACHE_H

#include "exec/memory.h"

typedef enum MemoryRegionCacheKind {
    MRC_EMPTY,
    MRC_DIRECT, /* RAM: direct pointer */
    MRC_MAPPED, /* map-on-demand: one map() for the cache's life */
    MRC_DISPATCH, /* MMIO: every access goes through dispatch */
} MemoryRegionCacheKind;

/**
 * struct MemoryRegionCache - a long-lived view of a small guest range.
 *
 * Made for virtqueue rings: address_space_cache_init() resolves the range
 * once; accessors then skip the lookup. Fields are private.
 */
struct MemoryRegionCache {
    MemoryRegionCacheKind kind;
    AddressSpace *as;
    MemoryRegion *mr;
    uint8_t *ptr;
    hwaddr addr; /* start in @as */
    hwaddr xlat; /* start inside @mr */
    hwaddr len;
    bool is_write;
};

/* A cache that holds nothing, safe to destroy. */
#define MEMORY_REGION_CACHE_INVALID ((MemoryRegionCache){ .kind = MRC_EMPTY })

/**
 * address_space_cache_init() - resolve [@addr, @addr+@len) once.
 * @cache: the cache; must be empty (see address_space_cache_init_empty()).
 * @as: the address space.
 * @addr: start.
 * @len: bytes wanted.
 * @is_write: whether writes through the cache are needed.
 *
 * RAM: keeps a direct pointer, clipped to where the region continues.
 * Map-on-demand: maps once and keeps the mapping until destroy.
 * MMIO: accesses go through dispatch.
 *
 * Return: the length covered (may be less than @len), or a negative errno
 * that says what an access would have got: -EFAULT a decode error
 * (nothing there, not populated, an unmapped IOMMU page), -EACCES an
 * access error (a refused map, IOMMU permissions, private memory), -EIO
 * any other failure of the map. The cache is empty after a failure.
 */
int64_t address_space_cache_init(MemoryRegionCache *cache, AddressSpace *as,
                                 hwaddr addr, hwaddr len, bool is_write);

/**
 * address_space_cache_init_empty() - make @cache hold nothing.
 * @cache: the cache.
 */
void address_space_cache_init_empty(MemoryRegionCache *cache);

/**
 * address_space_cache_invalidate() - note a write through the cache's pointer.
 * @cache: the cache.
 * @addr: offset from the start of the cache.
 * @access_len: how many bytes were written there.
 *
 * Kept for QEMU familiarity: it feeds dirty logging, which memcore does
 * not track, so it only checks bounds.
 */
void address_space_cache_invalidate(MemoryRegionCache *cache, hwaddr addr,
                                    hwaddr access_len);

/**
 * address_space_cache_destroy() - release the mapping; @cache is empty.
 * @cache: the cache.
 */
void address_space_cache_destroy(MemoryRegionCache *cache);

/**
 * address_space_read_cached() - read through a cache.
 * @cache: the cache.
 * @addr: offset inside the cache.
 * @buf: receives @len bytes.
 * @len: bytes.
 *
 * Return: MEMTX_DECODE_ERROR (and zeroes) if the range leaves the cache.
 */
MemTxResult address_space_read_cached(MemoryRegionCache *cache, hwaddr addr,
                                      void *buf, hwaddr len);

/**
 * address_space_write_cached() - write through a cache; see above.
 * @cache: the cache.
 * @addr: offset from the start of the cache.
 * @buf: the bytes to write.
 * @len: how many.
 */
MemTxResult address_space_write_cached(MemoryRegionCache *cache, hwaddr addr,
                                       const void *buf, hwaddr len);

/*
 * address_space_ld{ub,uw_le,l_le,q_le}_cached() and
 * address_space_st{b,w_le,l_le,q_le}_cached(): one value at offset @addr
 * of the cache, little-endian (virtio's order). Out of the cache's range:
 * MEMTX_DECODE_ERROR in @result and 0 for loads. @attrs is unused (the
 * cache's mapping decides) and kept for QEMU familiarity.
 */
uint8_t address_space_ldub_cached(MemoryRegionCache *cache, hwaddr addr,
                                  MemTxAttrs attrs, MemTxResult *result);
uint16_t address_space_lduw_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                      MemTxAttrs attrs, MemTxResult *result);
uint32_t address_space_ldl_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                     MemTxAttrs attrs, MemTxResult *result);
uint64_t address_space_ldq_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                     MemTxAttrs attrs, MemTxResult *result);
void address_space_stb_cached(MemoryRegionCache *cache, hwaddr addr,
                              uint8_t val, MemTxAttrs attrs,
                              MemTxResult *result);
void address_space_stw_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                 uint16_t val, MemTxAttrs attrs,
                                 MemTxResult *result);
void address_space_stl_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                 uint32_t val, MemTxAttrs attrs,
                                 MemTxResult *result);
void address_space_stq_le_cached(MemoryRegionCache *cache, hwaddr addr,
                                 uint64_t val, MemTxAttrs attrs,
                                 MemTxResult *result);

#endif /* EXEC_MEMORY_CACHE_H */
