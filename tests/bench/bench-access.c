/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * P1, P2, P3: the cost of one access.
 *
 * P1  RAM reads and writes through address_space_read/write and ld/st,
 *     against copying the same bytes from a host pointer the compiler
 *     cannot see through.
 * P2  The same with 1, 10^2, 10^4 and 10^5 regions mapped, with the reads
 *     spread over every region (so the per-thread MRU section never hits)
 *     and on one hot address. The floor is one region covering the same
 *     addresses over the same host memory, so that the two differ only in
 *     how the address is dispatched, not in which cache lines are touched.
 * P3  A 4-byte MMIO read through dispatch against calling the device's
 *     read callback through a function pointer.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>

#include <urcu.h>

#include "exec/memory.h"
#include "bench.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED

/* Hot-path accesses cycle over this many cache lines of one page. */
#define HOT_LINES 64

/* ---- P1: RAM --------------------------------------------------------------- */

#define RAM_BASE 0x100000ull
#define RAM_SIZE (16ull << 20)

static MemoryRegion p1_root, p1_ram;
static AddressSpace p1_as;

typedef struct AccessCtx {
    AddressSpace *as;
    hwaddr base; /* guest address of host[0] */
    uint8_t *host;
    unsigned size;
    uint64_t nr; /* P2: regions (pages) to spread over */
    uint64_t stride; /* P2: step between pages, coprime with @nr */
} AccessCtx;

static uint64_t run_read(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint8_t buf[4096];
    unsigned size = c->size;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr off = size >= 4096 ? (i & 3) << 12 : (i % HOT_LINES) << 6;

        address_space_read(c->as, c->base + off, ATTRS, buf, size);
        bench_use(buf);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_write(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint8_t buf[4096] = { 1 };
    unsigned size = c->size;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr off = size >= 4096 ? (i & 3) << 12 : (i % HOT_LINES) << 6;

        bench_use(buf);
        address_space_write(c->as, c->base + off, ATTRS, buf, size);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_ldl(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t v = address_space_ldl_le(c->as,
                                          c->base + ((i % HOT_LINES) << 6),
                                          ATTRS, NULL);

        bench_sink(v);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_stl(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        address_space_stl_le(c->as, c->base + ((i % HOT_LINES) << 6),
                             (uint32_t)i, ATTRS, NULL);
    }
    return bench_now_ns() - t0;
}

/*
 * The floors: the same copies from the host pointer. The pointer is
 * laundered so the compiler must really load and store; the copy itself
 * is inlined, as any device model holding a host pointer would get.
 */
#define DEFINE_FLOOR_READ(n)                                               \
    static uint64_t floor_read_##n(void *opaque, uint64_t iters)           \
    {                                                                      \
        AccessCtx *c = opaque;                                             \
        uint8_t buf[n];                                                    \
        uint64_t t0 = bench_now_ns();                                      \
                                                                           \
        for (uint64_t i = 0; i < iters; i++) {                             \
            size_t off = n >= 4096 ? (i & 3) << 12 : (i % HOT_LINES) << 6; \
                                                                           \
            memcpy(buf, bench_launder(c->host) + off, n);                  \
            bench_use(buf);                                                \
        }                                                                  \
        return bench_now_ns() - t0;                                        \
    }                                                                      \
    static uint64_t floor_write_##n(void *opaque, uint64_t iters)          \
    {                                                                      \
        AccessCtx *c = opaque;                                             \
        uint8_t buf[n] = { 1 };                                            \
        uint64_t t0 = bench_now_ns();                                      \
                                                                           \
        for (uint64_t i = 0; i < iters; i++) {                             \
            size_t off = n >= 4096 ? (i & 3) << 12 : (i % HOT_LINES) << 6; \
                                                                           \
            bench_use(buf);                                                \
            memcpy(bench_launder(c->host) + off, buf, n);                  \
        }                                                                  \
        return bench_now_ns() - t0;                                        \
    }

DEFINE_FLOOR_READ(1)
DEFINE_FLOOR_READ(2)
DEFINE_FLOOR_READ(4)
DEFINE_FLOOR_READ(8)
DEFINE_FLOOR_READ(64)
DEFINE_FLOOR_READ(4096)

/*
 * A second, softer floor for the 8-byte case: memcpy called through a
 * function pointer the compiler cannot see through, so it is a real call
 * as the copy inside address_space_read() is. Reported, not judged.
 */
static void *(*volatile memcpy_ptr)(void *, const void *, size_t) = memcpy;

static uint64_t floor_read_8_call(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint8_t buf[8];
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        memcpy_ptr(buf, c->host + ((i % HOT_LINES) << 6), 8);
        bench_use(buf);
    }
    return bench_now_ns() - t0;
}

/*
 * What any out-of-line accessor that honours RCU must pay at least: a
 * call that takes the read lock, copies 8 bytes and drops the lock, and
 * nothing else (no lookup, no checks). Reported against the same floor,
 * so the P1 ratio can be read against what is achievable at all.
 */
static void __attribute__((noinline)) locked_copy8(void *dst, const void *src)
{
    rcu_read_lock();
    memcpy(dst, src, 8);
    rcu_read_unlock();
}

static uint64_t bound_read_8(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint8_t buf[8];
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        locked_copy8(buf, c->host + ((i % HOT_LINES) << 6));
        bench_use(buf);
    }
    return bench_now_ns() - t0;
}

