/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map clients written the usual way, against a guest that makes their
 * maps keep failing.
 *
 * The usual client: its map fails, it registers, and its callback
 * retries the map, registering again if that fails too. When the failure
 * is not the budget (the guest pointed the DMA at a register whose reads
 * fail), there is room every time, so every registration is told at
 * once. That must not recurse: each retry runs after the previous
 * callback has returned, on a stack that does not grow, and a client
 * that can never succeed is stopped with a misuse report after a bounded
 * number of fruitless retries instead of looping or overflowing the
 * stack.
 */
#include <pthread.h>

#include "exec/memcore-atomic.h"
#include "tests/unit/unit-helpers.h"

#define MMIO_BASE 0x100000ULL
#define BUDGET 4096

static MemoryRegion root, mmio;
static AddressSpace as;
static bool reads_fail;

static MemTxResult dev_read(void *opaque, hwaddr addr, uint64_t *v,
                            unsigned size, MemTxAttrs attrs)
{
    *v = 0x5a5a5a5a5a5a5a5aULL;
    return reads_fail ? MEMTX_ERROR : MEMTX_OK;
}

static MemTxResult dev_write(void *opaque, hwaddr addr, uint64_t v,
                             unsigned size, MemTxAttrs attrs)
{
    return MEMTX_OK;
}

static const MemoryRegionOps dev_ops = {
    .read_with_attrs = dev_read,
    .write_with_attrs = dev_write,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&mmio, NULL, &dev_ops, NULL, "dev", 0x10000);
    memory_region_add_subregion(&root, MMIO_BASE, &mmio);
    address_space_init(&as, &root, "clients");
    reads_fail = false;
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_del_subregion(&root, &mmio);
    memory_region_finalize(&mmio);
    memory_region_finalize(&root);
}

/* How deep callbacks nest, and how far the stack moved between calls. */
static int nesting, max_nesting;
static uintptr_t stack_lo, stack_hi;

static void enter_callback(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

    nesting++;
    max_nesting = MAX(max_nesting, nesting);
    stack_lo = stack_lo ? MIN(stack_lo, sp) : sp;
    stack_hi = MAX(stack_hi, sp);
}

static void reset_watch(void)
{
    nesting = max_nesting = 0;
    stack_lo = stack_hi = 0;
}

/* ---- the usual client ------------------------------------------------- */

typedef struct Request {
    unsigned failures_left; /* the guest's register fails this often */
    unsigned attempts;
    void *buf;
    hwaddr len;
} Request;

static void request_cb(void *opaque);

/* Map the register for reading; on failure wait for a map client call. */
static void request_try(Request *rq)
{
    rq->attempts++;
    reads_fail = rq->failures_left > 0;
    if (rq->failures_left) {
        rq->failures_left--;
    }
    rq->len = 64;
    rq->buf = address_space_map(&as, MMIO_BASE, &rq->len, false, ATTRS);
    if (!rq->buf) {
        address_space_register_map_client(&as, request_cb, rq);
    }
}

static void request_cb(void *opaque)
{
    enter_callback();
    request_try(opaque);
    nesting--;
}

START_TEST(test_usual_client_does_not_recurse)
{
    Request rq = { .failures_left = 500 };

    reset_watch();
    request_try(&rq);
    /* Every retry ran from the register that started it, one at a time. */
    ck_assert_ptr_nonnull(rq.buf);
    ck_assert_uint_eq(rq.attempts, 501);
    ck_assert_int_eq(max_nesting, 1);
    ck_assert_msg(stack_hi - stack_lo < 1024,
                  "the stack moved %" PRIuPTR " bytes across retries",
                  stack_hi - stack_lo);
    ck_assert_uint_eq(((uint8_t *)rq.buf)[0], 0x5a);
    address_space_unmap(&as, rq.buf, rq.len, false, 0);
}
END_TEST

static void hopeless_client(void *arg)
{
    Request rq = { .failures_left = UINT_MAX };

    request_try(&rq);
}

START_TEST(test_hopeless_client_is_misuse)
{
    unit_expect_misuse(hopeless_client, NULL,
                       "map clients of address space 'clients' (the last ");
}
END_TEST

/* ---- what a callback may do ---------------------------------------------- */

static GString *order;

