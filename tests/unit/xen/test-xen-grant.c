/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grant region through an AddressSpace: what a device model sees when
 * it uses grant DMA addresses with address_space_map/read/write, ld/st
 * and MemoryRegionCache, against the emulated hypervisor.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "exec/memcore-atomic.h"
#include "exec/memory.h"
#include "hw/xen/xen-grant.h"
#include "xen-test.h"
#include "tests/unit/unit-helpers.h"

static MemoryRegion root;
static MemoryRegion *grants;
static AddressSpace as;

static void setup(void)
{
    GError *err = NULL;

    xen_test_setup();
    grants = xen_grant_region_new(env.be, GUEST_DOMID, &err);
    ck_assert_msg(grants, "%s", err ? err->message : "?");
    memory_region_init(&root, NULL, "dma", UINT64_MAX);
    memory_region_add_subregion(&root, XEN_GRANT_ADDR_OFF, grants);
    address_space_init(&as, &root, "dma");
}

static void teardown(void)
{
    XenEmuStats s;

    address_space_destroy(&as);
    memory_region_del_subregion(&root, grants);
    xen_grant_region_free(grants);
    memory_region_finalize(&root);
    /* Whatever a test did, no grant may stay mapped behind its back. */
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.refs_mapped, 0);
    xen_test_teardown();
}

static XenGrantStats stats(void)
{
    XenGrantStats st;

    xen_grant_region_get_stats(grants, &st);
    return st;
}

static uint32_t grant(uint64_t gfn, bool ro)
{
    int64_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, gfn, ro);

    ck_assert_int_ge(ref, XEN_GRANT_FIRST_FREE_REF);
    return ref;
}

/* ---- the permission matrix, through the memory API ---- */

typedef struct Row {
    const char *name;
    bool grant_ro;
    bool copy;
    bool write;
    MemTxResult expect; /* for maps: MEMTX_OK or not */
} Row;

static const Row matrix[] = {
    { "rw grant, map for read", false, false, false, MEMTX_OK },
    { "rw grant, map for write", false, false, true, MEMTX_OK },
    { "rw grant, read", false, true, false, MEMTX_OK },
    { "rw grant, write", false, true, true, MEMTX_OK },
    { "ro grant, map for read", true, false, false, MEMTX_OK },
    { "ro grant, map for write", true, false, true, MEMTX_ACCESS_ERROR },
    { "ro grant, read", true, true, false, MEMTX_OK },
    { "ro grant, write", true, true, true, MEMTX_ACCESS_ERROR },
};

#define GFN 5
#define OFF 0x123
#define LEN 200

static MemTxResult row_map(const Row *row, uint32_t ref)
{
    hwaddr len = LEN;
    uint8_t *p = address_space_map(&as, xen_grant_addr(ref, OFF), &len,
                                   row->write, ATTRS);

    if (!p) {
        ck_assert_int_eq(len, 0);
        return MEMTX_ACCESS_ERROR;
    }
    ck_assert_int_eq(len, LEN);
    ck_assert_int_eq(p[0], 0xaa);
    ck_assert_int_eq(stats().outstanding, 1);
    if (row->write) {
        memset(p, 0x55, LEN);
    }
    address_space_unmap(&as, p, len, row->write, len);
    return MEMTX_OK;
}

static MemTxResult row_copy(const Row *row, uint32_t ref)
{
    uint8_t buf[LEN];
    MemTxResult r;

    if (row->write) {
        memset(buf, 0x55, LEN);
        return address_space_write(&as, xen_grant_addr(ref, OFF), ATTRS, buf,
                                   LEN);
    }
    r = address_space_read(&as, xen_grant_addr(ref, OFF), ATTRS, buf, LEN);
    if (r == MEMTX_OK) {
        ck_assert(buf[0] == 0xaa && buf[LEN - 1] == 0xaa);
    }
    return r;
}

