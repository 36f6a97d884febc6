/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -qtest unix:PATH (memcore-dm connects, as QEMU does for libqtest) and
 * -qtest unix:PATH,server (memcore-dm listens and serves one client after
 * another until SIGTERM).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmcqtest.h"

static char *tmpdir;
static char *sock_path;

static void setup(void)
{
    tmpdir = g_dir_make_tmp("mcq-unix-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
    sock_path = g_build_filename(tmpdir, "qtest.sock", NULL);
}

static void teardown(void)
{
    unlink(sock_path);
    rmdir(tmpdir);
    g_free(sock_path);
    g_free(tmpdir);
}

static struct sockaddr_un addr_of(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    return sa;
}

static GPid spawn(const char *qtest_arg)
{
    const char *argv[] = { mcq_binary(), "-accel",  "none",
                           "-qtest",     qtest_arg, NULL };
    GError *err = NULL;
    GPid pid;

    ck_assert_msg(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                &err),
                  "%s", err ? err->message : "");
    return pid;
}

static int reap(GPid pid)
{
    int status;

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Connect to a server that may still be starting: retry for 10 s. */
static int connect_retry(const char *path)
{
    struct sockaddr_un sa = addr_of(path);
    unsigned i;

    for (i = 0; i < 1000; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return fd;
        }
        close(fd);
        g_usleep(10000);
    }
    ck_abort_msg("memcore-dm never listened on %s", path);
    return -1;
}

START_TEST(test_server_serves_clients_in_turn)
{
    g_autofree char *arg = g_strdup_printf("unix:%s,server", sock_path);
    GPid pid = spawn(arg);
    MCQTest *c;

    c = mcq_start_fd(connect_retry(sock_path), 0);
    mcq_writel(c, 0x1000, 0x55aa);
    /* Closing mid-line: the fragment must not run. */
    mcq_send_raw(c, "writel 0x1000 0x66", 18);
    mcq_quit(c);

    /* A second client sees the same machine. */
    c = mcq_start_fd(connect_retry(sock_path), 0);
    ck_assert_uint_eq(mcq_readl(c, 0x1000), 0x55aa);
    mcq_quit(c);

    kill(pid, SIGTERM);
    ck_assert_int_eq(reap(pid), 0);
    ck_assert_int_ne(access(sock_path, F_OK), 0);
}
END_TEST

START_TEST(test_server_sigterm_while_connected)
{
    g_autofree char *arg = g_strdup_printf("unix:%s,server=on,wait=off",
                                           sock_path);
    GPid pid = spawn(arg);
    MCQTest *c = mcq_start_fd(connect_retry(sock_path), 0);

    ck_assert_uint_eq(mcq_readl(c, 0), 0);
    kill(pid, SIGTERM);
    ck_assert_int_eq(reap(pid), 0);
    mcq_quit(c);
}
END_TEST

/*
 * Wait for @pid for up to @seconds (generous: the promise is one second,
 * the machine may be loaded); kill it and fail if it is still there.
 */
static int reap_within(GPid pid, unsigned seconds)
{
    int status;
    unsigned i;

    for (i = 0; i < seconds * 100; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        ck_assert_int_ge(r, 0);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) :
                                       128 + WTERMSIG(status);
        }
        g_usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ck_abort_msg("memcore-dm ignored SIGTERM for %u s", seconds);
    return -1;
}

/*
 * Ask for replies far bigger than a socket buffer and never read them:
 * memcore-dm ends up blocked writing. SIGTERM must still end it, with
 * status 0, as qtest.rst promises and libqtest expects.
 */
static void stall_and_terminate(MCQTest *c, GPid pid)
{
    unsigned i;

    for (i = 0; i < 4; i++) {
        mcq_send_raw(c, "read 0 0x1000000\n", 17);
    }
    g_usleep(300000); /* let it fill the buffer and block */
    kill(pid, SIGTERM);
    ck_assert_int_eq(reap_within(pid, 10), 0);
}

START_TEST(test_server_sigterm_while_blocked_writing)
{
    g_autofree char *arg = g_strdup_printf("unix:%s,server", sock_path);
    GPid pid = spawn(arg);
    MCQTest *c = mcq_start_fd(connect_retry(sock_path), 0);

    stall_and_terminate(c, pid);
    ck_assert_int_ne(access(sock_path, F_OK), 0);
    mcq_quit(c);
}
END_TEST

