/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dispatch: finding the section for an address, splitting accesses that
 * cross regions, holes, and hostile addresses and lengths.
 */
#include <inttypes.h>
#include <string.h>
#include "unit-helpers.h"

static MemoryRegion root, ram_a, ram_b;
static AddressSpace as;

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram_a, "a", 0x3000);
    unit_ram(&ram_b, "b", 0x3000);
    memory_region_add_subregion(&root, 0x10000, &ram_a);
    memory_region_add_subregion(&root, 0x13000, &ram_b); /* adjacent */
    address_space_init(&as, &root, "dispatch");
}

START_TEST(test_read_write_ram)
{
    uint8_t *a = memory_region_get_ram_ptr(&ram_a);
    uint64_t v = 0x0123456789abcdefULL, w = 0;

    ck_assert_uint_eq(address_space_write(&as, 0x10008, ATTRS, &v, 8),
                      MEMTX_OK);
    ck_assert_mem_eq(a + 8, &v, 8);
    ck_assert_uint_eq(address_space_read(&as, 0x10008, ATTRS, &w, 8),
                      MEMTX_OK);
    ck_assert_uint_eq(v, w);
}
END_TEST

START_TEST(test_split_across_regions)
{
    uint8_t buf[32], *a = memory_region_get_ram_ptr(&ram_a);
    uint8_t *b = memory_region_get_ram_ptr(&ram_b);
    int i;

    for (i = 0; i < 32; i++) {
        buf[i] = i + 1;
    }
    ck_assert_uint_eq(address_space_write(&as, 0x13000 - 16, ATTRS, buf, 32),
                      MEMTX_OK);
    ck_assert_mem_eq(a + 0x3000 - 16, buf, 16);
    ck_assert_mem_eq(b, buf + 16, 16);
}
END_TEST