START_TEST(test_matrix)
{
    const Row *row = &matrix[_i];
    uint32_t ref;
    MemTxResult r;

    guest_fill(GFN, 0xaa);
    ref = grant(GFN, row->grant_ro);
    r = row->copy ? row_copy(row, ref) : row_map(row, ref);
    ck_assert_msg(r == row->expect, "%s: result %#x, want %#x", row->name, r,
                  row->expect);
    if (row->write && row->expect == MEMTX_OK) {
        ck_assert(guest_is(GFN, OFF, LEN, 0x55));
        ck_assert(guest_is(GFN, OFF + LEN, 16, 0xaa));
    } else {
        ck_assert(guest_is(GFN, 0, XEN_PAGE_SIZE, 0xaa));
    }
    ck_assert_int_eq(stats().outstanding, 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
    if (row->expect != MEMTX_OK) {
        ck_assert_int_eq(stats().failures[-GNTST_general_error], 1);
    }
}
END_TEST

/* ---- who may, which ref ---- */

static MemTxResult read4(hwaddr addr)
{
    uint32_t v = 0xdeadbeef;
    MemTxResult r = address_space_read(&as, addr, ATTRS, &v, sizeof(v));

    if (r != MEMTX_OK) {
        ck_assert_int_eq(v, 0); /* failed reads give zeroes */
    }
    return r;
}

static bool map_fails(hwaddr addr, bool is_write)
{
    hwaddr len = 64;
    void *p = address_space_map(&as, addr, &len, is_write, ATTRS);

    if (p) {
        address_space_unmap(&as, p, len, is_write, 0);
        return false;
    }
    ck_assert_int_eq(len, 0);
    return true;
}

START_TEST(test_wrong_domid)
{
    int64_t ref = xen_emu_grant_access(env.dom, OTHER_DOMID, GFN, false);

    ck_assert(map_fails(xen_grant_addr(ref, 0), false));
    ck_assert_int_eq(read4(xen_grant_addr(ref, 0)), MEMTX_ACCESS_ERROR);
}
END_TEST

START_TEST(test_ended_access)
{
    uint32_t ref = grant(GFN, false);
    uint32_t v = 1;

    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
    ck_assert(map_fails(xen_grant_addr(ref, 0), false));
    ck_assert_int_eq(read4(xen_grant_addr(ref, 0)), MEMTX_ACCESS_ERROR);
    guest_fill(GFN, 0);
    ck_assert_int_eq(address_space_write(&as, xen_grant_addr(ref, 0), ATTRS,
                                         &v, 4),
                     MEMTX_ACCESS_ERROR);
    ck_assert(guest_is(GFN, 0, XEN_PAGE_SIZE, 0));
}
END_TEST

START_TEST(test_bad_refs)
{
    /* Beyond the table, beyond 32 bits, and the very end of 2^64. */
    static const hwaddr addrs[] = {
        XEN_GRANT_ADDR_OFF | ((hwaddr)XEN_EMU_NR_GRANT_REFS << 12),
        XEN_GRANT_ADDR_OFF | ((hwaddr)UINT32_MAX << 12),
        XEN_GRANT_ADDR_OFF | (1ULL << 44),
        UINT64_MAX - 3,
    };
    uint8_t big[64];

    for (unsigned i = 0; i < G_N_ELEMENTS(addrs); i++) {
        ck_assert(map_fails(addrs[i], i & 1));
        ck_assert_int_eq(read4(addrs[i]), MEMTX_DECODE_ERROR);
    }
    /* An access running past 2^64 is refused, never wrapped. */
    memset(big, 0x5a, sizeof(big));
    ck_assert_int_ne(address_space_write(&as, UINT64_MAX - 31, ATTRS, big,
                                         sizeof(big)),
                     MEMTX_OK);
    ck_assert_int_ge(stats().failures[-GNTST_bad_gntref], 4);
    /* Reserved refs were never handed out. */
    ck_assert_int_eq(read4(xen_grant_addr(3, 0)), MEMTX_ACCESS_ERROR);
}
END_TEST

/* A "ref" with bits above 32 is not its low 32 bits, even if those work. */
START_TEST(test_ref_not_truncated)
{
    uint32_t ref = grant(GFN, false);
    hwaddr alias = XEN_GRANT_ADDR_OFF | ((1ULL << 32 | ref) << XEN_PAGE_SHIFT);

    ck_assert(!map_fails(xen_grant_addr(ref, 0), false));
    ck_assert(map_fails(alias, false));
    ck_assert(map_fails(alias | 0xff0, true));
    ck_assert_int_eq(read4(alias), MEMTX_DECODE_ERROR);
    ck_assert_int_eq(read4(alias + XEN_PAGE_SIZE - 2), MEMTX_DECODE_ERROR);
    ck_assert_int_eq(read4(xen_grant_addr(UINT32_MAX, XEN_PAGE_SIZE - 2)),
                     MEMTX_DECODE_ERROR);
}
END_TEST

/*
 * A refused grant reads as an access error and a ref the table does not
 * have as a decode error, whether the device maps it, caches it or
 * copies it: the same result on every path.
 */
static void expect_everywhere(hwaddr addr, bool is_write, MemTxResult want)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 64;
    uint8_t buf[64] = { 0 };
    MemTxResult r = 0xff;

    ck_assert_ptr_null(
        address_space_map_result(&as, addr, &len, is_write, ATTRS, &r));
    ck_assert_msg(r == want, "map of %#" PRIx64 ": %#x, want %#x", addr, r,
                  want);
    ck_assert_int_eq(address_space_cache_init(&c, &as, addr, 64, is_write),
                     want == MEMTX_ACCESS_ERROR ? -EACCES : -EFAULT);
    ck_assert_uint_eq(address_space_rw(&as, addr, ATTRS, buf, 64, is_write),
                      want);
}

