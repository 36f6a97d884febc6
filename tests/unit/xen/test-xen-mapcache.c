/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The foreign-memory mapcache through an AddressSpace: lazily mapped
 * buckets, locks held by mappings, invalidation with DMA in flight, and
 * the bucket limit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "exec/memcore-atomic.h"
#include "exec/memory.h"
#include "hw/xen/xen-mapcache.h"
#include "xen-test.h"
#include "tests/unit/unit-helpers.h"

#define SHIFT 14 /* 16 KiB buckets: 4 pages */
#define BUCKET (1U << SHIFT)

static MemoryRegion root;
static XenMapCache *mc;
static AddressSpace as;
static XenBackend *driver; /* a second backend some tests open */

/* The cache over @ram_pages of the guest, added at guest-physical 0. */
static void cache_setup(XenBackend *be, uint64_t ram_pages,
                        unsigned max_buckets)
{
    GError *err = NULL;

    mc = xen_mapcache_new(be, GUEST_DOMID, ram_pages * XEN_PAGE_SIZE, SHIFT,
                          max_buckets, &err);
    ck_assert_msg(mc, "%s", err ? err->message : "?");
    memory_region_init(&root, NULL, "guest-phys", UINT64_MAX);
    memory_region_add_subregion(&root, 0, xen_mapcache_region(mc));
    address_space_init(&as, &root, "guest-phys");
    xen_emu_add_invalidate_notifier(env.emu, GUEST_DOMID, xen_mapcache_notify,
                                    mc);
}

static void setup(void)
{
    xen_test_setup();
    cache_setup(env.be, GUEST_PAGES, 0);
}

static void teardown(void)
{
    XenEmuStats s;

    if (mc) {
        xen_emu_remove_invalidate_notifier(env.emu, GUEST_DOMID,
                                           xen_mapcache_notify, mc);
        address_space_destroy(&as);
        memory_region_del_subregion(&root, xen_mapcache_region(mc));
        xen_mapcache_free(mc);
        memory_region_finalize(&root);
        mc = NULL;
    }
    xen_backend_close(driver);
    driver = NULL;
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.pages_foreign_mapped, 0);
    xen_test_teardown();
}

static XenMapCacheStats stats(void)
{
    XenMapCacheStats st;

    xen_mapcache_get_stats(mc, &st);
    return st;
}

static uint64_t foreign_pages(void)
{
    XenEmuStats s;

    xen_emu_get_stats(env.emu, &s);
    return s.pages_foreign_mapped;
}

