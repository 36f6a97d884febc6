/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * P8: reader scaling under topology changes.
 *
 * One or two reader threads call address_space_read() as fast as they can
 * while a committer thread changes the topology 1000 times a second. The
 * figure is the aggregate read rate of two readers against one, measured
 * in alternating windows of the same run.
 *
 * Every reader also checks what it saw. The committer's commit number c
 * maps slot c % NR_SLOTS at the window; each slot's page holds one byte
 * value everywhere. A 64-byte read of the window that mixes values is
 * torn. A read that began after commit c had returned must see commit c
 * or a later one: anything older is stale. (The committer bumps @started
 * before a commit and @committed after it, so a reader that loads
 * @committed = c0 before reading and @started = c1 after must have seen
 * some commit in [c0, c1].)
 *
 * The machine has two cores and other work on it, so a control runs in
 * the same windows: the same threads doing a plain copy loop that never
 * enters memcore. Its scaling is what the machine gave us at that moment.
 */
#include <string.h>
#include <time.h>
#include <glib.h>

#include "exec/memcore-atomic.h"
#include "exec/memory.h"
#include "bench.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED
#define NR_SLOTS 8
#define WINDOW 0x80000000ull
#define RAM_BASE 0x100000ull
#define RAM_SIZE (4ull << 20)
#define NR_READERS 2
/* Plain 8-byte reads between two checked reads of the window. */
#define PLAIN_PER_CHECK 15

static MemoryRegion root, ram, slots[NR_SLOTS], others[64];
static AddressSpace as;
static bool others_on[64];
static uint64_t started, committed; /* commit numbers, see above */
static bool stop_committer;

typedef struct Reader {
    GThread *thread;
    uint64_t ops;
    uint64_t torn, stale, unverifiable, errors;
    uint8_t *control_buf;
} Reader;

static struct {
    GMutex lock;
    GCond cond;
    unsigned generation; /* bumped to start a window */
    unsigned active; /* readers wanted in this window */
    bool control;
    bool quit;
    bool running; /* readers stop when it goes false */
} run;

static bool check_window(const uint8_t *buf, uint64_t c0, uint64_t c1,
                         Reader *r)
{
    uint8_t v = buf[0];
    unsigned slot;

    for (unsigned i = 1; i < 64; i++) {
        if (buf[i] != v) {
            r->torn++;
            return false;
        }
    }
    slot = v - 0x10;
    if (slot >= NR_SLOTS) {
        r->torn++;
        return false;
    }
    if (c1 - c0 >= NR_SLOTS) {
        r->unverifiable++; /* the reader slept through a whole cycle */
        return true;
    }
    for (uint64_t c = c0; c <= c1; c++) {
        if (c % NR_SLOTS == slot) {
            return true;
        }
    }
    r->stale++;
    return false;
}

static void reader_window(Reader *r)
{
    uint64_t ops = 0, page = 0;

    while (qatomic_read(&run.running)) {
        uint8_t buf[64];
        uint64_t c0, c1, v;

        c0 = qatomic_load_acquire(&committed);
        if (address_space_read(&as, WINDOW, ATTRS, buf, 64) != MEMTX_OK) {
            r->errors++;
        }
        c1 = qatomic_load_acquire(&started);
        check_window(buf, c0, c1, r);
        for (unsigned i = 0; i < PLAIN_PER_CHECK; i++) {
            address_space_read(&as,
                               RAM_BASE + ((page & 1023) << 12) +
                                   ((page & 63) << 6),
                               ATTRS, &v, 8);
            bench_sink(v);
            page += 37;
        }
        ops += 1 + PLAIN_PER_CHECK;
    }
    r->ops = ops;
}

/* The same shape of work, with no memcore in it: the machine's scaling. */
static void control_window(Reader *r)
{
    uint64_t ops = 0, page = 0;

    while (qatomic_read(&run.running)) {
        uint8_t buf[64];
        uint64_t v;

        memcpy(buf, bench_launder(r->control_buf), 64);
        bench_use(buf);
        for (unsigned i = 0; i < PLAIN_PER_CHECK; i++) {
            memcpy(&v,
                   bench_launder(r->control_buf) + ((page & 1023) << 12) +
                       ((page & 63) << 6),
                   8);
            bench_sink(v);
            page += 37;
        }
        ops += 1 + PLAIN_PER_CHECK;
    }
    r->ops = ops;
}

