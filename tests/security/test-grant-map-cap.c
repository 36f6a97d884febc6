/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grant-map exhaustion. A guest can point every descriptor of its device
 * at one granted page and never complete the requests, so the device
 * model holds one grant mapping per descriptor. Each costs the process a
 * host mapping, and a process has vm.max_map_count of those (65530 by
 * default): past that, malloc and thread creation fail. The grant region
 * caps the refs it keeps mapped at once, so:
 *  - maps past the cap fail cleanly (NULL, length 0), are counted, and
 *    never reach the backend;
 *  - the rest of the process keeps working: threads, malloc, RAM maps,
 *    grant copy;
 *  - unmapping gives the room back, and when everything is unmapped the
 *    guest can end access;
 *  - the cap holds under racing mappers, and can be changed.
 */
#include <pthread.h>

#include "exec/memcore-atomic.h"
#include "exec/memory.h"
#include "hw/xen/xen-grant.h"
#include "tests/unit/xen/xen-test.h"

#define RAM_SIZE 0x10000ULL

static MemoryRegion root, ram;
static MemoryRegion *grants;
static AddressSpace as;

static void setup(void)
{
    GError *err = NULL;

    xen_test_setup();
    grants = xen_grant_region_new(env.be, GUEST_DOMID, &err);
    ck_assert_msg(grants, "%s", err ? err->message : "?");
    memory_region_init(&root, NULL, "dma", UINT64_MAX);
    unit_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, XEN_GRANT_ADDR_OFF, grants);
    address_space_init(&as, &root, "dma");
}

static void teardown(void)
{
    XenEmuStats es;

    address_space_destroy(&as);
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, grants);
    memory_region_transaction_commit();
    xen_grant_region_free(grants);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
    xen_emu_get_stats(env.emu, &es);
    ck_assert_int_eq(es.refs_mapped, 0);
    xen_test_teardown();
}

static XenGrantStats stats(void)
{
    XenGrantStats st;

    xen_grant_region_get_stats(grants, &st);
    return st;
}

static uint64_t hv_refs_mapped(void)
{
    XenEmuStats es;

    xen_emu_get_stats(env.emu, &es);
    return es.refs_mapped;
}

static uint32_t grant_seq(unsigned n, uint64_t first_gfn)
{
    g_autofree uint64_t *gfns = g_new(uint64_t, n);
    int64_t ref;

    for (unsigned i = 0; i < n; i++) {
        gfns[i] = first_gfn + i;
    }
    ref = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, n, false);
    ck_assert_int_ge(ref, XEN_GRANT_FIRST_FREE_REF);
    return ref;
}

/* Map @pages whole pages from @ref; NULL (and length 0) if refused. */
static void *map_pages(uint32_t ref, unsigned pages, bool is_write)
{
    hwaddr len = (hwaddr)pages * XEN_PAGE_SIZE;
    void *p = address_space_map(&as, xen_grant_addr(ref, 0), &len, is_write,
                                ATTRS);

    ck_assert_int_eq(len, p ? (hwaddr)pages * XEN_PAGE_SIZE : 0);
    return p;
}

static void unmap_pages(void *p, unsigned pages, bool is_write)
{
    hwaddr len = (hwaddr)pages * XEN_PAGE_SIZE;

    address_space_unmap(&as, p, len, is_write, is_write ? len : 0);
}

static gpointer thread_allocates(gpointer arg)
{
    void *p = g_try_malloc(1 << 20);

    if (p) {
        memset(p, 1, 1 << 20);
    }
    g_free(p);
    return GINT_TO_POINTER(p != NULL);
}

/*
 * What must keep working while the region is at its cap: creating a
 * thread, large allocations (each one a host mapping of its own), a RAM
 * map, and grant copy through the same region.
 */
