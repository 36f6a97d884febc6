/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map-on-demand regions: the third kind of memory, reached only through
 * MemoryRegionOps.map()/unmap(), plus read_buf()/write_buf() when present.
 */
#include <errno.h>

#include "unit-helpers.h"
#include "on-demand-dev.h"

#define BASE 0x40000000ULL

static MemoryRegion root, region;
static AddressSpace as;
static OnDemandDev dev;

static void make(const MemoryRegionOps *ops)
{
    odd_init(&dev, 0x10000);
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&region, NULL, ops, &dev, "on-demand", dev.size);
    memory_region_add_subregion(&root, BASE, &region);
    address_space_init(&as, &root, "od");
}

START_TEST(test_callbacks_get_right_arguments)
{
    hwaddr len = 0x300;
    uint8_t *p;

    make(&odd_ops_map_only);
    ck_assert(memory_region_is_map_on_demand(&region));
    p = address_space_map(&as, BASE + 0x1100, &len, true, ATTRS);
    ck_assert_ptr_eq(p, dev.mem + 0x1100);
    ck_assert_uint_eq(len, 0x300);
    ck_assert_int_eq(dev.maps, 1);
    ck_assert_uint_eq(dev.last_addr, 0x1100);
    ck_assert(dev.last_is_write);
    p[0] = 0x42;
    address_space_unmap(&as, p, len, true, 0x10);
    ck_assert_int_eq(dev.unmaps, 1);
    ck_assert_ptr_eq(dev.last_host, dev.mem + 0x1100);
    ck_assert_uint_eq(dev.last_addr, 0x1100);
    ck_assert_uint_eq(dev.last_len, 0x300);
    ck_assert_uint_eq(dev.last_access_len, 0x10);
    ck_assert_uint_eq(dev.mem[0x1100], 0x42);
}
END_TEST

START_TEST(test_shortened_plen_honoured)
{
    hwaddr len = 0x3000;
    void *p;

    make(&odd_ops_map_only);
    dev.page_limit = 1;
    p = address_space_map(&as, BASE + 0x1800, &len, false, ATTRS);
    ck_assert_uint_eq(len, 0x800); /* cut at the page end */
    address_space_unmap(&as, p, len, false, 0);
    ck_assert_uint_eq(dev.last_len, 0x800);
}
END_TEST

START_TEST(test_failed_map_leaks_nothing)
{
    hwaddr len = 0x100;
    AddressSpaceStats st;

    make(&odd_ops_map_only);
    dev.fail = true;
    ck_assert_ptr_null(address_space_map(&as, BASE, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&region), 0);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    ck_assert_uint_eq(st.map_failures, 1);
}
END_TEST

START_TEST(test_zero_length_map_is_given_back)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 0x100;
    uint8_t buf[8];

    /* A map() that returns a pointer but 0 bytes must not leak it. */
    make(&odd_ops_map_only);
    dev.empty = true;
    ck_assert_ptr_null(address_space_map(&as, BASE, &len, false, ATTRS));
    ck_assert_uint_ne(address_space_read(&as, BASE, ATTRS, buf, 8), MEMTX_OK);
    ck_assert_int_lt(address_space_cache_init(&c, &as, BASE, 8, false), 0);
    ck_assert_int_eq(dev.maps, 3);
    ck_assert_int_eq(dev.live, 0);
}
END_TEST

START_TEST(test_mapping_outlives_removal)
{
    hwaddr len = 0x100;
    uint8_t *p;
    MemTxResult r;

    make(&odd_ops_map_only);
    p = address_space_map(&as, BASE, &len, true, ATTRS);
    memory_region_del_subregion(&root, &region);
    /* The guest can no longer reach it... */
    address_space_ldub(&as, BASE, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    /* ...but the mapping is intact and unmaps through the callback. */
    p[0] = 7;
    ck_assert_int_eq(memory_region_outstanding_maps(&region), 1);
    address_space_unmap(&as, p, len, true, 1);
    ck_assert_int_eq(dev.unmaps, 1);
    ck_assert_int_eq(dev.live, 0);
    memory_region_finalize(&region);
}
END_TEST

START_TEST(test_rw_through_copy_ops)
{
    uint8_t buf[0x2000], back[0x2000];
    size_t i;

    make(&odd_ops_with_copy);
    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 7;
    }
    ck_assert_uint_eq(address_space_write(&as, BASE + 0x800, ATTRS, buf,
                                          sizeof(buf)),
                      MEMTX_OK);
    ck_assert_uint_eq(address_space_read(&as, BASE + 0x800, ATTRS, back,
                                         sizeof(back)),
                      MEMTX_OK);
    ck_assert_mem_eq(buf, back, sizeof(buf));
    ck_assert_int_eq(dev.copies_in, 1); /* no access-size limit */
    ck_assert_int_eq(dev.copies_out, 1);
    ck_assert_int_eq(dev.maps, 0);
    ck_assert_uint_eq(address_space_ldl_le(&as, BASE + 0x800, ATTRS, NULL),
                      0x150e0700);
}
END_TEST

