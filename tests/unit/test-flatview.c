/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rendering rules, each checked on a small hand-made tree.
 */
#include "unit-helpers.h"

static MemoryRegion root;
static AddressSpace as;

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "test");
}

/* Which region, at which offset, serves @addr? */
static void expect(hwaddr addr, MemoryRegion *mr, hwaddr offset)
{
    MemoryRegionSection s;
    bool found = unit_section_at(&as, addr, &s);

    if (!mr) {
        ck_assert_msg(!found, "0x%" PRIx64 ": expected a hole, got %s", addr,
                      found ? memory_region_name(s.mr) : "");
        return;
    }
    ck_assert_msg(found, "0x%" PRIx64 ": expected %s, got a hole", addr,
                  memory_region_name(mr));
    ck_assert_msg(s.mr == mr, "0x%" PRIx64 ": expected %s, got %s", addr,
                  memory_region_name(mr), memory_region_name(s.mr));
    ck_assert_uint_eq(s.offset_within_region +
                          (addr - s.offset_within_address_space),
                      offset);
}

START_TEST(test_priority_wins)
{
    static MemoryRegion a, b;

    memory_region_init_reservation(&a, NULL, "a", 0x2000);
    memory_region_init_reservation(&b, NULL, "b", 0x2000);
    memory_region_add_subregion_overlap(&root, 0x1000, &b, 1);
    memory_region_add_subregion_overlap(&root, 0x0, &a, 0);
    expect(0x0, &a, 0);
    expect(0xfff, &a, 0xfff);
    expect(0x1000, &b, 0);
    expect(0x2fff, &b, 0x1fff);
    expect(0x3000, NULL, 0);
}
END_TEST

START_TEST(test_newest_wins_on_equal_priority)
{
    static MemoryRegion a, b;

    memory_region_init_reservation(&a, NULL, "a", 0x2000);
    memory_region_init_reservation(&b, NULL, "b", 0x2000);
    memory_region_add_subregion(&root, 0x0, &a);
    memory_region_add_subregion(&root, 0x1000, &b);
    expect(0x1000, &b, 0);
    /* Re-adding a makes it the newest. */
    memory_region_del_subregion(&root, &a);
    memory_region_add_subregion(&root, 0x0, &a);
    expect(0x1000, &a, 0x1000);
    expect(0x2000, &b, 0x1000);
}
END_TEST

START_TEST(test_container_gaps_show_below)
{
    static MemoryRegion low, cont, inner;

    memory_region_init_reservation(&low, NULL, "low", 0x10000);
    memory_region_init(&cont, NULL, "cont", 0x4000);
    memory_region_init_reservation(&inner, NULL, "inner", 0x1000);
    memory_region_add_subregion(&cont, 0x1000, &inner);
    memory_region_add_subregion_overlap(&root, 0, &low, 0);
    memory_region_add_subregion_overlap(&root, 0x4000, &cont, 5);
    expect(0x4000, &low, 0x4000); /* container gap */
    expect(0x5000, &inner, 0);
    expect(0x6000, &low, 0x6000);
}
END_TEST

START_TEST(test_terminating_region_fills_gaps)
{
    static MemoryRegion io, sub;
    static const MemoryRegionOps ops = { 0 };

    memory_region_init_io(&io, NULL, &ops, NULL, "io", 0x4000);
    memory_region_init_reservation(&sub, NULL, "sub", 0x1000);
    memory_region_add_subregion(&io, 0x2000, &sub);
    memory_region_add_subregion(&root, 0x10000, &io);
    expect(0x10000, &io, 0);
    expect(0x12000, &sub, 0);
    expect(0x13000, &io, 0x3000);
}
END_TEST

START_TEST(test_alias_clip_and_offset)
{
    static MemoryRegion target, alias;

    memory_region_init_reservation(&target, NULL, "target", 0x10000);
    memory_region_init_alias(&alias, NULL, "alias", &target, 0x3000, 0x2000);
    memory_region_add_subregion(&root, 0x100000, &alias);
    expect(0x100000, &target, 0x3000);
    expect(0x101fff, &target, 0x4fff);
    expect(0x102000, NULL, 0);
    /* An alias running past its target's end is clipped by the target. */
    memory_region_set_alias_offset(&alias, 0xf000);
    expect(0x100000, &target, 0xf000);
    expect(0x101000, NULL, 0);
}
END_TEST

START_TEST(test_disabled_vanishes)
{
    static MemoryRegion low, high, target, alias;

    memory_region_init_reservation(&low, NULL, "low", 0x1000);
    memory_region_init_reservation(&high, NULL, "high", 0x1000);
    memory_region_init_reservation(&target, NULL, "target", 0x1000);
    memory_region_init_alias(&alias, NULL, "alias", &target, 0, 0x1000);
    memory_region_add_subregion_overlap(&root, 0, &low, 0);
    memory_region_add_subregion_overlap(&root, 0, &high, 1);
    memory_region_add_subregion(&root, 0x5000, &alias);
    memory_region_set_enabled(&high, false);
    expect(0, &low, 0);
    memory_region_set_enabled(&high, true);
    expect(0, &high, 0);
    /* A disabled alias target shows nothing through the alias. */
    memory_region_set_enabled(&target, false);
    expect(0x5000, NULL, 0);
}
END_TEST

