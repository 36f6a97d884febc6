/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Static trace points of hw/xen (docs/devel/tracing.rst): USDT probes of
 * provider "memcore", as in system/trace.h, for grants and the mapcache.
 */
#ifndef HW_XEN_XEN_TRACE_H
#define HW_XEN_XEN_TRACE_H

#include <sys/sdt.h>

/* Mapcache: a bucket found mapped, or mapped now (a miss), or failed. */
#define trace_xen_mapcache_hit(domid, bucket) \
    DTRACE_PROBE2(memcore, xen_mapcache_hit, domid, bucket)
#define trace_xen_mapcache_miss(domid, bucket, npages, mapped) \
    DTRACE_PROBE4(memcore, xen_mapcache_miss, domid, bucket, npages, mapped)
/* Every unlocked bucket dropped at once (a balloon change, say). */
#define trace_xen_mapcache_invalidate(domid, dropped) \
    DTRACE_PROBE2(memcore, xen_mapcache_invalidate, domid, dropped)

/*
 * A grant map of @nrefs consecutive refs from @first_ref, and its outcome:
 * 0 (GNTST_okay) or the GNTST of the first ref that failed; @capped is 1
 * when the region's cap on mapped refs refused it before the backend.
 */
#define trace_xen_grant_map(domid, first_ref, nrefs, writable, status,       \
                            capped)                                          \
    DTRACE_PROBE6(memcore, xen_grant_map, domid, first_ref, nrefs, writable, \
                  status, capped)
/* A grant mapping given back; @rc is the backend's (negative errno). */
#define trace_xen_grant_unmap(domid, first_ref, nrefs, rc) \
    DTRACE_PROBE4(memcore, xen_grant_unmap, domid, first_ref, nrefs, rc)
/* One segment of a grant copy, with its GNTST status. */
#define trace_xen_grant_copy_seg(domid, ref, offset, len, to_grant, status) \
    DTRACE_PROBE6(memcore, xen_grant_copy_seg, domid, ref, offset, len,     \
                  to_grant, status)

#endif /* HW_XEN_XEN_TRACE_H */
