/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qtest written the way QEMU's own are, against QEMU's libqtest and
 * nothing else: it runs whatever $QTEST_QEMU_BINARY names, memcore-dm or
 * a real QEMU. tests/qtest/libqtest/run.sh builds it from a configured
 * QEMU tree and runs it against both (docs/devel/qtest.rst, "The libqtest
 * proof").
 *
 * Only libqtest's public calls are used. The tests on machine "none" are
 * the fair-client check: they must pass on QEMU too (on "pc" there; see
 * init_plain()). The xenvirt tests
 * need memcore-dm's machine; they are added only when the binary lists it
 * (qtest_has_machine()), so on QEMU they are skipped by design.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"

/*
 * The DMA test device of memcore-dm's xenvirt machine: offsets from
 * programs/memcore-dm/dma-device.h and machine.h, as a test author reads
 * them in docs/devel/qtest.rst (this file cannot include memcore's
 * headers beside QEMU's).
 */
#define DMA_BASE 0xfe000000ULL
#define DMA_ID 0x00
#define DMA_SRC 0x08
#define DMA_DST 0x10
#define DMA_LEN 0x18
#define DMA_PATTERN 0x20
#define DMA_CMD 0x28
#define DMA_STATUS 0x30
#define DMA_DONE 0x38
#define DMA_CMD_COPY 1
#define DMA_CMD_FILL 2
#define DMA_STATUS_DONE 1
#define DMA_STATUS_ERROR 2
#define DMA_DEVICE_ID 0x31414d44434d0001ULL
#define GRANT_ADDR(ref) ((1ULL << 63) | ((uint64_t)(ref) << 12))

static bool is_memcore; /* the binary has machine "xenvirt" */

/*
 * The plain machine with @extra: "none" on memcore-dm. QEMU's qtest
 * reaches memory through the first CPU's address space, and x86 QEMU's
 * "none" machine has no CPU (the first access crashes it) and cannot
 * have one (an x86 CPU needs a board: "apic-id property was not
 * initialized properly"), so on QEMU the same tests run on "pc", whose
 * RAM from 1 MiB on behaves the same. That is the one argument that
 * differs, by design.
 */
static QTestState *init_plain(const char *extra)
{
    return qtest_initf("-machine %s %s", is_memcore ? "none" : "pc", extra);
}

static void fill_random(GRand *r, uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = g_rand_int_range(r, 0, 256);
    }
}

/* Sized accesses, hex and base64 transfers and memset, read back. */
static void check_ram_round_trips(QTestState *qts, uint64_t base)
{
    g_autofree uint8_t *out = g_malloc(65536);
    g_autofree uint8_t *in = g_malloc(65536);
    GRand *r = g_rand_new_with_seed(0x11b9);
    size_t i;

    qtest_writeb(qts, base, 0x5a);
    g_assert_cmphex(qtest_readb(qts, base), ==, 0x5a);
    qtest_writew(qts, base + 2, 0xbeef);
    g_assert_cmphex(qtest_readw(qts, base + 2), ==, 0xbeef);
    qtest_writel(qts, base + 4, 0xdeadc0de);
    g_assert_cmphex(qtest_readl(qts, base + 4), ==, 0xdeadc0de);
    qtest_writeq(qts, base + 8, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(qts, base + 8), ==, 0x0123456789abcdefULL);
    /* Little-endian guest: the bytes of the quad, lowest first. */
    g_assert_cmphex(qtest_readb(qts, base + 8), ==, 0xef);
    g_assert_cmphex(qtest_readl(qts, base + 12), ==, 0x01234567);

    for (i = 1; i <= 65536; i *= 4) {
        fill_random(r, out, i);
        qtest_memwrite(qts, base + 0x10000, out, i);
        memset(in, 0, i);
        qtest_memread(qts, base + 0x10000, in, i);
        g_assert(memcmp(in, out, i) == 0);

        fill_random(r, out, i);
        qtest_bufwrite(qts, base + 0x30000 + 3, out, i);
        memset(in, 0, i);
        qtest_bufread(qts, base + 0x30000 + 3, in, i);
        g_assert(memcmp(in, out, i) == 0);
        /* Across the two: hex read of what base64 wrote. */
        qtest_memread(qts, base + 0x30000 + 3, in, i);
        g_assert(memcmp(in, out, i) == 0);
    }
    qtest_memset(qts, base + 0x50000, 0xa5, 5000);
    qtest_memread(qts, base + 0x50000 - 1, in, 5002);
    g_assert_cmphex(in[0], ==, 0);
    for (i = 1; i <= 5000; i++) {
        g_assert_cmphex(in[i], ==, 0xa5);
    }
    g_assert_cmphex(in[5001], ==, 0);
    g_rand_free(r);
}