START_TEST(test_subregion_clipped_to_parent)
{
    static MemoryRegion cont, big;

    memory_region_init(&cont, NULL, "cont", 0x1000);
    memory_region_init_reservation(&big, NULL, "big", 0x10000);
    memory_region_add_subregion(&cont, 0x800, &big);
    memory_region_add_subregion(&root, 0x2000, &cont);
    expect(0x27ff, NULL, 0);
    expect(0x2800, &big, 0);
    expect(0x2fff, &big, 0x7ff);
    expect(0x3000, NULL, 0);
}
END_TEST

START_TEST(test_readonly_inherited)
{
    static MemoryRegion cont, ram;
    MemoryRegionSection s;

    memory_region_init(&cont, NULL, "cont", 0x10000);
    unit_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&cont, 0, &ram);
    memory_region_add_subregion(&root, 0, &cont);
    ck_assert(unit_section_at(&as, 0, &s) && !s.readonly);
    memory_region_set_readonly(&cont, true);
    ck_assert(unit_section_at(&as, 0, &s) && s.readonly);
}
END_TEST

START_TEST(test_neighbours_merge)
{
    static MemoryRegion a, hole;
    size_t n;
    MemoryRegionSection *s;

    memory_region_init_reservation(&a, NULL, "a", 0x3000);
    memory_region_init_reservation(&hole, NULL, "hole", 0x1000);
    memory_region_add_subregion_overlap(&root, 0, &a, 0);
    memory_region_add_subregion_overlap(&root, 0x1000, &hole, 1);
    s = address_space_get_sections(&as, &n);
    ck_assert_uint_eq(n, 3);
    g_free(s);
    memory_region_set_enabled(&hole, false);
    s = address_space_get_sections(&as, &n);
    ck_assert_uint_eq(n, 1); /* the two halves of a merged */
    ck_assert(s[0].size == 0x3000);
    g_free(s);
}
END_TEST

START_TEST(test_region_of_2_64)
{
    static MemoryRegion all, top;
    MemoryRegionSection s;

    memory_region_init_reservation(&all, NULL, "all", UINT64_MAX);
    memory_region_init_reservation(&top, NULL, "top", 0x1000);
    ck_assert_uint_eq(memory_region_size(&all), UINT64_MAX);
    memory_region_add_subregion_overlap(&root, 0, &all, 0);
    memory_region_add_subregion_overlap(&root, UINT64_MAX - 0xfff, &top, 1);
    ck_assert(unit_section_at(&as, 0, &s));
    ck_assert(s.size == int128_2_64() - 0x1000);
    expect(UINT64_MAX, &top, 0xfff);
    expect(UINT64_MAX - 0x1000, &all, UINT64_MAX - 0x1000);
}
END_TEST

START_TEST(test_move_and_resize)
{
    static MemoryRegion a;

    memory_region_init_reservation(&a, NULL, "a", 0x1000);
    memory_region_add_subregion(&root, 0x1000, &a);
    memory_region_set_address(&a, 0x8000);
    expect(0x1000, NULL, 0);
    expect(0x8000, &a, 0);
    memory_region_set_size(&a, 0x2000);
    expect(0x9fff, &a, 0x1fff);
}
END_TEST

static void cycle_child(void)
{
    MemoryRegion *cont = g_new(MemoryRegion, 1),
                 *alias = g_new(MemoryRegion, 1);

    memory_region_init(cont, NULL, "cont", 0x1000);
    memory_region_init_alias(alias, NULL, "loop", cont, 0, 0x1000);
    memory_region_add_subregion(cont, 0, alias); /* aborts */
}

START_TEST(test_alias_cycle_caught)
{
    cycle_child();
}
END_TEST

START_TEST(test_double_parent_caught)
{
    static MemoryRegion a, other;

    memory_region_init(&other, NULL, "other", 0x1000);
    memory_region_init_reservation(&a, NULL, "a", 0x100);
    memory_region_add_subregion(&root, 0, &a);
    memory_region_add_subregion(&other, 0, &a); /* aborts */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flatview");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_priority_wins);
    tcase_add_test(tc, test_newest_wins_on_equal_priority);
    tcase_add_test(tc, test_container_gaps_show_below);
    tcase_add_test(tc, test_terminating_region_fills_gaps);
    tcase_add_test(tc, test_alias_clip_and_offset);
    tcase_add_test(tc, test_disabled_vanishes);
    tcase_add_test(tc, test_subregion_clipped_to_parent);
    tcase_add_test(tc, test_readonly_inherited);
    tcase_add_test(tc, test_neighbours_merge);
    tcase_add_test(tc, test_region_of_2_64);
    tcase_add_test(tc, test_move_and_resize);
    suite_add_tcase(s, tc);

    tc = tcase_create("misuse");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test_raise_signal(tc, test_alias_cycle_caught, SIGABRT);
    tcase_add_test_raise_signal(tc, test_double_parent_caught, SIGABRT);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