START_TEST(test_rw_through_map_copy_unmap)
{
    uint8_t buf[0x2800], back[0x2800];
    size_t i;

    make(&odd_ops_map_only);
    dev.page_limit = 1; /* forces page-sized pieces */
    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 13;
    }
    ck_assert_uint_eq(address_space_write(&as, BASE + 0x400, ATTRS, buf,
                                          sizeof(buf)),
                      MEMTX_OK);
    ck_assert_int_eq(dev.maps, 3); /* 0x400-0x1000, one page, rest */
    ck_assert_int_eq(dev.live, 0);
    ck_assert_mem_eq(dev.mem + 0x400, buf, sizeof(buf));
    ck_assert_uint_eq(address_space_read(&as, BASE + 0x400, ATTRS, back,
                                         sizeof(back)),
                      MEMTX_OK);
    ck_assert_mem_eq(buf, back, sizeof(buf));
    ck_assert_int_eq(dev.live, 0);
}
END_TEST

START_TEST(test_rw_map_failure_is_an_error_not_a_crash)
{
    uint8_t buf[16];
    MemTxResult r;

    make(&odd_ops_map_only);
    dev.fail = true;
    memset(buf, 0xaa, sizeof(buf));
    r = address_space_read(&as, BASE, ATTRS, buf, sizeof(buf));
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert_uint_eq(buf[0], 0);
    address_space_stl_le(&as, BASE, 1, ATTRS, &r);
    ck_assert_uint_ne(r, MEMTX_OK);
}
END_TEST

START_TEST(test_access_crossing_into_region)
{
    static MemoryRegion ram;
    uint8_t buf[32];

    make(&odd_ops_with_copy);
    unit_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&root, BASE - 0x1000, &ram);
    memset(buf, 0x3c, sizeof(buf));
    ck_assert_uint_eq(address_space_write(&as, BASE - 16, ATTRS, buf, 32),
                      MEMTX_OK);
    ck_assert_uint_eq(dev.mem[15], 0x3c);
    ck_assert_uint_eq(((uint8_t *)memory_region_get_ram_ptr(&ram))[0xff0],
                      0x3c);
}
END_TEST

/*
 * An access_check() that refuses writes to [refuse_from, refuse_to) of
 * the region and anything past its end, and records how it was asked.
 */
static hwaddr refuse_from, refuse_to;
static int checks;
static hwaddr check_addr, check_len;

static MemTxResult odd_access_check(void *opaque, hwaddr addr, hwaddr len,
                                    bool is_write, MemTxAttrs attrs)
{
    OnDemandDev *d = opaque;

    checks++;
    check_addr = addr;
    check_len = len;
    if (addr >= d->size || len > d->size - addr) {
        return MEMTX_DECODE_ERROR;
    }
    if (is_write && addr < refuse_to && addr + len > refuse_from) {
        return MEMTX_ACCESS_ERROR;
    }
    return MEMTX_OK;
}

static const MemoryRegionOps odd_ops_checked = {
    .map = odd_map,
    .unmap = odd_unmap,
    .read_buf = odd_read_buf,
    .write_buf = odd_write_buf,
    .access_check = odd_access_check,
};

