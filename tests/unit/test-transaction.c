/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transactions: one render per outermost commit, shared views, no rebuild
 * when nothing visible changed.
 */
#include "unit-helpers.h"

static MemoryRegion root;

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
}

START_TEST(test_one_render_per_commit)
{
    enum {
        N = 5000
    };
    MemoryRegion *r = g_new(MemoryRegion, N);
    static AddressSpace as;
    MemoryStats before, after;
    int i;

    address_space_init(&as, &root, "t");
    memory_get_stats(&before);
    memory_region_transaction_begin();
    memory_region_transaction_begin(); /* nested */
    for (i = 0; i < N; i++) {
        memory_region_init_reservation(&r[i], NULL, "r", 0x10);
        memory_region_add_subregion(&root, i * 0x100, &r[i]);
    }
    memory_region_transaction_commit();
    memory_get_stats(&after);
    ck_assert_uint_eq(after.renders, before.renders); /* still inside */
    memory_region_transaction_commit();
    memory_get_stats(&after);
    ck_assert_uint_eq(after.renders - before.renders, 1);
    ck_assert_uint_eq(after.commits - before.commits, 1);
}
END_TEST

START_TEST(test_shared_flatview)
{
    static AddressSpace as[16];
    static MemoryRegion ram;
    MemoryStats before, after;
    int i;

    for (i = 0; i < 16; i++) {
        address_space_init(&as[i], &root, "shared");
    }
    unit_ram(&ram, "ram", 0x1000);
    memory_get_stats(&before);
    memory_region_add_subregion(&root, 0, &ram);
    memory_get_stats(&after);
    ck_assert_uint_eq(after.renders - before.renders, 1);
    ck_assert_ptr_eq(as[0].current_map, as[15].current_map);
    for (i = 0; i < 16; i++) {
        ck_assert_uint_eq(address_space_ldub(&as[i], 0, ATTRS, NULL), 0);
    }
}
END_TEST

START_TEST(test_invisible_change_keeps_view)
{
    static AddressSpace as;
    static MemoryRegion detached, ram;
    MemoryStats before, after;
    FlatView *fv;

    unit_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "t");
    fv = as.current_map;
    memory_get_stats(&before);
    /* A change to a region no address space can see. */
    memory_region_init(&detached, NULL, "detached", 0x1000);
    memory_region_set_size(&detached, 0x2000);
    memory_get_stats(&after);
    ck_assert_uint_eq(after.views_published, before.views_published);
    ck_assert_ptr_eq(as.current_map, fv);
}
END_TEST

START_TEST(test_empty_root)
{
    static AddressSpace as;
    MemTxResult r;

    /* Nothing inside: an empty view, and every access a decode error. */
    address_space_init(&as, &root, "empty");
    address_space_ldub(&as, 0, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_destroy(&as);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("transaction");
    TCase *tc = tcase_create("transaction");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_one_render_per_commit);
    tcase_add_test(tc, test_shared_flatview);
    tcase_add_test(tc, test_invisible_change_keeps_view);
    tcase_add_test(tc, test_empty_root);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
