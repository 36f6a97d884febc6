/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA test device, driven over qtest: transfers between RAM, ROM,
 * MMIO and grant addresses, and every way a transfer can be refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"
#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-grant.h"
#include "memcore-dm/dma-device.h"
#include "memcore-dm/machine.h"

#define REG(r) (DM_DMA_TEST_BASE + (r))
#define GFN(a) ((a) >> 12)

static MCQTest *qts;

static void setup(void)
{
    qts = mcq_start("-machine xenvirt -accel xen-emu -m 32M");
}

static void teardown(void)
{
    /* Whatever happened, every mapping was given back. */
    ck_assert_uint_eq(mcq_stat(qts, "outstanding"), 0);
    ck_assert_uint_eq(mcq_stat(qts, "bounce_in_use"), 0);
    ck_assert_int_eq(mcq_quit(qts), 0);
}

static uint64_t dma(uint64_t src, uint64_t dst, uint64_t len, uint64_t cmd)
{
    mcq_writeq(qts, REG(DMA_TEST_REG_SRC), src);
    mcq_writeq(qts, REG(DMA_TEST_REG_DST), dst);
    mcq_writeq(qts, REG(DMA_TEST_REG_LEN), len);
    mcq_writeq(qts, REG(DMA_TEST_REG_CMD), cmd);
    return mcq_readq(qts, REG(DMA_TEST_REG_STATUS));
}

static uint64_t reg(unsigned r)
{
    return mcq_readq(qts, REG(r));
}

static uint64_t status_err(unsigned err, MemTxResult tx)
{
    return DMA_TEST_STATUS_DONE | DMA_TEST_STATUS_ERROR |
           (uint64_t)err << DMA_TEST_STATUS_ERR_SHIFT |
           (uint64_t)tx << DMA_TEST_STATUS_TX_SHIFT;
}

static void fill(uint64_t addr, size_t len, unsigned seed)
{
    g_autofree uint8_t *b = g_malloc(len);
    size_t i;

    for (i = 0; i < len; i++) {
        b[i] = (i * 131 + seed) ^ (i >> 8);
    }
    mcq_bufwrite(qts, addr, b, len);
}

static bool same(uint64_t a, uint64_t b, size_t len)
{
    g_autofree uint8_t *x = g_malloc(len), *y = g_malloc(len);

    mcq_bufread(qts, a, x, len);
    mcq_bufread(qts, b, y, len);
    return !memcmp(x, y, len);
}

static uint32_t grant(uint64_t gfn, unsigned n, bool ro)
{
    g_autofree char *r = mcq_cmd(qts, "xen-grant-seq 0x%" PRIx64 " %u %s", gfn,
                                 n, ro ? "ro" : "rw");

    return mcq_reply_u64(r);
}

static void end_all(uint32_t ref, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        mcq_expect_ok(qts, "xen-end %u", ref + i);
    }
}

static uint64_t gaddr(uint32_t ref, unsigned off)
{
    return (1ULL << 63) | ((uint64_t)ref << 12) | off;
}

/* ---- registers ------------------------------------------------------ */

START_TEST(test_registers)
{
    ck_assert_uint_eq(reg(DMA_TEST_REG_ID), DMA_TEST_ID);
    ck_assert_uint_eq(mcq_readl(qts, REG(DMA_TEST_REG_ID) + 4),
                      DMA_TEST_ID >> 32);
    /* 32-bit halves of a 64-bit register. */
    mcq_writel(qts, REG(DMA_TEST_REG_SRC), 0x89abcdef);
    mcq_writel(qts, REG(DMA_TEST_REG_SRC) + 4, 0x01234567);
    ck_assert_uint_eq(reg(DMA_TEST_REG_SRC), 0x0123456789abcdefULL);
    /* Read-only registers ignore writes; nothing has run yet. */
    mcq_writeq(qts, REG(DMA_TEST_REG_STATUS), 0xff);
    mcq_writeq(qts, REG(DMA_TEST_REG_ID), 0);
    ck_assert_uint_eq(reg(DMA_TEST_REG_STATUS), 0);
    ck_assert_uint_eq(reg(DMA_TEST_REG_ID), DMA_TEST_ID);
    /* Byte accesses are not valid for this device. */
    g_free(mcq_expect_err(qts, "readb 0x%llx", REG(DMA_TEST_REG_ID)));
}
END_TEST

