/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Malformed requests: every one gets exactly one "ERR <reason>" line
 * naming what is wrong, and memcore-dm keeps serving. QEMU would assert
 * and die on most of these.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmcqtest.h"

static MCQTest *qts;

static void setup(void)
{
    qts = mcq_start("-accel none -m 16M");
    mcq_writel(qts, 0x1000, 0x600dcafe);
}

/* Still alive and still correct after whatever the test sent. */
static void teardown(void)
{
    ck_assert_uint_eq(mcq_readl(qts, 0x1000), 0x600dcafe);
    ck_assert_int_eq(mcq_quit(qts), 0);
}

/* The reply to @req must be "ERR ..." and contain @needle. */
static void expect_err(const char *req, const char *needle)
{
    g_autofree char *r = mcq_expect_err(qts, "%s", req);

    ck_assert_msg(strstr(r, needle),
                  "'%.60s' answered '%s', which does "
                  "not mention '%s'",
                  req, r, needle);
}

START_TEST(test_missing_arguments)
{
    expect_err("readl", "missing argument ADDR");
    expect_err("readq", "missing argument ADDR");
    expect_err("writeb 0x1000", "missing argument VALUE");
    expect_err("writeq", "missing argument ADDR");
    expect_err("read 0x1000", "missing argument SIZE");
    expect_err("write 0x1000 4", "missing argument DATA");
    expect_err("b64read", "missing argument ADDR");
    expect_err("b64write 0x1000 4", "missing argument DATA");
    expect_err("memset 0x1000 4", "missing argument VALUE");
}
END_TEST

START_TEST(test_not_numbers)
{
    expect_err("readl zz", "ADDR 'zz' is not a number");
    expect_err("readl 0x", "is not a number");
    expect_err("readl 12abc", "ADDR '12abc' is not a number");
    expect_err("writel 0x1000 1.5", "VALUE '1.5' is not a number");
    expect_err("read 0x1000 four", "SIZE 'four' is not a number");
    expect_err("memset 0x1000 4 x", "VALUE 'x' is not a number");
    /* Two spaces make an empty word, as in QEMU. */
    expect_err("readl  0x1000", "ADDR '' is not a number");
    expect_err("readl 0x1ffffffffffffffff", "out of range");
    expect_err("readl 0x1000\t", "not a number");
}
END_TEST

START_TEST(test_sizes)
{
    /* QEMU asserts on these; the sizes are capped at 16 MiB. */
    expect_err("read 0x1000 0", "SIZE must not be 0");
    expect_err("read 0x1000 0x1000001", "over the limit");
    expect_err("b64read 0x1000 0x1000001", "over the limit");
    expect_err("write 0x1000 0xffffffffffffffff 0x00", "over the limit");
    expect_err("memset 0 0x100000001 0", "over the limit");
    /* Done in pieces, but nothing may wrap around to address 0. */
    expect_err("memset 0xfffffffffff00000 0x200000 0x77", "decode error");
    ck_assert_uint_eq(mcq_readb(qts, 0), 0);
}
END_TEST

START_TEST(test_bad_hex)
{
    /* QEMU's own reply for data shorter than "0x" plus a digit. */
    g_autofree char *r = mcq_cmd(qts, "write 0x1000 4 0x");

    ck_assert_str_eq(r, "ERR invalid argument size");
    /* The rest of QEMU's decoding never fails (test-qtest-proto.c). */
    expect_err("write 0x1000 4", "missing argument DATA");
    expect_err("write 0x1000 0x1000001 0x00", "over the limit");
}
END_TEST

START_TEST(test_bad_base64)
{
    g_autofree char *r = mcq_cmd(qts, "b64write 0x1000 1 AA");

    ck_assert_str_eq(r, "ERR invalid argument size");
    expect_err("b64write 0x1000 3 AQI", "base64");
    expect_err("b64write 0x1000 3 AQ*D", "base64");
    expect_err("b64write 0x1000 3 A=ID", "base64");
    /* Decodes to 3 bytes: there is nothing to write for the fourth. */
    expect_err("b64write 0x1000 4 AQID", "fewer than SIZE");
}
END_TEST

START_TEST(test_empty_and_nul)
{
    static const char nul_line[] = "readl 0x1000\0junk\n";
    g_autofree char *r = NULL;

    expect_err("", "empty request");
    mcq_send_raw(qts, nul_line, sizeof(nul_line) - 1);
    r = mcq_recv_line(qts);
    ck_assert_str_eq(r, "ERR request contains a NUL byte");
}
END_TEST

START_TEST(test_xen_without_accel)
{
    expect_err("xen-grant 0x10 rw", "no Xen accelerator");
    expect_err("xen-end 8", "no Xen accelerator");
}
END_TEST

/* 65 MiB without a newline: dropped, answered once, then back to normal. */
START_TEST(test_overlong_line)
{
    const size_t chunk = 1 << 20;
    g_autofree char *junk = g_malloc(chunk);
    g_autofree char *r = NULL;
    unsigned i;

    memset(junk, 'A', chunk);
    mcq_send_raw(qts, "readl ", 6);
    for (i = 0; i < 65; i++) {
        mcq_send_raw(qts, junk, chunk);
    }
    mcq_send_raw(qts, "\n", 1);
    r = mcq_recv_line(qts);
    ck_assert_msg(g_str_has_prefix(r, "ERR request line longer than"),
                  "got '%.80s'", r);
}
END_TEST

