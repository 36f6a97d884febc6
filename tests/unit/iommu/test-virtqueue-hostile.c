/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hostile driver against the virtqueue: loops, indices out of range,
 * huge and wrapping lengths, indirect tables inside indirect tables and
 * every other malformed chain; then random garbage. Each must end in a
 * clear error code, a broken queue and no mapping left behind.
 */
#include <inttypes.h>
#include "iommu-test.h"
#include "vring-driver.h"

#define RING 0x100000ULL
#define BUF 0x200000ULL
#define TABLE 0x300000ULL
#define NUM 8

static VringDriver drv;
static VirtQueue *vq;
static AddressSpace *as;
static int ring_holds; /* RAM holds of the ring caches alone */

static void make_queue(AddressSpace *dma_as, unsigned max_sg, bool copy)
{
    VirtQueueConfig cfg = {
        .num = NUM,
        .max_sg = max_sg,
        .copy = copy,
        .features = VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC),
    };

    as = dma_as;
    vq = virtqueue_new(dma_as, &cfg, NULL);
    ck_assert_ptr_nonnull(vq);
    drv_init(&drv, &m.cpu_as, NUM, RING);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    ring_holds = memory_region_outstanding_maps(&m.ram);
}

static void hostile_setup(void)
{
    machine_setup();
    make_queue(&m.cpu_as, 0, false);
}

static void assert_no_mappings(void)
{
    AddressSpaceStats st;

    address_space_get_stats(as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), ring_holds);
}

/* Pop must fail with @err, break the queue, and leave nothing mapped. */
static void expect_broken(int err)
{
    VirtQueueElement *e = (VirtQueueElement *)1;

    ck_assert_int_eq(virtqueue_pop(vq, &e), err);
    ck_assert_ptr_null(e);
    ck_assert(virtqueue_is_broken(vq));
    ck_assert_ptr_nonnull(virtqueue_broken_reason(vq));
    ck_assert_int_eq(virtqueue_pop(vq, &e), -EIO);
    assert_no_mappings();
}

START_TEST(test_loop_two)
{
    drv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    drv_kick(&drv, 0);
    expect_broken(-ELOOP);
    ck_assert(strstr(virtqueue_broken_reason(vq), "loop"));
}
END_TEST

START_TEST(test_loop_self)
{
    drv_desc(&drv, 5, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
    drv_kick(&drv, 5);
    expect_broken(-ELOOP);
}
END_TEST

START_TEST(test_full_length_chain_is_fine)
{
    VirtQueueElement *e;
    unsigned i;

    /* A chain of exactly NUM descriptors is legal: no false loop. */
    for (i = 0; i < NUM; i++) {
        drv_desc(&drv, i, BUF + i * 16, 16,
                 i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, i + 1);
    }
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(e->out_len, 16 * NUM);
    virtqueue_push(vq, e, 0);
    assert_no_mappings();
}
END_TEST

START_TEST(test_next_out_of_range)
{
    drv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_NEXT, NUM);
    drv_kick(&drv, 0);
    expect_broken(-ERANGE);
}
END_TEST

START_TEST(test_head_out_of_range)
{
    drv_kick(&drv, 0xffff);
    expect_broken(-ERANGE);
}
END_TEST

START_TEST(test_avail_index_leap)
{
    /* More chains than the ring holds cannot be available. */
    drv_stw(&drv, drv.avail + 2, NUM + 1);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_wrapping_buffer)
{
    drv_desc(&drv, 0, 0xfffffffffffff000ULL, 0x2000, 0, 0);
    drv_kick(&drv, 0);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_readable_after_writable)
{
    drv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, BUF + 16, 16, 0, 0);
    drv_kick(&drv, 0);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_too_many_buffers)
{
    unsigned i;

    virtqueue_free(vq);
    make_queue(&m.cpu_as, 4, false);
    for (i = 0; i < 5; i++) {
        drv_desc(&drv, i, BUF + i * 16, 16, VIRTQ_DESC_F_NEXT, i + 1);
    }
    drv_desc(&drv, 4, BUF + 64, 16, 0, 0);
    drv_kick(&drv, 0);
    expect_broken(-E2BIG);
}
END_TEST

