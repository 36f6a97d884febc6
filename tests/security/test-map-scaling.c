/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Costs a guest chooses the size of. A guest decides how many mappings
 * its devices hold and where they point (every descriptor at one address,
 * if it likes), and so how many map clients a device registers while it
 * waits. Each operation must cost the same whatever that number is.
 *
 * Timing is judged by ratios, never by wall-clock limits: the same
 * number of operations is timed twice, once in the shape a guest would
 * choose (every mapping at one pointer, every client waiting at once)
 * and once in a shape that was always cheap (distinct pointers, one
 * client at a time), with tables of the same size. Constant cost per
 * operation makes the ratio about 1; a cost that grows with n makes it
 * thousands. Each shape is timed three times, keeping the fastest.
 */
#include <time.h>

#include "tests/unit/unit-helpers.h"

#define N 50000
#define MAX_RATIO 8.0

#define MMIO_BASE 0x100000000ULL

static MemoryRegion root, ram, mmio;
static AddressSpace as;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 1 << 20);
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x10000);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, MMIO_BASE, &mmio);
    address_space_init(&as, &root, "scaling");
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &mmio);
    memory_region_finalize(&ram);
    memory_region_finalize(&mmio);
    memory_region_finalize(&root);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The fastest of three runs of @work(@hostile). */
static double best_of_three(double (*work)(bool hostile), bool hostile)
{
    double best = work(hostile);

    for (int i = 0; i < 2; i++) {
        double t = work(hostile);

        best = t < best ? t : best;
    }
    return best;
}

/* Is @work(true) no dearer than @work(false), give or take MAX_RATIO? */
static void check_ratio(const char *what, double (*work)(bool hostile))
{
    double easy = best_of_three(work, false);
    double hostile = best_of_three(work, true);
    double ratio = hostile / (easy > 1e-6 ? easy : 1e-6);

    printf("%s: %u in %.4f s, easy shape %.4f s, ratio %.1f\n", what, N,
           hostile, easy, ratio);
    ck_assert_msg(ratio < MAX_RATIO, "%s: %.1fx the cost of the easy shape",
                  what, ratio);
}

/* ---- unmap when many mappings share one pointer -------------------------- */

static void *ptrs[N];
static hwaddr lens[N];

/*
 * N maps, each a different length, unmapped oldest first (the order in
 * which a device finishes requests): all at one guest address (as
 * descriptors of different sizes pointing at one buffer would be), or
 * each at an address of its own.
 */
static double map_and_unmap(bool one_address)
{
    AddressSpaceStats st;
    double t0 = now();

    for (unsigned i = 0; i < N; i++) {
        lens[i] = 1 + i;
        ptrs[i] = address_space_map(&as, one_address ? 0x1000 : 0x1000 + i,
                                    &lens[i], false, ATTRS);
    }
    for (unsigned i = 0; i < N; i++) {
        address_space_unmap(&as, ptrs[i], lens[i], false, 0);
    }
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    return now() - t0;
}

START_TEST(test_unmap_of_shared_pointer_is_constant)
{
    /* They really do share the pointer, at many lengths. */
    hwaddr a = 100, b = 200;
    void *p = address_space_map(&as, 0x1000, &a, false, ATTRS);
    void *q = address_space_map(&as, 0x1000, &b, false, ATTRS);

    ck_assert_ptr_eq(p, q);
    address_space_unmap(&as, p, a, false, 0);
    address_space_unmap(&as, q, b, false, 0);
    check_ratio("maps of one address, unmapped oldest first", map_and_unmap);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 0);
}
END_TEST

/* An unmap whose length matches no record still finds one, in O(1). */
START_TEST(test_unmap_with_other_length)
{
    hwaddr a = 100, b = 200;
    void *p = address_space_map(&as, 0x1000, &a, false, ATTRS);
    void *q = address_space_map(&as, 0x1000, &b, true, ATTRS);
    AddressSpaceStats st;

    address_space_unmap(&as, p, 4096, false, 0);
    address_space_unmap(&as, q, 4096, true, 0);
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&ram), 0);
}
END_TEST

/* ---- map clients --------------------------------------------------------- */

static char opaques[N];
static unsigned told;

static void client_cb(void *opaque)
{
    told++;
}

/* Hold the whole bounce budget, so that clients wait. */
static void *hold_budget(hwaddr *len)
{
    void *p;

    *len = 4096;
    p = address_space_map(&as, MMIO_BASE, len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(*len, 4096);
    return p;
}

/*
 * N devices' clients waiting at once, then given up newest first; or
 * one client at a time, registered and given up N times.
 */
static double register_and_unregister(bool all_waiting)
{
    double t0 = now();

    for (unsigned i = 0; i < N; i++) {
        address_space_register_map_client(&as, client_cb, &opaques[i]);
        if (!all_waiting) {
            address_space_unregister_map_client(&as, client_cb, &opaques[i]);
        }
    }
    for (unsigned i = N; all_waiting && i-- > 0;) {
        address_space_unregister_map_client(&as, client_cb, &opaques[i]);
    }
    return now() - t0;
}

START_TEST(test_map_client_registration_is_constant)
{
    hwaddr len;
    void *p = hold_budget(&len);

    told = 0;
    check_ratio("map clients waiting at once, given up newest first",
                register_and_unregister);
    address_space_unmap(&as, p, len, true, 0);
    ck_assert_uint_eq(told, 0); /* all were given up before */
}
END_TEST

/* The same (callback, opaque) twice is one registration, told once. */
START_TEST(test_map_client_registration_is_idempotent)
{
    hwaddr len;
    void *p = hold_budget(&len);

    told = 0;
    address_space_register_map_client(&as, client_cb, &opaques[0]);
    address_space_register_map_client(&as, client_cb, &opaques[0]);
    address_space_register_map_client(&as, client_cb, &opaques[1]);
    address_space_unmap(&as, p, len, true, 0);
    ck_assert_uint_eq(told, 2);
    /* Told and forgotten: a new registration is a new one. */
    p = hold_budget(&len);
    address_space_register_map_client(&as, client_cb, &opaques[0]);
    address_space_unregister_map_client(&as, client_cb, &opaques[0]);
    address_space_unregister_map_client(&as, client_cb, &opaques[0]);
    address_space_unmap(&as, p, len, true, 0);
    ck_assert_uint_eq(told, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("map-scaling");
    TCase *tc = tcase_create("unmap");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_unmap_of_shared_pointer_is_constant);
    tcase_add_test(tc, test_unmap_with_other_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("map-clients");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_map_client_registration_is_constant);
    tcase_add_test(tc, test_map_client_registration_is_idempotent);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
