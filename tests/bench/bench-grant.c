/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * P5, P6: grant DMA through the memory API, on the emulated hypervisor.
 *
 * P5  address_space_map() + address_space_unmap() of 1, 4, 16 and 64
 *     consecutive grant refs. The floor is what the emulated backend
 *     cannot avoid: the same memfd pages mapped and unmapped with raw
 *     mmap()/munmap() in the same pattern (a PROT_NONE reservation, one
 *     MAP_FIXED mapping per frame, one munmap of the whole range). The
 *     backend's counters must show one grant map and one grant unmap per
 *     map/unmap pair, whatever the number of refs.
 * P6  Grant copy (address_space_read/write) against map + memcpy + unmap,
 *     8 bytes to 64 KiB, both directions; the crossover is where mapping
 *     becomes the cheaper of the two.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <glib.h>

#include "exec/memory.h"
#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-grant.h"
#include "bench.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED
#define GUEST_DOMID 3
#define GUEST_PAGES 256
#define MAX_REFS 64

static XenEmu *emu;
static XenEmuDomain *dom;
static XenBackend *be;
static MemoryRegion root, *grants;
static AddressSpace as;
static uint32_t first_ref;
static int ram_fd = -1;

/*
 * The guest RAM's memfd, for the floor. xen-emu keeps the descriptor to
 * itself; find the open file whose inode backs the guest's mapping.
 */
static int find_ram_fd(void *ram)
{
    unsigned long start, end, ino, maj, min;
    char line[512];
    FILE *maps = fopen("/proc/self/maps", "r");
    bool found = false;
    struct dirent *de;
    DIR *d;
    int fd = -1;

    g_assert(maps);
    while (fgets(line, sizeof(line), maps)) {
        if (sscanf(line, "%lx-%lx %*s %*x %lx:%lx %lu", &start, &end, &maj,
                   &min, &ino) == 5 &&
            (uintptr_t)ram >= start && (uintptr_t)ram < end) {
            found = true;
            break;
        }
    }
    fclose(maps);
    g_assert(found);

    d = opendir("/proc/self/fd");
    g_assert(d);
    while ((de = readdir(d)) != NULL) {
        int n = atoi(de->d_name);
        struct stat st;

        if (n > 2 && fstat(n, &st) == 0 && st.st_ino == ino &&
            major(st.st_dev) == maj && minor(st.st_dev) == min) {
            fd = n;
            break;
        }
    }
    closedir(d);
    if (fd < 0) {
        g_error("cannot find the guest RAM memfd");
    }
    return fd;
}

static void setup(void)
{
    uint64_t gfns[GUEST_PAGES];
    GError *err = NULL;
    int64_t ref;

    emu = xen_emu_new(&err);
    if (!emu) {
        g_error("%s", err->message);
    }
    dom = xen_emu_domain_new(emu, GUEST_DOMID, GUEST_PAGES * XEN_PAGE_SIZE,
                             &err);
    be = dom ? xen_emu_backend_open(emu, 0, &err) : NULL;
    grants = be ? xen_grant_region_new(be, GUEST_DOMID, &err) : NULL;
    if (!grants) {
        g_error("%s", err->message);
    }
    for (unsigned i = 0; i < GUEST_PAGES; i++) {
        gfns[i] = i;
    }
    /* Consecutive refs over consecutive frames, as grant DMA hands out. */
    ref = xen_emu_grant_access_seq(dom, 0, gfns, MAX_REFS, false);
    g_assert(ref > 0);
    first_ref = ref;
    memset(xen_emu_domain_ram(dom), 0x42, GUEST_PAGES * XEN_PAGE_SIZE);

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_add_subregion(&root, XEN_GRANT_ADDR_OFF, grants);
    address_space_init(&as, &root, "grant-dma");
    ram_fd = find_ram_fd(xen_emu_domain_ram(dom));
}

/* ---- P5 ---------------------------------------------------------------------- */

typedef struct MapCtx {
    unsigned nrefs;
    bool is_write;
    size_t size; /* P6 */
    uint8_t *buf; /* P6 */
} MapCtx;

