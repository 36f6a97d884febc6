/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol parser: bytes in, replies out.
 *
 * It knows how requests are framed and split into words, and nothing
 * about what they mean: each complete request reaches the answer()
 * callback as a QTestCmd, and what the callback appends is the reply.
 * The server (qtest-server.c), in-process callers and the fuzzer all
 * feed it the same way, so they share one framing.
 *
 * Framing, as in QEMU: a request is a line ending in '\n'; a trailing
 * '\r' is dropped (CRLF clients); words are separated by single spaces,
 * so two spaces make an empty word. Unlike QEMU, an empty line, a line
 * with a NUL byte and a line longer than the parser's limit get one
 * "ERR" reply each instead of an assertion, and the parser goes on.
 *
 * Memory: the parser holds at most one unterminated line (up to its
 * limit) and splits it in place, so a request costs O(its length) with a
 * constant near 1, whatever its words. Only the first QTEST_MAX_WORDS
 * words are split out; the rest of the line is never looked at, as QEMU
 * ignores words after a command's last argument.
 */
#ifndef MEMCORE_DM_QTEST_PARSER_H
#define MEMCORE_DM_QTEST_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/* More words than any command takes (write ADDR SIZE DATA is 4). */
#define QTEST_MAX_WORDS 8

/* A request split into words: words[0] is the command's name. */
typedef struct QTestCmd {
    const char *name;
    const char *words[QTEST_MAX_WORDS];
    unsigned nwords; /* 1..QTEST_MAX_WORDS */
} QTestCmd;

typedef struct QTestParserOps {
    /*
     * A complete request line as it arrived (without '\n'), before it is
     * answered: for logging. NULL if not needed. An over-long line is
     * passed as the part of it that was kept (none: @len 0).
     */
    void (*request)(void *opaque, const char *line, size_t len);
    /* Append the reply to @cmd, whole lines, the last "OK|ERR|FAIL ...". */
    void (*answer)(void *opaque, const QTestCmd *cmd, GString *reply);
} QTestParserOps;

typedef struct QTestParser QTestParser;

/**
 * qtest_parser_new() - a parser for one connection.
 * @ops: what to do with requests; @ops->answer is required.
 * @opaque: passed to @ops.
 * @max_line: the longest request line accepted, in bytes (without '\n').
 *            Longer lines are dropped as they arrive and answered once,
 *            "ERR request line longer than @max_line bytes, ignored".
 */
QTestParser *qtest_parser_new(const QTestParserOps *ops, void *opaque,
                              size_t max_line);

void qtest_parser_free(QTestParser *p);

/**
 * qtest_parser_feed() - consume input up to and including the next '\n'.
 * @p: the parser.
 * @data: bytes from the client, any bytes at all.
 * @len: how many.
 * @reply: if a request was completed, its reply is appended here.
 *
 * At most one request is answered per call, so the caller can send each
 * reply before reading on (a client that does not read its replies then
 * stops being read, instead of making replies pile up).
 *
 * Return: the number of bytes of @data consumed (>= 1 when @len > 0).
 */
size_t qtest_parser_feed(QTestParser *p, const char *data, size_t len,
                         GString *reply);

/**
 * qtest_parser_pending() - bytes of an unterminated request held.
 *
 * When the client hangs up they are dropped without an answer, as QEMU
 * drops them; a caller may say so in its log.
 */
size_t qtest_parser_pending(const QTestParser *p);

#endif /* MEMCORE_DM_QTEST_PARSER_H */