START_TEST(test_map_says_why)
{
    uint32_t ended = grant(GFN, false), ro = grant(GFN + 1, true);
    int64_t other = xen_emu_grant_access(env.dom, OTHER_DOMID, GFN, false);

    ck_assert_int_eq(xen_emu_end_access(env.dom, ended), 0);
    expect_everywhere(xen_grant_addr(ended, 0), false, MEMTX_ACCESS_ERROR);
    expect_everywhere(xen_grant_addr(ro, 0), true, MEMTX_ACCESS_ERROR);
    expect_everywhere(xen_grant_addr(other, 0), false, MEMTX_ACCESS_ERROR);
    expect_everywhere(xen_grant_addr(XEN_EMU_NR_GRANT_REFS, 0), false,
                      MEMTX_DECODE_ERROR);
    expect_everywhere(XEN_GRANT_ADDR_OFF | (1ULL << 44), true,
                      MEMTX_DECODE_ERROR);
    ck_assert_int_eq(stats().outstanding, 0);
}
END_TEST

/* ---- mapping lifetime ---- */

START_TEST(test_end_while_mapped)
{
    uint32_t ref = grant(GFN, false);
    hwaddr len = 16;
    uint8_t *p = address_space_map(&as, xen_grant_addr(ref, 0), &len, true,
                                   ATTRS);

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), -EBUSY);
    p[0] = 0x42;
    address_space_unmap(&as, p, len, true, 1);
    ck_assert_int_eq(env.ram[GFN * XEN_PAGE_SIZE], 0x42);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
}
END_TEST

static void not_a_grant_region(void *opaque)
{
    xen_grant_region_free(opaque);
}

START_TEST(test_double_unmap_aborts)
{
    uint32_t ref = grant(GFN, false);
    hwaddr len = 16;
    void *p = address_space_map(&as, xen_grant_addr(ref, 0), &len, false,
                                ATTRS);

    ck_assert_ptr_nonnull(p);
    address_space_unmap(&as, p, len, false, len);
    address_space_unmap(&as, p, len, false, len); /* misuse: aborts */
}
END_TEST

/* The grant region reports misuse through the library's one reporter. */
START_TEST(test_misuse_is_reported)
{
    static MemoryRegion ram;

    unit_ram(&ram, "not-grants", 4096);
    unit_expect_misuse(not_a_grant_region, &ram,
                       "xen-grant: 'not-grants' is not a grant region");
    memory_region_finalize(&ram);
}
END_TEST

