/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The devices of the topology fuzzer: MMIO regions in four flavours and
 * map-on-demand regions in two, each with behaviour the harness can
 * predict byte for byte.
 *
 * MMIO reads return topo_mmio_byte() of each offset, whatever was
 * written, so a read tells exactly which device and offset served it.
 * Writes are recorded per byte in a log the harness inspects. Flavours:
 *  - PLAIN: any size, any alignment, served as asked;
 *  - NARROW: callbacks implement only aligned 4-byte accesses, so the
 *    core must widen and split (reads stay exact; a narrow write reaches
 *    the device as a wider one, as in QEMU, so writes are not checked);
 *  - STRICT: only aligned 4-byte accesses are valid; the rest fail;
 *  - DMA: like PLAIN, but every callback first reads guest memory at an
 *    address the input chose, possibly its own registers: the pattern of
 *    CVE-2023-0330. Each device has a re-entrancy guard, and a callback
 *    that finds itself already running fails the input.
 *
 * Map-on-demand regions serve TOPO_ODM_BACKING bytes of memory; offsets
 * beyond it refuse to map. MAP maps at most @page_limit pages at a time
 * (0: no limit) and has no copy callbacks, so reads and writes go through
 * map-copy-unmap; COPY adds read_buf/write_buf, which refuse a range
 * reaching beyond the backing.
 */
#ifndef TESTS_FUZZ_TOPO_DEVICES_H
#define TESTS_FUZZ_TOPO_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"

#define TOPO_ODM_BACKING 0x4000
#define TOPO_WLOG_SLOTS 0x1000

typedef enum TopoMmioFlavour {
    MMIO_PLAIN,
    MMIO_NARROW,
    MMIO_STRICT,
    MMIO_DMA,
    MMIO_NR_FLAVOURS,
} TopoMmioFlavour;

typedef enum TopoOdmFlavour {
    ODM_MAP,
    ODM_COPY,
    ODM_NR_FLAVOURS,
} TopoOdmFlavour;

/* One byte of the MMIO write log. */
typedef struct TopoLogEntry {
    uint64_t offset;
    uint32_t gen;
    uint8_t val;
} TopoLogEntry;

typedef struct TopoOdmMapping TopoOdmMapping;

typedef struct TopoDev {
    int id;
    int flavour;
    /* MMIO */
    MemReentrancyGuard guard;
    AddressSpace *as; /* where DMA goes */
    hwaddr dma_addr;
    unsigned dma_len;
    bool running; /* a callback of ours is on the stack */
    TopoLogEntry *log; /* TOPO_WLOG_SLOTS entries, not ours */
    /* map-on-demand */
    uint8_t *backing;
    unsigned page_limit;
    int live; /* mappings handed out */
    TopoOdmMapping *maps;
} TopoDev;

/* The write log's generation: bump it before an access to tell old
 * entries from new. */
extern uint32_t topo_log_gen;

/* What MMIO device @id returns for byte @offset. */
static inline uint8_t topo_mmio_byte(int id, uint64_t offset)
{
    uint64_t h = (offset + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)id << 56;

    return (uint8_t)(h >> 56 ^ h >> 29 ^ offset);
}

void topo_mmio_init(TopoDev *d, MemoryRegion *mr, int id, int flavour,
                    AddressSpace *as, hwaddr dma_addr, unsigned dma_len,
                    uint64_t size);
void topo_odm_init(TopoDev *d, MemoryRegion *mr, int id, int flavour,
                   unsigned page_limit, uint64_t size);
/* Release what the device allocated, after its region was finalized. */
void topo_dev_free(TopoDev *d);

/*
 * The last byte written at @offset of @d in the current generation.
 * Return: 1 if found, 0 if never written, -1 if its log slot was taken
 * by another offset (the harness cannot tell).
 */
int topo_log_lookup(const TopoDev *d, uint64_t offset, uint8_t *val);

#endif /* TESTS_FUZZ_TOPO_DEVICES_H */
