/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unix stream sockets for memcore-dm's channels (sockets.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockets.h"

static bool fill_sockaddr(struct sockaddr_un *sa, const char *what,
                          const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        fprintf(stderr, "memcore-dm: %s: socket path too long: %s\n", what,
                path);
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

int dm_unix_connect(const char *what, const char *path)
{
    struct sockaddr_un sa;
    int fd;

    if (!fill_sockaddr(&sa, what, path)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "memcore-dm: %s: cannot connect to %s: %s\n", what,
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

int dm_unix_listen(const char *what, const char *path)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd;

    if (!fill_sockaddr(&sa, what, path)) {
        return -1;
    }
    /*
     * A socket left by a run that died is replaced. A live server's
     * socket, or any other file, is not ours to take.
     */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        if (socket_alive(&sa)) {
            fprintf(stderr,
                    "memcore-dm: %s: cannot listen on %s: "
                    "another server is listening there\n",
                    what, path);
            return -1;
        }
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        fprintf(stderr, "memcore-dm: %s: cannot listen on %s: %s\n", what,
                path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}