START_TEST(test_hole_is_decode_error)
{
    uint8_t buf[16];
    uint8_t *b = memory_region_get_ram_ptr(&ram_b);

    memset(buf, 0xaa, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, 0x100, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(buf[0], 0); /* holes read as zero */
    /* Half in RAM, half in the hole after it. */
    b[0x2ff8] = 0x5a;
    memset(buf, 0xaa, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, 0x15ff8, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(buf[0], 0x5a);
    ck_assert_uint_eq(buf[8], 0);
    ck_assert_uint_eq(address_space_write(&as, 0x15ff8, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(b[0x2ff8], 0x5a);
}
END_TEST

/* The other way round: from a hole into RAM, the RAM part still counts. */
START_TEST(test_hole_then_ram)
{
    uint8_t *a = memory_region_get_ram_ptr(&ram_a);
    uint8_t buf[16];

    memset(a, 0x3c, 8);
    memset(buf, 0xaa, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, 0xfff8, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(buf[i], i < 8 ? 0 : 0x3c);
    }
    memset(buf, 0x71, sizeof(buf));
    ck_assert_uint_eq(address_space_write(&as, 0xfff8, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(a[i], 0x71);
    }
}
END_TEST

START_TEST(test_zero_length)
{
    ck_assert_uint_eq(address_space_read(&as, 0x100, ATTRS, NULL, 0),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_write(&as, UINT64_MAX, ATTRS, NULL, 0),
                      MEMTX_OK);
    ck_assert(address_space_access_valid(&as, 0x100, 0, false, ATTRS));
}
END_TEST

START_TEST(test_top_of_space_and_wrap)
{
    static MemoryRegion top;
    uint8_t buf[16];
    uint8_t *t;

    unit_ram(&top, "top", 0x1000);
    memory_region_add_subregion(&root, UINT64_MAX - 0xfff, &top);
    t = memory_region_get_ram_ptr(&top);
    t[0xfff] = 0x77;
    ck_assert_uint_eq(address_space_ldub(&as, UINT64_MAX, ATTRS, NULL), 0x77);
    /* 8 bytes from 2^64-4: the last 4 exist, the rest would wrap. */
    memset(buf, 0xaa, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, UINT64_MAX - 3, ATTRS, buf, 8),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(buf[3], 0x77);
    ck_assert_uint_eq(buf[4], 0);
    /* Nothing was written at address 0 by a wrapping write. */
    ck_assert_uint_eq(address_space_write(&as, UINT64_MAX - 3, ATTRS, buf, 8),
                      MEMTX_DECODE_ERROR);
    ck_assert(
        !address_space_access_valid(&as, UINT64_MAX - 3, 8, false, ATTRS));
    ck_assert(address_space_access_valid(&as, UINT64_MAX - 3, 4, true, ATTRS));
    ck_assert(
        !address_space_access_valid(&as, 0x10000, UINT64_MAX, false, ATTRS));
}
END_TEST

START_TEST(test_huge_length_map)
{
    hwaddr len = UINT64_MAX;
    void *p = address_space_map(&as, 0x10000, &len, false, ATTRS);

    /* The mapping stops where the region stops: 0x3000 + 0x3000 is two. */
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, 0x3000);
    address_space_unmap(&as, p, len, false, 0);
    len = UINT64_MAX;
    ck_assert_ptr_null(address_space_map(&as, UINT64_MAX, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_subpage_sections)
{
    static const MemoryRegionOps ops = { 0 };
    static MemoryRegion small[8];
    uint8_t v;
    int i;

    /* Eight 16-byte reservations inside one page of RAM a. */
    for (i = 0; i < 8; i++) {
        memory_region_init_io(&small[i], NULL, &ops, NULL, "small", 16);
        memory_region_add_subregion_overlap(&root, 0x11000 + i * 64, &small[i],
                                            1);
    }
    ((uint8_t *)memory_region_get_ram_ptr(&ram_a))[0x1010] = 0x42;
    for (i = 0; i < 8; i++) {
        MemTxResult r;

        address_space_ldub(&as, 0x11000 + i * 64, ATTRS, &r);
        ck_assert_uint_eq(r, MEMTX_DECODE_ERROR); /* ops without read */
        v = address_space_ldub(&as, 0x11000 + i * 64 + 16, ATTRS, &r);
        ck_assert_uint_eq(r, MEMTX_OK);
        ck_assert_uint_eq(v, i == 0 ? 0x42 : 0);
    }
}
END_TEST

START_TEST(test_many_regions)
{
    enum {
        N = 20000
    };
    MemoryRegion *r = g_new(MemoryRegion, N);
    uint8_t *backing = g_malloc0(N * 64);
    int i;

    memory_region_transaction_begin();
    for (i = 0; i < N; i++) {
        memory_region_init_ram_ptr(&r[i], NULL, "piece", 64, backing + i * 64);
        memory_region_add_subregion(&root, 0x100000000ULL + i * 128, &r[i]);
    }
    memory_region_transaction_commit();
    for (i = 0; i < N; i++) {
        backing[i * 64 + 7] = i & 0xff;
    }
    for (i = 0; i < N; i += 7) {
        MemTxResult res;
        uint8_t v = address_space_ldub(&as, 0x100000000ULL + i * 128 + 7,
                                       ATTRS, &res);

        if (res != MEMTX_OK || v != (i & 0xff)) {
            ck_abort_msg("region %d: res %u value %u", i, res, v);
        }
        address_space_ldub(&as, 0x100000000ULL + i * 128 + 64, ATTRS, &res);
        if (res != MEMTX_DECODE_ERROR) {
            ck_abort_msg("gap after region %d readable", i);
        }
    }
}
END_TEST

/* ---- the per-thread RAM fast path (physmem.c) --------------------------- */

/*
 * The fast path remembers the last RAM section per thread, tagged with the
 * view's generation. Every topology change must make it forget.
 */
START_TEST(test_fast_path_follows_topology)
{
    uint8_t *a = memory_region_get_ram_ptr(&ram_a);
    static MemoryRegion ram_c;
    uint32_t v = 0;

    unit_ram(&ram_c, "c", 0x1000);
    memset(a, 0xaa, 0x3000);
    memset(memory_region_get_ram_ptr(&ram_c), 0xcc, 0x1000);

    ck_assert_uint_eq(address_space_read(&as, 0x10100, ATTRS, &v, 4),
                      MEMTX_OK);
    ck_assert_uint_eq(v, 0xaaaaaaaa);
    /* Another region now covers the same address. */
    memory_region_add_subregion_overlap(&root, 0x10000, &ram_c, 1);
    ck_assert_uint_eq(address_space_read(&as, 0x10100, ATTRS, &v, 4),
                      MEMTX_OK);
    ck_assert_uint_eq(v, 0xcccccccc);
    memory_region_del_subregion(&root, &ram_c);
    /* A removed stack region must be finalized before it goes away. */
    memory_region_finalize(&ram_c);
    ck_assert_uint_eq(address_space_read(&as, 0x10100, ATTRS, &v, 4),
                      MEMTX_OK);
    ck_assert_uint_eq(v, 0xaaaaaaaa);

    /* Writes: cached, then made read-only, then removed. */
    v = 0x11223344;
    ck_assert_uint_eq(address_space_write(&as, 0x10200, ATTRS, &v, 4),
                      MEMTX_OK);
    memory_region_set_readonly(&ram_a, true);
    v = 0x55667788;
    ck_assert_uint_eq(address_space_write(&as, 0x10200, ATTRS, &v, 4),
                      MEMTX_DECODE_ERROR);
    ck_assert_mem_eq(a + 0x200, "\x44\x33\x22\x11", 4);
    memory_region_set_readonly(&ram_a, false);
    memory_region_del_subregion(&root, &ram_a);
    ck_assert_uint_eq(address_space_write(&as, 0x10200, ATTRS, &v, 4),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(address_space_read(&as, 0x10200, ATTRS, &v, 4),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(v, 0);
    memory_region_add_subregion(&root, 0x10000, &ram_a);
    memory_region_finalize(&ram_c);
}
END_TEST

/* Two spaces with different views: one thread alternating between them. */
START_TEST(test_fast_path_two_spaces)
{
    static MemoryRegion root2, ram_x;
    static AddressSpace as2;
    uint8_t v;

    memory_region_init(&root2, NULL, "root2", UINT64_MAX);
    unit_ram(&ram_x, "x", 0x3000);
    memset(memory_region_get_ram_ptr(&ram_x), 0x77, 0x3000);
    memset(memory_region_get_ram_ptr(&ram_a), 0x11, 0x3000);
    memory_region_add_subregion(&root2, 0x10000, &ram_x);
    address_space_init(&as2, &root2, "other");

    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(address_space_read(&as, 0x10000 + i, ATTRS, &v, 1),
                          MEMTX_OK);
        ck_assert_uint_eq(v, 0x11);
        ck_assert_uint_eq(address_space_read(&as2, 0x10000 + i, ATTRS, &v, 1),
                          MEMTX_OK);
        ck_assert_uint_eq(v, 0x77);
    }
    address_space_destroy(&as2);
    memory_region_del_subregion(&root2, &ram_x);
    memory_region_finalize(&ram_x);
    memory_region_finalize(&root2);
}
END_TEST

/* A cached section must not serve an access that runs past its end. */
START_TEST(test_fast_path_bounds)
{
    uint8_t *b = memory_region_get_ram_ptr(&ram_b);
    uint8_t buf[16];

    memset(b, 0xbb, 0x3000);
    /* Cache ram_b, then read across its end into the hole after it. */
    ck_assert_uint_eq(address_space_read(&as, 0x15ff0, ATTRS, buf, 8),
                      MEMTX_OK);
    memset(buf, 0x99, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, 0x15ff8, ATTRS, buf, 16),
                      MEMTX_DECODE_ERROR);
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(buf[i], i < 8 ? 0xbb : 0);
    }
    /* And before its start, into ram_a: split, both served. */
    ck_assert_uint_eq(address_space_read(&as, 0x13000, ATTRS, buf, 8),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_read(&as, 0x12ffc, ATTRS, buf, 8),
                      MEMTX_OK);
    /* Zero length never fails, cached or not. */
    ck_assert_uint_eq(address_space_read(&as, 0x13000, ATTRS, buf, 0),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_write(&as, 0x13000, ATTRS, buf, 0),
                      MEMTX_OK);
}
END_TEST

/* Reads and writes are cached apart: ROM reads fast, writes still fail. */
START_TEST(test_fast_path_rom_and_private)
{
    static MemoryRegion rom, priv;
    MemTxAttrs private_attrs = { .private_mem = 1 };
    GError *err = NULL;
    uint8_t v = 0x5a;

    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memset(memory_region_get_ram_ptr(&rom), 0x3c, 0x1000);
    memory_region_add_subregion(&root, 0x40000, &rom);
    ck_assert_uint_eq(address_space_read(&as, 0x40010, ATTRS, &v, 1),
                      MEMTX_OK);
    ck_assert_uint_eq(v, 0x3c);
    ck_assert_uint_eq(address_space_write(&as, 0x40010, ATTRS, &v, 1),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(((uint8_t *)memory_region_get_ram_ptr(&rom))[0x10],
                      0x3c);

    /* Private RAM: a private read must not open the door to DMA. */
    unit_ram(&priv, "priv", 0x1000);
    memory_region_set_private(&priv, true);
    memory_region_add_subregion(&root, 0x50000, &priv);
    ck_assert_uint_eq(address_space_read(&as, 0x50000, private_attrs, &v, 1),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_read(&as, 0x50000, ATTRS, &v, 1),
                      MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(address_space_write(&as, 0x50000, private_attrs, &v, 1),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_write(&as, 0x50000, ATTRS, &v, 1),
                      MEMTX_ACCESS_ERROR);
    memory_region_del_subregion(&root, &rom);
    memory_region_del_subregion(&root, &priv);
    memory_region_finalize(&rom);
    memory_region_finalize(&priv);
}
END_TEST

/*
 * The inline fast path of exec/memory-fast.h. A RAM access fills the
 * thread's entry (so the next one is served inline, without a call); the
 * inline ld/st must agree with the out-of-line functions on every byte
 * order, and a removed region or a destroyed space must never be served
 * from a stale entry.
 */
START_TEST(test_inline_ldst_byte_order)
{
    uint8_t *a = memory_region_get_ram_ptr(&ram_a);
    static const uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    MemTxResult r = MEMTX_ERROR;

    memcpy(a + 0x100, bytes, 8);
    ck_assert_uint_eq(address_space_ldq_le(&as, 0x10100, ATTRS, &r),
                      0x0807060504030201ULL);
    ck_assert_uint_eq(r, MEMTX_OK);
    /* The entry now names ram_a in the current view: the rest is inline. */
    ck_assert_uint_eq(memcore_fast_v1.read.tag, as.fast_tag);
    ck_assert_uint_eq(address_space_ldq_be(&as, 0x10100, ATTRS, NULL),
                      0x0102030405060708ULL);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10100, ATTRS, NULL),
                      0x04030201);
    ck_assert_uint_eq(address_space_ldl_be(&as, 0x10100, ATTRS, NULL),
                      0x01020304);
    ck_assert_uint_eq(address_space_lduw_le(&as, 0x10101, ATTRS, NULL),
                      0x0302);
    ck_assert_uint_eq(address_space_lduw_be(&as, 0x10101, ATTRS, NULL),
                      0x0203);
    ck_assert_uint_eq(address_space_ldub(&as, 0x10107, ATTRS, NULL), 8);
    /* The out-of-line functions give the same answers. */
    ck_assert_uint_eq((address_space_ldq_be)(&as, 0x10100, ATTRS, NULL),
                      0x0102030405060708ULL);
    ck_assert_uint_eq((address_space_lduw_le)(&as, 0x10101, ATTRS, NULL),
                      0x0302);

    address_space_stq_be(&as, 0x10200, 0x1122334455667788ULL, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(memcore_fast_v1.write.tag, as.fast_tag);
    ck_assert_mem_eq(a + 0x200, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    address_space_stl_le(&as, 0x10208, 0xa1b2c3d4, ATTRS, NULL);
    ck_assert_mem_eq(a + 0x208, "\xd4\xc3\xb2\xa1", 4);
    address_space_stw_be(&as, 0x1020c, 0xbeef, ATTRS, NULL);
    ck_assert_mem_eq(a + 0x20c, "\xbe\xef", 2);
    address_space_stb(&as, 0x1020e, 0x42, ATTRS, NULL);
    ck_assert_uint_eq(a[0x20e], 0x42);
    (address_space_stq_le)(&as, 0x10210, 0x0102030405060708ULL, ATTRS, NULL);
    ck_assert_uint_eq(address_space_ldq_le(&as, 0x10210, ATTRS, NULL),
                      0x0102030405060708ULL);

    /* An access running out of the cached section is split, not served. */
    ck_assert_uint_eq(address_space_ldq_le(&as, 0x12ffc, ATTRS, &r),
                      address_space_ldq_le(&as, 0x12ffc, ATTRS, NULL));
    ck_assert_uint_eq(r, MEMTX_OK);
}
END_TEST

START_TEST(test_inline_after_remove_and_destroy)
{
    static MemoryRegion root2, ram_x;
    uint8_t *a = memory_region_get_ram_ptr(&ram_a);
    MemTxResult r = MEMTX_OK;
    uint64_t v;

    memset(a, 0xaa, 0x3000);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10040, ATTRS, NULL),
                      0xaaaaaaaa);
    address_space_stl_le(&as, 0x10080, 0x12345678, ATTRS, NULL);
    ck_assert_uint_eq(memcore_fast_v1.read.tag, as.fast_tag);
    ck_assert_uint_eq(memcore_fast_v1.write.tag, as.fast_tag);

    /* Removed: both entries are stale, the accesses become holes. */
    memory_region_del_subregion(&root, &ram_a);
    ck_assert_uint_ne(memcore_fast_v1.read.tag, as.fast_tag);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10040, ATTRS, &r), 0);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_stl_le(&as, 0x10080, 0x9abcdef0, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_mem_eq(a + 0x80, "\x78\x56\x34\x12", 4);
    ck_assert_uint_eq(address_space_read(&as, 0x10040, ATTRS, &v, 8),
                      MEMTX_DECODE_ERROR);
    memory_region_add_subregion(&root, 0x10000, &ram_a);

    /*
     * Destroyed and initialised again over another root, in the same
     * memory: the entry cached from the old space must not serve it.
     */
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10040, ATTRS, NULL),
                      0xaaaaaaaa);
    memory_region_init(&root2, NULL, "root2", UINT64_MAX);
    unit_ram(&ram_x, "x", 0x3000);
    memset(memory_region_get_ram_ptr(&ram_x), 0x77, 0x3000);
    memory_region_add_subregion(&root2, 0x10000, &ram_x);
    address_space_destroy(&as);
    address_space_init(&as, &root2, "again");
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10040, ATTRS, NULL),
                      0x77777777);
    address_space_destroy(&as);
    memory_region_del_subregion(&root2, &ram_x);
    memory_region_finalize(&ram_x);
    memory_region_finalize(&root2);
    address_space_init(&as, &root, "dispatch");
}
END_TEST

