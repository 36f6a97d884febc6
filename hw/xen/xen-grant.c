/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grant region: map-on-demand over a guest's grant refs. See
 * "hw/xen/xen-grant.h" for the address encoding and the rules, and
 * xen-grant-internal.h for the locks.
 *
 * Every map() is a fresh backend mapping, recorded by the host pointer it
 * returned. There is deliberately no cache of grant mappings: a cached
 * read-only mapping could be handed out for a write, and a cached mapping
 * would keep the guest from revoking a grant the device has finished
 * with. Long-lived users (rings) hold a MemoryRegionCache instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/memcore-atomic.h"
#include "xen-grant-internal.h"
#include "xen-trace.h"

typedef struct XenGrantMapping {
    uint8_t *base; /* what the backend returned */
    uint32_t nrefs;
    bool is_write;
} XenGrantMapping;

/*
 * How many refs cover [@addr, @addr + *@len), after shortening *@len to
 * the per-map cap and to the last 32-bit ref. 0 if nothing can be mapped.
 */
static uint32_t map_span(hwaddr addr, hwaddr *len)
{
    uint64_t ref = addr >> XEN_PAGE_SHIFT;
    uint64_t off = addr & (XEN_PAGE_SIZE - 1);
    uint64_t max_refs, room;

    if (ref > UINT32_MAX || *len == 0) {
        return 0;
    }
    max_refs = MIN((uint64_t)XEN_GRANT_MAP_MAX_REFS,
                   (uint64_t)UINT32_MAX - ref + 1);
    room = max_refs * XEN_PAGE_SIZE - off;
    if (*len > room) {
        *len = room;
    }
    return (off + *len + XEN_PAGE_SIZE - 1) >> XEN_PAGE_SHIFT;
}

static int first_failure(const int16_t *status, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (status[i] != GNTST_okay) {
            return status[i];
        }
    }
    return GNTST_general_error; /* the backend failed for its own reasons */
}

static void record_mapping(XenGrantRegion *g, uint8_t *host, uint8_t *base,
                           uint32_t nrefs, bool is_write)
{
    XenGrantMapping *m = g_new(XenGrantMapping, 1);

    m->base = base;
    m->nrefs = nrefs;
    m->is_write = is_write;
    g_mutex_lock(&g->lock);
    g_hash_table_insert(g->maps, host, m);
    g->stats.outstanding++;
    g->stats.refs_mapped += nrefs;
    g_mutex_unlock(&g->lock);
}

/*
 * The cap on refs mapped at once (xen_grant_region_set_max_mapped_refs()).
 * Every mapped ref costs the process a host mapping, and the process has a
 * limited number of those (vm.max_map_count), so a guest must not be able
 * to make the device hold them without bound. Room is taken before the
 * backend maps, so racing maps cannot overshoot, and given back only once
 * the backend has unmapped.
 */
static bool cap_take(XenGrantRegion *g, uint32_t nrefs)
{
    bool ok, log = false;

    g_mutex_lock(&g->lock);
    ok = g->refs_held <= g->max_mapped_refs &&
         nrefs <= g->max_mapped_refs - g->refs_held;
    if (ok) {
        g->refs_held += nrefs;
    } else {
        g->stats.cap_refusals++;
        log = !g->cap_logged;
        g->cap_logged = true;
    }
    g_mutex_unlock(&g->lock);
    if (log) {
        fprintf(stderr,
                "xen-grant: dom%u: refusing grant maps beyond %" PRIu64
                " refs mapped at once (the region's cap); counted "
                "from now on, not logged\n",
                g->domid, g->max_mapped_refs);
    }
    return ok;
}

static void cap_give_back(XenGrantRegion *g, uint32_t nrefs)
{
    g_mutex_lock(&g->lock);
    g->refs_held -= nrefs;
    g_mutex_unlock(&g->lock);
}

/*
 * Map the consecutive refs covering the range, in one backend call, into
 * one contiguous host range. Writable only when the caller will write, so
 * a read-only grant can still be read and is never written.
 */
