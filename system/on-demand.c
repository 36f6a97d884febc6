/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map-on-demand regions: the one place that calls MemoryRegionOps.map()
 * and unmap(), and their reads and writes.
 *
 * Three users need a mapping of such a region: address_space_map()
 * (map.c), MemoryRegionCache (memory-cache.c) and the map-copy-unmap
 * fallback of reads and writes (below). They all go through
 * on_demand_map()/on_demand_unmap(), so that what a mapping costs and
 * what a callback may do is decided once: a pointer with no bytes is
 * given back, and the region's counters are kept here.
 *
 * Everything here runs on the reader side, with no memcore lock held.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "memory-internal.h"

/*
 * How deep map-on-demand callbacks may nest on one thread. A map() that
 * maps through another map-on-demand region is fine; one that reaches its
 * own region again (directly, or through others) would recurse until the
 * stack ran out, so past this depth the embedder's callback is at fault.
 * IOMMU translation (8) and MMIO callbacks (16) have bounds of their own.
 */
#define ON_DEMAND_MAX_NESTING 8

static __thread unsigned on_demand_depth
    __attribute__((tls_model("initial-exec")));

static void on_demand_enter(MemoryRegion *mr, const char *callback)
{
    if (on_demand_depth >= ON_DEMAND_MAX_NESTING) {
        memcore_misuse("%s() of '%s' nested %u deep on one thread: a "
                       "map-on-demand callback reaches its own region again "
                       "(directly or through another region)",
                       callback, mr->name, on_demand_depth + 1);
    }
    on_demand_depth++;
}

static void on_demand_exit(void)
{
    on_demand_depth--;
}

bool on_demand_ops_check(const MemoryRegionOps *ops, const char *name)
{
    bool map = ops && (ops->map || ops->map_with_result);

    if (!map && !(ops && ops->unmap)) {
        return false;
    }
    if (!map || !ops->unmap) {
        memcore_misuse("memory_region_init_io(%s): map() (or "
                       "map_with_result()) and unmap() come as a pair",
                       name);
    }
    return true;
}

/*
 * The callback, whichever form it has. A failure always comes with a
 * reason: MEMTX_ERROR when the callback cannot give one (plain map()) or
 * did not.
 */
static void *call_map(MemoryRegion *mr, hwaddr offset, hwaddr *plen,
                      bool is_write, MemTxAttrs attrs, MemTxResult *result)
{
    const MemoryRegionOps *ops = mr->ops;
    void *p;

    *result = MEMTX_ERROR;
    on_demand_enter(mr, "map");
    if (ops->map_with_result) {
        p = ops->map_with_result(mr->opaque, offset, plen, is_write, attrs,
                                 result);
    } else {
        p = ops->map(mr->opaque, offset, plen, is_write, attrs);
    }
    on_demand_exit();
    if (p && *plen) {
        *result = MEMTX_OK;
    } else if (*result == MEMTX_OK) {
        *result = MEMTX_ERROR;
    }
    return p;
}

void *on_demand_map(MemoryRegion *mr, hwaddr offset, hwaddr *plen,
                    bool is_write, MemTxAttrs attrs, MemTxResult *result)
{
    hwaddr len = *plen;
    void *p;

    p = call_map(mr, offset, &len, is_write, attrs, result);
    if (p && len == 0) {
        /* Nothing usable, but something mapped: give it back. */
        mr->ops->unmap(mr->opaque, p, offset, 0, is_write, 0);
        p = NULL;
    }
    if (!p) {
        qatomic_fetch_add_relaxed(&mr->stat_map_failures, 1);
        *plen = 0;
        return NULL;
    }
    if (len > *plen) {
        /*
         * Which length would unmap() want, the one asked for or the one
         * granted? Neither guess is safe, and the callback is broken.
         */
        memcore_misuse("map() of '%s' at offset 0x%" PRIx64 " granted %" PRIu64
                       " bytes of the %" PRIu64 " asked for; it may "
                       "shorten *plen, never grow it",
                       mr->name, offset, len, *plen);
    }
    qatomic_fetch_add_relaxed(&mr->stat_maps, 1);
    *plen = len;
    return p;
}

void on_demand_unmap(MemoryRegion *mr, void *host, hwaddr offset, hwaddr len,
                     bool is_write, hwaddr access_len)
{
    mr->ops->unmap(mr->opaque, host, offset, len, is_write, access_len);
    qatomic_fetch_add_relaxed(&mr->stat_unmaps, 1);
}

/* ---- reads and writes ----------------------------------------------------- */

static MemTxResult on_demand_map_copy(MemoryRegion *mr, hwaddr offset,
                                      uint8_t *buf, hwaddr len, bool is_write,
                                      MemTxAttrs attrs)
{
    while (len) {
        hwaddr l = len;
        MemTxResult r;
        void *p = on_demand_map(mr, offset, &l, is_write, attrs, &r);

        if (!p) {
            if (!is_write) {
                memset(buf, 0, len);
            }
            return r;
        }
        if (is_write) {
            memcpy(p, buf, l);
        } else {
            memcpy(buf, p, l);
        }
        on_demand_unmap(mr, p, offset, l, is_write, l);
        buf += l;
        offset += l;
        len -= l;
    }
    return MEMTX_OK;
}

MemTxResult on_demand_rw(AddressSpace *as, MemoryRegion *mr, hwaddr offset,
                         void *buf, hwaddr len, bool is_write,
                         MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    MemTxResult r;

    if (!is_write && ops->read_buf) {
        on_demand_enter(mr, "read_buf");
        r = ops->read_buf(mr->opaque, offset, buf, len, attrs);
        on_demand_exit();
    } else if (is_write && ops->write_buf) {
        on_demand_enter(mr, "write_buf");
        r = ops->write_buf(mr->opaque, offset, buf, len, attrs);
        on_demand_exit();
    } else if (is_write ? (ops->write || ops->write_with_attrs) :
                          (ops->read || ops->read_with_attrs)) {
        /* Sized callbacks, like MMIO. */
        return mmio_rw(mr, offset, buf, len, is_write, attrs);
    } else {
        return on_demand_map_copy(mr, offset, buf, len, is_write, attrs);
    }
    qatomic_fetch_add_relaxed(&mr->stat_copies, 1);
    if (as) {
        qatomic_fetch_add_relaxed(&as->map_state->copies, 1);
    }
    if (r != MEMTX_OK && !is_write) {
        /* Never hand the caller stale bytes as if they were read. */
        memset(buf, 0, len);
    }
    return r;
}
