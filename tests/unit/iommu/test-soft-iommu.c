/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reference soft IOMMU on the access paths: translation through guest
 * page tables, permissions, page clamping, large pages, faults, hostile
 * tables, the register block, and two IOMMUs nested.
 */
#include <inttypes.h>
#include "iommu-test.h"

START_TEST(test_translate_read_write)
{
    MemTxResult r;

    machine_translate();
    guest_map(0x10000, 0x200000, 0x1000, IOMMU_RW);
    m.ram_ptr[0x200010] = 0x5a;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x10010, ATTRS, &r), 0x5a);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_stl_le(m.dev_as, 0x10020, 0xdeadbeef, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(ldl_le_p(m.ram_ptr + 0x200020), 0xdeadbeef);
    /* The IOVA itself, as a guest-physical address, is untouched. */
    ck_assert_uint_eq(m.ram_ptr[0x10020], 0);
}
END_TEST

START_TEST(test_permissions)
{
    MemTxResult r;
    uint8_t b = 1;

    machine_translate();
    guest_map(0x1000, 0x300000, 0x1000, IOMMU_RO);
    guest_map(0x2000, 0x301000, 0x1000, IOMMU_WO);
    m.ram_ptr[0x301000] = 0x77;

    address_space_stb(m.dev_as, 0x1000, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(m.ram_ptr[0x300000], 0);
    ck_assert_uint_eq(fault_pop_reason(), SOFT_IOMMU_FAULT_PERM);

    ck_assert_uint_eq(address_space_read(m.dev_as, 0x2000, ATTRS, &b, 1),
                      MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(b, 0); /* a failed read returns zeroes */
    ck_assert_uint_eq(fault_pop_reason(), SOFT_IOMMU_FAULT_PERM);
    address_space_stb(m.dev_as, 0x2000, 9, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(m.ram_ptr[0x301000], 9);

    ck_assert(
        address_space_access_valid(m.dev_as, 0x1000, 0x1000, false, ATTRS));
    ck_assert(!address_space_access_valid(m.dev_as, 0x1000, 1, true, ATTRS));
    ck_assert(!address_space_access_valid(m.dev_as, 0x1ff8, 16, false, ATTRS));
}
END_TEST

START_TEST(test_unmapped_faults)
{
    SoftIOMMUFault f;
    MemTxResult r;

    machine_translate();
    fault_drain();
    address_space_ldl_le(m.dev_as, 0x123450, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(soft_iommu_fault_pop(m.iommu, &f));
    ck_assert_int_eq(f.reason, SOFT_IOMMU_FAULT_NOT_PRESENT);
    ck_assert_int_eq(f.devid, DEVID);
    ck_assert_int_eq(f.domid, DOMID);
    ck_assert_uint_eq(f.iova, 0x123450);
    ck_assert(!f.is_write);

    /* Beyond the 48-bit width of 4-level tables. */
    address_space_stb(m.dev_as, 1ULL << 48, 0, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(soft_iommu_fault_pop(m.iommu, &f));
    ck_assert_int_eq(f.reason, SOFT_IOMMU_FAULT_RANGE);
    ck_assert(f.is_write);

    /* A domain without tables. */
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, 0, 0), 0);
    expect_fault(0, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_NO_ROOT);
}
END_TEST

START_TEST(test_blocked_device)
{
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID, SOFT_IOMMU_BLOCKED,
                                           0),
                     0);
    m.ram_ptr[0x1000] = 3;
    expect_fault(0x1000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_BLOCKED);
}
END_TEST

START_TEST(test_access_split_at_pages)
{
    uint8_t buf[0x40], back[0x40];
    hwaddr len;
    void *p;

    machine_translate();
    /* Contiguous IOVAs, scattered outputs, and a hole after them. */
    guest_map(0x40000, 0x500000, 0x1000, IOMMU_RW);
    guest_map(0x41000, 0x100000, 0x1000, IOMMU_RW);
    memset(buf, 0xab, sizeof(buf));
    ck_assert_uint_eq(address_space_write(m.dev_as, 0x40fe0, ATTRS, buf,
                                          sizeof(buf)),
                      MEMTX_OK);
    ck_assert(m.ram_ptr[0x500fe0] == 0xab && m.ram_ptr[0x500fff] == 0xab);
    ck_assert(m.ram_ptr[0x100000] == 0xab && m.ram_ptr[0x10001f] == 0xab);
    ck_assert_uint_eq(m.ram_ptr[0x501000], 0);
    ck_assert_uint_eq(address_space_read(m.dev_as, 0x40fe0, ATTRS, back,
                                         sizeof(back)),
                      MEMTX_OK);
    ck_assert_mem_eq(buf, back, sizeof(buf));

    /* A write running into the hole writes the mapped part and fails. */
    ck_assert_uint_eq(address_space_write(m.dev_as, 0x41ff0, ATTRS, buf, 32),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(m.ram_ptr[0x100ff0], 0xab);

    /* map() stops at the IOMMU page even where RAM continues. */
    len = 0x2000;
    p = address_space_map(m.dev_as, 0x40800, &len, true, ATTRS);
    ck_assert_ptr_eq(p, m.ram_ptr + 0x500800);
    ck_assert_uint_eq(len, 0x800);
    address_space_unmap(m.dev_as, p, len, true, len);
}
END_TEST

START_TEST(test_large_pages)
{
    unsigned level;
    hwaddr len;
    void *p;

    machine_translate();
    guest_map(0x400000, 0x1000000, 0x400000, IOMMU_RW); /* 2 x 2 MiB */
    ck_assert(soft_iommu_pt_entry_addr(&m.pt, 0x400000, &level));
    ck_assert_uint_eq(level, 2);
    m.ram_ptr[0x1000000 + 0x3ffffc] = 0x42;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x7ffffc, ATTRS, NULL),
                      0x42);
    /* One map can cover a whole 2 MiB page, and no more. */
    len = 0x400000;
    p = address_space_map(m.dev_as, 0x400000, &len, false, ATTRS);
    ck_assert_ptr_eq(p, m.ram_ptr + 0x1000000);
    ck_assert_uint_eq(len, 0x200000);
    address_space_unmap(m.dev_as, p, len, false, 0);

    /* Replacing 4 KiB inside it splits it; the rest stays mapped. */
    guest_map(0x401000, 0x2000, 0x1000, IOMMU_RO);
    ck_assert(soft_iommu_pt_entry_addr(&m.pt, 0x400000, &level));
    ck_assert_uint_eq(level, 1);
    m.ram_ptr[0x2004] = 0x99;
    m.ram_ptr[0x1000004] = 0x11;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x401004, ATTRS, NULL),
                      0x99);
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x400004, ATTRS, NULL),
                      0x11);
}
END_TEST

