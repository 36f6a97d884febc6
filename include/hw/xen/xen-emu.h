/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated hypervisor: guest domains, their RAM and v1 grant tables,
 * enforcing what Xen and gntdev enforce, with no Xen anywhere.
 *
 * Two sides use it:
 *  - the guest side (xen_emu_domain_ram(), xen_emu_grant_access(),
 *    xen_emu_end_access(), xen_emu_balloon_out(), the raw grant table)
 *    plays the guest kernel. It only touches shared memory, so it works
 *    from any process forked after the domain was created: a test can run
 *    the guest in a child process;
 *  - the hypervisor side (xen_emu_backend_open() and what the backend does,
 *    xen_emu_poll_invalidate()) plays Xen and gntdev. It keeps private
 *    state (pin counts, mappings) and must stay in the process that called
 *    xen_emu_new(); calling it elsewhere aborts.
 *
 * Memory: each domain's RAM is a memfd mapped MAP_SHARED; its grant table
 * and allocation bitmaps are MAP_SHARED anonymous memory. Backend mappings
 * are real mmap()s of the memfd at the granted frames, so host pointers,
 * page granularity and costs are real.
 *
 * Host pages must be 4 KiB (xen_emu_new() fails otherwise).
 *
 * Threads: every function may be called from any thread. Hypervisor-side
 * state is protected by one mutex per XenEmu; grant entries are shared
 * with the guest and only ever updated with atomic compare-and-swap.
 */
#ifndef HW_XEN_XEN_EMU_H
#define HW_XEN_XEN_EMU_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "hw/xen/xen-abi.h"
#include "hw/xen/xen-backend-ops.h"

typedef struct XenEmu XenEmu;
typedef struct XenEmuDomain XenEmuDomain;

/* Grant refs per domain: Xen's default of 32 v1 grant frames. */
#define XEN_EMU_NR_GRANT_REFS 32768

/* Highest domid a domain may have (DOMID_FIRST_RESERVED - 1). */
#define XEN_EMU_DOMID_MAX 0x7fef

/**
 * xen_emu_new() - create an emulated hypervisor with no domains.
 * @errp: set on failure (host page size is not 4 KiB).
 *
 * The calling process becomes the hypervisor process.
 *
 * Return: the hypervisor, or NULL.
 */
XenEmu *xen_emu_new(GError **errp);

/**
 * xen_emu_free() - destroy the hypervisor and every domain.
 * @emu: the hypervisor, or NULL.
 *
 * Misuse: backends still open on @emu abort.
 */
void xen_emu_free(XenEmu *emu);

/**
 * xen_emu_domain_new() - create a guest domain.
 * @emu: the hypervisor.
 * @domid: 1..XEN_EMU_DOMID_MAX, not in use yet.
 * @ram_bytes: a nonzero multiple of XEN_PAGE_SIZE.
 * @errp: set on failure.
 *
 * The RAM starts zeroed; the grant table has XEN_EMU_NR_GRANT_REFS empty
 * entries. Domain 0 is the (implicit) privileged domain and cannot be
 * created: it exists only as a backend's @self_domid.
 *
 * Return: the domain, owned by @emu, or NULL.
 */
XenEmuDomain *xen_emu_domain_new(XenEmu *emu, uint16_t domid,
                                 uint64_t ram_bytes, GError **errp);

/**
 * xen_emu_domain_lookup() - the domain with @domid, or NULL.
 * @emu: the emulated hypervisor.
 * @domid: the domain's id.
 */
XenEmuDomain *xen_emu_domain_lookup(XenEmu *emu, uint16_t domid);

/**
 * xen_emu_domain_id() - the domain's domid.
 * @dom: the domain.
 */
uint16_t xen_emu_domain_id(XenEmuDomain *dom);

/**
 * xen_emu_domain_ram() - the guest's own view of its RAM.
 * @dom: the domain.
 *
 * Guest frame n is at offset n * XEN_PAGE_SIZE. The mapping is shared, so
 * a forked child writing here is seen by backends in the parent.
 */