static uint64_t run_map_unmap(void *opaque, uint64_t iters)
{
    MapCtx *c = opaque;
    hwaddr want = (hwaddr)c->nrefs * XEN_PAGE_SIZE;
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr len = want;
        void *p = address_space_map(&as, xen_grant_addr(first_ref, 0), &len,
                                    c->is_write, ATTRS);

        if (!p || len != want) {
            g_error("grant map of %u refs failed", c->nrefs);
        }
        address_space_unmap(&as, p, len, c->is_write, len);
    }
    return bench_now_ns() - t0;
}

static uint64_t floor_mmap(void *opaque, uint64_t iters)
{
    MapCtx *c = opaque;
    size_t len = (size_t)c->nrefs * XEN_PAGE_SIZE;
    int prot = PROT_READ | (c->is_write ? PROT_WRITE : 0);
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        uint8_t *base = mmap(NULL, len, PROT_NONE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                             0);

        g_assert(base != MAP_FAILED);
        for (unsigned k = 0; k < c->nrefs; k++) {
            void *p = mmap(base + k * XEN_PAGE_SIZE, XEN_PAGE_SIZE, prot,
                           MAP_SHARED | MAP_FIXED, ram_fd,
                           (off_t)k * XEN_PAGE_SIZE);

            g_assert(p != MAP_FAILED);
        }
        munmap(base, len);
    }
    return bench_now_ns() - t0;
}

static void bench_p5(void)
{
    static const unsigned counts[] = { 1, 4, 16, 64 };
    FILE *dat = bench_data_open("p5-grant-map.dat");

    if (dat) {
        fprintf(dat, "# refs map+unmap-ns raw-mmap-ns ratio (write maps)\n");
    }
    for (unsigned w = 0; w < 2; w++) {
        for (unsigned k = 0; k < G_N_ELEMENTS(counts); k++) {
            MapCtx c = { .nrefs = counts[k], .is_write = w };
            XenEmuStats a, b;
            AddressSpaceStats sa, sb;
            char *params;
            BenchPair p;
            uint64_t n = 1000;

            params = bench_fmt("\"refs\": %u, \"write\": %s", counts[k],
                               w ? "true" : "false");
            p = bench_pair(run_map_unmap, &c, floor_mmap, &c);
            bench_record("P5/grant-map-unmap", params, "ns/op", &p,
                         "raw mmap/munmap", (BenchTarget){ BENCH_LE, 1.5 },
                         NULL);
            if (dat && w) {
                fprintf(dat, "%u %.0f %.0f %.3f\n", counts[k],
                        p.subject.median, p.floor.median, p.ratio.median);
            }

            /* Backend calls per map and per unmap, counted separately. */
            xen_emu_get_stats(emu, &a);
            address_space_get_stats(&as, &sa);
            run_map_unmap(&c, n);
            xen_emu_get_stats(emu, &b);
            address_space_get_stats(&as, &sb);
            bench_record_count("P5/backend-maps-per-map", params, "calls",
                               (double)(b.grant_maps - a.grant_maps) /
                                   (sb.maps - sa.maps),
                               (BenchTarget){ BENCH_EQ, 1 }, NULL);
            bench_record_count("P5/backend-unmaps-per-unmap", params, "calls",
                               (double)(b.grant_unmaps - a.grant_unmaps) /
                                   (sb.unmaps - sa.unmaps),
                               (BenchTarget){ BENCH_EQ, 1 }, NULL);
            g_free(params);
        }
    }
    if (dat) {
        fclose(dat);
    }
}

/* ---- P6 ---------------------------------------------------------------------- */

static uint64_t run_copy(void *opaque, uint64_t iters)
{
    MapCtx *c = opaque;
    hwaddr addr = xen_grant_addr(first_ref, 0);
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        MemTxResult r =
            c->is_write ?
                address_space_write(&as, addr, ATTRS, c->buf, c->size) :
                address_space_read(&as, addr, ATTRS, c->buf, c->size);

        if (r != MEMTX_OK) {
            g_error("grant copy of %zu bytes failed", c->size);
        }
        bench_use(c->buf);
    }
    return bench_now_ns() - t0;
}

