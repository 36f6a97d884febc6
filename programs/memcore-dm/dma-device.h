/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA test device of memcore-dm: a register block in the spirit of
 * QEMU's "edu" device that copies or fills guest memory when its command
 * register is written. docs/devel/qtest.rst documents it for test authors.
 *
 * All registers are 64-bit, little-endian, and take aligned 4- or 8-byte
 * accesses (a 4-byte access reaches either half). Writes to read-only
 * registers are ignored.
 */
#ifndef SYSTEM_DM_DMA_DEVICE_H
#define SYSTEM_DM_DMA_DEVICE_H

#include <stdint.h>
#include "exec/memory.h"
#include "dma-device-regs.h"

typedef struct DmaTestDevice DmaTestDevice;

/**
 * dma_test_device_new() - create the device.
 * @as: where its DMA goes (the machine's address space).
 *
 * Return: the device; map dma_test_device_mmio() somewhere.
 */
DmaTestDevice *dma_test_device_new(AddressSpace *as);

/** dma_test_device_mmio() - its register region. */
MemoryRegion *dma_test_device_mmio(DmaTestDevice *d);

/**
 * typedef DmaTestMsiFn - how the device signals an MSI.
 * @opaque: what dma_test_device_set_msi() was given.
 * @addr: the MSI address the guest programmed (MSI_ADDR).
 * @data: the MSI data (low half of MSI_DATA).
 */
typedef void (*DmaTestMsiFn)(void *opaque, uint64_t addr, uint32_t data);

/**
 * dma_test_device_set_msi() - where the device's completion MSI goes.
 * @d: the device.
 * @fn: called once after every command when MSI_ADDR is not 0, with the
 *      device's lock held; NULL: no MSI (the default).
 * @opaque: for @fn.
 *
 * With real Xen, the ioreq server injects it into the guest
 * (xendevicemodel_inject_msi); MSIS counts what was sent.
 */
void dma_test_device_set_msi(DmaTestDevice *d, DmaTestMsiFn fn, void *opaque);

/** dma_test_device_free() - after its region was removed from the tree. */
void dma_test_device_free(DmaTestDevice *d);

/** dma_test_err_name() - "source unreadable" and so on, for reports. */
const char *dma_test_err_name(unsigned err);

#endif /* SYSTEM_DM_DMA_DEVICE_H */