START_TEST(test_access_check_asks_the_region)
{
    static MemoryRegion ram;

    make(&odd_ops_checked);
    unit_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&root, BASE - 0x1000, &ram);
    refuse_from = 0x2000;
    refuse_to = 0x3000;

    ck_assert(address_space_access_valid(&as, BASE, 0x10000, false, ATTRS));
    ck_assert_int_eq(checks, 1);
    ck_assert_uint_eq(check_addr, 0);
    ck_assert_uint_eq(check_len, 0x10000);
    /* The region's answer is the answer, with its result. */
    ck_assert(
        !address_space_access_valid(&as, BASE + 0x1800, 0x1000, true, ATTRS));
    ck_assert_uint_eq(address_space_access_check(&as, BASE + 0x1800, 0x1000,
                                                 true, ATTRS),
                      MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(check_addr, 0x1800);
    ck_assert_uint_eq(check_len, 0x1000);
    ck_assert(
        address_space_access_valid(&as, BASE + 0x3000, 0x100, true, ATTRS));
    /* From RAM into the region: it is asked about its own part only. */
    ck_assert_uint_eq(address_space_access_check(&as, BASE - 0x10, 0x20, true,
                                                 ATTRS),
                      MEMTX_OK);
    ck_assert_uint_eq(check_addr, 0);
    ck_assert_uint_eq(check_len, 0x10);
    /* Past the region's end there is nothing: decided by the core. */
    checks = 0;
    ck_assert_uint_eq(address_space_access_check(&as, BASE + 0x10000, 1, false,
                                                 ATTRS),
                      MEMTX_DECODE_ERROR);
    ck_assert_int_eq(checks, 0);
    /* Asking maps and copies nothing. */
    ck_assert_int_eq(dev.maps, 0);
    ck_assert_int_eq(dev.copies_in + dev.copies_out, 0);
}
END_TEST

/* A region without access_check() is taken at its word, as before. */
START_TEST(test_no_access_check_means_valid)
{
    make(&odd_ops_with_copy);
    dev.fail = true;
    ck_assert(address_space_access_valid(&as, BASE, 0x100, true, ATTRS));
    ck_assert_uint_eq(address_space_access_check(&as, BASE, 0x100, false,
                                                 ATTRS),
                      MEMTX_OK);
    ck_assert_int_eq(dev.maps, 0);
}
END_TEST

/*
 * map_with_result() says why it refused, and the reason reaches every
 * path that maps: address_space_map_result(), a cache's errno, and a
 * read or write served by map-copy-unmap.
 */
START_TEST(test_map_says_why)
{
    static const struct {
        MemTxResult why;
        int64_t cache_errno;
    } cases[] = {
        { MEMTX_ACCESS_ERROR, -EACCES },
        { MEMTX_DECODE_ERROR, -EFAULT },
        { MEMTX_ERROR, -EIO },
        { MEMTX_OK, -EIO }, /* a failure that claims success */
    };

    make(&odd_ops_map_result);
    dev.fail = true;
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        MemTxResult want = cases[i].why ? cases[i].why : MEMTX_ERROR;
        MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
        hwaddr len = 0x100;
        uint8_t buf[16];
        MemTxResult r = 0xff;

        dev.fail_result = cases[i].why;
        ck_assert_ptr_null(
            address_space_map_result(&as, BASE + 0x10, &len, true, ATTRS, &r));
        ck_assert_uint_eq(len, 0);
        ck_assert_uint_eq(r, want);
        ck_assert_int_eq(address_space_cache_init(&c, &as, BASE, 16, false),
                         cases[i].cache_errno);
        address_space_cache_destroy(&c);
        memset(buf, 0xaa, sizeof(buf));
        ck_assert_uint_eq(address_space_read(&as, BASE, ATTRS, buf,
                                             sizeof(buf)),
                          want);
        ck_assert_uint_eq(buf[0], 0);
        ck_assert_uint_eq(address_space_write(&as, BASE, ATTRS, buf,
                                              sizeof(buf)),
                          want);
    }
    ck_assert_int_eq(dev.live, 0);

    /* And success is MEMTX_OK, with the mapping as ever. */
    dev.fail = false;
    {
        hwaddr len = 0x100;
        MemTxResult r = 0xff;
        void *p = address_space_map_result(&as, BASE, &len, false, ATTRS, &r);

        ck_assert_ptr_eq(p, dev.mem);
        ck_assert_uint_eq(r, MEMTX_OK);
        address_space_unmap(&as, p, len, false, 0);
    }
}
END_TEST