static gpointer reader_thread(gpointer opaque)
{
    Reader *r = opaque;
    unsigned seen = 0;

    for (;;) {
        bool control;

        g_mutex_lock(&run.lock);
        while (run.generation == seen && !run.quit) {
            g_cond_wait(&run.cond, &run.lock);
        }
        if (run.quit) {
            g_mutex_unlock(&run.lock);
            return NULL;
        }
        seen = run.generation;
        control = run.control;
        g_mutex_unlock(&run.lock);
        if (control) {
            control_window(r);
        } else {
            reader_window(r);
        }
        g_mutex_lock(&run.lock);
        run.active--;
        g_cond_broadcast(&run.cond);
        g_mutex_unlock(&run.lock);
    }
}

/* Commit 1000 times a second: move the window to the next slot. */
static gpointer committer_thread(gpointer opaque)
{
    uint64_t c = qatomic_read(&committed);
    uint64_t *commits = opaque;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!qatomic_read(&stop_committer)) {
        MemoryRegion *old = &slots[c % NR_SLOTS];
        MemoryRegion *new = &slots[(c + 1) % NR_SLOTS];
        MemoryRegion *other = &others[c % 64];

        qatomic_store_release(&started, c + 1);
        memory_region_transaction_begin();
        memory_region_del_subregion(&root, old);
        memory_region_add_subregion(&root, WINDOW, new);
        /* Something else changes too, so the view is really new. */
        others_on[c % 64] = !others_on[c % 64];
        memory_region_set_enabled(other, others_on[c % 64]);
        memory_region_transaction_commit();
        c++;
        qatomic_store_release(&committed, c);
        (*commits)++;

        next.tv_nsec += 1000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return NULL;
}

/* Run @nr threads for @ms; returns the aggregate ops per second. */
static double window(Reader *readers, unsigned nr, bool control, double ms)
{
    uint64_t t0, t1, ops = 0;

    g_mutex_lock(&run.lock);
    run.active = nr;
    run.control = control;
    for (unsigned i = 0; i < nr; i++) {
        readers[i].ops = 0;
    }
    qatomic_set(&run.running, true);
    run.generation++;
    g_cond_broadcast(&run.cond);
    g_mutex_unlock(&run.lock);
    t0 = bench_wall_ns();
    g_usleep((gulong)(ms * 1000));
    qatomic_set(&run.running, false);
    g_mutex_lock(&run.lock);
    while (run.active) {
        g_cond_wait(&run.cond, &run.lock);
    }
    g_mutex_unlock(&run.lock);
    t1 = bench_wall_ns();
    for (unsigned i = 0; i < nr; i++) {
        ops += readers[i].ops;
    }
    return ops / ((t1 - t0) / 1e9);
}

