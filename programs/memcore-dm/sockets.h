/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unix stream sockets for memcore-dm's channels (qtest, QMP): connect to
 * one someone listens on, or listen on one ourselves.
 *
 * Errors are printed in one line naming @what (the option, "-qtest"),
 * and -1 returned.
 */
#ifndef MEMCORE_DM_SOCKETS_H
#define MEMCORE_DM_SOCKETS_H

/** dm_unix_connect() - a connected socket to @path. */
int dm_unix_connect(const char *what, const char *path);

/**
 * dm_unix_listen() - a socket listening on @path.
 *
 * A socket file left by a run that died is replaced. A live server's
 * socket, or any other file, is not ours to take: that is an error.
 */
int dm_unix_listen(const char *what, const char *path);

#endif /* MEMCORE_DM_SOCKETS_H */