static uint64_t run_map_copy(void *opaque, uint64_t iters)
{
    MapCtx *c = opaque;
    hwaddr addr = xen_grant_addr(first_ref, 0);
    uint64_t t0 = bench_now_ns();

    for (uint64_t i = 0; i < iters; i++) {
        hwaddr len = c->size;
        void *p = address_space_map(&as, addr, &len, c->is_write, ATTRS);

        if (!p || len != c->size) {
            g_error("grant map of %zu bytes failed", c->size);
        }
        if (c->is_write) {
            memcpy(p, c->buf, len);
        } else {
            memcpy(c->buf, p, len);
        }
        bench_use(c->buf);
        address_space_unmap(&as, p, len, c->is_write, len);
    }
    return bench_now_ns() - t0;
}

/*
 * Where map+copy+unmap stops being dearer than grant copy: the size at
 * which the ratio map/copy crosses 1, interpolated on log scales between
 * the measured sizes. 0 if it never crosses, -1 if map always wins.
 */
static double crossover(const size_t *sizes, const double *ratio, unsigned n)
{
    if (ratio[0] <= 1) {
        return -1;
    }
    for (unsigned i = 1; i < n; i++) {
        if (ratio[i] <= 1) {
            double x0 = log2(sizes[i - 1]), x1 = log2(sizes[i]);
            double y0 = log2(ratio[i - 1]), y1 = log2(ratio[i]);

            return exp2(x0 + (x1 - x0) * (0 - y0) / (y1 - y0));
        }
    }
    return 0;
}

static void bench_p6(void)
{
    static const size_t sizes[] = {
        8,    16,   32,   64,   128,   256,   512,
        1024, 2048, 4096, 8192, 16384, 32768, 65536,
    };
    unsigned n = G_N_ELEMENTS(sizes);
    FILE *dat = bench_data_open("p6-map-vs-copy.dat");
    uint8_t *buf = g_malloc0(65536);
    double ratio[2][G_N_ELEMENTS(sizes)];
    double copy_ns[2][G_N_ELEMENTS(sizes)], map_ns[2][G_N_ELEMENTS(sizes)];

    for (unsigned w = 0; w < 2; w++) {
        for (unsigned k = 0; k < n; k++) {
            MapCtx c = { .size = sizes[k], .is_write = w, .buf = buf };
            char *params = bench_fmt("\"bytes\": %zu, \"write\": %s", sizes[k],
                                     w ? "true" : "false");
            BenchPair p = bench_pair(run_map_copy, &c, run_copy, &c);

            bench_record("P6/map-copy-unmap-vs-grant-copy", params, "ns/op",
                         &p, "grant copy", BENCH_NO_TARGET, NULL);
            ratio[w][k] = p.ratio.median;
            copy_ns[w][k] = p.floor.median;
            map_ns[w][k] = p.subject.median;
            g_free(params);
        }
    }
    if (dat) {
        fprintf(dat, "# bytes read-copy read-map write-copy write-map "
                     "(ns/op medians)\n");
        for (unsigned k = 0; k < n; k++) {
            fprintf(dat, "%zu %.1f %.1f %.1f %.1f\n", sizes[k], copy_ns[0][k],
                    map_ns[0][k], copy_ns[1][k], map_ns[1][k]);
        }
        fclose(dat);
    }
    for (unsigned w = 0; w < 2; w++) {
        double x = crossover(sizes, ratio[w], n);
        char *params = bench_fmt("\"write\": %s", w ? "true" : "false");
        const char *note = x < 0 ?
                               "map always cheaper" :
                           x == 0 ?
                               "grant copy cheaper at every size "
                               "up to 64 KiB" :
                               "bytes where map+memcpy+unmap becomes cheaper";

        bench_record_count("P6/crossover", params, "bytes",
                           x > 0 ? round(x) : x, BENCH_NO_TARGET, note);
        g_free(params);
        dat = bench_data_open(w ? "p6-crossover-write.dat" :
                                  "p6-crossover-read.dat");
        if (dat) {
            fprintf(dat, "%.0f\n", x);
            fclose(dat);
        }
    }
    g_free(buf);
}

int main(int argc, char **argv)
{
    bench_init(argc, argv, "bench-grant");
    setup();
    bench_p5();
    bench_p6();

    address_space_destroy(&as);
    memory_region_del_subregion(&root, grants);
    xen_grant_region_free(grants);
    memory_region_finalize(&root);
    xen_backend_close(be);
    xen_emu_free(emu);
    return bench_finish();
}