static char *query_status(QTestState *qts, bool *running)
{
    QDict *ret = qtest_qmp_assert_success_ref(qts,
                                              "{'execute': 'query-status'}");
    char *status = g_strdup(qdict_get_str(ret, "status"));

    *running = qdict_get_bool(ret, "running");
    qobject_unref(ret);
    return status;
}

static void test_none_ram(void)
{
    QTestState *qts = init_plain("-m 64M");

    check_ram_round_trips(qts, 0x100000);
    qtest_quit(qts);
}

/* What a qtest does with the run state, and the events it waits for. */
static void test_none_run_state(void)
{
    QTestState *qts = init_plain("-m 16M -S");
    g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;
    QDict *err;
    bool running;

    s1 = query_status(qts, &running);
    g_assert_cmpstr(s1, ==, "prelaunch");
    g_assert_false(running);

    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    qtest_qmp_eventwait(qts, "RESUME");
    s2 = query_status(qts, &running);
    g_assert_cmpstr(s2, ==, "running");
    g_assert_true(running);

    qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
    qtest_qmp_eventwait(qts, "STOP");
    s3 = query_status(qts, &running);
    g_assert_cmpstr(s3, ==, "paused");

    /* libqtest's own helper: system_reset, then wait for RESET. */
    qtest_system_reset(qts);

    err = qtest_qmp_assert_failure_ref(qts, "{'execute': 'no-such-cmd'}");
    g_assert_cmpstr(qdict_get_str(err, "class"), ==, "CommandNotFound");
    qobject_unref(err);

    /* The monitor and the qtest channel both still serve. */
    qtest_writel(qts, 0x200000, 0x600dcafe);
    g_assert_cmphex(qtest_readl(qts, 0x200000), ==, 0x600dcafe);
    qtest_quit(qts);
}

/* "quit" over QMP: the program exits 0 by itself; qtest_quit() reaps it. */
static void test_none_qmp_quit(void)
{
    QTestState *qts = init_plain("-m 16M");

    qtest_qmp_assert_success(qts, "{'execute': 'quit'}");
    qtest_wait_qemu(qts);
    qtest_quit(qts);
}

/* ---- memcore-dm's xenvirt machine ------------------------------------ */

static uint64_t dma_run(QTestState *qts, uint64_t cmd, uint64_t src,
                        uint64_t dst, uint64_t len)
{
    qtest_writeq(qts, DMA_BASE + DMA_SRC, src);
    qtest_writeq(qts, DMA_BASE + DMA_DST, dst);
    qtest_writeq(qts, DMA_BASE + DMA_LEN, len);
    qtest_writeq(qts, DMA_BASE + DMA_CMD, cmd);
    return qtest_readq(qts, DMA_BASE + DMA_STATUS);
}

static void test_xenvirt_ram_and_dma(void)
{
    QTestState *qts = qtest_init("-machine xenvirt -m 64M");
    g_autofree uint8_t *out = g_malloc(1 << 20);
    g_autofree uint8_t *in = g_malloc(1 << 20);
    GRand *r = g_rand_new_with_seed(0xd3a);
    size_t i;

    check_ram_round_trips(qts, 0x100000);
    g_assert_cmphex(qtest_readq(qts, DMA_BASE + DMA_ID), ==, DMA_DEVICE_ID);

    /* COPY, RAM to RAM: 1 MiB, every byte checked. */
    fill_random(r, out, 1 << 20);
    qtest_bufwrite(qts, 0x200000, out, 1 << 20);
    g_assert_cmphex(dma_run(qts, DMA_CMD_COPY, 0x200000, 0x400000, 1 << 20),
                    ==, DMA_STATUS_DONE);
    g_assert_cmphex(qtest_readq(qts, DMA_BASE + DMA_DONE), ==, 1 << 20);
    qtest_bufread(qts, 0x400000, in, 1 << 20);
    g_assert(memcmp(in, out, 1 << 20) == 0);

    /* FILL with an 8-byte pattern. */
    qtest_writeq(qts, DMA_BASE + DMA_PATTERN, 0x8877665544332211ULL);
    g_assert_cmphex(dma_run(qts, DMA_CMD_FILL, 0, 0x600001, 4099), ==,
                    DMA_STATUS_DONE);
    qtest_memread(qts, 0x600000, in, 4101);
    g_assert_cmphex(in[0], ==, 0);
    for (i = 0; i < 4099; i++) {
        g_assert_cmphex(in[1 + i], ==, 0x11 * (i % 8 + 1));
    }
    g_assert_cmphex(in[4100], ==, 0);

    /* Nothing mapped there: the device reports it, the server goes on. */
    g_assert_cmphex(dma_run(qts, DMA_CMD_COPY, 0x10000000, 0x200000, 64) &
                        DMA_STATUS_ERROR,
                    ==, DMA_STATUS_ERROR);
    g_rand_free(r);
    qtest_quit(qts);
}

