/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated VFIO container, and the listener that mirrors an address
 * space into it: what is mapped and how, and a randomized run of
 * topology changes after each of which the mirror must equal what the
 * flat view says, computed here from scratch.
 */
#include <errno.h>
#include <inttypes.h>

#include "hw/models/vfio-sim.h"
#include "hw/models/vfio-sim-bar.h"
#include "tests/unit/unit-helpers.h"

#define PG 0x1000ULL

/* ---- the container alone ------------------------------------------------- */

START_TEST(test_container_rules)
{
    VFIOSimContainer *c = vfio_sim_container_new(0, 3);
    uint8_t mem[4 * PG], b[8];
    uint64_t gone;
    VFIOSimStats st;

    ck_assert_int_eq(vfio_sim_dma_map(c, 0x10000, PG, mem, 0), -EINVAL);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x10800, PG, mem, 1), -EINVAL);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0xfffffffffffff000ULL, 2 * PG, mem,
                                      1),
                     -EINVAL);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x10000, 2 * PG, mem,
                                      VFIO_SIM_PROT_READ),
                     0);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x11000, PG, mem, 3), -EEXIST);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x12000, PG, mem + 2 * PG, 3), 0);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x20000, PG, mem + 3 * PG, 3), 0);
    ck_assert_int_eq(vfio_sim_dma_map(c, 0x30000, PG, mem, 3), -ENOSPC);

    /* The device: read-only stays read-only, holes fault, all or none. */
    memset(mem, 0x3c, sizeof(mem));
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x10ffc, b, 8, false), 0);
    ck_assert_uint_eq(b[7], 0x3c);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x10000, b, 1, true), -EACCES);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x12ffc, b, 8, true), -EFAULT);
    ck_assert_uint_eq(mem[2 * PG + PG - 1], 0x3c);

    /* Type1 v2: a range cutting through a mapping removes nothing. */
    ck_assert_int_eq(vfio_sim_dma_unmap(c, 0x11000, PG, &gone), -EINVAL);
    ck_assert_int_eq(vfio_sim_dma_unmap(c, 0x10000, 0x3000, &gone), 0);
    ck_assert_uint_eq(gone, 0x3000);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.map_errors, 5);
    ck_assert_uint_eq(st.dma_faults, 2);
    vfio_sim_container_free(c);
}
END_TEST

/* ---- the oracle: what the mirror must hold ------------------------------- */

/* What the test made private, kept here so the oracle needs no core. */
typedef struct PrivState {
    MemoryRegion *mr;
    bool on;
} PrivState;

static PrivState privs[3];
static MemoryRegion *rom_device;

static void set_private(MemoryRegion *mr, bool on)
{
    unsigned i;

    memory_region_set_private(mr, on);
    for (i = 0; i < G_N_ELEMENTS(privs); i++) {
        if (privs[i].mr == mr) {
            privs[i].on = on;
        }
    }
}

static bool is_private(MemoryRegion *mr)
{
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(privs); i++) {
        if (privs[i].mr == mr) {
            return privs[i].on;
        }
    }
    return false;
}

/* From the flat view alone, by the rules in include/hw/models/vfio-sim.h. */
static GArray *oracle(AddressSpace *as, uint64_t pg)
{
    GArray *want = g_array_new(false, false, sizeof(VFIOSimMapping));
    size_t n, i;
    MemoryRegionSection *s = address_space_get_sections(as, &n);

    for (i = 0; i < n; i++) {
        MemoryRegion *mr = s[i].mr;
        Int128 start = s[i].offset_within_address_space;
        Int128 first = (start + pg - 1) / pg * pg;
        Int128 end = (start + s[i].size) / pg * pg;
        bool rodev = mr == rom_device;
        VFIOSimMapping m;

        if (!memory_region_is_ram(mr) || first >= end || is_private(mr)) {
            continue;
        }
        m.iova = first;
        m.size = end - first;
        m.vaddr = (uint8_t *)memory_region_get_ram_ptr(mr) +
                  s[i].offset_within_region + (uint64_t)(first - start);
        m.prot = VFIO_SIM_PROT_READ |
                 ((s[i].readonly || memory_region_is_rom(mr) || rodev) ?
                      0 :
                      VFIO_SIM_PROT_WRITE);
        g_array_append_val(want, m);
    }
    g_free(s);
    return want;
}

