/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VFIO-style mirror of a device behind a vIOMMU: it follows IOMMU
 * notifiers, so that a physical device DMAing through the host IOMMU
 * reaches exactly what the emulated device reaches through the vIOMMU,
 * across invalidations, passthrough switches, refused notifiers,
 * translations into MMIO, private and map-on-demand memory, and a full
 * container.
 */
#include <inttypes.h>

#include "hw/models/vfio-sim.h"
#include "iommu-test.h"
#include "fake-grants.h"

#define WINDOW (4ULL << 20) /* IOVAs probed: [0, 4 MiB) */

static VFIOSimContainer *c;
static VFIOSimListener *l;

static void vfio_setup(void)
{
    machine_setup();
    c = vfio_sim_container_new(0, 0);
}

/* The container's permission at @iova, 0 if nothing is mapped there. */
static unsigned host_prot(hwaddr iova)
{
    size_t n, i;
    VFIOSimMapping *maps = vfio_sim_container_get_mappings(c, &n);
    unsigned prot = 0;

    for (i = 0; i < n; i++) {
        if (iova >= maps[i].iova && iova - maps[i].iova < maps[i].size) {
            prot = maps[i].prot;
        }
    }
    g_free(maps);
    return prot;
}

/*
 * Page by page, the physical device (through the container) and the
 * emulated device (through the vIOMMU) must agree on what they may do,
 * and read the same bytes where they may read.
 */
static void assert_same_view(const char *when)
{
    hwaddr iova;

    for (iova = 0; iova < WINDOW; iova += 0x1000) {
        unsigned prot = host_prot(iova);
        bool emu_r = address_space_access_valid(m.dev_as, iova, 8, false,
                                                ATTRS);
        bool emu_w = address_space_access_valid(m.dev_as, iova, 8, true,
                                                ATTRS);
        uint8_t dev[8], emu[8];

        ck_assert_msg(!!(prot & VFIO_SIM_PROT_READ) == emu_r &&
                          !!(prot & VFIO_SIM_PROT_WRITE) == emu_w,
                      "%s: iova %#" PRIx64 ": host prot %u, vIOMMU r%d w%d",
                      when, iova, prot, emu_r, emu_w);
        ck_assert_int_eq(vfio_sim_device_dma(c, iova, dev, 8, false),
                         emu_r ? 0 : (prot ? -EACCES : -EFAULT));
        if (emu_r) {
            ck_assert_uint_eq(address_space_read(m.dev_as, iova, ATTRS, emu,
                                                 8),
                              MEMTX_OK);
            ck_assert_mem_eq(dev, emu, 8);
        }
    }
}

static void tag_pages(void)
{
    hwaddr pa;

    for (pa = 0; pa < PT_POOL; pa += 0x1000) {
        memcpy(m.ram_ptr + pa, &pa, sizeof(pa));
    }
}

START_TEST(test_follows_map_change_unmap)
{
    tag_pages();
    machine_translate();
    l = vfio_sim_listener_new(c, m.dev_as);
    guest_map(0x1000, 0x100000, 0x3000, IOMMU_RW);
    guest_map(0x200000, 0x400000, 0x200000, IOMMU_RO);
    assert_same_view("mapped");
    /* Pinned: each IOMMU mapping holds the guest RAM it reaches. */
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 4);

    guest_map(0x2000, 0x900000, 0x1000, IOMMU_RO);
    assert_same_view("changed");
    guest_unmap(0x1000, 0x1000);
    guest_unmap(0x200000, 0x200000);
    assert_same_view("unmapped");
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 2);

    vfio_sim_listener_free(l);
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 0);
}
END_TEST

START_TEST(test_random_invalidations)
{
    static const IOMMUAccessFlags perms[] = { IOMMU_RO, IOMMU_WO, IOMMU_RW };
    GRand *rnd = g_rand_new_with_seed(0x7ff0 + _i);
    VFIOSimStats st;
    unsigned step;

    tag_pages();
    machine_translate();
    l = vfio_sim_listener_new(c, m.dev_as);
    for (step = 0; step < 40; step++) {
        bool big = g_rand_int_range(rnd, 0, 5) == 0;
        uint64_t size = big ? 0x200000 : g_rand_int_range(rnd, 1, 9) * 0x1000;
        hwaddr iova = big ? g_rand_int_range(rnd, 0, 2) * 0x200000ULL :
                            g_rand_int_range(rnd, 0, 1000) * 0x1000ULL;
        hwaddr pa = big ? g_rand_int_range(rnd, 0, 16) * 0x200000ULL :
                          g_rand_int_range(rnd, 0, 8000) * 0x1000ULL;

        if (g_rand_int_range(rnd, 0, 3) == 0) {
            guest_unmap(iova, size);
        } else {
            guest_map(iova, pa, size, perms[g_rand_int_range(rnd, 0, 3)]);
        }
        if (step % 8 == 7) {
            assert_same_view("random");
        }
    }
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.map_errors, 0);
    vfio_sim_listener_free(l);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 0);
    g_rand_free(rnd);
}
END_TEST

