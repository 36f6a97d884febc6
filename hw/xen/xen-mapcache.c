/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Foreign-memory mapcache; see "hw/xen/xen-mapcache.h".
 *
 * Lock rules: XenMapCache.lock protects every table, entry and counter,
 * and is held across backend calls so that two threads missing on the
 * same bucket do not both map it. It is taken before any backend lock and
 * never while calling back into memcore.
 *
 * An entry lives in @by_base from the moment it is mapped until it is
 * unmapped; it is also in @buckets and @lru while it is the current
 * mapping of its bucket. Invalidation and eviction take it out of
 * @buckets; it is unmapped then, or at its last unlock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/memcore-error.h"
#include "hw/xen/xen-mapcache.h"
#include "xen-trace.h"

typedef struct MapCacheEntry {
    uint64_t bucket;
    uint8_t *base;
    size_t npages;
    int *err; /* per page: 0 or -errno from the map */
    unsigned locks;
    bool current; /* in @buckets and @lru */
    GList lru_link;
} MapCacheEntry;

struct XenMapCache {
    MemoryRegion mr;
    XenBackend *be;
    uint16_t domid;
    uint64_t ram_bytes;
    unsigned bucket_shift;
    unsigned max_buckets;

    GMutex lock;
    GHashTable *buckets; /* bucket number -> current entry */
    GHashTable *by_base; /* base -> every mapped entry */
    GQueue lru; /* current entries, least recent first */
    XenMapCacheStats stats;
};

static uint64_t bucket_size(XenMapCache *mc)
{
    return 1ULL << mc->bucket_shift;
}

static void entry_unmap(XenMapCache *mc, MapCacheEntry *e)
{
    int rc = xen_backend_foreign_unmap(mc->be, e->base, e->npages);

    if (rc < 0) {
        fprintf(stderr,
                "xen-mapcache: unmapping bucket %" PRIu64 " of "
                "dom%u failed: %s\n",
                e->bucket, mc->domid, g_strerror(-rc));
    }
    g_hash_table_remove(mc->by_base, e->base);
    mc->stats.buckets--;
    g_free(e->err);
    g_free(e);
}

/* Take @e out of its bucket; unmap it now unless someone holds it. */
static void entry_drop(XenMapCache *mc, MapCacheEntry *e)
{
    g_hash_table_remove(mc->buckets, &e->bucket);
    g_queue_unlink(&mc->lru, &e->lru_link);
    e->current = false;
    if (e->locks) {
        mc->stats.zombies++;
    } else {
        entry_unmap(mc, e);
    }
}

/* Stay under max_buckets by dropping least recently used unlocked ones. */
static void evict(XenMapCache *mc)
{
    GList *l = mc->lru.head;

    while (mc->max_buckets && l &&
           g_hash_table_size(mc->buckets) >= mc->max_buckets) {
        MapCacheEntry *e = l->data;

        l = l->next;
        if (!e->locks) {
            entry_drop(mc, e);
            mc->stats.evictions++;
        }
    }
}

static MapCacheEntry *bucket_map(XenMapCache *mc, uint64_t bucket)
{
    uint64_t first = (bucket << mc->bucket_shift) >> XEN_PAGE_SHIFT;
    uint64_t ram_pages = mc->ram_bytes >> XEN_PAGE_SHIFT;
    size_t npages = MIN(bucket_size(mc) >> XEN_PAGE_SHIFT, ram_pages - first);
    g_autofree uint64_t *gfns = g_new(uint64_t, npages);
    int *err = g_new0(int, npages);
    MapCacheEntry *e;
    void *base;

    for (size_t i = 0; i < npages; i++) {
        gfns[i] = first + i;
    }
    evict(mc);
    base = xen_backend_foreign_map(mc->be, mc->domid, true, npages, gfns, err);
    trace_xen_mapcache_miss(mc->domid, bucket, npages, base != NULL);
    if (!base) {
        g_free(err);
        return NULL;
    }
    e = g_new0(MapCacheEntry, 1);
    e->bucket = bucket;
    e->base = base;
    e->npages = npages;
    e->err = err;
    e->current = true;
    e->lru_link.data = e;
    g_hash_table_insert(mc->buckets, &e->bucket, e);
    g_hash_table_insert(mc->by_base, e->base, e);
    g_queue_push_tail_link(&mc->lru, &e->lru_link);
    mc->stats.buckets++;
    mc->stats.misses++;
    return e;
}

