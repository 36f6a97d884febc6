/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA test device's register interface, with no dependencies, so that
 * guest programs can include it too (tests/xen-real/guest-dma.c drives
 * the device from a real Xen guest). dma-device.h documents the device.
 */
#ifndef SYSTEM_DM_DMA_DEVICE_REGS_H
#define SYSTEM_DM_DMA_DEVICE_REGS_H

#define DMA_TEST_MMIO_SIZE 0x1000

#define DMA_TEST_REG_ID 0x00 /* ro: DMA_TEST_ID */
#define DMA_TEST_REG_SRC 0x08 /* rw: source address */
#define DMA_TEST_REG_DST 0x10 /* rw: destination address */
#define DMA_TEST_REG_LEN 0x18 /* rw: bytes to move */
#define DMA_TEST_REG_PATTERN 0x20 /* rw: fill pattern, 8 bytes LE */
#define DMA_TEST_REG_CMD 0x28 /* rw: writing runs the command */
#define DMA_TEST_REG_STATUS 0x30 /* ro: outcome of the last command */
#define DMA_TEST_REG_DONE 0x38 /* ro: bytes the last command moved */
#define DMA_TEST_REG_MAPPED \
    0x40 /* ro: total bytes moved by memcpy
                                         * between two mappings */
#define DMA_TEST_REG_FALLBACK \
    0x48 /* ro: total bytes moved through
                                         * address_space_read/write */
#define DMA_TEST_REG_SHORT_MAPS 0x50 /* ro: maps that gave less than asked */
#define DMA_TEST_REG_MAP_FAILS 0x58 /* ro: maps that gave nothing */
#define DMA_TEST_REG_MSI_ADDR 0x60 /* rw: MSI address; 0 = no MSI */
#define DMA_TEST_REG_MSI_DATA 0x68 /* rw: MSI data (low 32 bits) */
#define DMA_TEST_REG_MSIS 0x70 /* ro: MSIs sent */
#define DMA_TEST_NR_REGS 15

#define DMA_TEST_ID 0x31414d44434d0001ULL /* "\1\0MCDMA1" */

/* Command register: an operation, optionally with flags. */
#define DMA_TEST_CMD_COPY 1 /* SRC -> DST, LEN bytes */
#define DMA_TEST_CMD_FILL 2 /* PATTERN -> DST, LEN bytes */
#define DMA_TEST_CMD_OP_MASK 0xff
#define DMA_TEST_CMD_NO_MAP (1U << 8) /* use read/write, never map */

/* Status register. */
#define DMA_TEST_STATUS_DONE (1U << 0) /* a command completed */
#define DMA_TEST_STATUS_ERROR (1U << 1) /* ... and failed */
#define DMA_TEST_STATUS_ERR_SHIFT 8 /* bits 8..15: DMA_TEST_ERR_* */
#define DMA_TEST_STATUS_TX_SHIFT 16 /* bits 16..23: MemTxResult */

#define DMA_TEST_ERR_NONE 0
#define DMA_TEST_ERR_BAD_CMD 1 /* unknown operation or flags */
#define DMA_TEST_ERR_TOO_LONG 2 /* LEN > DMA_TEST_MAX_LEN */
#define DMA_TEST_ERR_RANGE 3 /* wraps past 2^64, or COPY overlaps */
#define DMA_TEST_ERR_SRC 4 /* the source could not be read */
#define DMA_TEST_ERR_DST 5 /* the destination refused writes */

/* LEN is guest-controlled: one command moves at most this much. */
#define DMA_TEST_MAX_LEN (16ULL << 20)

#endif /* SYSTEM_DM_DMA_DEVICE_REGS_H */