void *xen_emu_domain_ram(XenEmuDomain *dom);

/**
 * xen_emu_domain_ram_size() - bytes of RAM the domain was created with.
 * @dom: the domain.
 */
uint64_t xen_emu_domain_ram_size(XenEmuDomain *dom);

/**
 * xen_emu_domain_grant_table() - the raw grant table, as the guest sees it.
 * @dom: the domain.
 * @nr_refs: if not NULL, receives the number of entries.
 *
 * For tests that play a hostile or unusual guest (transitive or sub-page
 * entries, changing an entry while it is mapped). Entries written here
 * must follow Xen's rules: write @domid and @frame, then a release
 * barrier, then @flags. Refs written here directly are not known to the
 * ref allocator, so use refs that xen_emu_grant_access() handed out.
 */
XenGrantEntryV1 *xen_emu_domain_grant_table(XenEmuDomain *dom,
                                            uint32_t *nr_refs);

/**
 * xen_emu_grant_access() - grant @backend_domid access to one frame.
 * @dom: the granting domain.
 * @backend_domid: the domain allowed to map or copy it.
 * @gfn: the frame. It is not checked here, as Xen does not check it at
 *       grant time: a frame the domain lacks fails when used
 *       (GNTST_bad_page).
 * @readonly: forbid writable maps and copies into the frame.
 *
 * Return: the ref (>= XEN_GRANT_FIRST_FREE_REF), -ENOSPC when the table is
 * full, or -EINVAL for a @gfn that does not fit an entry's 32-bit frame.
 */
int64_t xen_emu_grant_access(XenEmuDomain *dom, uint16_t backend_domid,
                             uint64_t gfn, bool readonly);

/**
 * xen_emu_grant_access_seq() - grant @n frames under consecutive refs.
 * @dom: the granting domain.
 * @backend_domid: the domain allowed to use them.
 * @gfns: @n frames; ref first+i grants @gfns[i].
 * @n: 1..XEN_EMU_NR_GRANT_REFS.
 * @readonly: as for xen_emu_grant_access().
 *
 * This is how Linux's grant DMA ops allocate a multi-page buffer, so that
 * one grant address range covers it.
 *
 * Return: the first ref, or a negative errno (-ENOSPC: no run of @n free
 * refs; -EINVAL: bad @n or frame).
 */
int64_t xen_emu_grant_access_seq(XenEmuDomain *dom, uint16_t backend_domid,
                                 const uint64_t *gfns, unsigned n,
                                 bool readonly);

/**
 * xen_emu_end_access() - revoke a grant and free its ref.
 * @dom: the granting domain.
 * @ref: a ref handed out by xen_emu_grant_access*().
 *
 * As in Xen's protocol, the entry's flags are swapped to 0 only while
 * neither GTF_reading nor GTF_writing is set, that is while no backend
 * has it mapped or is copying through it.
 *
 * Return: 0; -EBUSY while the grant is in use (nothing changes, retry
 * after the backend unmaps); -EINVAL for a ref that is reserved, out of
 * range or not allocated (ending twice).
 */
int xen_emu_end_access(XenEmuDomain *dom, uint32_t ref);

/**
 * xen_emu_balloon_out() - the guest gives frame @gfn back to Xen.
 * @dom: the domain.
 * @gfn: a frame below the RAM size.
 *
 * The frame disappears from the domain's physmap: new foreign maps of it
 * fail with -EINVAL per page, new grant maps and copies of it with
 * GNTST_bad_page. Mappings made before stay valid for their holder until
 * unmapped, as in Xen where the holder's page reference keeps the frame
 * alive (here its contents are simply not discarded). Then, as Xen sends
 * IOREQ_TYPE_INVALIDATE, invalidate notifiers run: at once when called in
 * the hypervisor process, else at its next xen_emu_poll_invalidate().
 *
 * Return: 0; -EINVAL for a frame beyond RAM; -ENOENT if already out.
 */
int xen_emu_balloon_out(XenEmuDomain *dom, uint64_t gfn);