int main(int argc, char **argv)
{
    Reader one[1] = { 0 }, two[NR_READERS] = { 0 };
    unsigned reps;
    double r1[32], r2[32], c1[32], c2[32];
    uint64_t commits = 0, t0, t1;
    uint64_t torn = 0, stale = 0, unverifiable = 0, errors = 0;
    double ms;
    GThread *committer;
    GError *err = NULL;
    uint8_t *control_buf;
    BenchPair p;
    FILE *dat;

    bench_init(argc, argv, "bench-readers");
    reps = MIN(bench_opts.reps, 31);
    ms = bench_opts.quick ? 50 : 250;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    if (!memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &err)) {
        g_error("%s", err->message);
    }
    memset(memory_region_get_ram_ptr(&ram), 0x77, RAM_SIZE);
    memory_region_add_subregion(&root, RAM_BASE, &ram);
    for (unsigned i = 0; i < NR_SLOTS; i++) {
        if (!memory_region_init_ram(&slots[i], NULL, "slot", 0x1000, &err)) {
            g_error("%s", err->message);
        }
        memset(memory_region_get_ram_ptr(&slots[i]), 0x10 + i, 0x1000);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(others); i++) {
        if (!memory_region_init_ram(&others[i], NULL, "other", 0x1000, &err)) {
            g_error("%s", err->message);
        }
        memory_region_add_subregion(&root, 0x40000000ull + i * 0x10000,
                                    &others[i]);
        others_on[i] = true;
    }
    memory_region_add_subregion(&root, WINDOW, &slots[0]);
    address_space_init(&as, &root, "readers");
    control_buf = g_malloc0(RAM_SIZE);

    g_mutex_init(&run.lock);
    g_cond_init(&run.cond);
    one[0].control_buf = control_buf;
    for (unsigned i = 0; i < NR_READERS; i++) {
        two[i].control_buf = control_buf;
    }

    committer = g_thread_new("committer", committer_thread, &commits);
    t0 = bench_wall_ns();
    for (unsigned i = 0; i < reps; i++) {
        /* Alternate which goes first, as bench_pair() does. */
        for (unsigned k = 0; k < 2; k++) {
            bool two_first = (i + k) % 2;
            Reader *rs = two_first ? two : one;
            unsigned nr = two_first ? NR_READERS : 1;
            double v;

            for (unsigned j = 0; j < nr; j++) {
                rs[j].thread = g_thread_new("reader", reader_thread, &rs[j]);
            }
            v = window(rs, nr, false, ms);
            (two_first ? r2 : r1)[i] = v;
            v = window(rs, nr, true, ms);
            (two_first ? c2 : c1)[i] = v;
            g_mutex_lock(&run.lock);
            run.quit = true;
            g_cond_broadcast(&run.cond);
            g_mutex_unlock(&run.lock);
            for (unsigned j = 0; j < nr; j++) {
                g_thread_join(rs[j].thread);
                torn += rs[j].torn;
                stale += rs[j].stale;
                unverifiable += rs[j].unverifiable;
                errors += rs[j].errors;
                rs[j].torn = rs[j].stale = rs[j].unverifiable = 0;
                rs[j].errors = 0;
            }
            g_mutex_lock(&run.lock);
            run.quit = false;
            run.generation = 0;
            g_mutex_unlock(&run.lock);
        }
    }
    qatomic_set(&stop_committer, true);
    g_thread_join(committer);
    t1 = bench_wall_ns();

    p = bench_pair_from(r2, r1, reps);
    bench_record("P8/two-readers-vs-one",
                 "\"readers\": 2, "
                 "\"commit_hz\": 1000",
                 "reads/s", &p, "one reader, same run", BENCH_NO_TARGET,
                 "judged against the machine in P8/scaling-vs-machine");
    p = bench_pair_from(c2, c1, reps);
    bench_record("P8/control-two-vs-one", "\"threads\": 2", "loops/s", &p,
                 "one thread, same run", BENCH_NO_TARGET,
                 "a copy loop outside memcore: what the machine allowed");
    {
        double rr[32], cc[32];
        BenchPair q;

        for (unsigned i = 0; i < reps; i++) {
            rr[i] = r2[i] / r1[i];
            cc[i] = c2[i] / c1[i];
        }
        q = bench_pair_from(rr, cc, reps);
        bench_record("P8/scaling-vs-machine", "\"readers\": 2", "x", &q,
                     "control scaling", (BenchTarget){ BENCH_GE, 0.9 },
                     "memcore's 2-vs-1 scaling over the control's");
    }
    dat = bench_data_open("p8-summary.dat");
    if (dat) {
        BenchPair q1 = bench_pair_from(r1, c1, reps);
        BenchPair q2 = bench_pair_from(r2, c2, reps);

        fprintf(dat, "# threads reads(median min max) control(median min "
                     "max), Mops/s\n");
        fprintf(dat, "1 %.3f %.3f %.3f %.3f %.3f %.3f\n",
                q1.subject.median / 1e6, q1.subject.min / 1e6,
                q1.subject.max / 1e6, q1.floor.median / 1e6,
                q1.floor.min / 1e6, q1.floor.max / 1e6);
        fprintf(dat, "2 %.3f %.3f %.3f %.3f %.3f %.3f\n",
                q2.subject.median / 1e6, q2.subject.min / 1e6,
                q2.subject.max / 1e6, q2.floor.median / 1e6,
                q2.floor.min / 1e6, q2.floor.max / 1e6);
        fclose(dat);
    }
    dat = bench_data_open("p8-readers.dat");
    if (dat) {
        fprintf(dat, "# rep one-reader two-readers control-one control-two "
                     "(Mreads/s)\n");
        for (unsigned i = 0; i < reps; i++) {
            fprintf(dat, "%u %.3f %.3f %.3f %.3f\n", i, r1[i] / 1e6,
                    r2[i] / 1e6, c1[i] / 1e6, c2[i] / 1e6);
        }
        fclose(dat);
    }
    bench_record_count("P8/commit-rate", "", "commits/s",
                       (double)(uint64_t)(commits / ((t1 - t0) / 1e9)),
                       BENCH_NO_TARGET, "aimed at 1000");
    bench_record_count("P8/torn-reads", "", "reads", torn,
                       (BenchTarget){ BENCH_EQ, 0 }, NULL);
    bench_record_count("P8/stale-after-commit", "", "reads", stale,
                       (BenchTarget){ BENCH_EQ, 0 }, NULL);
    bench_record_count("P8/read-errors", "", "reads", errors,
                       (BenchTarget){ BENCH_EQ, 0 }, NULL);
    bench_record_count("P8/unverifiable", "", "reads", unverifiable,
                       BENCH_NO_TARGET,
                       "reader slept through 8 commits; not judged");

    address_space_destroy(&as);
    g_free(control_buf);
    return bench_finish();
}
