/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio with and without VIRTIO_F_ACCESS_PLATFORM: the decision, a queue
 * that bypasses the IOMMU, a queue through it (rings spanning IOMMU
 * pages, scattered backing, permissions), a queue over a map-on-demand
 * region standing in for grants, and a confidential guest whose private
 * memory devices must not reach.
 */
#include <inttypes.h>
#include "iommu-test.h"
#include "vring-driver.h"
#include "fake-grants.h"

#define RING_GPA 0x100000ULL
#define BUF_GPA 0x200000ULL
#define IOVA 0x40000000ULL

static VringDriver drv;

static VirtQueue *queue_on(AddressSpace *dma_as, unsigned num, bool copy)
{
    VirtQueueConfig cfg = { .num = num, .copy = copy };
    VirtQueue *vq = virtqueue_new(dma_as, &cfg, NULL);

    ck_assert_ptr_nonnull(vq);
    return vq;
}

/* ---- the decision ------------------------------------------------------- */

START_TEST(test_decision)
{
    static AddressSpace mem_as, dma_as;
    VirtIOPlatform plain = { .memory_as = &mem_as };
    VirtIOPlatform iommu = { .memory_as = &mem_as, .dma_as = &dma_as };
    VirtIOPlatform cc = { .memory_as = &mem_as,
                          .dma_as = &dma_as,
                          .require_access_platform = true };
    uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
    uint64_t ap = VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
    uint64_t offered;
    AddressSpace *as;

    ck_assert_uint_eq(virtio_platform_offer(&plain, 1), 1);
    offered = virtio_platform_offer(&iommu, 1);
    ck_assert_uint_eq(offered, 1 | v1 | ap);

    /* Not accepted: guest-physical, bypassing the IOMMU. */
    ck_assert_int_eq(virtio_platform_dma_as(&iommu, offered, v1, &as), 0);
    ck_assert_ptr_eq(as, &mem_as);
    /* Accepted: the platform's DMA space. */
    ck_assert_int_eq(virtio_platform_dma_as(&iommu, offered, v1 | ap, &as), 0);
    ck_assert_ptr_eq(as, &dma_as);
    /* Accepted with nothing in front of memory: still memory. */
    ck_assert_int_eq(virtio_platform_dma_as(&plain, v1 | ap, v1 | ap, &as), 0);
    ck_assert_ptr_eq(as, &mem_as);

    /* Hostile or confused drivers. */
    ck_assert_int_eq(virtio_platform_dma_as(&plain, 1, 1 | ap | v1, &as),
                     -EINVAL);
    ck_assert_ptr_null(as);
    ck_assert_int_eq(virtio_platform_dma_as(&iommu, offered, ap, &as),
                     -EINVAL);
    /* A platform that cannot work by bypass refuses the driver. */
    ck_assert_int_eq(virtio_platform_dma_as(&cc, offered, v1, &as), -EPERM);
    ck_assert_ptr_null(as);
    ck_assert_int_eq(virtio_platform_dma_as(&cc, offered, v1 | ap, &as), 0);
    ck_assert_ptr_eq(as, &dma_as);
}
END_TEST

/* ---- through the soft IOMMU, or around it -------------------------------- */

