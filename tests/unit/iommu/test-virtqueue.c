/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The split-ring virtqueue over plain guest RAM: chains, indirect tables,
 * map and copy modes, batching, index wrap, notifications with and
 * without EVENT_IDX, rings cut across regions, and buffers in MMIO.
 */
#include <inttypes.h>
#include "iommu-test.h"
#include "vring-driver.h"

#define RING 0x100000ULL
#define BUF 0x200000ULL

static MemoryRegion sys, ram_lo, ram_hi;
static AddressSpace as;
static uint8_t *lo, *hi;
static VringDriver drv;

/* Guest RAM in two regions, [0, 1 MiB) and [1 MiB, 4 MiB). */
static void vq_setup(void)
{
    memory_region_init(&sys, NULL, "system", UINT64_MAX);
    unit_ram(&ram_lo, "ram-lo", 0x100000);
    unit_ram(&ram_hi, "ram-hi", 0x300000);
    memory_region_add_subregion(&sys, 0, &ram_lo);
    memory_region_add_subregion(&sys, 0x100000, &ram_hi);
    lo = memory_region_get_ram_ptr(&ram_lo);
    hi = memory_region_get_ram_ptr(&ram_hi);
    address_space_init(&as, &sys, "guest");
}

static uint8_t *gpa(hwaddr a)
{
    return a < 0x100000 ? lo + a : hi + (a - 0x100000);
}

static VirtQueue *vq_make(unsigned num, uint64_t features, bool copy)
{
    VirtQueueConfig cfg = { .num = num, .features = features, .copy = copy };
    GError *err = NULL;
    VirtQueue *vq = virtqueue_new(&as, &cfg, &err);

    ck_assert_msg(vq, "%s", err ? err->message : "?");
    drv_init(&drv, &as, num, RING);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    return vq;
}

static void assert_no_mappings(void)
{
    AddressSpaceStats st;

    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
}