/*
 * As libqtest does: the test listens on sock_path, memcore-dm connects.
 * Returns the connection; *pid is the program.
 */
static int start_client_mode(GPid *pid)
{
    struct sockaddr_un sa = addr_of(sock_path);
    g_autofree char *arg = g_strdup_printf("unix:%s", sock_path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), fd;

    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(lfd, 1), 0);
    *pid = spawn(arg);
    fd = accept(lfd, NULL, NULL);
    close(lfd);
    ck_assert_int_ge(fd, 0);
    return fd;
}

START_TEST(test_client_sigterm_while_blocked_writing)
{
    GPid pid;
    MCQTest *c = mcq_start_fd(start_client_mode(&pid), 0);

    /* libqtest's way to end it: SIGTERM, then waitpid(). */
    stall_and_terminate(c, pid);
    mcq_quit(c);
}
END_TEST

START_TEST(test_stdio_sigterm_while_blocked_writing)
{
    MCQTest *c = mcq_start("-accel none");

    stall_and_terminate(c, mcq_pid(c));
    mcq_quit(c); /* only frees: it was reaped */
}
END_TEST

START_TEST(test_server_replaces_stale_socket_only)
{
    struct sockaddr_un sa = addr_of(sock_path);
    g_autofree char *arg = g_strdup_printf("unix:%s,server", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_autofree char *err = NULL;
    const char *argv[] = { "-qtest", arg, NULL };
    GPid pid;
    MCQTest *c;

    /* A socket left behind by a crashed run is replaced ... */
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    pid = spawn(arg);
    c = mcq_start_fd(connect_retry(sock_path), 0);
    ck_assert_uint_eq(mcq_readl(c, 0), 0);
    mcq_quit(c);

    /* ... a live server's is not: the second one gives up ... */
    ck_assert_int_eq(mcq_run(argv, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "another server is listening"));
    c = mcq_start_fd(connect_retry(sock_path), 0);
    ck_assert_uint_eq(mcq_readl(c, 0), 0);
    mcq_quit(c);
    kill(pid, SIGTERM);
    ck_assert_int_eq(reap(pid), 0);
    g_clear_pointer(&err, g_free);

    /* ... but a regular file is not ours to delete. */
    ck_assert(g_file_set_contents(sock_path, "keep", -1, NULL));
    ck_assert_int_eq(mcq_run(argv, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "cannot listen on"));
    ck_assert(g_file_test(sock_path, G_FILE_TEST_IS_REGULAR));
}
END_TEST

START_TEST(test_client_mode)
{
    GPid pid;
    int fd = start_client_mode(&pid);
    MCQTest *c = mcq_start_fd(fd, pid);

    mcq_writeq(c, 0x2000, 0x0123456789abcdefULL);
    ck_assert_uint_eq(mcq_readq(c, 0x2000), 0x0123456789abcdefULL);
    /* Hanging up ends the program, successfully. */
    ck_assert_int_eq(mcq_quit(c), 0);
}
END_TEST

START_TEST(test_client_mode_nobody_listening)
{
    g_autofree char *arg = g_strdup_printf("unix:%s", sock_path);
    const char *argv[] = { "-qtest", arg, NULL };
    g_autofree char *err = NULL;

    ck_assert_int_eq(mcq_run(argv, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "cannot connect to"));
    ck_assert_ptr_nonnull(strstr(err, sock_path));
    ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
}
END_TEST

static Suite *unix_suite(void)
{
    Suite *s = suite_create("qtest-unix");
    TCase *tc = tcase_create("sockets");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_server_serves_clients_in_turn);
    tcase_add_test(tc, test_server_sigterm_while_connected);
    tcase_add_test(tc, test_server_sigterm_while_blocked_writing);
    tcase_add_test(tc, test_client_sigterm_while_blocked_writing);
    tcase_add_test(tc, test_stdio_sigterm_while_blocked_writing);
    tcase_add_test(tc, test_server_replaces_stale_socket_only);
    tcase_add_test(tc, test_client_mode);
    tcase_add_test(tc, test_client_mode_nobody_listening);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mcq_run_suite(unix_suite());
}
