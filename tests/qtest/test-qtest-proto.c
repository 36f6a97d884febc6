/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest memory commands and the exact form of their replies, as QEMU
 * sends them (docs/devel/qtest.rst).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"
#include "memcore-dm/machine.h"

static MCQTest *qts;

static void setup(void)
{
    qts = mcq_start("-machine xenvirt -accel none -m 16M");
}

static void teardown(void)
{
    ck_assert_int_eq(mcq_quit(qts), 0);
}

/* Send @req, expect exactly @want. */
static void expect(const char *req, const char *want)
{
    g_autofree char *r = mcq_cmd(qts, "%s", req);

    ck_assert_msg(!strcmp(r, want), "'%s': got '%s', want '%s'", req, r, want);
}

START_TEST(test_readx_format)
{
    expect("writeq 0x1000 0x1122334455667788", "OK");
    /* Always "OK 0x" and 16 digits, lowercase, little-endian guest. */
    expect("readb 0x1000", "OK 0x0000000000000088");
    expect("readw 0x1000", "OK 0x0000000000007788");
    expect("readl 0x1000", "OK 0x0000000055667788");
    expect("readq 0x1000", "OK 0x1122334455667788");
    expect("readw 0x1003", "OK 0x0000000000004455");
}
END_TEST

START_TEST(test_writex_truncates)
{
    /* As QEMU: a value wider than the access keeps its low bytes. */
    expect("writeq 0x2000 0", "OK");
    expect("writeb 0x2000 0x1234", "OK");
    expect("readq 0x2000", "OK 0x0000000000000034");
    expect("writew 0x2000 0xabcdef", "OK");
    expect("readq 0x2000", "OK 0x000000000000cdef");
    expect("writel 0x2000 0x1ffffffff", "OK");
    expect("readq 0x2000", "OK 0x00000000ffffffff");
}
END_TEST

START_TEST(test_number_bases)
{
    /* strtoull with base 0: hex, octal, decimal, and minus wraps. */
    expect("writel 4096 0X10", "OK");
    expect("readl 0x1000", "OK 0x0000000000000010");
    expect("writel 010000 010", "OK");
    expect("readl 4096", "OK 0x0000000000000008");
    expect("writeq 0x1000 -1", "OK");
    expect("readq 0x1000", "OK 0xffffffffffffffff");
}
END_TEST

START_TEST(test_read_write_hex)
{
    expect("write 0x3000 4 0xdeadBEEF", "OK");
    expect("read 0x3000 4", "OK 0xdeadbeef");
    expect("read 0x3000 0x2", "OK 0xdead");
    /* Shorter data is zero-filled, as QEMU documents. */
    expect("write 0x3000 4 0xaabb", "OK");
    expect("read 0x3000 4", "OK 0xaabb0000");
    /* More data than SIZE: the rest is ignored, as in QEMU. */
    expect("write 0x3000 1 0x1122", "OK");
    expect("read 0x3000 2", "OK 0x11bb");
}
END_TEST

/*
 * DATA that QEMU decodes without complaint is decoded the same way
 * (test-qemu-oracle.c compares with QEMU itself): an odd trailing digit
 * is ignored and its byte is 0, the "0x" is not checked, and a character
 * that is not a hex digit counts as -1 (0xf0 high, 0xff low).
 */
START_TEST(test_write_hex_as_qemu)
{
    expect("write 0x3000 4 0xffffffff", "OK");
    expect("write 0x3000 4 0x123", "OK");
    expect("read 0x3000 4", "OK 0x12000000");
    expect("write 0x3000 3 0x1", "OK");
    expect("read 0x3000 4", "OK 0x00000000");
    expect("write 0x3000 2 zz5a6b", "OK");
    expect("read 0x3000 2", "OK 0x5a6b");
    expect("write 0x3000 4 0xg1a1gz", "OK");
    expect("read 0x3000 4", "OK 0xf1a1ff00");
    /* Fewer than three characters is QEMU's one refusal. */
    expect("write 0x3000 4 0x", "ERR invalid argument size");
    expect("write 0x3000 0 0x12", "OK");
}
END_TEST

START_TEST(test_b64)
{
    expect("b64write 0x4000 3 AQID", "OK");
    expect("read 0x4000 4", "OK 0x01020300");
    expect("b64read 0x4000 4", "OK AQIDAA==");
    /* Longer data is truncated to SIZE, as QEMU documents. */
    expect("b64write 0x4000 2 BQYH", "OK");
    expect("read 0x4000 3", "OK 0x050603");
    /* QEMU answers a 0-byte b64read with "OK " and nothing more. */
    expect("b64read 0x4000 0", "OK ");
}
END_TEST

START_TEST(test_memset)
{
    expect("memset 0x5000 5 0x5a", "OK");
    expect("read 0x4fff 7", "OK 0x005a5a5a5a5a00");
    /* Only the low byte of the pattern counts; size 0 does nothing. */
    expect("memset 0x5000 2 0x1ff", "OK");
    expect("memset 0x5000 0 0x11", "OK");
    expect("read 0x5000 3", "OK 0xffff5a");
}
END_TEST

