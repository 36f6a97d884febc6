/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore against rust-vmm's vm-memory, side by side in one process.
 *
 * Both get the same layout over the same host pages: N regions of one
 * 4 KiB page each at consecutive guest addresses, for N = 1, 10^2, 10^4
 * and 10^5. Both read and write the same addresses in the same order.
 * vm-memory runs through tests/bench/vm-memory-peer (Debian's packaged
 * crate), whose loops are one call per batch, so that only the accesses
 * themselves are compared. The ratio is memcore / vm-memory: below 1,
 * memcore is faster.
 *
 *   read-hot     address_space_read(8) vs read_obj::<u64>, one address
 *   read-spread  the same, over every region in a scattered order
 *   ldq_le-hot   address_space_ldq_le vs read_obj::<u64> + from_le
 *   write-hot    address_space_write(8) vs write_obj::<u64>
 *   setup        building the N-region layout from caller-owned memory
 *                (regions, container, commit, address space) vs
 *                GuestMemoryMmap::from_regions
 */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "exec/memory.h"
#include "bench.h"

#define PEER_BASE 0x100000000ull
#define PEER_PAGE 4096ull
#define ATTRS MEMTXATTRS_UNSPECIFIED

/* tests/bench/vm-memory-peer/src/lib.rs */
typedef struct VmPeer VmPeer;
VmPeer *vmpeer_new(uint8_t *host, size_t page, size_t nr, uint64_t base);
void vmpeer_free(VmPeer *p);
uint64_t vmpeer_build_times(uint8_t *host, size_t page, size_t nr,
                            uint64_t base, uint64_t times);
uint64_t vmpeer_read_u64_loop(const VmPeer *p, const uint64_t *addrs,
                              size_t naddrs, uint64_t iters);
int vmpeer_write_u64_loop(const VmPeer *p, const uint64_t *addrs,
                          size_t naddrs, uint64_t iters, uint64_t val);

typedef struct Layout {
    uint64_t n;
    uint8_t *host;
    size_t host_size;
    MemoryRegion root;
    MemoryRegion *regions;
    AddressSpace as;
    VmPeer *peer;
} Layout;

typedef struct Loop {
    Layout *l;
    const uint64_t *addrs;
    size_t naddrs;
} Loop;

static void memcore_build(Layout *l)
{
    memory_region_init(&l->root, NULL, "peer-root", UINT64_MAX);
    l->regions = g_new0(MemoryRegion, l->n);
    memory_region_transaction_begin();
    for (uint64_t i = 0; i < l->n; i++) {
        memory_region_init_ram_ptr(&l->regions[i], NULL, "r", PEER_PAGE,
                                   l->host + i * PEER_PAGE);
        memory_region_add_subregion(&l->root, PEER_BASE + i * PEER_PAGE,
                                    &l->regions[i]);
    }
    memory_region_transaction_commit();
    address_space_init(&l->as, &l->root, "peer");
}

static void memcore_unbuild(Layout *l)
{
    address_space_destroy(&l->as);
    memory_region_finalize(&l->root);
    for (uint64_t i = 0; i < l->n; i++) {
        memory_region_finalize(&l->regions[i]);
    }
    g_free(l->regions);
    l->regions = NULL;
}