/* A read mapping is read-only host memory, even of a writable grant. */
START_TEST(test_read_map_is_readonly)
{
    uint32_t ref = grant(GFN, false);
    hwaddr len = 16;
    uint8_t *p = address_space_map(&as, xen_grant_addr(ref, 0), &len, false,
                                   ATTRS);

    ck_assert_ptr_nonnull(p);
    guest_fill(GFN, 0x12);
    ck_assert(store_faults(p, 0x34));
    ck_assert(guest_is(GFN, 0, XEN_PAGE_SIZE, 0x12));
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

/* No cache of mappings: a write gets its own writable mapping. */
START_TEST(test_write_never_gets_read_mapping)
{
    uint32_t ref = grant(GFN, false);
    hwaddr rlen = 16, wlen = 16;
    uint8_t *r = address_space_map(&as, xen_grant_addr(ref, 0), &rlen, false,
                                   ATTRS);
    uint8_t *w = address_space_map(&as, xen_grant_addr(ref, 0), &wlen, true,
                                   ATTRS);

    ck_assert(r && w && r != w);
    w[0] = 0x99;
    ck_assert_int_eq(r[0], 0x99);
    ck_assert_int_eq(stats().outstanding, 2);
    ck_assert_int_eq(stats().refs_mapped, 2);
    address_space_unmap(&as, w, wlen, true, 1);
    address_space_unmap(&as, r, rlen, false, 0);
}
END_TEST

/* ---- multi-page buffers ---- */

static uint32_t grant_seq(unsigned n, uint64_t first_gfn, bool ro)
{
    g_autofree uint64_t *gfns = g_new(uint64_t, n);
    int64_t ref;

    for (unsigned i = 0; i < n; i++) {
        gfns[i] = (first_gfn + i) % GUEST_PAGES;
    }
    ref = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, n, ro);
    ck_assert_int_ge(ref, XEN_GRANT_FIRST_FREE_REF);
    return ref;
}

