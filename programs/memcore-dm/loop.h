/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's main loop: file descriptors to watch, and a stop.
 *
 * One thread polls every channel (qtest, QMP) and a self-pipe that
 * SIGTERM and SIGINT write to. A handler runs when its descriptor is
 * readable; replies are written with dm_loop_write(), which waits for
 * room in the same poll as the stop, so a client that stops reading can
 * hold up the loop but never a stop: SIGTERM ends dm_loop_run() within a
 * poll wake-up, whatever the clients do.
 */
#ifndef MEMCORE_DM_LOOP_H
#define MEMCORE_DM_LOOP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct DmLoop DmLoop;

/* @fd is readable (or hung up); false removes it from the loop. */
typedef bool (*DmLoopHandler)(DmLoop *l, int fd, void *opaque);

/**
 * dm_loop_new() - a loop, with SIGTERM and SIGINT turned into a stop
 * request and SIGPIPE ignored. One loop per process.
 *
 * Return: NULL after a one-line message on stderr if the self-pipe could
 * not be made.
 */
DmLoop *dm_loop_new(void);

void dm_loop_free(DmLoop *l);

/** dm_loop_add() - call @fn when @fd is readable. */
void dm_loop_add(DmLoop *l, int fd, DmLoopHandler fn, void *opaque);

/** dm_loop_remove() - stop watching @fd (it is not closed). */
void dm_loop_remove(DmLoop *l, int fd);

/**
 * dm_loop_quit() - make dm_loop_run() return @status once the current
 * handler returns. The first call wins.
 */
void dm_loop_quit(DmLoop *l, int status);

/**
 * dm_loop_run() - dispatch until dm_loop_quit() or a stop signal.
 *
 * Return: the status given to dm_loop_quit(), or 0 after SIGTERM/SIGINT.
 */
int dm_loop_run(DmLoop *l);

/**
 * dm_loop_write() - write all of @buf to @fd.
 *
 * Waits for room while watching for a stop, and never blocks in write()
 * itself, so a peer that does not read cannot delay a stop.
 *
 * Return: false if the peer went away or a stop was requested (the rest
 * is not written; dm_loop_stopping() tells which).
 */
bool dm_loop_write(DmLoop *l, int fd, const void *buf, size_t len);

/** dm_loop_stopping() - a stop was requested or dm_loop_quit() called. */
bool dm_loop_stopping(DmLoop *l);

#endif /* MEMCORE_DM_LOOP_H */