static void layout_init(Layout *l, uint64_t n)
{
    l->n = n;
    l->host_size = n * PEER_PAGE;
    l->host = mmap(NULL, l->host_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert(l->host != MAP_FAILED);
    madvise(l->host, l->host_size, MADV_HUGEPAGE);
    for (size_t i = 0; i < l->host_size; i += 8) {
        uint64_t v = i * 0x9e3779b97f4a7c15ull;

        memcpy(l->host + i, &v, 8);
    }
    memcore_build(l);
    l->peer = vmpeer_new(l->host, PEER_PAGE, n, PEER_BASE);
    g_assert(l->peer);
}

static void layout_fini(Layout *l)
{
    vmpeer_free(l->peer);
    memcore_unbuild(l);
    munmap(l->host, l->host_size);
}

/* ---- the timed bodies --------------------------------------------------- */

static uint64_t memcore_read_loop(void *opaque, uint64_t iters)
{
    Loop *c = opaque;
    uint64_t v, sum = 0;
    size_t i = 0;
    uint64_t t0 = bench_now_ns();

    for (uint64_t k = 0; k < iters; k++) {
        address_space_read(&c->l->as, c->addrs[i], ATTRS, &v, 8);
        sum += v;
        if (++i == c->naddrs) {
            i = 0;
        }
    }
    bench_sink(sum);
    return bench_now_ns() - t0;
}

static uint64_t memcore_ldq_loop(void *opaque, uint64_t iters)
{
    Loop *c = opaque;
    uint64_t sum = 0;
    size_t i = 0;
    uint64_t t0 = bench_now_ns();

    for (uint64_t k = 0; k < iters; k++) {
        sum += address_space_ldq_le(&c->l->as, c->addrs[i], ATTRS, NULL);
        if (++i == c->naddrs) {
            i = 0;
        }
    }
    bench_sink(sum);
    return bench_now_ns() - t0;
}

static uint64_t memcore_write_loop(void *opaque, uint64_t iters)
{
    Loop *c = opaque;
    size_t i = 0;
    uint64_t t0 = bench_now_ns();

    for (uint64_t k = 0; k < iters; k++) {
        address_space_write(&c->l->as, c->addrs[i], ATTRS, &k, 8);
        if (++i == c->naddrs) {
            i = 0;
        }
    }
    return bench_now_ns() - t0;
}

static uint64_t peer_read_loop(void *opaque, uint64_t iters)
{
    Loop *c = opaque;
    uint64_t t0 = bench_now_ns();
    uint64_t sum = vmpeer_read_u64_loop(c->l->peer, c->addrs, c->naddrs,
                                        iters);

    g_assert(sum != UINT64_MAX);
    bench_sink(sum);
    return bench_now_ns() - t0;
}

static uint64_t peer_write_loop(void *opaque, uint64_t iters)
{
    Loop *c = opaque;
    uint64_t t0 = bench_now_ns();
    int rc = vmpeer_write_u64_loop(c->l->peer, c->addrs, c->naddrs, iters,
                                   iters);

    g_assert(rc == 0);
    return bench_now_ns() - t0;
}

static uint64_t memcore_setup_loop(void *opaque, uint64_t iters)
{
    Layout *l = opaque;
    Layout tmp = { .n = l->n, .host = l->host };
    uint64_t ns = 0;

    for (uint64_t k = 0; k < iters; k++) {
        uint64_t t0 = bench_now_ns();

        memcore_build(&tmp);
        ns += bench_now_ns() - t0;
        /* Tearing down is not setting up; leave it out of the time. */
        memcore_unbuild(&tmp);
    }
    return ns;
}

static uint64_t peer_setup_loop(void *opaque, uint64_t iters)
{
    Layout *l = opaque;
    uint64_t t0 = bench_now_ns();
    uint64_t failed = vmpeer_build_times(l->host, PEER_PAGE, l->n, PEER_BASE,
                                         iters);

    g_assert(failed == 0);
    return bench_now_ns() - t0;
}

/* ---- the addresses ------------------------------------------------------ */

/* A step through the regions that visits each once (coprime with n). */
static uint64_t scatter_stride(uint64_t n)
{
    uint64_t s = n / 2 + 1;

    while (n > 1) {
        uint64_t a = s, b = n;

        while (b) {
            uint64_t t = a % b;

            a = b;
            b = t;
        }
        if (a == 1) {
            break;
        }
        s++;
    }
    return s;
}

static uint64_t *spread_addrs(uint64_t n, size_t *count)
{
    size_t m = MIN(n, (uint64_t)1 << 16);
    uint64_t *a = g_new(uint64_t, m);
    uint64_t page = 0, stride = scatter_stride(n);

    for (size_t i = 0; i < m; i++) {
        /* Vary the line as well, so lines do not share one cache set. */
        a[i] = PEER_BASE + page * PEER_PAGE + ((page & 63) << 6);
        page = (page + stride) % n;
    }
    *count = m;
    return a;
}

/* Both must read the same bytes, or the comparison is of nothing. */
static void check_same_data(Layout *l, const uint64_t *addrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t want = vmpeer_read_u64_loop(l->peer, addrs + i, 1, 1);
        uint64_t got = address_space_ldq_le(&l->as, addrs[i], ATTRS, NULL);

        g_assert_cmpuint(got, ==, want);
    }
}

