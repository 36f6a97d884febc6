/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU regions in the core: translation, permissions, page clamping,
 * nesting, map and caches through translation, notifiers and replay.
 *
 * The test IOMMU is a flat table of 4 KiB pages: page i of the input
 * goes to table[i].out with table[i].perm.
 */
#include <errno.h>
#include <string.h>
#include "unit-helpers.h"

#define PAGES 16

typedef struct TestIommu {
    IOMMUMemoryRegion iommu;
    AddressSpace *target;
    struct {
        hwaddr out;
        IOMMUAccessFlags perm;
    } table[PAGES];
    int flag_changes;
    bool refuse_map_notifiers;
} TestIommu;

static IOMMUTLBEntry ti_translate(void *opaque, hwaddr addr,
                                  IOMMUAccessFlags flag, int idx)
{
    TestIommu *t = opaque;
    unsigned page = addr >> 12;
    IOMMUTLBEntry e = {
        .target_as = t->target,
        .iova = addr & ~0xfffULL,
        .addr_mask = 0xfff,
        .perm = IOMMU_NONE,
    };

    if (page < PAGES) {
        e.translated_addr = t->table[page].out;
        e.perm = t->table[page].perm;
    }
    return e;
}

static int ti_flag_changed(void *opaque, IOMMUNotifierFlag old,
                           IOMMUNotifierFlag new, GError **errp)
{
    TestIommu *t = opaque;

    t->flag_changes++;
    if (t->refuse_map_notifiers && (new &IOMMU_NOTIFIER_MAP)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOSYS,
                    "no MAP notifications here");
        return -1;
    }
    return 0;
}

static const IOMMUMemoryRegionOps ti_ops = {
    .translate = ti_translate,
    .notify_flag_changed = ti_flag_changed,
};

static MemoryRegion sys_root, ram, dma_root;
static AddressSpace sys_as, dma_as;
static TestIommu ti;
static uint8_t *ram_ptr;

static void setup(void)
{
    memory_region_init(&sys_root, NULL, "system", UINT64_MAX);
    unit_ram(&ram, "ram", 0x100000);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    memory_region_add_subregion(&sys_root, 0, &ram);
    address_space_init(&sys_as, &sys_root, "system");

    memset(&ti, 0, sizeof(ti));
    ti.target = &sys_as;
    memory_region_init_iommu(&ti.iommu, &ti_ops, &ti, NULL, "iommu",
                             PAGES * 4096);
    memory_region_init(&dma_root, NULL, "dma-root", UINT64_MAX);
    memory_region_add_subregion(&dma_root, 0, &ti.iommu.parent_obj);
    address_space_init(&dma_as, &dma_root, "dma");
}

