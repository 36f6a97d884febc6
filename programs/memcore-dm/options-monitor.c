/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm command line: the QMP monitor, spelled as QEMU spells it.
 *
 * libqtest starts its binary with
 *   -chardev socket,path=PATH,id=char0 -mon chardev=char0,mode=control
 * and people often write -qmp unix:PATH,server=on,wait=off. Both end up
 * as one socket path and whether to connect to it or listen on it. Only
 * unix sockets, only one monitor, and only QMP (there is no human
 * monitor): anything else is refused by name.
 */
#include <string.h>

#include "options-internal.h"

typedef struct DmChardev {
    char *id;
    char *path;
    bool server;
    bool used;
} DmChardev;

static void chardev_free(gpointer p)
{
    DmChardev *c = p;

    g_free(c->id);
    g_free(c->path);
    g_free(c);
}

/* server, server=on|off, wait=on|off, nowait: true if @p was one. */
static bool socket_prop(const char *opt, const char *p, bool *server,
                        GError **errp, bool *bad)
{
    *bad = false;
    if (!strcmp(p, "server") || !strcmp(p, "server=on")) {
        *server = true;
    } else if (!strcmp(p, "server=off")) {
        *server = false;
    } else if (!strcmp(p, "nowait") || !strcmp(p, "wait=on") ||
               !strcmp(p, "wait=off")) {
        /* Nothing happens before a client talks, so waiting is moot. */
    } else if (g_str_has_prefix(p, "server=") ||
               g_str_has_prefix(p, "wait=")) {
        g_set_error(errp, DM_ERROR, 0, "%s: invalid '%s' (on or off)", opt, p);
        *bad = true;
    } else {
        return false;
    }
    return true;
}

bool dm_opt_chardev(DmOptions *o, const char *opt, const char *arg,
                    GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", 0);
    DmChardev *c;
    unsigned i;
    bool bad;

    if (!parts[0] || strcmp(parts[0], "socket")) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unsupported backend '%s' (only "
                    "socket,id=ID,path=PATH)",
                    opt, parts[0] ? parts[0] : "");
        return false;
    }
    c = g_new0(DmChardev, 1);
    if (!o->chardevs) {
        o->chardevs = g_ptr_array_new_with_free_func(chardev_free);
    }
    g_ptr_array_add(o->chardevs, c);
    for (i = 1; parts[i]; i++) {
        const char *p = parts[i];

        if (g_str_has_prefix(p, "id=") && p[3]) {
            g_free(c->id);
            c->id = g_strdup(p + 3);
        } else if (g_str_has_prefix(p, "path=") && p[5]) {
            g_free(c->path);
            c->path = g_strdup(p + 5);
        } else if (!socket_prop(opt, p, &c->server, errp, &bad)) {
            g_set_error(errp, DM_ERROR, 0,
                        "%s: unknown socket property "
                        "'%s' (id=, path=, server=on|off, wait=on|off)",
                        opt, p);
            return false;
        } else if (bad) {
            return false;
        }
    }
    if (!c->id || !c->path) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: needs id=ID and path=PATH (a "
                    "unix socket)",
                    opt);
        return false;
    }
    for (i = 0; i + 1 < o->chardevs->len; i++) {
        if (!strcmp(((DmChardev *)o->chardevs->pdata[i])->id, c->id)) {
            g_set_error(errp, DM_ERROR, 0, "%s: duplicate id '%s'", opt,
                        c->id);
            return false;
        }
    }
    return true;
}

static bool second_monitor(DmOptions *o, const char *opt, GError **errp)
{
    if (o->mon_chardev || o->qmp_path) {
        g_set_error(errp, DM_ERROR, 0, "%s: only one monitor is supported",
                    opt);
        return true;
    }
    return false;
}

bool dm_opt_mon(DmOptions *o, const char *opt, const char *arg, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", 0);
    const char *id = NULL;
    bool control = false;
    unsigned i;

    for (i = 0; parts[i]; i++) {
        const char *p = parts[i];

        if (g_str_has_prefix(p, "chardev=") && p[8]) {
            id = p + 8;
        } else if (!strcmp(p, "mode=control")) {
            control = true;
        } else if (!strcmp(p, "pretty=on") || !strcmp(p, "pretty=off")) {
            /* Replies are one line either way; clients parse them. */
        } else {
            g_set_error(errp, DM_ERROR, 0,
                        "%s: unsupported property '%s' "
                        "(chardev=ID, mode=control, pretty=on|off)",
                        opt, p);
            return false;
        }
    }
    if (!id) {
        g_set_error(errp, DM_ERROR, 0, "%s: needs chardev=ID", opt);
        return false;
    }
    if (!control) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: needs mode=control: the monitor "
                    "speaks QMP only (there is no human monitor)",
                    opt);
        return false;
    }
    if (second_monitor(o, opt, errp)) {
        return false;
    }
    o->mon_chardev = g_strdup(id);
    o->qmp_what = "-mon";
    return true;
}

bool dm_opt_qmp(DmOptions *o, const char *opt, const char *arg, GError **errp)
{
    g_auto(GStrv) parts = NULL;
    unsigned i;
    bool bad, server = false;

    if (!g_str_has_prefix(arg, "unix:") || !arg[5] || arg[5] == ',') {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unsupported backend '%s' "
                    "(unix:PATH[,server=on|off][,wait=on|off])",
                    opt, arg);
        return false;
    }
    if (second_monitor(o, opt, errp)) {
        return false;
    }
    parts = g_strsplit(arg + 5, ",", 0);
    for (i = 1; parts[i]; i++) {
        if (!socket_prop(opt, parts[i], &server, errp, &bad)) {
            g_set_error(errp, DM_ERROR, 0,
                        "%s: unknown socket property "
                        "'%s' (server=on|off, wait=on|off)",
                        opt, parts[i]);
            return false;
        } else if (bad) {
            return false;
        }
    }
    o->qmp_path = g_strdup(parts[0]);
    o->qmp_server = server;
    o->qmp_what = "-qmp";
    return true;
}

bool dm_options_check_monitor(DmOptions *o, GError **errp)
{
    DmChardev *c = NULL;
    unsigned i;

    for (i = 0; o->mon_chardev && o->chardevs && i < o->chardevs->len; i++) {
        if (!strcmp(((DmChardev *)o->chardevs->pdata[i])->id,
                    o->mon_chardev)) {
            c = o->chardevs->pdata[i];
        }
    }
    if (o->mon_chardev && !c) {
        g_set_error(errp, DM_ERROR, 0, "-mon: no -chardev with id '%s'",
                    o->mon_chardev);
        return false;
    }
    if (c) {
        c->used = true;
        o->qmp_path = g_strdup(c->path);
        o->qmp_server = c->server;
    }
    for (i = 0; o->chardevs && i < o->chardevs->len; i++) {
        c = o->chardevs->pdata[i];
        if (!c->used) {
            g_set_error(errp, DM_ERROR, 0,
                        "-chardev: id '%s' is not used "
                        "by -mon (the QMP monitor is its only user)",
                        c->id);
            return false;
        }
    }
    return true;
}

void dm_options_clear_monitor(DmOptions *o)
{
    if (o->chardevs) {
        g_ptr_array_free(o->chardevs, TRUE);
    }
    g_free(o->mon_chardev);
    g_free(o->qmp_path);
    o->chardevs = NULL;
    o->mon_chardev = NULL;
    o->qmp_path = NULL;
}
