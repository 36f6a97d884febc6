/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backend ops: the only way hw/xen code reaches grant tables and foreign
 * memory.
 *
 * A XenBackend is a handle on "what the device model's domain may do to
 * other domains' memory". Two implementations exist:
 *  - xen_backend_open_libxen(): real Xen through libxengnttab and
 *    libxenforeignmemory (/dev/xen/gntdev and /dev/xen/privcmd);
 *  - xen_emu_backend_open(): the emulated hypervisor in "hw/xen/xen-emu.h".
 *
 * Both hand out real host mappings and report per-ref GNTST_* codes where
 * they can (libxengnttab's map cannot: see xen_backend_grant_map()).
 *
 * Threads: every function here may be called from any thread at once; the
 * implementations serialise what needs it.
 */
#ifndef HW_XEN_XEN_BACKEND_OPS_H
#define HW_XEN_XEN_BACKEND_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "hw/xen/xen-abi.h"

typedef struct XenBackend XenBackend;

/*
 * Most refs one xen_backend_grant_map() call may map, and most segments
 * one xen_backend_grant_copy() call may carry. gntdev's default limit is
 * 65536 pages per request; staying well below it keeps the status arrays
 * small enough for the stack.
 */
#define XEN_BACKEND_MAX_MAP_REFS 1024
#define XEN_BACKEND_MAX_COPY_SEGS 1024

/**
 * union XenGrantCopyPtr - one side of a grant-copy segment.
 * @virt: a pointer in the backend's own memory;
 * @foreign: or byte @offset of grant @ref of domain @domid.
 */
typedef union XenGrantCopyPtr {
    void *virt;
    struct {
        uint32_t ref;
        uint16_t offset;
        uint16_t domid;
    } foreign;
} XenGrantCopyPtr;

/**
 * struct XenGrantCopySegment - one piece of a batched grant copy.
 * @source: where the bytes come from: a local pointer (@virt) or, when
 *          @flags has GNTCOPY_source_gref, a grant of another domain.
 * @dest: where they go; a grant when @flags has GNTCOPY_dest_gref.
 * @len: bytes; the grant side must satisfy offset + len <= XEN_PAGE_SIZE.
 * @flags: GNTCOPY_source_gref and/or GNTCOPY_dest_gref.
 * @status: out: GNTST_* for this segment.
 *
 * The layout follows libxengnttab's segment; the libxen backend still
 * converts field by field rather than relying on that.
 */
typedef struct XenGrantCopySegment {
    XenGrantCopyPtr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
} XenGrantCopySegment;

/**
 * struct XenBackendOps - what an implementation provides.
 * @name: "libxen" or "emu", for messages.
 * @close: release everything, including mappings still held.
 * @grant_map: map @count refs of @domid into one contiguous range of
 *             @count pages; fill @status[i] for every ref; all or nothing.
 * @grant_unmap: unmap a range exactly as @grant_map returned it.
 * @grant_check: optional: fill @status[i] with what @grant_map would say
 *               of each ref now, without mapping, pinning or touching the
 *               grant table. NULL when the backend cannot tell (libxen:
 *               gntdev has no such query).
 * @grant_copy: perform every segment, fill every status; return
 *              GNTST_okay only if every segment succeeded, else the first
 *              failing status.
 * @foreign_map: map @count guest frames of @domid into one contiguous
 *               range; @err[i] gets 0 or a negative errno per page. Pages
 *               with an error are left inaccessible.
 * @foreign_unmap: unmap a range exactly as @foreign_map returned it.
 * @restrict_to: from now on, refuse foreign maps of any domain but @domid
 *               (EPERM); return 0 or -errno.
 *
 * Implementations return -errno from the int-valued calls and set errno
 * when a pointer-valued call returns NULL.
 */
typedef struct XenBackendOps {
    const char *name;
    void (*close)(XenBackend *be);
    void *(*grant_map)(XenBackend *be, uint16_t domid, uint32_t count,
                       const uint32_t *refs, bool writable, int16_t *status);
    int (*grant_unmap)(XenBackend *be, void *addr, uint32_t count);
    void (*grant_check)(XenBackend *be, uint16_t domid, uint32_t count,
                        const uint32_t *refs, bool writable, int16_t *status);
    int (*grant_copy)(XenBackend *be, uint32_t count,
                      XenGrantCopySegment *segs);
    void *(*foreign_map)(XenBackend *be, uint16_t domid, bool writable,
                         size_t count, const uint64_t *gfns, int *err);
    int (*foreign_unmap)(XenBackend *be, void *addr, size_t count);
    int (*restrict_to)(XenBackend *be, uint16_t domid);
} XenBackendOps;

/**
 * struct XenBackend - common head of every implementation's handle.
 * @ops: the implementation.
 *
 * Implementations embed it first; users only pass pointers around.
 */
struct XenBackend {
    const XenBackendOps *ops;
};

/**
 * xen_backend_open_libxen() - open real Xen's grant and foreign-memory
 * devices.
 * @errp: set on failure. Without Xen the message starts with
 *        "no Xen: /dev/xen/gntdev: " and the system's reason; in a build
 *        without libxen it says so.
 *
 * The grant device is required. The foreign-memory device is optional
 * (driver domains usually lack the privilege): without it
 * xen_backend_foreign_map() fails, and grants still work.
 *
 * Return: the backend, or NULL.
 */
XenBackend *xen_backend_open_libxen(GError **errp);

/**
 * xen_backend_close() - release a backend and every mapping it still holds.
 * @be: the backend, or NULL.
 *
 * Misuse: closing while another thread uses @be.
 */
void xen_backend_close(XenBackend *be);

/**
 * xen_backend_name() - "libxen" or "emu".
 * @be: the backend.
 */
const char *xen_backend_name(XenBackend *be);

/**
 * xen_backend_grant_map() - map grant refs of one domain, contiguously.
 * @be: the backend.
 * @domid: the granting domain.
 * @count: 1..XEN_BACKEND_MAX_MAP_REFS (misuse aborts).
 * @refs: the refs; they need not be consecutive.
 * @writable: map read-write; otherwise the pages are PROT_READ.
 * @status: out, @count GNTST_* codes. The emulated backend gives the exact
 *          code of every ref. libxengnttab only says that something
 *          failed, so the libxen backend reports GNTST_general_error for
 *          every ref then.
 *
 * All or nothing: if any ref fails, nothing stays mapped.
 *
 * Return: the start of @count pages, or NULL.
 */
void *xen_backend_grant_map(XenBackend *be, uint16_t domid, uint32_t count,
                            const uint32_t *refs, bool writable,
                            int16_t *status);

/**
 * xen_backend_grant_unmap() - release a range from xen_backend_grant_map().
 * @be: the backend.
 * @addr: exactly the pointer the map returned.
 * @count: exactly its @count.
 *
 * Return: 0, or -EINVAL when @addr/@count do not name a live mapping.
 */
int xen_backend_grant_unmap(XenBackend *be, void *addr, uint32_t count);

/**
 * xen_backend_grant_check() - would these refs be mapped, if asked now?
 * @be: the backend.
 * @domid: the granting domain.
 * @count: 1..XEN_BACKEND_MAX_MAP_REFS (misuse aborts).
 * @refs: the refs.
 * @writable: for a writable mapping (or a copy into the grant).
 * @status: out, @count GNTST_* codes, those xen_backend_grant_map() would
 *          give, when the backend can tell.
 *
 * Maps nothing, takes no pin and sets no in-use flag, so the guest stays
 * free to end access at any moment: the answer is only a snapshot. The
 * emulated backend answers exactly. The libxen backend cannot (neither
 * gntdev nor Xen offers a query to a backend domain) and returns false.
 *
 * Return: true with @status filled in, false if the backend cannot tell.
 */
bool xen_backend_grant_check(XenBackend *be, uint16_t domid, uint32_t count,
                             const uint32_t *refs, bool writable,
                             int16_t *status);

/**
 * xen_backend_grant_copy() - run a batch of grant copies.
 * @be: the backend.
 * @count: 1..XEN_BACKEND_MAX_COPY_SEGS (misuse aborts).
 * @segs: the segments; every @status is filled in.
 *
 * Segments are independent: one failing does not stop the others, so a
 * caller that needs all-or-nothing must look at every status (the return
 * value tells whether it needs to).
 *
 * Return: GNTST_okay if every segment succeeded, else the status of the
 * first one that failed.
 */
int xen_backend_grant_copy(XenBackend *be, uint32_t count,
                           XenGrantCopySegment *segs);

/**
 * xen_backend_foreign_map() - map frames of another domain (privileged).
 * @be: the backend.
 * @domid: the domain.
 * @writable: map read-write.
 * @count: number of frames, > 0 (misuse aborts).
 * @gfns: the guest frame numbers.
 * @err: out, @count values: 0 or a negative errno for each page.
 *
 * Per-page failures (a frame the domain does not have) do not fail the
 * call: they show in @err, and those pages are inaccessible in the
 * returned range. The call itself fails when the backend may not map
 * foreign memory at all (EPERM) or has no foreign-memory device.
 *
 * Return: the start of @count pages, or NULL with errno set.
 */
void *xen_backend_foreign_map(XenBackend *be, uint16_t domid, bool writable,
                              size_t count, const uint64_t *gfns, int *err);

/**
 * xen_backend_foreign_unmap() - release a xen_backend_foreign_map() range.
 * @be: the backend.
 * @addr: exactly the pointer the map returned.
 * @count: exactly its @count.
 *
 * Return: 0 or a negative errno.
 */
int xen_backend_foreign_unmap(XenBackend *be, void *addr, size_t count);

/**
 * xen_backend_restrict() - limit foreign-memory access to one domain.
 * @be: the backend.
 * @domid: the only domain xen_backend_foreign_map() may reach from now on.
 *
 * What a deprivileged device model does once set up, as libxl's
 * dm_restrict has QEMU do: with libxen this is xenforeignmemory_restrict()
 * (privcmd refuses every other domain with EPERM, for the life of the
 * handle). Grant maps and copies are not affected: gntdev only reaches
 * grants that were made to this domain. The emulated backend refuses the
 * same way. A restriction cannot be widened: restricting again to another
 * domain fails with -EPERM.
 *
 * Return: 0, or a negative errno (-ENODEV: the backend has no
 * foreign-memory device, so there is nothing to restrict).
 */
int xen_backend_restrict(XenBackend *be, uint16_t domid);

#endif /* HW_XEN_XEN_BACKEND_OPS_H */
