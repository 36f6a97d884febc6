/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Foreign-memory mapcache: a domain's RAM as a map-on-demand region, for
 * privileged device models that reach guest memory directly rather than
 * through grants.
 *
 * Guest RAM is mapped lazily, one bucket (2^bucket_shift bytes of
 * consecutive frames) at a time, with one foreign-map call per bucket, and
 * kept for later accesses. A mapping that address_space_map() (or a
 * MemoryRegionCache) handed out locks its bucket until it is unmapped.
 *
 * When the guest gives memory back (Xen's IOREQ_TYPE_INVALIDATE; with the
 * emulated hypervisor, xen_emu_balloon_out()), call
 * xen_mapcache_invalidate(): unlocked buckets are unmapped at once; locked
 * ones stay valid for their holders and are unmapped when the last one
 * lets go, so DMA in flight never faults. Later accesses map the bucket
 * afresh; a frame the guest no longer has then fails cleanly (the access
 * returns an error, address_space_map() returns NULL).
 *
 * Threads: callbacks may run on any thread. One mutex per cache protects
 * its buckets and is held across the backend's map and unmap calls, so a
 * bucket is never mapped twice.
 *
 * Two spellings of one API. The xen_mapcache_region_*() calls take and
 * return the MemoryRegion, as the grant region's xen_grant_region_*()
 * calls do, so a device model handles both kinds of Xen memory alike;
 * new code should use them. The XenMapCache calls are the first
 * release's API, kept so existing callers build unchanged; they are
 * deprecated and go in the release after next.
 */
#ifndef HW_XEN_XEN_MAPCACHE_H
#define HW_XEN_XEN_MAPCACHE_H

#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"
#include "hw/xen/xen-backend-ops.h"

typedef struct XenMapCache XenMapCache;

/* 1 MiB buckets, as QEMU's mapcache uses on 64-bit hosts. */
#define XEN_MAPCACHE_DEFAULT_BUCKET_SHIFT 20

/**
 * xen_mapcache_region_new() - a mapcache region over the RAM of @domid.
 * @be: the backend; it must outlive the region and may map foreign memory.
 * @domid: the guest.
 * @ram_bytes: size of the guest RAM the region covers, from frame 0; a
 *             nonzero multiple of XEN_PAGE_SIZE.
 * @bucket_shift: log2 of the bucket size, 12 (one page) to 30 (1 GiB).
 * @max_buckets: buckets kept mapped before the least recently used
 *               unlocked one is dropped; 0 for no limit.
 * @errp: set on bad arguments (MEMCORE_ERROR_INVALID).
 *
 * Region offset n * XEN_PAGE_SIZE is guest frame n; add the region where
 * guest RAM belongs (through aliases, for RAM with holes).
 *
 * Misuse: a NULL @be aborts.
 *
 * Return: the region, or NULL.
 */
MemoryRegion *xen_mapcache_region_new(XenBackend *be, uint16_t domid,
                                      uint64_t ram_bytes,
                                      unsigned bucket_shift,
                                      unsigned max_buckets, GError **errp);

/**
 * xen_mapcache_region_invalidate() - the guest changed its physmap.
 * @mr: a region from xen_mapcache_region_new().
 *
 * As xen_mapcache_invalidate(). Misuse: another kind of region aborts.
 */
void xen_mapcache_region_invalidate(MemoryRegion *mr);

/**
 * xen_mapcache_region_notify() - xen_mapcache_region_invalidate() as a notifier.
 * @mr: the region, passed as the notifier's opaque.
 * @domid: the domain whose memory changed (the region serves only one).
 *
 * Register it with xen_emu_add_invalidate_notifier(), @mr as opaque.
 */
void xen_mapcache_region_notify(void *mr, uint16_t domid);

