/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm command line: what the option files share (options.c has
 * the table; options-monitor.c the QMP monitor's options).
 */
#ifndef MEMCORE_DM_OPTIONS_INTERNAL_H
#define MEMCORE_DM_OPTIONS_INTERNAL_H

#include "options.h"

#define DM_ERROR dm_error_quark()

GQuark dm_error_quark(void);

/* An option handler: @arg is its value (NULL for flags). */
typedef bool (*DmOptionHandler)(DmOptions *o, const char *opt, const char *arg,
                                GError **errp);

/* -chardev socket,id=ID,path=PATH[,server=on|off][,wait=on|off] */
bool dm_opt_chardev(DmOptions *o, const char *opt, const char *arg,
                    GError **errp);
/* -mon chardev=ID,mode=control[,pretty=on|off] */
bool dm_opt_mon(DmOptions *o, const char *opt, const char *arg, GError **errp);
/* -qmp unix:PATH[,server=on|off][,wait=on|off] */
bool dm_opt_qmp(DmOptions *o, const char *opt, const char *arg, GError **errp);

/**
 * dm_options_check_monitor() - once every option is known: -mon's
 * chardev exists, every -chardev is used, at most one monitor. Sets
 * qmp_path and qmp_server.
 */
bool dm_options_check_monitor(DmOptions *o, GError **errp);

/** dm_options_clear_monitor() - free what the monitor options hold. */
void dm_options_clear_monitor(DmOptions *o);

#endif /* MEMCORE_DM_OPTIONS_INTERNAL_H */