static void process_still_works(uint32_t ref)
{
    enum {
        BLOCKS = 256,
        BLOCK = 256 << 10
    };
    g_autoptr(GError) err = NULL;
    GThread *t = g_thread_try_new("alloc", thread_allocates, NULL, &err);
    void *blocks[BLOCKS];
    uint8_t buf[64];
    hwaddr len = RAM_SIZE;
    void *p;

    ck_assert_msg(t, "thread creation failed: %s", err ? err->message : "");
    ck_assert(GPOINTER_TO_INT(g_thread_join(t)));
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = g_try_malloc(BLOCK);
        ck_assert_msg(blocks[i], "allocation %d of 256 KiB failed", i);
        memset(blocks[i], i, BLOCK);
    }
    for (int i = 0; i < BLOCKS; i++) {
        g_free(blocks[i]);
    }
    p = address_space_map(&as, 0, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(len, RAM_SIZE);
    address_space_unmap(&as, p, len, true, 0);
    guest_fill(3, 0x3c);
    ck_assert_int_eq(address_space_read(&as, xen_grant_addr(ref, 8), ATTRS,
                                        buf, sizeof(buf)),
                     MEMTX_OK);
    ck_assert_int_eq(buf[0], 0x3c);
    ck_assert_int_eq(buf[63], 0x3c);
}

/*
 * The attack as reported: 100,000 outstanding maps of one ref. Without
 * the cap the host runs out of mappings (~65k), after which allocations
 * fail; with it, exactly the default cap is mapped and the rest refused.
 */
