/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * P4: topology changes.
 *
 * Adding 10^3, 10^4 and 10^5 subregions in one transaction, timed from
 * begin to the end of commit (the adds, then one render, the dispatch
 * table and publication). The render counter must move by exactly one per
 * commit. The floor of each size is sorting as many 64-bit keys with
 * qsort(), the cheapest thing an O(n log n) renderer could be compared
 * with, measured in the same run; the scaling target compares the 10^5
 * case with the 10^4 case, repetition by repetition.
 *
 * Then: the same commit with 16 address spaces sharing the root against
 * one space, and a small change under 10^4 regions, whose listener calls
 * must equal the number of ranges that changed (computed independently,
 * by diffing the section lists before and after).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include <urcu.h>

#include "exec/memory.h"
#include "bench.h"

#define SUB_SIZE 0x1000ull
#define SUB_STRIDE 0x2000ull /* gaps between them: n flat ranges */
#define SUB_BASE 0x100000000ull
#define NR_SPACES 16

static MemoryRegion root;
static AddressSpace spaces[NR_SPACES];
static MemoryRegion *subs;
static uint64_t nr_subs;
static uint8_t host_page[SUB_SIZE];

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
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* Half RAM, half MMIO: both kinds of section get classified. */
static void subs_init(uint64_t n)
{
    subs = g_new0(MemoryRegion, n);
    nr_subs = n;
    for (uint64_t i = 0; i < n; i++) {
        if (i % 2) {
            memory_region_init_io(&subs[i], NULL, &mmio_ops, NULL, "mmio",
                                  SUB_SIZE);
        } else {
            memory_region_init_ram_ptr(&subs[i], NULL, "ram", SUB_SIZE,
                                       host_page);
        }
    }
}

static void subs_free(void)
{
    for (uint64_t i = 0; i < nr_subs; i++) {
        memory_region_finalize(&subs[i]);
    }
    g_free(subs);
    subs = NULL;
    nr_subs = 0;
}

static void remove_all(uint64_t n)
{
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < n; i++) {
        memory_region_del_subregion(&root, &subs[i]);
    }
    memory_region_transaction_commit();
}

/*
 * Where subregion i goes: its own slot, in address order, or (with
 * @slot_of set) in a shuffled order, so that the tree's order and the
 * address order have nothing to do with each other.
 */
static uint64_t *slot_of;

static hwaddr sub_addr(uint64_t i)
{
    return SUB_BASE + (slot_of ? slot_of[i] : i) * SUB_STRIDE;
}

/* One timed transaction adding @n subregions; returns ns, checks renders. */
static uint64_t add_n(uint64_t n, uint64_t *renders, uint64_t *commits)
{
    MemoryStats a, b;
    uint64_t t0, t;

    memory_get_stats(&a);
    t0 = bench_now_ns();
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < n; i++) {
        memory_region_add_subregion(&root, sub_addr(i), &subs[i]);
    }
    memory_region_transaction_commit();
    t = bench_now_ns() - t0;
    memory_get_stats(&b);
    *renders = b.renders - a.renders;
    *commits = b.commits - a.commits;
    remove_all(n);
    /*
     * The views this round published are freed by liburcu's call_rcu
     * thread; let it finish, so that it does not run on the other CPU
     * during the next timed transaction, touching the same regions.
     */
    rcu_barrier();
    return t;
}

