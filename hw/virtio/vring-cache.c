/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest range seen through several MemoryRegionCaches.
 *
 * address_space_cache_init() may cover less than asked: up to the end of
 * a region, or of an IOMMU page. Rings are contiguous in DMA address
 * space but not necessarily behind it, so keep caching from where the
 * last piece stopped until the range is covered. Pieces are bounded, so
 * a range cut into tiny sections fails rather than eating memory.
 */
#include <errno.h>
#include <string.h>

#include "virtqueue-internal.h"

/* Pieces allowed: one per 4 KiB page the range touches, plus slack. */
static unsigned max_pieces(hwaddr len)
{
    return len / 4096 + 3;
}

int vring_cache_init(VRingCache *rc, AddressSpace *as, hwaddr addr, hwaddr len,
                     bool is_write)
{
    unsigned max = max_pieces(len);
    hwaddr off = 0;

    memset(rc, 0, sizeof(*rc));
    if (len && len - 1 > UINT64_MAX - addr) {
        return -EFAULT; /* a ring cannot wrap past 2^64 */
    }
    /*
     * A cache over memory the device may not touch (private memory, a
     * read-only page for the used ring) can still be made, in dispatch
     * mode; refuse it here so the driver hears of it at set-up.
     */
    if (!address_space_access_valid(as, addr, len, is_write,
                                    MEMTXATTRS_UNSPECIFIED)) {
        return -EFAULT;
    }
    rc->p = g_new0(VRingPiece, max);
    while (off < len) {
        VRingPiece *piece = &rc->p[rc->n];
        int64_t got;

        if (rc->n == max) {
            vring_cache_destroy(rc);
            return -EFAULT;
        }
        address_space_cache_init_empty(&piece->cache);
        got = address_space_cache_init(&piece->cache, as, addr + off,
                                       len - off, is_write);
        if (got <= 0) {
            vring_cache_destroy(rc);
            return -EFAULT;
        }
        piece->off = off;
        piece->len = got;
        off += got;
        rc->n++;
    }
    rc->len = len;
    return 0;
}

void vring_cache_destroy(VRingCache *rc)
{
    unsigned i;

    for (i = 0; i < rc->n; i++) {
        address_space_cache_destroy(&rc->p[i].cache);
    }
    g_free(rc->p);
    memset(rc, 0, sizeof(*rc));
}

/* The piece holding byte @off; @off < rc->len. */
static VRingPiece *piece_at(VRingCache *rc, hwaddr off)
{
    unsigned lo = 0, hi = rc->n;

    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;

        if (rc->p[mid].off <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return &rc->p[lo];
}

static MemTxResult rc_access(VRingCache *rc, hwaddr off, uint8_t *buf,
                             hwaddr len, bool is_write)
{
    MemTxResult r = MEMTX_OK;

    if (off > rc->len || len > rc->len - off) {
        if (!is_write) {
            memset(buf, 0, len);
        }
        return MEMTX_DECODE_ERROR;
    }
    while (len) {
        VRingPiece *p = piece_at(rc, off);
        hwaddr in = off - p->off;
        hwaddr l = MIN(len, p->len - in);

        r |= is_write ? address_space_write_cached(&p->cache, in, buf, l) :
                        address_space_read_cached(&p->cache, in, buf, l);
        off += l;
        buf += l;
        len -= l;
    }
    return r;
}

MemTxResult vring_cache_read(VRingCache *rc, hwaddr off, void *buf, hwaddr len)
{
    return rc_access(rc, off, buf, len, false);
}

MemTxResult vring_cache_write(VRingCache *rc, hwaddr off, const void *buf,
                              hwaddr len)
{
    return rc_access(rc, off, (uint8_t *)buf, len, true);
}
