/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's QMP monitor: the QEMU Machine Protocol, a subset
 * (docs/devel/qtest.rst lists every command and its reply).
 *
 * qmp.c is the protocol: it splits the byte stream into JSON texts,
 * parses and writes them with json-glib, checks the request envelope and
 * capabilities negotiation, and hands commands to qmp-commands.c, which
 * runs them on the machine. qmp-server.c moves bytes between a socket
 * and a session. Like the qtest parser, a session is bytes in, replies
 * out, one request at a time.
 */
#ifndef MEMCORE_DM_QMP_H
#define MEMCORE_DM_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "machine.h"

/* The longest JSON text taken, and the deepest nesting. */
#define QMP_MAX_MESSAGE (1U << 20)
#define QMP_MAX_DEPTH 64

/* The guest's run state, as query-status names it. */
typedef enum QmpRunState {
    QMP_RUN_PRELAUNCH, /* -S: never started */
    QMP_RUN_RUNNING,
    QMP_RUN_PAUSED, /* "stop" */
} QmpRunState;

/* What the monitor serves: one per process, shared by its sessions. */
typedef struct QmpMonitor {
    DmMachine *m;
    QmpRunState state;
    bool quit; /* "quit" ran: the program ends */
} QmpMonitor;

typedef struct QmpSession QmpSession;

/** qmp_session_new() - a session for one connection to @mon. */
QmpSession *qmp_session_new(QmpMonitor *mon);

void qmp_session_free(QmpSession *s);

/** qmp_session_greeting() - append the greeting a connection opens with. */
void qmp_session_greeting(QmpSession *s, GString *out);

/**
 * qmp_session_feed() - consume input up to the end of the next JSON text.
 * @s: the session.
 * @data: bytes from the client.
 * @len: how many.
 * @out: the reply to a completed request, and any events it caused, are
 *       appended here, each JSON text followed by "\r\n".
 *
 * Malformed JSON, a text over QMP_MAX_MESSAGE bytes or QMP_MAX_DEPTH
 * levels, or a bad request each get one GenericError; an unknown command
 * gets CommandNotFound; the session goes on.
 *
 * Return: bytes of @data consumed (>= 1 when @len > 0).
 */
size_t qmp_session_feed(QmpSession *s, const char *data, size_t len,
                        GString *out);

/**
 * qmp_version_info() - {"qemu": {"major", "minor", "micro"}, "package"}:
 * memcore-dm's own version, for the greeting and query-version.
 */
JsonObject *qmp_version_info(void);

/** qmp_append_event() - append event @name with @data (may be NULL). */
void qmp_append_event(GString *out, const char *name, JsonNode *data);

/* ---- commands (qmp-commands.c) --------------------------------------- */

/* A command's outcome: a return value, or an error class and text. */
typedef struct QmpResult {
    JsonNode *ret; /* owned; NULL on error */
    const char *err_class; /* "GenericError", "CommandNotFound" */
    char *err_desc; /* owned */
    GString *events_before; /* events the command sent while running */
    GString *events_after; /* events that follow its return */
} QmpResult;

/**
 * qmp_run_command() - run @name with @args (an object, possibly empty)
 * on @mon and fill @res.
 *
 * Return: false if there is no such command (@res untouched).
 */
bool qmp_run_command(QmpMonitor *mon, const char *name, JsonObject *args,
                     QmpResult *res);

/** qmp_command_names() - every command, for query-commands. */
const char *const *qmp_command_names(void);

#endif /* MEMCORE_DM_QMP_H */
