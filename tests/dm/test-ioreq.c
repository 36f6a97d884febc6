/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ioreq serving logic (programs/memcore-dm/ioreq.c), without Xen: a
 * fake ioreq slot and buffered ring, served into the xenvirt machine's
 * AddressSpace with the emulated hypervisor. Well-formed requests of
 * every shape, the completion protocol, the buffered ring, and hostile
 * requests that must be refused without touching anything.
 */
#include <check.h>
#include <inttypes.h>
#include <string.h>

#include "hw/xen/xen-emu.h"
#include "memcore-dm/ioreq.h"
#include "memcore-dm/machine.h"

#define RAM_SIZE (16ULL << 20)
#define SCRATCH DM_SCRATCH_BASE
#define DMA_REG(r) (DM_DMA_TEST_BASE + (r))
#define UNASSIGNED 0x80000000ULL /* nothing there on xenvirt */

static DmMachine *m;
static DmIoreqTarget t;
static unsigned invalidations;

static void count_invalidate(void *opaque)
{
    invalidations++;
}

static void setup(void)
{
    char *argv[] = { "memcore-dm", "-accel", "xen-emu", "-m",
                     "16M",        "-mtree", NULL };
    GError *err = NULL;
    DmOptions o;

    ck_assert(dm_options_parse(&o, 6, argv, &err));
    m = dm_machine_new(&o, &err);
    ck_assert_msg(m, "%s", err ? err->message : "");
    dm_options_clear(&o);
    memset(&t, 0, sizeof(t));
    t.as = &m->as;
    t.invalidate = count_invalidate;
    invalidations = 0;
}

static void teardown(void)
{
    dm_machine_free(m);
}

static DmIoreq mmio(uint64_t addr, uint32_t size, bool read, uint64_t data)
{
    DmIoreq r = {
        .addr = addr,
        .data = data,
        .count = 1,
        .size = size,
        .state = DM_IOREQ_STATE_READY,
        .type = DM_IOREQ_TYPE_COPY,
        .dir = read ? DM_IOREQ_DIR_READ : DM_IOREQ_DIR_WRITE,
    };
    return r;
}

static uint64_t rd(uint64_t addr, uint32_t size)
{
    DmIoreq r = mmio(addr, size, true, 0);

    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    return r.data;
}

static void wr(uint64_t addr, uint32_t size, uint64_t v)
{
    DmIoreq r = mmio(addr, size, false, v);

    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
}

static void ram_fill(uint64_t addr, size_t len, unsigned seed)
{
    g_autofree uint8_t *b = g_malloc(len);

    for (size_t i = 0; i < len; i++) {
        b[i] = i * 31 + seed;
    }
    ck_assert_int_eq(address_space_write(&m->as, addr, MEMTXATTRS_UNSPECIFIED,
                                         b, len),
                     0);
}

static bool same(uint64_t a, uint64_t b, size_t len)
{
    g_autofree uint8_t *x = g_malloc(len), *y = g_malloc(len);

    address_space_read(&m->as, a, MEMTXATTRS_UNSPECIFIED, x, len);
    address_space_read(&m->as, b, MEMTXATTRS_UNSPECIFIED, y, len);
    return !memcmp(x, y, len);
}

/* ---- well-formed requests --------------------------------------------- */

START_TEST(test_sizes)
{
    ck_assert_uint_eq(rd(DMA_REG(DMA_TEST_REG_ID), 8), DMA_TEST_ID);
    ck_assert_uint_eq(rd(DMA_REG(DMA_TEST_REG_ID), 4), (uint32_t)DMA_TEST_ID);
    wr(SCRATCH, 8, 0x0807060504030201ULL);
    ck_assert_uint_eq(rd(SCRATCH, 1), 0x01);
    ck_assert_uint_eq(rd(SCRATCH + 1, 2), 0x0302);
    ck_assert_uint_eq(rd(SCRATCH + 4, 4), 0x08070605);
    wr(SCRATCH + 2, 2, 0xbbaa);
    wr(SCRATCH + 7, 1, 0xff);
    ck_assert_uint_eq(rd(SCRATCH, 8), 0xff070605bbaa0201ULL);
    ck_assert_uint_eq(t.stats.served, 9);
    ck_assert_uint_eq(t.stats.malformed + t.stats.tx_errors, 0);
}
END_TEST