START_TEST(test_multi_page_map)
{
    uint32_t ref = grant_seq(4, 10, false);
    hwaddr len = 3 * XEN_PAGE_SIZE;
    XenEmuStats es;
    uint8_t *p;

    for (int i = 0; i < 4; i++) {
        guest_fill(10 + i, 0x10 + i);
    }
    p = address_space_map(&as, xen_grant_addr(ref, 100), &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(len, 3 * XEN_PAGE_SIZE);
    /* One pointer, contiguous over four guest frames, at offset 100. */
    ck_assert_int_eq(p[0], 0x10);
    ck_assert_int_eq(p[XEN_PAGE_SIZE - 100], 0x11);
    ck_assert_int_eq(p[len - 1], 0x13);
    memset(p + XEN_PAGE_SIZE - 110, 0xee, 20);
    ck_assert(guest_is(10, XEN_PAGE_SIZE - 10, 10, 0xee));
    ck_assert(guest_is(11, 0, 10, 0xee));
    /* One batch of four refs. */
    xen_emu_get_stats(env.emu, &es);
    ck_assert_int_eq(es.grant_maps, 1);
    ck_assert_int_eq(es.refs_mapped, 4);
    ck_assert_int_eq(stats().refs_mapped, 4);
    address_space_unmap(&as, p, len, true, len);
    ck_assert_int_eq(stats().refs_mapped, 0);
}
END_TEST

START_TEST(test_map_cap)
{
    uint32_t ref = grant_seq(XEN_GRANT_MAP_MAX_REFS + 4, 0, true);
    hwaddr len = (XEN_GRANT_MAP_MAX_REFS + 3) * XEN_PAGE_SIZE;
    void *p = address_space_map(&as, xen_grant_addr(ref, 8), &len, false,
                                ATTRS);

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(len, XEN_GRANT_MAP_MAX_REFS * XEN_PAGE_SIZE - 8);
    ck_assert_int_eq(stats().refs_mapped, XEN_GRANT_MAP_MAX_REFS);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

/* One bad ref in the range: nothing mapped, nothing left pinned. */
START_TEST(test_map_all_or_nothing)
{
    uint32_t ref = grant_seq(3, 10, false);
    hwaddr len = 3 * XEN_PAGE_SIZE;

    ck_assert_int_eq(xen_emu_end_access(env.dom, ref + 1), 0);
    ck_assert_ptr_null(
        address_space_map(&as, xen_grant_addr(ref, 0), &len, false, ATTRS));
    ck_assert_int_eq(len, 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref + 2), 0);
}
END_TEST

/* ---- read/write/ld/st through grant copy ---- */

START_TEST(test_rw_ldst)
{
    uint32_t ref = grant_seq(2, 20, false);
    hwaddr edge = xen_grant_addr(ref, XEN_PAGE_SIZE - 2);
    uint8_t buf[3 * 1000];
    MemTxResult r = MEMTX_OK;
    XenEmuStats es;

    guest_fill(20, 0);
    guest_fill(21, 0);
    address_space_stl_le(&as, edge, 0x44332211, ATTRS, &r);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_int_eq(env.ram[20 * XEN_PAGE_SIZE + XEN_PAGE_SIZE - 1], 0x22);
    ck_assert_int_eq(env.ram[21 * XEN_PAGE_SIZE + 0], 0x33);
    ck_assert_int_eq(address_space_ldl_le(&as, edge, ATTRS, &r), 0x44332211);
    ck_assert_int_eq(address_space_lduw_be(&as, edge + 1, ATTRS, &r), 0x2233);
    address_space_stq_be(&as, xen_grant_addr(ref, 8), 0x0102030405060708ULL,
                         ATTRS, &r);
    ck_assert_int_eq(address_space_ldub(&as, xen_grant_addr(ref, 15), ATTRS,
                                        &r),
                     0x08);
    ck_assert_int_eq(r, MEMTX_OK);

    memset(buf, 0x3c, sizeof(buf));
    ck_assert_int_eq(address_space_write(&as, xen_grant_addr(ref, 3000), ATTRS,
                                         buf, sizeof(buf)),
                     MEMTX_OK);
    memset(buf, 0, sizeof(buf));
    ck_assert_int_eq(address_space_read(&as, xen_grant_addr(ref, 3000), ATTRS,
                                        buf, sizeof(buf)),
                     MEMTX_OK);
    ck_assert(buf[0] == 0x3c && buf[sizeof(buf) - 1] == 0x3c);
    ck_assert(guest_is(21, 0, 3000 + sizeof(buf) - XEN_PAGE_SIZE, 0x3c));

    /* All of it by copy: nothing was ever mapped. */
    xen_emu_get_stats(env.emu, &es);
    ck_assert_int_eq(es.grant_maps, 0);
    ck_assert_int_gt(es.copy_segments, 0);
    ck_assert_int_eq(stats().maps, 0);
    ck_assert_int_ge(stats().copy_segments, 10);
}
END_TEST

/* Half good, half refused: the caller is told, reads give zeroes. */
START_TEST(test_rw_partial_failure)
{
    uint64_t gfns[2] = { 30, 31 };
    int64_t ref = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, 2,
                                           false);
    XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);
    uint8_t buf[2 * XEN_PAGE_SIZE];

    /* The second page becomes read-only. */
    qatomic_fetch_or_acq_rel(&t[ref + 1].flags, GTF_readonly);
    guest_fill(30, 0x30);
    guest_fill(31, 0x31);
    memset(buf, 0xff, sizeof(buf));
    ck_assert_int_eq(address_space_write(&as, xen_grant_addr(ref, 0), ATTRS,
                                         buf, sizeof(buf)),
                     MEMTX_ACCESS_ERROR);
    ck_assert(guest_is(31, 0, XEN_PAGE_SIZE, 0x31));

    ck_assert_int_eq(xen_emu_end_access(env.dom, ref + 1), 0);
    memset(buf, 0xff, sizeof(buf));
    ck_assert_int_eq(address_space_read(&as, xen_grant_addr(ref, 0), ATTRS,
                                        buf, sizeof(buf)),
                     MEMTX_ACCESS_ERROR);
    for (size_t i = 0; i < sizeof(buf); i++) {
        ck_assert_int_eq(buf[i], 0);
    }
}
END_TEST