/*
 * A request line of spaces (and one of words) costs memory in proportion
 * to its length, with a small constant: the parser splits in place and
 * never makes a vector of every word. Splitting a 16 MiB line of spaces
 * into 16 million empty strings took ~690 MB before; allow 6 times the
 * line (what the line buffer, the read buffer and an allocator that keeps
 * freed blocks, such as ASan's, can need), and check the server is fine.
 */
static void expect_line_memory(const char *head, char fill, size_t len)
{
    g_autofree char *junk = g_malloc(len);
    g_autofree char *r = NULL;
    uint64_t before, after;

    memset(junk, fill, len);
    before = mcq_peak_rss(qts);
    mcq_send_raw(qts, head, strlen(head));
    mcq_send_raw(qts, junk, len);
    mcq_send_raw(qts, "\n", 1);
    r = mcq_recv_line(qts);
    after = mcq_peak_rss(qts);
    ck_assert_msg(after - before < 6 * len,
                  "a %zu-byte line of '%c' after "
                  "'%s' raised the peak RSS by %" PRIu64 " bytes",
                  len, fill, head, after - before);
    ck_assert_msg(g_str_has_prefix(r, "ERR ") || g_str_has_prefix(r, "FAIL "),
                  "got '%.80s'", r);
}

START_TEST(test_line_of_spaces)
{
    const size_t len = 16 << 20;

    expect_line_memory("", ' ', len);
    expect_line_memory("readl", ' ', len);
    expect_line_memory("write 0x1000 4 0x", ' ', len);
    expect_line_memory("", 'x', len);
    expect_line_memory("memset 0 1", ' ', len);
}
END_TEST

/* Random words: each line gets exactly one final reply, nothing breaks. */
START_TEST(test_random_lines)
{
    static const char *const words[] = {
        "readb",   "readw",   "readl",     "readq",
        "writeb",  "writel",  "writeq",    "read",
        "write",   "b64read", "b64write",  "memset",
        "0",       "0x1000",  "-1",        "0xffffffffffffffff",
        "0x",      "zz",      "",          "0x00ff",
        "AAAA",    "4",       "0x1000000", "0x7fffffffffffffff",
        "xen-end", "AQID",    "16",
    };
    GRand *rnd = g_rand_new_with_seed(1234);
    unsigned i, j;

    for (i = 0; i < 3000; i++) {
        GString *line = g_string_new(NULL);
        unsigned n = g_rand_int_range(rnd, 1, 6);
        g_autofree char *r = NULL;

        for (j = 0; j < n; j++) {
            g_string_append_printf(
                line, "%s%s", j ? " " : "",
                words[g_rand_int_range(rnd, 0, G_N_ELEMENTS(words))]);
        }
        r = mcq_cmd(qts, "%s", line->str);
        ck_assert_msg(g_str_has_prefix(r, "OK") ||
                          g_str_has_prefix(r, "ERR ") ||
                          g_str_has_prefix(r, "FAIL "),
                      "'%s' -> '%.80s'", line->str, r);
        g_string_free(line, TRUE);
        /* Keep the canary that teardown checks. */
        mcq_writel(qts, 0x1000, 0x600dcafe);
    }
    g_rand_free(rnd);
}
END_TEST

/*
 * The peer goes away mid-line: the fragment is dropped, not run, and the
 * program exits 0. The log says so.
 */
START_TEST(test_close_mid_line)
{
    g_autofree char *path = g_build_filename(g_get_tmp_dir(), "mcq-log-XXXXXX",
                                             NULL);
    g_autofree char *args = NULL, *log = NULL, *r = NULL;
    MCQTest *s;

    close(g_mkstemp(path));
    args = g_strdup_printf("-accel none -qtest-log %s", path);
    s = mcq_start(args);
    r = mcq_cmd(s, "readl 0x1000");
    mcq_send_raw(s, "writel 0x1000 0x123", 19);
    ck_assert_int_eq(mcq_quit(s), 0);

    ck_assert(g_file_get_contents(path, &log, NULL, NULL));
    unlink(path);
    ck_assert_msg(strstr(log, "] readl 0x1000\n"), "log: %s", log);
    ck_assert_msg(strstr(log, "] OK 0x0000000000000000\n"), "log: %s", log);
    ck_assert_msg(strstr(log, "CLOSED (an unterminated line was dropped)"),
                  "log: %s", log);
    ck_assert_msg(!strstr(log, "writel"), "log: %s", log);
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("qtest-errors");
    TCase *tc = tcase_create("bad-lines");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_missing_arguments);
    tcase_add_test(tc, test_not_numbers);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_bad_hex);
    tcase_add_test(tc, test_bad_base64);
    tcase_add_test(tc, test_empty_and_nul);
    tcase_add_test(tc, test_xen_without_accel);
    tcase_add_test(tc, test_overlong_line);
    tcase_add_test(tc, test_line_of_spaces);
    tcase_add_test(tc, test_random_lines);
    tcase_add_test(tc, test_close_mid_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mcq_run_suite(errors_suite());
}
