/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen PV-IOMMU model (seed 001, draft B): mapping foreign pages at
 * BFNs, lookups, the M2B and its references, every error the draft
 * lists, devices DMAing through BFN space, and ballooning out a frame
 * an emulator still maps, with and without swap_mfn.
 */
#include <errno.h>
#include <inttypes.h>

#include "hw/models/pv-iommu.h"
#include "hw/models/vfio-sim.h"
#include "tests/unit/unit-helpers.h"

#define GUEST 5
#define OTHER 6
#define SELF 0
#define IOSRV 1
#define IOSRV2 2
#define RW (PV_IOMMU_READABLE | PV_IOMMU_WRITEABLE)

static PVIOMMU *p;
static MemoryRegion dev_root;
static AddressSpace dev_as; /* a device of the emulator: BFN space */
static uint8_t *gram;

typedef struct Invalidation {
    uint32_t ioserver;
    uint64_t bfn;
} Invalidation;

static GArray *invals;

static void on_invalidate(void *opaque, uint32_t ioserver, uint64_t bfn)
{
    Invalidation inv = { ioserver, bfn };

    g_array_append_val(invals, inv);
}

static void setup_cfg(const PVIOMMUConfig *cfg)
{
    GError *err = NULL;

    p = pv_iommu_new(cfg, &err);
    ck_assert_msg(p, "%s", err ? err->message : "?");
    ck_assert_int_eq(pv_iommu_add_domain(p, GUEST, 64, &err), 0);
    ck_assert_int_eq(pv_iommu_add_domain(p, OTHER, 16, &err), 0);
    invals = g_array_new(false, false, sizeof(Invalidation));
    ck_assert_int_eq(pv_iommu_add_ioserver(p, IOSRV, on_invalidate, NULL), 0);
    ck_assert_int_eq(pv_iommu_add_ioserver(p, IOSRV2, on_invalidate, NULL), 0);
    gram = pv_iommu_domain_ram(p, GUEST);
    memory_region_init(&dev_root, NULL, "dev", UINT64_MAX);
    memory_region_add_subregion(&dev_root, 0,
                                &pv_iommu_bfn_region(p)->parent_obj);
    address_space_init(&dev_as, &dev_root, "dev");
}

static void setup(void)
{
    setup_cfg(NULL);
}

/* Tear down, to set up again with another configuration. */
static void teardown(void)
{
    address_space_destroy(&dev_as);
    memory_region_del_subregion(&dev_root,
                                &pv_iommu_bfn_region(p)->parent_obj);
    memory_region_finalize(&dev_root);
    pv_iommu_free(p);
    g_array_free(invals, true);
}

static MemTxResult dev_wr(uint64_t bfn, uint32_t v)
{
    MemTxResult r;

    address_space_stl_le(&dev_as, bfn << 12 | 0x10, v, ATTRS, &r);
    return r;
}

static uint32_t ram_at(uint64_t gfn)
{
    uint32_t v;

    memcpy(&v, gram + (gfn << 12) + 0x10, 4);
    return GUINT32_FROM_LE(v);
}

START_TEST(test_map_and_dma)
{
    uint64_t bfn;
    MemTxResult r;

    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 3, 0x1000, RW, IOSRV,
                                               &bfn),
                     0);
    ck_assert_uint_eq(bfn, 0x1000);
    ck_assert_uint_eq(dev_wr(0x1000, 0xabcd), MEMTX_OK);
    ck_assert_uint_eq(ram_at(3), 0xabcd);

    /* Read-only: the device may read, not write. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 4, 0x1001,
                                               PV_IOMMU_READABLE, IOSRV, NULL),
                     0);
    ck_assert_uint_eq(dev_wr(0x1001, 1), MEMTX_ACCESS_ERROR);
    address_space_ldl_le(&dev_as, 0x1001000, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    /* Unmapped BFNs go nowhere. */
    ck_assert_uint_eq(dev_wr(0x1002, 1), MEMTX_DECODE_ERROR);

    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x1000, IOSRV), 0);
    ck_assert_uint_eq(dev_wr(0x1000, 1), MEMTX_DECODE_ERROR);
}
END_TEST

