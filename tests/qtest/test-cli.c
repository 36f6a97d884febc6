/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm driven as a user would: bad options, -help, -version,
 * -mtree, the QEMU flags harnesses pass, and the demo.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Exit status 2, nothing on stdout, one line on stderr naming @needle. */
static void expect_usage_error(const char *const *argv, const char *needle)
{
    g_autofree char *out = NULL, *err = NULL;
    int ret = mcq_run(argv, &out, &err);

    ck_assert_msg(ret == 2, "'%s ...': exit status %d, stderr '%s'", argv[0],
                  ret, err);
    ck_assert_str_eq(out, "");
    ck_assert_msg(g_str_has_prefix(err, "memcore-dm: ") &&
                      strchr(err, '\n') == err + strlen(err) - 1,
                  "not one line: '%s'", err);
    ck_assert_msg(strstr(err, needle), "'%s' does not mention '%s'", err,
                  needle);
}

START_TEST(test_bad_options)
{
    expect_usage_error(ARGS("-bogus"), "unknown option '-bogus'");
    expect_usage_error(ARGS("stray"), "unexpected argument 'stray'");
    expect_usage_error(ARGS("-machine", "pc"), "unknown machine 'pc'");
    expect_usage_error(ARGS("-machine"), "-machine needs a value");
    expect_usage_error(ARGS("-m", "12Q"), "invalid size '12Q'");
    expect_usage_error(ARGS("-m", "-5"), "invalid size '-5'");
    expect_usage_error(ARGS("-m", "99999999999999999999"), "invalid size");
    expect_usage_error(ARGS("-m", "1T", "-mtree"), "too large");
    expect_usage_error(ARGS("-m", "512K", "-mtree"), "too small");
    expect_usage_error(ARGS("-m", "4097K", "-mtree"), "multiple of 4 KiB");
    expect_usage_error(ARGS("-accel", "tcg"), "unknown accelerator 'tcg'");
    expect_usage_error(ARGS("-accel", "xen"), "domid");
    expect_usage_error(ARGS("-accel", "xen-emu,domid=0"), "invalid domid");
    expect_usage_error(ARGS("-accel", "xen-emu,foo=1"),
                       "unknown property 'foo=1'");
    expect_usage_error(ARGS("-accel", "none,domid=2"), "takes no properties");
    expect_usage_error(ARGS("-qtest", "tcp:localhost:4444"),
                       "unsupported backend 'tcp:localhost:4444'");
    expect_usage_error(ARGS("-qtest", "unix:"), "needs a socket path");
    expect_usage_error(ARGS("-qtest", "unix:/tmp/x,bogus"),
                       "unknown socket property 'bogus'");
    expect_usage_error(ARGS("-display", "gtk"), "only 'none'");
    expect_usage_error(ARGS("-qtest-log", "/dev/null", "-mtree"),
                       "-qtest-log needs -qtest");
    expect_usage_error(ARGS("-demo", "-qtest", "stdio"), "cannot be combined");
    expect_usage_error(ARGS("-machine", "none", "-demo"),
                       "-demo needs -machine xenvirt");
    expect_usage_error(ARGS("-accel", "xen,domid=3", "-demo"),
                       "-demo plays the guest");
    expect_usage_error(ARGS("-S"), "nothing to do");
}
END_TEST

/* The monitor options as libqtest and people spell them, refused by name. */
START_TEST(test_bad_monitor_options)
{
    expect_usage_error(ARGS("-chardev", "stdio,id=c"),
                       "unsupported backend 'stdio'");
    expect_usage_error(ARGS("-chardev", "socket,path=/tmp/x"),
                       "needs id=ID and path=PATH");
    expect_usage_error(ARGS("-chardev", "socket,id=c,path=/x,telnet=on"),
                       "unknown socket property 'telnet=on'");
    expect_usage_error(ARGS("-chardev", "socket,id=c,path=/x,server=maybe"),
                       "invalid 'server=maybe'");
    expect_usage_error(ARGS("-chardev", "socket,id=c,path=/x", "-chardev",
                            "socket,id=c,path=/y"),
                       "duplicate id 'c'");
    expect_usage_error(ARGS("-chardev", "socket,id=c,path=/x", "-mtree"),
                       "id 'c' is not used by -mon");
    expect_usage_error(ARGS("-mon", "chardev=c"), "needs mode=control");
    expect_usage_error(ARGS("-mon", "chardev=c,mode=readline"),
                       "unsupported property 'mode=readline'");
    expect_usage_error(ARGS("-mon", "mode=control"), "needs chardev=ID");
    expect_usage_error(ARGS("-mon", "chardev=c,mode=control"),
                       "no -chardev with id 'c'");
    expect_usage_error(ARGS("-qmp", "tcp:localhost:4444"),
                       "unsupported backend 'tcp:localhost:4444'");
    expect_usage_error(ARGS("-qmp", "unix:/x", "-qmp", "unix:/y"),
                       "only one monitor");
    expect_usage_error(ARGS("-qmp", "unix:/x,bogus"),
                       "unknown socket property 'bogus'");
    expect_usage_error(ARGS("-qmp", "unix:/x", "-demo"), "cannot be combined");
    expect_usage_error(ARGS("-audio", "pa"), "only 'none'");
    expect_usage_error(ARGS("-machine", "none,dump-guest-core=on"),
                       "unknown machine property 'dump-guest-core=on'");
    expect_usage_error(ARGS("-machine", "none,accel=kvm"),
                       "unknown accelerator 'kvm'");
}
END_TEST