static int64_t grant(QTestState *qts, uint64_t gfn, unsigned count,
                     bool readonly)
{
    QDict *ret = qtest_qmp_assert_success_ref(
        qts,
        "{'execute': 'x-memcore-xen-grant', 'arguments': "
        "{'gfn': %" PRIu64 ", 'count': %u, 'readonly': %i}}",
        gfn, count, readonly);
    int64_t ref = qdict_get_int(ret, "ref");

    qobject_unref(ret);
    return ref;
}

/*
 * The guest (memcore-dm's emulated hypervisor) grants pages through the
 * QMP extension; the test reaches them through grant addresses with
 * plain qtest accesses (grant copy) and with the DMA device (grant maps).
 */
static void test_xenvirt_grants(void)
{
    /* The first -accel wins, as in QEMU: libqtest's -accel qtest follows. */
    QTestState *qts = qtest_init("-machine xenvirt -m 64M -accel xen-emu");
    g_autofree uint8_t *out = g_malloc(3 * 4096);
    g_autofree uint8_t *in = g_malloc(3 * 4096);
    GRand *r = g_rand_new_with_seed(0x9a7);
    int64_t src, dst;

    /* Three frames at 0x300000, read-only; two at 0x500000, writable. */
    src = grant(qts, 0x300, 3, true);
    dst = grant(qts, 0x500, 2, false);
    g_assert_cmpint(src, >=, 8);
    g_assert_cmpint(dst, ==, src + 3);

    /* Written through RAM, read through the grant addresses. */
    fill_random(r, out, 3 * 4096);
    qtest_memwrite(qts, 0x300000, out, 3 * 4096);
    qtest_memread(qts, GRANT_ADDR(src), in, 3 * 4096);
    g_assert(memcmp(in, out, 3 * 4096) == 0);
    qtest_writeq(qts, GRANT_ADDR(dst) + 4092, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readq(qts, 0x500000 + 4092), ==,
                    0x1122334455667788ULL);

    /* DMA from the read-only grants into the writable ones. */
    g_assert_cmphex(dma_run(qts, DMA_CMD_COPY, GRANT_ADDR(src) + 100,
                            GRANT_ADDR(dst), 8192),
                    ==, DMA_STATUS_DONE);
    qtest_bufread(qts, 0x500000, in, 8192);
    g_assert(memcmp(in, out + 100, 8192) == 0);
    /* Into a read-only grant: refused, and nothing moved. */
    g_assert_cmphex(dma_run(qts, DMA_CMD_COPY, 0x500000, GRANT_ADDR(src), 64) &
                        DMA_STATUS_ERROR,
                    ==, DMA_STATUS_ERROR);
    qtest_memread(qts, 0x300000, in, 64);
    g_assert(memcmp(in, out, 64) == 0);

    /* Revoked, a grant no longer reaches the page. */
    for (int64_t ref = src; ref < src + 3; ref++) {
        qtest_qmp_assert_success(qts,
                                 "{'execute': 'x-memcore-xen-end', "
                                 "'arguments': {'ref': %" PRId64 "}}",
                                 ref);
    }
    g_assert_cmphex(dma_run(qts, DMA_CMD_COPY, GRANT_ADDR(src), 0x700000, 64) &
                        DMA_STATUS_ERROR,
                    ==, DMA_STATUS_ERROR);
    g_rand_free(r);
    qtest_quit(qts);
}

static void skip_no_xenvirt(void)
{
    g_test_skip("no machine 'xenvirt': not memcore-dm (by design)");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    is_memcore = qtest_has_machine("xenvirt");

    /* qtest_add_func() puts the target under test first: /x86_64/... */
    qtest_add_func("libqtest-client/plain/ram", test_none_ram);
    qtest_add_func("libqtest-client/plain/run-state", test_none_run_state);
    qtest_add_func("libqtest-client/plain/qmp-quit", test_none_qmp_quit);
    qtest_add_func("libqtest-client/xenvirt/ram-and-dma",
                   is_memcore ? test_xenvirt_ram_and_dma : skip_no_xenvirt);
    qtest_add_func("libqtest-client/xenvirt/grants",
                   is_memcore ? test_xenvirt_grants : skip_no_xenvirt);
    return g_test_run();
}
