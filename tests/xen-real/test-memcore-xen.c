/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-memcore-xen: libmemcore's Xen grant region on a real hypervisor.
 *
 * Runs inside the xen-real dom0 (see README.md). dom0 plays both sides:
 *  - the "guest" shares pages to domid 0 with gntalloc (libxengntshr), as
 *    a frontend's grant-dma-ops would;
 *  - the device model is an AddressSpace holding RAM at 0 and the grant
 *    region at XEN_GRANT_ADDR_OFF, built on xen_backend_open_libxen(), so
 *    every grant access below goes through real gntdev and real Xen.
 *
 * Output: "MEMCORE-XEN-REAL: ok ..." or "MEMCORE-XEN-REAL: FAIL ..." per
 * check, "MEMCORE-XEN-REAL: note ..." for facts worth keeping, then
 * "MEMCORE-XEN-REAL: PASS (N checks)" or "MEMCORE-XEN-REAL: FAIL (K of N
 * checks failed)". The exit status is 0 only on PASS.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xengnttab.h>
#include <xen/grant_table.h>

#include "exec/memory.h"
#include "hw/xen/xen-backend-ops.h"
#include "hw/xen/xen-grant.h"
#include "xen-real-pattern.h"

#define TAG "MEMCORE-XEN-REAL"
#define PAGE 4096
#define SELF_DOMID 0
#define NPAGES 4
#define RAM_SIZE (1024 * 1024)

/* Refs 0..7 are reserved: Linux never hands them out, so 7 is never shared. */
#define NEVER_SHARED_REF 7

static int checks;
static int failures;

static AddressSpace as;
static MemoryRegion root;
static MemoryRegion ram;
static MemoryRegion *grants;
static XenBackend *backend;
static xengntshr_handle *xgs;
static xengnttab_handle *xgt; /* our own, to ask Xen directly */