/*
 * Entries are per thread. A thread whose entry names a region that
 * another thread then removes must see the hole; a new thread (no entry,
 * not yet an RCU reader) must be served through the library.
 */
typedef struct InlineThread {
    GMutex lock;
    GCond cond;
    int step;
    uint32_t seen[3];
    MemTxResult result[3];
} InlineThread;

static void inline_thread_wait(InlineThread *t, int step)
{
    g_mutex_lock(&t->lock);
    while (t->step < step) {
        g_cond_wait(&t->cond, &t->lock);
    }
    g_mutex_unlock(&t->lock);
}

static void inline_thread_step(InlineThread *t)
{
    g_mutex_lock(&t->lock);
    t->step++;
    g_cond_broadcast(&t->cond);
    g_mutex_unlock(&t->lock);
}

static gpointer inline_reader(gpointer opaque)
{
    InlineThread *t = opaque;

    /* Step 0: the first access of this thread fills its entry. */
    ck_assert_uint_eq(memcore_fast_v1.read.tag, 0);
    t->seen[0] = address_space_ldl_le(&as, 0x13010, ATTRS, &t->result[0]);
    t->seen[1] = address_space_ldl_le(&as, 0x13010, ATTRS, &t->result[1]);
    inline_thread_step(t); /* -> 1 */
    inline_thread_wait(t, 2); /* ram_b removed */
    t->seen[2] = address_space_ldl_le(&as, 0x13010, ATTRS, &t->result[2]);
    inline_thread_step(t); /* -> 3 */
    return NULL;
}