static void shuffle_slots(uint64_t n)
{
    uint64_t x = 0x2545f4914f6cdd1dull;

    slot_of = g_new(uint64_t, n);
    for (uint64_t i = 0; i < n; i++) {
        slot_of[i] = i;
    }
    for (uint64_t i = n - 1; i > 0; i--) {
        uint64_t j, t;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        j = x % (i + 1);
        t = slot_of[i];
        slot_of[i] = slot_of[j];
        slot_of[j] = t;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static uint64_t sort_floor(uint64_t n)
{
    uint64_t *v = g_new(uint64_t, n);
    uint64_t x = 88172645463325252ull, t0, t;

    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = x;
    }
    t0 = bench_now_ns();
    qsort(v, n, sizeof(*v), cmp_u64);
    t = bench_now_ns() - t0;
    g_free(v);
    return t;
}

static void bench_adds(void)
{
    static const uint64_t sizes[] = { 1000, 3000, 10000, 30000, 100000 };
    unsigned reps = MIN(bench_opts.reps, 11);
    unsigned ns = G_N_ELEMENTS(sizes);
    double t[G_N_ELEMENTS(sizes)][16], f[G_N_ELEMENTS(sizes)][16];
    uint64_t bad_renders = 0, bad_commits = 0;
    FILE *dat = bench_data_open("p4-render.dat");

    if (bench_opts.quick) {
        ns = 3;
    }
    subs_init(sizes[ns - 1]);
    /* One untimed round first, so the allocator has seen the sizes. */
    for (unsigned k = 0; k < ns; k++) {
        uint64_t r, c;

        add_n(sizes[k], &r, &c);
    }
    for (unsigned i = 0; i < reps; i++) {
        for (unsigned k = 0; k < ns; k++) {
            uint64_t r, c;

            t[k][i] = add_n(sizes[k], &r, &c);
            f[k][i] = sort_floor(sizes[k]);
            bad_renders += r != 1;
            bad_commits += c != 1;
        }
    }
    if (dat) {
        fprintf(dat, "# regions commit-ns(median min max) "
                     "per-region-ns qsort-ns(median)\n");
    }
    for (unsigned k = 0; k < ns; k++) {
        char *params = bench_fmt("\"regions\": %" PRIu64, sizes[k]);
        BenchPair p = bench_pair_from(t[k], f[k], reps);

        bench_record("P4/add-in-one-transaction", params, "ns", &p,
                     "qsort of as many u64", BENCH_NO_TARGET, NULL);
        if (dat) {
            fprintf(dat, "%" PRIu64 " %.0f %.0f %.0f %.2f %.0f\n", sizes[k],
                    p.subject.median, p.subject.min, p.subject.max,
                    p.subject.median / sizes[k], p.floor.median);
        }
        g_free(params);
    }
    if (dat) {
        fclose(dat);
    }
    /* 10^5 against 10^4, matched repetition by repetition. */
    if (ns == G_N_ELEMENTS(sizes)) {
        BenchPair p = bench_pair_from(t[4], t[2], reps);

        bench_record("P4/scaling-1e5-vs-1e4", "\"regions\": 100000", "ns", &p,
                     "same, 10^4 regions", (BenchTarget){ BENCH_LE, 11.0 },
                     NULL);
        /* What the cache hierarchy does to a plain sort of as many keys. */
        p = bench_pair_from(f[4], f[2], reps);
        bench_record("P4/qsort-scaling-1e5-vs-1e4", "\"regions\": 100000",
                     "ns", &p, "qsort of 10^4 u64", BENCH_NO_TARGET,
                     "the floor's own growth from 10^4 to 10^5 keys");
    }

    /* The same in shuffled address order: the renderer must not care. */
    shuffle_slots(sizes[ns - 1]);
    for (unsigned i = 0; i < reps; i++) {
        for (unsigned k = 2; k < ns; k += 2) {
            uint64_t r, c;

            t[k][i] = add_n(sizes[k], &r, &c);
            f[k][i] = sort_floor(sizes[k]);
            bad_renders += r != 1;
        }
    }
    for (unsigned k = 2; k < ns; k += 2) {
        char *params = bench_fmt("\"regions\": %" PRIu64 ", \"order\": "
                                 "\"shuffled\"",
                                 sizes[k]);
        BenchPair p = bench_pair_from(t[k], f[k], reps);

        bench_record("P4/add-in-one-transaction", params, "ns", &p,
                     "qsort of as many u64", BENCH_NO_TARGET, NULL);
        g_free(params);
    }
    if (ns == G_N_ELEMENTS(sizes)) {
        BenchPair p = bench_pair_from(t[4], t[2], reps);

        bench_record("P4/scaling-1e5-vs-1e4",
                     "\"regions\": 100000, "
                     "\"order\": \"shuffled\"",
                     "ns", &p, "same, 10^4 regions",
                     (BenchTarget){ BENCH_LE, 11.0 }, NULL);
    }
    g_free(slot_of);
    slot_of = NULL;
    bench_record_count("P4/renders-per-commit", "\"regions\": \"all\"",
                       "renders", bad_renders ? 0 : 1,
                       (BenchTarget){ BENCH_EQ, 1 },
                       bad_renders ?
                           "some commit did not render exactly once" :
                           "every timed commit rendered once");
    bench_record_count("P4/commits-per-transaction", "\"regions\": \"all\"",
                       "commits", bad_commits ? 0 : 1,
                       (BenchTarget){ BENCH_EQ, 1 }, NULL);
    subs_free();
}

/* ---- 16 address spaces ------------------------------------------------------ */

static void bench_spaces(void)
{
    static const uint64_t sizes[] = { 10000, 100000 };
    unsigned reps = MIN(bench_opts.reps, 11);

    subs_init(bench_opts.quick ? 10000 : 100000);
    for (unsigned k = 0; k < G_N_ELEMENTS(sizes); k++) {
        uint64_t n = sizes[k];
        double one[16], many[16];
        uint64_t r, c, bad = 0;
        BenchPair p;
        char *params;

        if (n > nr_subs) {
            continue;
        }
        for (unsigned i = 0; i < reps; i++) {
            one[i] = add_n(n, &r, &c);
            bad += r != 1;
            for (unsigned s = 1; s < NR_SPACES; s++) {
                address_space_init(&spaces[s], &root, "extra");
            }
            many[i] = add_n(n, &r, &c);
            bad += r != 1;
            for (unsigned s = 1; s < NR_SPACES; s++) {
                address_space_destroy(&spaces[s]);
            }
        }
        params = bench_fmt("\"regions\": %" PRIu64 ", \"spaces\": %d", n,
                           NR_SPACES);
        p = bench_pair_from(many, one, reps);
        bench_record("P4/16-spaces-vs-1", params, "ns", &p,
                     "same commit, 1 space", (BenchTarget){ BENCH_LE, 1.5 },
                     NULL);
        g_free(params);
        params = bench_fmt("\"regions\": %" PRIu64 ", \"spaces\": %d", n,
                           NR_SPACES);
        bench_record_count("P4/renders-per-commit-16-spaces", params,
                           "renders", bad ? 0 : 1,
                           (BenchTarget){ BENCH_EQ, 1 }, NULL);
        g_free(params);
    }
    subs_free();
}

/* ---- listener calls for a small change -------------------------------------- */

typedef struct CountingListener {
    MemoryListener ml;
    uint64_t adds, dels;
} CountingListener;

static void count_add(MemoryListener *ml, MemoryRegionSection *s)
{
    ((CountingListener *)ml)->adds++;
}

static void count_del(MemoryListener *ml, MemoryRegionSection *s)
{
    ((CountingListener *)ml)->dels++;
}

static bool same_section(const MemoryRegionSection *a,
                         const MemoryRegionSection *b)
{
    return a->mr == b->mr &&
           a->offset_within_address_space == b->offset_within_address_space &&
           a->offset_within_region == b->offset_within_region &&
           a->size == b->size && a->readonly == b->readonly;
}

/* Sections of @a that are not in @b; both lists are sorted by address. */
static uint64_t sections_missing(const MemoryRegionSection *a, size_t na,
                                 const MemoryRegionSection *b, size_t nb)
{
    uint64_t missing = 0;
    size_t j = 0;

    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j].offset_within_address_space <
                             a[i].offset_within_address_space) {
            j++;
        }
        if (j == nb || !same_section(&a[i], &b[j])) {
            missing++;
        }
    }
    return missing;
}