START_TEST(test_cache_through_soft_iommu)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;

    machine_translate();
    guest_map(0x8000, 0x600000, 0x1000, IOMMU_RW);
    ck_assert_int_eq(address_space_cache_init(&c, m.dev_as, 0x8100, 0x100,
                                              true),
                     0x100);
    address_space_stl_le_cached(&c, 0x10, 0x01020304, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(ldl_le_p(m.ram_ptr + 0x600110), 0x01020304);
    address_space_cache_destroy(&c);

    /* A cache cannot be made over an unmapped IOVA. */
    ck_assert_int_lt(address_space_cache_init(&c, m.dev_as, 0x9000, 16, false),
                     0);
}
END_TEST

/* ---- hostile tables ------------------------------------------------------ */

START_TEST(test_reserved_bits_fault)
{
    hwaddr slot;

    machine_translate();
    guest_map(0x5000, 0x700000, 0x1000, IOMMU_RW);
    slot = soft_iommu_pt_entry_addr(&m.pt, 0x5000, NULL);
    ck_assert(slot);
    fault_drain();
    address_space_stq_le(&m.cpu_as, slot, 0x700000 | 3 | (1ULL << 60), ATTRS,
                         NULL);
    expect_fault(0x5000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_RSVD);

    /* PS on a level-1 entry is reserved too. */
    address_space_stq_le(&m.cpu_as, slot, 0x700000 | 3 | SOFT_IOMMU_PTE_PS,
                         ATTRS, NULL);
    expect_fault(0x5000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_RSVD);
}
END_TEST

