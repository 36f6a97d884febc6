/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small qtest client for memcore-dm (see libmcqtest.h).
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmcqtest.h"

struct MCQTest {
    int out_fd; /* requests go here */
    FILE *in; /* replies come from here */
    GPid pid; /* 0: not ours to wait for */
};

int mcq_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

const char *mcq_binary(void)
{
    const char *p = getenv("MEMCORE_DM");

    if (!p || !*p) {
        fprintf(stderr, "MEMCORE_DM is not set: run the tests with "
                        "'meson test', or point it at memcore-dm\n");
        abort();
    }
    return p;
}

static void split_args(GPtrArray *argv, const char *args)
{
    g_auto(GStrv) words = NULL;
    unsigned i;

    if (!args) {
        return;
    }
    words = g_strsplit(args, " ", 0);
    for (i = 0; words[i]; i++) {
        if (words[i][0]) {
            g_ptr_array_add(argv, g_strdup(words[i]));
        }
    }
}

MCQTest *mcq_start_argv(const char *const *argv)
{
    GError *err = NULL;
    MCQTest *s = g_new0(MCQTest, 1);
    int in_fd;

    /* A test that closes early must not kill the test with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &s->pid, &s->out_fd, &in_fd, NULL, &err)) {
        ck_abort_msg("cannot start %s: %s", argv[0], err->message);
    }
    s->in = fdopen(in_fd, "r");
    return s;
}

MCQTest *mcq_start(const char *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup(mcq_binary()));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strdup("stdio"));
    split_args(argv, args);
    g_ptr_array_add(argv, NULL);
    return mcq_start_argv((const char *const *)argv->pdata);
}

MCQTest *mcq_start_fd(int fd, GPid pid)
{
    MCQTest *s = g_new0(MCQTest, 1);

    signal(SIGPIPE, SIG_IGN);
    s->out_fd = fd;
    s->in = fdopen(dup(fd), "r");
    s->pid = pid;
    return s;
}

GPid mcq_pid(MCQTest *s)
{
    return s->pid;
}

uint64_t mcq_peak_rss(MCQTest *s)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)s->pid);
    g_autofree char *text = NULL;
    const char *hwm;

    ck_assert_int_gt(s->pid, 0);
    ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL),
                  "cannot read %s", path);
    hwm = strstr(text, "VmHWM:");
    ck_assert_msg(hwm, "no VmHWM in %s", path);
    return g_ascii_strtoull(hwm + 6, NULL, 10) << 10; /* in kB */
}

static int wait_status(GPid pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int mcq_quit(MCQTest *s)
{
    int ret = -1;

    close(s->out_fd);
    fclose(s->in);
    if (s->pid > 0) {
        ret = wait_status(s->pid);
    }
    g_free(s);
    return ret;
}

void mcq_kill(MCQTest *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
    }
    mcq_quit(s);
}

void mcq_send_raw(MCQTest *s, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(s->out_fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        ck_assert_msg(n > 0, "sending to memcore-dm: %s", g_strerror(errno));
        p += n;
        len -= n;
    }
}

char *mcq_recv_line(MCQTest *s)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, s->in);

    ck_assert_msg(n > 0 && line[n - 1] == '\n',
                  "memcore-dm closed the connection instead of replying");
    line[n - 1] = '\0';
    return line;
}

static char *cmd_v(MCQTest *s, const char *fmt, va_list ap)
{
    g_autofree char *req = g_strdup_vprintf(fmt, ap);

    mcq_send_raw(s, req, strlen(req));
    mcq_send_raw(s, "\n", 1);
    return mcq_recv_line(s);
}

char *mcq_cmd(MCQTest *s, const char *fmt, ...)
{
    va_list ap;
    char *r;

    va_start(ap, fmt);
    r = cmd_v(s, fmt, ap);
    va_end(ap);
    return r;
}

static bool is_final(const char *line)
{
    return !strcmp(line, "OK") || g_str_has_prefix(line, "OK ") ||
           g_str_has_prefix(line, "ERR") || g_str_has_prefix(line, "FAIL");
}

GPtrArray *mcq_cmd_lines(MCQTest *s, const char *fmt, ...)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    va_list ap;
    char *l;

    va_start(ap, fmt);
    l = cmd_v(s, fmt, ap);
    va_end(ap);
    for (;;) {
        g_ptr_array_add(lines, l);
        if (is_final(l)) {
            return lines;
        }
        l = mcq_recv_line(s);
    }
}

void mcq_expect_ok(MCQTest *s, const char *fmt, ...)
{
    g_autofree char *req = NULL;
    g_autofree char *r = NULL;
    va_list ap;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r = mcq_cmd(s, "%s", req);
    ck_assert_msg(!strcmp(r, "OK"), "'%.80s' answered '%s'", req, r);
}

char *mcq_expect_err(MCQTest *s, const char *fmt, ...)
{
    g_autofree char *req = NULL;
    char *r;
    va_list ap;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r = mcq_cmd(s, "%s", req);
    ck_assert_msg(g_str_has_prefix(r, "ERR "), "'%.80s' answered '%s'", req,
                  r);
    return r;
}

