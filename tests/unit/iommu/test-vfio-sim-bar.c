/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An assigned BAR (RAM-device memory over an mmap of a memfd) with its
 * MSI-X table emulated by an MMIO region laid over it: table accesses go
 * to the emulation, everything else to BAR memory, listeners see what
 * they would see had the BAR been split by hand, and the overlay comes
 * and goes cleanly.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>

#include "hw/models/vfio-sim.h"
#include "hw/models/vfio-sim-bar.h"
#include "tests/unit/unit-helpers.h"

#define BAR_ADDR 0xe0000000ULL
#define BAR_SIZE 0x10000ULL
#define TABLE_OFF 0x2000ULL
#define VECTORS 16
#define TABLE_SIZE (VECTORS * 16)

static MemoryRegion sys;
static AddressSpace as;
static VFIOSimBar bar;
static uint8_t *hw; /* the device's own view of its BAR memory */

static void bar_setup(void)
{
    GError *err = NULL;

    memory_region_init(&sys, NULL, "system", UINT64_MAX);
    ck_assert_msg(vfio_sim_bar_init(&bar, NULL, "bar0", BAR_SIZE, TABLE_OFF,
                                    VECTORS, &err),
                  "%s", err ? err->message : "?");
    memory_region_add_subregion(&sys, BAR_ADDR, &bar.mem);
    address_space_init(&as, &sys, "system");
    hw = mmap(NULL, BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
              vfio_sim_bar_fd(&bar), 0);
    ck_assert(hw != MAP_FAILED);
}

static uint32_t rd32(hwaddr off, MemTxResult *r)
{
    return address_space_ldl_le(&as, BAR_ADDR + off, ATTRS, r);
}

static void wr32(hwaddr off, uint32_t v, MemTxResult *r)
{
    address_space_stl_le(&as, BAR_ADDR + off, v, ATTRS, r);
}

