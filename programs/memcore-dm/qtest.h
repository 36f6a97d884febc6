/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's qtest server: QEMU's line protocol for memory accesses,
 * plus a few extensions (docs/devel/qtest.rst).
 *
 * qtest.c answers one line at a time; qtest-ext.c holds the extension
 * commands; qtest-server.c moves lines between a file descriptor or a
 * socket and qtest_process_line().
 */
#ifndef SYSTEM_QTEST_H
#define SYSTEM_QTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "machine.h"
#include "options.h"

/* Largest read, write or b64 transfer one command may ask for. */
#define QTEST_MAX_XFER      (16ULL << 20)
/* Largest memset: it is done in pieces, so it can cover all of RAM. */
#define QTEST_MAX_MEMSET    (4ULL << 30)
/* Longest request line; a 16 MiB "write" needs 32 MiB of hex. */
#define QTEST_MAX_LINE      (64U << 20)

/**
 * qtest_process_line() - answer one request.
 * @m: the machine.
 * @line: the request without its '\n'; it may contain anything.
 * @len: its length.
 * @reply: the answer is appended, one or more lines each ending in '\n';
 *         the last line starts with "OK", "ERR" or "FAIL".
 */
void qtest_process_line(DmMachine *m, const char *line, size_t len,
                        GString *reply);

/**
 * qtest_server_run() - serve the protocol as -qtest asked.
 *
 * Return: the process exit status: 0 when the client went away (stdio,
 * unix client) or on SIGTERM/SIGINT (server), 1 when the channel could
 * not be set up.
 */
int qtest_server_run(const DmOptions *opts, DmMachine *m);

/* ---- shared by qtest.c and qtest-ext.c ------------------------------- */

/* A command and its arguments, split on single spaces as QEMU does. */
typedef struct QTestCmd {
    const char *name;
    char **words;               /* words[0] is the name; NULL-terminated */
    unsigned nwords;
} QTestCmd;

/**
 * qtest_arg_u64() - argument @idx as a number (base 0, as QEMU's
 * qemu_strtou64 takes it: a minus sign wraps, trailing junk is refused).
 * @what: its name for the error message ("ADDR", "SIZE").
 *
 * Return: false after appending "ERR ..." to @reply.
 */
bool qtest_arg_u64(const QTestCmd *c, unsigned idx, const char *what,
                   uint64_t *val, GString *reply);

/** qtest_arg_str() - argument @idx, or NULL after appending "ERR ...". */
const char *qtest_arg_str(const QTestCmd *c, unsigned idx, const char *what,
                          GString *reply);

/** qtest_err() - append "ERR <cmd>: <message>\n". */
void qtest_err(GString *reply, const QTestCmd *c, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/** qtest_tx_name() - "decode error" etc. for a MemTxResult. */
const char *qtest_tx_name(MemTxResult r);

/* Extension commands (qtest-ext.c); true if @c was one of them. */
bool qtest_process_extension(DmMachine *m, const QTestCmd *c,
                             GString *reply);

#endif /* SYSTEM_QTEST_H */