START_TEST(test_misaligned_large_page_faults)
{
    hwaddr l2, l1;

    machine_translate();
    guest_map(0x200000, 0x800000, 0x200000, IOMMU_RW);
    l2 = soft_iommu_pt_entry_addr(&m.pt, 0x200000, NULL);
    ck_assert(l2);
    /* A 2 MiB page whose output is only 4 KiB aligned. */
    address_space_stq_le(&m.cpu_as, l2, 0x801000 | 3 | SOFT_IOMMU_PTE_PS,
                         ATTRS, NULL);
    fault_drain();
    expect_fault(0x200000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_RSVD);

    /* PS at level 4 (a 512 GiB page) is reserved. */
    l1 = m.pt.root;
    address_space_stq_le(&m.cpu_as, l1, 3 | SOFT_IOMMU_PTE_PS, ATTRS, NULL);
    expect_fault(0x200000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_RSVD);
}
END_TEST

START_TEST(test_self_referencing_table)
{
    MemTxResult r;
    unsigned i;

    /*
     * Every entry of the root points back at the root: at each level the
     * walk reads the same page again. Translation must still end after 4
     * levels, and the last level maps the root page itself.
     */
    for (i = 0; i < 512; i++) {
        address_space_stq_le(&m.cpu_as, m.pt.root + i * 8, m.pt.root | 3,
                             ATTRS, NULL);
    }
    machine_translate();
    address_space_stq_le(&m.cpu_as, m.pt.root + 0x80, 0x1122334455667788ULL,
                         ATTRS, &r);
    /* Entry 16 now holds junk with reserved bits: reading it faults. */
    address_space_ldq_le(m.dev_as,
                         (16ULL << 39) | (16ULL << 30) | (16ULL << 21) |
                             (16ULL << 12),
                         ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    /* Through any other entry the root page reads as itself. */
    ck_assert_uint_eq(address_space_ldq_le(m.dev_as, 0x80, ATTRS, &r),
                      0x1122334455667788ULL);
    ck_assert_uint_eq(r, MEMTX_OK);
}
END_TEST

START_TEST(test_table_outside_ram)
{
    machine_translate();
    guest_map(0x3000, 0x3000, 0x1000, IOMMU_RW);
    /* Point the level-4 entry at nothing. */
    address_space_stq_le(&m.cpu_as, m.pt.root, (1ULL << 40) | 3, ATTRS, NULL);
    fault_drain();
    expect_fault(0x3000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_PT_READ);
    /* A sync over it faults and maps nothing, rather than failing. */
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0, 0), 0);
    ck_assert_uint_eq(fault_pop_reason(), SOFT_IOMMU_FAULT_PT_READ);
}
END_TEST

START_TEST(test_tables_in_private_memory)
{
    MemTxResult r;

    machine_translate();
    guest_map(0x3000, 0x3000, 0x1000, IOMMU_RW);
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x3000, ATTRS, &r), 0);
    ck_assert_uint_eq(r, MEMTX_OK);
    /* The IOMMU, like any device, cannot read private guest memory. */
    memory_region_set_private(&m.ram, true);
    fault_drain();
    expect_fault(0x3000, false, MEMTX_DECODE_ERROR, SOFT_IOMMU_FAULT_PT_READ);
}
END_TEST

/* ---- the register block -------------------------------------------------- */

#define REGS 0xfed00000ULL

static uint64_t reg_rd(hwaddr reg)
{
    MemTxResult r;
    uint64_t v = address_space_ldq_le(&m.cpu_as, REGS + reg, ATTRS, &r);

    ck_assert_uint_eq(r, MEMTX_OK);
    return v;
}

