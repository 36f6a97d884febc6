/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stress: six threads on one address space for a while (60 s by
 * default; "stress SECONDS" or STRESS_SECONDS to change it), then a
 * reckoning. See stress.h for the layout and the threads' files for
 * what each checks:
 *  - mapper (stress-mapper.c): RAM, bounce and grant mappings, each
 *    written with a checksummed pattern and read back;
 *  - reader (stress-reader.c): address_space_read, ld and caches over
 *    memory that the topology changer keeps moving;
 *  - topology changer (stress-reader.c): aliases on and off, regions
 *    moving, in transactions;
 *  - guest simulator (stress-guest.c): grants, ends, balloons;
 *  - churner and churn reader (stress-churn.c): an MMIO region with
 *    sleeping callbacks added, removed, finalized and initialised again
 *    under a reader.
 * Passing means: no unexpected error, no lost or torn write, every
 * mapping counter at 0 afterwards, and neither open files nor (outside
 * sanitizer builds) resident memory growing after the warm-up. The
 * figures are printed either way.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "exec/memcore-atomic.h"
#include "stress.h"

Stress st;

/* ---- devices -------------------------------------------------------------- */

static uint64_t scratch_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    g_mutex_lock(&st.scratch_lock);
    memcpy(&v, st.scratch_mem + addr, size);
    g_mutex_unlock(&st.scratch_lock);
    return v;
}

static void scratch_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    g_mutex_lock(&st.scratch_lock);
    memcpy(st.scratch_mem + addr, &v, size);
    g_mutex_unlock(&st.scratch_lock);
}

static const MemoryRegionOps scratch_ops = {
    .read = scratch_read,
    .write = scratch_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static uint64_t constio_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)st_const(addr + i) << (8 * i);
    }
    return v;
}

static void constio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps constio_ops = {
    .read = constio_read,
    .write = constio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static void setup(void)
{
    g_autoptr(GError) err = NULL;
    uint8_t *c;

    st.emu = xen_emu_new(&err);
    g_assert_no_error(err);
    st.dom = xen_emu_domain_new(st.emu, ST_GUEST, ST_PAGES * XEN_PAGE_SIZE,
                                &err);
    g_assert_no_error(err);
    st.be = xen_emu_backend_open(st.emu, 0, &err);
    g_assert_no_error(err);
    st.grants = xen_grant_region_new(st.be, ST_GUEST, &err);
    g_assert_no_error(err);
    st.guest_ram = xen_emu_domain_ram(st.dom);
    g_mutex_init(&st.scratch_lock);
    g_mutex_init(&st.slot_lock);

    memory_region_init(&st.root, NULL, "stress-root", UINT64_MAX);
    memory_region_init_ram(&st.ram, NULL, "ram", ST_RAM_SIZE, &err);
    g_assert_no_error(err);
    memory_region_init_ram(&st.cnst, NULL, "const", ST_CONST_SIZE, &err);
    g_assert_no_error(err);
    c = memory_region_get_ram_ptr(&st.cnst);
    for (uint64_t o = 0; o < ST_CONST_SIZE; o++) {
        c[o] = st_const(o);
    }
    memory_region_init_io(&st.scratch, NULL, &scratch_ops, NULL, "scratch",
                          ST_SCRATCH_SIZE);
    memory_region_init_io(&st.constio, NULL, &constio_ops, NULL, "constio",
                          ST_CONSTIO_SIZE);
    memory_region_init_alias(&st.window, NULL, "window", &st.cnst, 0,
                             ST_WINDOW_SIZE);
    memory_region_init_alias(&st.mover, NULL, "mover", &st.cnst, ST_MOVER_OFF,
                             ST_MOVER_SIZE);

    memory_region_transaction_begin();
    memory_region_add_subregion(&st.root, 0, &st.ram);
    memory_region_add_subregion(&st.root, ST_CONST_BASE, &st.cnst);
    memory_region_add_subregion(&st.root, ST_SCRATCH_BASE, &st.scratch);
    memory_region_add_subregion(&st.root, ST_CONSTIO_BASE, &st.constio);
    memory_region_add_subregion(&st.root, ST_WINDOW_BASE, &st.window);
    memory_region_add_subregion(&st.root, ST_MOVER_A, &st.mover);
    memory_region_add_subregion(&st.root, XEN_GRANT_ADDR_OFF, st.grants);
    memory_region_transaction_commit();
    address_space_init(&st.as, &st.root, "stress");
}

/* ---- sampling ------------------------------------------------------------- */

static unsigned open_fds(void)
{
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    unsigned n = 0;

    while (d && g_dir_read_name(d)) {
        n++;
    }
    if (d) {
        g_dir_close(d);
    }
    return n;
}

/*
 * Bytes malloc has handed out and not had back. Unlike RSS, this falls
 * again when memory is freed, so it can be compared before and after.
 */
static uint64_t heap_in_use_kib(void)
{
    struct mallinfo2 mi = mallinfo2();

    return (mi.uordblks + mi.hblkhd) / 1024;
}

/*
 * Dead flat views are freed by call_rcu's worker, which a busy machine
 * starves while the threads run: its backlog once grew RSS by
 * 200 MiB in a 5-second run with nothing leaked, and a backlog that keeps
 * refilling cannot be told from a leak while the threads run. So leaks
 * are judged once the threads are gone: wait for every callback queued so
 * far (rcu_barrier), then count what is still in use.
 */
static uint64_t heap_settled_kib(void)
{
    urcu_memb_barrier();
    return heap_in_use_kib();
}

/* Sanitizer runtimes replace malloc; mallinfo2() does not see their heap. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HEAP_MEANINGFUL false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HEAP_MEANINGFUL false
#endif
#endif
#ifndef HEAP_MEANINGFUL
#define HEAP_MEANINGFUL true
#endif

/* ---- the reckoning ---------------------------------------------------------- */

static const char *const thread_names[ST_NR_THREADS] = {
    [ST_MAPPER] = "mapper",     [ST_READER] = "reader",
    [ST_TOPOLOGY] = "topology", [ST_GUEST_SIM] = "guest",
    [ST_CHURN] = "churn",       [ST_CHURN_READER] = "churn-rd",
};

static unsigned failures;

#define EXPECT(cond, fmt, ...)                                         \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "stress: FAIL: " fmt "\n", ##__VA_ARGS__); \
            failures++;                                                \
        }                                                              \
    } while (0)

