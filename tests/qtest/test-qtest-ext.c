/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest extensions: xen-grant, xen-grant-seq, xen-end, mtree, stats.
 *
 * Most run against memcore-dm over a pipe. "ERR busy" needs a mapping
 * held across a request, which no request can do, so that case runs the
 * protocol in-process with the program's own machine.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"
#include "memcore-dm/machine.h"
#include "memcore-dm/qtest.h"

static MCQTest *qts;

static void setup(void)
{
    qts = mcq_start("-m 16M");
}

static void teardown(void)
{
    ck_assert_int_eq(mcq_quit(qts), 0);
}

static bool has_line(GPtrArray *lines, const char *needle)
{
    unsigned i;

    for (i = 0; i < lines->len; i++) {
        if (strstr(g_ptr_array_index(lines, i), needle)) {
            return true;
        }
    }
    return false;
}

START_TEST(test_grant_replies)
{
    g_autofree char *r1 = mcq_cmd(qts, "xen-grant 0x10 rw");
    g_autofree char *r2 = mcq_cmd(qts, "xen-grant 0x11 ro");
    g_autofree char *r3 = mcq_cmd(qts, "xen-grant-seq 0x20 16 ro");
    g_autofree char *r4 = mcq_cmd(qts, "xen-grant-seq 0x40 4 rw");
    uint64_t a = mcq_reply_u64(r1), b = mcq_reply_u64(r2);
    uint64_t c = mcq_reply_u64(r3), d = mcq_reply_u64(r4);

    /* "OK <decimal ref>"; refs 0..7 are reserved. */
    ck_assert_str_eq(r1, "OK 8");
    ck_assert_uint_ge(a, 8);
    ck_assert_uint_ne(a, b);
    /* Sequences are consecutive: the next one starts after all 16. */
    ck_assert_uint_eq(d, c + 16);
}
END_TEST

START_TEST(test_grant_is_usable_and_ends)
{
    g_autofree char *r = mcq_cmd(qts, "xen-grant-seq 0x30 2 rw");
    uint64_t ref = mcq_reply_u64(r);
    uint64_t ga = (1ULL << 63) | (ref << 12);

    /* qtest accesses to grant addresses go through grant copy. */
    mcq_writeq(qts, ga + 4092, 0x1122334455667788ULL);
    ck_assert_uint_eq(mcq_readq(qts, 0x30000 + 4092), 0x1122334455667788ULL);
    ck_assert_uint_eq(mcq_readq(qts, ga + 4092), 0x1122334455667788ULL);
    mcq_expect_ok(qts, "xen-end %" PRIu64, ref);
    mcq_expect_ok(qts, "xen-end %" PRIu64, ref + 1);
    /* Ended: the address no longer reaches the page. */
    g_free(mcq_expect_err(qts, "readq 0x%" PRIx64, ga));
    /* Ending twice is an error, not a crash. */
    g_autofree char *e = mcq_expect_err(qts, "xen-end %" PRIu64, ref);
    ck_assert_ptr_nonnull(strstr(e, "is not granted"));
}
END_TEST

START_TEST(test_read_only_grant_via_qtest)
{
    g_autofree char *r = mcq_cmd(qts, "xen-grant 0x31 ro");
    uint64_t ga = (1ULL << 63) | (mcq_reply_u64(r) << 12);
    g_autofree char *e = NULL;

    mcq_writel(qts, 0x31000, 0xabcd);
    ck_assert_uint_eq(mcq_readl(qts, ga), 0xabcd);
    e = mcq_expect_err(qts, "writel 0x%" PRIx64 " 1", ga);
    ck_assert_ptr_nonnull(strstr(e, "access error"));
    ck_assert_uint_eq(mcq_readl(qts, 0x31000), 0xabcd);
}
END_TEST

START_TEST(test_grant_errors)
{
    g_autofree char *e1 = mcq_expect_err(qts, "xen-grant 0x10");
    g_autofree char *e2 = mcq_expect_err(qts, "xen-grant 0x10 rx");
    g_autofree char *e3 = mcq_expect_err(qts, "xen-grant-seq 0x10 0 rw");
    g_autofree char *e4 = mcq_expect_err(qts, "xen-grant-seq 0x10 40000 rw");
    g_autofree char *e5 = mcq_expect_err(qts, "xen-grant 0x100000000 rw");
    g_autofree char *e6 = mcq_expect_err(qts, "xen-end 3");
    g_autofree char *e7 = mcq_expect_err(qts, "xen-end 0x100000000");
    g_autofree char *e8 = mcq_expect_err(qts, "xen-grant zz rw");

    ck_assert_ptr_nonnull(strstr(e1, "missing argument ro|rw"));
    ck_assert_ptr_nonnull(strstr(e2, "ro or rw"));
    ck_assert_ptr_nonnull(strstr(e3, "N must be"));
    ck_assert_ptr_nonnull(strstr(e4, "invalid frame or count"));
    ck_assert_ptr_nonnull(strstr(e5, "invalid frame"));
    ck_assert_ptr_nonnull(strstr(e6, "not granted"));
    ck_assert_ptr_nonnull(strstr(e7, "not granted"));
    ck_assert_ptr_nonnull(strstr(e8, "GFN 'zz' is not a number"));
}
END_TEST