static void reg_wr(hwaddr reg, uint64_t v)
{
    MemTxResult r;

    address_space_stq_le(&m.cpu_as, REGS + reg, v, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
}

START_TEST(test_registers)
{
    uint64_t cap, fault;
    MemTxResult r;

    memory_region_add_subregion(&m.sys, REGS, soft_iommu_regs(m.iommu));
    cap = reg_rd(SOFT_IOMMU_REG_CAP);
    ck_assert_uint_eq(cap & 0xff, SOFT_IOMMU_CAP_VERSION);
    ck_assert(cap & SOFT_IOMMU_CAP_CM);
    ck_assert_uint_eq(cap >> SOFT_IOMMU_CAP_DOMS_SHIFT, 256);

    ck_assert_int_eq(soft_iommu_pt_map(&m.pt, 0x7000, 0x900000, 0x1000,
                                       IOMMU_RO),
                     0);
    reg_wr(SOFT_IOMMU_REG_DOM_SEL, 5);
    reg_wr(SOFT_IOMMU_REG_DOM_ROOT, m.pt.root | 4);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), 0);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_DOM_ROOT), m.pt.root | 4);
    reg_wr(SOFT_IOMMU_REG_DEV_SEL, DEVID);
    reg_wr(SOFT_IOMMU_REG_DEV_CTX, SOFT_IOMMU_TRANSLATE | (5ULL << 16));
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), 0);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_DEV_CTX),
                      SOFT_IOMMU_TRANSLATE | (5ULL << 16));

    m.ram_ptr[0x900008] = 0x66;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x7008, ATTRS, &r), 0x66);
    address_space_stb(m.dev_as, 0x7008, 0, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_FAULT_COUNT), 1);
    fault = reg_rd(SOFT_IOMMU_REG_FAULT_POP);
    ck_assert_uint_eq(fault & 0xff, SOFT_IOMMU_FAULT_PERM);
    ck_assert(fault & (1 << 8)); /* a write */
    ck_assert_uint_eq((fault >> 16) & 0xffff, DEVID);
    ck_assert_uint_eq((fault >> 32) & 0xffff, 5);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_FAULT_ADDR), 0x7008);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_FAULT_POP), 0);

    /* Commands that fail say so in STATUS. */
    reg_wr(SOFT_IOMMU_REG_DEV_SEL, 0x1234);
    reg_wr(SOFT_IOMMU_REG_DEV_CTX, SOFT_IOMMU_PASSTHROUGH);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), ENODEV);
    reg_wr(SOFT_IOMMU_REG_INV_CMD, 999);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), ERANGE);
    reg_wr(SOFT_IOMMU_REG_DOM_SEL, 5);
    reg_wr(SOFT_IOMMU_REG_DOM_ROOT, m.pt.root | 7);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), EINVAL);

    /* 4-byte halves: high first, the low half runs the command. */
    address_space_stl_le(&m.cpu_as, REGS + SOFT_IOMMU_REG_DEV_SEL, DEVID,
                         ATTRS, &r);
    address_space_stl_le(&m.cpu_as, REGS + SOFT_IOMMU_REG_DEV_CTX + 4, 0,
                         ATTRS, &r);
    address_space_stl_le(&m.cpu_as, REGS + SOFT_IOMMU_REG_DEV_CTX,
                         SOFT_IOMMU_PASSTHROUGH, ATTRS, &r);
    ck_assert_uint_eq(reg_rd(SOFT_IOMMU_REG_STATUS), 0);
    m.ram_ptr[0x7008] = 0x31;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x7008, ATTRS, &r), 0x31);

    memory_region_del_subregion(&m.sys, soft_iommu_regs(m.iommu));
}
END_TEST

/* ---- nesting ------------------------------------------------------------- */

