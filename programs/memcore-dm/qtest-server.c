/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest transport: stdin/stdout, a unix socket we connect to (what QEMU's
 * "-qtest unix:PATH" does, and what libqtest expects), or a unix socket
 * we listen on, serving one client after another.
 *
 * Bytes read go to a qtest parser (qtest-parser.h), one reply at a time:
 * each reply is written before more input is taken, so a client that
 * does not read its replies is not read either. A line cut off by the
 * peer closing is dropped, as QEMU drops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "qtest.h"

typedef struct QTestConn {
    DmMachine *m;
    int in_fd, out_fd;
    FILE *log;
    GTimer *timer;
    QTestParser *parser;
} QTestConn;

/* Set by SIGTERM/SIGINT in server mode; the pipe wakes up poll(). */
static int stop_pipe[2] = { -1, -1 };

static void log_line(QTestConn *q, char dir, const char *s, size_t len)
{
    if (q->log) {
        fprintf(q->log, "[%c +%.6f] %.*s\n", dir,
                g_timer_elapsed(q->timer, NULL), (int)MIN(len, 4096), s);
        fflush(q->log);
    }
}

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;       /* peer gone: EPIPE, SIGPIPE is ignored */
        }
        buf += n;
        len -= n;
    }
    return true;
}

static bool send_reply(QTestConn *q, GString *reply)
{
    const char *p = reply->str, *nl;

    for (; (nl = strchr(p, '\n')); p = nl + 1) {
        log_line(q, 'S', p, nl - p);
    }
    return write_all(q->out_fd, reply->str, reply->len);
}

static void conn_request(void *opaque, const char *line, size_t len)
{
    log_line(opaque, 'R', line, len);
}

static void conn_answer(void *opaque, const QTestCmd *c, GString *reply)
{
    QTestConn *q = opaque;

    qtest_answer(q->m, c, reply);
}

static const QTestParserOps conn_parser_ops = {
    .request = conn_request,
    .answer = conn_answer,
};

/* Answer every complete line in @buf; false when the peer went away. */
static bool process_input(QTestConn *q, const char *buf, size_t len)
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

/* Wait for input or a stop request; false when asked to stop. */
static bool wait_readable(int fd)
{
    struct pollfd p[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = stop_pipe[0], .events = POLLIN },
    };

    while (poll(p, stop_pipe[0] >= 0 ? 2 : 1, -1) < 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return !(p[1].revents & POLLIN) || stop_pipe[0] < 0;
}

/* Serve one connection until EOF; false if a stop was requested. */
static bool serve(QTestConn *q)
{
    char buf[65536];
    bool go = true;

    q->parser = qtest_parser_new(&conn_parser_ops, q, QTEST_MAX_LINE);
    if (q->log) {
        fprintf(q->log, "[I %.6f] OPENED\n", g_timer_elapsed(q->timer, NULL));
    }
    for (;;) {
        ssize_t n;

        if (!wait_readable(q->in_fd)) {
            go = false;
            break;
        }
        n = read(q->in_fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0 || !process_input(q, buf, n)) {
            break;
        }
    }
    if (go && q->log) {
        fprintf(q->log, "[I +%.6f] CLOSED%s\n", g_timer_elapsed(q->timer, NULL),
                qtest_parser_pending(q->parser) ?
                " (an unterminated line was dropped)" : "");
        fflush(q->log);
    }
    qtest_parser_free(q->parser);
    q->parser = NULL;
    return go;
}

/* ---- sockets -------------------------------------------------------- */

static bool fill_sockaddr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        fprintf(stderr, "memcore-dm: -qtest: socket path too long: %s\n",
                path);
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    int fd;

    if (!fill_sockaddr(&sa, path)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "memcore-dm: -qtest: cannot connect to %s: %s\n",
                path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Someone accepts connections on @sa: a live server, not a stale file. */
static bool socket_alive(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool alive = fd >= 0 &&
                 connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;

    if (fd >= 0) {
        close(fd);
    }
    return alive;
}

static int unix_listen(const char *path)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd;

    if (!fill_sockaddr(&sa, path)) {
        return -1;
    }
    /*
     * A socket left by a run that died is replaced. A live server's
     * socket, or any other file, is not ours to take.
     */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        if (socket_alive(&sa)) {
            fprintf(stderr, "memcore-dm: -qtest: cannot listen on %s: "
                    "another server is listening there\n", path);
            return -1;
        }
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        fprintf(stderr, "memcore-dm: -qtest: cannot listen on %s: %s\n",
                path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static void on_stop_signal(int sig)
{
    int saved = errno;
    char c = sig;

    if (write(stop_pipe[1], &c, 1) < 0) {
        /* The pipe is full: a stop is already pending. */
    }
    errno = saved;
}

static bool install_stop_handler(void)
{
    struct sigaction sa = { .sa_handler = on_stop_signal };

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        perror("memcore-dm: pipe");
        return false;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return true;
}

static int serve_listening(QTestConn *q, const char *path)
{
    int lfd, cfd;
    bool go = true;

    if (!install_stop_handler() || (lfd = unix_listen(path)) < 0) {
        return 1;
    }
    while (go && wait_readable(lfd)) {
        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            continue;           /* EINTR, or a client that gave up */
        }
        q->in_fd = q->out_fd = cfd;
        go = serve(q);
        close(cfd);
    }
    close(lfd);
    unlink(path);
    return 0;
}

int qtest_server_run(const DmOptions *o, DmMachine *m)
{
    QTestConn q = { .m = m, .in_fd = 0, .out_fd = 1 };
    int ret = 0;

    if (o->qtest_log) {
        q.log = fopen(o->qtest_log, "w");
        if (!q.log) {
            fprintf(stderr, "memcore-dm: -qtest-log: cannot open %s: %s\n",
                    o->qtest_log, strerror(errno));
            return 1;
        }
    }
    q.timer = g_timer_new();
    signal(SIGPIPE, SIG_IGN);
    if (o->qtest == DM_QTEST_STDIO) {
        serve(&q);
    } else if (o->qtest_server) {
        ret = serve_listening(&q, o->qtest_path);
    } else if ((q.in_fd = unix_connect(o->qtest_path)) >= 0) {
        q.out_fd = q.in_fd;
        serve(&q);
        close(q.in_fd);
    } else {
        ret = 1;
    }
    g_timer_destroy(q.timer);
    if (q.log) {
        fclose(q.log);
    }
    return ret;
}
