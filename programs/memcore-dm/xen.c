/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's Xen accelerators.
 *
 * xen-emu: an emulated hypervisor with one guest domain whose RAM is the
 * machine's RAM. memcore-dm acts as the backend in domain 0, and the
 * qtest extensions and the demo play the guest's grant calls.
 *
 * xen: real Xen. memcore-dm is a device model in dom0 for domain N: guest
 * RAM comes through the foreign-memory mapcache, grant addresses through
 * libxengnttab. The guest's grants are the guest's business, so the
 * grant-making calls answer -ENOTSUP.
 */
#include <errno.h>

#include "hw/xen/xen-backend-ops.h"
#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-mapcache.h"
#include "xen.h"

/* The backend runs in the privileged domain, as QEMU does in dom0. */
#define DM_BACKEND_DOMID 0

struct DmXen {
    DmAccelType type;
    uint16_t domid; /* the guest */
    XenEmu *emu; /* xen-emu */
    XenEmuDomain *dom; /* xen-emu */
    XenBackend *be;
    MemoryRegion *mapcache; /* xen: guest RAM, a mapcache region */
    MemoryRegion *grants;
};

static bool start_emu(DmXen *x, uint64_t ram_size, GError **errp)
{
    x->emu = xen_emu_new(errp);
    if (!x->emu) {
        return false;
    }
    x->dom = xen_emu_domain_new(x->emu, x->domid, ram_size, errp);
    if (!x->dom) {
        return false;
    }
    x->be = xen_emu_backend_open(x->emu, DM_BACKEND_DOMID, errp);
    return x->be != NULL;
}

static bool start_libxen(DmXen *x, uint64_t ram_size, GError **errp)
{
    x->be = xen_backend_open_libxen(errp);
    if (!x->be) {
        return false;
    }
    x->mapcache = xen_mapcache_region_new(x->be, x->domid, ram_size,
                                          XEN_MAPCACHE_DEFAULT_BUCKET_SHIFT, 0,
                                          errp);
    return x->mapcache != NULL;
}

DmXen *dm_xen_new(const DmOptions *o, GError **errp)
{
    DmXen *x = g_new0(DmXen, 1);
    GError *err = NULL;
    bool ok;

    x->type = o->accel;
    x->domid = o->domid;
    ok = x->type == DM_ACCEL_XEN_EMU ? start_emu(x, o->ram_size, &err) :
                                       start_libxen(x, o->ram_size, &err);
    if (ok) {
        x->grants = xen_grant_region_new(x->be, x->domid, &err);
    }
    if (!x->grants) {
        g_propagate_prefixed_error(errp, err,
                                   "-accel %s: ", dm_accel_name(x->type));
        dm_xen_free(x);
        return NULL;
    }
    return x;
}

void dm_xen_free(DmXen *x)
{
    if (!x) {
        return;
    }
    /* The machine removed our regions from its tree already. */
    xen_grant_region_free(x->grants);
    xen_mapcache_region_free(x->mapcache);
    xen_backend_close(x->be);
    xen_emu_free(x->emu);
    g_free(x);
}

void *dm_xen_guest_ram(DmXen *x)
{
    return x->dom ? xen_emu_domain_ram(x->dom) : NULL;
}

MemoryRegion *dm_xen_ram_region(DmXen *x)
{
    return x->mapcache;
}

MemoryRegion *dm_xen_grant_region(DmXen *x)
{
    return x->grants;
}

bool dm_xen_can_grant(DmXen *x)
{
    return x->dom != NULL;
}

int64_t dm_xen_grant(DmXen *x, uint64_t gfn, unsigned n, bool readonly)
{
    g_autofree uint64_t *gfns = NULL;
    unsigned i;

    if (!x->dom) {
        return -ENOTSUP;
    }
    if (n == 1) {
        return xen_emu_grant_access(x->dom, DM_BACKEND_DOMID, gfn, readonly);
    }
    if (n == 0 || n > XEN_EMU_NR_GRANT_REFS) {
        return -EINVAL;
    }
    gfns = g_new(uint64_t, n);
    for (i = 0; i < n; i++) {
        gfns[i] = gfn + i;
    }
    return xen_emu_grant_access_seq(x->dom, DM_BACKEND_DOMID, gfns, n,
                                    readonly);
}

int dm_xen_end(DmXen *x, uint32_t ref)
{
    return x->dom ? xen_emu_end_access(x->dom, ref) : -ENOTSUP;
}

void dm_xen_grant_stats(DmXen *x, XenGrantStats *stats)
{
    xen_grant_region_get_stats(x->grants, stats);
}

static void format_grant_stats(DmXen *x, GString *out)
{
    XenGrantStats gs;
    int i;

    xen_grant_region_get_stats(x->grants, &gs);
    g_string_append_printf(out,
                           "grant_maps %" PRIu64 "\ngrant_unmaps %" PRIu64
                           "\ngrant_outstanding %" PRIu64
                           "\ngrant_refs_mapped %" PRIu64
                           "\ngrant_copies %" PRIu64
                           "\ngrant_copy_segments %" PRIu64 "\n",
                           gs.maps, gs.unmaps, gs.outstanding, gs.refs_mapped,
                           gs.copies, gs.copy_segments);
    for (i = 1; i < XEN_GNTST_NR; i++) {
        if (gs.failures[i]) {
            g_string_append_printf(out, "grant_failures_%s %" PRIu64 "\n",
                                   xen_gntst_name(-i), gs.failures[i]);
        }
    }
}

void dm_xen_format_stats(DmXen *x, GString *out)
{
    XenEmuStats es;

    format_grant_stats(x, out);
    if (!x->emu) {
        return;
    }
    xen_emu_get_stats(x->emu, &es);
    g_string_append_printf(out,
                           "hv_grant_maps %" PRIu64
                           "\nhv_grant_map_failures %" PRIu64
                           "\nhv_grant_unmaps %" PRIu64
                           "\nhv_refs_mapped %" PRIu64
                           "\nhv_copy_segments %" PRIu64 "\n",
                           es.grant_maps, es.grant_map_failures,
                           es.grant_unmaps, es.refs_mapped, es.copy_segments);
}

void dm_xen_invalidate(DmXen *x)
{
    if (x->mapcache) {
        xen_mapcache_region_invalidate(x->mapcache);
    }
}

bool dm_xen_restrict(DmXen *x, GError **errp)
{
    int r = xen_backend_restrict(x->be, x->domid);

    if (r) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(-r),
                    "restricting foreign-memory access to domain %u: %s",
                    x->domid, g_strerror(-r));
        return false;
    }
    return true;
}

int dm_xen_probe_foreign_map(DmXen *x, uint16_t domid)
{
    uint64_t gfn = 0;
    int err = 0;
    void *p = xen_backend_foreign_map(x->be, domid, false, 1, &gfn, &err);

    if (!p) {
        return errno ? errno : EIO;
    }
    xen_backend_foreign_unmap(x->be, p, 1);
    return err ? -err : 0;
}

char *dm_xen_describe(DmXen *x)
{
    if (x->emu) {
        return g_strdup_printf("emulated hypervisor, guest domain %u, "
                               "backend in domain %u",
                               x->domid, DM_BACKEND_DOMID);
    }
    return g_strdup_printf("real Xen (%s backend), guest domain %u",
                           xen_backend_name(x->be), x->domid);
}
