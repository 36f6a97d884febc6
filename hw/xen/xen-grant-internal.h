/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grant region: state shared by xen-grant.c (region, map/unmap, counters)
 * and xen-grant-copy.c (read/write through grant copy).
 *
 * Lock rules: XenGrantRegion.lock protects @maps, the @outstanding and
 * @refs_mapped counters, @max_mapped_refs and @refs_held, and is never
 * held across a backend call. Every other counter is updated with atomic
 * adds. The copy path takes no lock.
 */
#ifndef HW_XEN_XEN_GRANT_INTERNAL_H
#define HW_XEN_XEN_GRANT_INTERNAL_H

#include "exec/memcore-atomic.h"
#include "hw/xen/xen-grant.h"

typedef struct XenGrantRegion {
    MemoryRegion mr;
    XenBackend *be;
    uint16_t domid;
    GMutex lock;
    GHashTable *maps; /* host pointer -> XenGrantMapping * */
    uint64_t max_mapped_refs; /* the cap on @refs_held */
    uint64_t refs_held; /* refs mapped, or about to be */
    bool cap_logged; /* the first refusal at the cap was logged */
    XenGrantStats stats;
} XenGrantRegion;

/* Count a refused map or failed copy segment under its GNTST code. */
static inline void xen_grant_count_failure(XenGrantRegion *g, int status)
{
    unsigned idx = status < 0 && status > -XEN_GNTST_NR ? -status : 0;

    qatomic_fetch_add_relaxed(&g->stats.failures[idx], 1);
}

/* What a refused grant means to the memory API (xen-grant.h). */
static inline MemTxResult xen_gntst_to_memtx(int status)
{
    switch (status) {
    case GNTST_okay:
        return MEMTX_OK;
    case GNTST_bad_gntref:
    case GNTST_bad_domain:
        return MEMTX_DECODE_ERROR;
    case GNTST_general_error:
    case GNTST_permission_denied:
    case GNTST_bad_page:
        return MEMTX_ACCESS_ERROR;
    default:
        return MEMTX_ERROR;
    }
}

MemTxResult xen_grant_read_buf(void *opaque, hwaddr addr, void *buf,
                               hwaddr len, MemTxAttrs attrs);
MemTxResult xen_grant_write_buf(void *opaque, hwaddr addr, const void *buf,
                                hwaddr len, MemTxAttrs attrs);

#endif /* HW_XEN_XEN_GRANT_INTERNAL_H */
