/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grant region: a guest's grant references as a map-on-demand
 * MemoryRegion, so that device models reach grant DMA addresses through
 * the ordinary memory API (address_space_map/read/write, ld/st, caches).
 *
 * A Xen guest using grant DMA (Linux's grant-dma-ops) hands its devices
 * addresses of the form
 *
 *     XEN_GRANT_ADDR_OFF | (ref << XEN_PAGE_SHIFT) | offset
 *
 * and grants a buffer of n pages under n consecutive refs. Add the region
 * at XEN_GRANT_ADDR_OFF of the device's AddressSpace; region offset o is
 * then byte (o & 0xfff) of ref (o >> 12). Refs do not fit in more than 32
 * bits, so offsets from 2^44 up decode to nothing.
 *
 * How accesses reach the guest:
 *  - address_space_map() and MemoryRegionCache: the consecutive refs
 *    covering the range are mapped with one batched backend call into one
 *    contiguous host range, read-only unless the caller will write. A map
 *    covers at most XEN_GRANT_MAP_MAX_REFS refs; longer requests are
 *    shortened. If any ref is refused, nothing is mapped and map returns
 *    NULL. address_space_unmap() releases exactly that batch, and only
 *    then may the guest revoke the grants. The refs mapped at once are
 *    capped per region (XEN_GRANT_DEFAULT_MAX_MAPPED_REFS); a map past
 *    the cap is refused in the same way.
 *  - address_space_read/write and ld/st: batched grant copy, split at page
 *    boundaries, with no mapping at all (see docs/devel/xen-grants.rst for
 *    why both exist).
 *  - address_space_access_valid() and address_space_access_check(): every
 *    page of the range is checked with the backend, without mapping or
 *    pinning anything, and the first refused ref's result is returned (as
 *    the access would get it; at most XEN_GRANT_CHECK_MAX_REFS refs are
 *    checked). The answer is a snapshot: the guest may end a grant right
 *    after, so the access itself must still be checked. The libxen
 *    backend cannot check refs (gntdev offers no such query); with it only
 *    refs beyond 32 bits are refused, and granted-ness is learnt from the
 *    access.
 *
 * Results of refused grants (the GNTST code comes from the backend),
 * the same for reads and writes, address_space_map_result() and caches
 * (as an errno, see address_space_cache_init()):
 *  - GNTST_bad_gntref, GNTST_bad_domain, or a ref beyond 32 bits:
 *    MEMTX_DECODE_ERROR, nothing is there;
 *  - GNTST_general_error (wrong domain, not permitted, read-only grant
 *    written, ended access), GNTST_permission_denied, GNTST_bad_page:
 *    MEMTX_ACCESS_ERROR, something is there but not for us;
 *  - any other code: MEMTX_ERROR.
 * A read that fails returns zeroes for the whole access. A write is copied
 * in batches of page segments; a segment that fails is reported, and no
 * later batch is attempted, so some bytes before it may have been written:
 * the caller always learns of it from the result.
 *
 * Threads: every callback may run on any thread at once; see xen-grant.c
 * for the lock rules.
 */
#ifndef HW_XEN_XEN_GRANT_H
#define HW_XEN_XEN_GRANT_H

#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"
#include "hw/xen/xen-backend-ops.h"

/* Where the grant region lives in a device's address space. */
#define XEN_GRANT_ADDR_OFF (1ULL << 63)

/* Size of the region: it covers [XEN_GRANT_ADDR_OFF, 2^64). */
#define XEN_GRANT_REGION_SIZE (1ULL << 63)

/*
 * Most refs one map() maps: 256 pages, 1 MiB. A longer request gets a
 * shorter *plen and the caller maps the rest separately, as with any
 * short address_space_map().
 */
#define XEN_GRANT_MAP_MAX_REFS 256

/*
 * Default cap on the refs one grant region keeps mapped at once, over all
 * its outstanding mappings and caches (xen_grant_region_set_max_mapped_refs()
 * changes it). Each mapped ref can cost the process one host mapping (the
 * emulated hypervisor places every page on its own; gntdev uses one per
 * map), and a process may hold vm.max_map_count of those, 65530 by default,
 * shared with malloc, thread stacks and libraries. Without a cap a guest
 * that points every descriptor at one granted page exhausts them, and then
 * malloc and thread creation fail. 16384 refs (64 MiB) is a quarter of
 * that default, leaving three quarters to the rest of the process and to
 * other regions; it is also half of the refs a guest can grant with Xen's
 * default grant table (32768), and far more than a device's rings and
 * in-flight requests need.
 */