START_TEST(test_nested_soft_iommus)
{
    SoftIOMMUPageTable pt2;
    SoftIOMMU *inner;
    SoftIOMMUDevice *dev2;
    AddressSpace *l1_as = m.dev_as;
    GError *err = NULL;
    MemTxResult r;

    /*
     * A nested guest: the outer IOMMU maps the L1 guest's "physical"
     * [0, 16 MiB) to host-physical [16 MiB, 32 MiB). The L1 guest runs
     * its own IOMMU, whose tables live in L1-physical memory and whose
     * translations land there; the device behind it goes through both.
     */
    machine_translate();
    guest_map(0, 16ULL << 20, 8ULL << 20, IOMMU_RW);
    guest_map(8ULL << 20, 24ULL << 20, 8ULL << 20, IOMMU_RO);
    inner = soft_iommu_new(soft_iommu_device_dma_root(m.dev), NULL, &err);
    ck_assert_msg(inner, "%s", err ? err->message : "?");
    dev2 = soft_iommu_device_new(inner, 0x20, "nested-dev", &err);
    ck_assert_msg(dev2, "%s", err ? err->message : "?");
    ck_assert_int_eq(soft_iommu_pt_init(&pt2, l1_as, 4ULL << 20, 1ULL << 20,
                                        3),
                     0);
    ck_assert_int_eq(soft_iommu_pt_map(&pt2, 0xa000, 0x5000, 0x1000, IOMMU_RW),
                     0);
    ck_assert_int_eq(soft_iommu_pt_map(&pt2, 0xb000, (8ULL << 20) + 0x1000,
                                       0x1000, IOMMU_RW),
                     0);
    ck_assert_int_eq(soft_iommu_set_domain(inner, 3, pt2.root, 3), 0);
    ck_assert_int_eq(soft_iommu_set_device(inner, 0x20, SOFT_IOMMU_TRANSLATE,
                                           3),
                     0);
    /* The inner tables really are in host memory at +16 MiB. */
    ck_assert(ldq_le_p(m.ram_ptr + (16ULL << 20) + pt2.root) != 0);

    address_space_stl_le(soft_iommu_device_as(dev2), 0xa010, 0xcafef00d, ATTRS,
                         &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(ldl_le_p(m.ram_ptr + (16ULL << 20) + 0x5010),
                      0xcafef00d);
    /* Inner RW over outer RO: the outer permission wins. */
    address_space_stl_le(soft_iommu_device_as(dev2), 0xb000, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    m.ram_ptr[(24ULL << 20) + 0x1000] = 0x3c;
    ck_assert_uint_eq(address_space_ldub(soft_iommu_device_as(dev2), 0xb000,
                                         ATTRS, &r),
                      0x3c);

    soft_iommu_device_free(dev2);
    soft_iommu_free(inner);
}
END_TEST

static Suite *soft_iommu_suite(void)
{
    Suite *s = suite_create("soft-iommu");
    TCase *tc = tcase_create("access");
    TCase *th = tcase_create("hostile");
    TCase *tr = tcase_create("registers-nesting");

    tcase_add_checked_fixture(tc, machine_setup, NULL);
    tcase_add_test(tc, test_translate_read_write);
    tcase_add_test(tc, test_permissions);
    tcase_add_test(tc, test_unmapped_faults);
    tcase_add_test(tc, test_blocked_device);
    tcase_add_test(tc, test_access_split_at_pages);
    tcase_add_test(tc, test_large_pages);
    tcase_add_test(tc, test_cache_through_soft_iommu);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(th, machine_setup, NULL);
    tcase_add_test(th, test_reserved_bits_fault);
    tcase_add_test(th, test_misaligned_large_page_faults);
    tcase_add_test(th, test_self_referencing_table);
    tcase_add_test(th, test_table_outside_ram);
    tcase_add_test(th, test_tables_in_private_memory);
    suite_add_tcase(s, th);

    tcase_add_checked_fixture(tr, machine_setup, NULL);
    tcase_add_test(tr, test_registers);
    tcase_add_test(tr, test_nested_soft_iommus);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return unit_run(soft_iommu_suite());
}