/*
 * The current entry for @bucket with page @page usable, mapping it if
 * needed. A cached entry whose page failed earlier is re-mapped once if
 * nobody holds it: the frame may be back since. On failure, *@why says
 * whether the page is not there (MEMTX_DECODE_ERROR: ballooned out,
 * never populated) or the backend could not map at all (MEMTX_ERROR).
 */
static MapCacheEntry *bucket_get(XenMapCache *mc, uint64_t bucket, size_t page,
                                 MemTxResult *why)
{
    MapCacheEntry *e = g_hash_table_lookup(mc->buckets, &bucket);

    if (e && e->err[page] && !e->locks) {
        entry_drop(mc, e);
        e = NULL;
    }
    if (e) {
        trace_xen_mapcache_hit(mc->domid, bucket);
        mc->stats.hits++;
        g_queue_unlink(&mc->lru, &e->lru_link);
        g_queue_push_tail_link(&mc->lru, &e->lru_link);
    } else {
        e = bucket_map(mc, bucket);
    }
    if (!e || e->err[page]) {
        mc->stats.failures++;
        *why = e ? MEMTX_DECODE_ERROR : MEMTX_ERROR;
        return NULL;
    }
    return e;
}

/* Bytes usable from page @page of @e: up to the next failed page. */
static uint64_t usable_bytes(MapCacheEntry *e, size_t page)
{
    size_t last = page;

    while (last < e->npages && !e->err[last]) {
        last++;
    }
    return (uint64_t)(last - page) << XEN_PAGE_SHIFT;
}

static void *mapcache_map(void *opaque, hwaddr addr, hwaddr *plen,
                          bool is_write, MemTxAttrs attrs, MemTxResult *result)
{
    XenMapCache *mc = opaque;
    uint64_t in_bucket = addr & (bucket_size(mc) - 1);
    size_t page = in_bucket >> XEN_PAGE_SHIFT;
    uint64_t room;
    MapCacheEntry *e;
    hwaddr len = *plen;

    *plen = 0;
    if (addr >= mc->ram_bytes || len == 0) {
        *result = MEMTX_DECODE_ERROR; /* beyond the guest's RAM */
        return NULL;
    }
    g_mutex_lock(&mc->lock);
    e = bucket_get(mc, addr >> mc->bucket_shift, page, result);
    if (!e) {
        g_mutex_unlock(&mc->lock);
        return NULL;
    }
    room = usable_bytes(e, page) - (in_bucket & (XEN_PAGE_SIZE - 1));
    if (e->locks++ == 0) {
        mc->stats.locked++;
    }
    g_mutex_unlock(&mc->lock);
    *plen = MIN(len, room);
    return e->base + in_bucket;
}

static void mapcache_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                           bool is_write, hwaddr access_len)
{
    XenMapCache *mc = opaque;
    uint8_t *base = (uint8_t *)host - (addr & (bucket_size(mc) - 1));
    MapCacheEntry *e;

    g_mutex_lock(&mc->lock);
    e = g_hash_table_lookup(mc->by_base, base);
    if (!e || !e->locks) {
        memcore_misuse("xen-mapcache: unmap of %p, which dom%u's mapcache "
                       "did not hand out",
                       host, mc->domid);
    }
    if (--e->locks == 0) {
        mc->stats.locked--;
        if (!e->current) {
            /* Invalidated while held: its holders are all gone now. */
            mc->stats.zombies--;
            entry_unmap(mc, e);
        }
    }
    g_mutex_unlock(&mc->lock);
}

void xen_mapcache_invalidate(XenMapCache *mc)
{
    unsigned dropped = 0;

    g_mutex_lock(&mc->lock);
    while (mc->lru.head) {
        entry_drop(mc, mc->lru.head->data);
        dropped++;
    }
    trace_xen_mapcache_invalidate(mc->domid, dropped);
    mc->stats.invalidations++;
    g_mutex_unlock(&mc->lock);
}

void xen_mapcache_notify(void *mc, uint16_t domid)
{
    xen_mapcache_invalidate(mc);
}

static void mapcache_describe(void *opaque, GString *buf)
{
    XenMapCache *mc = opaque;
    XenMapCacheStats st;

    xen_mapcache_get_stats(mc, &st);
    g_string_append_printf(buf,
                           "dom%u mapcache via %s: %" PRIu64
                           " buckets of %" PRIu64 " KiB (%" PRIu64
                           " locked, %" PRIu64 " invalidated), hits %" PRIu64
                           ", misses %" PRIu64 ", evictions %" PRIu64
                           ", invalidations %" PRIu64 ", failures %" PRIu64,
                           mc->domid, xen_backend_name(mc->be), st.buckets,
                           bucket_size(mc) >> 10, st.locked, st.zombies,
                           st.hits, st.misses, st.evictions, st.invalidations,
                           st.failures);
}