START_TEST(test_inline_across_threads)
{
    InlineThread t = { 0 };
    GThread *th;

    memset(memory_region_get_ram_ptr(&ram_b), 0xb5, 0x3000);
    g_mutex_init(&t.lock);
    g_cond_init(&t.cond);
    th = g_thread_new("inline-reader", inline_reader, &t);
    inline_thread_wait(&t, 1);
    memory_region_del_subregion(&root, &ram_b);
    inline_thread_step(&t); /* -> 2 */
    g_thread_join(th);
    memory_region_add_subregion(&root, 0x13000, &ram_b);

    ck_assert_uint_eq(t.seen[0], 0xb5b5b5b5);
    ck_assert_uint_eq(t.result[0], MEMTX_OK);
    ck_assert_uint_eq(t.seen[1], 0xb5b5b5b5);
    ck_assert_uint_eq(t.result[1], MEMTX_OK);
    ck_assert_uint_eq(t.seen[2], 0);
    ck_assert_uint_eq(t.result[2], MEMTX_DECODE_ERROR);
    g_mutex_clear(&t.lock);
    g_cond_clear(&t.cond);
}
END_TEST

/* ---- compaction of the radix table (dispatch.c) ------------------------- */

/*
 * A compacted walk skips the levels where only one entry is in use, so it
 * does not look at those bits of the address. Addresses that differ from
 * a mapped one only in such bits must still find nothing.
 */
