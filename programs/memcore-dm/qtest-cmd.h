/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the qtest commands (qtest.c) and the extensions
 * (qtest-ext.c); not for anyone else.
 */
#ifndef MEMCORE_DM_QTEST_CMD_H
#define MEMCORE_DM_QTEST_CMD_H

#include "qtest.h"

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
bool qtest_process_extension(DmMachine *m, const QTestCmd *c, GString *reply);

#endif /* MEMCORE_DM_QTEST_CMD_H */