static const MemoryRegionOps mapcache_ops = {
    .map_with_result = mapcache_map,
    .unmap = mapcache_unmap,
    .describe = mapcache_describe,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static bool check_args(uint64_t ram_bytes, unsigned bucket_shift,
                       GError **errp)
{
    if (ram_bytes == 0 || ram_bytes % XEN_PAGE_SIZE) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-mapcache: RAM size %" PRIu64 " is not a nonzero "
                    "multiple of 4 KiB",
                    ram_bytes);
        return false;
    }
    if (bucket_shift < XEN_PAGE_SHIFT || bucket_shift > 30) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-mapcache: bucket shift %u is outside 12..30",
                    bucket_shift);
        return false;
    }
    return true;
}

XenMapCache *xen_mapcache_new(XenBackend *be, uint16_t domid,
                              uint64_t ram_bytes, unsigned bucket_shift,
                              unsigned max_buckets, GError **errp)
{
    XenMapCache *mc;
    char *name;

    if (!be) {
        memcore_misuse("xen_mapcache_new(): no backend");
    }
    if (!check_args(ram_bytes, bucket_shift, errp)) {
        return NULL;
    }
    mc = g_new0(XenMapCache, 1);
    mc->be = be;
    mc->domid = domid;
    mc->ram_bytes = ram_bytes;
    mc->bucket_shift = bucket_shift;
    mc->max_buckets = max_buckets;
    g_mutex_init(&mc->lock);
    mc->buckets = g_hash_table_new(g_int64_hash, g_int64_equal);
    mc->by_base = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_queue_init(&mc->lru);
    name = g_strdup_printf("xen-mapcache-dom%u", domid);
    memory_region_init_io(&mc->mr, NULL, &mapcache_ops, mc, name, ram_bytes);
    g_free(name);
    return mc;
}

MemoryRegion *xen_mapcache_region(XenMapCache *mc)
{
    return &mc->mr;
}

void xen_mapcache_get_stats(XenMapCache *mc, XenMapCacheStats *stats)
{
    g_mutex_lock(&mc->lock);
    *stats = mc->stats;
    g_mutex_unlock(&mc->lock);
}

void xen_mapcache_free(XenMapCache *mc)
{
    if (!mc) {
        return;
    }
    memory_region_finalize(&mc->mr); /* waits for every holder */
    xen_mapcache_invalidate(mc);
    if (g_hash_table_size(mc->by_base) != 0) {
        memcore_misuse("xen_mapcache_free(): %u bucket(s) still mapped "
                       "after every holder went",
                       g_hash_table_size(mc->by_base));
    }
    g_hash_table_destroy(mc->buckets);
    g_hash_table_destroy(mc->by_base);
    g_mutex_clear(&mc->lock);
    g_free(mc);
}

/* ---- the region-based API, shaped like the grant region's ---------------- */

static XenMapCache *to_mapcache(MemoryRegion *mr, const char *func)
{
    if (mr->ops != &mapcache_ops) {
        memcore_misuse("%s(): '%s' is not a mapcache region", func,
                       memory_region_name(mr));
    }
    return mr->opaque;
}

MemoryRegion *xen_mapcache_region_new(XenBackend *be, uint16_t domid,
                                      uint64_t ram_bytes,
                                      unsigned bucket_shift,
                                      unsigned max_buckets, GError **errp)
{
    XenMapCache *mc = xen_mapcache_new(be, domid, ram_bytes, bucket_shift,
                                       max_buckets, errp);

    return mc ? &mc->mr : NULL;
}

void xen_mapcache_region_free(MemoryRegion *mr)
{
    if (mr) {
        xen_mapcache_free(to_mapcache(mr, __func__));
    }
}

void xen_mapcache_region_invalidate(MemoryRegion *mr)
{
    xen_mapcache_invalidate(to_mapcache(mr, __func__));
}

void xen_mapcache_region_notify(void *mr, uint16_t domid)
{
    xen_mapcache_region_invalidate(mr);
}

void xen_mapcache_region_get_stats(MemoryRegion *mr, XenMapCacheStats *stats)
{
    xen_mapcache_get_stats(to_mapcache(mr, __func__), stats);
}
