/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's ioreq server on real Xen: it makes the guest's accesses to
 * the machine's device ranges trap to us, through libxendevicemodel.
 *
 * Setup, in this order (docs/devel/xen-dm.rst):
 *   1. create the server for the guest (with a buffered ring), map its
 *      pages with xenforeignmemory_map_resource(), bind the buffered
 *      event channel;
 *   2. claim every device range of the machine's AddressSpace (a
 *      MemoryListener: everything but guest RAM and the grant region);
 *   3. enable it and bind one event channel per vCPU.
 * Then the owner polls dm_ioreq_server_fd() and calls
 * dm_ioreq_server_handle_events(). Requests are served by ioreq.c.
 *
 * One thread: everything here is called from the serving loop.
 */
#ifndef SYSTEM_DM_IOREQ_SERVER_H
#define SYSTEM_DM_IOREQ_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "ioreq.h"

typedef struct DmIoreqServer DmIoreqServer;

/**
 * dm_ioreq_server_new() - create, map, claim and enable an ioreq server.
 * @target: where requests go; must outlive the server.
 * @domid: the guest (an HVM or PVH domain, usually still paused).
 * @errp: set with the failing step and the system's reason.
 *
 * Return: the enabled server, or NULL. Without libxendevicemodel in this
 * build, always NULL with a message saying so.
 */
DmIoreqServer *dm_ioreq_server_new(DmIoreqTarget *target, uint16_t domid,
                                   GError **errp);

/** dm_ioreq_server_fd() - poll this for POLLIN. */
int dm_ioreq_server_fd(DmIoreqServer *s);

/**
 * dm_ioreq_server_handle_events() - serve what the pending ports say.
 *
 * Return: false when the event channel device failed (the caller stops).
 */
bool dm_ioreq_server_handle_events(DmIoreqServer *s);

/**
 * dm_ioreq_server_domain_alive() - is the guest still running?
 *
 * Asked through a device-model op about our own server, which a
 * restricted handle may still make: Xen destroys the server when the
 * domain is killed (ENOENT), and the domain is gone after that (ESRCH).
 * A failure for any other reason counts as alive.
 */
bool dm_ioreq_server_domain_alive(DmIoreqServer *s);

/**
 * dm_ioreq_server_restrict() - restrict the server's handles to its guest.
 *
 * xendevicemodel_restrict(), xenforeignmemory_restrict() and
 * xenevtchn_restrict(): from now on these handles reach only @domid.
 *
 * Return: false with @errp set if any of them failed.
 */
bool dm_ioreq_server_restrict(DmIoreqServer *s, GError **errp);

/**
 * dm_ioreq_server_probe_other_domain() - try a device-model op on a
 * domain other than the guest (domain 0), to verify a restriction.
 *
 * Return: 0 if it was allowed, else the errno it failed with (EPERM once
 * restricted).
 */
int dm_ioreq_server_probe_other_domain(DmIoreqServer *s);

/**
 * dm_ioreq_server_inject_msi() - deliver an MSI to the guest.
 * @s: the server.
 * @addr: the MSI address (0xfeeXXXXX: destination in bits 12-19).
 * @data: the MSI data (vector, delivery mode).
 *
 * xendevicemodel_inject_msi(): Xen delivers it to the guest's emulated
 * LAPIC, which HVM and PVH guests both have (a PVH guest has no emulated
 * IOAPIC or PIC, so INTx lines would reach nothing).
 *
 * Return: 0, or the errno of the refusal.
 */
int dm_ioreq_server_inject_msi(DmIoreqServer *s, uint64_t addr, uint32_t data);

/** dm_ioreq_server_nr_vcpus() - vCPUs served. */
unsigned dm_ioreq_server_nr_vcpus(DmIoreqServer *s);

/** dm_ioreq_server_nr_ranges() - MMIO ranges claimed. */
unsigned dm_ioreq_server_nr_ranges(DmIoreqServer *s);

/**
 * dm_ioreq_server_free() - unclaim, disable, destroy, unmap, unbind, close.
 *
 * Works after the guest died too (the hypervisor calls then fail with
 * ESRCH and are ignored): everything of ours is released either way.
 */
void dm_ioreq_server_free(DmIoreqServer *s);

#endif /* SYSTEM_DM_IOREQ_SERVER_H */