START_TEST(test_help_and_version)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *vout = NULL, *mout = NULL, *aout = NULL;

    ck_assert_int_eq(mcq_run(ARGS("-help"), &out, &err), 0);
    ck_assert(g_str_has_prefix(out, "Usage: memcore-dm"));
    ck_assert_ptr_nonnull(strstr(out, "-qtest unix:PATH,server"));
    ck_assert_str_eq(err, "");
    /* -help wins even over a bad option after it. */
    ck_assert_int_eq(mcq_run(ARGS("--help", "-bogus"), NULL, NULL), 0);
    ck_assert_int_eq(mcq_run(ARGS("-version"), &vout, NULL), 0);
    ck_assert(g_str_has_prefix(vout, "memcore-dm 0."));
    ck_assert_int_eq(mcq_run(ARGS("-machine", "help"), &mout, NULL), 0);
    ck_assert_ptr_nonnull(strstr(mout, "xenvirt"));
    ck_assert_ptr_nonnull(strstr(mout, "\nnone "));
    ck_assert_int_eq(mcq_run(ARGS("-accel", "help"), &aout, NULL), 0);
    ck_assert_ptr_nonnull(strstr(aout, "xen-emu"));
}
END_TEST

START_TEST(test_mtree)
{
    g_autofree char *out = NULL, *flat = NULL, *none = NULL, *noxen = NULL;

    ck_assert_int_eq(mcq_run(ARGS("-mtree", "-m", "64"), &out, NULL), 0);
    /* The documented memory map (docs/devel/qtest.rst). */
    ck_assert_ptr_nonnull(strstr(out, "address-space: memory\n"));
    ck_assert_ptr_nonnull(
        strstr(out, "0000000000000000-0000000003ffffff (prio 0, ram): ram\n"));
    ck_assert_ptr_nonnull(
        strstr(out,
               "00000000fe000000-00000000fe000fff (prio 0, i/o): dma-test\n"));
    /* The scratch buffer's describe() adds its access count. */
    ck_assert_ptr_nonnull(
        strstr(out,
               "00000000fe010000-00000000fe01ffff (prio 0, i/o): mmio-scratch "
               "[accesses 0]\n"));
    ck_assert_ptr_nonnull(
        strstr(out, "00000000ffff0000-00000000ffffffff (prio 0, rom): rom\n"));
    ck_assert_ptr_nonnull(
        strstr(out,
               "8000000000000000-ffffffffffffffff (prio 0, map-on-demand)"));

    ck_assert_int_eq(mcq_run(ARGS("-mtree-flat", "-m", "size=1G"), &flat,
                             NULL),
                     0);
    ck_assert(g_str_has_prefix(flat, "FlatView"));
    ck_assert_ptr_nonnull(strstr(flat, "0000000000000000-000000003fffffff"));
    ck_assert_ptr_null(strstr(flat, "container"));

    ck_assert_int_eq(mcq_run(ARGS("-machine", "none", "-accel", "none",
                                  "-mtree"),
                             &none, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(none, "(prio 0, ram): ram\n"));
    ck_assert_ptr_null(strstr(none, "dma-test"));
    ck_assert_ptr_null(strstr(none, "rom"));

    ck_assert_int_eq(mcq_run(ARGS("-accel", "none", "-mtree"), &noxen, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(noxen, "dma-test"));
    ck_assert_ptr_null(strstr(noxen, "8000000000000000"));
}
END_TEST

START_TEST(test_qemu_harness_flags)
{
    g_autofree char *out = NULL;

    /* What qtest harnesses pass to QEMU is accepted and changes nothing. */
    ck_assert_int_eq(mcq_run(ARGS("-display", "none", "-nodefaults", "-S",
                                  "-monitor", "none", "-serial", "none",
                                  "-nographic", "-accel", "qtest", "-M",
                                  "xenvirt", "--mtree"),
                             &out, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "dma-test"));
    g_clear_pointer(&out, g_free);
    /* QEMU 10's libqtest adds -audio none; old harnesses -machine X,accel=Y */
    ck_assert_int_eq(mcq_run(ARGS("-audio", "none", "-machine",
                                  "type=none,accel=qtest", "-mtree-flat"),
                             &out, NULL),
                     0);
    ck_assert_ptr_null(strstr(out, "dma-test"));
    ck_assert_ptr_nonnull(strstr(out, "ram"));
    g_clear_pointer(&out, g_free);
    /* As in QEMU, the first accelerator wins: libqtest appends its own. */
    ck_assert_int_eq(mcq_run(ARGS("-accel", "xen-emu", "-mtree-flat", "-accel",
                                  "qtest"),
                             &out, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "xen-grants"));
    g_clear_pointer(&out, g_free);
    ck_assert_int_eq(mcq_run(ARGS("-accel", "qtest", "-mtree-flat", "-accel",
                                  "xen-emu"),
                             &out, NULL),
                     0);
    ck_assert_ptr_null(strstr(out, "xen-grants"));
}
END_TEST

START_TEST(test_qtest_stdio_eof)
{
    const char *argv[] = { "-qtest",    "stdio",  "-qtest-log",
                           "/dev/null", "-mtree", NULL };
    g_autofree char *out = NULL, *err = NULL;

    /* End of input is the end of the session: exit 0. */
    ck_assert_int_eq(mcq_run(argv, &out, &err), 0);
    /* stdout is the protocol's: the dump goes to stderr. */
    ck_assert_str_eq(out, "");
    ck_assert(g_str_has_prefix(err, "address-space: memory\n"));
}
END_TEST

START_TEST(test_real_xen)
{
    g_autofree char *out = NULL, *err = NULL;
    int ret = mcq_run(ARGS("-accel", "xen,domid=3", "-mtree"), &out, &err);

    if (!g_file_test("/dev/xen/gntdev", G_FILE_TEST_EXISTS)) {
        /* No Xen here: a one-line reason, status 1 (not a usage error). */
        ck_assert_int_eq(ret, 1);
    }
    if (ret) {
        ck_assert_int_eq(ret, 1);
        ck_assert(g_str_has_prefix(err, "memcore-dm: -accel xen: "));
        ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
    } else {
        ck_assert_ptr_nonnull(strstr(out, "map-on-demand"));
    }
}
END_TEST

START_TEST(test_demo)
{
    g_autofree char *out = NULL, *err = NULL, *plain = NULL;

    ck_assert_int_eq(mcq_run(ARGS("-demo"), &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "FlatView"));
    ck_assert_ptr_nonnull(strstr(out, "map MiB/s"));
    ck_assert_ptr_nonnull(strstr(out, "     1 MiB "));
    ck_assert_ptr_nonnull(strstr(out, "read-only grant ref"));
    ck_assert_ptr_nonnull(strstr(out, "refused: destination refused"));
    ck_assert_ptr_nonnull(strstr(out, "refused: busy"));
    ck_assert_ptr_nonnull(strstr(out, "bounce buffers: budget 4 KiB"));
    ck_assert_ptr_nonnull(strstr(out, "Result: OK"));
    ck_assert_ptr_null(strstr(out, "FAILED"));

    ck_assert_int_eq(mcq_run(ARGS("-demo", "-accel", "none"), &plain, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(plain, "skipped: no Xen accelerator"));
    ck_assert_ptr_nonnull(strstr(plain, "Result: OK"));
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("memcore-dm-cli");
    TCase *tc = tcase_create("cli");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_bad_monitor_options);
    tcase_add_test(tc, test_help_and_version);
    tcase_add_test(tc, test_mtree);
    tcase_add_test(tc, test_qemu_harness_flags);
    tcase_add_test(tc, test_qtest_stdio_eof);
    tcase_add_test(tc, test_real_xen);
    tcase_add_test(tc, test_demo);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mcq_run_suite(cli_suite());
}