/* The guest takes every grant back, as the final counters need. */
static void guest_cleans_up(void)
{
    for (int s = 0; s < ST_SLOTS; s++) {
        StSlot *sl = &st.slot[s];

        if (sl->granted) {
            EXPECT(xen_emu_end_access(st.dom, sl->ref) == 0,
                   "ref %u still busy after every thread stopped", sl->ref);
        }
        if (sl->ballooned) {
            xen_emu_balloon_in(st.dom, s);
        }
    }
}

static void check_counters(void)
{
    MemoryRegion *regions[] = {
        &st.ram,    &st.cnst,  &st.scratch, &st.constio,
        &st.window, &st.mover, st.grants,
    };
    AddressSpaceStats as;
    XenGrantStats gs;
    XenEmuStats es;

    address_space_get_stats(&st.as, &as);
    xen_grant_region_get_stats(st.grants, &gs);
    xen_emu_get_stats(st.emu, &es);
    EXPECT(as.outstanding == 0 && as.bounce_in_use == 0,
           "address space: %" PRIu64 " mapping(s), %" PRIu64
           " bounce bytes left",
           as.outstanding, as.bounce_in_use);
    EXPECT(as.maps == as.unmaps,
           "address space: %" PRIu64 " maps, %" PRIu64 " unmaps", as.maps,
           as.unmaps);
    EXPECT(gs.outstanding == 0 && gs.refs_mapped == 0,
           "grant region: %" PRIu64 " mapping(s) of %" PRIu64 " refs left",
           gs.outstanding, gs.refs_mapped);
    EXPECT(es.refs_mapped == 0 && es.grant_maps == es.grant_unmaps,
           "hypervisor: %" PRIu64 " refs mapped, %" PRIu64 " maps, %" PRIu64
           " unmaps",
           es.refs_mapped, es.grant_maps, es.grant_unmaps);
    for (unsigned i = 0; i < G_N_ELEMENTS(regions); i++) {
        EXPECT(memory_region_outstanding_maps(regions[i]) == 0,
               "region %s: %d outstanding map(s)",
               memory_region_name(regions[i]),
               memory_region_outstanding_maps(regions[i]));
    }
    printf("stress: map path: %" PRIu64 " maps, %" PRIu64 " failed, %" PRIu64
           " copies; grants: %" PRIu64 " maps, %" PRIu64 " copy segments; "
           "revocations refused while in use: %" PRIu64 "\n",
           as.maps, as.map_failures, as.copies, gs.maps, gs.copy_segments,
           st.ebusy_seen);
}