static void bench_listener(void)
{
    const uint64_t n = 10000, changed = 10;
    CountingListener cl = {
        .ml = { .region_add = count_add,
                .region_del = count_del,
                .name = "bench" },
    };
    MemoryRegionSection *before, *after;
    size_t nb, na;
    MemoryStats a, b;
    uint64_t expect, t0, t_small;
    uint64_t r, c;
    double small[16], big[16];
    unsigned reps = MIN(bench_opts.reps, 11);
    BenchPair p;

    subs_init(n + changed);
    for (unsigned i = 0; i < reps; i++) {
        big[i] = add_n(n, &r, &c);
    }
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < n; i++) {
        memory_region_add_subregion(&root, SUB_BASE + i * SUB_STRIDE,
                                    &subs[i]);
    }
    memory_region_transaction_commit();
    memory_listener_register(&cl.ml, &spaces[0]);
    cl.adds = cl.dels = 0;

    /*
     * The change: remove @changed regions, add @changed new ones in the
     * gaps, move @changed more, all in one transaction.
     */
    for (unsigned i = 0; i < reps; i++) {
        bool forth = i % 2 == 0;

        before = address_space_get_sections(&spaces[0], &nb);
        memory_get_stats(&a);
        t0 = bench_now_ns();
        memory_region_transaction_begin();
        for (uint64_t k = 0; k < changed; k++) {
            uint64_t gone = 100 + k * 7, moved = 5000 + k * 13;

            if (forth) {
                memory_region_del_subregion(&root, &subs[gone]);
                memory_region_add_subregion(&root,
                                            SUB_BASE + (n + k) * SUB_STRIDE +
                                                SUB_SIZE,
                                            &subs[n + k]);
                memory_region_set_address(&subs[moved],
                                          SUB_BASE + moved * SUB_STRIDE +
                                              SUB_SIZE);
            } else {
                memory_region_add_subregion(&root,
                                            SUB_BASE + gone * SUB_STRIDE,
                                            &subs[gone]);
                memory_region_del_subregion(&root, &subs[n + k]);
                memory_region_set_address(&subs[moved],
                                          SUB_BASE + moved * SUB_STRIDE);
            }
        }
        memory_region_transaction_commit();
        t_small = bench_now_ns() - t0;
        memory_get_stats(&b);
        after = address_space_get_sections(&spaces[0], &na);
        expect = sections_missing(before, nb, after, na) +
                 sections_missing(after, na, before, nb);
        small[i] = t_small;
        if (i == 0) {
            char *params = bench_fmt("\"regions\": %" PRIu64
                                     ", \"changed_ranges\": %" PRIu64,
                                     n, expect);

            bench_record_count("P4/listener-calls", params, "calls",
                               b.listener_calls - a.listener_calls,
                               (BenchTarget){ BENCH_EQ, (double)expect },
                               "region_add + region_del for one small "
                               "transaction; expected = diff of sections");
            bench_record_count("P4/listener-callbacks-seen", params, "calls",
                               cl.adds + cl.dels,
                               (BenchTarget){ BENCH_EQ, (double)expect },
                               NULL);
            g_free(params);
        }
        g_free(before);
        g_free(after);
    }
    p = bench_pair_from(small, big, reps);
    bench_record("P4/small-change-under-1e4",
                 "\"regions\": 10000, "
                 "\"changed_regions\": 30",
                 "ns", &p, "adding all 10^4", BENCH_NO_TARGET, NULL);
    memory_listener_unregister(&cl.ml);
    /* Put the moved ones back where remove_all() expects nothing odd. */
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < n + changed; i++) {
        if (memory_region_is_mapped(&subs[i])) {
            memory_region_del_subregion(&root, &subs[i]);
        }
    }
    memory_region_transaction_commit();
    subs_free();
}

int main(int argc, char **argv)
{
    bench_init(argc, argv, "bench-topology");
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&spaces[0], &root, "bench");
    bench_adds();
    bench_spaces();
    bench_listener();
    address_space_destroy(&spaces[0]);
    memory_region_finalize(&root);
    return bench_finish();
}