START_TEST(test_cmd_upper_half_does_not_run)
{
    mcq_writeq(qts, REG(DMA_TEST_REG_LEN), 0);
    mcq_writel(qts, REG(DMA_TEST_REG_CMD) + 4, 0);
    ck_assert_uint_eq(reg(DMA_TEST_REG_STATUS), 0);
    mcq_writel(qts, REG(DMA_TEST_REG_CMD), DMA_TEST_CMD_COPY);
    ck_assert_uint_eq(reg(DMA_TEST_REG_STATUS), DMA_TEST_STATUS_DONE);
}
END_TEST

/* ---- RAM, ROM, MMIO ------------------------------------------------- */

START_TEST(test_ram_to_ram)
{
    uint64_t mapped = reg(DMA_TEST_REG_MAPPED);
    uint64_t fallback = reg(DMA_TEST_REG_FALLBACK);
    const uint64_t len = (1 << 20) + 333;

    fill(0x100003, len, 1);
    ck_assert_uint_eq(dma(0x100003, 0x400005, len, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(0x100003, 0x400005, len));
    ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), len);
    /* RAM maps directly: one memcpy per chunk, no fallback. */
    ck_assert_uint_eq(reg(DMA_TEST_REG_MAPPED) - mapped, len);
    ck_assert_uint_eq(reg(DMA_TEST_REG_FALLBACK), fallback);
}
END_TEST

START_TEST(test_no_map_flag)
{
    uint64_t mapped = reg(DMA_TEST_REG_MAPPED);
    uint64_t maps = mcq_stat(qts, "maps");

    fill(0x100000, 5000, 2);
    ck_assert_uint_eq(dma(0x100000, 0x200000, 5000,
                          DMA_TEST_CMD_COPY | DMA_TEST_CMD_NO_MAP),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(0x100000, 0x200000, 5000));
    ck_assert_uint_eq(reg(DMA_TEST_REG_MAPPED), mapped);
    ck_assert_uint_eq(reg(DMA_TEST_REG_FALLBACK) >= 5000, 1);
    ck_assert_uint_eq(mcq_stat(qts, "maps"), maps);
}
END_TEST

START_TEST(test_fill)
{
    unsigned mode;

    for (mode = 0; mode < 2; mode++) {
        char *r;

        mcq_memset(qts, 0x300000, 0xee, 16);
        mcq_writeq(qts, REG(DMA_TEST_REG_PATTERN), 0x0807060504030201ULL);
        ck_assert_uint_eq(dma(0, 0x300001, 13,
                              DMA_TEST_CMD_FILL |
                                  (mode ? DMA_TEST_CMD_NO_MAP : 0)),
                          DMA_TEST_STATUS_DONE);
        /* Byte i of the fill is byte (i % 8) of the pattern. */
        r = mcq_cmd(qts, "read 0x300000 16");
        ck_assert_str_eq(r, "OK 0xee01020304050607080102030405eeee");
        g_free(r);
    }
}
END_TEST

START_TEST(test_rom_to_ram)
{
    ck_assert_uint_eq(dma(DM_ROM_BASE, 0x100000, 0x10000, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(DM_ROM_BASE, 0x100000, 0x10000));
    ck_assert_uint_eq(mcq_readb(qts, 0x100000 + 0x4321), 0x21);
}
END_TEST

START_TEST(test_ram_to_rom_refused)
{
    unsigned mode;

    for (mode = 0; mode < 2; mode++) {
        fill(0x100000, 64, 3);
        ck_assert_uint_eq(dma(0x100000, DM_ROM_BASE + 0x100, 64,
                              DMA_TEST_CMD_COPY |
                                  (mode ? DMA_TEST_CMD_NO_MAP : 0)),
                          status_err(DMA_TEST_ERR_DST, MEMTX_DECODE_ERROR));
        ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), 0);
        ck_assert_uint_eq(mcq_readb(qts, DM_ROM_BASE + 0x100), 0x00);
        ck_assert_uint_eq(mcq_readb(qts, DM_ROM_BASE + 0x13f), 0x3f);
    }
}
END_TEST

