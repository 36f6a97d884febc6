/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounce-buffer exhaustion. A guest can make its device map MMIO (or
 * write-map ROM) and never finish the request, holding the bounce memory
 * forever. The budget is per address space, so:
 *  - the hoarding device's further bounce maps fail cleanly (NULL, length
 *    0), however much they ask for, and nothing else of its breaks: RAM
 *    maps and plain reads and writes still work;
 *  - another device, with its own address space over the same memory,
 *    is not affected at all;
 *  - when the hoarder lets go, the budget comes back whole and the map
 *    clients that waited are told, once.
 */
#include <string.h>

#include "tests/unit/unit-helpers.h"

#define MMIO_BASE 0x100000ULL
#define ROM_BASE 0x200000ULL
#define BUDGET 4096

static MemoryRegion root, ram, rom, mmio;
static AddressSpace as_a, as_b; /* device A (hoarder), device B */
static uint8_t regs[0x4000];

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    memcpy(&v, regs + addr, size);
    return v;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    memcpy(regs + addr, &v, size);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static void setup(void)
{
    GError *err = NULL;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x10000);
    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", sizeof(regs));
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, MMIO_BASE, &mmio);
    memory_region_add_subregion(&root, ROM_BASE, &rom);
    address_space_init(&as_a, &root, "device-a");
    address_space_init(&as_b, &root, "device-b");
    memset(regs, 0x5a, sizeof(regs));
}

static void teardown(void)
{
    address_space_destroy(&as_a);
    address_space_destroy(&as_b);
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &mmio);
    memory_region_del_subregion(&root, &rom);
    memory_region_transaction_commit();
    memory_region_finalize(&ram);
    memory_region_finalize(&rom);
    memory_region_finalize(&mmio);
    memory_region_finalize(&root);
}

static uint64_t bounce_in_use(AddressSpace *as)
{
    AddressSpaceStats st;

    address_space_get_stats(as, &st);
    return st.bounce_in_use;
}

static int told[2];

static void client_cb(void *opaque)
{
    told[(int *)opaque - told]++;
}

/* Device A maps MMIO until the budget is gone; returns what it holds. */
static unsigned hoard(void **held, hwaddr *lens, unsigned max)
{
    unsigned n = 0;

    while (n < max) {
        hwaddr len = 0x300;
        void *p = address_space_map(&as_a, MMIO_BASE + n * 0x300, &len, n % 2,
                                    ATTRS);

        if (!p) {
            ck_assert_uint_eq(len, 0);
            break;
        }
        held[n] = p;
        lens[n++] = len;
    }
    return n;
}