/* rep stos: one value written count times, upwards or downwards. */
START_TEST(test_repeat_value)
{
    DmIoreq r = mmio(SCRATCH + 0x100, 4, false, 0xa5a5f00d);
    unsigned i;

    r.count = 16;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    for (i = 0; i < 16; i++) {
        ck_assert_uint_eq(rd(SCRATCH + 0x100 + 4 * i, 4), 0xa5a5f00d);
    }
    ck_assert_uint_eq(rd(SCRATCH + 0x140, 4), 0);
    r = mmio(SCRATCH + 0x300, 2, false, 0x1234);
    r.count = 8;
    r.df = 1;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    for (i = 0; i < 8; i++) {
        ck_assert_uint_eq(rd(SCRATCH + 0x300 - 2 * i, 2), 0x1234);
    }
    ck_assert_uint_eq(rd(SCRATCH + 0x302, 2), 0);
    ck_assert_uint_eq(rd(SCRATCH + 0x300 - 16, 2), 0);
    /* rep lods: the last value read is the answer. */
    wr(SCRATCH + 0x500, 4, 1);
    wr(SCRATCH + 0x504, 4, 2);
    r = mmio(SCRATCH + 0x500, 4, true, 0);
    r.count = 2;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(r.data, 2);
}
END_TEST

/* rep movs between guest RAM and a device, both directions, both ways. */
START_TEST(test_data_is_pointer)
{
    DmIoreq r = mmio(SCRATCH + 0x1000, 8, false, 0x2000);

    ram_fill(0x2000, 512, 7);
    r.data_is_ptr = 1;
    r.count = 64;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert(same(0x2000, SCRATCH + 0x1000, 512));

    r = mmio(SCRATCH + 0x1000, 8, true, 0x3000);
    r.data_is_ptr = 1;
    r.count = 64;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert(same(0x3000, 0x2000, 512));

    /* Downwards: the first element is at the highest address. */
    ram_fill(0x4000, 256, 9);
    r = mmio(SCRATCH + 0x2000 + 255, 1, false, 0x4000 + 255);
    r.data_is_ptr = 1;
    r.count = 256;
    r.df = 1;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert(same(0x4000, SCRATCH + 0x2000, 256));
    ck_assert_uint_eq(t.stats.malformed + t.stats.tx_errors, 0);
}
END_TEST

/* The device's DMA, started by ioreq writes, reaches a grant. */
START_TEST(test_dma_to_grant)
{
    int64_t ref = dm_xen_grant(m->xen, 0x10, 1, false);
    uint64_t gaddr;

    ck_assert_int_ge(ref, 0);
    gaddr = XEN_GRANT_ADDR_OFF | (uint64_t)ref << 12;
    ram_fill(0x8000, 4096, 3);
    wr(DMA_REG(DMA_TEST_REG_SRC), 8, 0x8000);
    wr(DMA_REG(DMA_TEST_REG_DST), 8, gaddr);
    wr(DMA_REG(DMA_TEST_REG_LEN), 8, 4096);
    wr(DMA_REG(DMA_TEST_REG_CMD), 8, DMA_TEST_CMD_COPY);
    ck_assert_uint_eq(rd(DMA_REG(DMA_TEST_REG_STATUS), 8),
                      DMA_TEST_STATUS_DONE);
    ck_assert(same(0x8000, 0x10000, 4096));
    ck_assert_int_eq(dm_xen_end(m->xen, ref), 0);
}
END_TEST

