/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small qtest client for memcore-dm: starts the program, sends request
 * lines, reads replies.
 *
 * The binary is found through the MEMCORE_DM environment variable (meson
 * sets it). Functions named mcq_read*() and mcq_write*() assert that the
 * reply was "OK" (with ck_assert, so a test fails with the line that went
 * wrong); mcq_cmd() returns whatever came back, for tests of errors.
 */
#ifndef TESTS_QTEST_LIBMCQTEST_H
#define TESTS_QTEST_LIBMCQTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <check.h>
#include <glib.h>

typedef struct MCQTest MCQTest;

/**
 * mcq_run_suite() - run every test of @s (Check's fork mode), print the
 * results and free it.
 *
 * Return: the exit status for main(): EXIT_SUCCESS if nothing failed.
 */
int mcq_run_suite(Suite *s);

/** mcq_binary() - path of memcore-dm from $MEMCORE_DM; aborts if unset. */
const char *mcq_binary(void);

/**
 * mcq_start() - run "memcore-dm -qtest stdio ARGS".
 * @args: extra arguments separated by spaces, e.g. "-accel none"; may be
 *        NULL.
 */
MCQTest *mcq_start(const char *args);

/**
 * mcq_start_argv() - run any qtest server (memcore-dm, or QEMU as an
 * oracle) with @argv; it must serve the protocol on stdin/stdout.
 */
MCQTest *mcq_start_argv(const char *const *argv);

/**
 * mcq_start_fd() - speak the protocol over @fd (a connected socket) to a
 * memcore-dm started elsewhere; @pid is waited for by mcq_quit() if > 0.
 */
MCQTest *mcq_start_fd(int fd, GPid pid);

/**
 * mcq_quit() - close the connection, wait for the program to exit.
 *
 * Return: its exit status (0..255), or 128 + signal; -1 if it was not
 * started by us.
 */
int mcq_quit(MCQTest *s);

/**
 * mcq_kill() - for servers that do not exit at end of input (QEMU): kill
 * with SIGKILL, reap, free.
 */
void mcq_kill(MCQTest *s);

/** mcq_pid() - the server's process id (0 if not started by us). */
GPid mcq_pid(MCQTest *s);

/**
 * mcq_peak_rss() - the server's peak resident set (VmHWM), in bytes.
 * Fails the test if it cannot be read.
 */
uint64_t mcq_peak_rss(MCQTest *s);

/** mcq_send_raw() - write @len bytes exactly as given (no newline added). */
void mcq_send_raw(MCQTest *s, const void *buf, size_t len);

/**
 * mcq_recv_line() - the next reply line without its '\n'; g_free() it.
 * Fails the test if the connection closes first.
 */
char *mcq_recv_line(MCQTest *s);

/** mcq_cmd() - send one request line, return the reply line; g_free() it. */
char *mcq_cmd(MCQTest *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * mcq_cmd_lines() - send a request with a multi-line reply (mtree, stats);
 * return every line up to and including the final OK/ERR/FAIL line.
 */
GPtrArray *mcq_cmd_lines(MCQTest *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** mcq_expect_ok() - the reply must be exactly "OK". */
void mcq_expect_ok(MCQTest *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** mcq_expect_err() - the reply must start with "ERR"; returns it. */
char *mcq_expect_err(MCQTest *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

uint8_t mcq_readb(MCQTest *s, uint64_t addr);
uint16_t mcq_readw(MCQTest *s, uint64_t addr);
uint32_t mcq_readl(MCQTest *s, uint64_t addr);
uint64_t mcq_readq(MCQTest *s, uint64_t addr);
void mcq_writeb(MCQTest *s, uint64_t addr, uint8_t v);
void mcq_writew(MCQTest *s, uint64_t addr, uint16_t v);
void mcq_writel(MCQTest *s, uint64_t addr, uint32_t v);
void mcq_writeq(MCQTest *s, uint64_t addr, uint64_t v);

/** mcq_memread() - "read": hex transfer of @len (> 0) bytes. */
void mcq_memread(MCQTest *s, uint64_t addr, void *buf, size_t len);
/** mcq_memwrite() - "write": hex transfer. */
void mcq_memwrite(MCQTest *s, uint64_t addr, const void *buf, size_t len);
/** mcq_bufread() - "b64read". */
void mcq_bufread(MCQTest *s, uint64_t addr, void *buf, size_t len);
/** mcq_bufwrite() - "b64write". */
void mcq_bufwrite(MCQTest *s, uint64_t addr, const void *buf, size_t len);
/** mcq_memset() - "memset". */
void mcq_memset(MCQTest *s, uint64_t addr, uint8_t pattern, size_t len);

/** mcq_reply_u64() - the number after "OK " in @reply; fails otherwise. */
uint64_t mcq_reply_u64(const char *reply);

/** mcq_stat() - one counter from the "stats" extension. */
uint64_t mcq_stat(MCQTest *s, const char *name);

/**
 * mcq_run() - run memcore-dm with @argv (after the program name), no
 * qtest, capture both streams.
 *
 * Return: the exit status as for mcq_quit().
 */
int mcq_run(const char *const *argv, char **out, char **err);

#endif /* TESTS_QTEST_LIBMCQTEST_H */
