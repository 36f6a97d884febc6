/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtqueue at Xen grant addresses: the guest grants its rings and
 * buffers (consecutive refs, read-only where the device only reads, as
 * Linux's grant DMA ops do), the device negotiates ACCESS_PLATFORM and
 * reaches them through the grant region, against the emulated
 * hypervisor. The hypervisor then proves nothing stayed mapped: the
 * guest can end access to every ref.
 */
#include <inttypes.h>

#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-grant.h"
#include "iommu-test.h"
#include "vring-driver.h"

#define GUEST_DOMID 7
#define GUEST_PAGES 64
#define RING_GFN 4 /* two pages */
#define OUT_GFN 10
#define IN_GFN 12 /* two pages */

static XenEmu *emu;
static XenEmuDomain *dom;
static XenBackend *be;
static uint8_t *gram;
static MemoryRegion guest_ram, guest_root, *grants, dma_root;
static AddressSpace guest_as, dma_as;
static VringDriver drv;

static void xg_setup(void)
{
    GError *err = NULL;

    emu = xen_emu_new(&err);
    ck_assert_msg(emu, "%s", err ? err->message : "?");
    dom = xen_emu_domain_new(emu, GUEST_DOMID, GUEST_PAGES * XEN_PAGE_SIZE,
                             &err);
    ck_assert_msg(dom, "%s", err ? err->message : "?");
    be = xen_emu_backend_open(emu, 0, &err);
    ck_assert_msg(be, "%s", err ? err->message : "?");
    gram = xen_emu_domain_ram(dom);

    /* The guest's own view of its RAM, for the driver. */
    memory_region_init_ram_ptr(&guest_ram, NULL, "guest-ram",
                               GUEST_PAGES * XEN_PAGE_SIZE, gram);
    memory_region_init(&guest_root, NULL, "guest", UINT64_MAX);
    memory_region_add_subregion(&guest_root, 0, &guest_ram);
    address_space_init(&guest_as, &guest_root, "guest");

    /* The device's DMA view: grant addresses and nothing else. */
    grants = xen_grant_region_new(be, GUEST_DOMID, &err);
    ck_assert_msg(grants, "%s", err ? err->message : "?");
    memory_region_init(&dma_root, NULL, "grant-dma", UINT64_MAX);
    memory_region_add_subregion(&dma_root, XEN_GRANT_ADDR_OFF, grants);
    address_space_init(&dma_as, &dma_root, "grant-dma");
}

static int64_t grant_seq(uint64_t gfn, unsigned n, bool ro)
{
    uint64_t gfns[4];
    unsigned i;
    int64_t ref;

    for (i = 0; i < n; i++) {
        gfns[i] = gfn + i;
    }
    ref = xen_emu_grant_access_seq(dom, 0, gfns, n, ro);
    ck_assert_int_ge(ref, 0);
    return ref;
}

/* Grant two ring pages and set a queue's rings at their grant address. */
static int64_t grant_rings(VirtQueue *vq)
{
    int64_t ref;
    uint64_t ring;

    drv_init(&drv, &guest_as, 16, RING_GFN * XEN_PAGE_SIZE);
    ref = grant_seq(RING_GFN, 2, false);
    ring = xen_grant_addr(ref, 0);
    ck_assert_int_eq(virtqueue_set_rings(vq, ring, ring + 16 * 16,
                                         ring + XEN_PAGE_SIZE),
                     0);
    return ref;
}

static void end_all(int64_t ref, unsigned n, int want)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        ck_assert_int_eq(xen_emu_end_access(dom, ref + i), want);
    }
}