/**
 * xen_emu_balloon_in() - the guest takes frame @gfn back from Xen.
 * @dom: the domain.
 * @gfn: a frame below the RAM size, ballooned out before.
 *
 * The frame is present again and zeroed, like a freshly populated page.
 * As on Xen, no invalidation is sent: caches that failed on the frame
 * must retry by themselves. (Unlike Xen, a holder of a mapping made before
 * the frame went out sees the zeroes too: here it is the same page.)
 *
 * Return: 0; -EINVAL for a frame beyond RAM; -ENOENT if it is present.
 */
int xen_emu_balloon_in(XenEmuDomain *dom, uint64_t gfn);

/**
 * typedef XenEmuInvalidateFn - told that a domain ballooned memory out.
 * @opaque: as registered.
 * @domid: the domain.
 *
 * Runs in the hypervisor process with no xen-emu lock held; typically
 * calls xen_mapcache_invalidate(). It may remove its own registration,
 * but no other.
 */
typedef void XenEmuInvalidateFn(void *opaque, uint16_t domid);

/**
 * xen_emu_add_invalidate_notifier() - hear about balloon-outs of @domid.
 * @emu: the hypervisor.
 * @domid: the domain.
 * @fn: the callback.
 * @opaque: passed to @fn; together with @fn it names the registration.
 */
void xen_emu_add_invalidate_notifier(XenEmu *emu, uint16_t domid,
                                     XenEmuInvalidateFn *fn, void *opaque);

/**
 * xen_emu_remove_invalidate_notifier() - undo the registration above.
 * @emu: the emulated hypervisor.
 * @domid: as registered.
 * @fn: as registered.
 * @opaque: as registered.
 */
void xen_emu_remove_invalidate_notifier(XenEmu *emu, uint16_t domid,
                                        XenEmuInvalidateFn *fn, void *opaque);

/**
 * xen_emu_poll_invalidate() - deliver invalidations from other processes.
 * @emu: the hypervisor.
 *
 * A guest running in a forked child cannot call into the parent; its
 * balloon-outs bump a shared counter that this picks up.
 *
 * Return: the number of domains whose notifiers ran.
 */
unsigned xen_emu_poll_invalidate(XenEmu *emu);

/**
 * xen_emu_backend_open() - a backend acting as domain @self_domid.
 * @emu: the hypervisor.
 * @self_domid: the backend's domain: grants must name it. Domain 0 is
 *              privileged and may also map foreign memory; any other
 *              domid is a driver domain, whose foreign maps fail (EPERM).
 * @errp: set on failure.
 *
 * Return: the backend; release it with xen_backend_close().
 */
XenBackend *xen_emu_backend_open(XenEmu *emu, uint16_t self_domid,
                                 GError **errp);

/**
 * struct XenEmuStats - what the hypervisor has seen, for tests and demos.
 * @grant_maps: successful grant map batches.
 * @grant_map_failures: failed grant map batches.
 * @grant_unmaps: grant unmaps.
 * @grant_checks: batches of refs checked without mapping
 *                (xen_backend_grant_check()).
 * @refs_mapped: grant refs mapped right now.
 * @copy_segments: grant-copy segments performed (any status).
 * @foreign_maps: foreign map calls that returned a range.
 * @foreign_unmaps: foreign unmaps.
 * @pages_foreign_mapped: foreign pages mapped right now.
 */
typedef struct XenEmuStats {
    uint64_t grant_maps;
    uint64_t grant_map_failures;
    uint64_t grant_unmaps;
    uint64_t grant_checks;
    uint64_t refs_mapped;
    uint64_t copy_segments;
    uint64_t foreign_maps;
    uint64_t foreign_unmaps;
    uint64_t pages_foreign_mapped;
} XenEmuStats;

/**
 * xen_emu_get_stats() - read the counters.
 * @emu: the emulated hypervisor.
 * @stats: filled in with a snapshot of the counters.
 */
void xen_emu_get_stats(XenEmu *emu, XenEmuStats *stats);

#endif /* HW_XEN_XEN_EMU_H */
