/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backend ops on real Xen: libxengnttab (gntdev) and libxenforeignmemory
 * (privcmd). The only file in memcore that calls libxen.
 *
 * libxen's own messages are kept quiet (critical only): a hostile guest
 * handing out bad refs would otherwise flood stderr, and every failure is
 * already reported to the caller and counted by the grant region.
 */
#include <xengnttab.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec/memcore-error.h"
#include "hw/xen/xen-backend-ops.h"

#define GNTDEV_PATH "/dev/xen/gntdev"

typedef struct LibxenBackend {
    XenBackend be;
    xentoollog_logger *logger;
    xengnttab_handle *xgt;
    xenforeignmemory_handle *fmem; /* NULL: no privilege or no privcmd */
    int fmem_errno; /* why fmem is NULL */
} LibxenBackend;

static LibxenBackend *to_libxen(XenBackend *be)
{
    return (LibxenBackend *)be;
}

static void fill_status(int16_t *status, uint32_t count, int16_t code)
{
    for (uint32_t i = 0; i < count; i++) {
        status[i] = code;
    }
}

/*
 * gntdev maps all or nothing and turns every grant status into EINVAL,
 * so the per-ref detail is lost: report the batch as a whole.
 */
static void *libxen_grant_map(XenBackend *be, uint16_t domid, uint32_t count,
                              const uint32_t *refs, bool writable,
                              int16_t *status)
{
    LibxenBackend *lb = to_libxen(be);
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *p;

    /* libxengnttab takes a non-const array but only reads it. */
    p = xengnttab_map_domain_grant_refs(lb->xgt, count, domid,
                                        (uint32_t *)refs, prot);
    if (!p) {
        int code = errno == ENOMEM || errno == ENOSPC ? GNTST_no_space :
                                                        GNTST_general_error;

        fill_status(status, count, code);
        return NULL;
    }
    fill_status(status, count, GNTST_okay);
    return p;
}

static int libxen_grant_unmap(XenBackend *be, void *addr, uint32_t count)
{
    return xengnttab_unmap(to_libxen(be)->xgt, addr, count) ? -errno : 0;
}

static void ptr_to_libxen(bool is_gref, const XenGrantCopyPtr *p,
                          union xengnttab_copy_ptr *x)
{
    if (is_gref) {
        x->foreign.ref = p->foreign.ref;
        x->foreign.offset = p->foreign.offset;
        x->foreign.domid = p->foreign.domid;
    } else {
        x->virt = p->virt;
    }
}

static void seg_to_libxen(const XenGrantCopySegment *s,
                          xengnttab_grant_copy_segment_t *x)
{
    memset(x, 0, sizeof(*x));
    ptr_to_libxen(s->flags & GNTCOPY_source_gref, &s->source, &x->source);
    ptr_to_libxen(s->flags & GNTCOPY_dest_gref, &s->dest, &x->dest);
    x->len = s->len;
    x->flags = s->flags;
}

/*
 * The ioctl returns 0 even when segments failed; only the per-segment
 * statuses tell. Every one is checked.
 */
static int libxen_grant_copy(XenBackend *be, uint32_t count,
                             XenGrantCopySegment *segs)
{
    LibxenBackend *lb = to_libxen(be);
    g_autofree xengnttab_grant_copy_segment_t *x =
        g_new(xengnttab_grant_copy_segment_t, count);
    int first_error = GNTST_okay;

    for (uint32_t i = 0; i < count; i++) {
        seg_to_libxen(&segs[i], &x[i]);
    }
    if (xengnttab_grant_copy(lb->xgt, count, x) < 0) {
        for (uint32_t i = 0; i < count; i++) {
            segs[i].status = GNTST_general_error;
        }
        return GNTST_general_error;
    }
    for (uint32_t i = 0; i < count; i++) {
        segs[i].status = x[i].status;
        if (x[i].status != GNTST_okay && first_error == GNTST_okay) {
            first_error = x[i].status;
        }
    }
    return first_error;
}

static void *libxen_foreign_map(XenBackend *be, uint16_t domid, bool writable,
                                size_t count, const uint64_t *gfns, int *err)
{
    LibxenBackend *lb = to_libxen(be);
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    g_autofree xen_pfn_t *pfns = NULL;

    if (!lb->fmem) {
        errno = lb->fmem_errno;
        return NULL;
    }
    pfns = g_new(xen_pfn_t, count);
    for (size_t i = 0; i < count; i++) {
        pfns[i] = gfns[i];
    }
    return xenforeignmemory_map(lb->fmem, domid, prot, count, pfns, err);
}

static int libxen_foreign_unmap(XenBackend *be, void *addr, size_t count)
{
    LibxenBackend *lb = to_libxen(be);

    if (!lb->fmem) {
        return -EINVAL;
    }
    return xenforeignmemory_unmap(lb->fmem, addr, count) ? -errno : 0;
}

static int libxen_restrict(XenBackend *be, uint16_t domid)
{
    LibxenBackend *lb = to_libxen(be);

    if (!lb->fmem) {
        return -ENODEV;
    }
    return xenforeignmemory_restrict(lb->fmem, domid) ? -errno : 0;
}

static void libxen_close(XenBackend *be)
{
    LibxenBackend *lb = to_libxen(be);

    /* Closing the handles releases mappings the caller still held. */
    if (lb->fmem) {
        xenforeignmemory_close(lb->fmem);
    }
    if (lb->xgt) {
        xengnttab_close(lb->xgt);
    }
    if (lb->logger) {
        xtl_logger_destroy(lb->logger);
    }
    g_free(lb);
}

static const XenBackendOps libxen_backend_ops = {
    .name = "libxen",
    .close = libxen_close,
    .grant_map = libxen_grant_map,
    .grant_unmap = libxen_grant_unmap,
    .grant_copy = libxen_grant_copy,
    .foreign_map = libxen_foreign_map,
    .foreign_unmap = libxen_foreign_unmap,
    .restrict_to = libxen_restrict,
};

/*
 * Probe gntdev ourselves first: it gives the caller the real reason
 * (usually ENOENT: not running on Xen) in one clear message, instead of
 * libxen's log line and a bare errno.
 */
static bool probe_gntdev(GError **errp)
{
    int fd = open(GNTDEV_PATH, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_UNAVAILABLE,
                    "no Xen: " GNTDEV_PATH ": %s", g_strerror(errno));
        return false;
    }
    close(fd);
    return true;
}

XenBackend *xen_backend_open_libxen(GError **errp)
{
    LibxenBackend *lb;

    if (!probe_gntdev(errp)) {
        return NULL;
    }
    lb = g_new0(LibxenBackend, 1);
    lb->be.ops = &libxen_backend_ops;
    lb->logger = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    lb->xgt = xengnttab_open(lb->logger, 0);
    if (!lb->xgt) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_UNAVAILABLE,
                    "no Xen: " GNTDEV_PATH ": xengnttab_open: %s",
                    g_strerror(errno));
        libxen_close(&lb->be);
        return NULL;
    }
    lb->fmem = xenforeignmemory_open(lb->logger, 0);
    if (!lb->fmem) {
        lb->fmem_errno = errno ? errno : EPERM;
    }
    return &lb->be;
}