START_TEST(test_hoarder_fails_cleanly)
{
    void *held[16];
    hwaddr lens[16], len;
    unsigned n = hoard(held, lens, 16);
    uint8_t buf[64];
    void *p;

    ck_assert_uint_gt(n, 1);
    ck_assert_uint_eq(bounce_in_use(&as_a), BUDGET);

    /* More MMIO, a huge request, a write to ROM: all refused, cleanly. */
    len = 8;
    ck_assert_ptr_null(
        address_space_map(&as_a, MMIO_BASE, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);
    len = UINT64_MAX;
    ck_assert_ptr_null(address_space_map(&as_a, MMIO_BASE, &len, true, ATTRS));
    ck_assert_uint_eq(len, 0);
    len = 16;
    ck_assert_ptr_null(address_space_map(&as_a, ROM_BASE, &len, true, ATTRS));
    ck_assert_uint_eq(bounce_in_use(&as_a), BUDGET);

    /* RAM needs no bounce memory; plain accesses need no mapping. */
    len = 0x1000;
    p = address_space_map(&as_a, 0x1000, &len, true, ATTRS);
    ck_assert_ptr_eq(p, (uint8_t *)memory_region_get_ram_ptr(&ram) + 0x1000);
    address_space_unmap(&as_a, p, len, true, 0);
    ck_assert_uint_eq(address_space_read(&as_a, MMIO_BASE, ATTRS, buf, 64),
                      MEMTX_OK);
    ck_assert_uint_eq(buf[0], 0x5a);
    ck_assert_uint_eq(address_space_write(&as_a, MMIO_BASE, ATTRS, buf, 64),
                      MEMTX_OK);

    for (unsigned i = 0; i < n; i++) {
        address_space_unmap(&as_a, held[i], lens[i], i % 2, 0);
    }
    ck_assert_uint_eq(bounce_in_use(&as_a), 0);
}
END_TEST

START_TEST(test_other_space_unaffected)
{
    void *held[16], *p;
    hwaddr lens[16], len = BUDGET;
    unsigned n = hoard(held, lens, 16);

    ck_assert_uint_eq(bounce_in_use(&as_a), BUDGET);
    /* Device B has the whole of its own budget. */
    p = address_space_map(&as_b, MMIO_BASE, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, BUDGET);
    ck_assert_uint_eq(((uint8_t *)p)[0], 0x5a);
    ck_assert_uint_eq(bounce_in_use(&as_b), BUDGET);
    address_space_unmap(&as_b, p, len, false, 0);
    ck_assert_uint_eq(bounce_in_use(&as_b), 0);
    ck_assert_uint_eq(bounce_in_use(&as_a), BUDGET);

    for (unsigned i = 0; i < n; i++) {
        address_space_unmap(&as_a, held[i], lens[i], i % 2, 0);
    }
}
END_TEST

START_TEST(test_budget_recovers_and_clients_told)
{
    void *held[16], *p;
    hwaddr lens[16], len;
    unsigned n = hoard(held, lens, 16);

    told[0] = told[1] = 0;
    address_space_register_map_client(&as_a, client_cb, &told[0]);
    /* B's client waits on B's budget, which nobody uses: told at once. */
    address_space_register_map_client(&as_b, client_cb, &told[1]);
    ck_assert_int_eq(told[1], 1);
    ck_assert_int_eq(told[0], 0);

    /* The first release tells A's client, once. */
    address_space_unmap(&as_a, held[0], lens[0], false, 0);
    ck_assert_int_eq(told[0], 1);
    for (unsigned i = 1; i < n; i++) {
        address_space_unmap(&as_a, held[i], lens[i], i % 2, 0);
    }
    ck_assert_int_eq(told[0], 1);
    ck_assert_int_eq(told[1], 1);
    ck_assert_uint_eq(bounce_in_use(&as_a), 0);

    /* The whole budget is there again, for one map. */
    len = BUDGET;
    p = address_space_map(&as_a, MMIO_BASE, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, BUDGET);
    memset(p, 0x11, len);
    address_space_unmap(&as_a, p, len, true, len);
    ck_assert_uint_eq(regs[0], 0x11);
    ck_assert_uint_eq(regs[BUDGET - 1], 0x11);
}
END_TEST

/*
 * A client registering after someone else freed part of the budget is
 * told at once: in use below the budget is room, as in QEMU. Waiting for
 * in use to reach 0 would leave it waiting on the hoarder, for ever.
 */
START_TEST(test_client_told_of_partial_room)
{
    hwaddr la = 3000, lb = BUDGET, lc = 64;
    void *a, *b, *c;

    a = address_space_map(&as_a, MMIO_BASE, &la, true, ATTRS);
    b = address_space_map(&as_a, MMIO_BASE + 0x1000, &lb, true, ATTRS);
    ck_assert_uint_eq(la + lb, BUDGET);
    ck_assert_ptr_null(
        address_space_map(&as_a, MMIO_BASE + 0x2000, &lc, true, ATTRS));
    /* B finishes before C gets round to registering. */
    address_space_unmap(&as_a, b, lb, true, 0);
    told[0] = 0;
    address_space_register_map_client(&as_a, client_cb, &told[0]);
    ck_assert_int_eq(told[0], 1);
    lc = 64;
    c = address_space_map(&as_a, MMIO_BASE + 0x2000, &lc, true, ATTRS);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(lc, 64);
    address_space_unmap(&as_a, c, lc, true, 0);
    address_space_unmap(&as_a, a, la, true, 0);
    ck_assert_int_eq(told[0], 1);
}
END_TEST

/* A bigger budget is room too. */
START_TEST(test_client_told_of_bigger_budget)
{
    void *held[16];
    hwaddr lens[16];
    unsigned n = hoard(held, lens, 16);

    told[0] = 0;
    address_space_register_map_client(&as_a, client_cb, &told[0]);
    ck_assert_int_eq(told[0], 0);
    address_space_set_max_bounce_buffer_size(&as_a, 2 * BUDGET);
    ck_assert_int_eq(told[0], 1);
    for (unsigned i = 0; i < n; i++) {
        address_space_unmap(&as_a, held[i], lens[i], i % 2, 0);
    }
}
END_TEST

START_TEST(test_zero_budget)
{
    hwaddr len = 16;

    address_space_set_max_bounce_buffer_size(&as_a, 0);
    ck_assert_ptr_null(
        address_space_map(&as_a, MMIO_BASE, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);
    ck_assert_uint_eq(bounce_in_use(&as_a), 0);
    /* And B still has its default. */
    len = 16;
    address_space_unmap(&as_b,
                        address_space_map(&as_b, MMIO_BASE, &len, false,
                                          ATTRS),
                        len, false, 0);
    ck_assert_uint_eq(len, 16);
}
END_TEST

/*
 * Behind an IOMMU. Devices A and B each see the system space through an
 * IOMMU of their own; their bounce buffers are charged to their own
 * spaces, not to the system space the IOMMU leads to. Charged to the
 * target, one hoarder behind an IOMMU starved every other device behind
 * one, and the system space too, while its own space showed nothing in
 * use and its own budget bounded nothing.
 */
static MemoryRegion root_a, root_b;
static IOMMUMemoryRegion iommu_a, iommu_b;
static AddressSpace sys_as, dev_a, dev_b;

static IOMMUTLBEntry identity(void *opaque, hwaddr addr, IOMMUAccessFlags flag,
                              int idx)
{
    return (IOMMUTLBEntry){
        .target_as = &sys_as,
        .iova = addr & ~0xfffULL,
        .translated_addr = addr & ~0xfffULL,
        .addr_mask = 0xfff,
        .perm = IOMMU_RW,
    };
}

static const IOMMUMemoryRegionOps identity_ops = { .translate = identity };

static void setup_iommu(void)
{
    setup();
    address_space_init(&sys_as, &root, "system");
    memory_region_init_iommu(&iommu_a, &identity_ops, NULL, NULL, "iommu-a",
                             UINT64_MAX);
    memory_region_init_iommu(&iommu_b, &identity_ops, NULL, NULL, "iommu-b",
                             UINT64_MAX);
    memory_region_init(&root_a, NULL, "dev-a", UINT64_MAX);
    memory_region_init(&root_b, NULL, "dev-b", UINT64_MAX);
    memory_region_add_subregion(&root_a, 0, &iommu_a.parent_obj);
    memory_region_add_subregion(&root_b, 0, &iommu_b.parent_obj);
    address_space_init(&dev_a, &root_a, "dev-a");
    address_space_init(&dev_b, &root_b, "dev-b");
}

static void teardown_iommu(void)
{
    address_space_destroy(&dev_a);
    address_space_destroy(&dev_b);
    address_space_destroy(&sys_as);
    memory_region_del_subregion(&root_a, &iommu_a.parent_obj);
    memory_region_del_subregion(&root_b, &iommu_b.parent_obj);
    memory_region_finalize(&iommu_a.parent_obj);
    memory_region_finalize(&iommu_b.parent_obj);
    memory_region_finalize(&root_a);
    memory_region_finalize(&root_b);
    teardown();
}

START_TEST(test_iommu_bounce_charged_to_caller)
{
    void *held[16], *p;
    hwaddr lens[16], len;
    unsigned n = 0;

    /* A hoards MMIO through its IOMMU, 0x300 bytes at a time. */
    for (;;) {
        len = 0x300;
        p = address_space_map(&dev_a, MMIO_BASE + n * 0x300, &len, true,
                              ATTRS);
        if (!p) {
            break;
        }
        ck_assert_uint_lt(n, 16);
        held[n] = p;
        lens[n++] = len;
    }
    /* Its own budget bounded it, and its own space shows it. */
    ck_assert_uint_eq(bounce_in_use(&dev_a), BUDGET);
    ck_assert_uint_eq(bounce_in_use(&sys_as), 0);

    /* B, behind another IOMMU, and the system space have their own. */
    len = BUDGET;
    p = address_space_map(&dev_b, MMIO_BASE, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, BUDGET);
    ck_assert_uint_eq(bounce_in_use(&dev_b), BUDGET);
    address_space_unmap(&dev_b, p, len, false, 0);
    len = BUDGET;
    p = address_space_map(&sys_as, MMIO_BASE, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, BUDGET);
    address_space_unmap(&sys_as, p, len, false, 0);

    /* A's client waits on A's budget, and is told when A lets go. */
    told[0] = 0;
    address_space_register_map_client(&dev_a, client_cb, &told[0]);
    ck_assert_int_eq(told[0], 0);
    memset(held[0], 0x77, lens[0]);
    address_space_unmap(&dev_a, held[0], lens[0], true, lens[0]);
    ck_assert_int_eq(told[0], 1);
    ck_assert_uint_eq(regs[0], 0x77); /* written back through it */
    for (unsigned i = 1; i < n; i++) {
        address_space_unmap(&dev_a, held[i], lens[i], true, 0);
    }
    ck_assert_uint_eq(bounce_in_use(&dev_a), 0);
    ck_assert_uint_eq(bounce_in_use(&sys_as), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bounce-exhaustion");
    TCase *tc = tcase_create("budget");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hoarder_fails_cleanly);
    tcase_add_test(tc, test_other_space_unaffected);
    tcase_add_test(tc, test_budget_recovers_and_clients_told);
    tcase_add_test(tc, test_client_told_of_partial_room);
    tcase_add_test(tc, test_client_told_of_bigger_budget);
    tcase_add_test(tc, test_zero_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("iommu");
    tcase_add_checked_fixture(tc, setup_iommu, teardown_iommu);
    tcase_add_test(tc, test_iommu_bounce_charged_to_caller);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