static void note_cb(void *opaque)
{
    enter_callback();
    g_string_append(order, opaque);
    nesting--;
}

/* Registering another client from a callback: told after it returns. */
static void registers_b_cb(void *opaque)
{
    enter_callback();
    g_string_append(order, "a");
    address_space_register_map_client(&as, note_cb, "b");
    g_string_append(order, "A");
    nesting--;
}

START_TEST(test_register_from_callback_is_deferred)
{
    order = g_string_new(NULL);
    reset_watch();
    address_space_register_map_client(&as, registers_b_cb, NULL);
    /* b was told before register returned, but not inside a. */
    ck_assert_str_eq(order->str, "aAb");
    ck_assert_int_eq(max_nesting, 1);
    g_string_free(order, TRUE);
}
END_TEST

static void *held[2];
static hwaddr held_len[2];

/* Releasing bounce memory from a callback: the others are told after. */
static void unmaps_cb(void *opaque)
{
    enter_callback();
    g_string_append(order, "a");
    address_space_unmap(&as, held[1], held_len[1], true, 0);
    g_string_append(order, "A");
    nesting--;
}

START_TEST(test_unmap_from_callback_is_deferred)
{
    held_len[0] = BUDGET / 2;
    held_len[1] = BUDGET;
    held[0] = address_space_map(&as, MMIO_BASE, &held_len[0], true, ATTRS);
    held[1] = address_space_map(&as, MMIO_BASE, &held_len[1], true, ATTRS);
    ck_assert_uint_eq(held_len[0] + held_len[1], BUDGET);
    order = g_string_new(NULL);
    reset_watch();
    address_space_register_map_client(&as, unmaps_cb, NULL);
    address_space_register_map_client(&as, note_cb, "b");
    address_space_register_map_client(&as, note_cb, "c");
    ck_assert_str_eq(order->str, "");
    address_space_unmap(&as, held[0], held_len[0], true, 0);
    ck_assert_str_eq(order->str, "aAbc");
    ck_assert_int_eq(max_nesting, 1);
    g_string_free(order, TRUE);
}
END_TEST

/* Unregistering itself from its callback cancels a re-registration. */
static void changes_mind_cb(void *opaque)
{
    (*(int *)opaque)++;
    address_space_register_map_client(&as, changes_mind_cb, opaque);
    address_space_unregister_map_client(&as, changes_mind_cb, opaque);
}

START_TEST(test_unregister_from_own_callback)
{
    int calls = 0;

    address_space_register_map_client(&as, changes_mind_cb, &calls);
    ck_assert_int_eq(calls, 1);
}
END_TEST

/*
 * Unregistering while the callback runs on another thread returns only
 * when it has finished: "not called afterwards" includes "not still
 * running".
 */
static volatile int cb_started, cb_finished;

static void slow_cb(void *opaque)
{
    qatomic_store_release(&cb_started, 1);
    g_usleep(100 * 1000);
    qatomic_store_release(&cb_finished, 1);
}

static void *release_thread(void *arg)
{
    address_space_unmap(&as, held[0], held_len[0], true, 0);
    return NULL;
}

START_TEST(test_unregister_waits_for_running_callback)
{
    pthread_t t;

    held_len[0] = BUDGET;
    held[0] = address_space_map(&as, MMIO_BASE, &held_len[0], true, ATTRS);
    cb_started = cb_finished = 0;
    address_space_register_map_client(&as, slow_cb, NULL);
    ck_assert_int_eq(pthread_create(&t, NULL, release_thread, NULL), 0);
    while (!qatomic_load_acquire(&cb_started)) {
        g_usleep(1000);
    }
    address_space_unregister_map_client(&as, slow_cb, NULL);
    ck_assert_int_eq(qatomic_load_acquire(&cb_finished), 1);
    pthread_join(t, NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("map-clients");
    TCase *tc = tcase_create("usual");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_usual_client_does_not_recurse);
    tcase_add_test(tc, test_hopeless_client_is_misuse);
    suite_add_tcase(s, tc);

    tc = tcase_create("callbacks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_register_from_callback_is_deferred);
    tcase_add_test(tc, test_unmap_from_callback_is_deferred);
    tcase_add_test(tc, test_unregister_from_own_callback);
    tcase_add_test(tc, test_unregister_waits_for_running_callback);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
