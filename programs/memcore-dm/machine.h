/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's built-in machines and their memory map.
 *
 * xenvirt:
 *   0x0000000000000000  RAM (-m)
 *   0x00000000fe000000  dma-test registers (4 KiB, see dma-device.h)
 *   0x00000000fe010000  mmio-scratch (64 KiB of device memory, MMIO)
 *   0x00000000ffff0000  rom (64 KiB)
 *   0x8000000000000000  xen-grant, up to 2^64 (with a Xen accelerator)
 * none:
 *   0x0000000000000000  RAM (-m)
 */
#ifndef SYSTEM_DM_MACHINE_H
#define SYSTEM_DM_MACHINE_H

#include "exec/memory.h"
#include "machine-layout.h"
#include "dma-device.h"
#include "options.h"
#include "scratch.h"
#include "xen.h"

/* RAM must stay below the devices on xenvirt. */
#define DM_XENVIRT_RAM_MAX (3ULL << 30)
#define DM_NONE_RAM_MAX (1ULL << 40)
#define DM_RAM_MIN (1ULL << 20)

/* The ROM starts with this banner; byte i >= 16 holds i & 0xff. */
#define DM_ROM_BANNER "memcore-dm ROM\n"

typedef struct DmMachine {
    DmMachineType type;
    DmAccelType accel;
    uint64_t ram_size;
    MemoryRegion sysmem;
    MemoryRegion *ram_mr; /* &ram, or real Xen's mapcache region */
    MemoryRegion ram;
    MemoryRegion rom;
    bool ram_ready, rom_ready; /* initialised, so finalize them */
    DmaTestDevice *dma; /* xenvirt only */
    DmScratch *scratch; /* xenvirt only */
    DmXen *xen; /* NULL with -accel none */
    AddressSpace as;
} DmMachine;

/**
 * dm_machine_check_options() - is -m valid for the chosen machine?
 *
 * Return: false with a one-line message (a usage error: exit status 2).
 */
bool dm_machine_check_options(const DmOptions *opts, GError **errp);

/**
 * dm_machine_new() - build the machine @opts describes.
 *
 * Return: the machine, or NULL with @errp set when something the host
 * provides failed (memory, Xen).
 */
DmMachine *dm_machine_new(const DmOptions *opts, GError **errp);

void dm_machine_free(DmMachine *m);

#endif /* SYSTEM_DM_MACHINE_H */
