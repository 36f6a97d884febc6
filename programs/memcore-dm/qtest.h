/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's qtest service: QEMU's line protocol for memory accesses,
 * plus a few extensions (docs/devel/qtest.rst).
 *
 * qtest-parser.c frames requests and splits them into words; qtest.c
 * answers the memory commands on a machine and qtest-ext.c the
 * extensions; qtest-server.c moves bytes between a file descriptor or a
 * socket and a parser.
 */
#ifndef MEMCORE_DM_QTEST_H
#define MEMCORE_DM_QTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "loop.h"
#include "machine.h"
#include "options.h"
#include "qtest-parser.h"

/* Largest read, write or b64 transfer one command may ask for. */
#define QTEST_MAX_XFER (16ULL << 20)
/* Largest memset: it is done in pieces, so it can cover all of RAM. */
#define QTEST_MAX_MEMSET (4ULL << 30)
/* Longest request line; a 16 MiB "write" needs 32 MiB of hex. */
#define QTEST_MAX_LINE (64U << 20)

/**
 * qtest_answer() - answer one request on a machine.
 * @m: the machine.
 * @c: the request, as the parser split it.
 * @reply: the answer is appended, one or more lines each ending in '\n';
 *         the last line starts with "OK", "ERR" or "FAIL".
 */
void qtest_answer(DmMachine *m, const QTestCmd *c, GString *reply);

/**
 * qtest_machine_parser_new() - a parser (QTEST_MAX_LINE) whose requests
 * are answered on @m; free it with qtest_parser_free().
 */
QTestParser *qtest_machine_parser_new(DmMachine *m);

/**
 * qtest_process_line() - answer one request line, in-process.
 * @m: the machine.
 * @line: the request without its '\n' (it must contain none).
 * @len: its length.
 * @reply: the answer is appended, as for qtest_answer().
 */
void qtest_process_line(DmMachine *m, const char *line, size_t len,
                        GString *reply);

typedef struct QTestServer QTestServer;

/**
 * qtest_server_start() - serve the protocol on @l as -qtest asked: stdio,
 * unix:PATH (connect) or unix:PATH,server (listen, one client after
 * another).
 *
 * When a client of stdio or unix:PATH hangs up, the loop is told to end
 * with status 0; a server waits for the next client.
 *
 * Return: NULL after a one-line message if the channel or the log could
 * not be opened.
 */
QTestServer *qtest_server_start(DmLoop *l, const DmOptions *opts,
                                DmMachine *m);

/** qtest_server_free() - close, and remove a socket we listened on. */
void qtest_server_free(QTestServer *q);

#endif /* MEMCORE_DM_QTEST_H */