START_TEST(test_mtree)
{
    g_autoptr(GPtrArray) t = mcq_cmd_lines(qts, "mtree");
    g_autoptr(GPtrArray) f = mcq_cmd_lines(qts, "mtree -f");
    g_autofree char *e = mcq_expect_err(qts, "mtree -x");

    ck_assert_str_eq(g_ptr_array_index(t, t->len - 1), "OK");
    ck_assert_str_eq(g_ptr_array_index(t, 0), "address-space: memory");
    ck_assert(has_line(t, "(prio 0, container): system"));
    ck_assert(has_line(t, "00000000fe000000-00000000fe000fff (prio 0, i/o): "
                          "dma-test"));
    ck_assert_str_eq(g_ptr_array_index(f, f->len - 1), "OK");
    ck_assert(has_line(f, "FlatView"));
    ck_assert(has_line(f, "8000000000000000-ffffffffffffffff"));
    ck_assert(has_line(f, " map path: "));
    ck_assert(!has_line(f, "container"));
    ck_assert_ptr_nonnull(strstr(e, "only -f"));
}
END_TEST

START_TEST(test_stats)
{
    g_autoptr(GPtrArray) l = mcq_cmd_lines(qts, "stats");
    uint64_t copies = mcq_stat(qts, "grant_copies");
    g_autofree char *r = mcq_cmd(qts, "xen-grant 0x12 rw");
    uint64_t ga = (1ULL << 63) | (mcq_reply_u64(r) << 12);
    unsigned i;

    /* "name value" lines, then OK. */
    for (i = 0; i + 1 < l->len; i++) {
        g_auto(GStrv) kv = g_strsplit(g_ptr_array_index(l, i), " ", 0);

        ck_assert_uint_eq(g_strv_length(kv), 2);
        ck_assert(g_ascii_isdigit(kv[1][0]));
    }
    ck_assert_str_eq(g_ptr_array_index(l, l->len - 1), "OK");
    ck_assert_uint_eq(mcq_stat(qts, "bounce_max"), 4096);
    mcq_readl(qts, ga);
    ck_assert_uint_eq(mcq_stat(qts, "grant_copies"), copies + 1);
}
END_TEST

/* ---- in-process: a mapping held across "xen-end" ---------------------- */

static char *process(DmMachine *m, const char *line)
{
    GString *reply = g_string_new(NULL);

    qtest_process_line(m, line, strlen(line), reply);
    return g_string_free(reply, FALSE);
}

START_TEST(test_end_while_mapped_is_busy)
{
    char *argv[] = { "memcore-dm", "-qtest", "stdio", "-m", "16M", NULL };
    g_autofree char *r = NULL, *busy = NULL, *ok = NULL, *req = NULL;
    GError *err = NULL;
    DmOptions o;
    DmMachine *m;
    hwaddr len = 4096;
    void *p;

    ck_assert(dm_options_parse(&o, 5, argv, &err));
    m = dm_machine_new(&o, &err);
    ck_assert_msg(m, "%s", err ? err->message : "?");
    r = process(m, "xen-grant 0x40 rw");
    req = g_strdup_printf("xen-end %" PRIu64, mcq_reply_u64(g_strchomp(r)));
    /* The backend is in the middle of a DMA to the page. */
    p = address_space_map(&m->as, (1ULL << 63) | (mcq_reply_u64(r) << 12),
                          &len, true, MEMTXATTRS_UNSPECIFIED);
    ck_assert_ptr_nonnull(p);
    busy = process(m, req);
    ck_assert_str_eq(busy, "ERR busy\n");
    address_space_unmap(&m->as, p, len, true, 0);
    ok = process(m, req);
    ck_assert_str_eq(ok, "OK\n");
    dm_machine_free(m);
    dm_options_clear(&o);
}
END_TEST

static Suite *ext_suite(void)
{
    Suite *s = suite_create("qtest-extensions");
    TCase *tc = tcase_create("extensions");
    TCase *inproc = tcase_create("in-process");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_grant_replies);
    tcase_add_test(tc, test_grant_is_usable_and_ends);
    tcase_add_test(tc, test_read_only_grant_via_qtest);
    tcase_add_test(tc, test_grant_errors);
    tcase_add_test(tc, test_mtree);
    tcase_add_test(tc, test_stats);
    suite_add_tcase(s, tc);
    tcase_add_test(inproc, test_end_while_mapped_is_busy);
    suite_add_tcase(s, inproc);
    return s;
}

int main(void)
{
    return mcq_run_suite(ext_suite());
}