START_TEST(test_buckets)
{
    uint8_t buf[8];
    hwaddr len = 2 * XEN_PAGE_SIZE;
    uint8_t *p;

    guest_fill(0, 0x10);
    guest_fill(4, 0x14);
    ck_assert_int_eq(foreign_pages(), 0); /* nothing until used */
    ck_assert_int_eq(address_space_read(&as, 8, ATTRS, buf, 8), MEMTX_OK);
    ck_assert_int_eq(buf[0], 0x10);
    ck_assert_int_eq(stats().misses, 1);
    ck_assert_int_eq(foreign_pages(), BUCKET / XEN_PAGE_SIZE);

    address_space_stl_le(&as, 0x1004, 0xcafe, ATTRS, NULL);
    ck_assert_int_eq(*(uint32_t *)(env.ram + 0x1004), 0xcafe);
    ck_assert_int_eq(stats().misses, 1);
    ck_assert_int_ge(stats().hits, 1);

    ck_assert_int_eq(address_space_ldub(&as, BUCKET + 1, ATTRS, NULL), 0x14);
    ck_assert_int_eq(stats().buckets, 2);

    /* A map stops at the end of its bucket. */
    p = address_space_map(&as, BUCKET - XEN_PAGE_SIZE, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(len, XEN_PAGE_SIZE);
    ck_assert_int_eq(stats().locked, 1);
    p[0] = 0x77;
    address_space_unmap(&as, p, len, true, 1);
    ck_assert_int_eq(env.ram[BUCKET - XEN_PAGE_SIZE], 0x77);
    ck_assert_int_eq(stats().locked, 0);
    ck_assert_int_eq(stats().buckets, 2); /* kept for next time */
}
END_TEST

/* The last bucket is short when RAM does not fill it. */
START_TEST(test_short_last_bucket)
{
    cache_setup(env.be, 6, 0);
    guest_fill(5, 0x55);
    ck_assert_int_eq(address_space_ldub(&as, 5 * XEN_PAGE_SIZE, ATTRS, NULL),
                     0x55);
    ck_assert_int_eq(foreign_pages(), 2);
    ck_assert(
        !address_space_access_valid(&as, 6 * XEN_PAGE_SIZE, 1, false, ATTRS));
    ck_assert_int_eq(stats().failures, 0);
}
END_TEST

/*
 * DMA in flight holds a bucket; the guest balloons a page of it out.
 * Unlocked buckets go at once; the held one keeps working until it is
 * unmapped; new accesses re-map, and the missing page fails cleanly.
 */
START_TEST(test_invalidate_with_locked_entry)
{
    hwaddr len = XEN_PAGE_SIZE;
    uint8_t buf[4] = { 0 };
    uint8_t *p;

    guest_fill(2, 0x22);
    p = address_space_map(&as, 2 * XEN_PAGE_SIZE, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    address_space_ldub(&as, 2 * BUCKET, ATTRS, NULL);
    ck_assert_int_eq(stats().buckets, 2);

    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 1), 0);
    ck_assert_int_eq(stats().invalidations, 1);
    ck_assert_int_eq(stats().zombies, 1);
    ck_assert_int_eq(stats().buckets, 1);
    ck_assert_int_eq(foreign_pages(), BUCKET / XEN_PAGE_SIZE);

    /* The holder's pointer is still the guest's page. */
    p[0] = 0x42;
    ck_assert_int_eq(env.ram[2 * XEN_PAGE_SIZE], 0x42);

    /* New accesses map the bucket afresh... */
    ck_assert_int_eq(address_space_read(&as, 2 * XEN_PAGE_SIZE, ATTRS, buf, 4),
                     MEMTX_OK);
    ck_assert_int_eq(buf[0], 0x42);
    ck_assert_int_eq(stats().misses, 3);
    /* ...and the ballooned page fails cleanly, in both directions. */
    buf[0] = 0xff;
    ck_assert_int_ne(address_space_read(&as, XEN_PAGE_SIZE, ATTRS, buf, 4),
                     MEMTX_OK);
    ck_assert_int_eq(buf[0], 0);
    ck_assert_int_ne(address_space_write(&as, XEN_PAGE_SIZE, ATTRS, buf, 4),
                     MEMTX_OK);
    len = XEN_PAGE_SIZE;
    ck_assert_ptr_null(
        address_space_map(&as, XEN_PAGE_SIZE + 8, &len, false, ATTRS));
    ck_assert_int_ge(stats().failures, 3);

    /* The last holder lets go: the old bucket goes with it. */
    address_space_unmap(&as, p, XEN_PAGE_SIZE, true, 1);
    ck_assert_int_eq(stats().zombies, 0);
    ck_assert_int_eq(stats().buckets, 1);
    ck_assert_int_eq(foreign_pages(), BUCKET / XEN_PAGE_SIZE - 1);
}
END_TEST

/*
 * A ballooned-out frame is not there: a decode error, whether the device
 * maps it, caches it or reads it (the mapcache has no copy ops, so a read
 * maps, copies and unmaps).
 */
START_TEST(test_missing_frame_is_a_decode_error)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 16;
    MemTxResult r = 0xff;
    uint8_t buf[16];

    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 3), 0);
    ck_assert_ptr_null(address_space_map_result(&as, 3 * XEN_PAGE_SIZE, &len,
                                                false, ATTRS, &r));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_int_eq(address_space_cache_init(&c, &as, 3 * XEN_PAGE_SIZE, 16,
                                              false),
                     -EFAULT);
    ck_assert_uint_eq(address_space_read(&as, 3 * XEN_PAGE_SIZE, ATTRS, buf,
                                         sizeof(buf)),
                      MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(address_space_write(&as, 3 * XEN_PAGE_SIZE + 8, ATTRS,
                                          buf, 4),
                      MEMTX_DECODE_ERROR);
}
END_TEST

/* A frame that comes back works again, with no invalidation sent. */
START_TEST(test_frame_comes_back)
{
    uint32_t v = 0xabcd;

    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 1), 0);
    ck_assert_int_ne(address_space_write(&as, XEN_PAGE_SIZE, ATTRS, &v, 4),
                     MEMTX_OK);
    ck_assert_int_eq(stats().buckets, 1);
    ck_assert_int_eq(xen_emu_balloon_in(env.dom, 1), 0);
    ck_assert_int_eq(xen_emu_balloon_in(env.dom, 1), -ENOENT);
    ck_assert_int_eq(stats().invalidations, 1);
    ck_assert_int_eq(address_space_write(&as, XEN_PAGE_SIZE, ATTRS, &v, 4),
                     MEMTX_OK);
    ck_assert_int_eq(*(uint32_t *)(env.ram + XEN_PAGE_SIZE), 0xabcd);
}
END_TEST