START_TEST(test_many_maps_of_one_ref)
{
    enum {
        TRIES = 100000
    };
    const unsigned cap = XEN_GRANT_DEFAULT_MAX_MAPPED_REFS;
    g_autofree void **held = g_new(void *, TRIES);
    g_autoptr(GString) tree = g_string_new("");
    g_autofree char *note = NULL;
    uint32_t ref = grant_seq(1, 3);
    unsigned n = 0;
    XenGrantStats st;
    void *p;

    for (unsigned i = 0; i < TRIES; i++) {
        hwaddr len = 64;

        p = address_space_map(&as, xen_grant_addr(ref, 8), &len, false, ATTRS);
        if (p) {
            ck_assert_int_eq(len, 64);
            held[n++] = p;
        } else {
            ck_assert_int_eq(len, 0);
        }
    }
    ck_assert_uint_eq(n, cap);
    st = stats();
    ck_assert_uint_eq(st.outstanding, cap);
    ck_assert_uint_eq(st.refs_mapped, cap);
    ck_assert_uint_eq(st.max_mapped_refs, cap);
    ck_assert_uint_eq(st.cap_refusals, TRIES - cap);
    /* Refused before the backend: nothing counted as a grant failure. */
    for (int i = 0; i < XEN_GNTST_NR; i++) {
        ck_assert_uint_eq(st.failures[i], 0);
    }
    ck_assert_uint_eq(hv_refs_mapped(), cap);
    mtree_format_tree(tree, &as);
    note = g_strdup_printf("cap %u refs, refused at cap %u", cap, TRIES - cap);
    ck_assert_msg(strstr(tree->str, note), "%s", tree->str);

    process_still_works(ref);

    /* One unmapped makes room for exactly one more. */
    address_space_unmap(&as, held[--n], 64, false, 0);
    held[n] = map_pages(ref, 1, false);
    ck_assert_ptr_nonnull(held[n]);
    unmap_pages(held[n], 1, false);
    held[n] = map_pages(ref, 1, false);
    ck_assert_ptr_nonnull(held[n]);
    ck_assert_ptr_null(map_pages(ref, 1, false));
    unmap_pages(held[n], 1, false);

    while (n) {
        address_space_unmap(&as, held[--n], 64, false, 0);
    }
    ck_assert_uint_eq(stats().outstanding, 0);
    ck_assert_uint_eq(hv_refs_mapped(), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
}
END_TEST

/* The cap counts refs, not maps, and can be moved at any time. */
START_TEST(test_cap_counts_refs_and_is_settable)
{
    uint32_t ref = grant_seq(4, 10);
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    void *a, *b, *d;
    uint8_t byte;

    xen_grant_region_set_max_mapped_refs(grants, 8);
    a = map_pages(ref, 3, true);
    b = map_pages(ref, 3, false);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(map_pages(ref, 3, false)); /* 9 > 8 */
    ck_assert_uint_eq(stats().cap_refusals, 1);
    d = map_pages(ref, 2, false); /* exactly 8 */
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(map_pages(ref, 1, true));
    /* A cache maps too, and is refused in the same way. */
    ck_assert_int_lt(address_space_cache_init(&c, &as, xen_grant_addr(ref, 0),
                                              64, false),
                     0);
    address_space_cache_destroy(&c);
    ck_assert_uint_eq(stats().cap_refusals, 3);
    ck_assert_uint_eq(hv_refs_mapped(), 8);

    /* Lowering the cap unmaps nothing; room comes back as maps go. */
    xen_grant_region_set_max_mapped_refs(grants, 4);
    ck_assert_uint_eq(stats().refs_mapped, 8);
    unmap_pages(a, 3, true);
    ck_assert_ptr_null(map_pages(ref, 1, false)); /* 5 held > 4 */
    unmap_pages(d, 2, false);
    d = map_pages(ref, 1, false); /* 3 + 1 = 4 */
    ck_assert_ptr_nonnull(d);
    unmap_pages(d, 1, false);
    unmap_pages(b, 3, false);

    /* 0: no maps at all; grant copy still reads and writes. */
    xen_grant_region_set_max_mapped_refs(grants, 0);
    ck_assert_ptr_null(map_pages(ref, 1, false));
    byte = 0x77;
    ck_assert_int_eq(address_space_write(&as, xen_grant_addr(ref + 1, 5),
                                         ATTRS, &byte, 1),
                     MEMTX_OK);
    ck_assert(guest_is(11, 5, 1, 0x77));
    ck_assert_uint_eq(stats().max_mapped_refs, 0);
    ck_assert_uint_eq(stats().outstanding, 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(xen_emu_end_access(env.dom, ref + i), 0);
    }
}
END_TEST

/* Racing mappers never take the region over its cap, even briefly. */
#define RACE_CAP 16
#define RACE_THREADS 4

static uint32_t race_ref;
static unsigned race_over; /* atomic: times the backend held too many */

static gpointer racer(gpointer arg)
{
    void *held[8];
    unsigned n = 0;

    for (int i = 0; i < 3000; i++) {
        hwaddr len = 2 * XEN_PAGE_SIZE;
        void *p = address_space_map(&as, xen_grant_addr(race_ref, 0), &len,
                                    false, ATTRS);

        if (p) {
            if (hv_refs_mapped() > RACE_CAP) {
                qatomic_fetch_add_relaxed(&race_over, 1);
            }
            held[n++] = p;
        }
        if (n == G_N_ELEMENTS(held) || (!p && n)) {
            address_space_unmap(&as, held[--n], 2 * XEN_PAGE_SIZE, false, 0);
        }
    }
    while (n) {
        address_space_unmap(&as, held[--n], 2 * XEN_PAGE_SIZE, false, 0);
    }
    return NULL;
}

START_TEST(test_cap_holds_under_racing_maps)
{
    GThread *t[RACE_THREADS];

    race_ref = grant_seq(2, 20);
    xen_grant_region_set_max_mapped_refs(grants, RACE_CAP);
    for (int i = 0; i < RACE_THREADS; i++) {
        t[i] = g_thread_new("racer", racer, NULL);
    }
    for (int i = 0; i < RACE_THREADS; i++) {
        g_thread_join(t[i]);
    }
    ck_assert_uint_eq(race_over, 0);
    ck_assert_uint_gt(stats().cap_refusals, 0);
    ck_assert_uint_eq(stats().outstanding, 0);
    ck_assert_uint_eq(hv_refs_mapped(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grant-map-cap");
    TCase *tc = tcase_create("cap");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_many_maps_of_one_ref);
    tcase_add_test(tc, test_cap_counts_refs_and_is_settable);
    tcase_add_test(tc, test_cap_holds_under_racing_maps);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