/* A refused source moves nothing: the RAM destination keeps its bytes. */
START_TEST(test_dma_refused_source)
{
    int64_t ref = dm_xen_grant(m->xen, 0x20, 1, false);
    uint64_t gaddr, cmd;

    ck_assert_int_ge(ref, 0);
    ck_assert_int_eq(dm_xen_end(m->xen, ref), 0);
    gaddr = XEN_GRANT_ADDR_OFF | (uint64_t)ref << 12;
    for (cmd = DMA_TEST_CMD_COPY; cmd;
         cmd = cmd & DMA_TEST_CMD_NO_MAP ?
                   0 :
                   DMA_TEST_CMD_COPY | DMA_TEST_CMD_NO_MAP) {
        ram_fill(0x9000, 4096, 4);
        ram_fill(0xa000, 4096, 4);
        wr(DMA_REG(DMA_TEST_REG_SRC), 8, gaddr);
        wr(DMA_REG(DMA_TEST_REG_DST), 8, 0x9000);
        wr(DMA_REG(DMA_TEST_REG_LEN), 8, 4096);
        wr(DMA_REG(DMA_TEST_REG_CMD), 8, cmd);
        ck_assert(rd(DMA_REG(DMA_TEST_REG_STATUS), 8) & DMA_TEST_STATUS_ERROR);
        ck_assert(
            (rd(DMA_REG(DMA_TEST_REG_STATUS), 8) >> DMA_TEST_STATUS_ERR_SHIFT &
             0xff) == DMA_TEST_ERR_SRC);
        ck_assert_msg(same(0x9000, 0xa000, 4096),
                      "cmd %#" PRIx64 ": the destination changed", cmd);
    }
}
END_TEST

/* The completion MSI: programmed and started by ioreq writes. */
static unsigned msis;
static uint64_t msi_addr;
static uint32_t msi_data;

static void record_msi(void *opaque, uint64_t addr, uint32_t data)
{
    msis++;
    msi_addr = addr;
    msi_data = data;
}

static void fill_cmd(void)
{
    wr(DMA_REG(DMA_TEST_REG_DST), 8, 0xb000);
    wr(DMA_REG(DMA_TEST_REG_LEN), 8, 64);
    wr(DMA_REG(DMA_TEST_REG_CMD), 8, DMA_TEST_CMD_FILL);
}

START_TEST(test_dma_msi)
{
    msis = 0;
    dma_test_device_set_msi(m->dma, record_msi, NULL);
    fill_cmd();
    ck_assert_uint_eq(msis, 0); /* MSI_ADDR 0: none */
    wr(DMA_REG(DMA_TEST_REG_MSI_ADDR), 8, 0xfee00000);
    wr(DMA_REG(DMA_TEST_REG_MSI_DATA), 4, 0x4d7);
    fill_cmd();
    ck_assert_uint_eq(msis, 1);
    ck_assert_uint_eq(msi_addr, 0xfee00000);
    ck_assert_uint_eq(msi_data, 0x4d7);
    ck_assert_uint_eq(rd(DMA_REG(DMA_TEST_REG_MSIS), 8), 1);
    /* A failed command completes too, so it signals too. */
    wr(DMA_REG(DMA_TEST_REG_LEN), 8, DMA_TEST_MAX_LEN + 1);
    wr(DMA_REG(DMA_TEST_REG_CMD), 8, DMA_TEST_CMD_FILL);
    ck_assert_uint_eq(msis, 2);
    dma_test_device_set_msi(m->dma, NULL, NULL);
    fill_cmd();
    ck_assert_uint_eq(msis, 2);
    ck_assert_uint_eq(rd(DMA_REG(DMA_TEST_REG_MSIS), 8), 2);
}
END_TEST

START_TEST(test_other_types)
{
    DmIoreq r = mmio(0x60, 1, true, 0);

    r.type = DM_IOREQ_TYPE_PIO;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(r.data, 0xff);
    r.type = DM_IOREQ_TYPE_INVALIDATE;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(invalidations, 1);
    ck_assert_uint_eq(t.stats.invalidates, 1);
    r.type = DM_IOREQ_TYPE_TIMEOFFSET;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_OK);
}
END_TEST

/* ---- the completion protocol ------------------------------------------ */

START_TEST(test_slot_protocol)
{
    DmIoreq slot = mmio(DMA_REG(DMA_TEST_REG_ID), 8, true, 0);

    slot.state = DM_IOREQ_STATE_NONE;
    ck_assert(!dm_ioreq_handle_slot(&t, &slot));
    slot.state = DM_IOREQ_STATE_INPROCESS;
    ck_assert(!dm_ioreq_handle_slot(&t, &slot));
    ck_assert_uint_eq(t.stats.served, 0);
    slot.state = DM_IOREQ_STATE_READY;
    ck_assert(dm_ioreq_handle_slot(&t, &slot));
    ck_assert_uint_eq(slot.state, DM_IOREQ_STATE_RESP_READY);
    ck_assert_uint_eq(slot.data, DMA_TEST_ID);
    /* Completed once: a second look finds nothing to do. */
    ck_assert(!dm_ioreq_handle_slot(&t, &slot));
    ck_assert_uint_eq(t.stats.served, 1);
}
END_TEST

