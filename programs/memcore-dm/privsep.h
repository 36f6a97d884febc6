/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropping privileges once memcore-dm is set up, as libxl has QEMU do for
 * a deprivileged device model: -chroot DIR, then -runas USER[:GROUP].
 *
 * Names are looked up in the files /etc/passwd and /etc/group directly
 * (fgetpwent, fgetgrent), never through NSS, so that the static build
 * resolves them too; numbers are taken as they are.
 */
#ifndef SYSTEM_DM_PRIVSEP_H
#define SYSTEM_DM_PRIVSEP_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>

typedef struct DmRunAs {
    uid_t uid;
    gid_t gid;
} DmRunAs;

/**
 * dm_parse_runas() - resolve "USER", "USER:GROUP", "UID" or "UID:GID".
 * @spec: what -runas got.
 * @out: the ids. Without a group, the user's primary group.
 * @errp: a one-line message naming what is wrong.
 *
 * Root (uid 0 or gid 0) is refused: the point is to stop being root.
 */
bool dm_parse_runas(const char *spec, DmRunAs *out, GError **errp);

/**
 * dm_drop_privileges() - chroot (if @chroot_dir), then become @runas.
 * @chroot_dir: NULL, or a directory to confine the process to.
 * @runas: NULL, or the ids to take (supplementary groups are cleared).
 * @errp: the failing step and the reason.
 *
 * Open descriptors (the Xen devices) stay usable. Afterwards it checks
 * that root cannot be regained (setuid(0) must fail).
 */
bool dm_drop_privileges(const char *chroot_dir, const DmRunAs *runas,
                        GError **errp);

#endif /* SYSTEM_DM_PRIVSEP_H */
