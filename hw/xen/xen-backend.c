/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backend ops: the entry points hw/xen code calls, checking the caller's
 * arguments once so that implementations need not.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/memcore-error.h"
#include "hw/xen/xen-backend-ops.h"

static const char *const gntst_names[XEN_GNTST_NR] = {
    "okay",         "general_error",   "bad_domain",
    "bad_gntref",   "bad_handle",      "bad_virt_addr",
    "bad_dev_addr", "no_device_space", "permission_denied",
    "bad_page",     "bad_copy_arg",    "address_too_big",
    "eagain",       "no_space",
};

const char *xen_gntst_name(int status)
{
    if (status > 0 || status <= -XEN_GNTST_NR) {
        return "unknown";
    }
    return gntst_names[-status];
}

void xen_backend_close(XenBackend *be)
{
    if (be) {
        be->ops->close(be);
    }
}

const char *xen_backend_name(XenBackend *be)
{
    return be->ops->name;
}

void *xen_backend_grant_map(XenBackend *be, uint16_t domid, uint32_t count,
                            const uint32_t *refs, bool writable,
                            int16_t *status)
{
    if (count == 0 || count > XEN_BACKEND_MAX_MAP_REFS) {
        memcore_misuse("%s(): count %u is out of range", __func__, count);
    }
    return be->ops->grant_map(be, domid, count, refs, writable, status);
}

int xen_backend_grant_unmap(XenBackend *be, void *addr, uint32_t count)
{
    return be->ops->grant_unmap(be, addr, count);
}

bool xen_backend_grant_check(XenBackend *be, uint16_t domid, uint32_t count,
                             const uint32_t *refs, bool writable,
                             int16_t *status)
{
    if (count == 0 || count > XEN_BACKEND_MAX_MAP_REFS) {
        memcore_misuse("%s(): count %u is out of range", __func__, count);
    }
    if (!be->ops->grant_check) {
        return false;
    }
    be->ops->grant_check(be, domid, count, refs, writable, status);
    return true;
}

int xen_backend_grant_copy(XenBackend *be, uint32_t count,
                           XenGrantCopySegment *segs)
{
    if (count == 0 || count > XEN_BACKEND_MAX_COPY_SEGS) {
        memcore_misuse("%s(): count %u is out of range", __func__, count);
    }
    return be->ops->grant_copy(be, count, segs);
}

void *xen_backend_foreign_map(XenBackend *be, uint16_t domid, bool writable,
                              size_t count, const uint64_t *gfns, int *err)
{
    if (count == 0) {
        memcore_misuse("%s(): count is 0", __func__);
    }
    return be->ops->foreign_map(be, domid, writable, count, gfns, err);
}

int xen_backend_foreign_unmap(XenBackend *be, void *addr, size_t count)
{
    return be->ops->foreign_unmap(be, addr, count);
}

int xen_backend_restrict(XenBackend *be, uint16_t domid)
{
    return be->ops->restrict_to(be, domid);
}