/* A plain map() cannot say why: its failures read as MEMTX_ERROR. */
START_TEST(test_plain_map_failure_is_an_error)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 0x100;
    MemTxResult r = 0xff;
    uint8_t buf[16];

    make(&odd_ops_map_only);
    dev.fail = true;
    ck_assert_ptr_null(
        address_space_map_result(&as, BASE, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_ERROR);
    ck_assert_int_eq(address_space_cache_init(&c, &as, BASE, 16, false), -EIO);
    ck_assert_uint_eq(address_space_read(&as, BASE, ATTRS, buf, sizeof(buf)),
                      MEMTX_ERROR);
}
END_TEST

/*
 * A map() that grants more than it was asked for breaks its contract,
 * and the core cannot know which length unmap() should get: the same
 * misuse report on every path that maps.
 */
static void grow_via_map(void *arg)
{
    hwaddr len = 0x100;

    address_space_map(&as, BASE, &len, false, ATTRS);
}

static void grow_via_cache(void *arg)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;

    address_space_cache_init(&c, &as, BASE, 0x100, false);
}

static void grow_via_read(void *arg)
{
    uint8_t buf[0x100];

    address_space_read(&as, BASE, ATTRS, buf, sizeof(buf));
}

static void grow_via_write(void *arg)
{
    uint8_t buf[0x100] = { 0 };

    address_space_write(&as, BASE, ATTRS, buf, sizeof(buf));
}

START_TEST(test_grown_plen_is_misuse_on_every_path)
{
    const char *msg = "map() of 'on-demand' at offset 0x0 granted 512 "
                      "bytes of the 256 asked for";

    make(&odd_ops_map_only);
    dev.grow = 0x100;
    unit_expect_misuse(grow_via_map, NULL, msg);
    unit_expect_misuse(grow_via_cache, NULL, msg);
    unit_expect_misuse(grow_via_read, NULL, msg);
    unit_expect_misuse(grow_via_write, NULL, msg);
    /* Nothing happened in this process. */
    ck_assert_int_eq(dev.maps, 0);
}
END_TEST

/*
 * A relay: a map-on-demand region whose callbacks map (or read) another
 * address in the same space, as a layered model might. Pointed at itself,
 * or at a relay that points back, it would recurse without end.
 */
typedef struct Relay {
    MemoryRegion mr;
    hwaddr to; /* where in @as its offset 0 goes */
} Relay;

static void *relay_map(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                       MemTxAttrs attrs, MemTxResult *result)
{
    Relay *r = opaque;

    return address_space_map_result(&as, r->to + addr, plen, is_write, attrs,
                                    result);
}

static void relay_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                        bool is_write, hwaddr access_len)
{
    address_space_unmap(&as, host, len, is_write, access_len);
}

static MemTxResult relay_read_buf(void *opaque, hwaddr addr, void *buf,
                                  hwaddr len, MemTxAttrs attrs)
{
    Relay *r = opaque;

    return address_space_read(&as, r->to + addr, attrs, buf, len);
}

static const MemoryRegionOps relay_ops = {
    .map_with_result = relay_map,
    .unmap = relay_unmap,
    .read_buf = relay_read_buf,
};

#define RELAY_A 0x50000000ULL
#define RELAY_B 0x60000000ULL

static Relay relay_a, relay_b;

static void relays(hwaddr a_to, hwaddr b_to)
{
    make(&odd_ops_map_only);
    relay_a.to = a_to;
    relay_b.to = b_to;
    memory_region_init_io(&relay_a.mr, NULL, &relay_ops, &relay_a, "relay-a",
                          0x10000);
    memory_region_init_io(&relay_b.mr, NULL, &relay_ops, &relay_b, "relay-b",
                          0x10000);
    memory_region_add_subregion(&root, RELAY_A, &relay_a.mr);
    memory_region_add_subregion(&root, RELAY_B, &relay_b.mr);
}

static void map_relay_a(void *arg)
{
    hwaddr len = 16;

    address_space_map(&as, RELAY_A + 0x10, &len, false, ATTRS);
}

static void read_relay_a(void *arg)
{
    uint8_t buf[16];

    address_space_read(&as, RELAY_A + 0x10, ATTRS, buf, sizeof(buf));
}