START_TEST(test_without_access_platform_bypasses_iommu)
{
    VirtIOPlatform p = { .memory_as = &m.cpu_as, .dma_as = m.dev_as };
    uint64_t offered = virtio_platform_offer(&p, 0);
    SoftIOMMUStats st;
    AddressSpace *as;
    VirtQueue *vq;
    uint32_t id, len;

    /* The IOMMU is on and maps nothing at all. */
    machine_translate();
    ck_assert_int_eq(virtio_platform_dma_as(&p, offered,
                                            VIRTIO_BIT(VIRTIO_F_VERSION_1),
                                            &as),
                     0);
    vq = queue_on(as, 16, false);
    drv_init(&drv, &m.cpu_as, 16, RING_GPA);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    memcpy(m.ram_ptr + BUF_GPA, "legacy", 6);
    drv_desc(&drv, 0, BUF_GPA, 6, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, BUF_GPA + 0x100, 6, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(echo_one(vq, NULL), 1);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_mem_eq(m.ram_ptr + BUF_GPA + 0x100, "legacy", 6);
    soft_iommu_get_stats(m.iommu, &st);
    ck_assert_uint_eq(st.faults[0], 0);
    virtqueue_free(vq);

    /* The same guest-physical rings through the IOMMU go nowhere. */
    vq = queue_on(m.dev_as, 16, false);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     -EFAULT);
    soft_iommu_get_stats(m.iommu, &st);
    ck_assert_uint_gt(st.faults[SOFT_IOMMU_FAULT_NOT_PRESENT], 0);
    virtqueue_free(vq);
}
END_TEST

/* IOVA page i of the ring window lives at a scattered guest page. */
static hwaddr scattered(unsigned i)
{
    return RING_GPA + ((i * 7) % 16) * 0x1000ULL;
}

START_TEST(test_with_access_platform_through_iommu)
{
    bool copy = _i;
    VirtQueue *vq = queue_on(m.dev_as, 1024, copy);
    VirtQueueElement *e;
    uint8_t out[0x1800];
    MemTxResult r;
    uint32_t id, len;
    unsigned i;

    machine_translate();
    /* 1024 entries: a 16 KiB table over four IOMMU pages, and more. */
    for (i = 0; i < 16; i++) {
        guest_map(IOVA + i * 0x1000ULL, scattered(i), 0x1000, IOMMU_RW);
    }
    guest_map(IOVA + 0x100000, BUF_GPA + 0x5000, 0x1000, IOMMU_RO);
    guest_map(IOVA + 0x101000, BUF_GPA + 0x1000, 0x1000, IOMMU_RO);
    guest_map(IOVA + 0x200000, BUF_GPA + 0x9000, 0x1000, IOMMU_RW);
    guest_map(IOVA + 0x300000, BUF_GPA + 0xa000, 0x1000, IOMMU_RO);

    /* The driver writes through the IOVAs too, to follow the scatter. */
    drv_init(&drv, m.dev_as, 1024, IOVA);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    for (i = 0; i < sizeof(out); i++) {
        out[i] = i * 3;
    }
    memcpy(m.ram_ptr + BUF_GPA + 0x5800, out, 0x800);
    memcpy(m.ram_ptr + BUF_GPA + 0x1000, out + 0x800, 0x1000);
    /* Descriptor 1000 sits in the fourth IOMMU page of the table. */
    drv_desc(&drv, 1000, IOVA + 0x100800, 0x1800, VIRTQ_DESC_F_NEXT, 3);
    drv_desc(&drv, 3, IOVA + 0x200000, 0x1000, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 1000);

    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    if (!copy) {
        /* One buffer, two IOMMU pages, two unrelated guest pages. */
        ck_assert_uint_eq(e->out_num, 2);
        ck_assert_ptr_eq(e->out_sg[0].iov_base, m.ram_ptr + BUF_GPA + 0x5800);
        ck_assert_ptr_eq(e->out_sg[1].iov_base, m.ram_ptr + BUF_GPA + 0x1000);
    }
    memset(out, 0, sizeof(out));
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 0, out, 0x1800, &r), 0x1800);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(out[0x17ff], (uint8_t)(0x17ff * 3));
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, out, 0x1000, &r), 0x1000);
    virtqueue_push(vq, e, 0x1000);
    ck_assert_mem_eq(m.ram_ptr + BUF_GPA + 0x9000, out, 0x1000);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 1000);

    /* A device-writable descriptor over a read-only IOVA: refused. */
    drv_desc(&drv, 4, IOVA + 0x300000, 16, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 4);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, out, 16, &r), 0);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(m.ram_ptr[BUF_GPA + 0xa000], 0);
    virtqueue_push(vq, e, 0);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_rings_unmapped_by_guest)
{
    VirtQueue *vq = queue_on(m.dev_as, 16, false);
    VirtQueueElement *e;

    machine_translate();
    guest_map(IOVA, RING_GPA, 0x2000, IOMMU_RW);
    guest_map(IOVA + 0x100000, BUF_GPA, 0x1000, IOMMU_RW);
    drv_init(&drv, m.dev_as, 16, IOVA);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    drv_desc(&drv, 0, IOVA + 0x100000, 16, 0, 0);
    drv_kick(&drv, 0);
    /* The guest takes the rings away; the device hears and refreshes. */
    guest_unmap(IOVA, 0x2000);
    ck_assert_int_eq(virtqueue_refresh_rings(vq), -EFAULT);
    ck_assert(virtqueue_is_broken(vq));
    ck_assert_int_eq(virtqueue_pop(vq, &e), -EIO);
    virtqueue_free(vq);
}
END_TEST

