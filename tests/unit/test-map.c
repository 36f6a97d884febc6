/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_space_map/unmap over RAM and bounce buffers, map clients, and
 * the misuse check on unmap.
 */
#include <string.h>
#include "unit-helpers.h"

static MemoryRegion root, ram, ram2, alias, io;
static AddressSpace as;
static uint8_t io_mem[0x4000];
static int io_reads, io_writes;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    io_reads++;
    memcpy(&v, io_mem + addr, size);
    return v;
}

static void io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    io_writes++;
    memcpy(io_mem + addr, &v, size);
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x10000);
    unit_ram(&ram2, "ram2", 0x10000);
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x2000, 0x3000);
    memory_region_init_io(&io, NULL, &io_ops, NULL, "io", sizeof(io_mem));
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0x10000, &ram2); /* adjacent */
    memory_region_add_subregion(&root, 0x100000, &alias);
    memory_region_add_subregion(&root, 0x200000, &io);
    address_space_init(&as, &root, "map");
    memset(io_mem, 0, sizeof(io_mem));
    io_reads = io_writes = 0;
}

START_TEST(test_ram_direct_pointer)
{
    uint8_t *base = memory_region_get_ram_ptr(&ram);
    hwaddr len = 0x100;
    uint8_t *p = address_space_map(&as, 0x1000, &len, true, ATTRS);
    AddressSpaceStats st;

    ck_assert_ptr_eq(p, base + 0x1000);
    ck_assert_uint_eq(len, 0x100);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 1);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 1);
    address_space_unmap(&as, p, len, true, len);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 0);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
}
END_TEST

