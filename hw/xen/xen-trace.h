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

#endif /* HW_XEN_XEN_TRACE_H */