static void teardown(void)
{
    address_space_destroy(&st.as);
    memory_region_transaction_begin();
    memory_region_del_subregion(&st.root, &st.ram);
    memory_region_del_subregion(&st.root, &st.cnst);
    memory_region_del_subregion(&st.root, &st.scratch);
    memory_region_del_subregion(&st.root, &st.constio);
    memory_region_del_subregion(&st.root, &st.window);
    memory_region_del_subregion(&st.root, &st.mover);
    memory_region_del_subregion(&st.root, st.grants);
    memory_region_transaction_commit();
    memory_region_finalize(&st.window);
    memory_region_finalize(&st.mover);
    memory_region_finalize(&st.cnst);
    memory_region_finalize(&st.ram);
    memory_region_finalize(&st.scratch);
    memory_region_finalize(&st.constio);
    memory_region_finalize(&st.root);
    xen_grant_region_free(st.grants);
    xen_backend_close(st.be);
    xen_emu_free(st.emu);
}

int main(int argc, char **argv)
{
    const char *env = getenv("STRESS_SECONDS");
    double seconds = argc > 1 ? atof(argv[1]) : env ? atof(env) : 60;
    GThreadFunc fns[ST_NR_THREADS] = {
        [ST_MAPPER] = st_mapper_thread,
        [ST_READER] = st_reader_thread,
        [ST_TOPOLOGY] = st_topology_thread,
        [ST_GUEST_SIM] = st_guest_thread,
        [ST_CHURN] = st_churn_thread,
        [ST_CHURN_READER] = st_churn_reader_thread,
    };
    GThread *threads[ST_NR_THREADS];
    double warmup = MIN(2.0, seconds / 5);
    unsigned fds_base = 0, fds_max = 0;
    uint64_t heap_before, heap_peak = 0, heap_after;
    GTimer *timer;
    bool warm = false;

    if (seconds <= 0) {
        fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
        return 2;
    }
    setup();
    heap_before = heap_settled_kib();
    timer = g_timer_new();
    for (int i = 0; i < ST_NR_THREADS; i++) {
        threads[i] = g_thread_new(thread_names[i], fns[i], NULL);
    }
    /* Sample while they run: the baseline is taken after the warm-up. */
    while (g_timer_elapsed(timer, NULL) < seconds) {
        g_usleep(100 * 1000);
        if (!warm && g_timer_elapsed(timer, NULL) >= warmup) {
            warm = true;
            fds_base = fds_max = open_fds();
        } else if (warm) {
            fds_max = MAX(fds_max, open_fds());
            heap_peak = MAX(heap_peak, heap_in_use_kib());
        }
    }
    qatomic_store_release(&st.stop, true);
    for (int i = 0; i < ST_NR_THREADS; i++) {
        g_thread_join(threads[i]);
    }

    printf("stress: %.0f s, %d threads\n", g_timer_elapsed(timer, NULL),
           ST_NR_THREADS);
    for (int i = 0; i < ST_NR_THREADS; i++) {
        printf("stress: %-8s %10" PRIu64 " ops, %8" PRIu64 " explained "
               "errors, %" PRIu64 " unexpected, %" PRIu64 " lost or torn\n",
               thread_names[i], st.c[i].ops, st.c[i].explained,
               st.c[i].unexpected, st.c[i].lost);
        EXPECT(st.c[i].unexpected == 0, "%s: unexpected errors",
               thread_names[i]);
        EXPECT(st.c[i].lost == 0, "%s: lost or torn writes", thread_names[i]);
        EXPECT(st.c[i].ops > 0, "%s did nothing", thread_names[i]);
    }
    EXPECT(st.grant_maps > 0, "no grant was ever mapped");
    EXPECT(st.c[ST_CHURN_READER].ops > st.c[ST_CHURN_READER].explained,
           "CHURN was never read while it was there");
    guest_cleans_up();
    check_counters();
    heap_after = heap_settled_kib();
    printf(
        "stress: open fds %u after warm-up, at most %u; heap in use %" PRIu64
        " KiB before the threads, %" PRIu64 " KiB after them "
        "(%" PRIu64 " KiB at the peak, call_rcu backlog included)%s\n",
        fds_base, fds_max, heap_before, heap_after, heap_peak,
        HEAP_MEANINGFUL ? "" : " (sanitizer build: not judged)");
    EXPECT(fds_max == fds_base, "open files grew from %u to %u", fds_base,
           fds_max);
    EXPECT(!HEAP_MEANINGFUL || heap_after <= heap_before + 1024,
           "heap in use grew by %" PRIu64 " KiB over the run",
           heap_after - heap_before);
    teardown();
    g_timer_destroy(timer);
    printf("stress: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
