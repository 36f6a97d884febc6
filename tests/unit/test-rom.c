/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ROM, read-only regions and ROM devices.
 */
#include <string.h>
#include "unit-helpers.h"

static MemoryRegion root;
static AddressSpace as;

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "rom");
}

START_TEST(test_rom_write_refused)
{
    static MemoryRegion rom;
    GError *err = NULL;
    uint8_t *p;
    MemTxResult r;

    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    p = memory_region_get_ram_ptr(&rom);
    memset(p, 0x5a, 0x1000);
    memory_region_add_subregion(&root, 0x0, &rom);
    ck_assert(memory_region_is_rom(&rom) && memory_region_is_ram(&rom));
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x10, ATTRS, &r), 0x5a5a5a5a);
    address_space_stl_le(&as, 0x10, 0, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(p[0x10], 0x5a);
    ck_assert(!address_space_access_valid(&as, 0x10, 4, true, ATTRS));
    ck_assert(address_space_access_valid(&as, 0x10, 4, false, ATTRS));
}
END_TEST

START_TEST(test_readonly_ram_and_inherited)
{
    static MemoryRegion cont, ram;
    uint8_t *p;
    MemTxResult r;

    memory_region_init(&cont, NULL, "cont", 0x10000);
    unit_ram(&ram, "ram", 0x1000);
    p = memory_region_get_ram_ptr(&ram);
    memory_region_add_subregion(&cont, 0, &ram);
    memory_region_add_subregion(&root, 0, &cont);
    address_space_stb(&as, 0, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    memory_region_set_readonly(&cont, true);
    address_space_stb(&as, 0, 2, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(p[0], 1);
    memory_region_set_readonly(&cont, false);
    address_space_stb(&as, 0, 3, ATTRS, &r);
    ck_assert_uint_eq(p[0], 3);
}
END_TEST

static uint64_t last_write;
static int reads;

static uint64_t romdev_read(void *opaque, hwaddr addr, unsigned size)
{
    reads++;
    return 0xc0de;
}

static void romdev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    last_write = v;
}

START_TEST(test_rom_device_romd_mode)
{
    static const MemoryRegionOps ops = {
        .read = romdev_read,
        .write = romdev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
    };
    static MemoryRegion rd;
    GError *err = NULL;
    uint8_t *p;
    MemTxResult r;

    ck_assert(memory_region_init_rom_device(&rd, NULL, &ops, NULL, "flash",
                                            0x1000, &err));
    p = memory_region_get_ram_ptr(&rd);
    p[0] = 0x99;
    memory_region_add_subregion(&root, 0x4000, &rd);
    /* romd: reads from memory, writes to the device. */
    ck_assert_uint_eq(address_space_ldub(&as, 0x4000, ATTRS, &r), 0x99);
    ck_assert_int_eq(reads, 0);
    address_space_stl_le(&as, 0x4000, 0xfeed, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(last_write, 0xfeed);
    ck_assert_uint_eq(p[0], 0x99);
    /* Not romd: reads go to the device too. */
    memory_region_rom_device_set_romd(&rd, false);
    ck_assert(!memory_region_is_ram(&rd));
    ck_assert_uint_eq(address_space_lduw_le(&as, 0x4000, ATTRS, &r), 0xc0de);
    ck_assert_int_eq(reads, 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rom");
    TCase *tc = tcase_create("rom");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_rom_write_refused);
    tcase_add_test(tc, test_readonly_ram_and_inherited);
    tcase_add_test(tc, test_rom_device_romd_mode);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
