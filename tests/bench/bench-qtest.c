/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * P7: qtest throughput of memcore-dm against Debian's QEMU.
 *
 * One script, sent to both over a pipe as fast as they take it: 10^5
 * writel/readl pairs and 1 MiB each of b64write and b64read, at addresses
 * from 1 MiB to 64 MiB. The figure is lines per second, memcore-dm's over
 * QEMU's, measured alternately in the same run; every reply must be the
 * same byte for byte.
 *
 * The clock starts once the program has answered a first request (so
 * neither start-up is counted) and stops at the last reply. QEMU does
 * not exit at the end of its input, so it is killed; memcore-dm is given
 * end of file and must exit by itself.
 *
 * Usage: bench-qtest --dm PATH [--qemu PATH] [common options]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "bench.h"

#define PAIRS 100000
#define B64_CHUNK 4096
#define B64_TOTAL (1u << 20)
#define ADDR_LO (1u << 20)
#define ADDR_HI (64u << 20)
#define TIMEOUT_S 120

/* The command lines of the issue; [0] is filled in from the options. */
static char *dm_argv[] = {
    NULL, "-machine", "none", "-m", "128M", "-qtest", "stdio", NULL,
};
static char *qemu_argv[] = {
    NULL,         "-machine",  "pc",       "-accel", "tcg",
    "-S",         "-m",        "128M",     "-qtest", "stdio",
    "-qtest-log", "/dev/null", "-display", "none",   "-nodefaults",
    "-monitor",   "none",      "-serial",  "none",   NULL,
};

typedef struct Script {
    GString *text;
    unsigned lines;
} Script;

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static Script make_script(unsigned pairs, unsigned b64_total)
{
    Script s = { g_string_sized_new(8 << 20), 0 };
    unsigned chunks = b64_total / B64_CHUNK;
    unsigned every = chunks ? pairs / chunks : 0;
    uint8_t data[B64_CHUNK];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned chunk = 0;

    for (unsigned i = 0; i < pairs; i++) {
        uint64_t a = ADDR_LO + (xorshift(&x) % (ADDR_HI - ADDR_LO - 4));
        uint32_t v = xorshift(&x);

        a &= ~3ull;
        g_string_append_printf(s.text,
                               "writel 0x%" PRIx64 " 0x%x\n"
                               "readl 0x%" PRIx64 "\n",
                               a, v, a);
        s.lines += 2;
        /* The bulk transfers are spread through the script. */
        if (every && i % every == every - 1 && chunk < chunks) {
            uint64_t b = ADDR_LO +
                         (xorshift(&x) % (ADDR_HI - ADDR_LO - B64_CHUNK));
            char *enc;

            for (unsigned k = 0; k < B64_CHUNK; k++) {
                data[k] = xorshift(&x);
            }
            enc = g_base64_encode(data, B64_CHUNK);
            g_string_append_printf(s.text,
                                   "b64write 0x%" PRIx64 " 0x%x %s\n"
                                   "b64read 0x%" PRIx64 " 0x%x\n",
                                   b, B64_CHUNK, enc, b, B64_CHUNK);
            g_free(enc);
            s.lines += 2;
            chunk++;
        }
    }
    return s;
}

typedef struct Child {
    pid_t pid;
    int in; /* we write its stdin */
    int out; /* we read its stdout */
} Child;

static Child spawn(char *const argv[])
{
    int to[2], from[2];
    Child c;

    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) {
        g_error("pipe: %s", g_strerror(errno));
    }
    c.pid = fork();
    if (c.pid < 0) {
        g_error("fork: %s", g_strerror(errno));
    }
    if (c.pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);

        dup2(to[0], 0);
        dup2(from[1], 1);
        /* QEMU prints a GLib warning when killed; nobody needs it. */
        dup2(devnull, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    c.in = to[1];
    c.out = from[0];
    fcntl(c.in, F_SETFL, O_NONBLOCK);
    return c;
}

/* Count newlines in @buf[@from..]. */
static unsigned count_lines(const GString *buf, size_t from)
{
    unsigned n = 0;

    for (size_t i = from; i < buf->len; i++) {
        n += buf->str[i] == '\n';
    }
    return n;
}

/*
 * Send @len bytes of @text while collecting replies until @lines of them
 * arrived. Returns false on timeout or if the child went away.
 */
static bool exchange(Child *c, const char *text, size_t len, unsigned lines,
                     GString *replies)
{
    size_t sent = 0;
    unsigned got = 0;
    uint64_t deadline = bench_wall_ns() + TIMEOUT_S * 1000000000ull;
    char chunk[65536];

    while (got < lines) {
        struct pollfd fds[2] = {
            { .fd = c->out, .events = POLLIN },
            { .fd = c->in, .events = POLLOUT },
        };
        int n = poll(fds, sent < len ? 2 : 1, 1000);

        if (bench_wall_ns() > deadline) {
            return false;
        }
        if (n <= 0) {
            continue;
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(c->out, chunk, sizeof(chunk));
            size_t before = replies->len;

            if (r <= 0) {
                return false;
            }
            g_string_append_len(replies, chunk, r);
            got += count_lines(replies, before);
        }
        if (sent < len && (fds[1].revents & POLLOUT)) {
            ssize_t w = write(c->in, text + sent, MIN(len - sent, 1 << 16));

            if (w > 0) {
                sent += w;
            } else if (w < 0 && errno != EAGAIN) {
                return false;
            }
        }
    }
    return true;
}

