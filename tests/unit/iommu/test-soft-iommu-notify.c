/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU notifiers as the soft IOMMU drives them: cropping, UNMAP-then-MAP
 * ordering, large pages split and merged, replay from the shadow, device
 * moves, caching mode, a table bomb, and a randomized check that a
 * consumer following the events always holds what the tables say.
 */
#include <inttypes.h>
#include "iommu-test.h"

#define MR_OF(dev) (&soft_iommu_device_iommu(dev)->parent_obj)

static EventLog all;

static void notify_setup(void)
{
    machine_setup();
    machine_translate();
    event_log_register(&all, MR_OF(m.dev), 0, UINT64_MAX);
}

START_TEST(test_map_change_unmap)
{
    guest_map(0x1000, 0x100000, 0x1000, IOMMU_RW);
    ck_assert_uint_eq(all.ev->len, 1);
    event_is(&all, 0, 0x1000, 0x1000, 0x100000, IOMMU_RW);
    ck_assert(event_at(&all, 0)->target_as == soft_iommu_target_as(m.iommu));

    /* A changed mapping: UNMAP of the old one first, then MAP. */
    guest_map(0x1000, 0x200000, 0x1000, IOMMU_RO);
    ck_assert_uint_eq(all.ev->len, 3);
    event_is(&all, 1, 0x1000, 0x1000, 0x100000, IOMMU_NONE);
    event_is(&all, 2, 0x1000, 0x1000, 0x200000, IOMMU_RO);

    /* Only the permission changes: still UNMAP then MAP. */
    guest_map(0x1000, 0x200000, 0x1000, IOMMU_RW);
    ck_assert_uint_eq(all.ev->len, 5);
    event_is(&all, 3, 0x1000, 0x1000, 0x200000, IOMMU_NONE);
    event_is(&all, 4, 0x1000, 0x1000, 0x200000, IOMMU_RW);

    /* Invalidating what did not change says nothing. */
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0, 0), 0);
    ck_assert_uint_eq(all.ev->len, 5);

    guest_unmap(0x1000, 0x1000);
    ck_assert_uint_eq(all.ev->len, 6);
    event_is(&all, 5, 0x1000, 0x1000, 0x200000, IOMMU_NONE);
}
END_TEST

START_TEST(test_all_unmaps_before_maps)
{
    guint i;

    guest_map(0x10000, 0x100000, 0x4000, IOMMU_RW);
    g_array_set_size(all.ev, 0);
    /* Shift four mappings by one page in one invalidation. */
    ck_assert_int_eq(soft_iommu_pt_map(&m.pt, 0x10000, 0x101000, 0x4000,
                                       IOMMU_RW),
                     0);
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0x10000, 0x4000),
                     0);
    ck_assert_uint_eq(all.ev->len, 8);
    for (i = 0; i < 4; i++) {
        event_is(&all, i, 0x10000 + i * 0x1000, 0x1000, 0x100000 + i * 0x1000,
                 IOMMU_NONE);
        event_is(&all, 4 + i, 0x10000 + i * 0x1000, 0x1000,
                 0x101000 + i * 0x1000, IOMMU_RW);
    }
}
END_TEST

START_TEST(test_cropping)
{
    EventLog part, outside;

    event_log_register(&part, MR_OF(m.dev), 0x201800, 0x2027ff);
    event_log_register(&outside, MR_OF(m.dev), 0x800000, 0x8fffff);
    guest_map(0x200000, 0x400000, 0x200000, IOMMU_RW); /* one 2 MiB page */

    event_is(&all, 0, 0x200000, 0x200000, 0x400000, IOMMU_RW);
    ck_assert_uint_eq(part.ev->len, 1);
    /* Cropped to [0x201800, 0x2027ff]: the output moves with the start. */
    event_is(&part, 0, 0x201800, 0x1000, 0x401800, IOMMU_RW);
    ck_assert_uint_eq(outside.ev->len, 0);

    guest_unmap(0x200000, 0x200000);
    ck_assert_uint_eq(part.ev->len, 2);
    event_is(&part, 1, 0x201800, 0x1000, 0x401800, IOMMU_NONE);
    ck_assert_uint_eq(outside.ev->len, 0);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &part.n);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &outside.n);
}
END_TEST

