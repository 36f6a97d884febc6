/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KNOWN BUG, reproducer (meson: should_fail; see docs/devel/security.rst,
 * "Known bugs"). Found by fuzz-topology in its first minute.
 *
 * An access that starts in unassigned space and runs on into RAM must be
 * split: the hole reads as zeroes with MEMTX_DECODE_ERROR, the RAM part
 * is served. Since "physmem: serve single-piece accesses without a second
 * lookup", address_space_read_slow() asks section_holds() whether the
 * section under the first byte covers the whole access, and for the
 * unassigned section (start 1, last 0) the unsigned range test wraps and
 * says yes. The whole access then goes to the hole: reads return zeroes
 * where RAM has data, and writes are dropped.
 *
 * When this passes, the bug is fixed: move these checks into
 * test-hostile-lengths.c and delete this file.
 */
#include <string.h>

#include "tests/unit/unit-helpers.h"

static MemoryRegion root, ram;
static AddressSpace as;

START_TEST(test_hole_then_ram)
{
    uint8_t buf[0x20], *host;
    MemTxResult r;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&root, 0x1000, &ram);
    address_space_init(&as, &root, "hole-prefix");
    host = memory_region_get_ram_ptr(&ram);
    memset(host, 0xaa, 0x1000);

    /* 0x10 bytes of nothing, then 0x10 bytes of RAM. */
    r = address_space_read(&as, 0xff0, ATTRS, buf, sizeof(buf));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_msg(buf[0x10] == 0xaa, "the RAM half of a read that began in "
                  "a hole was not read (got %02x)", buf[0x10]);

    memset(buf, 0x55, sizeof(buf));
    r = address_space_write(&as, 0xff0, ATTRS, buf, sizeof(buf));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_msg(host[0] == 0x55, "the RAM half of a write that began in "
                  "a hole was dropped");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("known-hole-prefix");
    TCase *tc = tcase_create("bug");

    tcase_add_test(tc, test_hole_then_ram);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