typedef struct RunResult {
    double seconds;
    GString *replies;
    bool ok;
    int exit_status;
} RunResult;

static RunResult run_one(char *const argv[], const Script *s, bool kill_it)
{
    static const char prime[] = "readl 0x100000\n";
    GString *first = g_string_new(NULL);
    RunResult res = { .replies = g_string_sized_new(8 << 20) };
    Child c = spawn(argv);
    uint64_t t0;
    int status;

    /* Wait until it serves, so start-up is not counted. */
    res.ok = exchange(&c, prime, strlen(prime), 1, first);
    g_string_free(first, TRUE);
    if (res.ok) {
        t0 = bench_wall_ns();
        res.ok = exchange(&c, s->text->str, s->text->len, s->lines,
                          res.replies);
        res.seconds = (bench_wall_ns() - t0) / 1e9;
    }
    close(c.in);
    if (kill_it || !res.ok) {
        kill(c.pid, SIGKILL);
    }
    waitpid(c.pid, &status, 0);
    close(c.out);
    res.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return res;
}

/* First reply line that differs, for the report; -1 if none. */
static long first_difference(const GString *a, const GString *b)
{
    const char *p = a->str, *q = b->str;
    long line = 0;

    while (*p || *q) {
        const char *pe = strchrnul(p, '\n'), *qe = strchrnul(q, '\n');

        if (pe - p != qe - q || memcmp(p, q, pe - p)) {
            return line;
        }
        line++;
        p = *pe ? pe + 1 : pe;
        q = *qe ? qe + 1 : qe;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *dm = NULL, *qemu = "qemu-system-x86_64";
    unsigned reps, pairs, b64_total;
    double dm_lps[32], qemu_lps[32];
    bool identical = true, all_ok = true;
    long diff_line = -1;
    int dm_exit = 0;
    Script s;
    BenchPair p;
    FILE *dat;
    int i, j;

    /* Our own options first; bench_init() gets the rest. */
    for (i = j = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dm") && i + 1 < argc) {
            dm = argv[++i];
        } else if (!strcmp(argv[i], "--qemu") && i + 1 < argc) {
            qemu = argv[++i];
        } else {
            argv[j++] = argv[i];
        }
    }
    argc = j;
    bench_init(argc, argv, "bench-qtest");
    if (!dm) {
        fprintf(stderr, "bench-qtest: --dm PATH is required\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    reps = MIN(bench_opts.reps, 31);
    if (reps > 5) {
        reps = 5; /* each run is a second or more of QEMU */
    }
    pairs = bench_opts.quick ? PAIRS / 10 : PAIRS;
    b64_total = bench_opts.quick ? B64_TOTAL / 10 : B64_TOTAL;
    s = make_script(pairs, b64_total);

    dm_argv[0] = (char *)dm;
    qemu_argv[0] = (char *)qemu;
    for (unsigned r = 0; r < reps; r++) {
        RunResult a, b;

        /* Alternate which one goes first. */
        if (r % 2) {
            b = run_one(qemu_argv, &s, true);
            a = run_one(dm_argv, &s, false);
        } else {
            a = run_one(dm_argv, &s, false);
            b = run_one(qemu_argv, &s, true);
        }
        if (!a.ok || !b.ok) {
            fprintf(stderr, "bench-qtest: %s did not answer every line\n",
                    !a.ok ? "memcore-dm" : "QEMU");
            all_ok = false;
        }
        if (a.exit_status != 0) {
            dm_exit = a.exit_status;
        }
        if (identical && a.ok && b.ok) {
            diff_line = first_difference(a.replies, b.replies);
            identical = diff_line < 0;
        }
        dm_lps[r] = a.ok ? s.lines / a.seconds : 0;
        qemu_lps[r] = b.ok ? s.lines / b.seconds : 0;
        g_string_free(a.replies, TRUE);
        g_string_free(b.replies, TRUE);
    }

    p = bench_pair_from(dm_lps, qemu_lps, reps);
    {
        char *params = bench_fmt("\"lines\": %u, \"pairs\": %u, "
                                 "\"b64_bytes\": %u",
                                 s.lines, pairs, b64_total);

        bench_record("P7/qtest-throughput", params, "lines/s", &p,
                     "QEMU 7.2 qtest, same script",
                     (BenchTarget){ BENCH_GE, 1.5 }, NULL);
        g_free(params);
    }
    bench_record_count("P7/replies-identical", "", "bool", all_ok && identical,
                       (BenchTarget){ BENCH_EQ, 1 },
                       identical ? NULL : "replies differ (see stdout)");
    if (!identical) {
        printf("bench-qtest: first differing reply is line %ld\n", diff_line);
    }
    bench_record_count("P7/memcore-dm-exit-status", "", "status", dm_exit,
                       (BenchTarget){ BENCH_EQ, 0 },
                       "exits by itself at end of input");
    dat = bench_data_open("p7-qtest.dat");
    if (dat) {
        fprintf(dat, "# rep memcore-dm-klines/s qemu-klines/s\n");
        for (unsigned r = 0; r < reps; r++) {
            fprintf(dat, "%u %.1f %.1f\n", r, dm_lps[r] / 1e3,
                    qemu_lps[r] / 1e3);
        }
        fclose(dat);
    }
    g_string_free(s.text, TRUE);
    return bench_finish();
}
