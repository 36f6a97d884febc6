/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryRegionCache over RAM, over a map-on-demand region (one map for
 * the cache's life) and over MMIO (falls back to dispatch).
 */
#include <errno.h>

#include "unit-helpers.h"
#include "on-demand-dev.h"

static MemoryRegion root, ram, od, io;
static AddressSpace as;
static OnDemandDev dev;
static uint32_t io_reg;
static int io_calls;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    io_calls++;
    return io_reg;
}

static void io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    io_calls++;
    io_reg = v;
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void setup(void)
{
    odd_init(&dev, 0x4000);
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&od, NULL, &odd_ops_map_only, &dev, "od", dev.size);
    memory_region_init_io(&io, NULL, &io_ops, NULL, "io", 0x100);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0x100000, &od);
    memory_region_add_subregion(&root, 0x200000, &io);
    address_space_init(&as, &root, "cache");
    io_calls = 0;
}

START_TEST(test_cache_over_ram)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    uint8_t *base = memory_region_get_ram_ptr(&ram);
    MemTxResult r;

    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x1000, 0x100, true),
                     0x100);
    address_space_stl_le_cached(&c, 0x10, 0xdeadbeef, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(base[0x1010], 0xef);
    ck_assert_uint_eq(address_space_ldl_le_cached(&c, 0x10, ATTRS, &r),
                      0xdeadbeef);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 1);
    address_space_cache_invalidate(&c, 0x10, 4);
    address_space_cache_destroy(&c);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 0);
}
END_TEST

START_TEST(test_cache_out_of_range_is_an_error)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;

    address_space_cache_init(&c, &as, 0x1000, 0x100, true);
    /* A guest-controlled index past the ring: refused, no overflow. */
    address_space_ldl_le_cached(&c, 0xfe, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_stq_le_cached(&c, UINT64_MAX - 2, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_cache_destroy(&c);
}
END_TEST

START_TEST(test_cache_over_map_on_demand_maps_once)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;
    int i;

    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x100200, 0x400, true),
                     0x400);
    for (i = 0; i < 1000; i++) {
        address_space_stw_le_cached(&c, (i * 2) % 0x400, i, ATTRS, &r);
        ck_assert_uint_eq(address_space_lduw_le_cached(&c, (i * 2) % 0x400,
                                                       ATTRS, &r),
                          i);
    }
    ck_assert_int_eq(dev.maps, 1);
    ck_assert_int_eq(dev.unmaps, 0);
    address_space_cache_destroy(&c);
    ck_assert_int_eq(dev.unmaps, 1);
    ck_assert_int_eq(dev.live, 0);
}
END_TEST

START_TEST(test_cache_over_map_on_demand_failure)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;

    dev.fail = true;
    ck_assert_int_lt(address_space_cache_init(&c, &as, 0x100000, 0x10, false),
                     0);
    ck_assert_int_eq(c.kind, MRC_EMPTY);
    address_space_cache_destroy(&c); /* harmless */
}
END_TEST

START_TEST(test_cache_over_mmio_dispatches)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;

    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x200000, 0x10, true),
                     0x10);
    address_space_stl_le_cached(&c, 0, 0x1234, ATTRS, &r);
    ck_assert_uint_eq(io_reg, 0x1234);
    ck_assert_uint_eq(address_space_ldl_le_cached(&c, 0, ATTRS, &r), 0x1234);
    ck_assert_int_eq(io_calls, 2);
    address_space_cache_destroy(&c);
}
END_TEST

START_TEST(test_cache_nothing_there)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;

    ck_assert_int_lt(address_space_cache_init(&c, &as, 0x900000, 0x10, false),
                     0);
}
END_TEST

START_TEST(test_read_only_cache_never_writes_directly)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    static MemoryRegion rom;
    GError *err = NULL;
    MemTxResult r;

    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memory_region_add_subregion(&root, 0x300000, &rom);
    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x300000, 0x100, false),
                     0x100);
    address_space_stl_le_cached(&c, 0, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(((uint8_t *)memory_region_get_ram_ptr(&rom))[0], 0);
    address_space_cache_destroy(&c);
}
END_TEST

START_TEST(test_cache_over_private_ram_refused)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;

    memory_region_set_private(&ram, true);
    ck_assert(memory_region_is_private(&ram));
    /* An access error, as a read would get. */
    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x1000, 0x100, false),
                     -EACCES);
    memory_region_set_private(&ram, false);
    ck_assert_int_eq(address_space_cache_init(&c, &as, 0x1000, 0x100, false),
                     0x100);
    address_space_cache_destroy(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_cache_over_ram);
    tcase_add_test(tc, test_cache_out_of_range_is_an_error);
    tcase_add_test(tc, test_cache_over_map_on_demand_maps_once);
    tcase_add_test(tc, test_cache_over_map_on_demand_failure);
    tcase_add_test(tc, test_cache_over_mmio_dispatches);
    tcase_add_test(tc, test_cache_nothing_there);
    tcase_add_test(tc, test_read_only_cache_never_writes_directly);
    tcase_add_test(tc, test_cache_over_private_ram_refused);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