START_TEST(test_ram_mmio_round_trip)
{
    uint64_t shorts = reg(DMA_TEST_REG_SHORT_MAPS);

    fill(0x100000, DM_SCRATCH_SIZE, 4);
    ck_assert_uint_eq(dma(0x100000, DM_SCRATCH_BASE, DM_SCRATCH_SIZE,
                          DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert_uint_eq(dma(DM_SCRATCH_BASE, 0x200000, DM_SCRATCH_SIZE,
                          DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(0x100000, 0x200000, DM_SCRATCH_SIZE));
    ck_assert(same(0x100000, DM_SCRATCH_BASE, DM_SCRATCH_SIZE));
    /* MMIO went through 4 KiB bounce buffers, one at a time. */
    ck_assert_uint_ge(reg(DMA_TEST_REG_SHORT_MAPS) - shorts, 2 * 15);
}
END_TEST

START_TEST(test_mmio_to_mmio_exhausts_bounce)
{
    uint64_t fails = reg(DMA_TEST_REG_MAP_FAILS);
    const uint64_t half = DM_SCRATCH_SIZE / 2;

    fill(DM_SCRATCH_BASE, half, 5);
    /* The source's bounce buffer takes the whole budget: no second one. */
    ck_assert_uint_eq(dma(DM_SCRATCH_BASE, DM_SCRATCH_BASE + half, half,
                          DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(DM_SCRATCH_BASE, DM_SCRATCH_BASE + half, half));
    ck_assert_uint_gt(reg(DMA_TEST_REG_MAP_FAILS), fails);
}
END_TEST

START_TEST(test_reentrancy_refused)
{
    fill(0x100000, 16, 6);
    /* DMA aimed at its own registers: the guard refuses it. */
    ck_assert_uint_eq(dma(0x100000, REG(DMA_TEST_REG_PATTERN), 8,
                          DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
    ck_assert_uint_eq(reg(DMA_TEST_REG_PATTERN), 0);
    ck_assert_uint_eq(dma(REG(DMA_TEST_REG_ID), 0x100000, 8,
                          DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_ACCESS_ERROR));
}
END_TEST

START_TEST(test_bad_commands)
{
    ck_assert_uint_eq(dma(0x1000, 0x2000, 16, 0),
                      status_err(DMA_TEST_ERR_BAD_CMD, 0));
    ck_assert_uint_eq(dma(0x1000, 0x2000, 16, 3),
                      status_err(DMA_TEST_ERR_BAD_CMD, 0));
    ck_assert_uint_eq(dma(0x1000, 0x2000, 16, DMA_TEST_CMD_COPY | 0x200),
                      status_err(DMA_TEST_ERR_BAD_CMD, 0));
    /* Zero bytes: done, nothing checked or moved. */
    ck_assert_uint_eq(dma(~0ULL, ~0ULL, 0, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
}
END_TEST

START_TEST(test_bad_ranges)
{
    mcq_writeq(qts, 0x1000, 0x1111);
    /* Over the 16 MiB cap: refused before anything moves. */
    ck_assert_uint_eq(dma(0x1000, 0x2000, DMA_TEST_MAX_LEN + 1,
                          DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_TOO_LONG, 0));
    ck_assert_uint_eq(dma(0x1000, 0x2000, ~0ULL, DMA_TEST_CMD_FILL),
                      status_err(DMA_TEST_ERR_TOO_LONG, 0));
    ck_assert_uint_eq(mcq_readq(qts, 0x2000), 0);
    /* Wrapping past 2^64, overlapping source and destination. */
    ck_assert_uint_eq(dma(0x1000, ~0ULL - 0xfff, 0x2000, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_RANGE, 0));
    ck_assert_uint_eq(dma(0x1000, 0x1800, 0x1000, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_RANGE, 0));
    ck_assert_uint_eq(mcq_readq(qts, 0x1800), 0);
    /* Nothing at the source; a destination running off the end of RAM. */
    ck_assert_uint_eq(dma(0x10000000, 0x2000, 8, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_DECODE_ERROR));
    ck_assert_uint_eq(dma(0x1000, 0x1fffffc, 8, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_DST, MEMTX_DECODE_ERROR));
}
END_TEST

/* ---- grants --------------------------------------------------------- */

START_TEST(test_ram_to_grant_and_back)
{
    const uint64_t buf = 0x600000, len = 2 * 4096 + 100;
    uint32_t rw = grant(GFN(buf), 3, false);
    uint64_t mapped = reg(DMA_TEST_REG_MAPPED);
    unsigned mode;

    for (mode = 0; mode < 2; mode++) {
        uint64_t flag = mode ? DMA_TEST_CMD_NO_MAP : 0;
        uint64_t copies = mcq_stat(qts, "grant_copies");

        fill(0x100000, len, 7 + mode);
        mcq_memset(qts, buf, 0, 3 * 4096);
        ck_assert_uint_eq(dma(0x100000, gaddr(rw, 0x80), len,
                              DMA_TEST_CMD_COPY | flag),
                          DMA_TEST_STATUS_DONE);
        /* The guest sees it in its own RAM, where it granted. */
        ck_assert(same(0x100000, buf + 0x80, len));
        ck_assert_uint_eq(mcq_readb(qts, buf + 0x7f), 0);
        ck_assert_uint_eq(dma(gaddr(rw, 0x80), 0x300000, len,
                              DMA_TEST_CMD_COPY | flag),
                          DMA_TEST_STATUS_DONE);
        ck_assert(same(0x100000, 0x300000, len));
        if (mode) {
            ck_assert_uint_gt(mcq_stat(qts, "grant_copies"), copies);
        } else {
            ck_assert_uint_eq(reg(DMA_TEST_REG_MAPPED) - mapped, 2 * len);
        }
    }
    /* Every mapping is gone, so the guest can end access at once. */
    end_all(rw, 3);
}
END_TEST

START_TEST(test_read_only_grant)
{
    const uint64_t page = 0x700000;
    uint64_t maps, copies;
    uint32_t ro;
    unsigned mode;

    fill(page, 4096, 9);
    fill(0x100000, 4096, 10);
    ro = grant(GFN(page), 1, true);
    /* The device may read it ... */
    ck_assert_uint_eq(dma(gaddr(ro, 0), 0x200000, 4096, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(page, 0x200000, 4096));
    /*
     * ... but not write it, whether it would map or use grant copy: the
     * check before the transfer refuses it, so neither is even tried.
     */
    maps = mcq_stat(qts, "grant_maps");
    copies = mcq_stat(qts, "grant_copies");
    for (mode = 0; mode < 2; mode++) {
        ck_assert_uint_eq(dma(0x100000, gaddr(ro, 0), 4096,
                              DMA_TEST_CMD_COPY |
                                  (mode ? DMA_TEST_CMD_NO_MAP : 0)),
                          status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
        ck_assert(same(page, 0x200000, 4096));
    }
    mcq_writeq(qts, REG(DMA_TEST_REG_PATTERN), 0);
    ck_assert_uint_eq(dma(0, gaddr(ro, 8), 8, DMA_TEST_CMD_FILL),
                      status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
    ck_assert(same(page, 0x200000, 4096));
    ck_assert_uint_eq(mcq_stat(qts, "grant_maps"), maps);
    ck_assert_uint_eq(mcq_stat(qts, "grant_copies"), copies);
    end_all(ro, 1);
}
END_TEST

START_TEST(test_ended_and_bogus_grants)
{
    uint32_t ref = grant(0x10, 1, false);

    end_all(ref, 1);
    ck_assert_uint_eq(dma(gaddr(ref, 0), 0x100000, 64, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_ACCESS_ERROR));
    ck_assert_uint_eq(dma(0x100000, gaddr(ref, 0), 64, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
    /*
     * A ref that was never granted is there but not for us; one beyond
     * the grant table, or beyond 32 bits, is nothing at all.
     */
    ck_assert_uint_eq(dma(gaddr(4000, 0), 0x100000, 64, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_ACCESS_ERROR));
    ck_assert_uint_eq(dma(gaddr(1000000, 0), 0x100000, 64, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_DECODE_ERROR));
    ck_assert_uint_eq(dma((1ULL << 63) | (1ULL << 50), 0x100000, 64,
                          DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_DECODE_ERROR));
}
END_TEST

START_TEST(test_big_grant_transfer)
{
    /* 1 MiB from mid-page spans 257 pages: more than one map can take. */
    const uint64_t buf = 0x800000, len = 1 << 20;
    uint32_t ro = grant(GFN(buf), 257, true);
    uint64_t shorts = reg(DMA_TEST_REG_SHORT_MAPS);

    fill(buf + 0x123, len, 11);
    ck_assert_uint_eq(dma(gaddr(ro, 0x123), 0x100000, len, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(buf + 0x123, 0x100000, len));
    ck_assert_uint_gt(reg(DMA_TEST_REG_SHORT_MAPS), shorts);
    end_all(ro, 257);
}
END_TEST

/*
 * A COPY into grant addresses that runs past the last granted ref. The
 * pre-check used to pass it, the granted part was written, and then the
 * command failed; without mapping (a refused map falls back to grant
 * copy) it even reported DONE = 0 after moving the 32 KiB of the
 * granted refs. Every page is checked first now: nothing moves.
 */
START_TEST(test_copy_past_last_grant_moves_nothing)
{
    const uint64_t buf = 0xa00000, len = 16 * 4096;
    uint32_t rw = grant(GFN(buf), 8, false);
    unsigned mode;

    fill(0x100000, len, 12);
    for (mode = 0; mode < 2; mode++) {
        uint64_t flag = mode ? DMA_TEST_CMD_NO_MAP : 0;

        mcq_memset(qts, buf, 0x5a, 8 * 4096);
        ck_assert_uint_eq(dma(0x100000, gaddr(rw, 0), len,
                              DMA_TEST_CMD_COPY | flag),
                          status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
        ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), 0);
        /* The 8 granted pages are untouched, first byte to last. */
        ck_assert_uint_eq(mcq_readb(qts, buf), 0x5a);
        ck_assert_uint_eq(mcq_readq(qts, buf + 8 * 4096 - 8),
                          0x5a5a5a5a5a5a5a5aULL);
        ck_assert(!same(0x100000, buf, 4096));
        /* A FILL of the same range is refused just the same. */
        ck_assert_uint_eq(dma(0, gaddr(rw, 0), len, DMA_TEST_CMD_FILL | flag),
                          status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
        ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), 0);
        ck_assert_uint_eq(mcq_readb(qts, buf), 0x5a);
    }
    /* Reading past the last granted ref: the destination stays as it was. */
    mcq_memset(qts, 0x300000, 0x11, len);
    ck_assert_uint_eq(dma(gaddr(rw, 0), 0x300000, len, DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_SRC, MEMTX_ACCESS_ERROR));
    ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), 0);
    ck_assert_uint_eq(mcq_readq(qts, 0x300000), 0x1111111111111111ULL);
    /* Within the grant, it all goes. */
    ck_assert_uint_eq(dma(0x100000, gaddr(rw, 0), 8 * 4096, DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(0x100000, buf, 8 * 4096));
    end_all(rw, 8);
}
END_TEST

/*
 * A read-only page in the middle of a writable range: refused as a whole
 * before the first byte moves, whichever way the device would go.
 */
START_TEST(test_read_only_page_inside_range)
{
    const uint64_t buf = 0xb00000;
    uint32_t ref = grant(GFN(buf), 2, false);
    uint32_t ro = grant(GFN(buf) + 2, 1, true);
    uint32_t tail = grant(GFN(buf) + 3, 1, false);

    ck_assert_uint_eq(ro, ref + 2);
    ck_assert_uint_eq(tail, ref + 3);
    fill(0x100000, 4 * 4096, 13);
    mcq_memset(qts, buf, 0x66, 4 * 4096);
    ck_assert_uint_eq(dma(0x100000, gaddr(ref, 0), 4 * 4096,
                          DMA_TEST_CMD_COPY),
                      status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
    ck_assert_uint_eq(reg(DMA_TEST_REG_DONE), 0);
    ck_assert_uint_eq(mcq_readq(qts, buf), 0x6666666666666666ULL);
    ck_assert_uint_eq(mcq_readq(qts, buf + 3 * 4096), 0x6666666666666666ULL);
    /* Reading it is fine. */
    ck_assert_uint_eq(dma(gaddr(ref, 0), 0x200000, 4 * 4096,
                          DMA_TEST_CMD_COPY),
                      DMA_TEST_STATUS_DONE);
    end_all(ref, 4);
}
END_TEST

/* ---- failures after the check, in process ---------------------------- */

/*
 * The check before a transfer is a snapshot, and with the libxen backend
 * it cannot see grants at all. So a transfer can still fail part way, and
 * DONE must then count exactly what moved. Here the device runs in this
 * process over a grant region whose backend forwards to the emulated
 * hypervisor but, like libxen's, cannot check refs: a COPY past the last
 * granted ref passes the check and fails at the first ungranted page.
 * Before DONE was counted a page at a time, this reported DONE = 0 after
 * writing the 32 KiB of the granted pages, and a failed grant read
 * zeroed the whole destination chunk.
 */
typedef struct BlindBackend {
    XenBackend be;
    XenBackend *inner;
} BlindBackend;

static XenBackend *inner_of(XenBackend *be)
{
    return ((BlindBackend *)be)->inner;
}

static void blind_close(XenBackend *be)
{
}

static void *blind_map(XenBackend *be, uint16_t domid, uint32_t count,
                       const uint32_t *refs, bool writable, int16_t *status)
{
    return xen_backend_grant_map(inner_of(be), domid, count, refs, writable,
                                 status);
}

static int blind_unmap(XenBackend *be, void *addr, uint32_t count)
{
    return xen_backend_grant_unmap(inner_of(be), addr, count);
}

static int blind_copy(XenBackend *be, uint32_t count,
                      XenGrantCopySegment *segs)
{
    return xen_backend_grant_copy(inner_of(be), count, segs);
}

static void *blind_foreign_map(XenBackend *be, uint16_t domid, bool writable,
                               size_t count, const uint64_t *gfns, int *err)
{
    return xen_backend_foreign_map(inner_of(be), domid, writable, count, gfns,
                                   err);
}

static int blind_foreign_unmap(XenBackend *be, void *addr, size_t count)
{
    return xen_backend_foreign_unmap(inner_of(be), addr, count);
}

static const XenBackendOps blind_ops = {
    .name = "blind",
    .close = blind_close,
    .grant_map = blind_map,
    .grant_unmap = blind_unmap,
    .grant_copy = blind_copy,
    .foreign_map = blind_foreign_map,
    .foreign_unmap = blind_foreign_unmap,
};

/*
 * A backend that vouches for every ref, to drive the grant region's range
 * check to its bound: however long the range a guest names, at most
 * XEN_GRANT_CHECK_MAX_REFS refs are asked about.
 */
static uint64_t trusting_refs_asked;

static void trusting_check(XenBackend *be, uint16_t domid, uint32_t count,
                           const uint32_t *refs, bool writable,
                           int16_t *status)
{
    trusting_refs_asked += count;
    for (uint32_t i = 0; i < count; i++) {
        status[i] = GNTST_okay;
    }
}

static const XenBackendOps trusting_ops = {
    .name = "trusting",
    .close = blind_close,
    .grant_map = blind_map,
    .grant_unmap = blind_unmap,
    .grant_check = trusting_check,
    .grant_copy = blind_copy,
    .foreign_map = blind_foreign_map,
    .foreign_unmap = blind_foreign_unmap,
};

#define IP_GUEST 7
#define IP_RAM 0x100000ULL
#define IP_DEV 0x10000000ULL
#define IP_SRC 0x10000ULL
#define IP_DST 0x40000ULL
#define IP_LEN 0x10000ULL /* 16 pages; 8 are granted */
#define IP_GFN 8

static XenEmu *ip_emu;
static XenEmuDomain *ip_dom;
static BlindBackend ip_be;
static MemoryRegion ip_root, ip_ram, *ip_grants;
static AddressSpace ip_as;
static DmaTestDevice *ip_dev;
static uint32_t ip_ref;

static void ip_setup(void)
{
    GError *err = NULL;
    uint64_t gfns[8];

    ip_emu = xen_emu_new(&err);
    ck_assert_msg(ip_emu, "%s", err ? err->message : "");
    ip_dom = xen_emu_domain_new(ip_emu, IP_GUEST, 64 * 4096, &err);
    ck_assert_msg(ip_dom, "%s", err ? err->message : "");
    ip_be.be.ops = &blind_ops;
    ip_be.inner = xen_emu_backend_open(ip_emu, 0, &err);
    ck_assert_msg(ip_be.inner, "%s", err ? err->message : "");
    ip_grants = xen_grant_region_new(&ip_be.be, IP_GUEST, &err);
    ck_assert_msg(ip_grants, "%s", err ? err->message : "");
    memory_region_init(&ip_root, NULL, "root", UINT64_MAX);
    ck_assert(memory_region_init_ram(&ip_ram, NULL, "ram", IP_RAM, &err));
    memory_region_add_subregion(&ip_root, 0, &ip_ram);
    memory_region_add_subregion(&ip_root, XEN_GRANT_ADDR_OFF, ip_grants);
    address_space_init(&ip_as, &ip_root, "dma");
    ip_dev = dma_test_device_new(&ip_as);
    memory_region_add_subregion(&ip_root, IP_DEV,
                                dma_test_device_mmio(ip_dev));
    for (int i = 0; i < 8; i++) {
        gfns[i] = IP_GFN + i;
    }
    ip_ref = xen_emu_grant_access_seq(ip_dom, 0, gfns, 8, false);
    ck_assert_int_ge(ip_ref, XEN_GRANT_FIRST_FREE_REF);
}

static void ip_teardown(void)
{
    XenGrantStats st;

    xen_grant_region_get_stats(ip_grants, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(xen_emu_end_access(ip_dom, ip_ref + i), 0);
    }
    address_space_destroy(&ip_as);
    memory_region_transaction_begin();
    memory_region_del_subregion(&ip_root, dma_test_device_mmio(ip_dev));
    memory_region_del_subregion(&ip_root, &ip_ram);
    memory_region_del_subregion(&ip_root, ip_grants);
    memory_region_transaction_commit();
    dma_test_device_free(ip_dev);
    xen_grant_region_free(ip_grants);
    memory_region_finalize(&ip_ram);
    memory_region_finalize(&ip_root);
    xen_backend_close(ip_be.inner);
    xen_emu_free(ip_emu);
}

static uint64_t ip_reg(unsigned r)
{
    return address_space_ldq_le(&ip_as, IP_DEV + r, MEMTXATTRS_UNSPECIFIED,
                                NULL);
}

static uint64_t ip_dma(uint64_t src, uint64_t dst, uint64_t len, uint64_t cmd)
{
    MemTxAttrs a = MEMTXATTRS_UNSPECIFIED;

    address_space_stq_le(&ip_as, IP_DEV + DMA_TEST_REG_SRC, src, a, NULL);
    address_space_stq_le(&ip_as, IP_DEV + DMA_TEST_REG_DST, dst, a, NULL);
    address_space_stq_le(&ip_as, IP_DEV + DMA_TEST_REG_LEN, len, a, NULL);
    address_space_stq_le(&ip_as, IP_DEV + DMA_TEST_REG_CMD, cmd, a, NULL);
    return ip_reg(DMA_TEST_REG_STATUS);
}

static uint8_t *ip_guest(void)
{
    return (uint8_t *)xen_emu_domain_ram(ip_dom) + IP_GFN * 4096;
}

static uint8_t *ip_host(uint64_t addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&ip_ram) + addr;
}

/* A guest-chosen range of 2^32 refs is checked in bounded work. */
START_TEST(test_grant_range_check_is_bounded)
{
    const uint64_t max = XEN_GRANT_CHECK_MAX_REFS;

    ip_be.be.ops = &trusting_ops;
    trusting_refs_asked = 0;
    /* Exactly the bound: every ref vouched for, so the range is good. */
    ck_assert_int_eq(address_space_access_check(&ip_as, XEN_GRANT_ADDR_OFF,
                                                max * XEN_PAGE_SIZE, false,
                                                MEMTXATTRS_UNSPECIFIED),
                     MEMTX_OK);
    ck_assert_uint_eq(trusting_refs_asked, max);
    /* Every 32-bit ref: refused as too long to vouch for, not walked. */
    trusting_refs_asked = 0;
    ck_assert_int_eq(address_space_access_check(&ip_as, XEN_GRANT_ADDR_OFF,
                                                1ULL << 44, true,
                                                MEMTXATTRS_UNSPECIFIED),
                     MEMTX_ERROR);
    ck_assert_uint_eq(trusting_refs_asked, max);
    ck_assert(!address_space_access_valid(&ip_as, XEN_GRANT_ADDR_OFF,
                                          1ULL << 44, true,
                                          MEMTXATTRS_UNSPECIFIED));
    ip_be.be.ops = &blind_ops;
}
END_TEST

START_TEST(test_done_counts_what_moved)
{
    const uint64_t offs[] = { 0, 0x800 };

    for (uint8_t *p = ip_host(IP_SRC); p < ip_host(IP_SRC + IP_LEN); p++) {
        *p = (p - ip_host(IP_SRC)) * 7 + 1;
    }
    for (unsigned mode = 0; mode < 2; mode++) {
        uint64_t flag = mode ? DMA_TEST_CMD_NO_MAP : 0;

        for (unsigned i = 0; i < G_N_ELEMENTS(offs); i++) {
            /* Bytes up to the end of the last granted page. */
            uint64_t granted = 8 * 4096 - offs[i];

            memset(ip_guest(), 0x5a, 8 * 4096);
            ck_assert_uint_eq(ip_dma(IP_SRC, gaddr(ip_ref, offs[i]), IP_LEN,
                                     DMA_TEST_CMD_COPY | flag),
                              status_err(DMA_TEST_ERR_DST,
                                         MEMTX_ACCESS_ERROR));
            ck_assert_uint_eq(ip_reg(DMA_TEST_REG_DONE), granted);
            ck_assert(!memcmp(ip_guest() + offs[i], ip_host(IP_SRC), granted));
            ck_assert_uint_eq(ip_guest()[offs[i] ? offs[i] - 1 : 0],
                              offs[i] ? 0x5a : ip_host(IP_SRC)[0]);

            /* The other way: what could not be read leaves DST alone. */
            memset(ip_host(IP_DST), 0x11, IP_LEN);
            ck_assert_uint_eq(ip_dma(gaddr(ip_ref, offs[i]), IP_DST, IP_LEN,
                                     DMA_TEST_CMD_COPY | flag),
                              status_err(DMA_TEST_ERR_SRC,
                                         MEMTX_ACCESS_ERROR));
            ck_assert_uint_eq(ip_reg(DMA_TEST_REG_DONE), granted);
            ck_assert(!memcmp(ip_host(IP_DST), ip_host(IP_SRC), granted));
            for (uint64_t o = granted; o < IP_LEN; o++) {
                ck_assert_uint_eq(ip_host(IP_DST)[o], 0x11);
            }
        }
        /* FILL as well. */
        ck_assert_uint_eq(ip_dma(0, gaddr(ip_ref, 0), IP_LEN,
                                 DMA_TEST_CMD_FILL | flag),
                          status_err(DMA_TEST_ERR_DST, MEMTX_ACCESS_ERROR));
        ck_assert_uint_eq(ip_reg(DMA_TEST_REG_DONE), 8 * 4096);
    }
}
END_TEST

static Suite *dma_suite(void)
{
    Suite *s = suite_create("dma-device");
    TCase *regs = tcase_create("registers");
    TCase *plain = tcase_create("ram-rom-mmio");
    TCase *grants = tcase_create("grants");
    TCase *inproc = tcase_create("in-process");

    tcase_add_checked_fixture(regs, setup, teardown);
    tcase_add_test(regs, test_registers);
    tcase_add_test(regs, test_cmd_upper_half_does_not_run);
    tcase_add_test(regs, test_bad_commands);
    suite_add_tcase(s, regs);

    tcase_add_checked_fixture(plain, setup, teardown);
    tcase_set_timeout(plain, 60);
    tcase_add_test(plain, test_ram_to_ram);
    tcase_add_test(plain, test_no_map_flag);
    tcase_add_test(plain, test_fill);
    tcase_add_test(plain, test_rom_to_ram);
    tcase_add_test(plain, test_ram_to_rom_refused);
    tcase_add_test(plain, test_ram_mmio_round_trip);
    tcase_add_test(plain, test_mmio_to_mmio_exhausts_bounce);
    tcase_add_test(plain, test_reentrancy_refused);
    tcase_add_test(plain, test_bad_ranges);
    suite_add_tcase(s, plain);

    tcase_add_checked_fixture(grants, setup, teardown);
    tcase_set_timeout(grants, 60);
    tcase_add_test(grants, test_ram_to_grant_and_back);
    tcase_add_test(grants, test_read_only_grant);
    tcase_add_test(grants, test_ended_and_bogus_grants);
    tcase_add_test(grants, test_big_grant_transfer);
    tcase_add_test(grants, test_copy_past_last_grant_moves_nothing);
    tcase_add_test(grants, test_read_only_page_inside_range);
    suite_add_tcase(s, grants);

    tcase_add_checked_fixture(inproc, ip_setup, ip_teardown);
    tcase_add_test(inproc, test_done_counts_what_moved);
    tcase_add_test(inproc, test_grant_range_check_is_bounded);
    suite_add_tcase(s, inproc);
    return s;
}

int main(void)
{
    return mcq_run_suite(dma_suite());
}