START_TEST(test_large_page_split_by_small_invalidation)
{
    guint i;

    guest_map(0x200000, 0x400000, 0x200000, IOMMU_RW);
    g_array_set_size(all.ev, 0);
    /*
     * The guest replaces one 4 KiB piece and invalidates only that piece.
     * The 2 MiB mapping is gone as a whole, so it is unmapped as a whole
     * and the 511 pieces that remain come back as 4 KiB pages.
     */
    guest_map(0x203000, 0x9000, 0x1000, IOMMU_RO);
    ck_assert_uint_eq(all.ev->len, 1 + 512);
    event_is(&all, 0, 0x200000, 0x200000, 0x400000, IOMMU_NONE);
    for (i = 0; i < 512; i++) {
        hwaddr iova = 0x200000 + i * 0x1000;

        if (iova == 0x203000) {
            event_is(&all, 1 + i, iova, 0x1000, 0x9000, IOMMU_RO);
        } else {
            event_is(&all, 1 + i, iova, 0x1000, 0x400000 + i * 0x1000,
                     IOMMU_RW);
        }
    }
}
END_TEST

START_TEST(test_small_pages_merged_into_large)
{
    hwaddr l2;

    m.pt.max_page = 0x1000;
    guest_map(0x200000, 0x400000, 0x200000, IOMMU_RW); /* 512 x 4 KiB */
    ck_assert_uint_eq(all.ev->len, 512);
    g_array_set_size(all.ev, 0);
    /*
     * The guest swaps the level-1 table for one 2 MiB entry and (lazily)
     * invalidates only the first page: everything under the new page
     * must still be unmapped before it is announced.
     */
    l2 = ldq_le_p(m.ram_ptr + m.pt.root) & SOFT_IOMMU_PTE_ADDR; /* L3 */
    l2 = ldq_le_p(m.ram_ptr + l2) & SOFT_IOMMU_PTE_ADDR; /* L2 */
    address_space_stq_le(&m.cpu_as, l2 + 8, 0x600000 | 3 | SOFT_IOMMU_PTE_PS,
                         ATTRS, NULL);
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0x200000, 0x1000),
                     0);
    ck_assert_uint_eq(all.ev->len, 513);
    event_is(&all, 0, 0x200000, 0x1000, 0x400000, IOMMU_NONE);
    event_is(&all, 511, 0x3ff000, 0x1000, 0x5ff000, IOMMU_NONE);
    event_is(&all, 512, 0x200000, 0x200000, 0x600000, IOMMU_RW);
}
END_TEST

START_TEST(test_replay_sends_shadow)
{
    EventLog late;
    IOMMUMemoryRegion *iommu = soft_iommu_device_iommu(m.dev);

    guest_map(0x1000, 0x100000, 0x2000, IOMMU_RW);
    /* Changed, not yet invalidated: consumers do not know yet. */
    ck_assert_int_eq(soft_iommu_pt_map(&m.pt, 0x1000, 0x300000, 0x1000,
                                       IOMMU_RW),
                     0);
    event_log_register(&late, MR_OF(m.dev), 0, UINT64_MAX);
    memory_region_iommu_replay(iommu, &late.n);
    ck_assert_uint_eq(late.ev->len, 2);
    event_is(&late, 0, 0x1000, 0x1000, 0x100000, IOMMU_RW);
    event_is(&late, 1, 0x2000, 0x1000, 0x101000, IOMMU_RW);

    /* The invalidation then tells both the same story. */
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0x1000, 0x1000), 0);
    event_is(&late, 2, 0x1000, 0x1000, 0x100000, IOMMU_NONE);
    event_is(&late, 3, 0x1000, 0x1000, 0x300000, IOMMU_RW);
    event_is(&all, 3, 0x1000, 0x1000, 0x300000, IOMMU_RW);

    /* Replay of a cropped notifier is cropped too. */
    g_array_set_size(late.ev, 0);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &late.n);
    event_log_register(&late, MR_OF(m.dev), 0x2800, 0x2fff);
    memory_region_iommu_replay(iommu, &late.n);
    ck_assert_uint_eq(late.ev->len, 1);
    event_is(&late, 0, 0x2800, 0x800, 0x101800, IOMMU_RW);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &late.n);
}
END_TEST