START_TEST(test_echo_chain)
{
    bool copy = _i;
    VirtQueue *vq = vq_make(8, 0, copy);
    VirtQueueElement *e;
    uint32_t id, len;
    uint8_t buf[16];

    memcpy(gpa(BUF), "hello, ", 7);
    memcpy(gpa(BUF + 0x1000), "world", 5);
    drv_desc(&drv, 3, BUF, 7, VIRTQ_DESC_F_NEXT, 5);
    drv_desc(&drv, 5, BUF + 0x1000, 5, VIRTQ_DESC_F_NEXT, 0);
    drv_desc(&drv, 0, BUF + 0x2000, 64, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 3);

    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(e->index, 3);
    ck_assert_uint_eq(e->out_num, 2);
    ck_assert_uint_eq(e->in_num, 1);
    ck_assert_uint_eq(e->out_len, 12);
    ck_assert_uint_eq(e->in_len, 64);
    ck_assert_uint_eq(e->out_addr[1], BUF + 0x1000);
    if (copy) {
        ck_assert_ptr_null(e->out_sg[0].iov_base);
    } else {
        /* Mapped straight onto guest RAM. */
        ck_assert_ptr_eq(e->out_sg[0].iov_base, gpa(BUF));
        ck_assert_ptr_eq(e->in_sg[0].iov_base, gpa(BUF + 0x2000));
    }
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 0, buf, 16, NULL), 12);
    ck_assert_mem_eq(buf, "hello, world", 12);
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 5, buf, 4, NULL), 4);
    ck_assert_mem_eq(buf, ", wo", 4);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, "HELLO", 5, NULL), 5);
    virtqueue_push(vq, e, 5);

    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 3);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(gpa(BUF + 0x2000), "HELLO", 5);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 0);
    assert_no_mappings();
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_indirect)
{
    VirtQueue *vq = vq_make(4, VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC), _i);
    hwaddr table = BUF + 0x8000;
    MemTxResult r;
    uint32_t id, len;

    memcpy(gpa(BUF), "abcdef", 6);
    /* A normal descriptor, then a single indirect one ends the chain. */
    drv_desc(&drv, 1, BUF, 2, VIRTQ_DESC_F_NEXT, 2);
    drv_desc(&drv, 2, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    drv_desc_at(&drv, table, 0, BUF + 2, 4, VIRTQ_DESC_F_NEXT, 2);
    drv_desc_at(&drv, table, 2, BUF + 0x100, 3,
                VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    drv_desc_at(&drv, table, 1, BUF + 0x200, 3, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 1);

    ck_assert_int_eq(echo_one(vq, &r), 1);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 1);
    ck_assert_uint_eq(len, 6);
    ck_assert_mem_eq(gpa(BUF + 0x100), "abc", 3);
    ck_assert_mem_eq(gpa(BUF + 0x200), "def", 3);
    assert_no_mappings();
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_batched_out_of_order)
{
    VirtQueue *vq = vq_make(4, 0, false);
    VirtQueueElement *a, *b;
    uint32_t id, len;

    drv_desc(&drv, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
    drv_desc(&drv, 1, BUF + 8, 8, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    drv_kick(&drv, 1);
    ck_assert_int_eq(virtqueue_pop(vq, &a), 1);
    ck_assert_int_eq(virtqueue_pop(vq, &b), 1);
    /* Completed in the other order, published together. */
    virtqueue_fill(vq, b, 2, 0);
    virtqueue_fill(vq, a, 100, 1); /* clipped to 8 */
    ck_assert(!drv_used(&drv, &id, &len));
    virtqueue_flush(vq, 2);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 1);
    ck_assert_uint_eq(len, 2);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 8);
    assert_no_mappings();
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_unpop)
{
    VirtQueue *vq = vq_make(4, 0, false);
    VirtQueueElement *e;

    drv_desc(&drv, 2, BUF, 8, 0, 0);
    drv_kick(&drv, 2);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    virtqueue_unpop(vq, e);
    assert_no_mappings();
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(e->index, 2);
    virtqueue_elem_free(e);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 0);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_index_wrap)
{
    VirtQueue *vq = vq_make(2, 0, false);
    uint32_t id, len, i;

    memcpy(gpa(BUF), "x", 1);
    drv_desc(&drv, 0, BUF, 1, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, BUF + 1, 1, VIRTQ_DESC_F_WRITE, 0);
    /* Past 65535 the 16-bit indices wrap; nothing may notice. */
    for (i = 0; i < 70000; i++) {
        drv_kick(&drv, 0);
        ck_assert_int_eq(echo_one(vq, NULL), 1);
        ck_assert(drv_used(&drv, &id, &len));
        ck_assert_uint_eq(len, 1);
    }
    ck_assert_uint_eq(drv_lduw(&drv, drv.used + 2), 70000 & 0xffff);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_zero_length_buffers_skipped)
{
    VirtQueue *vq = vq_make(4, 0, false);
    VirtQueueElement *e;

    drv_desc(&drv, 0, BUF, 0, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, 0xdead0000ULL, 0, VIRTQ_DESC_F_NEXT, 2);
    drv_desc(&drv, 2, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(e->out_num, 0);
    ck_assert_uint_eq(e->in_num, 1);
    virtqueue_push(vq, e, 0);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_notifications_flags)
{
    VirtQueue *vq = vq_make(4, 0, false);

    drv_desc(&drv, 0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(echo_one(vq, NULL), 1);
    ck_assert(virtqueue_should_notify(vq));
    drv_stw(&drv, drv.avail, VIRTQ_AVAIL_F_NO_INTERRUPT);
    drv_kick(&drv, 0);
    ck_assert_int_eq(echo_one(vq, NULL), 1);
    ck_assert(!virtqueue_should_notify(vq));

    virtqueue_set_notification(vq, false);
    ck_assert_uint_eq(drv_lduw(&drv, drv.used), VIRTQ_USED_F_NO_NOTIFY);
    virtqueue_set_notification(vq, true);
    ck_assert_uint_eq(drv_lduw(&drv, drv.used), 0);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_notifications_event_idx)
{
    VirtQueue *vq = vq_make(8, VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX), false);
    hwaddr used_event = drv.avail + 4 + 2 * 8;
    hwaddr avail_event = drv.used + 4 + 8 * 8;
    unsigned i;

    drv_desc(&drv, 0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
    /* The driver wants an interrupt once used idx passes 2. */
    drv_stw(&drv, used_event, 2);
    for (i = 0; i < 4; i++) {
        drv_kick(&drv, 0);
        ck_assert_int_eq(echo_one(vq, NULL), 1);
        /* Pop tells the driver which avail index to kick at. */
        ck_assert_uint_eq(drv_lduw(&drv, avail_event), i + 1);
        /* used idx is now i + 1; need_event(2, i+1, i) only for i == 2 */
        ck_assert_int_eq(virtqueue_should_notify(vq), i == 0 || i == 2);
    }
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_ring_across_regions)
{
    VirtQueueConfig cfg = { .num = 256 };
    VirtQueue *vq = virtqueue_new(&as, &cfg, NULL);
    uint32_t id, len;

    /* The descriptor table straddles the two RAM regions at 1 MiB. */
    drv_init(&drv, &as, 256, 0x100000 - 0x800);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    memcpy(gpa(BUF), "zz", 2);
    drv_desc(&drv, 127, BUF, 2, VIRTQ_DESC_F_NEXT, 128); /* below */
    drv_desc(&drv, 128, BUF + 4, 2, VIRTQ_DESC_F_WRITE, 0); /* above */
    drv_kick(&drv, 127);
    ck_assert_int_eq(echo_one(vq, NULL), 1);
    ck_assert(drv_used(&drv, &id, &len));
    ck_assert_uint_eq(id, 127);
    ck_assert_mem_eq(gpa(BUF + 4), "zz", 2);
    virtqueue_free(vq);
}
END_TEST

START_TEST(test_set_rings_errors)
{
    VirtQueueConfig cfg = { .num = 16 };
    VirtQueue *vq = virtqueue_new(&as, &cfg, NULL);
    VirtQueueElement *e;
    GError *err = NULL;

    ck_assert_int_eq(virtqueue_set_rings(vq, RING + 8, RING + 0x1000,
                                         RING + 0x2000),
                     -EINVAL);
    ck_assert_int_eq(virtqueue_set_rings(vq, RING, RING + 0x1001,
                                         RING + 0x2000),
                     -EINVAL);
    ck_assert_int_eq(virtqueue_set_rings(vq, RING, RING + 0x1000,
                                         RING + 0x2002),
                     -EINVAL);
    /* Past the end of RAM. */
    ck_assert_int_eq(virtqueue_set_rings(vq, RING, RING + 0x1000, 0x3ffffcULL),
                     -EFAULT);
    ck_assert_int_eq(virtqueue_set_rings(vq, 0xfffffffffffff000ULL, RING,
                                         RING + 0x1000),
                     -EFAULT);
    /* No rings: a kick finds nothing. */
    ck_assert_int_eq(virtqueue_pop(vq, &e), 0);
    virtqueue_free(vq);

    cfg.num = 3;
    ck_assert_ptr_null(virtqueue_new(&as, &cfg, &err));
    ck_assert(err);
    g_clear_error(&err);
    cfg.num = 65536;
    ck_assert_ptr_null(virtqueue_new(&as, &cfg, NULL));
}
END_TEST

/* ---- buffers in MMIO: bounce, then copy ---------------------------------- */

static uint8_t mmio_mem[0x4000];

static uint64_t mmio_rd(void *opaque, hwaddr addr, unsigned size)
{
    return mmio_mem[addr];
}

static void mmio_wr(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    mmio_mem[addr] = v;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_rd,
    .write = mmio_wr,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

START_TEST(test_mmio_buffer_bounce_then_copy)
{
    VirtQueue *vq = vq_make(4, 0, false);
    static MemoryRegion mmio;
    VirtQueueElement *e;
    uint8_t *data = g_malloc(0x3000);
    MemTxResult r;

    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio-buf", 0x4000);
    memory_region_add_subregion(&sys, 0x40000000, &mmio);
    drv_desc(&drv, 0, 0x40000000, 0x3000, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    /* The 4 KiB bounce budget maps the first part; the rest is copied. */
    ck_assert_uint_eq(e->in_num, 2);
    ck_assert_ptr_nonnull(e->in_sg[0].iov_base);
    ck_assert_uint_eq(e->in_sg[0].iov_len, 0x1000);
    ck_assert_ptr_null(e->in_sg[1].iov_base);
    ck_assert_uint_eq(e->in_addr[1], 0x40001000);
    memset(data, 0x5e, 0x3000);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, data, 0x3000, &r), 0x3000);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(mmio_mem[0x2fff], 0x5e);
    ck_assert_uint_eq(mmio_mem[0x0fff], 0); /* bounced: not yet */
    virtqueue_push(vq, e, 0x3000);
    ck_assert_uint_eq(mmio_mem[0x0fff], 0x5e); /* written back at push */
    assert_no_mappings();
    virtqueue_free(vq);
    memory_region_del_subregion(&sys, &mmio);
    memory_region_finalize(&mmio);
    g_free(data);
}
END_TEST

static Suite *virtqueue_suite(void)
{
    Suite *s = suite_create("virtqueue");
    TCase *tc = tcase_create("ram");

    tcase_add_checked_fixture(tc, vq_setup, NULL);
    tcase_add_loop_test(tc, test_echo_chain, 0, 2);
    tcase_add_loop_test(tc, test_indirect, 0, 2);
    tcase_add_test(tc, test_batched_out_of_order);
    tcase_add_test(tc, test_unpop);
    tcase_add_test(tc, test_index_wrap);
    tcase_add_test(tc, test_zero_length_buffers_skipped);
    tcase_add_test(tc, test_notifications_flags);
    tcase_add_test(tc, test_notifications_event_idx);
    tcase_add_test(tc, test_ring_across_regions);
    tcase_add_test(tc, test_set_rings_errors);
    tcase_add_test(tc, test_mmio_buffer_bounce_then_copy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(virtqueue_suite());
}
