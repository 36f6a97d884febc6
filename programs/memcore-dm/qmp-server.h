/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's QMP monitor on a unix socket (qmp.h is the protocol).
 */
#ifndef MEMCORE_DM_QMP_SERVER_H
#define MEMCORE_DM_QMP_SERVER_H

#include "loop.h"
#include "options.h"
#include "qmp.h"

typedef struct QmpServer QmpServer;

/**
 * qmp_server_start() - serve the monitor @opts asks for on @l.
 * @quit_on_hangup: end the loop (status 0) when a client we connected to
 *                  hangs up: nothing else is being served.
 *
 * "quit" ends the loop with status 0 once its reply is written.
 *
 * Return: NULL after a one-line message if the socket could not be set
 * up.
 */
QmpServer *qmp_server_start(DmLoop *l, const DmOptions *opts, DmMachine *m,
                            bool quit_on_hangup);

/** qmp_server_free() - close, and remove a socket we listened on. */
void qmp_server_free(QmpServer *q);

#endif /* MEMCORE_DM_QMP_SERVER_H */