START_TEST(test_large_copy)
{
    unsigned n = XEN_GRANT_COPY_BATCH * 2 + 3;
    uint32_t ref = grant_seq(n, 0, false);
    size_t len = (size_t)n * XEN_PAGE_SIZE - 100;
    g_autofree uint8_t *buf = g_malloc(len);

    /* The buffer wraps around the guest's 64 frames: a pattern by ref. */
    for (size_t i = 0; i < len; i++) {
        buf[i] = (i + 50) / XEN_PAGE_SIZE;
    }
    ck_assert_int_eq(address_space_write(&as, xen_grant_addr(ref, 50), ATTRS,
                                         buf, len),
                     MEMTX_OK);
    memset(buf, 0, len);
    ck_assert_int_eq(address_space_read(&as, xen_grant_addr(ref, 50), ATTRS,
                                        buf, len),
                     MEMTX_OK);
    /* The last refs' writes won for the frames they share. */
    ck_assert_int_eq(buf[len - 1], n - 1);
    ck_assert_int_eq(stats().copy_segments, 2 * (uint64_t)(n));
}
END_TEST

/* ---- rings ---- */

START_TEST(test_ring_cache)
{
    uint32_t ref = grant_seq(2, 40, false);
    MemoryRegionCache cache = MEMORY_REGION_CACHE_INVALID;
    int64_t got;

    got = address_space_cache_init(&cache, &as, xen_grant_addr(ref, 0),
                                   2 * XEN_PAGE_SIZE, true);
    ck_assert_int_eq(got, 2 * XEN_PAGE_SIZE);
    for (uint32_t i = 0; i < 2000; i++) {
        hwaddr off = (i * 4) % (2 * XEN_PAGE_SIZE);

        address_space_stl_le_cached(&cache, off, i, ATTRS, NULL);
        ck_assert_int_eq(address_space_ldl_le_cached(&cache, off, ATTRS, NULL),
                         i);
    }
    /* One map for the cache's whole life, and the guest sees the ring. */
    ck_assert_int_eq(stats().maps, 1);
    ck_assert_int_eq(stats().copies, 0);
    ck_assert_int_eq(*(uint32_t *)(env.ram + 41 * XEN_PAGE_SIZE + 4), 1025);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), -EBUSY);
    address_space_cache_destroy(&cache);
    ck_assert_int_eq(stats().unmaps, 1);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
}
END_TEST

/* ---- the guest in another process ---- */

static int child_guest(int to_parent, int from_parent)
{
    uint64_t gfns[3] = { 50, 51, 52 };
    int64_t ref;
    uint64_t msg;

    memset(env.ram + 50 * XEN_PAGE_SIZE, 0x50, 3 * XEN_PAGE_SIZE);
    ref = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, 3, false);
    CHILD_CHECK(ref >= XEN_GRANT_FIRST_FREE_REF);
    CHILD_CHECK(send_u64(to_parent, ref));

    /* The parent holds a map of the first two refs and wrote by copy. */
    CHILD_CHECK(recv_u64(from_parent, &msg) && msg == 1);
    CHILD_CHECK(env.ram[52 * XEN_PAGE_SIZE + 10] == 0x77);
    CHILD_CHECK(env.ram[50 * XEN_PAGE_SIZE + 200] == 0x66);
    CHILD_CHECK(xen_emu_end_access(env.dom, ref) == -EBUSY);
    CHILD_CHECK(xen_emu_end_access(env.dom, ref + 2) == 0);
    CHILD_CHECK(send_u64(to_parent, 2));

    CHILD_CHECK(recv_u64(from_parent, &msg) && msg == 3);
    CHILD_CHECK(xen_emu_end_access(env.dom, ref) == 0);
    CHILD_CHECK(xen_emu_end_access(env.dom, ref + 1) == 0);
    return 0;
}