/*
 * The same, inline: what an inline accessor that takes liburcu's read
 * lock around the copy costs at least, with no lookup and no check. The
 * inline fast path of exec/memory-fast.h is this plus the entry check.
 */
static uint64_t bound_inline_read_8(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint8_t buf[8];
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        rcu_read_lock();
        memcpy(buf, bench_launder(c->host) + ((i % HOT_LINES) << 6), 8);
        rcu_read_unlock();
        bench_use(buf);
    }
    return bench_now_ns() - t0;
}

static const struct {
    unsigned size;
    BenchFn rd, wr;
} p1_floors[] = {
    { 1, floor_read_1, floor_write_1 },
    { 2, floor_read_2, floor_write_2 },
    { 4, floor_read_4, floor_write_4 },
    { 8, floor_read_8, floor_write_8 },
    { 64, floor_read_64, floor_write_64 },
    { 4096, floor_read_4096, floor_write_4096 },
};

static void bench_p1(void)
{
    AccessCtx c;
    GError *err = NULL;
    BenchPair p;
    char *params;

    memory_region_init(&p1_root, NULL, "root", UINT64_MAX);
    if (!memory_region_init_ram(&p1_ram, NULL, "ram", RAM_SIZE, &err)) {
        g_error("%s", err->message);
    }
    memory_region_add_subregion(&p1_root, RAM_BASE, &p1_ram);
    address_space_init(&p1_as, &p1_root, "p1");

    c = (AccessCtx){
        .as = &p1_as,
        .base = RAM_BASE,
        .host = memory_region_get_ram_ptr(&p1_ram),
    };
    memset(c.host, 0x5a, RAM_SIZE);

    for (unsigned k = 0; k < G_N_ELEMENTS(p1_floors); k++) {
        BenchTarget t = BENCH_NO_TARGET;

        c.size = p1_floors[k].size;
        if (c.size == 8) {
            t = (BenchTarget){ BENCH_LE, 2.5 };
        }
        params = bench_fmt("\"size\": %u", c.size);
        p = bench_pair(run_read, &c, p1_floors[k].rd, &c);
        bench_record("P1/ram-read", params, "ns/op", &p, "memcpy-inline", t,
                     c.size == 8 ? "floor: an inlined 8-byte copy through "
                                   "a laundered pointer (the strict reading)" :
                                   NULL);
        p = bench_pair(run_write, &c, p1_floors[k].wr, &c);
        bench_record("P1/ram-write", params, "ns/op", &p, "memcpy-inline",
                     BENCH_NO_TARGET, NULL);
        g_free(params);
    }

    c.size = 8;
    p = bench_pair(run_read, &c, floor_read_8_call, &c);
    bench_record("P1/ram-read-vs-call", "\"size\": 8", "ns/op", &p,
                 "memcpy-call", (BenchTarget){ BENCH_LE, 4.0 },
                 "the other reading of the floor: memcpy called through "
                 "a function pointer the compiler cannot see through");
    /* The thread is registered with RCU by the reads above. */
    p = bench_pair(bound_read_8, &c, floor_read_8, &c);
    bench_record("P1/lower-bound-call-rcu-copy", "\"size\": 8", "ns/op", &p,
                 "memcpy-inline", BENCH_NO_TARGET,
                 "a bare out-of-line call with rcu_read_lock/unlock around "
                 "the copy: the least any RCU-protected accessor costs");
    p = bench_pair(bound_inline_read_8, &c, floor_read_8, &c);
    bench_record("P1/lower-bound-inline-rcu-copy", "\"size\": 8", "ns/op", &p,
                 "memcpy-inline", BENCH_NO_TARGET,
                 "rcu_read_lock/unlock inline around the inlined copy: the "
                 "least an RCU-protected inline fast path costs");

    c.size = 4;
    p = bench_pair(run_ldl, &c, floor_read_4, &c);
    bench_record("P1/ldl_le", "\"size\": 4", "ns/op", &p, "memcpy-inline",
                 (BenchTarget){ BENCH_LE, 3.0 }, NULL);
    p = bench_pair(run_stl, &c, floor_write_4, &c);
    bench_record("P1/stl_le", "\"size\": 4", "ns/op", &p, "memcpy-inline",
                 (BenchTarget){ BENCH_LE, 3.0 }, NULL);
}