START_TEST(test_compacted_walk_checks_skipped_bits)
{
    static const unsigned shifts[] = { 12, 20, 21, 29, 30, 38,
                                       39, 47, 48, 56, 57, 63 };
    uint8_t v;

    ((uint8_t *)memory_region_get_ram_ptr(&ram_a))[0x123] = 0x42;
    ck_assert_uint_eq(address_space_ldub(&as, 0x10123, ATTRS, NULL), 0x42);
    for (unsigned i = 0; i < G_N_ELEMENTS(shifts); i++) {
        hwaddr addr = 0x10123 ^ (1ULL << shifts[i]);
        MemTxResult r;

        if (addr >= 0x10000 && addr < 0x16000) {
            continue; /* still inside a or b */
        }
        v = address_space_ldub(&as, addr, ATTRS, &r);
        ck_assert_msg(r == MEMTX_DECODE_ERROR && v == 0,
                      "%#" PRIx64 " reads %#x (result %u)", addr, v, r);
    }
}
END_TEST

static uint64_t marker_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xee;
}

/* The same for sub-page lists and for sections stored high in the table. */
START_TEST(test_compacted_walk_subpages_and_big_sections)
{
    static const MemoryRegionOps ops = { .read = marker_read };
    static MemoryRegion tiny, big, top;

    /* A 256-byte device alone in its page, far from everything. */
    memory_region_init_io(&tiny, NULL, &ops, NULL, "tiny", 0x100);
    memory_region_add_subregion(&root, 0x7000000080ULL, &tiny);
    /* A 1 TiB device: stored as a few high-level entries. */
    memory_region_init_io(&big, NULL, &ops, NULL, "big", 1ULL << 40);
    memory_region_add_subregion(&root, 1ULL << 44, &big);
    /* And one at the top of the space, as the grant window is. */
    memory_region_init_io(&top, NULL, &ops, NULL, "top", 0x1000);
    memory_region_add_subregion(&root, 0xfffffffffffff000ULL, &top);

    for (unsigned bit = 0; bit < 64; bit++) {
        hwaddr probes[] = {
            0x7000000080ULL ^ (1ULL << bit),
            ((1ULL << 44) + 0x5000) ^ (1ULL << bit),
            0xfffffffffffff010ULL ^ (1ULL << bit),
        };

        for (unsigned k = 0; k < G_N_ELEMENTS(probes); k++) {
            hwaddr a = probes[k];
            bool in_ram = a >= 0x10000 && a < 0x16000;
            MemoryRegionSection sec;
            bool mapped = unit_section_at(&as, a, &sec);
            MemTxResult r;
            uint8_t v = address_space_ldub(&as, a, ATTRS, &r);

            if (!mapped) {
                ck_assert_msg(r == MEMTX_DECODE_ERROR && v == 0,
                              "%#" PRIx64 ": %#x, result %u; nothing is "
                              "there",
                              a, v, r);
            } else if (!in_ram) {
                ck_assert_msg(r == MEMTX_OK && v == 0xee,
                              "%#" PRIx64 ": %#x, result %u; a device is "
                              "there",
                              a, v, r);
            }
        }
    }
    memory_region_del_subregion(&root, &tiny);
    memory_region_del_subregion(&root, &big);
    memory_region_del_subregion(&root, &top);
    /* They live on this stack: wait until no old view refers to them. */
    memory_region_finalize(&tiny);
    memory_region_finalize(&big);
    memory_region_finalize(&top);
}
END_TEST