static void *xen_grant_map(void *opaque, hwaddr addr, hwaddr *plen,
                           bool is_write, MemTxAttrs attrs,
                           MemTxResult *result)
{
    XenGrantRegion *g = opaque;
    uint32_t refs[XEN_GRANT_MAP_MAX_REFS];
    int16_t status[XEN_GRANT_MAP_MAX_REFS];
    uint32_t first = addr >> XEN_PAGE_SHIFT;
    hwaddr len = *plen;
    uint32_t nrefs;
    uint8_t *base;

    *plen = 0;
    nrefs = map_span(addr, &len);
    if (nrefs == 0) {
        if (len) {
            xen_grant_count_failure(g, GNTST_bad_gntref);
        }
        *result = xen_gntst_to_memtx(GNTST_bad_gntref);
        return NULL;
    }
    /* Over the cap: refused like a denied grant (an access error). */
    if (!cap_take(g, nrefs)) {
        trace_xen_grant_map(g->domid, first, nrefs, is_write,
                            GNTST_no_device_space, 1);
        *result = MEMTX_ACCESS_ERROR;
        return NULL;
    }
    for (uint32_t i = 0; i < nrefs; i++) {
        refs[i] = first + i;
    }
    base = xen_backend_grant_map(g->be, g->domid, nrefs, refs, is_write,
                                 status);
    if (!base) {
        int why = first_failure(status, nrefs);

        trace_xen_grant_map(g->domid, first, nrefs, is_write, why, 0);
        cap_give_back(g, nrefs);
        xen_grant_count_failure(g, why);
        *result = xen_gntst_to_memtx(why);
        return NULL;
    }
    trace_xen_grant_map(g->domid, first, nrefs, is_write, GNTST_okay, 0);
    record_mapping(g, base + (addr & (XEN_PAGE_SIZE - 1)), base, nrefs,
                   is_write);
    qatomic_fetch_add_relaxed(&g->stats.maps, 1);
    *plen = len;
    return base + (addr & (XEN_PAGE_SIZE - 1));
}

/*
 * Release exactly the batch map() made. Only after this may the guest
 * revoke the grants, so a failure here is loud: the refs stay in use.
 */
static void xen_grant_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                            bool is_write, hwaddr access_len)
{
    XenGrantRegion *g = opaque;
    XenGrantMapping *m;
    int rc;

    g_mutex_lock(&g->lock);
    m = g_hash_table_lookup(g->maps, host);
    if (m) {
        g_hash_table_steal(g->maps, host);
        g->stats.outstanding--;
        g->stats.refs_mapped -= m->nrefs;
    }
    g_mutex_unlock(&g->lock);
    if (!m) {
        memcore_misuse("xen-grant: unmap of %p, which dom%u's grant region "
                       "never mapped",
                       host, g->domid);
    }

    rc = xen_backend_grant_unmap(g->be, m->base, m->nrefs);
    trace_xen_grant_unmap(g->domid, (uint32_t)(addr >> XEN_PAGE_SHIFT),
                          m->nrefs, rc);
    if (rc < 0) {
        fprintf(stderr,
                "xen-grant: unmapping %u refs of dom%u at %p "
                "failed: %s; the guest cannot revoke them\n",
                m->nrefs, g->domid, m->base, g_strerror(-rc));
    } else {
        cap_give_back(g, m->nrefs); /* a failed unmap keeps its room */
    }
    qatomic_fetch_add_relaxed(&g->stats.unmaps, 1);
    g_free(m);
}

/*
 * Is every page of the range granted to us for this direction? Asked by
 * address_space_access_valid(), so a device can check a whole transfer
 * before it moves anything. The backend checks the refs a batch at a
 * time without mapping or pinning them, stopping at the first refusal:
 * at most XEN_GRANT_CHECK_MAX_REFS refs, however long the range. A
 * backend that cannot check (libxen) makes this answer for the ref
 * numbers only; the access itself then finds out.
 */
static MemTxResult xen_grant_access_check(void *opaque, hwaddr addr,
                                          hwaddr len, bool is_write,
                                          MemTxAttrs attrs)
{
    XenGrantRegion *g = opaque;
    uint32_t refs[XEN_GRANT_MAP_MAX_REFS];
    int16_t status[XEN_GRANT_MAP_MAX_REFS];
    uint64_t ref = addr >> XEN_PAGE_SHIFT;
    uint64_t last = (addr + (len - 1)) >> XEN_PAGE_SHIFT;
    uint64_t checked = 0;

    if (len == 0) {
        return MEMTX_OK;
    }
    while (ref <= last) {
        uint32_t n;

        if (ref > UINT32_MAX) {
            return MEMTX_DECODE_ERROR; /* no such ref */
        }
        if (checked >= XEN_GRANT_CHECK_MAX_REFS) {
            return MEMTX_ERROR; /* too long to vouch for */
        }
        n = MIN(MIN(last - ref + 1, (uint64_t)XEN_GRANT_MAP_MAX_REFS),
                (uint64_t)UINT32_MAX - ref + 1);
        for (uint32_t i = 0; i < n; i++) {
            refs[i] = ref + i;
        }
        if (!xen_backend_grant_check(g->be, g->domid, n, refs, is_write,
                                     status)) {
            /* Cannot tell; refs up to 2^32 at least exist by number. */
            return last > UINT32_MAX ? MEMTX_DECODE_ERROR : MEMTX_OK;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (status[i] != GNTST_okay) {
                return xen_gntst_to_memtx(status[i]);
            }
        }
        ref += n;
        checked += n;
    }
    return MEMTX_OK;
}