/* ---- P2: scaling with the number of regions ------------------------------ */

#define P2_BASE 0x100000000ull
#define P2_PAGE 4096ull

typedef struct ScaleSetup {
    uint64_t n;
    MemoryRegion root_n, root_1, one;
    MemoryRegion *regions;
    AddressSpace as_n, as_1;
    uint8_t *host;
    size_t host_size;
} ScaleSetup;

static void scale_setup(ScaleSetup *s, uint64_t n)
{
    s->n = n;
    s->host_size = n * P2_PAGE;
    s->host = mmap(NULL, s->host_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert(s->host != MAP_FAILED);
    /* Fewer TLB misses for both sides; the point is the dispatch. */
    madvise(s->host, s->host_size, MADV_HUGEPAGE);
    memset(s->host, 0x33, s->host_size);

    /* n regions, one page each, over consecutive pages of the host. */
    memory_region_init(&s->root_n, NULL, "root-n", UINT64_MAX);
    s->regions = g_new0(MemoryRegion, n);
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < n; i++) {
        memory_region_init_ram_ptr(&s->regions[i], NULL, "r", P2_PAGE,
                                   s->host + i * P2_PAGE);
        memory_region_add_subregion(&s->root_n, P2_BASE + i * P2_PAGE,
                                    &s->regions[i]);
    }
    memory_region_transaction_commit();
    address_space_init(&s->as_n, &s->root_n, "scale-n");

    /* The floor: one region over exactly the same addresses and host. */
    memory_region_init(&s->root_1, NULL, "root-1", UINT64_MAX);
    memory_region_init_ram_ptr(&s->one, NULL, "one", s->host_size, s->host);
    memory_region_add_subregion(&s->root_1, P2_BASE, &s->one);
    address_space_init(&s->as_1, &s->root_1, "scale-1");
}

static void scale_teardown(ScaleSetup *s)
{
    address_space_destroy(&s->as_n);
    address_space_destroy(&s->as_1);
    memory_region_finalize(&s->root_n);
    memory_region_finalize(&s->root_1);
    for (uint64_t i = 0; i < s->n; i++) {
        memory_region_finalize(&s->regions[i]);
    }
    memory_region_finalize(&s->one);
    g_free(s->regions);
    munmap(s->host, s->host_size);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;

        a = b;
        b = t;
    }
    return a;
}

/*
 * A step through the pages that visits each once per round, consecutive
 * visits far apart: about n/phi, made coprime with n.
 */
static uint64_t spread_stride(uint64_t n)
{
    uint64_t st = (uint64_t)(n * 0.6180339887) | 1;

    if (n <= 1) {
        return 0;
    }
    while (gcd64(n, st) != 1) {
        st += 2;
    }
    return st % n;
}