START_TEST(test_translate_and_permissions)
{
    MemTxResult r;

    ti.table[1] = (typeof(ti.table[1])){ 0x50000, IOMMU_RW };
    ti.table[2] = (typeof(ti.table[2])){ 0x70000, IOMMU_RO };
    ram_ptr[0x50010] = 0x11;
    ck_assert_uint_eq(address_space_ldub(&dma_as, 0x1010, ATTRS, &r), 0x11);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_stb(&dma_as, 0x2000, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(ram_ptr[0x70000], 0);
    address_space_ldub(&dma_as, 0x3000, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(address_space_access_valid(&dma_as, 0x2000, 16, false, ATTRS));
    ck_assert(!address_space_access_valid(&dma_as, 0x2000, 16, true, ATTRS));
}
END_TEST

START_TEST(test_access_split_at_iommu_pages)
{
    uint8_t buf[0x20];

    /* Input pages 1 and 2 are contiguous, their outputs are not. */
    ti.table[1] = (typeof(ti.table[1])){ 0x90000, IOMMU_RW };
    ti.table[2] = (typeof(ti.table[2])){ 0x30000, IOMMU_RW };
    memset(buf, 0x77, sizeof(buf));
    ck_assert_uint_eq(address_space_write(&dma_as, 0x1ff0, ATTRS, buf, 0x20),
                      MEMTX_OK);
    ck_assert_uint_eq(ram_ptr[0x90ff0], 0x77);
    ck_assert_uint_eq(ram_ptr[0x9100f & 0xfffff], 0);
    ck_assert_uint_eq(ram_ptr[0x3000f], 0x77);
}
END_TEST

START_TEST(test_map_through_iommu_clamped)
{
    hwaddr len = 0x3000;
    uint8_t *p;
    AddressSpaceStats st;

    ti.table[0] = (typeof(ti.table[0])){ 0x10000, IOMMU_RW };
    p = address_space_map(&dma_as, 0x800, &len, true, ATTRS);
    ck_assert_ptr_eq(p, ram_ptr + 0x10800);
    ck_assert_uint_eq(len, 0x800); /* up to the IOMMU page end */
    address_space_get_stats(&sys_as, &st);
    ck_assert_uint_eq(st.outstanding, 1);
    address_space_unmap(&dma_as, p, len, true, len);
    address_space_get_stats(&sys_as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    len = 16;
    ck_assert_ptr_null(address_space_map(&dma_as, 0x5000, &len, false, ATTRS));
}
END_TEST

/* A map or cache refused by the IOMMU says why, as an access would. */
START_TEST(test_map_through_iommu_says_why)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r = 0xff;
    hwaddr len = 16;

    ti.table[2] = (typeof(ti.table[2])){ 0x70000, IOMMU_RO };
    ck_assert_ptr_null(
        address_space_map_result(&dma_as, 0x2000, &len, true, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_int_eq(address_space_cache_init(&c, &dma_as, 0x2000, 16, true),
                     -EACCES);
    len = 16;
    ck_assert_ptr_null(
        address_space_map_result(&dma_as, 0x3000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_int_eq(address_space_cache_init(&c, &dma_as, 0x3000, 16, false),
                     -EFAULT);
    len = 16;
    ck_assert_ptr_nonnull(
        address_space_map_result(&dma_as, 0x2000, &len, false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_unmap(&dma_as, ram_ptr + 0x70000, len, false, 0);
}
END_TEST

START_TEST(test_cache_through_iommu)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;

    ti.table[3] = (typeof(ti.table[3])){ 0x20000, IOMMU_RW };
    ck_assert_int_eq(address_space_cache_init(&c, &dma_as, 0x3100, 0x100,
                                              true),
                     0x100);
    address_space_stl_le_cached(&c, 0, 0xabcd, ATTRS, &r);
    ck_assert_uint_eq(ram_ptr[0x20100], 0xcd);
    address_space_cache_destroy(&c);
}
END_TEST

START_TEST(test_nested_iommus)
{
    static TestIommu outer;
    static MemoryRegion outer_root;
    static AddressSpace outer_as;
    MemTxResult r;

    /* outer -> dma_as (inner IOMMU) -> system. */
    memset(&outer, 0, sizeof(outer));
    outer.target = &dma_as;
    memory_region_init_iommu(&outer.iommu, &ti_ops, &outer, NULL, "outer",
                             PAGES * 4096);
    memory_region_init(&outer_root, NULL, "outer-root", UINT64_MAX);
    memory_region_add_subregion(&outer_root, 0, &outer.iommu.parent_obj);
    address_space_init(&outer_as, &outer_root, "nested");
    outer.table[5] = (typeof(outer.table[5])){ 0x2000, IOMMU_RW };
    ti.table[2] = (typeof(ti.table[2])){ 0x44000, IOMMU_RW };
    ram_ptr[0x44123] = 0x5e;
    ck_assert_uint_eq(address_space_ldub(&outer_as, 0x5123, ATTRS, &r), 0x5e);
    /* An IOMMU that translates into its own space is stopped, not looped. */
    outer.target = &outer_as;
    address_space_ldub(&outer_as, 0x5123, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
}
END_TEST

START_TEST(test_write_cache_needs_read_permission)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;

    /* Write-only page: a cache for writing is also read, so refuse it. */
    ti.table[1] = (typeof(ti.table[1])){ 0x50000, IOMMU_WO };
    ck_assert_int_lt(address_space_cache_init(&c, &dma_as, 0x1000, 16, true),
                     0);
    ti.table[1].perm = IOMMU_RW;
    ck_assert_int_eq(address_space_cache_init(&c, &dma_as, 0x1000, 16, true),
                     16);
    address_space_cache_destroy(&c);
}
END_TEST

START_TEST(test_readonly_iommu_region_refuses_writes)
{
    MemTxResult r;
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 16;
    void *p;

    ti.table[2] = (typeof(ti.table[2])){ 0x60000, IOMMU_RW };
    memory_region_set_readonly(&ti.iommu.parent_obj, true);
    address_space_stb(&dma_as, 0x2000, 0x55, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(ram_ptr[0x60000], 0);
    ck_assert_uint_eq(address_space_ldub(&dma_as, 0x2000, ATTRS, &r), 0);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_int_lt(address_space_cache_init(&c, &dma_as, 0x2000, 16, true),
                     0);
    /* A map for writing gets a bounce buffer whose write-back fails. */
    p = address_space_map(&dma_as, 0x2000, &len, true, ATTRS);
    ck_assert_uint_eq(address_space_unmap_result(&dma_as, p, len, true, len),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(ram_ptr[0x60000], 0);
}
END_TEST

static GString *events;

static void record(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    g_string_append_printf(events,
                           "%s %" PRIx64 "+%" PRIx64 "->%" PRIx64 " p%d;",
                           e->perm ? "map" : "unmap", e->iova, e->addr_mask,
                           e->translated_addr, e->perm);
}

START_TEST(test_notifiers_crop_and_order)
{
    IOMMUNotifier n;
    IOMMUTLBEvent ev = {
        .type = IOMMU_NOTIFIER_MAP,
        .entry = { .target_as = &sys_as,
                   .iova = 0x0,
                   .addr_mask = 0x3fff,
                   .translated_addr = 0x80000,
                   .perm = IOMMU_RW },
    };

    events = g_string_new(NULL);
    iommu_notifier_init(&n, record, IOMMU_NOTIFIER_ALL, 0x1000, 0x2fff, 0);
    ck_assert_int_eq(
        memory_region_register_iommu_notifier(&ti.iommu.parent_obj, &n, NULL),
        0);
    memory_region_notify_iommu(&ti.iommu, 0, ev);
    /* Changing a mapping: UNMAP (with IOMMU_NONE), then MAP. */
    ev.type = IOMMU_NOTIFIER_UNMAP;
    memory_region_notify_iommu(&ti.iommu, 0, ev);
    ev.type = IOMMU_NOTIFIER_MAP;
    ev.entry.translated_addr = 0x90000;
    memory_region_notify_iommu(&ti.iommu, 0, ev);
    /* Outside the notifier's range: nothing. */
    ev.entry.iova = 0x8000;
    memory_region_notify_iommu(&ti.iommu, 0, ev);
    ck_assert_str_eq(events->str, "map 1000+1fff->81000 p3;"
                                  "unmap 1000+1fff->81000 p0;"
                                  "map 1000+1fff->91000 p3;");
    memory_region_unregister_iommu_notifier(&ti.iommu.parent_obj, &n);
    g_string_truncate(events, 0);
    ev.entry.iova = 0x1000;
    memory_region_notify_iommu(&ti.iommu, 0, ev);
    ck_assert_str_eq(events->str, ""); /* unregistered: not called */
}
END_TEST

START_TEST(test_notifier_refused)
{
    IOMMUNotifier n;
    GError *err = NULL;

    ti.refuse_map_notifiers = true;
    iommu_notifier_init(&n, record, IOMMU_NOTIFIER_MAP, 0, UINT64_MAX, 0);
    ck_assert_int_lt(
        memory_region_register_iommu_notifier(&ti.iommu.parent_obj, &n, &err),
        0);
    ck_assert_ptr_nonnull(err);
    iommu_notifier_init(&n, record, IOMMU_NOTIFIER_UNMAP, 0, UINT64_MAX, 0);
    ck_assert_int_eq(
        memory_region_register_iommu_notifier(&ti.iommu.parent_obj, &n, NULL),
        0);
}
END_TEST

START_TEST(test_replay_default)
{
    IOMMUNotifier n;

    events = g_string_new(NULL);
    ti.table[1] = (typeof(ti.table[1])){ 0x50000, IOMMU_RO };
    ti.table[7] = (typeof(ti.table[7])){ 0x60000, IOMMU_RW };
    iommu_notifier_init(&n, record, IOMMU_NOTIFIER_MAP, 0, 0x5fff, 0);
    memory_region_register_iommu_notifier(&ti.iommu.parent_obj, &n, NULL);
    memory_region_iommu_replay(&ti.iommu, &n);
    ck_assert_str_eq(events->str, "map 1000+fff->50000 p1;");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("iommu");
    TCase *tc = tcase_create("iommu");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_translate_and_permissions);
    tcase_add_test(tc, test_access_split_at_iommu_pages);
    tcase_add_test(tc, test_map_through_iommu_clamped);
    tcase_add_test(tc, test_map_through_iommu_says_why);
    tcase_add_test(tc, test_cache_through_iommu);
    tcase_add_test(tc, test_write_cache_needs_read_permission);
    tcase_add_test(tc, test_readonly_iommu_region_refuses_writes);
    tcase_add_test(tc, test_nested_iommus);
    tcase_add_test(tc, test_notifiers_crop_and_order);
    tcase_add_test(tc, test_notifier_refused);
    tcase_add_test(tc, test_replay_default);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