/* ---- a map-on-demand region standing in for grants ----------------------- */

static FakeGrants fg;
static MemoryRegion grant_root;
static AddressSpace grant_as;

static void grant_setup(void)
{
    machine_setup();
    fake_grants_init(&fg, m.ram_ptr);
    memory_region_init(&grant_root, NULL, "grant-dma", UINT64_MAX);
    memory_region_add_subregion(&grant_root, GRANT_BASE, &fg.mr);
    address_space_init(&grant_as, &grant_root, "grant-dma");
}

static uint64_t grant(unsigned ref, hwaddr gpa, bool ro)
{
    return fake_grant(&fg, ref, gpa, ro);
}

START_TEST(test_grant_addresses)
{
    VirtIOPlatform p = { .memory_as = &m.cpu_as,
                         .dma_as = &grant_as,
                         .require_access_platform = true };
    uint64_t v1ap = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
                    VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
    uint64_t rings, out, in;
    AddressSpace *as;
    VirtQueue *vq;
    uint32_t id, len;
    int ring_maps;

    ck_assert_int_eq(virtio_platform_dma_as(&p, v1ap, v1ap, &as), 0);
    ck_assert_ptr_eq(as, &grant_as);
    vq = queue_on(as, 16, _i);
    /* The guest grants its ring pages under consecutive refs. */
    drv_init(&drv, &m.cpu_as, 16, RING_GPA);
    rings = grant(8, RING_GPA, false);
    grant(9, RING_GPA + 0x1000, false);
    out = grant(20, BUF_GPA, true);
    in = grant(21, BUF_GPA + 0x1000, false);
    ck_assert_int_eq(virtqueue_set_rings(vq, rings, rings + 16 * 16,
                                         rings + (drv.used - RING_GPA)),
                     0);
    ring_maps = fg.live;
    ck_assert_int_gt(ring_maps, 0);

    memcpy(m.ram_ptr + BUF_GPA + 0x10, "granted", 7);
    drv_desc(&drv, 0, out + 0x10, 7, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, in, 7, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(echo_one(vq, NULL), 1);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(len, 7);
    ck_assert_mem_eq(m.ram_ptr + BUF_GPA + 0x1000, "granted", 7);
    /* Buffers were mapped for the request only; the rings stay. */
    ck_assert_int_eq(fg.live, ring_maps);

    /* A loop through granted memory leaks no grant mapping either. */
    drv_desc(&drv, 2, out, 16, VIRTQ_DESC_F_NEXT, 2);
    drv_kick(&drv, 2);
    ck_assert_int_eq(echo_one(vq, NULL), -ELOOP);
    ck_assert_int_eq(fg.live, ring_maps);
    virtqueue_free(vq);
    ck_assert_int_eq(fg.live, 0);
}
END_TEST

START_TEST(test_grant_readonly_and_ungranted)
{
    VirtQueue *vq = queue_on(&grant_as, 16, false);
    VirtQueueElement *e;
    uint64_t rings, ro;
    MemTxResult r;

    drv_init(&drv, &m.cpu_as, 16, RING_GPA);
    rings = grant(8, RING_GPA, false);
    grant(9, RING_GPA + 0x1000, false);
    ro = grant(30, BUF_GPA, true);
    ck_assert_int_eq(virtqueue_set_rings(vq, rings, rings + 16 * 16,
                                         rings + (drv.used - RING_GPA)),
                     0);
    /* Device-writable, but granted read-only; and a ref never granted. */
    drv_desc(&drv, 0, ro, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, GRANT_BASE | (40ULL << 12), 8, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_ptr_null(e->in_sg[0].iov_base);
    ck_assert_ptr_null(e->in_sg[1].iov_base);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, "12345678", 8, &r), 0);
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert_uint_eq(m.ram_ptr[BUF_GPA], 0);
    virtqueue_push(vq, e, 0);
    virtqueue_free(vq);
    ck_assert_int_eq(fg.live, 0);
}
END_TEST