/* ---- the buffered ring ------------------------------------------------ */

static DmBufIoreqPage ring;

static void post(uint32_t *wp, uint32_t addr, unsigned log2size, uint64_t data)
{
    DmBufIoreq *b = &ring.slot[*wp % DM_BUFIOREQ_SLOTS];

    memset(b, 0, sizeof(*b));
    b->type = DM_IOREQ_TYPE_COPY;
    b->size = log2size;
    b->addr = addr;
    b->data = data;
    ++*wp;
    if (log2size == 3) {
        b = &ring.slot[*wp % DM_BUFIOREQ_SLOTS];
        memset(b, 0, sizeof(*b));
        b->data = data >> 32;
        ++*wp;
    }
}

START_TEST(test_buffered)
{
    uint32_t wp = UINT32_MAX - 1; /* wraps inside the batch */

    memset(&ring, 0, sizeof(ring));
    ring.read_pointer = wp;
    post(&wp, 0x100, 2, 0xcafef00d);
    post(&wp, 0x108, 3, 0x1122334455667788ULL);
    post(&wp, 0x110, 0, 0x5a);
    ring.write_pointer = wp;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), 3);
    ck_assert_uint_eq(ring.read_pointer, wp);
    ck_assert_uint_eq(rd(0x100, 4), 0xcafef00d);
    ck_assert_uint_eq(rd(0x108, 8), 0x1122334455667788ULL);
    ck_assert_uint_eq(rd(0x110, 1), 0x5a);
    ck_assert_uint_eq(t.stats.buffered, 3);

    /* An 8-byte write whose second half is not posted yet waits. */
    post(&wp, 0x118, 3, 0x99);
    ring.write_pointer = wp - 1;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), 0);
    ck_assert_uint_eq(ring.read_pointer, wp - 2);
    ring.write_pointer = wp;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), 1);
    ck_assert_uint_eq(rd(0x118, 8), 0x99);
}
END_TEST

START_TEST(test_buffered_hostile)
{
    uint32_t wp = 10;

    memset(&ring, 0, sizeof(ring));
    ring.read_pointer = 10;
    post(&wp, 0x200, 2, 0x77);
    ring.slot[10].dir = DM_IOREQ_DIR_READ; /* a posted read: refused */
    ring.write_pointer = wp;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), 0);
    ck_assert_uint_eq(t.stats.malformed, 1);
    ck_assert_uint_eq(ring.read_pointer, 11);
    ck_assert_uint_eq(rd(0x200, 4), 0);

    /* Pointers further apart than the ring: skipped, nothing done. */
    ring.write_pointer = ring.read_pointer + DM_BUFIOREQ_SLOTS + 5;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), 0);
    ck_assert_uint_eq(t.stats.ring_resets, 1);
    ck_assert_uint_eq(ring.read_pointer, ring.write_pointer);

    /* A full ring is drained in one call, no more. */
    wp = ring.read_pointer;
    for (unsigned i = 0; i < DM_BUFIOREQ_SLOTS; i++) {
        post(&wp, 0x400 + (i % 64) * 4, 2, i);
    }
    ring.write_pointer = wp;
    ck_assert_uint_eq(dm_ioreq_drain_buffered(&t, &ring), DM_BUFIOREQ_SLOTS);
    ck_assert_uint_eq(ring.read_pointer, wp);
}
END_TEST

/* ---- hostile synchronous requests ------------------------------------- */