static void assert_mirror(VFIOSimContainer *c, AddressSpace *as,
                          const char *when)
{
    GArray *want = oracle(as, vfio_sim_container_pgsize(c));
    size_t n, i;
    VFIOSimMapping *got = vfio_sim_container_get_mappings(c, &n);

    ck_assert_msg(n == want->len, "%s: %zu mappings, want %u", when, n,
                  want->len);
    for (i = 0; i < n; i++) {
        VFIOSimMapping *w = &g_array_index(want, VFIOSimMapping, i);

        ck_assert_msg(got[i].iova == w->iova && got[i].size == w->size &&
                          got[i].vaddr == w->vaddr && got[i].prot == w->prot,
                      "%s: mapping %zu is %#" PRIx64 "+%#" PRIx64 " %p %u, "
                      "want %#" PRIx64 "+%#" PRIx64 " %p %u",
                      when, i, got[i].iova, got[i].size, got[i].vaddr,
                      got[i].prot, w->iova, w->size, w->vaddr, w->prot);
    }
    g_free(got);
    g_array_free(want, true);
}

/* ---- a machine with one of everything ------------------------------------ */

static MemoryRegion sys, ram, ram2, rom, romdev, mmio, priv, alias1, alias2;
static MemoryRegion sub, subram, submmio;
static AddressSpace as;
static VFIOSimBar bar;

static uint64_t mmio_rd(void *o, hwaddr a, unsigned s)
{
    return 0xee;
}

static void mmio_wr(void *o, hwaddr a, uint64_t v, unsigned s)
{
}

static const MemoryRegionOps mmio_ops = { .read = mmio_rd, .write = mmio_wr };

static void machine(void)
{
    GError *err = NULL;

    memory_region_init(&sys, NULL, "system", UINT64_MAX);
    unit_ram(&ram, "ram", 0x800000);
    unit_ram(&ram2, "ram2", 0x100000);
    unit_ram(&subram, "subram", 0x10000);
    unit_ram(&priv, "private", 0x100000);
    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x10000, &err));
    ck_assert(memory_region_init_rom_device(&romdev, NULL, &mmio_ops, NULL,
                                            "romdev", 0x10000, &err));
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x10000);
    memory_region_init_alias(&alias1, NULL, "alias1", &ram2, 0x10000, 0x40000);
    memory_region_init_alias(&alias2, NULL, "alias2", &ram, 0x123800,
                             0x200000);
    memory_region_init(&sub, NULL, "sub", 0x100000);
    memory_region_add_subregion(&sub, 0x8000, &subram);
    memory_region_init_io(&submmio, NULL, &mmio_ops, NULL, "sub-mmio", 0x1000);
    memory_region_add_subregion_overlap(&sub, 0xc000, &submmio, 1);
    ck_assert(
        vfio_sim_bar_init(&bar, NULL, "bar0", 0x10000, 0x2000, 16, &err));
    privs[0].mr = &priv;
    privs[1].mr = &ram2;
    privs[2].mr = &ram;
    set_private(&priv, true);
    rom_device = &romdev;
    address_space_init(&as, &sys, "system");
}

START_TEST(test_what_is_mapped)
{
    VFIOSimContainer *c = vfio_sim_container_new(0, 0);
    VFIOSimListener *l;
    uint8_t b[4] = { 1, 2, 3, 4 };

    memory_region_add_subregion(&sys, 0, &ram);
    memory_region_add_subregion(&sys, 0xfff00000, &rom);
    memory_region_add_subregion(&sys, 0x10000000, &mmio);
    memory_region_add_subregion(&sys, 0x20000000, &priv);
    memory_region_add_subregion(&sys, 0x30000000, &romdev);
    memory_region_add_subregion(&sys, 0x40000000, &bar.mem);
    l = vfio_sim_listener_new(c, &as);
    assert_mirror(c, &as, "registered");

    /* RAM both ways, ROM read-only, MMIO and private memory not at all. */
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x1000, b, 4, true), 0);
    ck_assert_mem_eq((uint8_t *)memory_region_get_ram_ptr(&ram) + 0x1000, b,
                     4);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0xfff00000, b, 4, false), 0);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0xfff00000, b, 4, true), -EACCES);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x30000000, b, 4, true), -EACCES);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x10000000, b, 4, false), -EFAULT);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x20000000, b, 4, false), -EFAULT);
    /* Peer-to-peer into another device's BAR, around its MSI-X table. */
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x40000000, b, 4, true), 0);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x40002000, b, 4, true), -EFAULT);

    /* Pinned while mapped: the RAM is referenced by the listener. */
    set_private(&ram, true);
    assert_mirror(c, &as, "ram made private");
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x1000, b, 4, false), -EFAULT);
    set_private(&ram, false);
    memory_region_set_readonly(&ram, true);
    assert_mirror(c, &as, "ram made read-only");
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x1000, b, 4, true), -EACCES);
    memory_region_rom_device_set_romd(&romdev, false);
    assert_mirror(c, &as, "romd off");
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x30000000, b, 4, false), -EFAULT);

    vfio_sim_listener_free(l);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x1000, b, 4, false), -EFAULT);
    {
        VFIOSimStats st;

        vfio_sim_container_get_stats(c, &st);
        ck_assert_uint_eq(st.entries, 0);
    }
    vfio_sim_container_free(c);
}
END_TEST

/* ---- random topology ----------------------------------------------------- */

