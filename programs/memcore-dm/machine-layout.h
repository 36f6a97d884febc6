/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the xenvirt machine's devices sit in guest-physical memory (the
 * picture is in machine.h). No dependencies, so that guest programs can
 * include it too (tests/xen-real/guest-dma.c).
 */
#ifndef SYSTEM_DM_MACHINE_LAYOUT_H
#define SYSTEM_DM_MACHINE_LAYOUT_H

#define DM_DMA_TEST_BASE 0xfe000000ULL
#define DM_SCRATCH_BASE 0xfe010000ULL
#define DM_ROM_BASE 0xffff0000ULL
#define DM_ROM_SIZE 0x10000ULL

#endif /* SYSTEM_DM_MACHINE_LAYOUT_H */
