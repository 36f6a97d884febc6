/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology fuzzer's devices; see topo-devices.h.
 */
#include <string.h>
#include <glib.h>

#include "fuzz-input.h"
#include "topo-devices.h"
#include "topo-model.h"

/* Starts at 1 so that the zeroes of a never-used slot are no entry. */
uint32_t topo_log_gen = 1;

/*
 * The write logs, one per node index, kept from input to input: entries
 * of earlier generations are simply stale, so nothing needs clearing.
 */
static TopoLogEntry logs[TOPO_MAX_NODES][TOPO_WLOG_SLOTS];

struct TopoOdmMapping {
    TopoOdmMapping *next;
    hwaddr addr;
    hwaddr len;
    bool is_write;
};

/* ---- MMIO ---------------------------------------------------------------- */

/*
 * Guard against ourselves: memcore's re-entrancy guard must have refused
 * any access that would bring us back here while we run.
 */
static void mmio_enter(TopoDev *d)
{
    fuzz_check(!d->running,
               "MMIO device %d re-entered: the re-entrancy "
               "guard let DMA reach a device whose callback is running",
               d->id);
    d->running = true;
    if (d->flavour == MMIO_DMA) {
        uint8_t buf[64];

        /* Whatever it returns; what matters is that it returns. */
        address_space_read(d->as, d->dma_addr, MEMTXATTRS_UNSPECIFIED, buf,
                           d->dma_len);
    }
}

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    TopoDev *d = opaque;
    uint64_t v = 0;

    fuzz_check(size >= 1 && size <= 8, "read of %u bytes", size);
    mmio_enter(d);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)topo_mmio_byte(d->id, addr + i) << (8 * i);
    }
    d->running = false;
    return v;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    TopoDev *d = opaque;

    fuzz_check(size >= 1 && size <= 8, "write of %u bytes", size);
    mmio_enter(d);
    for (unsigned i = 0; i < size; i++) {
        TopoLogEntry *e = &d->log[(addr + i) % TOPO_WLOG_SLOTS];

        e->offset = addr + i;
        e->gen = topo_log_gen;
        e->val = data >> (8 * i);
    }
    d->running = false;
}

static const MemoryRegionOps mmio_ops[MMIO_NR_FLAVOURS] = {
    [MMIO_PLAIN] = {
        .read = mmio_read, .write = mmio_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .max_access_size = 8, .unaligned = true },
        .impl = { .max_access_size = 8, .unaligned = true },
    },
    [MMIO_NARROW] = {
        .read = mmio_read, .write = mmio_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    },
    [MMIO_STRICT] = {
        .read = mmio_read, .write = mmio_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    },
    [MMIO_DMA] = {
        .read = mmio_read, .write = mmio_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .max_access_size = 8, .unaligned = true },
        .impl = { .max_access_size = 8, .unaligned = true },
    },
};

void topo_mmio_init(TopoDev *d, MemoryRegion *mr, int id, int flavour,
                    AddressSpace *as, hwaddr dma_addr, unsigned dma_len,
                    uint64_t size)
{
    char name[32];

    memset(d, 0, sizeof(*d));
    d->id = id;
    d->flavour = flavour;
    d->as = as;
    d->dma_addr = dma_addr;
    d->dma_len = MIN(dma_len, 64);
    g_assert(id >= 0 && id < TOPO_MAX_NODES);
    d->log = logs[id];
    d->guard.name = "topo-mmio";
    snprintf(name, sizeof(name), "mmio%d", id);
    memory_region_init_io(mr, NULL, &mmio_ops[flavour], d, name, size);
    memory_region_set_reentrancy_guard(mr, &d->guard);
}

int topo_log_lookup(const TopoDev *d, uint64_t offset, uint8_t *val)
{
    const TopoLogEntry *e = &d->log[offset % TOPO_WLOG_SLOTS];

    if (e->gen != topo_log_gen) {
        return 0;
    }
    if (e->offset != offset) {
        return -1;
    }
    *val = e->val;
    return 1;
}