START_TEST(test_device_moves_between_domains)
{
    SoftIOMMUPageTable pt2;

    guest_map(0x1000, 0x100000, 0x1000, IOMMU_RW);
    ck_assert_int_eq(soft_iommu_pt_init(&pt2, &m.cpu_as, PT_POOL + (8 << 20),
                                        1 << 20, 3),
                     0);
    ck_assert_int_eq(soft_iommu_pt_map(&pt2, 0x5000, 0x200000, 0x1000,
                                       IOMMU_RO),
                     0);
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, 2, pt2.root, 3), 0);
    ck_assert_uint_eq(all.ev->len, 1); /* not attached to domain 2 */

    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_TRANSLATE, 2),
                     0);
    ck_assert_uint_eq(all.ev->len, 3);
    event_is(&all, 1, 0x1000, 0x1000, 0x100000, IOMMU_NONE);
    event_is(&all, 2, 0x5000, 0x1000, 0x200000, IOMMU_RO);

    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID, SOFT_IOMMU_BLOCKED,
                                           0),
                     0);
    ck_assert_uint_eq(all.ev->len, 4);
    event_is(&all, 3, 0x5000, 0x1000, 0x200000, IOMMU_NONE);
    /* Changes to a domain nobody is in reach nobody. */
    guest_map(0x7000, 0x7000, 0x1000, IOMMU_RW);
    ck_assert_uint_eq(all.ev->len, 4);
}
END_TEST

START_TEST(test_root_change_resyncs)
{
    SoftIOMMUPageTable pt2;

    guest_map(0x1000, 0x100000, 0x1000, IOMMU_RW);
    guest_map(0x2000, 0x101000, 0x1000, IOMMU_RW);
    ck_assert_int_eq(soft_iommu_pt_init(&pt2, &m.cpu_as, PT_POOL + (8 << 20),
                                        1 << 20, 4),
                     0);
    ck_assert_int_eq(soft_iommu_pt_map(&pt2, 0x2000, 0x101000, 0x1000,
                                       IOMMU_RW),
                     0);
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, pt2.root, 4), 0);
    /* What both tables share stays; only the difference is announced. */
    ck_assert_uint_eq(all.ev->len, 3);
    event_is(&all, 2, 0x1000, 0x1000, 0x100000, IOMMU_NONE);
}
END_TEST

START_TEST(test_no_caching_mode_refuses_map)
{
    SoftIOMMUConfig cfg = { .no_caching_mode = true };
    IOMMUNotifier n;
    GError *err = NULL;

    machine_setup_cfg(&cfg);
    iommu_notifier_init(&n, event_log_notify, IOMMU_NOTIFIER_ALL, 0,
                        UINT64_MAX, 0);
    ck_assert_int_eq(memory_region_register_iommu_notifier(MR_OF(m.dev), &n,
                                                           &err),
                     -ENOTSUP);
    ck_assert(err && strstr(err->message, "caching mode"));
    g_clear_error(&err);
    /* Consumers that only need to hear of unmaps (vhost IOTLB) may. */
    iommu_notifier_init(&n, event_log_notify, IOMMU_NOTIFIER_UNMAP, 0,
                        UINT64_MAX, 0);
    ck_assert_int_eq(memory_region_register_iommu_notifier(MR_OF(m.dev), &n,
                                                           &err),
                     0);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &n);
}
END_TEST

/* ---- a consumer that mirrors what it hears, page by page ----------------- */

#define WINDOW_PAGES 2048 /* IOVAs [0, 8 MiB) */

typedef struct MirrorPage {
    hwaddr out;
    IOMMUAccessFlags perm; /* IOMMU_NONE: not mapped */
} MirrorPage;

typedef struct Mirror {
    IOMMUNotifier n;
    MirrorPage page[WINDOW_PAGES];
    unsigned live;
} Mirror;

static void mirror_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Mirror *mi = (Mirror *)n;
    hwaddr p;

    for (p = e->iova; p <= e->iova + e->addr_mask && p / 0x1000 < WINDOW_PAGES;
         p += 0x1000) {
        MirrorPage *mp = &mi->page[p / 0x1000];
        hwaddr out = e->translated_addr + (p - e->iova);

        if (e->perm == IOMMU_NONE) {
            /* Only what was mapped is ever unmapped, exactly so. */
            ck_assert_msg(mp->perm != IOMMU_NONE && mp->out == out,
                          "UNMAP of %#" PRIx64 " never mapped so", p);
            mp->perm = IOMMU_NONE;
            mi->live--;
        } else {
            ck_assert_msg(mp->perm == IOMMU_NONE,
                          "MAP of %#" PRIx64 " over a live mapping", p);
            *mp = (MirrorPage){ .out = out, .perm = e->perm };
            mi->live++;
        }
    }
}

