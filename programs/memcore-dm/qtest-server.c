/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest transport: stdin/stdout, a unix socket we connect to (what QEMU's
 * "-qtest unix:PATH" does, and what libqtest expects), or a unix socket
 * we listen on, serving one client after another.
 *
 * Bytes read go to a qtest parser (qtest-parser.h), one reply at a time:
 * each reply is written before more input is taken, so a client that
 * does not read its replies is not read either. Replies are written with
 * dm_loop_write(), so such a client cannot hold off SIGTERM. A line cut
 * off by the peer closing is dropped, as QEMU drops it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qtest.h"
#include "sockets.h"

struct QTestServer {
    DmLoop *loop;
    DmMachine *m;
    FILE *log;
    GTimer *timer;
    int listen_fd; /* -1 unless -qtest unix:PATH,server */
    char *listen_path;
    int in_fd, out_fd; /* the connection; -1 when there is none */
    QTestParser *parser;
};

static void log_line(QTestServer *q, char dir, const char *s, size_t len)
{
    if (q->log) {
        fprintf(q->log, "[%c +%.6f] %.*s\n", dir,
                g_timer_elapsed(q->timer, NULL), (int)MIN(len, 4096), s);
        fflush(q->log);
    }
}

static void log_event(QTestServer *q, const char *what)
{
    if (q->log) {
        fprintf(q->log, "[I +%.6f] %s\n", g_timer_elapsed(q->timer, NULL),
                what);
        fflush(q->log);
    }
}

static bool send_reply(QTestServer *q, GString *reply)
{
    const char *p = reply->str, *nl;

    for (; (nl = strchr(p, '\n')); p = nl + 1) {
        log_line(q, 'S', p, nl - p);
    }
    return dm_loop_write(q->loop, q->out_fd, reply->str, reply->len);
}

static void conn_request(void *opaque, const char *line, size_t len)
{
    log_line(opaque, 'R', line, len);
}

static void conn_answer(void *opaque, const QTestCmd *c, GString *reply)
{
    QTestServer *q = opaque;

    qtest_answer(q->m, c, reply);
}

static const QTestParserOps conn_parser_ops = {
    .request = conn_request,
    .answer = conn_answer,
};

static bool on_listen(DmLoop *l, int fd, void *opaque);

/* The client hung up: wait for the next one, or end the program. */
static void close_conn(QTestServer *q)
{
    log_event(q, qtest_parser_pending(q->parser) ?
                     "CLOSED (an unterminated line was dropped)" :
                     "CLOSED");
    qtest_parser_free(q->parser);
    q->parser = NULL;
    if (q->listen_fd < 0) {
        dm_loop_quit(q->loop, 0);
        return;
    }
    close(q->in_fd);
    q->in_fd = q->out_fd = -1;
    dm_loop_add(q->loop, q->listen_fd, on_listen, q);
}

static void open_conn(QTestServer *q, int in_fd, int out_fd)
{
    q->in_fd = in_fd;
    q->out_fd = out_fd;
    q->parser = qtest_parser_new(&conn_parser_ops, q, QTEST_MAX_LINE);
    log_event(q, "OPENED");
}

/* Answer every complete line in @buf; false when the peer went away. */
static bool process_input(QTestServer *q, const char *buf, size_t len)
{
    g_autoptr(GString) reply = g_string_new(NULL);

    while (len) {
        size_t n = qtest_parser_feed(q->parser, buf, len, reply);

        buf += n;
        len -= n;
        if (reply->len) {
            if (!send_reply(q, reply)) {
                return false;
            }
            g_string_truncate(reply, 0);
        }
    }
    return true;
}

static bool on_readable(DmLoop *l, int fd, void *opaque)
{
    QTestServer *q = opaque;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n > 0 && process_input(q, buf, n)) {
        return true;
    }
    if (!dm_loop_stopping(l)) {
        close_conn(q);
    }
    return false;
}

/* One client at a time: the socket is not watched while one is served. */
static bool on_listen(DmLoop *l, int fd, void *opaque)
{
    QTestServer *q = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (cfd < 0) {
        return true; /* EINTR, or a client that gave up */
    }
    open_conn(q, cfd, cfd);
    dm_loop_add(l, cfd, on_readable, q);
    return false;
}

QTestServer *qtest_server_start(DmLoop *l, const DmOptions *o, DmMachine *m)
{
    QTestServer *q = g_new0(QTestServer, 1);
    int fd;

    q->loop = l;
    q->m = m;
    q->listen_fd = q->in_fd = q->out_fd = -1;
    q->timer = g_timer_new();
    if (o->qtest_log) {
        q->log = fopen(o->qtest_log, "w");
        if (!q->log) {
            fprintf(stderr, "memcore-dm: -qtest-log: cannot open %s: %s\n",
                    o->qtest_log, strerror(errno));
            qtest_server_free(q);
            return NULL;
        }
    }
    if (o->qtest == DM_QTEST_STDIO) {
        open_conn(q, 0, 1);
        dm_loop_add(l, 0, on_readable, q);
    } else if (o->qtest_server) {
        q->listen_fd = dm_unix_listen("-qtest", o->qtest_path);
        if (q->listen_fd < 0) {
            qtest_server_free(q);
            return NULL;
        }
        q->listen_path = g_strdup(o->qtest_path);
        dm_loop_add(l, q->listen_fd, on_listen, q);
    } else {
        fd = dm_unix_connect("-qtest", o->qtest_path);
        if (fd < 0) {
            qtest_server_free(q);
            return NULL;
        }
        open_conn(q, fd, fd);
        dm_loop_add(l, fd, on_readable, q);
    }
    return q;
}

void qtest_server_free(QTestServer *q)
{
    if (!q) {
        return;
    }
    if (q->in_fd > 1) {
        close(q->in_fd);
    }
    if (q->listen_fd >= 0) {
        close(q->listen_fd);
        unlink(q->listen_path);
    }
    qtest_parser_free(q->parser);
    g_free(q->listen_path);
    g_timer_destroy(q->timer);
    if (q->log) {
        fclose(q->log);
    }
    g_free(q);
}