uint64_t mcq_reply_u64(const char *reply)
{
    char *end;
    uint64_t v;

    ck_assert_msg(g_str_has_prefix(reply, "OK "), "reply '%s'", reply);
    errno = 0;
    v = strtoull(reply + 3, &end, 0);
    ck_assert_msg(!errno && end != reply + 3 && !*end, "reply '%s'", reply);
    return v;
}

/* ---- sized accesses -------------------------------------------------- */

static uint64_t readx(MCQTest *s, char sz, uint64_t addr)
{
    g_autofree char *r = mcq_cmd(s, "read%c 0x%" PRIx64, sz, addr);

    /* QEMU's format: "OK 0x" and exactly 16 hex digits. */
    ck_assert_msg(strlen(r) == 21 && g_str_has_prefix(r, "OK 0x"),
                  "read%c 0x%" PRIx64 " answered '%s'", sz, addr, r);
    return mcq_reply_u64(r);
}

uint8_t mcq_readb(MCQTest *s, uint64_t addr)
{
    return readx(s, 'b', addr);
}
uint16_t mcq_readw(MCQTest *s, uint64_t addr)
{
    return readx(s, 'w', addr);
}
uint32_t mcq_readl(MCQTest *s, uint64_t addr)
{
    return readx(s, 'l', addr);
}
uint64_t mcq_readq(MCQTest *s, uint64_t addr)
{
    return readx(s, 'q', addr);
}

void mcq_writeb(MCQTest *s, uint64_t addr, uint8_t v)
{
    mcq_expect_ok(s, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

void mcq_writew(MCQTest *s, uint64_t addr, uint16_t v)
{
    mcq_expect_ok(s, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

void mcq_writel(MCQTest *s, uint64_t addr, uint32_t v)
{
    mcq_expect_ok(s, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

void mcq_writeq(MCQTest *s, uint64_t addr, uint64_t v)
{
    mcq_expect_ok(s, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

/* ---- bulk transfers -------------------------------------------------- */

void mcq_memread(MCQTest *s, uint64_t addr, void *buf, size_t len)
{
    g_autofree char *r = mcq_cmd(s, "read 0x%" PRIx64 " 0x%zx", addr, len);
    uint8_t *p = buf;
    size_t i;

    ck_assert_msg(g_str_has_prefix(r, "OK 0x") && strlen(r) == 5 + 2 * len,
                  "read of %zu bytes answered '%.80s'", len, r);
    for (i = 0; i < len; i++) {
        p[i] = g_ascii_xdigit_value(r[5 + 2 * i]) << 4 |
               g_ascii_xdigit_value(r[6 + 2 * i]);
    }
}

void mcq_memwrite(MCQTest *s, uint64_t addr, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    GString *req = g_string_new(NULL);
    size_t i;

    g_string_printf(req, "write 0x%" PRIx64 " 0x%zx 0x", addr, len);
    for (i = 0; i < len; i++) {
        g_string_append_printf(req, "%02x", p[i]);
    }
    mcq_expect_ok(s, "%s", req->str);
    g_string_free(req, TRUE);
}

void mcq_bufread(MCQTest *s, uint64_t addr, void *buf, size_t len)
{
    g_autofree char *r = mcq_cmd(s, "b64read 0x%" PRIx64 " 0x%zx", addr, len);
    g_autofree uint8_t *data = NULL;
    gsize n;

    ck_assert_msg(g_str_has_prefix(r, "OK "), "b64read answered '%.80s'", r);
    data = g_base64_decode(r + 3, &n);
    ck_assert_uint_eq(n, len);
    memcpy(buf, data, len);
}

void mcq_bufwrite(MCQTest *s, uint64_t addr, const void *buf, size_t len)
{
    g_autofree char *b64 = g_base64_encode(buf, len);

    mcq_expect_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, len, b64);
}

void mcq_memset(MCQTest *s, uint64_t addr, uint8_t pattern, size_t len)
{
    mcq_expect_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, len, pattern);
}

uint64_t mcq_stat(MCQTest *s, const char *name)
{
    g_autoptr(GPtrArray) lines = mcq_cmd_lines(s, "stats");
    size_t nlen = strlen(name);
    unsigned i;

    ck_assert_str_eq(g_ptr_array_index(lines, lines->len - 1), "OK");
    for (i = 0; i + 1 < lines->len; i++) {
        const char *l = g_ptr_array_index(lines, i);

        if (!strncmp(l, name, nlen) && l[nlen] == ' ') {
            return g_ascii_strtoull(l + nlen + 1, NULL, 10);
        }
    }
    ck_abort_msg("stats has no counter '%s'", name);
    return 0;
}

/* ---- running the program as a user would ---------------------------- */

int mcq_run(const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GError *e = NULL;
    int status;

    g_ptr_array_add(argv, (char *)mcq_binary());
    for (; *args; args++) {
        g_ptr_array_add(argv, (char *)*args);
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                      G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, out, err,
                      &status, &e)) {
        ck_abort_msg("cannot run %s: %s", mcq_binary(), e->message);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
