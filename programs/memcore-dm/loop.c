/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's main loop (loop.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "loop.h"

typedef struct DmLoopWatch {
    int fd;
    DmLoopHandler fn;
    void *opaque;
} DmLoopWatch;

struct DmLoop {
    GArray *watches; /* of DmLoopWatch */
    bool quit;
    int status;
};

/* Written by the signal handler; the read end wakes up every poll(). */
static int stop_pipe[2] = { -1, -1 };

static void on_stop_signal(int sig)
{
    int saved = errno;
    char c = sig;

    if (write(stop_pipe[1], &c, 1) < 0) {
        /* The pipe is full: a stop is already pending. */
    }
    errno = saved;
}

DmLoop *dm_loop_new(void)
{
    struct sigaction sa = { .sa_handler = on_stop_signal };
    DmLoop *l;

    if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "memcore-dm: pipe: %s\n", strerror(errno));
        return NULL;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    l = g_new0(DmLoop, 1);
    l->watches = g_array_new(FALSE, FALSE, sizeof(DmLoopWatch));
    return l;
}

void dm_loop_free(DmLoop *l)
{
    if (l) {
        g_array_free(l->watches, TRUE);
        g_free(l);
    }
}

void dm_loop_add(DmLoop *l, int fd, DmLoopHandler fn, void *opaque)
{
    DmLoopWatch w = { .fd = fd, .fn = fn, .opaque = opaque };

    dm_loop_remove(l, fd);
    g_array_append_val(l->watches, w);
}

void dm_loop_remove(DmLoop *l, int fd)
{
    guint i;

    for (i = 0; i < l->watches->len; i++) {
        if (g_array_index(l->watches, DmLoopWatch, i).fd == fd) {
            g_array_remove_index(l->watches, i);
            return;
        }
    }
}

void dm_loop_quit(DmLoop *l, int status)
{
    if (!l->quit) {
        l->quit = true;
        l->status = status;
    }
}

static bool stop_pending(void)
{
    struct pollfd p = { .fd = stop_pipe[0], .events = POLLIN };

    return poll(&p, 1, 0) > 0;
}

bool dm_loop_stopping(DmLoop *l)
{
    return l->quit || stop_pending();
}

static bool watched(DmLoop *l, const DmLoopWatch *w)
{
    guint i;

    for (i = 0; i < l->watches->len; i++) {
        const DmLoopWatch *x = &g_array_index(l->watches, DmLoopWatch, i);

        if (x->fd == w->fd && x->fn == w->fn && x->opaque == w->opaque) {
            return true;
        }
    }
    return false;
}

int dm_loop_run(DmLoop *l)
{
    while (!l->quit) {
        guint n = l->watches->len, i;
        g_autofree struct pollfd *p = g_new0(struct pollfd, n + 1);
        g_autofree DmLoopWatch *w = NULL;

        p[0].fd = stop_pipe[0];
        p[0].events = POLLIN;
        for (i = 0; i < n; i++) {
            p[i + 1].fd = g_array_index(l->watches, DmLoopWatch, i).fd;
            p[i + 1].events = POLLIN;
        }
        if (poll(p, n + 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "memcore-dm: poll: %s\n", strerror(errno));
            dm_loop_quit(l, 1);
            break;
        }
        if (p[0].revents) {
            dm_loop_quit(l, 0);
            break;
        }
        /*
         * Handlers may add and remove watches: dispatch from a copy, and
         * skip a watch an earlier handler removed in the meantime.
         */
        w = g_new(DmLoopWatch, n);
        memcpy(w, l->watches->data, n * sizeof(*w));
        for (i = 0; i < n && !l->quit; i++) {
            if (!p[i + 1].revents || !watched(l, &w[i])) {
                continue;
            }
            if (!w[i].fn(l, w[i].fd, w[i].opaque)) {
                dm_loop_remove(l, w[i].fd);
            }
        }
    }
    return l->status;
}

/* Wait until @fd has room or a stop comes; false on a stop. */
static bool wait_writable(int fd)
{
    struct pollfd p[2] = {
        { .fd = fd, .events = POLLOUT },
        { .fd = stop_pipe[0], .events = POLLIN },
    };

    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        return !p[1].revents;
    }
}

bool dm_loop_write(DmLoop *l, int fd, const void *buf, size_t len)
{
    const char *s = buf;
    struct stat st;
    bool sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);

    while (len) {
        ssize_t n;

        if (l->quit || !wait_writable(fd)) {
            return false;
        }
        /*
         * Never block inside write(): a socket is written without
         * waiting, anything else (a pipe) at most PIPE_BUF bytes at a
         * time, which a writable pipe takes at once.
         */
        if (sock) {
            n = send(fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            n = write(fd, s, MIN(len, PIPE_BUF));
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            return false; /* peer gone: EPIPE, SIGPIPE is ignored */
        }
        s += n;
        len -= n;
    }
    return true;
}