static void check(int ok, const char *fmt, ...)
{
    va_list ap;

    checks++;
    if (!ok) {
        failures++;
    }
    printf("%s: %s ", TAG, ok ? "ok" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void note(const char *fmt, ...)
{
    va_list ap;

    printf("%s: note ", TAG);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static hwaddr gaddr(uint32_t ref, unsigned offset)
{
    return xen_grant_addr(ref, offset);
}

/*
 * The GNTST code of the grant region's most recent failure since @before:
 * the index of the failure counter that grew, as a negative code, or 1 if
 * none did.
 */
static int new_failure(const XenGrantStats *before)
{
    XenGrantStats now;
    int i;

    xen_grant_region_get_stats(grants, &now);
    for (i = 1; i < XEN_GNTST_NR; i++) {
        if (now.failures[i] > before->failures[i]) {
            return -i;
        }
    }
    return 1;
}

static uint64_t copies(void)
{
    AddressSpaceStats st;

    address_space_get_stats(&as, &st);
    return st.copies;
}

static uint64_t outstanding(void)
{
    AddressSpaceStats st;

    address_space_get_stats(&as, &st);
    return st.outstanding;
}

/* Mappings the grant region has handed out and not had back. */
static uint64_t grant_outstanding(void)
{
    XenGrantStats st;

    xen_grant_region_get_stats(grants, &st);
    return st.outstanding;
}

/*
 * Ask Xen itself, bypassing memcore, whether @ref is still granted to us:
 * a one-byte grant copy out of it. Returns its GNTST status.
 */
static int raw_copy_status(uint32_t ref)
{
    xengnttab_grant_copy_segment_t seg;
    uint8_t byte;

    memset(&seg, 0, sizeof(seg));
    seg.source.foreign.ref = ref;
    seg.source.foreign.domid = SELF_DOMID;
    seg.dest.virt = &byte;
    seg.len = 1;
    seg.flags = GNTCOPY_source_gref;
    seg.status = 1;
    if (xengnttab_grant_copy(xgt, 1, &seg) < 0) {
        return -1000 - errno;
    }
    return seg.status;
}

static void *share(int count, uint32_t *refs, int writable)
{
    void *p;

    memset(refs, 0, count * sizeof(*refs));
    p = xengntshr_share_pages(xgs, SELF_DOMID, count, refs, writable);
    if (!p) {
        check(0, "share %d %s page(s): %s", count,
              writable ? "writable" : "read-only", strerror(errno));
    }
    return p;
}

static int are_consecutive(const uint32_t *refs, int count)
{
    int i;

    for (i = 1; i < count; i++) {
        if (refs[i] != refs[i - 1] + 1) {
            return 0;
        }
    }
    return 1;
}

/*
 * Share @count writable pages under consecutive refs, as grant-dma-ops
 * would. gntalloc takes refs from the head of Linux's free list, where
 * freed refs come back in reverse order, so a share just after others
 * were released may get them descending. Hold such shares (using up the
 * recycled refs) and retry; the untouched part of the list is ascending.
 */
static void *share_consecutive(int count, uint32_t *refs)
{
    void *held[16];
    void *p;
    int nheld = 0, i;

    for (;;) {
        p = share(count, refs, 1);
        if (!p || are_consecutive(refs, count) || nheld == 16) {
            break;
        }
        note("refs %u.. not consecutive, holding them and retrying", refs[0]);
        held[nheld++] = p;
    }
    for (i = 0; i < nheld; i++) {
        xengntshr_unshare(xgs, held[i], count);
    }
    return p;
}

static int setup(void)
{
    GError *err = NULL;

    xgs = xengntshr_open(NULL, 0);
    check(xgs != NULL, "open gntalloc (the guest side)%s%s", xgs ? "" : ": ",
          xgs ? "" : strerror(errno));
    xgt = xengnttab_open(NULL, 0);
    check(xgt != NULL, "open gntdev for direct checks%s%s", xgt ? "" : ": ",
          xgt ? "" : strerror(errno));
    if (!xgs || !xgt) {
        return -1;
    }

    backend = xen_backend_open_libxen(&err);
    check(backend != NULL, "xen_backend_open_libxen%s%s", backend ? "" : ": ",
          backend ? "" : err->message);
    if (!backend) {
        g_clear_error(&err);
        return -1;
    }
    grants = xen_grant_region_new(backend, SELF_DOMID, &err);
    check(grants != NULL, "xen_grant_region_new(libxen, domid %d)%s%s",
          SELF_DOMID, grants ? "" : ": ", grants ? "" : err->message);
    if (!grants) {
        g_clear_error(&err);
        return -1;
    }

    memory_region_init(&root, NULL, "system", UINT64_MAX);
    if (!memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &err)) {
        check(0, "RAM: %s", err->message);
        g_clear_error(&err);
        return -1;
    }
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, XEN_GRANT_ADDR_OFF, grants);
    address_space_init(&as, &root, "xen-real");
    return 0;
}

static void test_ram(void)
{
    uint8_t buf[64];
    MemTxResult r;

    fill(buf, sizeof(buf), 0x01);
    r = address_space_write(&as, 0x1000, MEMTXATTRS_UNSPECIFIED, buf,
                            sizeof(buf));
    memset(buf, 0, sizeof(buf));
    r |= address_space_read(&as, 0x1000, MEMTXATTRS_UNSPECIFIED, buf,
                            sizeof(buf));
    check(r == MEMTX_OK && matches(buf, sizeof(buf), 0x01),
          "RAM next to the grant region reads back (result %#x)", r);
}

/* address_space_map() of one ref, both directions, whole and partial. */
static void test_map_single(void)
{
    uint32_t ref;
    uint8_t *g, *p;
    hwaddr len;

    g = share(1, &ref, 1);
    if (!g) {
        return;
    }
    note("single page shared as ref %u, grant address %#llx", ref,
         (unsigned long long)gaddr(ref, 0));

    fill(g, PAGE, 0x11);
    len = PAGE;
    p = address_space_map(&as, gaddr(ref, 0), &len, true,
                          MEMTXATTRS_UNSPECIFIED);
    check(p != NULL && len == PAGE, "map ref %u for writing: len %llu", ref,
          (unsigned long long)len);
    if (p) {
        check(matches(p, PAGE, 0x11), "guest data visible through the map");
        fill(p, PAGE, 0x22);
        check(matches(g, PAGE, 0x22), "device writes visible to the guest");
        address_space_unmap(&as, p, len, true, len);
    }

    len = 200;
    p = address_space_map(&as, gaddr(ref, 100), &len, false,
                          MEMTXATTRS_UNSPECIFIED);
    check(p != NULL && len == 200 && p[0] == g[100] && p[199] == g[299],
          "map ref %u offset 100 len 200 for reading", ref);
    if (p) {
        address_space_unmap(&as, p, len, false, len);
    }
    check(outstanding() == 0, "no mapping outstanding after unmap");

    check(xengntshr_unshare(xgs, g, 1) == 0, "gntalloc unshares ref %u", ref);
    check(raw_copy_status(ref) != GNTST_okay,
          "ref %u really revoked after unshare (Xen says %d)", ref,
          raw_copy_status(ref));
}

/* Several consecutive refs: one map, and grant copy across pages. */
static void test_multi(void)
{
    uint32_t refs[NPAGES];
    uint8_t *g, *p;
    uint8_t *buf;
    hwaddr len, total = (hwaddr)NPAGES * PAGE;
    uint64_t before;
    MemTxResult r;
    XenGrantStats gs0, gs1;
    int i, consecutive;

    g = share_consecutive(NPAGES, refs);
    if (!g) {
        return;
    }
    consecutive = are_consecutive(refs, NPAGES);
    note("%d pages shared as refs %u %u %u %u (%sconsecutive)", NPAGES,
         refs[0], refs[1], refs[2], refs[3], consecutive ? "" : "NOT ");
    check(consecutive, "gntalloc gave %d consecutive refs", NPAGES);

    if (consecutive) {
        fill(g, total, 0x33);
        len = total;
        p = address_space_map(&as, gaddr(refs[0], 0), &len, true,
                              MEMTXATTRS_UNSPECIFIED);
        check(p != NULL && len == total,
              "map %d consecutive refs in one piece: len %llu", NPAGES,
              (unsigned long long)len);
        if (p) {
            check(matches(p, len, 0x33),
                  "guest data visible across the mapped pages");
            fill(p, len, 0x44);
            check(matches(g, len, 0x44),
                  "device writes visible to the guest on every page");
            address_space_unmap(&as, p, len, true, len);
        }

        len = 600;
        p = address_space_map(&as, gaddr(refs[0], PAGE - 300), &len, false,
                              MEMTXATTRS_UNSPECIFIED);
        check(p != NULL && len == 600 && memcmp(p, g + PAGE - 300, 600) == 0,
              "map across a page boundary (ref %u offset %d, 600 bytes)",
              refs[0], PAGE - 300);
        if (p) {
            address_space_unmap(&as, p, len, false, len);
        }

        /* Grant copy, split at page boundaries, both ways. */
        xen_grant_region_get_stats(grants, &gs0);
        buf = g_malloc(total);
        fill(buf, total - 100, 0x55);
        before = copies();
        memset(g, 0, total);
        r = address_space_write(&as, gaddr(refs[0], 50),
                                MEMTXATTRS_UNSPECIFIED, buf, total - 100);
        check(r == MEMTX_OK && matches(g + 50, total - 100, 0x55) &&
                  g[49] == 0 && g[total - 50] == 0,
              "address_space_write of %llu bytes over %d refs (result %#x)",
              (unsigned long long)(total - 100), NPAGES, r);
        fill(g, total, 0x66);
        memset(buf, 0, total);
        r = address_space_read(&as, gaddr(refs[0], 0), MEMTXATTRS_UNSPECIFIED,
                               buf, total);
        check(r == MEMTX_OK && matches(buf, total, 0x66),
              "address_space_read of %llu bytes over %d refs (result %#x)",
              (unsigned long long)total, NPAGES, r);
        check(copies() > before,
              "those went through grant copy (%llu copy pieces)",
              (unsigned long long)(copies() - before));
        xen_grant_region_get_stats(grants, &gs1);
        check(gs1.copy_segments - gs0.copy_segments >= 2 * NPAGES,
              "split into %llu page segments",
              (unsigned long long)(gs1.copy_segments - gs0.copy_segments));
        check(outstanding() == 0, "read/write left no mapping behind");
        g_free(buf);
    }

    /* Single-ref accesses and ld/st on grant addresses. */
    {
        MemTxResult r1 = MEMTX_OK, r2 = MEMTX_OK;
        uint32_t v;

        address_space_stl_le(&as, gaddr(refs[1], 8), 0x12345678,
                             MEMTXATTRS_UNSPECIFIED, &r1);
        check(r1 == MEMTX_OK && g[PAGE + 8] == 0x78 && g[PAGE + 11] == 0x12,
              "stl_le on ref %u reaches the guest (result %#x)", refs[1], r1);
        g[PAGE + 16] = 0xef;
        g[PAGE + 17] = 0xbe;
        g[PAGE + 18] = 0xad;
        g[PAGE + 19] = 0xde;
        v = address_space_ldl_le(&as, gaddr(refs[1], 16),
                                 MEMTXATTRS_UNSPECIFIED, &r2);
        check(r2 == MEMTX_OK && v == 0xdeadbeef,
              "ldl_le on ref %u reads the guest's value %#x (result %#x)",
              refs[1], v, r2);
    }

    check(outstanding() == 0, "no mapping outstanding");
    check(xengntshr_unshare(xgs, g, NPAGES) == 0, "gntalloc unshares refs");
    for (i = 0; i < NPAGES; i++) {
        if (raw_copy_status(refs[i]) == GNTST_okay) {
            break;
        }
    }
    check(i == NPAGES, "all %d refs revoked after unshare", NPAGES);
}

/* A read-only grant: reading works, writing is refused, memory unchanged. */
static void test_read_only(void)
{
    XenGrantStats before;
    uint32_t ref;
    uint8_t *g, *p;
    uint8_t buf[256];
    hwaddr len;
    MemTxResult r;
    int st;

    g = share(1, &ref, 0);
    if (!g) {
        return;
    }
    fill(g, PAGE, 0x77);

    len = PAGE;
    p = address_space_map(&as, gaddr(ref, 0), &len, false,
                          MEMTXATTRS_UNSPECIFIED);
    check(p != NULL && len == PAGE && matches(p, PAGE, 0x77),
          "read-only ref %u maps for reading", ref);
    if (p) {
        address_space_unmap(&as, p, len, false, len);
    }

    xen_grant_region_get_stats(grants, &before);
    len = PAGE;
    p = address_space_map(&as, gaddr(ref, 0), &len, true,
                          MEMTXATTRS_UNSPECIFIED);
    st = new_failure(&before);
    check(p == NULL && len == 0 && st == GNTST_general_error,
          "read-only ref %u refuses a writable map (len %llu, GNTST %d)", ref,
          (unsigned long long)len, st);
    if (p) {
        address_space_unmap(&as, p, len, true, 0);
    }

    xen_grant_region_get_stats(grants, &before);
    fill(buf, sizeof(buf), 0x88);
    r = address_space_write(&as, gaddr(ref, 64), MEMTXATTRS_UNSPECIFIED, buf,
                            sizeof(buf));
    st = new_failure(&before);
    check(r == MEMTX_ACCESS_ERROR && st == GNTST_general_error,
          "address_space_write to read-only ref %u refused (result %#x, "
          "GNTST %d)",
          ref, r, st);
    check(matches(g, PAGE, 0x77), "read-only page unchanged");

    memset(buf, 0, sizeof(buf));
    r = address_space_read(&as, gaddr(ref, 0), MEMTXATTRS_UNSPECIFIED, buf,
                           sizeof(buf));
    check(r == MEMTX_OK && matches(buf, sizeof(buf), 0x77),
          "address_space_read of read-only ref %u (result %#x)", ref, r);

    check(outstanding() == 0, "no mapping outstanding");
    check(xengntshr_unshare(xgs, g, 1) == 0, "gntalloc unshares ref %u", ref);
    check(raw_copy_status(ref) != GNTST_okay,
          "read-only ref %u revoked after unshare", ref);
}

/*
 * A ref nobody shared: map and read fail. Xen says GNTST_general_error,
 * which the grant region reports as MEMTX_ACCESS_ERROR.
 */
static void test_never_shared(void)
{
    XenGrantStats before;
    uint8_t buf[64];
    uint8_t *p;
    hwaddr len;
    MemTxResult r;
    int st;

    st = raw_copy_status(NEVER_SHARED_REF);
    note("Xen's own status for a copy from never-shared ref %d: %d",
         NEVER_SHARED_REF, st);

    xen_grant_region_get_stats(grants, &before);
    len = PAGE;
    p = address_space_map(&as, gaddr(NEVER_SHARED_REF, 0), &len, false,
                          MEMTXATTRS_UNSPECIFIED);
    st = new_failure(&before);
    check(p == NULL && len == 0 && st == GNTST_general_error,
          "map of never-shared ref %d fails (GNTST %d)", NEVER_SHARED_REF, st);
    if (p) {
        address_space_unmap(&as, p, len, false, 0);
    }

    xen_grant_region_get_stats(grants, &before);
    memset(buf, 0xaa, sizeof(buf));
    r = address_space_read(&as, gaddr(NEVER_SHARED_REF, 0),
                           MEMTXATTRS_UNSPECIFIED, buf, sizeof(buf));
    st = new_failure(&before);
    check(r == MEMTX_ACCESS_ERROR && st == GNTST_general_error,
          "read of never-shared ref %d: result %#x, GNTST %d",
          NEVER_SHARED_REF, r, st);
    check(buf[0] == 0 && buf[63] == 0, "the failed read returns zeroes");

    xen_grant_region_get_stats(grants, &before);
    r = address_space_write(&as, gaddr(NEVER_SHARED_REF, 0),
                            MEMTXATTRS_UNSPECIFIED, buf, sizeof(buf));
    st = new_failure(&before);
    check(r == MEMTX_ACCESS_ERROR && st == GNTST_general_error,
          "write to never-shared ref %d: result %#x, GNTST %d",
          NEVER_SHARED_REF, r, st);
    check(outstanding() == 0, "failures leave no mapping outstanding");
}

/* MemoryRegionCache over a grant ref, as a virtqueue ring would use it. */
static void test_cache(void)
{
    MemoryRegionCache cache = MEMORY_REGION_CACHE_INVALID;
    uint32_t ref;
    uint8_t *g;
    uint8_t buf[32];
    MemTxResult r1 = MEMTX_OK, r2 = MEMTX_OK, r3;
    uint32_t v;
    int64_t got;

    g = share(1, &ref, 1);
    if (!g) {
        return;
    }
    memset(g, 0, PAGE);

    got = address_space_cache_init(&cache, &as, gaddr(ref, 0), PAGE, true);
    check(got == PAGE, "address_space_cache_init on ref %u: %lld", ref,
          (long long)got);
    if (got > 0) {
        address_space_stl_le_cached(&cache, 64, 0xcafef00d,
                                    MEMTXATTRS_UNSPECIFIED, &r1);
        check(r1 == MEMTX_OK && g[64] == 0x0d && g[67] == 0xca,
              "stl_le_cached reaches the guest (result %#x)", r1);
        g[128] = 0x04;
        g[129] = 0x03;
        g[130] = 0x02;
        g[131] = 0x01;
        v = address_space_ldl_le_cached(&cache, 128, MEMTXATTRS_UNSPECIFIED,
                                        &r2);
        check(r2 == MEMTX_OK && v == 0x01020304,
              "ldl_le_cached sees the guest's value %#x (result %#x)", v, r2);
        fill(buf, sizeof(buf), 0x99);
        r3 = address_space_write_cached(&cache, 1000, buf, sizeof(buf));
        check(r3 == MEMTX_OK && matches(g + 1000, sizeof(buf), 0x99),
              "address_space_write_cached (result %#x)", r3);
        memset(buf, 0, sizeof(buf));
        r3 = address_space_read_cached(&cache, 1000, buf, sizeof(buf));
        check(r3 == MEMTX_OK && matches(buf, sizeof(buf), 0x99),
              "address_space_read_cached (result %#x)", r3);
        check(grant_outstanding() == 1,
              "the cache holds one grant mapping while it lives");
        address_space_cache_destroy(&cache);
    }
    check(grant_outstanding() == 0 && outstanding() == 0,
          "cache destroy released its mapping");
    check(xengntshr_unshare(xgs, g, 1) == 0, "gntalloc unshares ref %u", ref);
    check(raw_copy_status(ref) != GNTST_okay,
          "ref %u revoked after the cache was destroyed", ref);
}

/*
 * The control for the "revoked after unshare" checks: while memcore still
 * maps a ref, Linux cannot end the guest's grant, so it stays valid, and
 * it is released only once memcore unmaps.
 */
static void test_release_control(void)
{
    uint32_t ref;
    uint8_t *g, *p;
    hwaddr len = PAGE;
    int st = GNTST_okay, tries;

    g = share(1, &ref, 1);
    if (!g) {
        return;
    }
    p = address_space_map(&as, gaddr(ref, 0), &len, false,
                          MEMTXATTRS_UNSPECIFIED);
    check(p != NULL, "map ref %u, then let the guest unshare it", ref);
    if (!p) {
        xengntshr_unshare(xgs, g, 1);
        return;
    }
    xengntshr_unshare(xgs, g, 1);
    check(raw_copy_status(ref) == GNTST_okay,
          "ref %u stays granted while memcore maps it", ref);
    address_space_unmap(&as, p, len, false, len);
    /* Linux retries ending deferred grants about once a second: allow 10. */
    for (tries = 0; tries < 100; tries++) {
        st = raw_copy_status(ref);
        if (st != GNTST_okay) {
            break;
        }
        usleep(100 * 1000);
    }
    check(st != GNTST_okay,
          "ref %u released after memcore unmapped it "
          "(%.1f s, then Xen says %d)",
          ref, tries / 10.0, st);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (setup() == 0) {
        test_ram();
        test_map_single();
        test_multi();
        test_read_only();
        test_never_shared();
        test_cache();
        test_release_control();
        check(outstanding() == 0, "nothing outstanding at the end");
        address_space_destroy(&as);
    }
    if (xgt) {
        xengnttab_close(xgt);
    }
    if (xgs) {
        xengntshr_close(xgs);
    }

    if (failures) {
        printf("%s: FAIL (%d of %d checks failed)\n", TAG, failures, checks);
        return 1;
    }
    printf("%s: PASS (%d checks)\n", TAG, checks);
    return 0;
}