START_TEST(test_passthrough_switch)
{
    VFIOSimStats st;
    uint8_t b[8];

    /* Passthrough: the mirror is guest-physical RAM, all of it. */
    l = vfio_sim_listener_new(c, m.dev_as);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x3000000, b, 8, false), 0);

    guest_map(0x1000, 0x100000, 0x1000, IOMMU_RW);
    machine_translate();
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x3000000, b, 8, false), -EFAULT);
    assert_same_view("translated");

    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     0);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x3000000, b, 8, false), 0);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.map_errors, 0);
    vfio_sim_listener_free(l);
}
END_TEST

START_TEST(test_late_listener_replays)
{
    tag_pages();
    machine_translate();
    guest_map(0x5000, 0x700000, 0x2000, IOMMU_RW);
    l = vfio_sim_listener_new(c, m.dev_as);
    assert_same_view("late");
    vfio_sim_listener_free(l);
}
END_TEST

START_TEST(test_refused_notifier_maps_nothing)
{
    SoftIOMMUConfig cfg = { .no_caching_mode = true };
    VFIOSimStats st;
    uint8_t b[8];

    machine_setup_cfg(&cfg);
    c = vfio_sim_container_new(0, 0);
    machine_translate();
    guest_map(0x5000, 0x700000, 0x1000, IOMMU_RW);
    l = vfio_sim_listener_new(c, m.dev_as);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 0);
    ck_assert_uint_eq(st.map_errors, 1);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x5000, b, 8, false), -EFAULT);
    vfio_sim_listener_free(l);
}
END_TEST

static uint64_t mmio_rd(void *o, hwaddr a, unsigned s)
{
    return 0;
}

static void mmio_wr(void *o, hwaddr a, uint64_t v, unsigned s)
{
}

static const MemoryRegionOps mmio_ops = { .read = mmio_rd, .write = mmio_wr };

START_TEST(test_translations_hardware_cannot_reach)
{
    static MemoryRegion mmio, secret;
    VFIOSimStats st;

    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x1000);
    memory_region_add_subregion(&m.sys, 0x10000000, &mmio);
    unit_ram(&secret, "secret", 0x1000);
    memory_region_set_private(&secret, true);
    memory_region_add_subregion(&m.sys, 0x20000000, &secret);
    machine_translate();
    l = vfio_sim_listener_new(c, m.dev_as);
    guest_map(0x1000, 0x10000000, 0x1000, IOMMU_RW); /* into MMIO */
    guest_map(0x2000, 0x20000000, 0x1000, IOMMU_RW); /* into private */
    guest_map(0x3000, 0x300000, 0x1000, IOMMU_RW); /* fine */
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.map_errors, 2);
    /* Unmapping what could not be mapped is harmless. */
    guest_unmap(0x1000, 0x2000);
    vfio_sim_listener_free(l);
    memory_region_del_subregion(&m.sys, &mmio);
    memory_region_del_subregion(&m.sys, &secret);
    memory_region_finalize(&mmio);
    memory_region_finalize(&secret);
}
END_TEST

START_TEST(test_translation_into_grants)
{
    const hwaddr base = 0x8000000000ULL; /* page tables reach 2^52 */
    static FakeGrants fg;
    uint8_t b[4];

    /* The vIOMMU points at a map-on-demand region in system memory. */
    fake_grants_init(&fg, m.ram_ptr);
    memory_region_add_subregion(&m.sys, base, &fg.mr);
    fake_grant(&fg, 10, 0x600000, false);
    memcpy(m.ram_ptr + 0x600000, "gnt!", 4);
    machine_translate();
    l = vfio_sim_listener_new(c, m.dev_as);
    guest_map(0x4000, base + (10 << 12), 0x1000, IOMMU_RW);
    ck_assert_int_eq(fg.live, 1); /* pinned by the container */
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x4000, b, 4, false), 0);
    ck_assert_mem_eq(b, "gnt!", 4);
    guest_unmap(0x4000, 0x1000);
    ck_assert_int_eq(fg.live, 0);
    vfio_sim_listener_free(l);
    memory_region_del_subregion(&m.sys, &fg.mr);
    memory_region_finalize(&fg.mr);
}
END_TEST

START_TEST(test_full_container)
{
    VFIOSimStats st;

    vfio_sim_container_free(c);
    c = vfio_sim_container_new(0, 8);
    machine_translate();
    l = vfio_sim_listener_new(c, m.dev_as);
    m.pt.max_page = 0x1000;
    guest_map(0, 0x100000, 20 * 0x1000, IOMMU_RW);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 8);
    ck_assert_uint_eq(st.map_errors, 12);
    /* Nothing pinned for what was refused. */
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 8);
    guest_unmap(0, 20 * 0x1000);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 0);
    vfio_sim_listener_free(l);
}
END_TEST

static Suite *vfio_iommu_suite(void)
{
    Suite *s = suite_create("vfio-sim-iommu");
    TCase *tc = tcase_create("viommu");

    tcase_add_checked_fixture(tc, vfio_setup, NULL);
    tcase_add_test(tc, test_follows_map_change_unmap);
    tcase_add_loop_test(tc, test_random_invalidations, 0, 3);
    tcase_add_test(tc, test_passthrough_switch);
    tcase_add_test(tc, test_late_listener_replays);
    tcase_add_test(tc, test_translations_hardware_cannot_reach);
    tcase_add_test(tc, test_translation_into_grants);
    tcase_add_test(tc, test_full_container);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, test_refused_notifier_maps_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(vfio_iommu_suite());
}