/* A malformed request: refused, reads answer all ones, nothing written. */
static void refused(DmIoreq r)
{
    uint64_t before = t.stats.malformed;
    uint8_t snap[64], now[64];

    address_space_read(&m->as, SCRATCH, MEMTXATTRS_UNSPECIFIED, snap, 64);
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(t.stats.malformed, before + 1);
    if (r.dir == DM_IOREQ_DIR_READ && !r.data_is_ptr) {
        ck_assert_uint_eq(r.data, UINT64_MAX);
    }
    address_space_read(&m->as, SCRATCH, MEMTXATTRS_UNSPECIFIED, now, 64);
    ck_assert(!memcmp(snap, now, 64));
}

START_TEST(test_hostile_shapes)
{
    static const uint32_t bad_sizes[] = { 0, 3, 5, 16, 4096, UINT32_MAX };
    DmIoreq r;

    wr(SCRATCH, 8, 0x1111111111111111ULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_sizes); i++) {
        refused(mmio(SCRATCH, bad_sizes[i], true, 0));
        refused(mmio(SCRATCH, bad_sizes[i], false, 0x22));
    }
    r = mmio(SCRATCH, 8, false, 0x22);
    r.count = 0;
    refused(r);
    r.count = DM_IOREQ_MAX_BYTES / 8 + 1; /* over the cap */
    refused(r);
    r.count = UINT32_MAX;
    r.data_is_ptr = 1;
    refused(r);
    /* Ranges wrapping past 2^64, up or down, on either side. */
    refused(mmio(UINT64_MAX - 2, 8, true, 0));
    r = mmio(8, 8, false, 0x22);
    r.count = 4;
    r.df = 1;
    refused(r);
    r = mmio(SCRATCH, 8, false, UINT64_MAX - 8);
    r.data_is_ptr = 1;
    r.count = 2;
    refused(r);
    r = mmio(SCRATCH, 8, true, 0);
    r.type = 99;
    ck_assert_int_eq(dm_ioreq_serve(&t, &r), MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(rd(SCRATCH, 8), 0x1111111111111111ULL);
}
END_TEST

/* Well-formed but aimed at nothing: the access fails, all ones back. */
START_TEST(test_hostile_addresses)
{
    DmIoreq r = mmio(UNASSIGNED, 4, true, 0);

    ck_assert_int_ne(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(r.data, 0xffffffff);
    ck_assert_uint_eq(t.stats.tx_errors, 1);
    /* rep movs from RAM into nothing, and from nothing into RAM. */
    ram_fill(0x5000, 64, 5);
    r = mmio(UNASSIGNED, 8, false, 0x5000);
    r.data_is_ptr = 1;
    r.count = 8;
    ck_assert_int_ne(dm_ioreq_serve(&t, &r), MEMTX_OK);
    r = mmio(UNASSIGNED, 8, true, 0x5000);
    r.data_is_ptr = 1;
    r.count = 8;
    ck_assert_int_ne(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(rd(0x5000, 8), UINT64_MAX); /* the bus floated */
    /* A data pointer into nothing: the device is read, nothing lands. */
    r = mmio(SCRATCH, 8, true, UNASSIGNED);
    r.data_is_ptr = 1;
    ck_assert_int_ne(dm_ioreq_serve(&t, &r), MEMTX_OK);
    /* A grant ref nobody granted. */
    r = mmio(XEN_GRANT_ADDR_OFF | 500ULL << 12, 8, true, 0);
    ck_assert_int_ne(dm_ioreq_serve(&t, &r), MEMTX_OK);
    ck_assert_uint_eq(r.data, UINT64_MAX);
    ck_assert_uint_eq(t.stats.tx_errors, 5);
    ck_assert_uint_eq(t.stats.malformed, 0);
}
END_TEST

static Suite *ioreq_suite(void)
{
    Suite *s = suite_create("ioreq");
    TCase *tc = tcase_create("serve");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_repeat_value);
    tcase_add_test(tc, test_data_is_pointer);
    tcase_add_test(tc, test_dma_to_grant);
    tcase_add_test(tc, test_dma_refused_source);
    tcase_add_test(tc, test_dma_msi);
    tcase_add_test(tc, test_other_types);
    tcase_add_test(tc, test_slot_protocol);
    tcase_add_test(tc, test_buffered);
    tcase_add_test(tc, test_buffered_hostile);
    tcase_add_test(tc, test_hostile_shapes);
    tcase_add_test(tc, test_hostile_addresses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ioreq_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