/*
 * Random sparse layouts over the whole 64-bit space, probed at random
 * addresses and at mapped addresses with random high bits flipped; each
 * RAM region holds its own index in every byte, so a read tells which
 * region served it. The oracle is the flat view's own section list.
 */
START_TEST(test_compacted_walk_random)
{
    enum {
        N = 40,
        ROUNDS = 20,
        PROBES = 4000
    };
    GRand *rng = g_rand_new_with_seed(7 + _i);
    MemoryRegion *r = g_new0(MemoryRegion, N);

    memory_region_del_subregion(&root, &ram_a);
    memory_region_del_subregion(&root, &ram_b);
    for (int round = 0; round < ROUNDS; round++) {
        hwaddr base[N];
        uint64_t size[N];
        int n = 0;

        /* Non-overlapping: each region gets its own 2^k-aligned slot. */
        memory_region_transaction_begin();
        while (n < N) {
            int k = g_rand_int_range(rng, 12, 62);
            hwaddr slot = ((uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng)) &
                          ~((1ULL << k) - 1);
            uint64_t sz = g_rand_boolean(rng) ?
                              0x1000 :
                              (uint64_t)g_rand_int_range(rng, 1, 0x1000);
            hwaddr off = g_rand_boolean(rng) ?
                             0 :
                             (hwaddr)g_rand_int_range(rng, 0, 0x1000 - sz + 1);
            bool clash = false;

            for (int j = 0; j < n; j++) {
                if (slot + off < base[j] + size[j] &&
                    base[j] < slot + off + sz) {
                    clash = true;
                }
            }
            if (clash) {
                continue;
            }
            base[n] = slot + off;
            size[n] = sz;
            unit_ram(&r[n], "rnd", sz);
            memset(memory_region_get_ram_ptr(&r[n]), n + 1, sz);
            memory_region_add_subregion(&root, base[n], &r[n]);
            n++;
        }
        memory_region_transaction_commit();

        for (int p = 0; p < PROBES; p++) {
            int j = g_rand_int_range(rng, 0, N);
            hwaddr a;
            MemoryRegionSection sec;
            MemTxResult res;
            uint8_t v;
            bool mapped;

            switch (p % 3) {
            case 0: /* inside a region */
                a = base[j] + g_rand_int_range(rng, 0, size[j]);
                break;
            case 1: /* a region's address with a high bit flipped */
                a = (base[j] + g_rand_int_range(rng, 0, size[j])) ^
                    (1ULL << g_rand_int_range(rng, 12, 64));
                break;
            default: /* anywhere */
                a = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
                break;
            }
            mapped = unit_section_at(&as, a, &sec);
            v = address_space_ldub(&as, a, ATTRS, &res);
            if (mapped) {
                int idx = (MemoryRegion *)sec.mr - r;

                ck_assert_msg(res == MEMTX_OK && v == idx + 1,
                              "%#" PRIx64 ": read %u (result %u), region %d "
                              "is there",
                              a, v, res, idx);
            } else {
                ck_assert_msg(res == MEMTX_DECODE_ERROR && v == 0,
                              "%#" PRIx64 ": read %u (result %u), nothing "
                              "is there",
                              a, v, res);
            }
        }

        memory_region_transaction_begin();
        for (int j = 0; j < N; j++) {
            memory_region_del_subregion(&root, &r[j]);
        }
        memory_region_transaction_commit();
        for (int j = 0; j < N; j++) {
            memory_region_finalize(&r[j]);
        }
    }
    g_free(r);
    g_rand_free(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("dispatch");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_read_write_ram);
    tcase_add_test(tc, test_split_across_regions);
    tcase_add_test(tc, test_hole_is_decode_error);
    tcase_add_test(tc, test_hole_then_ram);
    tcase_add_test(tc, test_zero_length);
    tcase_add_test(tc, test_top_of_space_and_wrap);
    tcase_add_test(tc, test_huge_length_map);
    tcase_add_test(tc, test_subpage_sections);
    tcase_add_test(tc, test_many_regions);
    suite_add_tcase(s, tc);

    tc = tcase_create("fast-path");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_fast_path_follows_topology);
    tcase_add_test(tc, test_fast_path_two_spaces);
    tcase_add_test(tc, test_fast_path_bounds);
    tcase_add_test(tc, test_fast_path_rom_and_private);
    tcase_add_test(tc, test_inline_ldst_byte_order);
    tcase_add_test(tc, test_inline_after_remove_and_destroy);
    tcase_add_test(tc, test_inline_across_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("compaction");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_compacted_walk_checks_skipped_bits);
    tcase_add_test(tc, test_compacted_walk_subpages_and_big_sections);
    tcase_add_loop_test(tc, test_compacted_walk_random, 0, 4);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