/**
 * xen_mapcache_new() - a mapcache over the RAM of domain @domid (deprecated).
 * @be: the backend; it must outlive the cache and may map foreign memory.
 * @domid: the guest.
 * @ram_bytes: size of the guest RAM the region covers, from frame 0; a
 *             nonzero multiple of XEN_PAGE_SIZE.
 * @bucket_shift: log2 of the bucket size, 12 (one page) to 30 (1 GiB).
 * @max_buckets: buckets kept mapped before the least recently used
 *               unlocked one is dropped; 0 for no limit. Locked buckets
 *               are never dropped, so the limit is exceeded while they
 *               hold it.
 * @errp: set on bad arguments.
 *
 * Misuse: a NULL @be aborts.
 *
 * Return: the cache, or NULL.
 */
XenMapCache *xen_mapcache_new(XenBackend *be, uint16_t domid,
                              uint64_t ram_bytes, unsigned bucket_shift,
                              unsigned max_buckets, GError **errp);

/**
 * xen_mapcache_region() - the region to add where guest RAM belongs.
 * @mc: the cache.
 *
 * Region offset n * XEN_PAGE_SIZE is guest frame n. Guest RAM with holes
 * is shown through aliases of it.
 */
MemoryRegion *xen_mapcache_region(XenMapCache *mc);

/**
 * xen_mapcache_invalidate() - the guest changed its physmap.
 * @mc: the cache.
 *
 * Drops every unlocked bucket at once; locked ones keep working for
 * their holders and go when unlocked. May be called from any thread,
 * including an xen-emu invalidate notifier (see xen_mapcache_notify()).
 */
void xen_mapcache_invalidate(XenMapCache *mc);

/**
 * xen_mapcache_notify() - xen_mapcache_invalidate() as an invalidate notifier.
 * @mc: the XenMapCache, passed as the notifier's opaque.
 * @domid: the domain whose memory changed (the cache serves only one).
 *
 * Register it with xen_emu_add_invalidate_notifier(), @mc as opaque.
 */
void xen_mapcache_notify(void *mc, uint16_t domid);

/**
 * struct XenMapCacheStats - what a mapcache holds and has done.
 * @buckets: buckets mapped now, dropped-but-locked ones included.
 * @locked: buckets with at least one mapping handed out.
 * @zombies: buckets invalidated while locked, waiting for their holders.
 * @hits: accesses served by a bucket already mapped.
 * @misses: buckets mapped.
 * @evictions: buckets dropped to stay under @max_buckets.
 * @invalidations: xen_mapcache_invalidate() calls.
 * @failures: accesses refused (the frame is missing or the map failed).
 */
typedef struct XenMapCacheStats {
    uint64_t buckets;
    uint64_t locked;
    uint64_t zombies;
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
    uint64_t invalidations;
    uint64_t failures;
} XenMapCacheStats;

/**
 * xen_mapcache_get_stats() - read the counters of @mc.
 * @mc: the mapcache.
 * @stats: filled in with a snapshot of the counters.
 */
void xen_mapcache_get_stats(XenMapCache *mc, XenMapCacheStats *stats);

/**
 * xen_mapcache_region_get_stats() - read the counters of a mapcache region.
 * @mr: a region from xen_mapcache_region_new().
 * @stats: filled in with a snapshot of the counters.
 *
 * Misuse: another kind of region aborts.
 */
void xen_mapcache_region_get_stats(MemoryRegion *mr, XenMapCacheStats *stats);

/**
 * xen_mapcache_region_free() - release a mapcache region and every bucket.
 * @mr: a region from xen_mapcache_region_new(), or NULL.
 *
 * As xen_mapcache_free(). Misuse: another kind of region aborts.
 */
void xen_mapcache_region_free(MemoryRegion *mr);

/**
 * xen_mapcache_free() - release the cache and every bucket.
 * @mc: the cache, or NULL.
 *
 * Waits until mappings and caches that use the region are released (see
 * memory_region_finalize()).
 *
 * Misuse: the region still inside a container aborts; remove it first.
 */
void xen_mapcache_free(XenMapCache *mc);

#endif /* HW_XEN_XEN_MAPCACHE_H */