static MemoryRegion *pool[] = { &ram,  &ram2,   &rom,    &romdev, &mmio,
                                &priv, &alias1, &alias2, &sub,    &bar.mem };
#define NPOOL G_N_ELEMENTS(pool)

static void random_op(GRand *rnd)
{
    MemoryRegion *mr = pool[g_rand_int_range(rnd, 0, NPOOL)];
    hwaddr addr = g_rand_int_range(rnd, 0, 0x800) *
                  (g_rand_boolean(rnd) ? 0x10000ULL : 0x800ULL);

    switch (g_rand_int_range(rnd, 0, 9)) {
    case 0:
    case 1:
        if (!memory_region_is_mapped(mr)) {
            memory_region_add_subregion_overlap(&sys, addr, mr,
                                                g_rand_int_range(rnd, -1, 3));
        } else {
            memory_region_del_subregion(&sys, mr);
        }
        break;
    case 2:
        if (memory_region_is_mapped(mr)) {
            memory_region_set_address(mr, addr);
        }
        break;
    case 3:
        memory_region_set_enabled(mr, g_rand_int_range(rnd, 0, 4) != 0);
        break;
    case 4:
        memory_region_set_readonly(mr, g_rand_int_range(rnd, 0, 3) == 0);
        break;
    case 5:
        set_private(g_rand_boolean(rnd) ? &priv : &ram2, g_rand_boolean(rnd));
        break;
    case 6:
        memory_region_rom_device_set_romd(&romdev, g_rand_boolean(rnd));
        break;
    case 7:
        vfio_sim_bar_set_msix_overlay(&bar, g_rand_boolean(rnd));
        break;
    default:
        memory_region_set_alias_offset(&alias2,
                                       g_rand_int_range(rnd, 0, 0x400) *
                                           0x800ULL);
        break;
    }
}

/* A device DMA at a mapped address reads what the guest has there. */
static void probe_random_mapping(VFIOSimContainer *c, GRand *rnd)
{
    size_t n;
    VFIOSimMapping *got = vfio_sim_container_get_mappings(c, &n);
    uint8_t dev[16], cpu[16];

    if (n) {
        VFIOSimMapping *m = &got[g_rand_int_range(rnd, 0, n)];
        uint64_t off = g_rand_int_range(rnd, 0, m->size / 16) * 16;

        ck_assert_int_eq(vfio_sim_device_dma(c, m->iova + off, dev, 16, false),
                         0);
        ck_assert_uint_eq(address_space_read(&as, m->iova + off,
                                             MEMTXATTRS_UNSPECIFIED, cpu, 16),
                          MEMTX_OK);
        ck_assert_mem_eq(dev, cpu, 16);
    }
    g_free(got);
}

START_TEST(test_random_topology)
{
    GRand *rnd = g_rand_new_with_seed(0xf10 + _i);
    uint64_t pg = _i & 1 ? 0x10000 : PG; /* 64 KiB host pages too */
    VFIOSimContainer *c = vfio_sim_container_new(pg, 0);
    VFIOSimContainer *late_c = vfio_sim_container_new(pg, 0);
    VFIOSimListener *l = vfio_sim_listener_new(c, &as), *late = NULL;
    unsigned step, k;
    char when[64];

    for (step = 0; step < 400; step++) {
        unsigned ops = g_rand_int_range(rnd, 1, 4);

        /* Several changes in one transaction: one diff for the lot. */
        memory_region_transaction_begin();
        for (k = 0; k < ops; k++) {
            random_op(rnd);
        }
        memory_region_transaction_commit();
        snprintf(when, sizeof(when), "seed %d step %u", _i, step);
        assert_mirror(c, &as, when);
        probe_random_mapping(c, rnd);
        if (step == 200) {
            /* A listener that arrives late starts from a replay. */
            late = vfio_sim_listener_new(late_c, &as);
        }
        if (late) {
            assert_mirror(late_c, &as, when);
        }
    }
    vfio_sim_listener_free(l);
    vfio_sim_listener_free(late);
    {
        VFIOSimStats st;

        vfio_sim_container_get_stats(c, &st);
        ck_assert_uint_eq(st.entries, 0);
        ck_assert_uint_gt(st.maps, 100);
        ck_assert_uint_eq(st.map_errors, 0);
    }
    vfio_sim_container_free(c);
    vfio_sim_container_free(late_c);
    g_rand_free(rnd);
}
END_TEST

static Suite *vfio_sim_suite(void)
{
    Suite *s = suite_create("vfio-sim");
    TCase *tc = tcase_create("container");
    TCase *tl = tcase_create("listener");

    tcase_add_test(tc, test_container_rules);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(tl, machine, NULL);
    tcase_add_test(tl, test_what_is_mapped);
    tcase_add_loop_test(tl, test_random_topology, 0, 4);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    return unit_run(vfio_sim_suite());
}
