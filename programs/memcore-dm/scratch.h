/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MMIO scratch buffer of memcore-dm: device memory that behaves like
 * RAM but is reached only through read/write callbacks, as a device's
 * on-board SRAM would be. It gives the DMA device an MMIO peer, so that
 * transfers to and from it exercise bounce buffers and the read/write
 * fallback.
 */
#ifndef SYSTEM_DM_SCRATCH_H
#define SYSTEM_DM_SCRATCH_H

#include "exec/memory.h"

#define DM_SCRATCH_SIZE 0x10000

typedef struct DmScratch DmScratch;

DmScratch *dm_scratch_new(void);
MemoryRegion *dm_scratch_mmio(DmScratch *s);
void dm_scratch_free(DmScratch *s);

#endif /* SYSTEM_DM_SCRATCH_H */