#define XEN_GRANT_DEFAULT_MAX_MAPPED_REFS 16384

/*
 * Most refs address_space_access_valid() has checked for one range of the
 * region (2^20: 4 GiB, far more than a grant table holds); a longer range
 * of granted refs is not vouched for (MEMTX_ERROR).
 */
#define XEN_GRANT_CHECK_MAX_REFS (1u << 20)

/* Page segments per grant-copy batch. */
#define XEN_GRANT_COPY_BATCH 64

/**
 * xen_grant_addr() - the DMA address of byte @offset of grant @ref.
 * @ref: the grant reference.
 * @offset: 0..XEN_PAGE_SIZE-1.
 */
static inline uint64_t xen_grant_addr(uint32_t ref, uint32_t offset)
{
    return XEN_GRANT_ADDR_OFF | ((uint64_t)ref << XEN_PAGE_SHIFT) | offset;
}

/**
 * xen_grant_region_new() - make the grant region of one guest.
 * @be: the backend; it must outlive the region.
 * @guest_domid: the domain whose grants the addresses name.
 * @errp: set on failure (a reserved domid).
 *
 * Add the result at XEN_GRANT_ADDR_OFF with memory_region_add_subregion().
 *
 * Misuse: a NULL @be aborts.
 *
 * Return: the region, or NULL.
 */
MemoryRegion *xen_grant_region_new(XenBackend *be, uint16_t guest_domid,
                                   GError **errp);

/**
 * xen_grant_region_free() - release a region from xen_grant_region_new().
 * @mr: the region, or NULL.
 *
 * Waits until every mapping and cache that still uses the region is
 * released (see memory_region_finalize()).
 *
 * Misuse: @mr still inside a container aborts; remove it first.
 */
void xen_grant_region_free(MemoryRegion *mr);

/**
 * struct XenGrantStats - what a grant region has done.
 * @outstanding: mappings handed out and not yet unmapped.
 * @refs_mapped: refs in those mappings.
 * @maps: successful map() calls.
 * @unmaps: unmap() calls.
 * @copies: read/write calls served by grant copy.
 * @copy_segments: page segments those were split into.
 * @max_mapped_refs: the cap on refs mapped at once (see
 *                   xen_grant_region_set_max_mapped_refs()).
 * @cap_refusals: maps refused because they would have gone over it.
 * @failures: refused maps and failed copy segments, indexed by -GNTST code
 *            (a map counts once, under its first failing ref's code).
 *            Refs beyond 32 bits count as GNTST_bad_gntref; index 0
 *            (GNTST_okay) counts codes outside Xen's known range.
 */
typedef struct XenGrantStats {
    uint64_t outstanding;
    uint64_t refs_mapped;
    uint64_t maps;
    uint64_t unmaps;
    uint64_t copies;
    uint64_t copy_segments;
    uint64_t max_mapped_refs;
    uint64_t cap_refusals;
    uint64_t failures[XEN_GNTST_NR];
} XenGrantStats;

/**
 * xen_grant_region_get_stats() - read the counters of @mr.
 * @mr: a region from xen_grant_region_new().
 * @stats: filled in.
 *
 * The same counters appear on the region's line in mtree dumps.
 *
 * Misuse: a region not made by xen_grant_region_new() aborts.
 */
void xen_grant_region_get_stats(MemoryRegion *mr, XenGrantStats *stats);

/**
 * xen_grant_region_set_max_mapped_refs() - cap the refs mapped at once.
 * @mr: a region from xen_grant_region_new().
 * @max: the most refs the region's outstanding mappings and caches may
 *       cover together; XEN_GRANT_DEFAULT_MAX_MAPPED_REFS until set. 0
 *       refuses every map, leaving reads and writes to grant copy.
 *
 * A map that would take the region over @max is refused as a denied
 * grant would be: address_space_map() returns NULL with *plen = 0, and a
 * MemoryRegionCache fails to initialise. Nothing is mapped and the
 * backend is not called. The refusal is counted in
 * XenGrantStats.cap_refusals and in the region's mtree note, and the
 * first one is logged. Unmapping gives the room back. Reads and writes
 * (grant copy) map nothing and are not affected.
 *
 * May be called at any time, from any thread. Lowering @max below what
 * is mapped now unmaps nothing: new maps are refused until enough are
 * released. Set it well below the host's vm.max_map_count, less what the
 * rest of the process needs.
 *
 * Misuse: a region not made by xen_grant_region_new() aborts.
 */
void xen_grant_region_set_max_mapped_refs(MemoryRegion *mr, uint64_t max);

#endif /* HW_XEN_XEN_GRANT_H */