static void xen_grant_describe(void *opaque, GString *buf)
{
    XenGrantRegion *g = opaque;
    XenGrantStats st;

    xen_grant_region_get_stats(&g->mr, &st);
    g_string_append_printf(buf,
                           "dom%u grants via %s: %" PRIu64 " mapped (%" PRIu64
                           " refs), maps %" PRIu64 ", unmaps %" PRIu64
                           ", copies %" PRIu64 " (%" PRIu64 " segments)",
                           g->domid, xen_backend_name(g->be), st.outstanding,
                           st.refs_mapped, st.maps, st.unmaps, st.copies,
                           st.copy_segments);
    g_string_append_printf(buf, ", cap %" PRIu64 " refs", st.max_mapped_refs);
    if (st.cap_refusals) {
        g_string_append_printf(buf, ", refused at cap %" PRIu64,
                               st.cap_refusals);
    }
    for (int i = 0; i < XEN_GNTST_NR; i++) {
        if (st.failures[i]) {
            g_string_append_printf(buf, ", %s %" PRIu64, xen_gntst_name(-i),
                                   st.failures[i]);
        }
    }
}

static const MemoryRegionOps xen_grant_ops = {
    .map_with_result = xen_grant_map,
    .unmap = xen_grant_unmap,
    .read_buf = xen_grant_read_buf,
    .write_buf = xen_grant_write_buf,
    .access_check = xen_grant_access_check,
    .describe = xen_grant_describe,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static XenGrantRegion *to_grant(MemoryRegion *mr)
{
    if (mr->ops != &xen_grant_ops) {
        memcore_misuse("xen-grant: '%s' is not a grant region",
                       memory_region_name(mr));
    }
    return mr->opaque;
}

MemoryRegion *xen_grant_region_new(XenBackend *be, uint16_t guest_domid,
                                   GError **errp)
{
    XenGrantRegion *g;
    char *name;

    if (!be) {
        memcore_misuse("xen_grant_region_new(): no backend");
    }
    /* DOMID_FIRST_RESERVED and up name no guest. */
    if (guest_domid >= 0x7ff0) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-grant: domid %#x is reserved, not a guest",
                    guest_domid);
        return NULL;
    }
    g = g_new0(XenGrantRegion, 1);
    g->be = be;
    g->domid = guest_domid;
    g_mutex_init(&g->lock);
    g->maps = g_hash_table_new(g_direct_hash, g_direct_equal);
    g->max_mapped_refs = XEN_GRANT_DEFAULT_MAX_MAPPED_REFS;
    name = g_strdup_printf("xen-grants-dom%u", guest_domid);
    memory_region_init_io(&g->mr, NULL, &xen_grant_ops, g, name,
                          XEN_GRANT_REGION_SIZE);
    g_free(name);
    return &g->mr;
}

void xen_grant_region_free(MemoryRegion *mr)
{
    XenGrantRegion *g;

    if (!mr) {
        return;
    }
    g = to_grant(mr);
    memory_region_finalize(mr); /* waits for mappings and caches */
    if (g_hash_table_size(g->maps) != 0) {
        memcore_misuse("xen_grant_region_free(): %u mapping(s) still held "
                       "after every holder went",
                       g_hash_table_size(g->maps));
    }
    g_hash_table_destroy(g->maps);
    g_mutex_clear(&g->lock);
    g_free(g);
}

void xen_grant_region_get_stats(MemoryRegion *mr, XenGrantStats *stats)
{
    XenGrantRegion *g = to_grant(mr);

    g_mutex_lock(&g->lock);
    stats->outstanding = g->stats.outstanding;
    stats->refs_mapped = g->stats.refs_mapped;
    stats->max_mapped_refs = g->max_mapped_refs;
    stats->cap_refusals = g->stats.cap_refusals;
    g_mutex_unlock(&g->lock);
    stats->maps = qatomic_read(&g->stats.maps);
    stats->unmaps = qatomic_read(&g->stats.unmaps);
    stats->copies = qatomic_read(&g->stats.copies);
    stats->copy_segments = qatomic_read(&g->stats.copy_segments);
    for (int i = 0; i < XEN_GNTST_NR; i++) {
        stats->failures[i] = qatomic_read(&g->stats.failures[i]);
    }
}

void xen_grant_region_set_max_mapped_refs(MemoryRegion *mr, uint64_t max)
{
    XenGrantRegion *g = to_grant(mr);

    g_mutex_lock(&g->lock);
    g->max_mapped_refs = max;
    g_mutex_unlock(&g->lock);
}