START_TEST(test_errors)
{
    PVIOMMUConfig cfg = { .unprivileged = true };

    pv_iommu_add_reserved(p, 0x8000, 0x10);
    /* -ENODEV: no such ioserver. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1, RW, 99, NULL),
                     -ENODEV);
    /* -EPERM: ourselves, by domid or DOMID_SELF. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, SELF, 1, 1, RW, IOSRV, NULL),
                     -EPERM);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, PV_IOMMU_DOMID_SELF, 1, 1,
                                               RW, IOSRV, NULL),
                     -EPERM);
    /* -ENXIO: no such domain, no such frame. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, 77, 1, 1, RW, IOSRV, NULL),
                     -ENXIO);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 64, 1, RW, IOSRV,
                                               NULL),
                     -ENXIO);
    /* -EACCES: an RMRR range. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 0x8008, RW, IOSRV,
                                               NULL),
                     -EACCES);
    /* -ENOSPC: a page order the IOMMU does not do. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 0, 0x200,
                                               RW | (9u
                                                     << PV_IOMMU_ORDER_SHIFT),
                                               IOSRV, NULL),
                     -ENOSPC);
    /* -EINVAL: reserved flag bits, or no access at all. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1, RW | (1u << 5),
                                               IOSRV, NULL),
                     -EINVAL);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1, 0, IOSRV, NULL),
                     -EINVAL);
    /* -EIO: past the IOMMU's width, or a BFN that maps something else. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1ULL << 20, RW,
                                               IOSRV, NULL),
                     -EIO);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 0x50, RW, IOSRV,
                                               NULL),
                     0);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 2, 0x50, RW, IOSRV,
                                               NULL),
                     -EIO);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 0x50, RW, IOSRV2,
                                               NULL),
                     -EIO);
    /* Unmap: someone else's, nothing there, unknown ioserver. */
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x50, IOSRV2), -EPERM);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x51, IOSRV), -ENXIO);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x50, 99), -ENODEV);

    /* An unprivileged caller controls only the domains it was given. */
    teardown();
    setup_cfg(&cfg);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1, RW, IOSRV,
                                               NULL),
                     -EPERM);
    pv_iommu_allow_domain(p, GUEST);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 1, 1, RW, IOSRV,
                                               NULL),
                     0);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, OTHER, 1, 2, RW, IOSRV,
                                               NULL),
                     -EPERM);
}
END_TEST

START_TEST(test_m2b_references)
{
    PVIOMMUStats st;
    uint64_t bfn;

    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 7, 0x100, RW, IOSRV,
                                               NULL),
                     0);
    /* The identical request adds no entry and no reference. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 7, 0x100, RW, IOSRV,
                                               NULL),
                     0);
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 7), 1);
    /* The same frame at another BFN, for another ioserver: a new entry. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 7, 0x101, RW, IOSRV2,
                                               NULL),
                     0);
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 7), 2);
    /* A lookup of a frame the ioserver mapped returns its BFN, no ref. */
    ck_assert_int_eq(pv_iommu_lookup_foreign_page(p, GUEST, 7, IOSRV, &bfn),
                     0);
    ck_assert_uint_eq(bfn, 0x100);
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 7), 2);
    /* A lookup of another frame: its 1:1 BFN, registered with a ref. */
    ck_assert_int_eq(pv_iommu_lookup_foreign_page(p, GUEST, 9, IOSRV, &bfn),
                     0);
    ck_assert_uint_eq(bfn, pv_iommu_domain_mfn(p, GUEST, 9));
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 9), 1);
    ck_assert_uint_eq(dev_wr(bfn, 0x99), MEMTX_OK);
    ck_assert_uint_eq(ram_at(9), 0x99);

    pv_iommu_get_stats(p, &st);
    ck_assert_uint_eq(st.m2b_entries, 3);
    ck_assert_uint_eq(st.frame_refs, 3);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x100, IOSRV), 0);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x101, IOSRV2), 0);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, bfn, IOSRV), 0);
    pv_iommu_get_stats(p, &st);
    ck_assert_uint_eq(st.m2b_entries, 0);
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 7), 0);
}
END_TEST

START_TEST(test_no_iommu_bfn_is_mfn)
{
    PVIOMMUConfig cfg = { .no_iommu = true };
    uint64_t bfn;

    teardown();
    setup_cfg(&cfg);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 2, 0x1234, RW, IOSRV,
                                               &bfn),
                     0);
    ck_assert_uint_eq(bfn, pv_iommu_domain_mfn(p, GUEST, 2));
    ck_assert_uint_eq(dev_wr(bfn, 0x77), MEMTX_OK);
    ck_assert_uint_eq(ram_at(2), 0x77);
}
END_TEST

