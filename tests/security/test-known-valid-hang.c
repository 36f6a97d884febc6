/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KNOWN BUG, reproducer (meson: should_fail; see docs/devel/security.rst,
 * "Known bugs"). Found by fuzz-topology.
 *
 * address_space_access_valid() walks an MMIO range one access-sized piece
 * at a time, asking the device's valid.accepts() (or nothing) about each,
 * so its cost grows with the length the guest chose: 2^40 bytes over a
 * large MMIO region is 2^38 iterations, hours of a device model's thread
 * spent on one guest request. A guest that controls a DMA length (a
 * descriptor, a register) can so stall the device model. The answer for
 * an MMIO region without accepts() does not depend on the length at all.
 *
 * The test gives it three seconds for a question whose answer is known at
 * once. When this passes, the bug is fixed: move the check into
 * test-hostile-lengths.c, delete this file, and drop VALID_MMIO_LIMIT
 * from tests/fuzz/fuzz-topology.c.
 */
#include "tests/unit/unit-helpers.h"

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps io_ops = {
    .read = io_read, .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static MemoryRegion root, io;
static AddressSpace as;

START_TEST(test_huge_length_over_mmio)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&io, NULL, &io_ops, NULL, "big-bar", 1ULL << 40);
    memory_region_add_subregion(&root, 0, &io);
    address_space_init(&as, &root, "valid-hang");

    ck_assert(address_space_access_valid(&as, 0, 1ULL << 40, true, ATTRS));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("known-valid-hang");
    TCase *tc = tcase_create("bug");

    tcase_set_timeout(tc, 3);
    tcase_add_test(tc, test_huge_length_over_mmio);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
