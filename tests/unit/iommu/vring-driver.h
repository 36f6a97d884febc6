/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest driver's side of a split ring, for tests: it writes rings and
 * descriptors into guest memory through the guest's own view (@as), and
 * hands the device whatever DMA addresses the test chooses (guest-physical,
 * IOVAs, grant addresses). It follows the spec's layout and barriers, so
 * the device under test sees what a Linux driver would give it, or, when
 * a test writes descriptors by hand, something much worse.
 */
#ifndef TESTS_UNIT_IOMMU_VRING_DRIVER_H
#define TESTS_UNIT_IOMMU_VRING_DRIVER_H

#include <check.h>
#include <string.h>

#include "exec/memcore-atomic.h"
#include "hw/virtio/virtqueue.h"

typedef struct VringDriver {
    AddressSpace *as;
    unsigned num;
    hwaddr desc, avail, used; /* where the driver writes them */
    uint16_t avail_idx;
    uint16_t last_used;
} VringDriver;

static inline void drv_wr(VringDriver *d, hwaddr addr, const void *buf,
                          hwaddr len)
{
    ck_assert_uint_eq(address_space_write(d->as, addr, MEMTXATTRS_UNSPECIFIED,
                                          buf, len),
                      MEMTX_OK);
}

static inline void drv_stw(VringDriver *d, hwaddr addr, uint16_t v)
{
    uint16_t le = GUINT16_TO_LE(v);

    drv_wr(d, addr, &le, 2);
}

static inline uint16_t drv_lduw(VringDriver *d, hwaddr addr)
{
    uint16_t le = 0;

    ck_assert_uint_eq(address_space_read(d->as, addr, MEMTXATTRS_UNSPECIFIED,
                                         &le, 2),
                      MEMTX_OK);
    return GUINT16_FROM_LE(le);
}

/*
 * Rings at @base: the descriptor table, the available ring right after
 * it, the used ring on the next 4 KiB boundary. Everything zeroed.
 */
static inline void drv_init(VringDriver *d, AddressSpace *as, unsigned num,
                            hwaddr base)
{
    hwaddr end;
    uint8_t *zero;

    memset(d, 0, sizeof(*d));
    d->as = as;
    d->num = num;
    d->desc = base;
    d->avail = base + 16 * num;
    d->used = (d->avail + 6 + 2 * num + 4095) & ~4095ULL;
    end = d->used + 6 + 8 * num;
    zero = g_malloc0(end - base);
    drv_wr(d, base, zero, end - base);
    g_free(zero);
}

/* Write descriptor @i of the table at @table (the ring's, or indirect). */
static inline void drv_desc_at(VringDriver *d, hwaddr table, unsigned i,
                               uint64_t addr, uint32_t len, uint16_t flags,
                               uint16_t next)
{
    struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    } raw = {
        GUINT64_TO_LE(addr),
        GUINT32_TO_LE(len),
        GUINT16_TO_LE(flags),
        GUINT16_TO_LE(next),
    };

    drv_wr(d, table + 16ULL * i, &raw, sizeof(raw));
}

static inline void drv_desc(VringDriver *d, unsigned i, uint64_t addr,
                            uint32_t len, uint16_t flags, uint16_t next)
{
    drv_desc_at(d, d->desc, i, addr, len, flags, next);
}

/* Make the chain at @head available. */
static inline void drv_kick(VringDriver *d, uint16_t head)
{
    drv_stw(d, d->avail + 4 + 2 * (d->avail_idx % d->num), head);
    smp_mb_release();
    d->avail_idx++;
    drv_stw(d, d->avail + 2, d->avail_idx);
}

/* Take the next used element; false if there is none. */
static inline bool drv_used(VringDriver *d, uint32_t *id, uint32_t *len)
{
    hwaddr e;
    uint32_t raw[2];

    if (drv_lduw(d, d->used + 2) == d->last_used) {
        return false;
    }
    smp_mb_acquire();
    e = d->used + 4 + 8 * (d->last_used % d->num);
    ck_assert_uint_eq(address_space_read(d->as, e, MEMTXATTRS_UNSPECIFIED, raw,
                                         8),
                      MEMTX_OK);
    *id = GUINT32_FROM_LE(raw[0]);
    *len = GUINT32_FROM_LE(raw[1]);
    d->last_used++;
    return true;
}

/*
 * A device that echoes: pop one chain, copy what it may read into what
 * it may write, push. Returns what virtqueue_pop() returned.
 */
static inline int echo_one(VirtQueue *vq, MemTxResult *res)
{
    VirtQueueElement *e;
    int ret = virtqueue_pop(vq, &e);
    size_t n, got;
    uint8_t *buf;

    if (ret != 1) {
        return ret;
    }
    n = MIN(e->out_len, e->in_len);
    buf = g_malloc0(n ? n : 1);
    got = virtqueue_elem_to_buf(e, 0, buf, n, res);
    if (got == n) {
        got = virtqueue_elem_from_buf(e, 0, buf, n, res);
    }
    virtqueue_push(vq, e, got);
    g_free(buf);
    return ret;
}

#endif /* TESTS_UNIT_IOMMU_VRING_DRIVER_H */