START_TEST(test_big_transfers)
{
    const size_t len = 1 << 20;
    g_autofree uint8_t *out = g_malloc(len), *in = g_malloc(len);
    size_t i;

    for (i = 0; i < len; i++) {
        out[i] = i * 7 + (i >> 9);
    }
    mcq_bufwrite(qts, 0x100000, out, len);
    mcq_memread(qts, 0x100000, in, len);
    ck_assert(!memcmp(in, out, len));
    memset(in, 0, len);
    mcq_memwrite(qts, 0x300000, out, len);
    mcq_bufread(qts, 0x300000, in, len);
    ck_assert(!memcmp(in, out, len));
}
END_TEST

START_TEST(test_endianness_and_unknown)
{
    expect("endianness", "OK little");
    expect("foo bar", "FAIL Unknown command 'foo'");
    /* QEMU commands memcore-dm has no use for fail the same way. */
    expect("outb 0x80 1", "FAIL Unknown command 'outb'");
    expect("clock_step", "FAIL Unknown command 'clock_step'");
    /* Words split on single spaces: a leading space names '' */
    expect(" readl 0", "FAIL Unknown command ''");
}
END_TEST

START_TEST(test_extra_words_and_crlf)
{
    /* QEMU ignores words after the last argument; so do we. */
    expect("writel 0x1000 0x55 junk", "OK");
    expect("readl 0x1000 extra words", "OK 0x0000000000000055");
    /* CRLF line ends are forgiven. */
    expect("readl 0x1000\r", "OK 0x0000000000000055");
}
END_TEST

START_TEST(test_rom)
{
    const size_t n = strlen(DM_ROM_BANNER);
    g_autofree char *want = NULL, *req = NULL;
    GString *hex = g_string_new("OK 0x");
    size_t i;

    for (i = 0; i < n; i++) {
        g_string_append_printf(hex, "%02x", (uint8_t)DM_ROM_BANNER[i]);
    }
    want = g_string_free(hex, FALSE);
    req = g_strdup_printf("read 0x%llx %zu", DM_ROM_BASE, n);
    expect(req, want);
    ck_assert_uint_eq(mcq_readb(qts, DM_ROM_BASE + 0x1234), 0x34);
    /* Writes to ROM are refused and change nothing. */
    g_free(mcq_expect_err(qts, "writeb 0x%llx 0", DM_ROM_BASE + 0x1234));
    ck_assert_uint_eq(mcq_readb(qts, DM_ROM_BASE + 0x1234), 0x34);
}
END_TEST

START_TEST(test_scratch_mmio)
{
    /* Device memory behind callbacks: byte-exact like RAM. */
    mcq_writeq(qts, DM_SCRATCH_BASE + 3, 0x0102030405060708ULL);
    ck_assert_uint_eq(mcq_readl(qts, DM_SCRATCH_BASE + 5), 0x03040506);
    expect("read 0xfe010003 8", "OK 0x0807060504030201");
}
END_TEST

START_TEST(test_tx_errors)
{
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;

    /* QEMU would make up data here; we say what went wrong. */
    r1 = mcq_expect_err(qts, "readl 0x10000000");
    ck_assert_ptr_nonnull(strstr(r1, "decode error"));
    ck_assert_ptr_nonnull(strstr(r1, "0x10000000"));
    /* Straddling the end of RAM: part of it is missing. */
    r2 = mcq_expect_err(qts, "readq 0xfffffc");
    ck_assert_ptr_nonnull(strstr(r2, "decode error"));
    r3 = mcq_expect_err(qts, "write 0xffffff 2 0x0102");
    ck_assert_ptr_nonnull(strstr(r3, "memory transaction failed"));
    /* The part that is RAM was still written, as one write would. */
    ck_assert_uint_eq(mcq_readb(qts, 0xffffff), 0x01);
    r4 = mcq_expect_err(qts, "memset 0xfe000ffe 4 0");
    ck_assert_ptr_nonnull(strstr(r4, "memset"));
}
END_TEST

START_TEST(test_none_machine)
{
    MCQTest *s = mcq_start("-machine none -accel none -m 2M");
    g_autofree char *r = NULL;

    mcq_writel(s, 0x1ffffc, 0xcafe);
    ck_assert_uint_eq(mcq_readl(s, 0x1ffffc), 0xcafe);
    r = mcq_expect_err(s, "readl 0x%llx", DM_DMA_TEST_BASE);
    ck_assert_int_eq(mcq_quit(s), 0);
}
END_TEST

static Suite *proto_suite(void)
{
    Suite *s = suite_create("qtest-proto");
    TCase *tc = tcase_create("commands");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readx_format);
    tcase_add_test(tc, test_writex_truncates);
    tcase_add_test(tc, test_number_bases);
    tcase_add_test(tc, test_read_write_hex);
    tcase_add_test(tc, test_write_hex_as_qemu);
    tcase_add_test(tc, test_b64);
    tcase_add_test(tc, test_memset);
    tcase_add_test(tc, test_big_transfers);
    tcase_add_test(tc, test_endianness_and_unknown);
    tcase_add_test(tc, test_extra_words_and_crlf);
    tcase_add_test(tc, test_rom);
    tcase_add_test(tc, test_scratch_mmio);
    tcase_add_test(tc, test_tx_errors);
    tcase_add_test(tc, test_none_machine);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mcq_run_suite(proto_suite());
}