/* Tag every RAM page below the pool with its own address. */
static void tag_ram(void)
{
    hwaddr pa;

    for (pa = 0; pa < PT_POOL; pa += 0x1000) {
        uint64_t le = GUINT64_TO_LE(pa);

        memcpy(m.ram_ptr + pa, &le, sizeof(le));
    }
}

/* What the device sees at @iova, found by DMA alone. */
static MirrorPage probe(hwaddr iova)
{
    MirrorPage mp = { .perm = IOMMU_NONE };
    MemTxResult r;

    if (address_space_access_valid(m.dev_as, iova, 8, false, ATTRS)) {
        mp.perm |= IOMMU_RO;
        mp.out = address_space_ldq_le(m.dev_as, iova, ATTRS, &r);
        ck_assert_uint_eq(r, MEMTX_OK);
    }
    if (address_space_access_valid(m.dev_as, iova, 8, true, ATTRS)) {
        mp.perm |= IOMMU_WO;
    }
    return mp;
}

static void mirror_check(Mirror *mi)
{
    unsigned i;

    for (i = 0; i < WINDOW_PAGES; i++) {
        MirrorPage want = probe((hwaddr)i * 0x1000);
        MirrorPage *got = &mi->page[i];

        ck_assert_msg(got->perm == want.perm,
                      "page %u: mirror perm %d, device perm %d", i, got->perm,
                      want.perm);
        /* A write-only page cannot be probed for its output. */
        if (want.perm & IOMMU_RO) {
            ck_assert_msg(got->out == want.out,
                          "page %u: mirror %#" PRIx64 ", device %#" PRIx64, i,
                          got->out, want.out);
        }
    }
}

static void random_change(GRand *rnd, hwaddr *lo, hwaddr *hi)
{
    static const IOMMUAccessFlags perms[] = { IOMMU_RO, IOMMU_WO, IOMMU_RW };
    bool big = g_rand_int_range(rnd, 0, 6) == 0;
    uint64_t size = big ? 0x200000 : g_rand_int_range(rnd, 1, 17) * 0x1000ULL;
    hwaddr iova = big ?
                      g_rand_int_range(rnd, 0, 4) * 0x200000ULL :
                      g_rand_int_range(rnd, 0, WINDOW_PAGES - 16) * 0x1000ULL;
    hwaddr pa = big ? g_rand_int_range(rnd, 0, 20) * 0x200000ULL :
                      g_rand_int_range(rnd, 0, 8192) * 0x1000ULL;

    if (g_rand_int_range(rnd, 0, 3) == 0) {
        ck_assert_int_eq(soft_iommu_pt_unmap(&m.pt, iova, size), 0);
    } else {
        ck_assert_int_eq(soft_iommu_pt_map(&m.pt, iova, pa, size,
                                           perms[g_rand_int_range(rnd, 0, 3)]),
                         0);
    }
    *lo = MIN(*lo, iova);
    *hi = MAX(*hi, iova + size);
}

START_TEST(test_randomized_mirror)
{
    GRand *rnd = g_rand_new_with_seed(0x10440 + _i);
    Mirror *mi = g_new0(Mirror, 1);
    unsigned round;

    tag_ram();
    iommu_notifier_init(&mi->n, mirror_notify, IOMMU_NOTIFIER_ALL, 0,
                        UINT64_MAX, 0);
    ck_assert_int_eq(memory_region_register_iommu_notifier(MR_OF(m.dev),
                                                           &mi->n, NULL),
                     0);
    for (round = 0; round < 60; round++) {
        hwaddr lo = UINT64_MAX, hi = 0;
        unsigned k, changes = g_rand_int_range(rnd, 1, 5);

        for (k = 0; k < changes; k++) {
            random_change(rnd, &lo, &hi);
        }
        /* Invalidate exactly what changed, or more. */
        switch (g_rand_int_range(rnd, 0, 3)) {
        case 0:
            soft_iommu_invalidate(m.iommu, DOMID, lo, hi - lo);
            break;
        case 1:
            soft_iommu_invalidate(m.iommu, DOMID, 0, 0);
            break;
        default:
            soft_iommu_invalidate(m.iommu, DOMID, lo & ~0x3fffffULL,
                                  (hi - (lo & ~0x3fffffULL)) + 0x5000);
            break;
        }
        mirror_check(mi);
    }
    /* Tear everything down: the mirror must end up empty. */
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, 0, 0), 0);
    ck_assert_uint_eq(mi->live, 0);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &mi->n);
    g_free(mi);
    g_rand_free(rnd);
}
END_TEST