/* ---- map-on-demand --------------------------------------------------------- */

static void *odm_map(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                     MemTxAttrs attrs, MemTxResult *result)
{
    TopoDev *d = opaque;
    TopoOdmMapping *m;
    hwaddr len = *plen;

    fuzz_check(len > 0, "map() asked for 0 bytes at 0x%" PRIx64, addr);
    if (addr >= TOPO_ODM_BACKING) {
        *plen = 0;
        *result = MEMTX_DECODE_ERROR; /* nothing behind it */
        return NULL;
    }
    len = MIN(len, TOPO_ODM_BACKING - addr);
    if (d->page_limit) {
        hwaddr end = (addr & ~0xfffULL) + (hwaddr)d->page_limit * 0x1000;

        len = MIN(len, end - addr);
    }
    m = g_new(TopoOdmMapping, 1);
    m->addr = addr;
    m->len = len;
    m->is_write = is_write;
    m->next = d->maps;
    d->maps = m;
    d->live++;
    *plen = len;
    return d->backing + addr;
}

/* Every unmap must name a live mapping exactly as map() made it. */
static void odm_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                      bool is_write, hwaddr access_len)
{
    TopoDev *d = opaque;
    TopoOdmMapping **pp;

    fuzz_check(host == d->backing + addr,
               "unmap of %p at 0x%" PRIx64 " (backing %p)", host, addr,
               d->backing);
    fuzz_check(access_len <= len, "access_len %" PRIu64 " > len %" PRIu64,
               access_len, len);
    for (pp = &d->maps; *pp; pp = &(*pp)->next) {
        TopoOdmMapping *m = *pp;

        if (m->addr == addr && m->len == len && m->is_write == is_write) {
            *pp = m->next;
            g_free(m);
            d->live--;
            return;
        }
    }
    fuzz_fail("unmap of 0x%" PRIx64 "+0x%" PRIx64 " (%s) that odm%d never "
              "mapped",
              addr, len, is_write ? "write" : "read", d->id);
}

static MemTxResult odm_read_buf(void *opaque, hwaddr addr, void *buf,
                                hwaddr len, MemTxAttrs attrs)
{
    TopoDev *d = opaque;

    if (addr >= TOPO_ODM_BACKING || len > TOPO_ODM_BACKING - addr) {
        return MEMTX_DECODE_ERROR;
    }
    memcpy(buf, d->backing + addr, len);
    return MEMTX_OK;
}

static MemTxResult odm_write_buf(void *opaque, hwaddr addr, const void *buf,
                                 hwaddr len, MemTxAttrs attrs)
{
    TopoDev *d = opaque;

    if (addr >= TOPO_ODM_BACKING || len > TOPO_ODM_BACKING - addr) {
        return MEMTX_DECODE_ERROR;
    }
    memcpy(d->backing + addr, buf, len);
    return MEMTX_OK;
}

static const MemoryRegionOps odm_ops[ODM_NR_FLAVOURS] = {
    [ODM_MAP] = {
        .map_with_result = odm_map, .unmap = odm_unmap,
    },
    [ODM_COPY] = {
        .map_with_result = odm_map, .unmap = odm_unmap,
        .read_buf = odm_read_buf, .write_buf = odm_write_buf,
    },
};

void topo_odm_init(TopoDev *d, MemoryRegion *mr, int id, int flavour,
                   unsigned page_limit, uint64_t size)
{
    char name[32];

    memset(d, 0, sizeof(*d));
    d->id = id;
    d->flavour = flavour;
    d->page_limit = page_limit;
    d->backing = g_malloc0(TOPO_ODM_BACKING);
    snprintf(name, sizeof(name), "odm%d", id);
    memory_region_init_io(mr, NULL, &odm_ops[flavour], d, name, size);
}

void topo_dev_free(TopoDev *d)
{
    fuzz_check(d->live == 0 && !d->maps,
               "device %d still has %d "
               "mapping(s) at teardown",
               d->id, d->live);
    g_free(d->backing);
    memset(d, 0, sizeof(*d));
}
