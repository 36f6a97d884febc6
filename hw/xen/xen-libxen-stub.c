/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-in for the libxen backend in builds without libxen (configure
 * --disable-xen, or no libxen-dev found), so that callers link either way
 * and learn at run time why there is no Xen.
 */
#include "exec/memcore-error.h"
#include "hw/xen/xen-backend-ops.h"

XenBackend *xen_backend_open_libxen(GError **errp)
{
    g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_UNAVAILABLE,
                "no Xen: memcore was built without libxen "
                "(install libxen-dev and configure --enable-xen)");
    return NULL;
}
