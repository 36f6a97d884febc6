/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MMIO scratch buffer: 64 KiB of bytes behind callbacks.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "scratch.h"

struct DmScratch {
    MemoryRegion mmio;
    MemReentrancyGuard guard;
    uint64_t accesses; /* atomic; shown in mtree dumps */
    uint8_t mem[DM_SCRATCH_SIZE];
};

static uint64_t scratch_read(void *opaque, hwaddr addr, unsigned size)
{
    DmScratch *s = opaque;
    uint64_t v = 0;

    /* The core keeps accesses inside the region; little-endian bytes. */
    memcpy(&v, s->mem + addr, size);
    qatomic_fetch_add_relaxed(&s->accesses, 1);
    return GUINT64_FROM_LE(v);
}

static void scratch_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    DmScratch *s = opaque;
    uint64_t le = GUINT64_TO_LE(val);

    memcpy(s->mem + addr, &le, size);
    qatomic_fetch_add_relaxed(&s->accesses, 1);
}

static void scratch_describe(void *opaque, GString *buf)
{
    DmScratch *s = opaque;

    g_string_append_printf(buf, "[accesses %" PRIu64 "]",
                           qatomic_read(&s->accesses));
}

static const MemoryRegionOps scratch_ops = {
    .read = scratch_read,
    .write = scratch_write,
    .describe = scratch_describe,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

DmScratch *dm_scratch_new(void)
{
    DmScratch *s = g_new0(DmScratch, 1);

    s->guard.name = "mmio-scratch";
    memory_region_init_io(&s->mmio, s, &scratch_ops, s, "mmio-scratch",
                          DM_SCRATCH_SIZE);
    memory_region_set_reentrancy_guard(&s->mmio, &s->guard);
    return s;
}

MemoryRegion *dm_scratch_mmio(DmScratch *s)
{
    return &s->mmio;
}

void dm_scratch_free(DmScratch *s)
{
    if (s) {
        memory_region_finalize(&s->mmio);
        g_free(s);
    }
}
