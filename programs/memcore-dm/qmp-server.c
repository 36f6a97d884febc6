/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP transport: the monitor's unix socket, connected to (what libqtest
 * expects of "-chardev socket,path=PATH") or listened on (server=on),
 * one client at a time. Each connection opens with the greeting and gets
 * a session of its own (capabilities are negotiated again); the run
 * state is the monitor's and outlives connections.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp-server.h"
#include "sockets.h"

struct QmpServer {
    DmLoop *loop;
    QmpMonitor mon;
    int listen_fd; /* -1 unless server=on */
    char *listen_path;
    int fd; /* the connection; -1 when there is none */
    QmpSession *session;
    bool quit_on_hangup;
};

static bool on_listen(DmLoop *l, int fd, void *opaque);

static void close_conn(QmpServer *q)
{
    qmp_session_free(q->session);
    q->session = NULL;
    close(q->fd);
    q->fd = -1;
    if (q->listen_fd >= 0) {
        dm_loop_add(q->loop, q->listen_fd, on_listen, q);
    } else if (q->quit_on_hangup) {
        dm_loop_quit(q->loop, 0);
    }
}

static bool on_readable(DmLoop *l, int fd, void *opaque)
{
    QmpServer *q = opaque;
    g_autoptr(GString) out = g_string_new(NULL);
    char buf[4096];
    const char *p = buf;
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n <= 0) {
        goto hangup; /* the client went away */
    }
    while (n > 0) {
        size_t used = qmp_session_feed(q->session, p, n, out);

        p += used;
        n -= used;
        if (out->len) {
            if (!dm_loop_write(l, fd, out->str, out->len)) {
                goto hangup;
            }
            g_string_truncate(out, 0);
        }
        if (q->mon.quit) {
            dm_loop_quit(l, 0);
            return true;
        }
    }
    return true;

hangup:
    if (!dm_loop_stopping(l)) {
        close_conn(q);
    }
    return false;
}

static bool open_conn(QmpServer *q, int fd)
{
    g_autoptr(GString) out = g_string_new(NULL);

    q->fd = fd;
    q->session = qmp_session_new(&q->mon);
    qmp_session_greeting(q->session, out);
    dm_loop_add(q->loop, fd, on_readable, q);
    if (!dm_loop_write(q->loop, fd, out->str, out->len)) {
        dm_loop_remove(q->loop, fd);
        if (!dm_loop_stopping(q->loop)) {
            close_conn(q);
        }
        return false;
    }
    return true;
}

static bool on_listen(DmLoop *l, int fd, void *opaque)
{
    QmpServer *q = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (cfd < 0) {
        return true;
    }
    /* Not watched while a client is served; close_conn() re-adds it. */
    dm_loop_remove(l, fd);
    open_conn(q, cfd);
    return true;
}

QmpServer *qmp_server_start(DmLoop *l, const DmOptions *o, DmMachine *m,
                            bool quit_on_hangup)
{
    QmpServer *q = g_new0(QmpServer, 1);
    int fd;

    q->loop = l;
    q->mon.m = m;
    q->mon.state = o->start_paused ? QMP_RUN_PRELAUNCH : QMP_RUN_RUNNING;
    q->listen_fd = q->fd = -1;
    q->quit_on_hangup = quit_on_hangup;
    if (o->qmp_server) {
        q->listen_fd = dm_unix_listen(o->qmp_what, o->qmp_path);
        if (q->listen_fd < 0) {
            qmp_server_free(q);
            return NULL;
        }
        q->listen_path = g_strdup(o->qmp_path);
        dm_loop_add(l, q->listen_fd, on_listen, q);
        return q;
    }
    fd = dm_unix_connect(o->qmp_what, o->qmp_path);
    if (fd < 0) {
        qmp_server_free(q);
        return NULL;
    }
    open_conn(q, fd);
    return q;
}

void qmp_server_free(QmpServer *q)
{
    if (!q) {
        return;
    }
    if (q->fd >= 0) {
        close(q->fd);
    }
    if (q->listen_fd >= 0) {
        close(q->listen_fd);
        unlink(q->listen_path);
    }
    qmp_session_free(q->session);
    g_free(q->listen_path);
    g_free(q);
}
