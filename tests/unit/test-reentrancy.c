/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA re-entrancy guard: a device whose MMIO callback issues DMA that
 * lands on its own registers (the pattern of CVE-2023-0330) is refused,
 * with no recursion; the guard resets afterwards; an opted-out device may
 * re-enter; and chains of devices are bounded.
 */
#include "unit-helpers.h"

#define DEV_BASE 0x10000000ULL

typedef struct LoopDev {
    MemoryRegion mr;
    MemReentrancyGuard guard;
    AddressSpace *as;
    hwaddr dma_target;
    int depth, max_depth, calls;
    MemTxResult dma_result;
} LoopDev;

static void loop_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    LoopDev *d = opaque;
    uint32_t val = v;

    d->calls++;
    d->depth++;
    if (d->depth > d->max_depth) {
        d->max_depth = d->depth;
    }
    if (d->depth < 100) {
        /* "DMA" the value to wherever the guest pointed us. */
        d->dma_result = address_space_write(d->as, d->dma_target, ATTRS, &val,
                                            4);
    }
    d->depth--;
}

static uint64_t loop_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps loop_ops = {
    .read = loop_read,
    .write = loop_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static MemoryRegion root, ram;
static AddressSpace as;

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x10000);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "reent");
}

static void loop_dev_init(LoopDev *d, hwaddr base, const char *name)
{
    memset(d, 0, sizeof(*d));
    d->as = &as;
    d->guard.name = name;
    memory_region_init_io(&d->mr, NULL, &loop_ops, d, name, 0x100);
    memory_region_set_reentrancy_guard(&d->mr, &d->guard);
    memory_region_add_subregion(&root, base, &d->mr);
}

START_TEST(test_dma_to_own_mmio_refused)
{
    static LoopDev d;
    MemTxResult r;

    loop_dev_init(&d, DEV_BASE, "loopy");
    d.dma_target = DEV_BASE; /* its own register */
    address_space_stl_le(&as, DEV_BASE, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK); /* the guest's own access is fine */
    ck_assert_int_eq(d.calls, 1); /* no recursion */
    ck_assert_int_eq(d.max_depth, 1);
    ck_assert_uint_eq(d.dma_result, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(d.guard.refused, 1);

    /* The guard resets: the next guest access works, DMA to RAM works. */
    d.dma_target = 0x100;
    address_space_stl_le(&as, DEV_BASE, 0x55, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(d.dma_result, MEMTX_OK);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x100, ATTRS, NULL), 0x55);
}
END_TEST

START_TEST(test_opted_out_device_may_reenter)
{
    static LoopDev d;
    MemTxResult r;

    loop_dev_init(&d, DEV_BASE, "reentrant");
    /* This test device re-enters on purpose, to show the opt-out works. */
    memory_region_disable_reentrancy_guard(&d.mr, true);
    d.dma_target = DEV_BASE;
    address_space_stl_le(&as, DEV_BASE, 1, ATTRS, &r);
    ck_assert_int_gt(d.calls, 1);
    /* Still bounded by the nesting limit: no stack overflow. */
    ck_assert_int_le(d.max_depth, 16);
}
END_TEST

START_TEST(test_ping_pong_between_devices_bounded)
{
    static LoopDev a, b;
    MemTxResult r;

    loop_dev_init(&a, DEV_BASE, "ping");
    loop_dev_init(&b, DEV_BASE + 0x1000, "pong");
    a.dma_target = DEV_BASE + 0x1000;
    b.dma_target = DEV_BASE; /* back to a: a is already active */
    address_space_stl_le(&as, DEV_BASE, 1, ATTRS, &r);
    ck_assert_int_eq(a.calls, 1);
    ck_assert_int_eq(b.calls, 1);
    ck_assert_uint_eq(b.dma_result, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(a.guard.refused, 1);
}
END_TEST

START_TEST(test_dma_through_bounce_into_own_mmio)
{
    static LoopDev d;
    hwaddr len = 4;
    uint32_t *p;

    /* A device maps its own registers (bounce) and writes back on unmap. */
    loop_dev_init(&d, DEV_BASE, "bouncer");
    d.dma_target = 0x200;
    p = address_space_map(&as, DEV_BASE, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    *p = 9;
    address_space_unmap(&as, p, len, true, 4);
    ck_assert_int_eq(d.calls, 1); /* not inside a callback: allowed */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reentrancy");
    TCase *tc = tcase_create("guard");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_dma_to_own_mmio_refused);
    tcase_add_test(tc, test_opted_out_device_may_reenter);
    tcase_add_test(tc, test_ping_pong_between_devices_bounded);
    tcase_add_test(tc, test_dma_through_bounce_into_own_mmio);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