/* A map never spans a missing page: it is shortened before it. */
START_TEST(test_map_stops_before_missing_page)
{
    hwaddr len = 3 * XEN_PAGE_SIZE;
    void *p;

    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 6), 0);
    p = address_space_map(&as, 4 * XEN_PAGE_SIZE + 16, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(len, 2 * XEN_PAGE_SIZE - 16);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

static int child_balloons(int to_parent, int from_parent)
{
    CHILD_CHECK(xen_emu_balloon_out(env.dom, 3) == 0);
    return 0;
}

/* A guest in another process: invalidation arrives when we poll. */
START_TEST(test_invalidate_from_child)
{
    GuestChild c;

    address_space_ldub(&as, 0, ATTRS, NULL);
    c = guest_fork(child_balloons);
    ck_assert_int_eq(guest_wait(&c), 0);
    ck_assert_int_eq(stats().buckets, 1);
    ck_assert_int_eq(xen_emu_poll_invalidate(env.emu), 1);
    ck_assert_int_eq(stats().buckets, 0);
    ck_assert_int_ne(address_space_read(&as, 3 * XEN_PAGE_SIZE, ATTRS,
                                        (uint8_t[1]){ 0 }, 1),
                     MEMTX_OK);
}
END_TEST

START_TEST(test_bucket_limit)
{
    hwaddr len = 8;
    void *held;

    cache_setup(env.be, GUEST_PAGES, 2);
    held = address_space_map(&as, 0, &len, false, ATTRS);
    ck_assert_ptr_nonnull(held);
    for (unsigned b = 1; b < 6; b++) {
        ck_assert_int_eq(address_space_read(&as, b * BUCKET, ATTRS,
                                            (uint8_t[8]){ 0 }, 8),
                         MEMTX_OK);
    }
    /* The held bucket survived; the others made room for each other. */
    ck_assert_int_eq(stats().buckets, 2);
    ck_assert_int_eq(stats().evictions, 4);
    ck_assert_int_eq(foreign_pages(), 2 * BUCKET / XEN_PAGE_SIZE);
    address_space_unmap(&as, held, len, false, 0);
}
END_TEST

START_TEST(test_unprivileged_backend)
{
    uint32_t v = 0x1234;
    hwaddr len = 4;

    driver = xen_emu_backend_open(env.emu, OTHER_DOMID, NULL);
    cache_setup(driver, GUEST_PAGES, 0);
    ck_assert_int_ne(address_space_read(&as, 0, ATTRS, &v, 4), MEMTX_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_ptr_null(address_space_map(&as, 0, &len, true, ATTRS));
    ck_assert_int_eq(stats().buckets, 0);
    ck_assert_int_eq(stats().failures, 2);
}
END_TEST

START_TEST(test_new_errors)
{
    GError *err = NULL;

    ck_assert_ptr_null(xen_mapcache_new(env.be, 1, 0, SHIFT, 0, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_null(xen_mapcache_new(env.be, 1, 4096, 11, 0, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_null(xen_mapcache_new(env.be, 1, 4096, 31, 0, &err));
    ck_assert(strstr(err->message, "bucket shift"));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
}
END_TEST

START_TEST(test_describe)
{
    g_autoptr(GString) out = g_string_new("");

    address_space_ldub(&as, 0, ATTRS, NULL);
    mtree_format_tree(out, &as);
    ck_assert_msg(strstr(out->str, "dom7 mapcache via emu: 1 buckets of "
                                   "16 KiB"),
                  "%s", out->str);
}
END_TEST

/* ---- threads: DMA on every bucket while the guest keeps invalidating ---- */

#define THREADS 4
#define ROUNDS 2000

static bool stop;

static void *dma_thread(void *arg)
{
    unsigned id = GPOINTER_TO_UINT(arg);
    unsigned failures = 0;

    for (unsigned i = 0; i < ROUNDS; i++) {
        hwaddr addr = ((i * 7 + id) % (GUEST_PAGES / 2)) * XEN_PAGE_SIZE * 2 +
                      id * 8;
        hwaddr len = 8;
        uint64_t *p = address_space_map(&as, addr, &len, true, ATTRS);
        uint64_t v = ((uint64_t)id << 32) | i;

        if (!p) {
            failures++;
            continue;
        }
        *p = v;
        sched_yield();
        /* Nobody may unmap it under us, invalidation or not. */
        failures += *p != v;
        address_space_unmap(&as, p, len, true, 8);
    }
    return GUINT_TO_POINTER(failures);
}

static void *invalidate_thread(void *arg)
{
    while (!qatomic_load_acquire(&stop)) {
        xen_mapcache_invalidate(mc);
        sched_yield();
    }
    return NULL;
}

START_TEST(test_concurrent_invalidate)
{
    pthread_t dma[THREADS], inv;

    pthread_create(&inv, NULL, invalidate_thread, NULL);
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_create(&dma[i], NULL, dma_thread, GUINT_TO_POINTER(i));
    }
    for (unsigned i = 0; i < THREADS; i++) {
        void *ret;

        pthread_join(dma[i], &ret);
        ck_assert_int_eq(GPOINTER_TO_UINT(ret), 0);
    }
    qatomic_store_release(&stop, true);
    pthread_join(inv, NULL);
    ck_assert_int_eq(stats().locked, 0);
    ck_assert_int_eq(stats().zombies, 0);
    ck_assert_int_gt(stats().invalidations, 0);
}
END_TEST

/*
 * The region-based spelling of the API, which new code uses: the same
 * cache, made, invalidated (directly and as a notifier), read and freed
 * through its MemoryRegion, as grant regions are.
 */
static void not_a_mapcache_region(void *opaque)
{
    xen_mapcache_region_invalidate(opaque);
}

START_TEST(test_region_api)
{
    static MemoryRegion top, other;
    static AddressSpace ras;
    XenMapCacheStats st;
    MemoryRegion *ram;
    GError *err = NULL;
    uint8_t b = 0;

    ck_assert_ptr_null(
        xen_mapcache_region_new(env.be, GUEST_DOMID, 100, SHIFT, 0, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);

    ram = xen_mapcache_region_new(env.be, GUEST_DOMID,
                                  GUEST_PAGES * XEN_PAGE_SIZE, SHIFT, 0, &err);
    ck_assert_msg(ram, "%s", err ? err->message : "?");
    ck_assert(memory_region_is_map_on_demand(ram));
    memory_region_init(&top, NULL, "region-api", UINT64_MAX);
    memory_region_add_subregion(&top, 0, ram);
    address_space_init(&ras, &top, "region-api");
    xen_emu_add_invalidate_notifier(env.emu, GUEST_DOMID,
                                    xen_mapcache_region_notify, ram);

    guest_fill(3, 0x33);
    ck_assert_int_eq(address_space_read(&ras, 3 * XEN_PAGE_SIZE, ATTRS, &b, 1),
                     MEMTX_OK);
    ck_assert_int_eq(b, 0x33);
    xen_mapcache_region_get_stats(ram, &st);
    ck_assert_int_eq(st.misses, 1);
    ck_assert_int_eq(st.buckets, 1);

    xen_mapcache_region_invalidate(ram);
    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 5), 0); /* notifier */
    xen_mapcache_region_get_stats(ram, &st);
    ck_assert_int_eq(st.invalidations, 2);
    ck_assert_int_eq(st.buckets, 0);

    unit_ram(&other, "not-a-mapcache", 4096);
    unit_expect_misuse(not_a_mapcache_region, &other,
                       "xen_mapcache_region_invalidate(): 'not-a-mapcache' "
                       "is not a mapcache region");
    memory_region_finalize(&other);

    xen_emu_remove_invalidate_notifier(env.emu, GUEST_DOMID,
                                       xen_mapcache_region_notify, ram);
    address_space_destroy(&ras);
    memory_region_del_subregion(&top, ram);
    xen_mapcache_region_free(ram);
    xen_mapcache_region_free(NULL);
    memory_region_finalize(&top);
}
END_TEST

static Suite *xen_mapcache_suite(void)
{
    Suite *s = suite_create("xen-mapcache");
    TCase *tc = tcase_create("mapcache");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_buckets);
    tcase_add_test(tc, test_invalidate_with_locked_entry);
    tcase_add_test(tc, test_map_stops_before_missing_page);
    tcase_add_test(tc, test_frame_comes_back);
    tcase_add_test(tc, test_missing_frame_is_a_decode_error);
    tcase_add_test(tc, test_invalidate_from_child);
    tcase_add_test(tc, test_new_errors);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_concurrent_invalidate);
    suite_add_tcase(s, tc);

    /* These build their own cache. */
    tc = tcase_create("configurations");
    tcase_add_checked_fixture(tc, xen_test_setup, teardown);
    tcase_add_test(tc, test_short_last_bucket);
    tcase_add_test(tc, test_region_api);
    tcase_add_test(tc, test_bucket_limit);
    tcase_add_test(tc, test_unprivileged_backend);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(xen_mapcache_suite());
}
