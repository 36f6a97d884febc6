/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm as the device model of a real Xen guest: the lifecycle
 * around the ioreq server (docs/devel/xen-dm.rst).
 */
#ifndef SYSTEM_DM_XEN_SERVE_H
#define SYSTEM_DM_XEN_SERVE_H

#include "machine.h"
#include "options.h"

/**
 * dm_xen_serve_block_signals() - block SIGTERM, SIGINT and SIGHUP.
 *
 * Call before the machine starts any thread (liburcu's, glib's): threads
 * inherit the mask, so that the signals reach dm_xen_serve()'s signalfd
 * instead of killing the process through a thread that did not block them.
 *
 * Return: false if the mask could not be changed.
 */
bool dm_xen_serve_block_signals(void);

/**
 * dm_xen_serve() - serve the guest until it dies or we are told to stop.
 * @m: the machine, built with -accel xen,domid=N.
 * @opts: -xen-domid-restrict, -runas, -chroot.
 *
 * Creates and enables the ioreq server, restricts every handle to the
 * guest (and checks that another domain's memory is refused), drops
 * privileges, prints "memcore-dm: serving domain N ..." on stderr, and
 * serves. The guest's death (@releaseDomain, or a device-model op failing
 * with ESRCH) and SIGTERM, SIGINT or SIGHUP end it: the server is
 * destroyed and everything unmapped before returning.
 *
 * Return: the exit status: 0 after a normal end, 1 when setup or the
 * event channel failed.
 */
int dm_xen_serve(DmMachine *m, const DmOptions *opts);

#endif /* SYSTEM_DM_XEN_SERVE_H */