START_TEST(test_map_recursion_is_bounded)
{
    hwaddr len = 16;
    uint8_t buf[16];
    void *p;

    /* A relay to plain memory nests once: fine. */
    relays(BASE, BASE);
    dev.mem[0x10] = 0x77;
    p = address_space_map(&as, RELAY_A + 0x10, &len, false, ATTRS);
    ck_assert_ptr_eq(p, dev.mem + 0x10);
    address_space_unmap(&as, p, len, false, 0);
    ck_assert_int_eq(dev.live, 0);
    ck_assert_uint_eq(address_space_read(&as, RELAY_A + 0x10, ATTRS, buf,
                                         sizeof(buf)),
                      MEMTX_OK);
    ck_assert_uint_eq(buf[0], 0x77);

    /* Onto itself, and through another region back to itself. */
    relay_a.to = RELAY_A;
    unit_expect_misuse(map_relay_a, NULL,
                       "map() of 'relay-a' nested 9 "
                       "deep on one thread: a map-on-demand callback "
                       "reaches its own region again");
    unit_expect_misuse(read_relay_a, NULL,
                       "read_buf() of 'relay-a' nested "
                       "9 deep on one thread");
    relay_a.to = RELAY_B;
    relay_b.to = RELAY_A;
    unit_expect_misuse(map_relay_a, NULL,
                       "map() of 'relay-a' nested 9 "
                       "deep");
    unit_expect_misuse(read_relay_a, NULL,
                       "read_buf() of 'relay-a' nested "
                       "9 deep");
}
END_TEST

static void mmio_describe(void *opaque, GString *buf)
{
    g_string_append(buf, "[scratch: 3 writes]");
}

static const MemoryRegionOps described_mmio = { .describe = mmio_describe };

START_TEST(test_mtree_shows_counters)
{
    static MemoryRegion mmio;
    GString *out = g_string_new(NULL);
    hwaddr len = 0x100;
    uint8_t buf[4];
    void *p;

    make(&odd_ops_with_copy);
    memory_region_init_io(&mmio, NULL, &described_mmio, NULL, "scratch", 16);
    memory_region_add_subregion(&root, 0x1000, &mmio);
    p = address_space_map(&as, BASE, &len, false, ATTRS);
    address_space_read(&as, BASE, ATTRS, buf, sizeof(buf));
    mtree_format_tree(out, &as);
    /* Any region's describe() shows, not only map-on-demand ones'. */
    ck_assert_msg(strstr(out->str, "(prio 0, i/o): scratch [scratch: 3 "
                                   "writes]"),
                  "tree: %s", out->str);
    ck_assert_msg(strstr(out->str,
                         "(prio 0, map-on-demand): on-demand "
                         "[outstanding 1, maps 1, unmaps 0, copies 1"),
                  "tree: %s", out->str);
    g_string_truncate(out, 0);
    mtree_format_flatview(out, &as);
    ck_assert_msg(strstr(out->str,
                         "map path: maps 1, unmaps 0, "
                         "outstanding 1, failures 0, copies 1, bounce 0/4096"),
                  "flat view: %s", out->str);
    address_space_unmap(&as, p, len, false, 0);
    g_string_truncate(out, 0);
    mtree_format_flatview(out, &as);
    ck_assert_msg(strstr(out->str, "[outstanding 0, maps 1, unmaps 1"),
                  "flat view: %s", out->str);
    g_string_free(out, TRUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("map-on-demand");
    TCase *tc = tcase_create("callbacks");

    tcase_add_test(tc, test_callbacks_get_right_arguments);
    tcase_add_test(tc, test_shortened_plen_honoured);
    tcase_add_test(tc, test_failed_map_leaks_nothing);
    tcase_add_test(tc, test_zero_length_map_is_given_back);
    tcase_add_test(tc, test_mapping_outlives_removal);
    tcase_add_test(tc, test_rw_through_copy_ops);
    tcase_add_test(tc, test_rw_through_map_copy_unmap);
    tcase_add_test(tc, test_rw_map_failure_is_an_error_not_a_crash);
    tcase_add_test(tc, test_access_crossing_into_region);
    tcase_add_test(tc, test_mtree_shows_counters);
    tcase_add_test(tc, test_access_check_asks_the_region);
    tcase_add_test(tc, test_no_access_check_means_valid);
    tcase_add_test(tc, test_grown_plen_is_misuse_on_every_path);
    tcase_add_test(tc, test_map_says_why);
    tcase_add_test(tc, test_plain_map_failure_is_an_error);
    tcase_add_test(tc, test_map_recursion_is_bounded);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