static uint64_t run_spread_read(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t page = 0, v;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        /* Vary the line too, so the host lines do not share a cache set. */
        hwaddr addr = c->base + page * P2_PAGE + ((page & 63) << 6);

        address_space_read(c->as, addr, ATTRS, &v, 8);
        bench_sink(v);
        page += c->stride;
        if (page >= c->nr) {
            page -= c->nr;
        }
    }
    return bench_now_ns() - t0;
}

static uint64_t run_spread_write(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t page = 0;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr addr = c->base + page * P2_PAGE + ((page & 63) << 6);

        address_space_write(c->as, addr, ATTRS, &i, 8);
        page += c->stride;
        if (page >= c->nr) {
            page -= c->nr;
        }
    }
    return bench_now_ns() - t0;
}

static uint64_t run_spread_ldl(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t page = 0;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr addr = c->base + page * P2_PAGE + ((page & 63) << 6);
        uint32_t v = address_space_ldl_le(c->as, addr, ATTRS, NULL);

        bench_sink(v);
        page += c->stride;
        if (page >= c->nr) {
            page -= c->nr;
        }
    }
    return bench_now_ns() - t0;
}

static uint64_t run_hot_read(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    hwaddr addr = c->base + (c->nr / 2) * P2_PAGE + 0x40;
    uint64_t v;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        address_space_read(c->as, addr, ATTRS, &v, 8);
        bench_sink(v);
    }
    return bench_now_ns() - t0;
}

/* Floor of the floors: the same spread loads straight from host memory. */
static uint64_t floor_spread_host(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t page = 0, v;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint8_t *p = bench_launder(c->host) + page * P2_PAGE +
                     ((page & 63) << 6);

        memcpy(&v, p, 8);
        bench_sink(v);
        page += c->stride;
        if (page >= c->nr) {
            page -= c->nr;
        }
    }
    return bench_now_ns() - t0;
}

static void bench_p2(void)
{
    static const uint64_t counts[] = { 1, 100, 10000, 100000 };
    static const struct {
        const char *name;
        BenchFn fn;
    } kinds[] = {
        { "P2/read-spread", run_spread_read },
        { "P2/read-hot", run_hot_read },
        { "P2/write-spread", run_spread_write },
        { "P2/ldl_le-spread", run_spread_ldl },
    };
    FILE *dat = bench_data_open("p2-scaling.dat");

    if (dat) {
        fprintf(dat,
                "# regions read-spread read-hot write-spread "
                "ldl-spread one-region-spread host-spread (ns/op medians)\n");
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(counts); k++) {
        ScaleSetup s = { 0 };
        uint64_t n = counts[k];
        AccessCtx cn, c1;
        double row[6];
        BenchPair p;
        char *params;

        if (bench_opts.quick && n > 10000) {
            continue;
        }
        scale_setup(&s, n);
        cn = (AccessCtx){
            .as = &s.as_n,
            .base = P2_BASE,
            .host = s.host,
            .nr = n,
            .stride = spread_stride(n),
        };
        c1 = cn;
        c1.as = &s.as_1;

        for (unsigned j = 0; j < G_N_ELEMENTS(kinds); j++) {
            BenchTarget t = BENCH_NO_TARGET;

            if (n == 10000 && j == 0) {
                t = (BenchTarget){ BENCH_LE, 2.0 };
            }
            params = bench_fmt("\"regions\": %" PRIu64 ", \"size\": %u", n,
                               j == 3 ? 4 : 8);
            p = bench_pair(kinds[j].fn, &cn, kinds[j].fn, &c1);
            bench_record(kinds[j].name, params, "ns/op", &p,
                         "same access, 1 region", t, NULL);
            row[j] = p.subject.median;
            if (j == 0) {
                row[4] = p.floor.median;
            }
            g_free(params);
        }
        /* How much of the spread read is the memory itself. */
        params = bench_fmt("\"regions\": %" PRIu64 ", \"size\": 8", n);
        p = bench_pair(run_spread_read, &cn, floor_spread_host, &cn);
        bench_record("P2/read-spread-vs-host", params, "ns/op", &p,
                     "host load, same addresses", BENCH_NO_TARGET, NULL);
        row[5] = p.floor.median;
        g_free(params);
        if (dat) {
            fprintf(dat, "%" PRIu64 " %.3f %.3f %.3f %.3f %.3f %.3f\n", n,
                    row[0], row[1], row[2], row[3], row[4], row[5]);
        }
        scale_teardown(&s);
    }
    if (dat) {
        fclose(dat);
    }
}