START_TEST(test_balloon_out_while_mapped)
{
    PVIOMMUStats st;
    Invalidation *inv;

    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 10, 0x200, RW, IOSRV,
                                               NULL),
                     0);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 10, 0x300, RW, IOSRV2,
                                               NULL),
                     0);
    ck_assert_uint_eq(dev_wr(0x200, 0x1111), MEMTX_OK);

    ck_assert_int_eq(pv_iommu_balloon_out(p, GUEST, 10), 0);
    /* Every ioserver with an entry hears which BFN went stale. */
    ck_assert_uint_eq(invals->len, 2);
    inv = &g_array_index(invals, Invalidation, 0);
    ck_assert(inv[0].bfn != inv[1].bfn);
    ck_assert(inv[0].bfn == 0x200 || inv[0].bfn == 0x300);
    /* The guest cannot make our DMA fault, and nobody else gets the frame. */
    ck_assert_uint_eq(dev_wr(0x200, 0x2222), MEMTX_OK);
    ck_assert_uint_eq(ram_at(10), 0x2222);
    ck_assert_int_eq(pv_iommu_balloon_in(p, GUEST, 10), -EBUSY);
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 10, 0x201, RW, IOSRV,
                                               NULL),
                     -ENXIO);
    ck_assert_int_eq(pv_iommu_balloon_out(p, GUEST, 10), -EBUSY);

    /* The emulators unmap; the last one frees (and scrubs) the frame. */
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x200, IOSRV), 0);
    pv_iommu_get_stats(p, &st);
    ck_assert_uint_eq(st.frames_freed, 0);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x300, IOSRV2), 0);
    pv_iommu_get_stats(p, &st);
    ck_assert_uint_eq(st.frames_freed, 1);
    ck_assert_uint_eq(st.invalidations, 2);
    ck_assert_uint_eq(ram_at(10), 0);
    ck_assert_int_eq(pv_iommu_balloon_in(p, GUEST, 10), 0);
    ck_assert_int_eq(pv_iommu_balloon_in(p, GUEST, 10), -EEXIST);
}
END_TEST

START_TEST(test_balloon_out_swap_mfn)
{
    VFIOSimContainer *c = vfio_sim_container_new(0, 0);
    VFIOSimListener *l = vfio_sim_listener_new(c, &dev_as);
    PVIOMMUStats st;
    uint32_t v;

    /* A VFIO-style mirror follows the BFN space through its notifier. */
    ck_assert_int_eq(pv_iommu_map_foreign_page(p, GUEST, 12, 0x400,
                                               RW | PV_IOMMU_SWAP_MFN, IOSRV,
                                               NULL),
                     0);
    v = 0x5150;
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x400000 + 0x10, &v, 4, true), 0);
    ck_assert_uint_eq(ram_at(12), 0x5150);

    ck_assert_int_eq(pv_iommu_balloon_out(p, GUEST, 12), 0);
    /* Swapped to scratch: the reference went, the frame is free at once. */
    pv_iommu_get_stats(p, &st);
    ck_assert_uint_eq(st.swaps, 1);
    ck_assert_uint_eq(st.frames_freed, 1);
    ck_assert_uint_eq(pv_iommu_frame_refs(p, GUEST, 12), 0);
    ck_assert_uint_eq(invals->len, 1);
    ck_assert_int_eq(pv_iommu_balloon_in(p, GUEST, 12), 0);
    /* Late DMA, emulated or physical, lands in the scratch page. */
    ck_assert_uint_eq(dev_wr(0x400, 0xdead), MEMTX_OK);
    v = 0xbeef;
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x400000 + 0x10, &v, 4, true), 0);
    ck_assert_uint_eq(ram_at(12), 0);
    ck_assert_int_eq(pv_iommu_unmap_foreign_page(p, 0x400, IOSRV), 0);
    ck_assert_int_eq(vfio_sim_device_dma(c, 0x400000, &v, 4, true), -EFAULT);
    vfio_sim_listener_free(l);
    vfio_sim_container_free(c);
}
END_TEST

static Suite *pv_iommu_suite(void)
{
    Suite *s = suite_create("pv-iommu");
    TCase *tc = tcase_create("bfn");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_map_and_dma);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_m2b_references);
    tcase_add_test(tc, test_no_iommu_bfn_is_mfn);
    tcase_add_test(tc, test_balloon_out_while_mapped);
    tcase_add_test(tc, test_balloon_out_swap_mfn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(pv_iommu_suite());
}