/* ---- a table bomb -------------------------------------------------------- */

START_TEST(test_shared_table_bomb_is_bounded)
{
    SoftIOMMUConfig cfg = { .max_mappings = 5000, .walk_budget = 200 };
    Mirror *mi = g_new0(Mirror, 1);
    SoftIOMMUStats st;
    hwaddr l3, l2, l1;
    gint64 t0;
    unsigned i;

    machine_setup_cfg(&cfg);
    /*
     * Four pages describe 2^36 mappings: every entry of each level points
     * at the one table below. A sync must neither hang nor keep them all.
     */
    l3 = soft_iommu_pt_alloc_table(&m.pt);
    l2 = soft_iommu_pt_alloc_table(&m.pt);
    l1 = soft_iommu_pt_alloc_table(&m.pt);
    for (i = 0; i < 512; i++) {
        address_space_stq_le(&m.cpu_as, m.pt.root + i * 8, l3 | 3, ATTRS,
                             NULL);
        address_space_stq_le(&m.cpu_as, l3 + i * 8, l2 | 3, ATTRS, NULL);
        address_space_stq_le(&m.cpu_as, l2 + i * 8, l1 | 3, ATTRS, NULL);
        address_space_stq_le(&m.cpu_as, l1 + i * 8, (i * 0x1000ULL) | 3, ATTRS,
                             NULL);
    }
    iommu_notifier_init(&mi->n, mirror_notify, IOMMU_NOTIFIER_ALL, 0,
                        UINT64_MAX, 0);
    ck_assert_int_eq(memory_region_register_iommu_notifier(MR_OF(m.dev),
                                                           &mi->n, NULL),
                     0);
    t0 = g_get_monotonic_time();
    machine_translate();
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, 0, 0), 0);
    ck_assert_int_lt(g_get_monotonic_time() - t0, 5 * G_TIME_SPAN_SECOND);

    soft_iommu_get_stats(m.iommu, &st);
    ck_assert_uint_le(st.shadow_entries, 5000);
    ck_assert_uint_gt(st.faults[SOFT_IOMMU_FAULT_TOO_MANY] +
                          st.faults[SOFT_IOMMU_FAULT_WALK_BUDGET],
                      0);
    /* Translation still works page by page: it needs no shadow. */
    ck_assert_uint_eq(address_space_ldub(m.dev_as, (1ULL << 47) + 0x5000,
                                         ATTRS, NULL),
                      m.ram_ptr[0x5000]);

    /* Taking the tables away leaves nothing behind in the consumer. */
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, 0, 0), 0);
    ck_assert_uint_eq(mi->live, 0);
    soft_iommu_get_stats(m.iommu, &st);
    ck_assert_uint_eq(st.shadow_entries, 0);
    memory_region_unregister_iommu_notifier(MR_OF(m.dev), &mi->n);
    g_free(mi);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("soft-iommu-notify");
    TCase *tc = tcase_create("events");
    TCase *tr = tcase_create("random");
    TCase *tb = tcase_create("bounds");

    tcase_add_checked_fixture(tc, notify_setup, NULL);
    tcase_add_test(tc, test_map_change_unmap);
    tcase_add_test(tc, test_all_unmaps_before_maps);
    tcase_add_test(tc, test_cropping);
    tcase_add_test(tc, test_large_page_split_by_small_invalidation);
    tcase_add_test(tc, test_small_pages_merged_into_large);
    tcase_add_test(tc, test_replay_sends_shadow);
    tcase_add_test(tc, test_device_moves_between_domains);
    tcase_add_test(tc, test_root_change_resyncs);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(tr, notify_setup, NULL);
    tcase_add_loop_test(tr, test_randomized_mirror, 0, 4);
    suite_add_tcase(s, tr);

    tcase_add_test(tb, test_no_caching_mode_refuses_map);
    tcase_add_test(tb, test_shared_table_bomb_is_bounded);
    suite_add_tcase(s, tb);
    return s;
}

int main(void)
{
    return unit_run(notify_suite());
}