START_TEST(test_table_goes_to_emulation)
{
    VFIOSimMSIXEntry e;
    MemTxResult r;
    uint16_t w = 0;
    uint64_t before;

    ck_assert(vfio_sim_bar_msix_entry(&bar, 1, &e));
    ck_assert_uint_eq(e.ctrl, VFIO_SIM_MSIX_CTRL_MASKED); /* reset state */
    before = vfio_sim_bar_table_accesses(&bar);

    address_space_stq_le(&as, BAR_ADDR + TABLE_OFF + 16,
                         0xfee01000ULL | (0x12ULL << 32), ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    wr32(TABLE_OFF + 16 + 8, 0x4041, &r);
    wr32(TABLE_OFF + 16 + 12, 0xfffffffe, &r); /* unmask; rsvd bits */
    ck_assert(vfio_sim_bar_msix_entry(&bar, 1, &e));
    ck_assert_uint_eq(e.addr, 0x12fee01000ULL);
    ck_assert_uint_eq(e.data, 0x4041);
    ck_assert_uint_eq(e.ctrl, 0);
    ck_assert_uint_eq(rd32(TABLE_OFF + 16 + 4, &r), 0x12);
    /* The QWORD write was two DWORDs to the emulation. */
    ck_assert_uint_eq(vfio_sim_bar_table_accesses(&bar) - before, 5);

    /* The hardware's table never saw any of it. */
    ck_assert(hw[TABLE_OFF] == 0 &&
              !memcmp(hw + TABLE_OFF, hw + TABLE_OFF + 1, TABLE_SIZE - 1));

    /* Only aligned DWORDs and QWORDs reach the table. */
    ck_assert_uint_ne(address_space_write(&as, BAR_ADDR + TABLE_OFF + 2, ATTRS,
                                          &w, 2),
                      MEMTX_OK);
    address_space_ldl_le(&as, BAR_ADDR + TABLE_OFF + 1, ATTRS, &r);
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert(!vfio_sim_bar_msix_entry(&bar, VECTORS, &e));
}
END_TEST

START_TEST(test_rest_goes_to_bar_memory)
{
    MemTxResult r;
    hwaddr len = 0x100;
    uint8_t *p;

    wr32(0x10, 0xa5a5a5a5, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(hw[0x10], 0xa5);
    hw[0x3000] = 0x77; /* the device */
    ck_assert_uint_eq(rd32(0x3000, &r) & 0xff, 0x77);
    /* Right after the table, still in its page: BAR memory. */
    wr32(TABLE_OFF + TABLE_SIZE, 0x1234, &r);
    ck_assert_uint_eq(hw[TABLE_OFF + TABLE_SIZE], 0x34);
    wr32(TABLE_OFF - 4, 0x5678, &r);
    ck_assert_uint_eq(hw[TABLE_OFF - 4], 0x78);

    /*
     * A peer's DMA into BAR memory goes through a bounce buffer, as in
     * QEMU: the mmap is device memory, which memcpy must not touch. The
     * data lands on unmap.
     */
    p = address_space_map(&as, BAR_ADDR + 0x4000, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_ne(p, (uint8_t *)vfio_sim_bar_mmap(&bar) + 0x4000);
    ck_assert_uint_eq(len, 0x100);
    p[0] = 0x3c;
    address_space_unmap(&as, p, len, true, 1);
    ck_assert_uint_eq(hw[0x4000], 0x3c);
}
END_TEST

/* ---- against a BAR split by hand ----------------------------------------- */

typedef struct SeenSection {
    uint64_t off; /* from the BAR's start */
    uint64_t size;
    bool ram_device;
    uint64_t where; /* RAM: offset in BAR memory; MMIO: in table */
} SeenSection;

typedef struct Recorder {
    MemoryListener ml;
    GArray *seen;
    uint8_t *mem; /* the host mapping the BAR's RAM uses */
} Recorder;

static void rec_add(MemoryListener *ml, MemoryRegionSection *s)
{
    Recorder *rec = (Recorder *)ml;
    SeenSection x = {
        .off = s->offset_within_address_space - BAR_ADDR,
        .size = (uint64_t)s->size,
        .ram_device = memory_region_is_ram_device(s->mr),
        .where = s->offset_within_region,
    };

    if (x.ram_device) {
        x.where = (uint8_t *)memory_region_get_ram_ptr(s->mr) +
                  s->offset_within_region - rec->mem;
    }
    g_array_append_val(rec->seen, x);
}

static uint64_t tbl_rd(void *o, hwaddr a, unsigned s)
{
    return 0;
}

static void tbl_wr(void *o, hwaddr a, uint64_t v, unsigned s)
{
}

static const MemoryRegionOps tbl_ops = { .read = tbl_rd, .write = tbl_wr };

static uint64_t table_end_page(void)
{
    return (TABLE_OFF + TABLE_SIZE + 0xfff) & ~0xfffULL;
}

START_TEST(test_same_sections_as_split_by_hand)
{
    static MemoryRegion sys2, hand, below, table, above;
    static AddressSpace as2;
    Recorder a = { .ml = { .region_add = rec_add }, .mem = hw };
    Recorder b = { .ml = { .region_add = rec_add }, .mem = hw };
    VFIOSimContainer *ca = vfio_sim_container_new(0, 0);
    VFIOSimContainer *cb = vfio_sim_container_new(0, 0);
    VFIOSimListener *la, *lb;
    VFIOSimMapping *ma, *mb;
    size_t na, nb, i;

    /* What VFIO did before overlays: two mmaps around an MMIO table. */
    memory_region_init(&hand, NULL, "hand", BAR_SIZE);
    memory_region_init_ram_device_ptr(&below, NULL, "below", TABLE_OFF, hw);
    memory_region_init_io(&table, NULL, &tbl_ops, NULL, "table", TABLE_SIZE);
    memory_region_init_ram_device_ptr(&above, NULL, "above",
                                      BAR_SIZE - TABLE_OFF - TABLE_SIZE,
                                      hw + TABLE_OFF + TABLE_SIZE);
    memory_region_add_subregion(&hand, 0, &below);
    memory_region_add_subregion(&hand, TABLE_OFF, &table);
    memory_region_add_subregion(&hand, TABLE_OFF + TABLE_SIZE, &above);
    memory_region_init(&sys2, NULL, "system2", UINT64_MAX);
    memory_region_add_subregion(&sys2, BAR_ADDR, &hand);
    address_space_init(&as2, &sys2, "system2");

    /* The overlay BAR's RAM is reached through its own mmap. */
    a.mem = vfio_sim_bar_mmap(&bar);
    a.seen = g_array_new(false, false, sizeof(SeenSection));
    b.seen = g_array_new(false, false, sizeof(SeenSection));
    memory_listener_register(&a.ml, &as);
    memory_listener_register(&b.ml, &as2);
    ck_assert_uint_eq(a.seen->len, 3);
    ck_assert_uint_eq(b.seen->len, 3);
    for (i = 0; i < 3; i++) {
        SeenSection *x = &g_array_index(a.seen, SeenSection, i);
        SeenSection *y = &g_array_index(b.seen, SeenSection, i);

        ck_assert_uint_eq(x->off, y->off);
        ck_assert_uint_eq(x->size, y->size);
        ck_assert_int_eq(x->ram_device, y->ram_device);
        ck_assert_uint_eq(x->where, y->where);
    }
    ck_assert(!g_array_index(a.seen, SeenSection, 1).ram_device);
    ck_assert_uint_eq(g_array_index(a.seen, SeenSection, 1).off, TABLE_OFF);

    /* And a VFIO-style mirror of each maps the same pages. */
    la = vfio_sim_listener_new(ca, &as);
    lb = vfio_sim_listener_new(cb, &as2);
    ma = vfio_sim_container_get_mappings(ca, &na);
    mb = vfio_sim_container_get_mappings(cb, &nb);
    ck_assert_uint_eq(na, 2);
    ck_assert_uint_eq(nb, 2);
    for (i = 0; i < na; i++) {
        ck_assert_uint_eq(ma[i].iova, mb[i].iova);
        ck_assert_uint_eq(ma[i].size, mb[i].size);
        ck_assert_uint_eq((uint8_t *)ma[i].vaddr - a.mem,
                          (uint8_t *)mb[i].vaddr - hw);
    }
    /* The table's page is not mapped: hardware must not reach it. */
    ck_assert_uint_eq(ma[0].iova, BAR_ADDR);
    ck_assert_uint_eq(ma[0].size, TABLE_OFF);
    ck_assert_uint_eq(ma[1].iova, BAR_ADDR + table_end_page());
    g_free(ma);
    g_free(mb);
    vfio_sim_listener_free(la);
    vfio_sim_listener_free(lb);
    memory_listener_unregister(&a.ml);
    memory_listener_unregister(&b.ml);
}
END_TEST

START_TEST(test_overlay_off_and_on)
{
    VFIOSimContainer *c = vfio_sim_container_new(0, 0);
    VFIOSimListener *l = vfio_sim_listener_new(c, &as);
    VFIOSimMSIXEntry e;
    VFIOSimStats st;
    MemTxResult r;
    unsigned round;

    memcpy(hw + TABLE_OFF, "\x11\x22\x33\x44", 4);
    wr32(TABLE_OFF + 8, 0x99, &r); /* vector 0 data */
    for (round = 0; round < 3; round++) {
        vfio_sim_bar_set_msix_overlay(&bar, false);
        vfio_sim_bar_set_msix_overlay(&bar, false); /* idempotent */
        /* Without the overlay the table offset is plain BAR memory... */
        ck_assert_uint_eq(rd32(TABLE_OFF, &r), 0x44332211);
        vfio_sim_container_get_stats(c, &st);
        ck_assert_uint_eq(st.entries, 1); /* the whole BAR */

        vfio_sim_bar_set_msix_overlay(&bar, true);
        /* ...and with it, the emulation again, state kept. */
        ck_assert_uint_eq(rd32(TABLE_OFF, &r), 0);
        ck_assert_uint_eq(rd32(TABLE_OFF + 8, &r), 0x99);
        vfio_sim_container_get_stats(c, &st);
        ck_assert_uint_eq(st.entries, 2);
    }
    ck_assert(vfio_sim_bar_msix_entry(&bar, 0, &e));
    ck_assert_uint_eq(e.data, 0x99);
    vfio_sim_container_get_stats(c, &st);
    ck_assert_uint_eq(st.map_errors, 0);

    /* The guest moves the BAR: the mirror follows. */
    memory_region_set_address(&bar.mem, 0xd0000000);
    {
        size_t n;
        VFIOSimMapping *maps = vfio_sim_container_get_mappings(c, &n);

        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(maps[0].iova, 0xd0000000);
        g_free(maps);
    }
    vfio_sim_listener_free(l);
    vfio_sim_container_free(c);

    /* And it all comes apart cleanly. */
    memory_region_del_subregion(&sys, &bar.mem);
    vfio_sim_bar_destroy(&bar);
}
END_TEST

START_TEST(test_bad_bars)
{
    VFIOSimBar b;
    GError *err = NULL;

    ck_assert(!vfio_sim_bar_init(&b, NULL, "b", 0x3000, 0, 1, &err));
    g_clear_error(&err);
    ck_assert(!vfio_sim_bar_init(&b, NULL, "b", 0x1000, 4, 1, &err));
    g_clear_error(&err);
    ck_assert(!vfio_sim_bar_init(&b, NULL, "b", 0x1000, 0xff8, 1, &err));
    g_clear_error(&err);
    ck_assert(!vfio_sim_bar_init(&b, NULL, "b", 0x1000, 0, 0, &err));
    ck_assert(err);
    g_clear_error(&err);
}
END_TEST

static Suite *bar_suite(void)
{
    Suite *s = suite_create("vfio-sim-bar");
    TCase *tc = tcase_create("msix");

    tcase_add_checked_fixture(tc, bar_setup, NULL);
    tcase_add_test(tc, test_table_goes_to_emulation);
    tcase_add_test(tc, test_rest_goes_to_bar_memory);
    tcase_add_test(tc, test_same_sections_as_split_by_hand);
    tcase_add_test(tc, test_overlay_off_and_on);
    suite_add_tcase(s, tc);

    tc = tcase_create("args");
    tcase_add_test(tc, test_bad_bars);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(bar_suite());
}
