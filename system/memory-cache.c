/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryRegionCache: resolve a small guest range once, access it often.
 *
 * A virtqueue touches its rings on every request. Looking the rings up and,
 * for map-on-demand memory such as Xen grants, mapping and unmapping them
 * each time would dominate. A cache keeps:
 *  - for RAM, a direct pointer and a reference on the region;
 *  - for map-on-demand memory, one mapping for the cache's whole life;
 *  - for anything else, just the address: accesses go through dispatch.
 *
 * The cache does not follow later topology changes; the region it holds
 * stays valid until destroy. Devices re-create caches when the guest moves
 * their rings, as virtio does.
 */
#include <errno.h>
#include <string.h>

#include "exec/memcore-atomic.h"
#include "memory-internal.h"

void address_space_cache_init_empty(MemoryRegionCache *cache)
{
    *cache = MEMORY_REGION_CACHE_INVALID;
}

static hwaddr clip_len(const DispatchSection *ds, hwaddr addr, hwaddr len)
{
    return (len - 1 <= ds->last - addr) ? len : ds->last - addr + 1;
}

/* How address_space_cache_init() reports a MemTxResult (see memory.h). */
static int64_t memtx_to_errno(MemTxResult r)
{
    if (r & MEMTX_DECODE_ERROR) {
        return -EFAULT;
    }
    if (r & MEMTX_ACCESS_ERROR) {
        return -EACCES;
    }
    return -EIO;
}

int64_t address_space_cache_init(MemoryRegionCache *cache, AddressSpace *as,
                                 hwaddr addr, hwaddr len, bool is_write)
{
    const DispatchSection *ds;
    MemoryRegion *mr;
    FlatView *fv;
    int64_t ret = -EFAULT;
    hwaddr l;

    if (cache->kind != MRC_EMPTY) {
        memcore_misuse(
            "address_space_cache_init: cache still holds a mapping; "
            "destroy it first");
    }
    *cache = (MemoryRegionCache){
        .kind = MRC_EMPTY,
        .as = as,
        .addr = addr,
        .is_write = is_write,
    };
    if (len == 0) {
        return 0;
    }
    if (len > INT64_MAX) {
        len = INT64_MAX;
    }
    mc_rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    ds = dispatch_lookup(fv, addr);
    if (!ds->fr) {
        goto out;
    }
    mr = ds->fr->mr;
    l = clip_len(ds, addr, len);
    if (ds->read_kind == SEC_IOMMU) {
        /*
         * Cache the translated range: the cache then belongs to the
         * target space. Like QEMU, it does not follow later IOMMU changes;
         * the device re-creates it when the guest invalidates.
         */
        AddressSpace *target;
        MemTxResult r;
        hwaddr xlat;

        if (is_write && ds->write_kind != SEC_IOMMU) {
            goto out; /* a read-only IOMMU region */
        }
        /* A cache for writing is read too: it needs both permissions. */
        r = iommu_translate_piece(ds, addr, &l, false, MEMTXATTRS_UNSPECIFIED,
                                  &target, &xlat);
        if (r == MEMTX_OK && is_write) {
            r = iommu_translate_piece(ds, addr, &l, true,
                                      MEMTXATTRS_UNSPECIFIED, &target, &xlat);
        }
        if (r != MEMTX_OK) {
            ret = memtx_to_errno(r);
            goto out;
        }
        if (!iommu_enter()) {
            goto out; /* translations nest too deep */
        }
        ret = address_space_cache_init(cache, target, xlat, l, is_write);
        iommu_exit();
        goto out;
    }
    if (ds->private_mem) {
        /* Caches serve device accesses, which private memory refuses. */
        ret = -EACCES;
        goto out;
    }
    if (ds->fast_read && (!is_write || ds->fast_write)) {
        cache->kind = MRC_DIRECT;
        cache->ptr = (uint8_t *)(ds->host_base + addr);
    } else if (ds->read_kind == SEC_ON_DEMAND &&
               (!is_write || ds->write_kind == SEC_ON_DEMAND)) {
        hwaddr off = ds->fr->offset_in_region + (addr - ds->start);
        hwaddr ml = l;
        MemTxResult r;
        void *p = on_demand_map(mr, off, &ml, is_write, MEMTXATTRS_UNSPECIFIED,
                                &r);

        if (!p) {
            ret = memtx_to_errno(r);
            goto out;
        }
        cache->kind = MRC_MAPPED;
        cache->ptr = p;
        cache->xlat = off;
        l = ml;
    } else {
        /* MMIO and friends: remember the range, dispatch each access. */
        cache->kind = MRC_DISPATCH;
        l = (len - 1 <= UINT64_MAX - addr) ? len : UINT64_MAX - addr + 1;
        ret = l;
        cache->len = l;
        goto out;
    }
    cache->mr = mr;
    cache->len = l;
    memory_region_ref(mr);
    qatomic_fetch_add_relaxed(&mr->outstanding_maps, 1);
    ret = l;
out:
    mc_rcu_read_unlock();
    return ret;
}

void address_space_cache_destroy(MemoryRegionCache *cache)
{
    MemoryRegion *mr = cache->mr;

    if (cache->kind == MRC_MAPPED) {
        on_demand_unmap(mr, cache->ptr, cache->xlat, cache->len,
                        cache->is_write, cache->is_write ? cache->len : 0);
    }
    if (mr) {
        qatomic_fetch_sub_relaxed(&mr->outstanding_maps, 1);
        memory_region_unref(mr);
    }
    address_space_cache_init_empty(cache);
}

void address_space_cache_invalidate(MemoryRegionCache *cache, hwaddr addr,
                                    hwaddr access_len)
{
    g_assert(cache->kind == MRC_EMPTY ||
             (addr <= cache->len && access_len <= cache->len - addr));
}

static bool cache_range_ok(const MemoryRegionCache *cache, hwaddr addr,
                           hwaddr len)
{
    return cache->kind != MRC_EMPTY && addr <= cache->len &&
           len <= cache->len - addr;
}

MemTxResult address_space_read_cached(MemoryRegionCache *cache, hwaddr addr,
                                      void *buf, hwaddr len)
{
    if (!cache_range_ok(cache, addr, len)) {
        memset(buf, 0, len);
        return MEMTX_DECODE_ERROR;
    }
    if (cache->kind == MRC_DISPATCH) {
        return address_space_read(cache->as, cache->addr + addr,
                                  MEMTXATTRS_UNSPECIFIED, buf, len);
    }
    memcpy(buf, cache->ptr + addr, len);
    return MEMTX_OK;
}

MemTxResult address_space_write_cached(MemoryRegionCache *cache, hwaddr addr,
                                       const void *buf, hwaddr len)
{
    if (!cache_range_ok(cache, addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    if (cache->kind == MRC_DISPATCH || !cache->is_write) {
        /*
         * A cache made for reading may hold a read-only mapping; never
         * write through it. Take the ordinary (checked) path instead.
         */
        return address_space_write(cache->as, cache->addr + addr,
                                   MEMTXATTRS_UNSPECIFIED, buf, len);
    }
    memcpy(cache->ptr + addr, buf, len);
    return MEMTX_OK;
}
