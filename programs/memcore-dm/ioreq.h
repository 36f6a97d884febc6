/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Serving Xen ioreqs through an AddressSpace: the part of the ioreq
 * server that needs no Xen, so the unit tests can drive it with a fake
 * ioreq page (tests/dm/test-ioreq.c).
 *
 * Every field of a request is treated as hostile: the guest chose the
 * address, the size and the repeat count of the access Xen forwards, and
 * the guest-physical data pointer of a string instruction. A malformed
 * request is completed (the vCPU must not hang) with reads answering all
 * ones, and is counted; nothing is ever touched outside the address
 * space, and one request moves at most DM_IOREQ_MAX_BYTES.
 */
#ifndef SYSTEM_DM_IOREQ_H
#define SYSTEM_DM_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"
#include "ioreq-abi.h"

/*
 * Most bytes one request (count x size) may move. Xen splits a string
 * instruction at page boundaries, so real requests stay within a page;
 * anything larger is refused.
 */
#define DM_IOREQ_MAX_BYTES DM_IOREQ_PAGE_SIZE

/**
 * struct DmIoreqStats - what the server did, for -trace-free inspection.
 * @served: synchronous requests completed.
 * @buffered: buffered writes performed.
 * @malformed: requests refused before any access (bad size, count, type
 *             or range); reads among them answered all ones.
 * @tx_errors: accesses the address space failed (unassigned, refused
 *             grant, ...); a failed read answers all ones.
 * @invalidates: IOREQ_TYPE_INVALIDATE requests.
 * @ring_resets: buffered rings found inconsistent and skipped.
 */
typedef struct DmIoreqStats {
    uint64_t served;
    uint64_t buffered;
    uint64_t malformed;
    uint64_t tx_errors;
    uint64_t invalidates;
    uint64_t ring_resets;
} DmIoreqStats;

/**
 * struct DmIoreqTarget - where requests go.
 * @as: MMIO requests and data pointers are served here (the machine's
 *      address space: guest RAM, devices, grants).
 * @invalidate: called for IOREQ_TYPE_INVALIDATE (drop cached guest RAM
 *              mappings); may be NULL.
 * @opaque: for @invalidate.
 * @stats: counters, updated by the functions below (one serving thread).
 */
typedef struct DmIoreqTarget {
    AddressSpace *as;
    void (*invalidate)(void *opaque);
    void *opaque;
    DmIoreqStats stats;
} DmIoreqTarget;

/**
 * dm_ioreq_serve() - perform one request, in place.
 * @t: the target.
 * @req: a private copy of the request; for reads without @data_is_ptr,
 *       @req->data receives the value read.
 *
 * Port I/O has no devices here: reads answer all ones, writes are
 * dropped. PCI config and time-offset requests are ignored.
 *
 * Return: MEMTX_OK, or the OR of what the accesses returned
 * (MEMTX_DECODE_ERROR for a malformed request).
 */
MemTxResult dm_ioreq_serve(DmIoreqTarget *t, DmIoreq *req);

/**
 * dm_ioreq_handle_slot() - serve the request in a vCPU's slot if one is
 * pending.
 * @t: the target.
 * @slot: the vCPU's slot in the shared ioreq page.
 *
 * Follows the ioreq protocol: a slot in STATE_IOREQ_READY is copied (the
 * copy is what gets served, so the slot cannot change under us), marked
 * INPROCESS, served, its data written back, and after a write barrier
 * marked STATE_IORESP_READY. The caller then notifies the vCPU's port.
 *
 * Return: true if a request was completed (notify), false if the slot
 * held none.
 */
bool dm_ioreq_handle_slot(DmIoreqTarget *t, DmIoreq *slot);

/**
 * dm_ioreq_drain_buffered() - perform every posted write in the ring.
 * @t: the target.
 * @page: the buffered ioreq page.
 *
 * Consumes at most DM_BUFIOREQ_SLOTS slots per call. A ring whose
 * pointers are more than DM_BUFIOREQ_SLOTS apart is inconsistent: it is
 * skipped to the write pointer and counted in @ring_resets.
 *
 * Return: the number of writes performed.
 */
unsigned dm_ioreq_drain_buffered(DmIoreqTarget *t, DmBufIoreqPage *page);

#endif /* SYSTEM_DM_IOREQ_H */