START_TEST(test_forked_guest)
{
    GuestChild c = guest_fork(child_guest);
    uint32_t ref = expect_u64(c.rd);
    hwaddr len = 2 * XEN_PAGE_SIZE;
    MemTxResult r = MEMTX_OK;
    uint8_t *p;

    p = address_space_map(&as, xen_grant_addr(ref, 0), &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p[len - 1], 0x50);
    p[200] = 0x66;
    address_space_stb(&as, xen_grant_addr(ref + 2, 10), 0x77, ATTRS, &r);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert(send_u64(c.wr, 1));
    ck_assert_int_eq(expect_u64(c.rd), 2);

    /* The child ended ref + 2: copies into it are refused now. */
    ck_assert_int_eq(address_space_ldub(&as, xen_grant_addr(ref + 2, 10),
                                        ATTRS, &r),
                     0);
    ck_assert_int_eq(r, MEMTX_ACCESS_ERROR);
    address_space_unmap(&as, p, len, true, len);
    ck_assert(send_u64(c.wr, 3));
    ck_assert_int_eq(guest_wait(&c), 0);
}
END_TEST

/* ---- introspection ---- */

START_TEST(test_describe)
{
    g_autoptr(GString) tree = g_string_new("");
    g_autoptr(GString) flat = g_string_new("");
    uint32_t ref = grant(GFN, false);
    hwaddr len = 8;
    void *p;

    read4(xen_grant_addr(40000, 0));
    p = address_space_map(&as, xen_grant_addr(ref, 0), &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    mtree_format_tree(tree, &as);
    mtree_format_flatview(flat, &as);
    address_space_unmap(&as, p, len, false, 0);
    ck_assert_msg(strstr(tree->str, "dom7 grants via emu: 1 mapped (1 refs)"),
                  "%s", tree->str);
    ck_assert_msg(strstr(tree->str, "bad_gntref 1"), "%s", tree->str);
    ck_assert_msg(strstr(flat->str, "dom7 grants via emu"), "%s", flat->str);
}
END_TEST

START_TEST(test_region_new_errors)
{
    GError *err = NULL;

    ck_assert_ptr_null(xen_grant_region_new(env.be, 0x7ff0, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_error_free(err);
    ck_assert_int_eq(memory_region_size(grants), XEN_GRANT_REGION_SIZE);
    ck_assert(memory_region_is_map_on_demand(grants));
}
END_TEST

static Suite *xen_grant_suite(void)
{
    Suite *s = suite_create("xen-grant");
    TCase *tc;

    tc = tcase_create("permissions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_matrix, 0, G_N_ELEMENTS(matrix));
    tcase_add_test(tc, test_wrong_domid);
    tcase_add_test(tc, test_ended_access);
    tcase_add_test(tc, test_bad_refs);
    tcase_add_test(tc, test_ref_not_truncated);
    tcase_add_test(tc, test_map_says_why);
    suite_add_tcase(s, tc);

    tc = tcase_create("mappings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_end_while_mapped);
    tcase_add_test_raise_signal(tc, test_double_unmap_aborts, SIGABRT);
    tcase_add_test(tc, test_misuse_is_reported);
    tcase_add_test(tc, test_read_map_is_readonly);
    tcase_add_test(tc, test_write_never_gets_read_mapping);
    tcase_add_test(tc, test_multi_page_map);
    tcase_add_test(tc, test_map_cap);
    tcase_add_test(tc, test_map_all_or_nothing);
    tcase_add_test(tc, test_ring_cache);
    suite_add_tcase(s, tc);

    tc = tcase_create("copies");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rw_ldst);
    tcase_add_test(tc, test_rw_partial_failure);
    tcase_add_test(tc, test_large_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("processes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_forked_guest);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_region_new_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(xen_grant_suite());
}
