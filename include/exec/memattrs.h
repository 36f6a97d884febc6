/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transaction attributes and results.
 */
#ifndef EXEC_MEMATTRS_H
#define EXEC_MEMATTRS_H

#include <stdint.h>

/**
 * struct MemTxAttrs - attributes that travel with one memory transaction.
 * @unspecified: set by MEMTXATTRS_UNSPECIFIED; the initiator said nothing.
 * @secure: the access is from the secure world.
 * @user: the access is unprivileged.
 * @memory: the access targets memory, not I/O (informational).
 * @requester_id: the PCI requester ID of a DMA initiator, or 0.
 * @private_mem: the initiator asks for private (encrypted) guest memory;
 *               device DMA leaves it clear. See memory_region_set_private().
 *
 * The struct is passed by value, so it stays small.
 */
typedef struct MemTxAttrs {
    unsigned int unspecified : 1;
    unsigned int secure : 1;
    unsigned int user : 1;
    unsigned int memory : 1;
    unsigned int private_mem : 1;
    unsigned int requester_id : 16;
} MemTxAttrs;

/* Callers that have nothing to say use this. */
#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs){ .unspecified = 1 })

/**
 * typedef MemTxResult - the outcome of a transaction.
 *
 * A bit mask: when an access is split into pieces, the pieces' results are
 * OR'd together, so a caller tests for "!= MEMTX_OK".
 */
typedef uint32_t MemTxResult;
#define MEMTX_OK 0
#define MEMTX_ERROR (1U << 0) /* device returned an error */
#define MEMTX_DECODE_ERROR (1U << 1) /* nothing at that address */
#define MEMTX_ACCESS_ERROR (1U << 2) /* something there, access refused */

#endif /* EXEC_MEMATTRS_H */