START_TEST(test_huge_length)
{
    VirtQueueElement *e;
    uint8_t b[16];
    MemTxResult r;

    /* 4 GiB - 1 starting 16 bytes before the end of RAM. */
    m.ram_ptr[RAM_SIZE - 16] = 0x61;
    drv_desc(&drv, 0, RAM_SIZE - 16, 0xffffffff, 0, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_uint_eq(e->out_len, 0xffffffff);
    /* What exists is mapped; the rest is an address, not an allocation. */
    ck_assert_uint_le(e->out_num, 2);
    ck_assert_uint_eq(e->out_sg[0].iov_len, 16);
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 0, b, 1, &r), 1);
    ck_assert_uint_eq(b[0], 0x61);
    ck_assert_uint_eq(virtqueue_elem_to_buf(e, 16, b, 16, &r), 0);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    virtqueue_push(vq, e, 0);
    assert_no_mappings();
    ck_assert(!virtqueue_is_broken(vq));
}
END_TEST

START_TEST(test_unmapped_buffer_is_an_io_error)
{
    VirtQueueElement *e;
    MemTxResult r;
    uint8_t b[4] = { 1, 2, 3, 4 };

    drv_desc(&drv, 0, 0x7000000000ULL, 64, VIRTQ_DESC_F_WRITE, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    ck_assert_ptr_null(e->in_sg[0].iov_base);
    ck_assert_uint_eq(virtqueue_elem_from_buf(e, 0, b, 4, &r), 0);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    virtqueue_push(vq, e, 0);
    ck_assert(!virtqueue_is_broken(vq));
}
END_TEST

/* ---- indirect tables ----------------------------------------------------- */

static void kick_indirect(uint32_t len, uint16_t flags)
{
    drv_desc(&drv, 0, TABLE, len, VIRTQ_DESC_F_INDIRECT | flags, 1);
    drv_desc(&drv, 1, BUF, 16, 0, 0);
    drv_kick(&drv, 0);
}

START_TEST(test_indirect_inside_indirect)
{
    drv_desc_at(&drv, TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    drv_desc_at(&drv, TABLE, 1, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    kick_indirect(32, 0);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_indirect_with_next)
{
    drv_desc_at(&drv, TABLE, 0, BUF, 16, 0, 0);
    kick_indirect(16, VIRTQ_DESC_F_NEXT);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_indirect_bad_length)
{
    static const uint32_t lens[] = { 0, 17, 24,
                                     (VIRTQUEUE_MAX_SIZE + 1) * 16 };

    drv_desc_at(&drv, TABLE, 0, BUF, 16, 0, 0);
    kick_indirect(lens[_i], 0);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_indirect_without_feature)
{
    VirtQueueConfig cfg = { .num = NUM };

    virtqueue_free(vq);
    vq = virtqueue_new(&m.cpu_as, &cfg, NULL);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    drv_desc_at(&drv, TABLE, 0, BUF, 16, 0, 0);
    kick_indirect(16, 0);
    expect_broken(-EINVAL);
}
END_TEST

START_TEST(test_indirect_loop_and_range)
{
    drv_desc_at(&drv, TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    drv_desc_at(&drv, TABLE, 1, BUF, 16, VIRTQ_DESC_F_NEXT, _i ? 2 : 0);
    kick_indirect(32, 0);
    /* Entry 2 is beyond a two-entry table even though the ring has 8. */
    expect_broken(_i ? -ERANGE : -ELOOP);
}
END_TEST

START_TEST(test_indirect_table_unreachable)
{
    drv_desc(&drv, 0, 0x7000000000ULL, 64, VIRTQ_DESC_F_INDIRECT, 0);
    drv_kick(&drv, 0);
    expect_broken(-EFAULT);
}
END_TEST

START_TEST(test_failure_releases_earlier_mappings)
{
    /* Two buffers get mapped before the third descriptor loops back. */
    drv_desc(&drv, 0, BUF, 0x1000, VIRTQ_DESC_F_NEXT, 1);
    drv_desc(&drv, 1, BUF + 0x1000, 0x1000,
             VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    drv_desc(&drv, 2, BUF + 0x2000, 0x1000,
             VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    drv_kick(&drv, 0);
    expect_broken(-ELOOP);
}
END_TEST

START_TEST(test_reset_recovers)
{
    VirtQueueElement *e;

    drv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    drv_kick(&drv, 0);
    expect_broken(-ELOOP);
    virtqueue_reset(vq);
    ck_assert(!virtqueue_is_broken(vq));
    ck_assert_ptr_null(virtqueue_broken_reason(vq));
    drv_init(&drv, &m.cpu_as, NUM, RING);
    ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail, drv.used),
                     0);
    drv_desc(&drv, 0, BUF, 16, 0, 0);
    drv_kick(&drv, 0);
    ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
    virtqueue_push(vq, e, 0);
}
END_TEST

/* ---- garbage ------------------------------------------------------------- */

START_TEST(test_random_garbage)
{
    GRand *rnd = g_rand_new_with_seed(0x6a7bae + _i);
    gint64 t0 = g_get_monotonic_time();
    unsigned round, popped = 0, broke = 0;

    virtqueue_free(vq);
    make_queue(&m.cpu_as, 16, _i & 1);
    for (round = 0; round < 3000; round++) {
        VirtQueueElement *e;
        uint8_t junk[NUM * 16 + 64];
        unsigned k;
        int ret;

        /* Random descriptors pointing near real memory, junk indirect. */
        for (k = 0; k < sizeof(junk); k++) {
            junk[k] = g_rand_int(rnd);
        }
        for (k = 0; k < NUM; k++) {
            uint64_t a = g_rand_boolean(rnd) ?
                             BUF + g_rand_int_range(rnd, 0, 0x10000) :
                             g_rand_int(rnd);

            drv_desc(&drv, k, g_rand_int_range(rnd, 0, 4) ? a : TABLE,
                     g_rand_int_range(rnd, 0, 3) ?
                         g_rand_int_range(rnd, 0, 0x3000) :
                         g_rand_int(rnd),
                     g_rand_int(rnd) & 7, g_rand_int_range(rnd, 0, NUM + 2));
        }
        drv_wr(&drv, TABLE, junk, sizeof(junk));
        drv_kick(&drv, g_rand_int_range(rnd, 0, NUM + 1));
        ret = virtqueue_pop(vq, &e);
        if (ret == 1) {
            uint8_t b[64];

            popped++;
            virtqueue_elem_to_buf(e, 0, b, sizeof(b), NULL);
            virtqueue_elem_from_buf(e, g_rand_int_range(rnd, 0, 64), b,
                                    sizeof(b), NULL);
            virtqueue_push(vq, e, g_rand_int(rnd));
        } else {
            ck_assert_int_lt(ret, 0);
            broke++;
            virtqueue_reset(vq);
            drv_init(&drv, &m.cpu_as, NUM, RING);
            ck_assert_int_eq(virtqueue_set_rings(vq, drv.desc, drv.avail,
                                                 drv.used),
                             0);
        }
        assert_no_mappings();
    }
    ck_assert_uint_gt(popped, 100);
    ck_assert_uint_gt(broke, 100);
    ck_assert_int_lt(g_get_monotonic_time() - t0, 60 * G_TIME_SPAN_SECOND);
    g_rand_free(rnd);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("virtqueue-hostile");
    TCase *tc = tcase_create("chains");
    TCase *ti = tcase_create("indirect");
    TCase *tr = tcase_create("random");

    tcase_add_checked_fixture(tc, hostile_setup, NULL);
    tcase_add_test(tc, test_loop_two);
    tcase_add_test(tc, test_loop_self);
    tcase_add_test(tc, test_full_length_chain_is_fine);
    tcase_add_test(tc, test_next_out_of_range);
    tcase_add_test(tc, test_head_out_of_range);
    tcase_add_test(tc, test_avail_index_leap);
    tcase_add_test(tc, test_wrapping_buffer);
    tcase_add_test(tc, test_readable_after_writable);
    tcase_add_test(tc, test_too_many_buffers);
    tcase_add_test(tc, test_huge_length);
    tcase_add_test(tc, test_unmapped_buffer_is_an_io_error);
    tcase_add_test(tc, test_failure_releases_earlier_mappings);
    tcase_add_test(tc, test_reset_recovers);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(ti, hostile_setup, NULL);
    tcase_add_test(ti, test_indirect_inside_indirect);
    tcase_add_test(ti, test_indirect_with_next);
    tcase_add_loop_test(ti, test_indirect_bad_length, 0, 4);
    tcase_add_test(ti, test_indirect_without_feature);
    tcase_add_loop_test(ti, test_indirect_loop_and_range, 0, 2);
    tcase_add_test(ti, test_indirect_table_unreachable);
    suite_add_tcase(s, ti);

    tcase_add_checked_fixture(tr, hostile_setup, NULL);
    tcase_add_loop_test(tr, test_random_garbage, 0, 4);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return unit_run(hostile_suite());
}