/* ---- a confidential guest ------------------------------------------------ */

#define SHARED_BASE 0x2000000ULL /* [32 MiB, 64 MiB) is shared */

static MemoryRegion cc_sys, cc_private, cc_shared;
static AddressSpace cc_as;
static uint8_t *priv, *shared;

static void cc_setup(void)
{
    memory_region_init(&cc_sys, NULL, "cc-system", UINT64_MAX);
    unit_ram(&cc_private, "private", SHARED_BASE);
    unit_ram(&cc_shared, "shared", SHARED_BASE);
    memory_region_set_private(&cc_private, true);
    memory_region_add_subregion(&cc_sys, 0, &cc_private);
    memory_region_add_subregion(&cc_sys, SHARED_BASE, &cc_shared);
    priv = memory_region_get_ram_ptr(&cc_private);
    shared = memory_region_get_ram_ptr(&cc_shared);
    address_space_init(&cc_as, &cc_sys, "cc");
}

START_TEST(test_private_versus_shared_dma)
{
    MemTxAttrs cpu = { .private_mem = 1 };
    uint8_t b = 0x11;

    /* The guest's CPUs reach both. */
    ck_assert_uint_eq(address_space_write(&cc_as, 0x1000, cpu, &b, 1),
                      MEMTX_OK);
    ck_assert_uint_eq(priv[0x1000], 0x11);
    /* A device reaches only what is shared. */
    b = 0x22;
    ck_assert_uint_eq(address_space_write(&cc_as, 0x1000, ATTRS, &b, 1),
                      MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(priv[0x1000], 0x11);
    ck_assert_uint_eq(address_space_read(&cc_as, 0x1000, ATTRS, &b, 1),
                      MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(b, 0);
    ck_assert_uint_eq(address_space_write(&cc_as, SHARED_BASE, ATTRS, &b, 1),
                      MEMTX_OK);
    ck_assert(!address_space_access_valid(&cc_as, 0x1000, 1, false, ATTRS));
    /* Maps of private memory fail; there is nothing to bounce through. */
    {
        hwaddr len = 0x1000;

        ck_assert_ptr_null(address_space_map(&cc_as, 0, &len, false, ATTRS));
        ck_assert_uint_eq(len, 0);
    }
    /* Converting memory to shared makes it reachable. */
    memory_region_set_private(&cc_private, false);
    ck_assert_uint_eq(address_space_write(&cc_as, 0x1000, ATTRS, &b, 1),
                      MEMTX_OK);
}
END_TEST

START_TEST(test_confidential_virtqueue)
{
    VirtIOPlatform p = { .memory_as = &cc_as,
                         .dma_as = &cc_as,
                         .require_access_platform = true };
    uint64_t offered = virtio_platform_offer(&p, 0);
    hwaddr ring = SHARED_BASE + 0x100000, buf = SHARED_BASE + 0x200000;
    VirtQueueElement *e;
    AddressSpace *as;
    VirtQueue *vq;
    uint8_t data[8];
    MemTxResult r;

    /* An old driver that would hand out private addresses is refused. */
    ck_assert_int_eq(virtio_platform_dma_as(&p, offered,
                                            VIRTIO_BIT(VIRTIO_F_VERSION_1),
                                            &as),
                     -EPERM);
    ck_assert_int_eq(virtio_platform_dma_as(&p, offered, offered, &as), 0);
    vq = queue_on(as, 16, false);

    /* Rings in private memory cannot be set up. */
    ck_assert_int_eq(virtqueue_set_rings(vq, 0x100000, 0x100100, 0x101000),
                     -EFAULT);

    /* Rings and bounce buffers in shared memory work (swiotlb). */
    drv_init(&drv, &cc_as, 16, ring);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    memcpy(shared + 0x200000, "shared!", 8);
    memcpy(priv + 0x300000, "secret!", 8);
    drv_desc(&drv, 0, buf, 8, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, 0x300000, 8, VIRTQ_DESC_F_NEXT, 2); /* private */
    drv_desc(&drv, 2, buf + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 0, data, 8, &r), 8);
    ck_assert_mem_eq(data, "shared!", 8);
    /* The private part never reaches the device. */
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 8, data, 8, &r), 0);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert(memcmp(data, "secret!", 8) != 0);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, "reply", 5, &r), 5);
    virtqueue_push(vq, e, 5);
    ck_assert_mem_eq(shared + 0x200100, "reply", 5);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_confidential_through_iommu)
{
    static MemoryRegion secret;
    uint8_t *sp;
    MemTxResult r;

    /* An IOMMU mapping to private memory does not make it reachable. */
    unit_ram(&secret, "secret", 0x100000);
    sp = memory_region_get_ram_ptr(&secret);
    memory_region_set_private(&secret, true);
    memory_region_add_subregion(&m.sys, 0x8000000, &secret);
    machine_translate();
    guest_map(IOVA, 0x8000000, 0x1000, IOMMU_RW);
    guest_map(IOVA + 0x1000, 0x5000, 0x1000, IOMMU_RW);
    address_space_stb(m.dev_as, IOVA, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_ACCESS_ERROR);
    ck_assert_uint_eq(sp[0], 0);
    address_space_stb(m.dev_as, IOVA + 0x1000, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    memory_region_del_subregion(&m.sys, &secret);
    /* Flat views drop their references later; wait before the stack goes. */
    memory_region_finalize(&secret);
}
END_TEST

static Suite *platform_suite(void)
{
    Suite *s = suite_create("virtio-platform");
    TCase *tc = tcase_create("iommu");
    TCase *tg = tcase_create("grants");
    TCase *tp = tcase_create("confidential");

    tcase_add_test(tc, test_decision);
    tcase_add_checked_fixture(tc, machine_setup, NULL);
    tcase_add_test(tc, test_without_access_platform_bypasses_iommu);
    tcase_add_loop_test(tc, test_with_access_platform_through_iommu, 0, 2);
    tcase_add_test(tc, test_rings_unmapped_by_guest);
    tcase_add_test(tc, test_confidential_through_iommu);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(tg, grant_setup, NULL);
    tcase_add_loop_test(tg, test_grant_addresses, 0, 2);
    tcase_add_test(tg, test_grant_readonly_and_ungranted);
    suite_add_tcase(s, tg);

    tcase_add_checked_fixture(tp, cc_setup, NULL);
    tcase_add_test(tp, test_private_versus_shared_dma);
    tcase_add_test(tp, test_confidential_virtqueue);
    suite_add_tcase(s, tp);
    return s;
}

int main(void)
{
    return unit_run(platform_suite());
}
