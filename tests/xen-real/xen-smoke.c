/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xen-smoke: exercise Xen grants with plain libxengnttab/libxengntshr,
 * inside a real dom0, before any memcore code is involved.
 *
 * dom0 plays both sides: gntalloc shares pages "to" domid 0 (the guest
 * side), gntdev maps them and grant-copies to and from them (the backend
 * side). This proves the boot pipeline, the kernel modules and the static
 * libxen link, and records what a real Xen 4.17 answers for the cases the
 * memcore grant region must handle.
 *
 * Output: one "XEN-SMOKE: ok ..." or "XEN-SMOKE: FAIL ..." line per check,
 * then "XEN-SMOKE: PASS (N checks)" or "XEN-SMOKE: FAIL (K of N checks
 * failed)". The exit status is 0 only on PASS.
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
#include "xen-real-pattern.h"

#define PAGE 4096
#define SELF_DOMID 0
#define NPAGES 4

/* Refs 0..7 are reserved: Linux never hands them out, so 7 is never shared. */
#define NEVER_SHARED_REF 7
/* Far past any grant table size Xen allows by default. */
#define OUT_OF_RANGE_REF 0x7ffffffu

static int checks;
static int failures;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;

    checks++;
    if (!ok) {
        failures++;
    }
    printf("XEN-SMOKE: %s ", ok ? "ok" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void note(const char *fmt, ...)
{
    va_list ap;

    printf("XEN-SMOKE: note ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* One grant copy segment between a local buffer and a ref; returns status. */
static int copy_one(xengnttab_handle *xgt, uint32_t ref, uint16_t offset,
                    void *buf, uint16_t len, int to_ref, int *rc)
{
    xengnttab_grant_copy_segment_t seg;

    memset(&seg, 0, sizeof(seg));
    if (to_ref) {
        seg.source.virt = buf;
        seg.dest.foreign.ref = ref;
        seg.dest.foreign.offset = offset;
        seg.dest.foreign.domid = SELF_DOMID;
        seg.flags = GNTCOPY_dest_gref;
    } else {
        seg.source.foreign.ref = ref;
        seg.source.foreign.offset = offset;
        seg.source.foreign.domid = SELF_DOMID;
        seg.dest.virt = buf;
        seg.flags = GNTCOPY_source_gref;
    }
    seg.len = len;
    seg.status = 1; /* not a GNTST value: shows whether Xen wrote it */
    *rc = xengnttab_grant_copy(xgt, 1, &seg);
    return seg.status;
}

static void test_single_page(xengntshr_handle *xgs, xengnttab_handle *xgt)
{
    uint32_t ref = 0;
    uint8_t *share, *map;
    uint8_t buf[PAGE];
    int rc, st;

    share = xengntshr_share_pages(xgs, SELF_DOMID, 1, &ref, 1);
    check(share != NULL, "share 1 writable page to domid %d: ref %u%s%s",
          SELF_DOMID, ref, share ? "" : ", errno ",
          share ? "" : strerror(errno));
    if (!share) {
        return;
    }

    map = xengnttab_map_grant_ref(xgt, SELF_DOMID, ref,
                                  PROT_READ | PROT_WRITE);
    check(map != NULL, "map ref %u read-write%s%s", ref, map ? "" : ": ",
          map ? "" : strerror(errno));
    if (map) {
        fill(share, PAGE, 0x11);
        check(matches(map, PAGE, 0x11), "guest write visible in mapping");
        fill(map, PAGE, 0x22);
        check(matches(share, PAGE, 0x22), "mapping write visible to guest");
        check(xengnttab_unmap(xgt, map, 1) == 0, "unmap ref %u", ref);
    }

    /* Grant copy into the ref, at an offset, then back out of it. */
    memset(share, 0, PAGE);
    fill(buf, 100, 0x33);
    st = copy_one(xgt, ref, 4000, buf, 96, 1, &rc);
    check(rc == 0 && st == GNTST_okay && matches(share + 4000, 96, 0x33),
          "grant copy to ref %u offset 4000 len 96: rc %d status %d", ref, rc,
          st);
    fill(share, PAGE, 0x44);
    memset(buf, 0, sizeof(buf));
    st = copy_one(xgt, ref, 0, buf, PAGE, 0, &rc);
    check(rc == 0 && st == GNTST_okay && matches(buf, PAGE, 0x44),
          "grant copy from ref %u len 4096: rc %d status %d", ref, rc, st);

    check(xengntshr_unshare(xgs, share, 1) == 0, "unshare ref %u", ref);
}

static void test_multi_page(xengntshr_handle *xgs, xengnttab_handle *xgt)
{
    uint32_t refs[NPAGES];
    uint8_t *share, *map;
    int i, consecutive = 1;

    memset(refs, 0, sizeof(refs));
    share = xengntshr_share_pages(xgs, SELF_DOMID, NPAGES, refs, 1);
    check(share != NULL, "share %d pages: refs %u %u %u %u", NPAGES, refs[0],
          refs[1], refs[2], refs[3]);
    if (!share) {
        return;
    }
    for (i = 1; i < NPAGES; i++) {
        if (refs[i] != refs[i - 1] + 1) {
            consecutive = 0;
        }
    }
    note("gntalloc refs %s consecutive", consecutive ? "are" : "are NOT");

    map = xengnttab_map_domain_grant_refs(xgt, NPAGES, SELF_DOMID, refs,
                                          PROT_READ | PROT_WRITE);
    check(map != NULL, "map %d refs in one call%s%s", NPAGES, map ? "" : ": ",
          map ? "" : strerror(errno));
    if (map) {
        fill(share, NPAGES * PAGE, 0x55);
        check(matches(map, NPAGES * PAGE, 0x55),
              "guest writes visible across %d mapped pages", NPAGES);
        fill(map, NPAGES * PAGE, 0x66);
        check(matches(share, NPAGES * PAGE, 0x66),
              "writes across %d mapped pages visible to guest", NPAGES);
        check(xengnttab_unmap(xgt, map, NPAGES) == 0, "unmap %d pages",
              NPAGES);
    }
    check(xengntshr_unshare(xgs, share, NPAGES) == 0, "unshare %d pages",
          NPAGES);
}

static void test_read_only(xengntshr_handle *xgs, xengnttab_handle *xgt)
{
    uint32_t ref = 0;
    uint8_t *share, *map;
    uint8_t buf[64];
    int rc, st;

    share = xengntshr_share_pages(xgs, SELF_DOMID, 1, &ref, 0);
    check(share != NULL, "share 1 read-only page: ref %u", ref);
    if (!share) {
        return;
    }
    fill(share, PAGE, 0x77);

    map = xengnttab_map_grant_ref(xgt, SELF_DOMID, ref, PROT_READ);
    check(map != NULL && matches(map, PAGE, 0x77),
          "read-only ref %u maps for reading with guest data", ref);
    if (map) {
        xengnttab_unmap(xgt, map, 1);
    }

    errno = 0;
    map = xengnttab_map_grant_ref(xgt, SELF_DOMID, ref,
                                  PROT_READ | PROT_WRITE);
    check(map == NULL, "read-only ref %u refuses a writable map (errno %d %s)",
          ref, errno, strerror(errno));
    if (map) {
        xengnttab_unmap(xgt, map, 1);
    }

    fill(buf, sizeof(buf), 0x88);
    st = copy_one(xgt, ref, 0, buf, sizeof(buf), 1, &rc);
    check(rc == 0 && st != GNTST_okay && st != 1,
          "grant copy into read-only ref %u refused: rc %d status %d", ref, rc,
          st);
    check(matches(share, PAGE, 0x77), "read-only page unchanged");

    memset(buf, 0, sizeof(buf));
    st = copy_one(xgt, ref, 0, buf, sizeof(buf), 0, &rc);
    check(rc == 0 && st == GNTST_okay && matches(buf, sizeof(buf), 0x77),
          "grant copy from read-only ref %u: status %d", ref, st);

    check(xengntshr_unshare(xgs, share, 1) == 0, "unshare read-only ref %u",
          ref);
}

static void test_bad_refs(xengnttab_handle *xgt)
{
    static const uint32_t bad[] = { NEVER_SHARED_REF, OUT_OF_RANGE_REF };
    uint8_t buf[64];
    uint8_t *map;
    unsigned i;
    int rc, st;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        map = xengnttab_map_grant_ref(xgt, SELF_DOMID, bad[i], PROT_READ);
        check(map == NULL, "map of never-shared ref %#x fails (errno %d %s)",
              bad[i], errno, strerror(errno));
        if (map) {
            xengnttab_unmap(xgt, map, 1);
        }
        st = copy_one(xgt, bad[i], 0, buf, sizeof(buf), 0, &rc);
        check(rc == 0 && st != GNTST_okay && st != 1,
              "grant copy from never-shared ref %#x: rc %d status %d", bad[i],
              rc, st);
    }
}

/*
 * Revocation: after unshare, Xen refuses the ref, unless a backend still
 * maps it, in which case Linux defers ending the grant until it can.
 */
static void test_revoke(xengntshr_handle *xgs, xengnttab_handle *xgt)
{
    uint32_t ref = 0;
    uint8_t *share, *map;
    uint8_t buf[16];
    int rc, st, tries;

    share = xengntshr_share_pages(xgs, SELF_DOMID, 1, &ref, 1);
    check(share != NULL, "share ref %u for revocation", ref);
    if (!share) {
        return;
    }
    xengntshr_unshare(xgs, share, 1);
    st = copy_one(xgt, ref, 0, buf, sizeof(buf), 0, &rc);
    check(st != GNTST_okay, "ref %u refused after unshare: status %d", ref,
          st);

    share = xengntshr_share_pages(xgs, SELF_DOMID, 1, &ref, 1);
    check(share != NULL, "share ref %u again", ref);
    if (!share) {
        return;
    }
    map = xengnttab_map_grant_ref(xgt, SELF_DOMID, ref, PROT_READ);
    check(map != NULL, "map ref %u, then unshare it while mapped", ref);
    xengntshr_unshare(xgs, share, 1);
    st = copy_one(xgt, ref, 0, buf, sizeof(buf), 0, &rc);
    check(map == NULL || st == GNTST_okay,
          "ref %u still granted while mapped: status %d", ref, st);
    if (!map) {
        return;
    }
    xengnttab_unmap(xgt, map, 1);
    for (tries = 0; tries < 100; tries++) {
        st = copy_one(xgt, ref, 0, buf, sizeof(buf), 0, &rc);
        if (st != GNTST_okay) {
            break;
        }
        usleep(100 * 1000);
    }
    check(st != GNTST_okay, "ref %u released %.1f s after unmap: status %d",
          ref, tries / 10.0, st);
}

int main(void)
{
    xengntshr_handle *xgs;
    xengnttab_handle *xgt;

    setvbuf(stdout, NULL, _IOLBF, 0);
    xgs = xengntshr_open(NULL, 0);
    check(xgs != NULL, "open gntalloc%s%s", xgs ? "" : ": ",
          xgs ? "" : strerror(errno));
    xgt = xengnttab_open(NULL, 0);
    check(xgt != NULL, "open gntdev%s%s", xgt ? "" : ": ",
          xgt ? "" : strerror(errno));
    if (xgs && xgt) {
        test_single_page(xgs, xgt);
        test_multi_page(xgs, xgt);
        test_read_only(xgs, xgt);
        test_bad_refs(xgt);
        test_revoke(xgs, xgt);
    }
    if (xgt) {
        xengnttab_close(xgt);
    }
    if (xgs) {
        xengntshr_close(xgs);
    }

    if (failures) {
        printf("XEN-SMOKE: FAIL (%d of %d checks failed)\n", failures, checks);
        return 1;
    }
    printf("XEN-SMOKE: PASS (%d checks)\n", checks);
    return 0;
}
