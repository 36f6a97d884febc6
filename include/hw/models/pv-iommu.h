/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A model of the Xen PV-IOMMU interface (draft B, 2015): an emulator in a
 * privileged domain asks Xen to map other domains' frames at bus frame
 * numbers (BFNs) of its own choosing, and its devices DMA at BFNs.
 *
 * What it models:
 *  - machine memory: every domain's RAM sits at machine frames
 *    [mfn_base, mfn_base + nr_pages); a domain's P2M maps gfn to
 *    mfn_base + gfn, unless the gfn is ballooned out;
 *  - the M2B: machine frame -> (BFN, domid, ioserver) entries. Each new
 *    entry takes a reference on the frame; an identical request adds
 *    nothing. A referenced frame is never given back to the allocator;
 *  - the BFN space, as an IOMMU region: translate() of a BFN address
 *    reaches the machine frame with the mapping's permission, and IOMMU
 *    notifiers hear every map, unmap and swap;
 *  - ballooning out: the P2M entry goes at once, but BFN mappings are not
 *    torn down (a guest could otherwise fault the emulator's DMA on
 *    purpose). Each ioserver with an entry for the frame gets an
 *    invalidation (IOREQ_TYPE_INVALIDATE) with the BFN, and must unmap
 *    it; only then is the frame freed and scrubbed. With IOMMUOP_swap_mfn
 *    (and an IOMMU) the BFN is instead pointed at a scratch page and the
 *    reference dropped at once;
 *  - without an IOMMU (@no_iommu) the only bus address of a frame is its
 *    MFN: map and lookup return the MFN as the BFN.
 *
 * Errors are the draft's: -EPERM (the calling domain itself, DOMID_SELF,
 * or no privilege over the domain), -EACCES (the BFN is in a reserved
 * RMRR range), -ENODEV (unknown ioserver), -ENXIO (unknown domain, or a
 * gfn it does not have), -ENOSPC (a page order above what is supported),
 * -EIO (the IOMMU refuses: the BFN is beyond its width or already maps
 * something else). Flags with reserved bits, or neither readable nor
 * writeable, are -EINVAL.
 *
 * Lock rules: op_lock serializes operations and is held while IOMMU
 * notifiers and invalidation callbacks run, so they see operations in
 * order; they must not call pv_iommu_*() operations back. The tables are
 * under a separate leaf lock, the only one translate() takes, so a
 * notifier may DMA through the BFN space.
 */
#ifndef HW_IOMMU_PV_IOMMU_H
#define HW_IOMMU_PV_IOMMU_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"

/* Flags of map_foreign_page (bits 3-9 reserved). */
#define PV_IOMMU_READABLE (1u << 0)
#define PV_IOMMU_WRITEABLE (1u << 1)
#define PV_IOMMU_SWAP_MFN (1u << 2)
#define PV_IOMMU_ORDER_SHIFT 10
#define PV_IOMMU_ORDER_MASK (0x3fu << PV_IOMMU_ORDER_SHIFT)
#define PV_IOMMU_RSVD_FLAGS (0x7fu << 3)

#define PV_IOMMU_DOMID_SELF 0x7ff0

typedef struct PVIOMMU PVIOMMU;

/**
 * typedef PVIOMMUInvalidateFn - an ioserver hears that a BFN went stale.
 * @opaque: as registered.
 * @ioserver: the ioserver.
 * @bfn: the BFN whose frame was ballooned out; unmap it.
 *
 * Runs with op_lock held: record the BFN, unmap it afterwards.
 */
typedef void PVIOMMUInvalidateFn(void *opaque, uint32_t ioserver,
                                 uint64_t bfn);

/**
 * struct PVIOMMUConfig - the calling domain and the IOMMU; zero = default.
 * @self_domid: the domain the emulator runs in (mapping it is -EPERM).
 * @unprivileged: the caller controls only domains it was given with
 *                pv_iommu_allow_domain(); otherwise (a hardware
 *                domain) every other domain.
 * @no_iommu: no IOMMU: the BFN of a frame is its MFN.
 * @nr_bfns: BFNs the IOMMU can map; default 2^20 (4 GiB).
 * @max_order: largest page order supported; default 0 (4 KiB only).
 */
typedef struct PVIOMMUConfig {
    uint16_t self_domid;
    bool unprivileged;
    bool no_iommu;
    uint64_t nr_bfns;
    unsigned max_order;
} PVIOMMUConfig;

/**
 * struct PVIOMMUStats - counters.
 * @m2b_entries: M2B entries now.
 * @frame_refs: references they hold on frames now.
 * @frames_freed: ballooned-out frames given back (and scrubbed).
 * @invalidations: invalidation callbacks made.
 * @swaps: BFNs pointed at the scratch page.
 */
typedef struct PVIOMMUStats {
    uint64_t m2b_entries;
    uint64_t frame_refs;
    uint64_t frames_freed;
    uint64_t invalidations;
    uint64_t swaps;
} PVIOMMUStats;

/**
 * pv_iommu_new() - an IOMMU with no domains; NULL and @errp on error.
 * @cfg: the machine's shape (domains are added later).
 * @errp: where to put the error.
 */
PVIOMMU *pv_iommu_new(const PVIOMMUConfig *cfg, GError **errp);

/**
 * pv_iommu_free() - destroy it.
 * @p: the model, or NULL.
 *
 * Misuse: notifiers still registered on its region, or its region still
 * inside a container, abort.
 */
void pv_iommu_free(PVIOMMU *p);

/**
 * pv_iommu_add_domain() - create a guest domain with @nr_pages of RAM.
 * @p: the model.
 * @domid: 1..0x7fef, not in use.
 * @nr_pages: frames of RAM, nonzero.
 * @errp: set on failure.
 *
 * Return: 0 or a negative errno.
 */
