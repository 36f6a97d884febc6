/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -runas and -chroot (see privsep.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep.h"

#define DM_ERROR g_quark_from_static_string("memcore-dm-privsep")

/* A decimal id, or -1. */
static long parse_id(const char *s)
{
    char *end;
    long v;

    if (!g_ascii_isdigit(s[0])) {
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    return errno || *end || v > 0x7fffffff ? -1 : v;
}

static bool lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
    FILE *f = fopen("/etc/passwd", "re");
    struct passwd *pw;
    bool found = false;

    if (!f) {
        return false;
    }
    while (!found && (pw = fgetpwent(f))) {
        if (!strcmp(pw->pw_name, name)) {
            *uid = pw->pw_uid;
            *gid = pw->pw_gid;
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool lookup_group(const char *name, gid_t *gid)
{
    FILE *f = fopen("/etc/group", "re");
    struct group *gr;
    bool found = false;

    if (!f) {
        return false;
    }
    while (!found && (gr = fgetgrent(f))) {
        if (!strcmp(gr->gr_name, name)) {
            *gid = gr->gr_gid;
            found = true;
        }
    }
    fclose(f);
    return found;
}

bool dm_parse_runas(const char *spec, DmRunAs *out, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
    long id;

    if (!parts[0] || !parts[0][0] || (parts[1] && !parts[1][0])) {
        g_set_error(errp, DM_ERROR, 0,
                    "-runas: expected USER[:GROUP] or "
                    "UID[:GID], got '%s'",
                    spec);
        return false;
    }
    id = parse_id(parts[0]);
    if (id >= 0) {
        out->uid = id;
        out->gid = id; /* UID alone: the group of the same number */
    } else if (!lookup_user(parts[0], &out->uid, &out->gid)) {
        g_set_error(errp, DM_ERROR, 0, "-runas: no user '%s' in /etc/passwd",
                    parts[0]);
        return false;
    }
    if (parts[1]) {
        id = parse_id(parts[1]);
        if (id >= 0) {
            out->gid = id;
        } else if (!lookup_group(parts[1], &out->gid)) {
            g_set_error(errp, DM_ERROR, 0,
                        "-runas: no group '%s' in "
                        "/etc/group",
                        parts[1]);
            return false;
        }
    }
    if (out->uid == 0 || out->gid == 0) {
        g_set_error(errp, DM_ERROR, 0,
                    "-runas: '%s' is root; give an "
                    "unprivileged user",
                    spec);
        return false;
    }
    return true;
}

static bool fail(GError **errp, const char *step)
{
    int e = errno;

    g_set_error(errp, DM_ERROR, e, "dropping privileges: %s: %s", step,
                g_strerror(e));
    return false;
}

bool dm_drop_privileges(const char *chroot_dir, const DmRunAs *runas,
                        GError **errp)
{
    if (chroot_dir && (chroot(chroot_dir) || chdir("/"))) {
        return fail(errp, "chroot");
    }
    if (!runas) {
        return true;
    }
    /* Groups first: once the uid is gone, they cannot be changed. */
    if (setgroups(0, NULL)) {
        return fail(errp, "setgroups");
    }
    if (setresgid(runas->gid, runas->gid, runas->gid)) {
        return fail(errp, "setresgid");
    }
    if (setresuid(runas->uid, runas->uid, runas->uid)) {
        return fail(errp, "setresuid");
    }
    if (setuid(0) == 0 || geteuid() != runas->uid) {
        errno = EPERM;
        return fail(errp, "root could be regained");
    }
    return true;
}
