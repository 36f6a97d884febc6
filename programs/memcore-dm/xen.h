/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's Xen accelerators: the emulated hypervisor with one guest
 * domain (-accel xen-emu), or real Xen through libxen (-accel xen).
 *
 * The rest of the program sees only this: where guest RAM lives, the
 * grant region to map at XEN_GRANT_ADDR_OFF, and the guest-side grant
 * operations that the qtest extensions and the demo play.
 */
#ifndef SYSTEM_DM_XEN_H
#define SYSTEM_DM_XEN_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"
#include "hw/xen/xen-grant.h"
#include "options.h"

typedef struct DmXen DmXen;

/**
 * dm_xen_new() - start the accelerator @opts asks for.
 * @opts: -accel and -m.
 * @errp: set when the accelerator cannot start (no Xen, no libxen).
 *
 * Return: the accelerator, or NULL with @errp set. Never called for
 * -accel none.
 */
DmXen *dm_xen_new(const DmOptions *opts, GError **errp);

void dm_xen_free(DmXen *x);

/**
 * dm_xen_guest_ram() - host memory that is the guest's RAM, or NULL.
 *
 * With the emulated hypervisor, guest RAM is the domain's memory, so that
 * a granted frame and the RAM at its guest-physical address are the same
 * bytes. Real Xen: NULL (see dm_xen_ram_region()).
 */
void *dm_xen_guest_ram(DmXen *x);

/**
 * dm_xen_ram_region() - a region serving guest RAM, or NULL.
 *
 * Real Xen: the foreign-memory mapcache over the guest's RAM, from frame
 * 0, -m bytes. The emulated hypervisor: NULL (see dm_xen_guest_ram()).
 */
MemoryRegion *dm_xen_ram_region(DmXen *x);

/**
 * dm_xen_grant_region() - the map-on-demand region covering
 * [XEN_GRANT_ADDR_OFF, 2^64).
 */
MemoryRegion *dm_xen_grant_region(DmXen *x);

/** dm_xen_can_grant() - the guest side is ours to play (xen-emu). */
bool dm_xen_can_grant(DmXen *x);

/**
 * dm_xen_grant() - the guest grants @n frames from @gfn under
 * consecutive refs, read-only if @readonly.
 *
 * Return: the first ref, or a negative errno (-ENOSPC, -EINVAL, -ENOTSUP
 * without the emulated hypervisor).
 */
int64_t dm_xen_grant(DmXen *x, uint64_t gfn, unsigned n, bool readonly);

/**
 * dm_xen_end() - the guest revokes @ref.
 *
 * Return: 0, -EBUSY while the backend still uses it, -EINVAL for a ref
 * that is not granted, -ENOTSUP without the emulated hypervisor.
 */
int dm_xen_end(DmXen *x, uint32_t ref);

/** dm_xen_grant_stats() - the grant region's counters. */
void dm_xen_grant_stats(DmXen *x, XenGrantStats *stats);

/** dm_xen_format_stats() - "name value" lines of hypervisor counters. */
void dm_xen_format_stats(DmXen *x, GString *out);

/**
 * dm_xen_invalidate() - the guest's physmap changed (a balloon-out, an
 * IOREQ_TYPE_INVALIDATE): drop cached guest RAM mappings. Nothing to do
 * with the emulated hypervisor, whose RAM is the machine's.
 */
void dm_xen_invalidate(DmXen *x);

/**
 * dm_xen_restrict() - restrict guest-RAM (foreign) mapping to the guest.
 *
 * Return: false with @errp set when the backend refused.
 */
bool dm_xen_restrict(DmXen *x, GError **errp);

/**
 * dm_xen_probe_foreign_map() - try to map one frame of domain @domid
 * (frame 0), and unmap it at once if that worked.
 *
 * Return: 0 if it mapped, else the errno of the refusal (EPERM once
 * restricted to another domain).
 */
int dm_xen_probe_foreign_map(DmXen *x, uint16_t domid);

/** dm_xen_describe() - one line saying what the accelerator is. */
char *dm_xen_describe(DmXen *x);

#endif /* SYSTEM_DM_XEN_H */