int pv_iommu_add_domain(PVIOMMU *p, uint16_t domid, uint64_t nr_pages,
                        GError **errp);

/**
 * pv_iommu_domain_ram() - the guest's own view of its RAM, or NULL.
 * @p: the PV-IOMMU.
 * @domid: the guest.
 */
void *pv_iommu_domain_ram(PVIOMMU *p, uint16_t domid);

/**
 * pv_iommu_domain_mfn() - the machine frame of @gfn (ballooned or not).
 * @p: the PV-IOMMU.
 * @domid: the guest.
 * @gfn: a frame number in the guest's physical space.
 */
uint64_t pv_iommu_domain_mfn(PVIOMMU *p, uint16_t domid, uint64_t gfn);

/**
 * pv_iommu_allow_domain() - give an unprivileged caller @domid.
 * @p: the PV-IOMMU.
 * @domid: the domain it may now act on.
 */
void pv_iommu_allow_domain(PVIOMMU *p, uint16_t domid);

/**
 * pv_iommu_add_ioserver() - register an IOREQ server of the caller.
 * @p: the model.
 * @id: its id, not in use.
 * @fn: its invalidation callback, or NULL.
 * @opaque: passed to @fn.
 *
 * Return: 0 or -EEXIST.
 */
int pv_iommu_add_ioserver(PVIOMMU *p, uint32_t id, PVIOMMUInvalidateFn *fn,
                          void *opaque);

/**
 * pv_iommu_add_reserved() - mark BFNs as an RMRR region: -EACCES there.
 * @p: the PV-IOMMU.
 * @first_bfn: the first reserved bus frame.
 * @nr: how many frames.
 */
void pv_iommu_add_reserved(PVIOMMU *p, uint64_t first_bfn, uint64_t nr);

/**
 * pv_iommu_map_foreign_page() - IOMMUOP_map_foreign_page.
 * @p: the model.
 * @domid: the domain whose @gfn to map.
 * @gfn: the guest frame.
 * @bfn: the bus frame wanted (ignored with @no_iommu).
 * @flags: PV_IOMMU_* flags, page order in bits 10-15.
 * @ioserver: the ioserver the mapping is for.
 * @bfn_out: if not NULL, receives the BFN (the MFN with @no_iommu).
 *
 * Return: 0 or a negative errno (see the top of this file).
 */
int pv_iommu_map_foreign_page(PVIOMMU *p, uint16_t domid, uint64_t gfn,
                              uint64_t bfn, unsigned flags, uint32_t ioserver,
                              uint64_t *bfn_out);

/**
 * pv_iommu_lookup_foreign_page() - IOMMU_lookup_foreign_page.
 * @p: the model.
 * @domid: the domain.
 * @gfn: its frame.
 * @ioserver: the ioserver registering interest.
 * @bfn_out: receives the BFN: the one @ioserver mapped it at, else the
 *           1:1 BFN (the MFN), which a hardware domain's IOMMU maps.
 *
 * Like a map, a new lookup adds an M2B entry and a frame reference.
 *
 * Return: 0 or a negative errno.
 */
int pv_iommu_lookup_foreign_page(PVIOMMU *p, uint16_t domid, uint64_t gfn,
                                 uint32_t ioserver, uint64_t *bfn_out);

/**
 * pv_iommu_unmap_foreign_page() - IOMMUOP_unmap_foreign_page.
 * @p: the model.
 * @bfn: the BFN.
 * @ioserver: the ioserver that mapped it.
 *
 * Return: 0; -ENODEV (unknown ioserver); -ENXIO (nothing mapped there);
 * -EPERM (another ioserver's mapping).
 */
int pv_iommu_unmap_foreign_page(PVIOMMU *p, uint64_t bfn, uint32_t ioserver);

/**
 * pv_iommu_balloon_out() - the guest gives @gfn back to Xen.
 * @p: the model.
 * @domid: the domain.
 * @gfn: the frame.
 *
 * Return: 0, -ENXIO (no such domain or frame), -EBUSY (already out).
 */
int pv_iommu_balloon_out(PVIOMMU *p, uint16_t domid, uint64_t gfn);

/**
 * pv_iommu_balloon_in() - the guest gets @gfn back.
 * @p: the model.
 * @domid: the domain.
 * @gfn: the frame.
 *
 * Return: 0, -ENXIO, -EEXIST (it is in), or -EBUSY while its old frame is
 * still referenced by BFN mappings that emulators have not unmapped.
 */
int pv_iommu_balloon_in(PVIOMMU *p, uint16_t domid, uint64_t gfn);

/**
 * pv_iommu_frame_refs() - references on @domid's frame @gfn.
 * @p: the PV-IOMMU.
 * @domid: the guest.
 * @gfn: a frame number in the guest's physical space.
 */
unsigned pv_iommu_frame_refs(PVIOMMU *p, uint16_t domid, uint64_t gfn);

/**
 * pv_iommu_get_stats() - read the counters.
 * @p: the PV-IOMMU.
 * @stats: filled in with a snapshot of the counters.
 */
void pv_iommu_get_stats(PVIOMMU *p, PVIOMMUStats *stats);

/**
 * pv_iommu_bfn_region() - BFN space as an IOMMU region.
 * @p: the model.
 *
 * Region offset bfn << 12 is BFN @bfn; translations target
 * pv_iommu_machine_as(). Put it in devices' DMA address spaces.
 */
IOMMUMemoryRegion *pv_iommu_bfn_region(PVIOMMU *p);

/**
 * pv_iommu_machine_as() - machine memory: every domain's frames.
 * @p: the PV-IOMMU.
 */
AddressSpace *pv_iommu_machine_as(PVIOMMU *p);

#endif /* HW_IOMMU_PV_IOMMU_H */