START_TEST(test_virtqueue_at_grant_addresses)
{
    VirtIOPlatform p = { .memory_as = &guest_as,
                         .dma_as = &dma_as,
                         .require_access_platform = true };
    uint64_t offered = virtio_platform_offer(&p, 0);
    VirtQueueConfig cfg = { .num = 16, .copy = _i };
    int64_t ring_ref, out_ref, in_ref;
    AddressSpace *as;
    VirtQueue *vq;
    uint32_t id, len;
    MemTxResult r;

    ck_assert_int_eq(virtio_platform_dma_as(&p, offered, offered, &as), 0);
    ck_assert_ptr_eq(as, &dma_as);
    vq = virtqueue_new(as, &cfg, NULL);

    ring_ref = grant_rings(vq);
    out_ref = grant_seq(OUT_GFN, 1, true);
    in_ref = grant_seq(IN_GFN, 2, false);

    memcpy(gram + OUT_GFN * XEN_PAGE_SIZE + 0x80, "through grants", 14);
    drv_desc(&drv, 0, xen_grant_addr(out_ref, 0x80), 14, VIRTQ_DESC_F_NEXT, 1);
    /* A writable buffer across two consecutive refs. */
    drv_desc(&drv, 1, xen_grant_addr(in_ref, 0xff8), 14, VIRTQ_DESC_F_WRITE,
             0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(echo_one(vq, &r), 1);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(len, 14);
    ck_assert_mem_eq(gram + IN_GFN * XEN_PAGE_SIZE + 0xff8, "through ", 8);
    ck_assert_mem_eq(gram + (IN_GFN + 1) * XEN_PAGE_SIZE, "grants", 6);

    /* Buffers are released with the request; the rings are held... */
    end_all(out_ref, 1, 0);
    end_all(in_ref, 2, 0);
    ck_assert_int_eq(xen_emu_end_access(dom, ring_ref), -EBUSY);
    /* ...until the queue goes. */
    virtqueue_free(vq);
    end_all(ring_ref, 2, 0);
}
END_TEST

START_TEST(test_readonly_grant_refuses_device_writes)
{
    VirtQueueConfig cfg = { .num = 16 };
    VirtQueue *vq = virtqueue_new(&dma_as, &cfg, NULL);
    VirtQueueElement *e;
    int64_t ring_ref, ro_ref;
    MemTxResult r;

    ring_ref = grant_rings(vq);
    ro_ref = grant_seq(OUT_GFN, 1, true);
    drv_desc(&drv, 0, xen_grant_addr(ro_ref, 0), 8, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, "nopenope", 8, &r), 0);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(gram[OUT_GFN * XEN_PAGE_SIZE], 0);
    virtqueue_push(vq, e, 0);
    virtqueue_free(vq);
    end_all(ro_ref, 1, 0);
    end_all(ring_ref, 2, 0);
}
END_TEST

START_TEST(test_hostile_chain_leaves_no_grant_mapped)
{
    VirtQueueConfig cfg = { .num = 16 };
    VirtQueue *vq = virtqueue_new(&dma_as, &cfg, NULL);
    VirtQueueElement *e;
    int64_t ring_ref, buf_ref;

    ring_ref = grant_rings(vq);
    buf_ref = grant_seq(OUT_GFN, 1, false);
    /* Each trip round the loop maps the granted buffer once more. */
    drv_desc(&drv, 3, xen_grant_addr(buf_ref, 0), 64, VIRTQ_DESC_F_NEXT, 4);
    drv_desc(&drv, 4, xen_grant_addr(buf_ref, 64), 64, VIRTQ_DESC_F_NEXT, 3);
    drv_kick(&drv, 3);
    ck_assert_int_eq(virtqueue_pop(vq, &e), -ELOOP);
    end_all(buf_ref, 1, 0);
    virtqueue_free(vq);
    end_all(ring_ref, 2, 0);
}
END_TEST

static void xg_teardown(void)
{
    address_space_destroy(&dma_as);
    memory_region_del_subregion(&dma_root, grants);
    xen_grant_region_free(grants);
    xen_backend_close(be);
    xen_emu_free(emu);
}

static Suite *xen_grant_suite(void)
{
    Suite *s = suite_create("virtio-xen-grant");
    TCase *tc = tcase_create("grants");

    tcase_add_checked_fixture(tc, xg_setup, xg_teardown);
    tcase_add_loop_test(tc, test_virtqueue_at_grant_addresses, 0, 2);
    tcase_add_test(tc, test_readonly_grant_refuses_device_writes);
    tcase_add_test(tc, test_hostile_chain_leaves_no_grant_mapped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(xen_grant_suite());
}