/* ---- P3: MMIO -------------------------------------------------------------- */

#define MMIO_BASE 0xfe000000ull

typedef struct Dev {
    uint32_t regs[64];
} Dev;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;

    return d->regs[(addr >> 2) & 63];
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Dev *d = opaque;

    d->regs[(addr >> 2) & 63] = val;
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static Dev p3_dev, p3_dev_guarded;
static MemoryRegion p3_root, p3_mmio, p3_mmio_guarded;
static MemReentrancyGuard p3_guard = { .name = "p3-dev" };
static AddressSpace p3_as;

static uint64_t run_mmio_read(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t v;

        address_space_read(c->as, c->base + ((i & 63) << 2), ATTRS, &v, 4);
        bench_sink(v);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_mmio_ldl(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t v = address_space_ldl_le(c->as, c->base + ((i & 63) << 2),
                                          ATTRS, NULL);

        bench_sink(v);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_mmio_write(void *opaque, uint64_t iters)
{
    AccessCtx *c = opaque;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t v = i;

        address_space_write(c->as, c->base + ((i & 63) << 2), ATTRS, &v, 4);
    }
    return bench_now_ns() - t0;
}

static uint64_t floor_callback_read(void *opaque, uint64_t iters)
{
    uint64_t (*volatile fn)(void *, hwaddr, unsigned) = dev_read;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t v = fn(&p3_dev, (i & 63) << 2, 4);

        bench_sink(v);
    }
    return bench_now_ns() - t0;
}

static uint64_t floor_callback_write(void *opaque, uint64_t iters)
{
    void (*volatile fn)(void *, hwaddr, uint64_t, unsigned) = dev_write;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        fn(&p3_dev, (i & 63) << 2, (uint32_t)i, 4);
    }
    return bench_now_ns() - t0;
}

static void bench_p3(void)
{
    AccessCtx c;
    BenchPair p;

    memory_region_init(&p3_root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&p3_mmio, NULL, &dev_ops, &p3_dev, "dev", 0x1000);
    memory_region_add_subregion(&p3_root, MMIO_BASE, &p3_mmio);
    /* The same device with a re-entrancy guard, to show what it costs. */
    memory_region_init_io(&p3_mmio_guarded, NULL, &dev_ops, &p3_dev_guarded,
                          "dev-guarded", 0x1000);
    memory_region_set_reentrancy_guard(&p3_mmio_guarded, &p3_guard);
    memory_region_add_subregion(&p3_root, MMIO_BASE + 0x1000,
                                &p3_mmio_guarded);
    address_space_init(&p3_as, &p3_root, "p3");
    c = (AccessCtx){ .as = &p3_as, .base = MMIO_BASE, .size = 4 };

    p = bench_pair(run_mmio_read, &c, floor_callback_read, NULL);
    bench_record("P3/mmio-read", "\"size\": 4", "ns/op", &p,
                 "callback via fn pointer", (BenchTarget){ BENCH_LE, 3.0 },
                 NULL);
    c.base = MMIO_BASE + 0x1000;
    p = bench_pair(run_mmio_read, &c, floor_callback_read, NULL);
    bench_record("P3/mmio-read-guarded", "\"size\": 4", "ns/op", &p,
                 "callback via fn pointer", BENCH_NO_TARGET,
                 "the same device with a MemReentrancyGuard set");
    c.base = MMIO_BASE;
    p = bench_pair(run_mmio_ldl, &c, floor_callback_read, NULL);
    bench_record("P3/mmio-ldl_le", "\"size\": 4", "ns/op", &p,
                 "callback via fn pointer", BENCH_NO_TARGET, NULL);
    p = bench_pair(run_mmio_write, &c, floor_callback_write, NULL);
    bench_record("P3/mmio-write", "\"size\": 4", "ns/op", &p,
                 "callback via fn pointer", BENCH_NO_TARGET, NULL);
}

int main(int argc, char **argv)
{
    bench_init(argc, argv, "bench-access");
    bench_p1();
    bench_p3();
    bench_p2();
    return bench_finish();
}