static void bench_layout(uint64_t n, FILE *dat)
{
    static const BenchTarget at_or_below = { BENCH_LE, 1.0 };
    Layout l = { 0 };
    uint64_t hot_addr;
    uint64_t *spread;
    size_t nspread;
    Loop hot, wide;
    BenchPair p;
    double row[5];
    char *params = bench_fmt("\"regions\": %" PRIu64, n);

    layout_init(&l, n);
    hot_addr = PEER_BASE + (n / 2) * PEER_PAGE + 0x40;
    spread = spread_addrs(n, &nspread);
    check_same_data(&l, spread, MIN(nspread, 4096));
    check_same_data(&l, &hot_addr, 1);
    hot = (Loop){ .l = &l, .addrs = &hot_addr, .naddrs = 1 };
    wide = (Loop){ .l = &l, .addrs = spread, .naddrs = nspread };

    p = bench_pair(memcore_read_loop, &hot, peer_read_loop, &hot);
    bench_record("peer/read-hot", params, "ns/op", &p,
                 "vm-memory read_obj::<u64>", at_or_below, NULL);
    row[0] = p.ratio.median;
    p = bench_pair(memcore_read_loop, &wide, peer_read_loop, &wide);
    bench_record("peer/read-spread", params, "ns/op", &p,
                 "vm-memory read_obj::<u64>", at_or_below, NULL);
    row[1] = p.ratio.median;
    p = bench_pair(memcore_ldq_loop, &hot, peer_read_loop, &hot);
    bench_record("peer/ldq_le-hot", params, "ns/op", &p,
                 "vm-memory read_obj::<u64>", at_or_below, NULL);
    row[2] = p.ratio.median;
    p = bench_pair(memcore_write_loop, &hot, peer_write_loop, &hot);
    bench_record("peer/write-hot", params, "ns/op", &p,
                 "vm-memory write_obj::<u64>", at_or_below, NULL);
    row[3] = p.ratio.median;
    p = bench_pair(memcore_setup_loop, &l, peer_setup_loop, &l);
    bench_record("peer/setup", params, "ns/layout", &p,
                 "vm-memory GuestMemoryMmap::from_regions",
                 (BenchTarget){ BENCH_LE, 2.0 }, NULL);
    row[4] = p.ratio.median;
    if (dat) {
        fprintf(dat, "%" PRIu64 " %.3f %.3f %.3f %.3f %.3f\n", n, row[0],
                row[1], row[2], row[3], row[4]);
    }

    g_free(spread);
    g_free(params);
    layout_fini(&l);
}

int main(int argc, char **argv)
{
    static const uint64_t counts[] = { 1, 100, 10000, 100000 };
    FILE *dat;

    bench_init(argc, argv, "bench-peer");
    dat = bench_data_open("peer.dat");
    if (dat) {
        fprintf(dat, "# regions, then memcore/vm-memory ratios (medians): "
                     "read-hot read-spread ldq_le-hot write-hot setup\n");
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(counts); k++) {
        if (bench_opts.quick && counts[k] > 10000) {
            continue;
        }
        bench_layout(counts[k], dat);
    }
    if (dat) {
        fclose(dat);
    }
    return bench_finish();
}
