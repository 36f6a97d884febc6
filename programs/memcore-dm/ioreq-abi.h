/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ioreq ABI between Xen and a device model, as <xen/hvm/ioreq.h>
 * defines it: the per-vCPU request slot of the ioreq page and the
 * buffered-request ring.
 *
 * Written out here, with our own names, so that the request-serving code
 * and its tests build without libxen-dev. ioreq-server.c checks at build
 * time that the layouts match Xen's header.
 */
#ifndef SYSTEM_DM_IOREQ_ABI_H
#define SYSTEM_DM_IOREQ_ABI_H

#include <stdint.h>

/* Request states: Xen writes READY, we write INPROCESS then RESP_READY. */
#define DM_IOREQ_STATE_NONE 0
#define DM_IOREQ_STATE_READY 1
#define DM_IOREQ_STATE_INPROCESS 2
#define DM_IOREQ_STATE_RESP_READY 3

/* Request types (the ones a device model sees). */
#define DM_IOREQ_TYPE_PIO 0
#define DM_IOREQ_TYPE_COPY 1 /* MMIO */
#define DM_IOREQ_TYPE_PCI_CONFIG 2
#define DM_IOREQ_TYPE_TIMEOFFSET 7
#define DM_IOREQ_TYPE_INVALIDATE 8 /* drop the mapcache */

#define DM_IOREQ_DIR_WRITE 0
#define DM_IOREQ_DIR_READ 1

/*
 * One synchronous request. @data is the value, or with @data_is_ptr the
 * guest-physical address of @count values of @size bytes; @df walks the
 * addresses downwards.
 */
typedef struct DmIoreq {
    uint64_t addr;
    uint64_t data;
    uint32_t count;
    uint32_t size;
    uint32_t vp_eport; /* the vCPU's event channel (Xen's side) */
    uint16_t pad0;
    uint8_t state : 4;
    uint8_t data_is_ptr : 1;
    uint8_t dir : 1;
    uint8_t df : 1;
    uint8_t pad1 : 1;
    uint8_t type;
} DmIoreq;

_Static_assert(sizeof(DmIoreq) == 32, "ioreq slot is 32 bytes");

#define DM_IOREQ_PAGE_SIZE 4096
/* One page of slots serves this many vCPUs. */
#define DM_IOREQ_MAX_VCPUS (DM_IOREQ_PAGE_SIZE / sizeof(DmIoreq))

/* A buffered (posted) write: no reply. An 8-byte write takes two slots. */
typedef struct DmBufIoreq {
    uint8_t type;
    uint8_t pad : 1;
    uint8_t dir : 1;
    uint8_t size : 2; /* log2 of the size */
    uint32_t addr : 20;
    uint32_t data;
} DmBufIoreq;

_Static_assert(sizeof(DmBufIoreq) == 8, "buffered ioreq slot is 8 bytes");

#define DM_BUFIOREQ_SLOTS 511

typedef struct DmBufIoreqPage {
    uint32_t read_pointer;
    uint32_t write_pointer;
    DmBufIoreq slot[DM_BUFIOREQ_SLOTS];
} DmBufIoreqPage;

_Static_assert(sizeof(DmBufIoreqPage) <= DM_IOREQ_PAGE_SIZE,
               "buffered ioreq ring fits a page");

#endif /* SYSTEM_DM_IOREQ_ABI_H */
