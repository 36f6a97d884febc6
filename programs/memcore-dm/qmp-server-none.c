/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP monitor of the static memcore-dm: there is none. Debian ships
 * json-glib, which the monitor is built on, as a shared library only, so
 * memcore-dm-static links this instead of qmp*.c and says so when -qmp
 * or -mon asks for a monitor. Everything else (qtest, serving a Xen
 * guest) is the same program.
 */
#include <stdio.h>

#include "qmp-server.h"

QmpServer *qmp_server_start(DmLoop *l, const DmOptions *opts, DmMachine *m,
                            bool quit_on_hangup)
{
    fprintf(stderr,
            "memcore-dm: %s: this static build has no QMP monitor "
            "(json-glib has no static library); use the dynamic memcore-dm\n",
            opts->qmp_what ? opts->qmp_what : "-qmp");
    return NULL;
}

void qmp_server_free(QmpServer *q)
{
}