START_TEST(test_ram_clipped_at_region_end)
{
    hwaddr len = 0x8000;
    void *p = address_space_map(&as, 0xc000, &len, false, ATTRS);

    /* ram2 follows at once, but it is another region: stop at ram's end. */
    ck_assert_uint_eq(len, 0x4000);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

START_TEST(test_ram_clipped_at_alias_edge)
{
    uint8_t *base = memory_region_get_ram_ptr(&ram);
    hwaddr len = 0x10000;
    uint8_t *p = address_space_map(&as, 0x101000, &len, false, ATTRS);

    ck_assert_ptr_eq(p, base + 0x3000);
    ck_assert_uint_eq(len, 0x2000);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

START_TEST(test_ram_spans_split_ranges_of_one_region)
{
    static MemoryRegion hole;
    hwaddr len = 0x3000;
    void *p;

    /* A window punched into ram, then removed: ranges merge again. */
    memory_region_init_reservation(&hole, NULL, "hole", 0x1000);
    memory_region_add_subregion_overlap(&root, 0x5000, &hole, 1);
    p = address_space_map(&as, 0x3000, &len, false, ATTRS);
    ck_assert_uint_eq(len, 0x2000);
    address_space_unmap(&as, p, len, false, 0);
    memory_region_del_subregion(&root, &hole);
    memory_region_finalize(&hole);
    len = 0x3000;
    p = address_space_map(&as, 0x3000, &len, false, ATTRS);
    ck_assert_uint_eq(len, 0x3000);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

START_TEST(test_bounce_prefill_and_writeback)
{
    hwaddr len = 64;
    uint8_t *p;
    int i;

    for (i = 0; i < 64; i++) {
        io_mem[0x100 + i] = i;
    }
    p = address_space_map(&as, 0x200100, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, 64);
    ck_assert_mem_eq(p, io_mem + 0x100, 64); /* pre-filled */
    ck_assert_int_gt(io_reads, 0);
    address_space_unmap(&as, p, len, false, 0);
    ck_assert_int_eq(io_writes, 0);

    len = 64;
    p = address_space_map(&as, 0x200200, &len, true, ATTRS);
    memset(p, 0xee, 64);
    address_space_unmap(&as, p, len, true, 24); /* only 24 touched */
    for (i = 0; i < 64; i++) {
        ck_assert_uint_eq(io_mem[0x200 + i], i < 24 ? 0xee : 0);
    }
}
END_TEST

static int client_calls;

static void client_cb(void *opaque)
{
    client_calls++;
    *(int *)opaque += 1;
}

START_TEST(test_bounce_budget_and_map_clients)
{
    hwaddr len = 8192;
    AddressSpaceStats st;
    void *p, *q;
    int mine = 0, other = 0;

    p = address_space_map(&as, 0x200000, &len, true, ATTRS);
    ck_assert_uint_eq(len, 4096); /* the default budget */
    len = 16;
    q = address_space_map(&as, 0x201000, &len, true, ATTRS);
    ck_assert_ptr_null(q);
    ck_assert_uint_eq(len, 0);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.bounce_in_use, 4096);
    ck_assert_uint_eq(st.map_failures, 1);

    address_space_register_map_client(&as, client_cb, &mine);
    address_space_register_map_client(&as, client_cb, &other);
    address_space_unregister_map_client(&as, client_cb, &other);
    ck_assert_int_eq(mine, 0);
    address_space_unmap(&as, p, 4096, true, 0);
    ck_assert_int_eq(mine, 1); /* told once */
    ck_assert_int_eq(other, 0); /* never after unregister */
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.bounce_in_use, 0);

    /* The budget is back, and a bigger budget lets more through. */
    address_space_set_max_bounce_buffer_size(&as, 0x4000);
    len = 0x4000;
    p = address_space_map(&as, 0x200000, &len, false, ATTRS);
    ck_assert_uint_eq(len, 0x4000);
    address_space_unmap(&as, p, len, false, 0);
    ck_assert_int_eq(mine, 1); /* not called again */
}
END_TEST

START_TEST(test_other_space_unaffected)
{
    static AddressSpace as2;
    hwaddr len = 4096, len2 = 64;
    void *p, *q;

    address_space_init(&as2, &root, "other");
    p = address_space_map(&as, 0x200000, &len, true, ATTRS);
    q = address_space_map(&as2, 0x200000, &len2, true, ATTRS);
    ck_assert_ptr_nonnull(q);
    address_space_unmap(&as2, q, len2, true, 0);
    address_space_unmap(&as, p, len, true, 0);
}
END_TEST

START_TEST(test_map_nothing_there)
{
    hwaddr len = 16;

    ck_assert_ptr_null(address_space_map(&as, 0x900000, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);
    len = 0;
    ck_assert_ptr_null(address_space_map(&as, 0, &len, false, ATTRS));
}
END_TEST

START_TEST(test_same_pointer_twice)
{
    hwaddr l1 = 0x100, l2 = 0x200;
    void *p = address_space_map(&as, 0x1000, &l1, false, ATTRS);
    void *q = address_space_map(&as, 0x1000, &l2, false, ATTRS);
    AddressSpaceStats st;

    ck_assert_ptr_eq(p, q);
    address_space_unmap(&as, p, l2, false, 0);
    address_space_unmap(&as, p, l1, false, 0);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
}
END_TEST

START_TEST(test_bounce_writeback_failure_reported)
{
    static MemoryRegion rom;
    GError *err = NULL;
    AddressSpaceStats st;
    hwaddr len = 16;
    uint8_t *p;

    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memory_region_add_subregion(&root, 0x300000, &rom);
    /* A write to ROM is bounced; the write-back is refused. */
    p = address_space_map(&as, 0x300000, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    memset(p, 0xff, len);
    ck_assert_uint_eq(address_space_unmap_result(&as, p, len, true, len),
                      MEMTX_DECODE_ERROR);
    len = 16;
    p = address_space_map(&as, 0x300000, &len, true, ATTRS);
    address_space_unmap(&as, p, len, true, len);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.writeback_errors, 2);
    ck_assert_uint_eq(((uint8_t *)memory_region_get_ram_ptr(&rom))[0], 0);
    /* A successful write-back reports MEMTX_OK. */
    len = 16;
    p = address_space_map(&as, 0x200000, &len, true, ATTRS);
    ck_assert_uint_eq(address_space_unmap_result(&as, p, len, true, len),
                      MEMTX_OK);
}
END_TEST

static MemTxResult refusing_read(void *opaque, hwaddr addr, uint64_t *v,
                                 unsigned size, MemTxAttrs attrs)
{
    *v = 0;
    return MEMTX_ACCESS_ERROR;
}

static const MemoryRegionOps refusing_ops = {
    .read_with_attrs = refusing_read,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

/* address_space_map_result() says why, as a read would have. */
START_TEST(test_map_result_says_why)
{
    static MemoryRegion refusing;
    MemTxResult r = 0xff;
    hwaddr len = 0;
    void *p, *q;

    /* Nothing asked for: nothing wrong. */
    ck_assert_ptr_null(
        address_space_map_result(&as, 0x1000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_OK);
    /* Nothing there. */
    len = 16;
    ck_assert_ptr_null(
        address_space_map_result(&as, 0x900000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    /* RAM. */
    len = 16;
    p = address_space_map_result(&as, 0x1000, &len, false, ATTRS, &r);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_unmap(&as, p, len, false, 0);
    /* A bounce buffer the device will not fill: its read's result. */
    memory_region_init_io(&refusing, NULL, &refusing_ops, NULL, "refusing",
                          0x1000);
    memory_region_add_subregion(&root, 0x400000, &refusing);
    len = 16;
    ck_assert_ptr_null(
        address_space_map_result(&as, 0x400000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    /* No bounce memory left: nothing wrong, try later. */
    len = 4096;
    p = address_space_map(&as, 0x200000, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    len = 16;
    q = address_space_map_result(&as, 0x200000, &len, true, ATTRS, &r);
    ck_assert_ptr_null(q);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_unmap(&as, p, 4096, true, 0);
    /* Private memory refuses devices, as a read does. */
    memory_region_set_private(&ram, true);
    len = 16;
    ck_assert_ptr_null(
        address_space_map_result(&as, 0x1000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    memory_region_set_private(&ram, false);
}
END_TEST

START_TEST(test_unmap_unknown_pointer_aborts)
{
    static uint8_t never_mapped[16];

    address_space_unmap(&as, never_mapped, 16, false, 0);
}
END_TEST

START_TEST(test_double_unmap_aborts)
{
    hwaddr len = 16;
    void *p = address_space_map(&as, 0x1000, &len, false, ATTRS);

    address_space_unmap(&as, p, len, false, 0);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("map");
    TCase *tc = tcase_create("map");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_ram_direct_pointer);
    tcase_add_test(tc, test_ram_clipped_at_region_end);
    tcase_add_test(tc, test_ram_clipped_at_alias_edge);
    tcase_add_test(tc, test_ram_spans_split_ranges_of_one_region);
    tcase_add_test(tc, test_bounce_prefill_and_writeback);
    tcase_add_test(tc, test_bounce_budget_and_map_clients);
    tcase_add_test(tc, test_other_space_unaffected);
    tcase_add_test(tc, test_map_nothing_there);
    tcase_add_test(tc, test_same_pointer_twice);
    tcase_add_test(tc, test_bounce_writeback_failure_reported);
    tcase_add_test(tc, test_map_result_says_why);
    suite_add_tcase(s, tc);

    tc = tcase_create("misuse");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test_raise_signal(tc, test_unmap_unknown_pointer_aborts,
                                SIGABRT);
    tcase_add_test_raise_signal(tc, test_double_unmap_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
