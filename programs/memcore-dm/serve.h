/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm serving its channels until told to stop.
 */
#ifndef MEMCORE_DM_SERVE_H
#define MEMCORE_DM_SERVE_H

#include "machine.h"
#include "options.h"

/**
 * dm_serve() - run the main loop with the channels @opts asks for: the
 * qtest server and the QMP monitor.
 *
 * SIGTERM and SIGINT end it within a poll wake-up, whatever the clients
 * do: sockets we listened on are removed and the status is 0.
 *
 * Return: the process exit status: 0 when a qtest client of stdio or
 * unix:PATH hung up (or the monitor's, when there is no qtest), after
 * QMP "quit", or on SIGTERM/SIGINT; 1 when a channel could not be set up.
 */
int dm_serve(const DmOptions *opts, DmMachine *m);

#endif /* MEMCORE_DM_SERVE_H */
