/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A map-on-demand test region: memory that is only reachable through its
 * map()/unmap() callbacks, which record how they were called. Mappings are
 * cut at 4 KiB "pages" when @page_limit is set, like a grant mapping that
 * stops at a ref the guest did not grant.
 */
#ifndef TESTS_UNIT_ON_DEMAND_DEV_H
#define TESTS_UNIT_ON_DEMAND_DEV_H

#include <string.h>
#include "exec/memory.h"

typedef struct OnDemandDev {
    uint8_t *mem;
    size_t size;
    unsigned page_limit; /* max pages per map(), 0 = no limit */
    bool fail; /* map() refuses */
    MemTxResult fail_result; /* and says why (map_with_result only) */
    bool empty; /* map() maps, but grants 0 bytes */
    hwaddr grow; /* map() grants this much more than asked */
    int maps, unmaps, live, copies_in, copies_out;
    hwaddr last_addr, last_len, last_access_len;
    bool last_is_write;
    void *last_host;
} OnDemandDev;

static void *odd_map(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                     MemTxAttrs attrs)
{
    OnDemandDev *d = opaque;
    hwaddr len = *plen;

    if (d->fail || addr >= d->size) {
        *plen = 0;
        return NULL;
    }
    if (len > d->size - addr) {
        len = d->size - addr;
    }
    if (d->page_limit) {
        hwaddr end = (addr & ~0xfffULL) + (hwaddr)d->page_limit * 4096;

        if (addr + len > end) {
            len = end - addr;
        }
    }
    if (d->empty) {
        len = 0;
    }
    len += d->grow; /* a broken callback */
    d->maps++;
    d->live++;
    d->last_addr = addr;
    d->last_len = len;
    d->last_is_write = is_write;
    *plen = len;
    return d->mem + addr;
}

/* The same device, able to say why it refused. */
static void *odd_map_result(void *opaque, hwaddr addr, hwaddr *plen,
                            bool is_write, MemTxAttrs attrs,
                            MemTxResult *result)
{
    OnDemandDev *d = opaque;
    void *p = odd_map(opaque, addr, plen, is_write, attrs);

    if (!p) {
        *result = d->fail ? d->fail_result : MEMTX_DECODE_ERROR;
    }
    return p;
}

static void odd_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                      bool is_write, hwaddr access_len)
{
    OnDemandDev *d = opaque;

    d->unmaps++;
    d->live--;
    d->last_host = host;
    d->last_addr = addr;
    d->last_len = len;
    d->last_is_write = is_write;
    d->last_access_len = access_len;
}

static MemTxResult odd_read_buf(void *opaque, hwaddr addr, void *buf,
                                hwaddr len, MemTxAttrs attrs)
{
    OnDemandDev *d = opaque;

    if (addr >= d->size || len > d->size - addr) {
        return MEMTX_DECODE_ERROR;
    }
    d->copies_out++;
    memcpy(buf, d->mem + addr, len);
    return MEMTX_OK;
}

static MemTxResult odd_write_buf(void *opaque, hwaddr addr, const void *buf,
                                 hwaddr len, MemTxAttrs attrs)
{
    OnDemandDev *d = opaque;

    if (addr >= d->size || len > d->size - addr) {
        return MEMTX_DECODE_ERROR;
    }
    d->copies_in++;
    memcpy(d->mem + addr, buf, len);
    return MEMTX_OK;
}

/* Plain map(), as embedders wrote it before map_with_result() existed. */
static const MemoryRegionOps odd_ops_map_only = {
    .map = odd_map,
    .unmap = odd_unmap,
};

static const MemoryRegionOps odd_ops_map_result = {
    .map_with_result = odd_map_result,
    .unmap = odd_unmap,
};

static const MemoryRegionOps odd_ops_with_copy = {
    .map = odd_map,
    .unmap = odd_unmap,
    .read_buf = odd_read_buf,
    .write_buf = odd_write_buf,
};

static inline void odd_init(OnDemandDev *d, size_t size)
{
    memset(d, 0, sizeof(*d));
    d->mem = g_malloc0(size);
    d->size = size;
}

#endif
