/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated hypervisor through the backend ops: what Xen enforces on
 * grant maps and copies, revocation, batches, foreign maps, ballooning,
 * and a guest living in another process.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "exec/memcore-atomic.h"
#include "xen-test.h"
#include "tests/unit/unit-helpers.h"

/* ---- the permission matrix: grant kind x map/copy x read/write ---- */

typedef struct MatrixRow {
    const char *name;
    bool grant_ro;
    bool copy;
    bool write;
    int expect;
} MatrixRow;

static const MatrixRow matrix[] = {
    { "rw grant, map for read", false, false, false, GNTST_okay },
    { "rw grant, map for write", false, false, true, GNTST_okay },
    { "rw grant, copy from it", false, true, false, GNTST_okay },
    { "rw grant, copy into it", false, true, true, GNTST_okay },
    { "ro grant, map for read", true, false, false, GNTST_okay },
    { "ro grant, map for write", true, false, true, GNTST_general_error },
    { "ro grant, copy from it", true, true, false, GNTST_okay },
    { "ro grant, copy into it", true, true, true, GNTST_general_error },
};

#define GFN 5
#define OFF 16
#define LEN 100

static int matrix_map(const MatrixRow *row, uint32_t ref)
{
    int16_t st = 99;
    uint8_t *p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &ref,
                                       row->write, &st);

    if (st != GNTST_okay) {
        ck_assert_ptr_null(p);
        return st;
    }
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p[OFF], 0xaa);
    ck_assert(entry_flags(ref) & GTF_reading);
    ck_assert_int_eq(!!(entry_flags(ref) & GTF_writing), row->write);
    if (row->write) {
        memset(p + OFF, 0x55, LEN);
    }
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    return st;
}

static int matrix_copy(const MatrixRow *row, uint32_t ref)
{
    uint8_t buf[LEN];
    XenGrantCopySegment seg = { .len = LEN };
    int rc;

    memset(buf, row->write ? 0x55 : 0, sizeof(buf));
    if (row->write) {
        seg.flags = GNTCOPY_dest_gref;
        seg.source.virt = buf;
        seg.dest.foreign.ref = ref;
        seg.dest.foreign.offset = OFF;
        seg.dest.foreign.domid = GUEST_DOMID;
    } else {
        seg.flags = GNTCOPY_source_gref;
        seg.source.foreign.ref = ref;
        seg.source.foreign.offset = OFF;
        seg.source.foreign.domid = GUEST_DOMID;
        seg.dest.virt = buf;
    }
    rc = xen_backend_grant_copy(env.be, 1, &seg);
    ck_assert_int_eq(rc, seg.status);
    if (rc == GNTST_okay && !row->write) {
        ck_assert(buf[0] == 0xaa && buf[LEN - 1] == 0xaa);
    }
    return rc;
}

START_TEST(test_matrix)
{
    const MatrixRow *row = &matrix[_i];
    int64_t ref;
    int st;

    guest_fill(GFN, 0xaa);
    ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, row->grant_ro);
    ck_assert_int_ge(ref, XEN_GRANT_FIRST_FREE_REF);

    st = row->copy ? matrix_copy(row, ref) : matrix_map(row, ref);
    ck_assert_msg(st == row->expect, "%s: got %s, want %s", row->name,
                  xen_gntst_name(st), xen_gntst_name(row->expect));

    /* Writes land only where allowed; a refused one changes nothing. */
    if (row->write && row->expect == GNTST_okay) {
        ck_assert(guest_is(GFN, OFF, LEN, 0x55));
        ck_assert(guest_is(GFN, OFF + LEN, XEN_PAGE_SIZE - OFF - LEN, 0xaa));
    } else {
        ck_assert(guest_is(GFN, 0, XEN_PAGE_SIZE, 0xaa));
    }
    /* Nothing stays pinned: in-use flags are clear, revocation works. */
    ck_assert_int_eq(entry_flags(ref) & (GTF_reading | GTF_writing), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
}
END_TEST

/* ---- the other rows: who, what and which ref ---- */

/*
 * Map one ref and unmap it; the code the map gave. The check made first
 * must give the same code, and leave the entry as it found it.
 */
static int map1(uint16_t domid, uint32_t ref, bool write)
{
    int16_t st = 99, checked = 99;
    uint16_t flags = ref < XEN_EMU_NR_GRANT_REFS ? entry_flags(ref) : 0;
    void *p;

    ck_assert(
        xen_backend_grant_check(env.be, domid, 1, &ref, write, &checked));
    if (ref < XEN_EMU_NR_GRANT_REFS) {
        ck_assert_int_eq(entry_flags(ref), flags);
    }
    p = xen_backend_grant_map(env.be, domid, 1, &ref, write, &st);
    ck_assert_msg(checked == st, "check said %s, map %s",
                  xen_gntst_name(checked), xen_gntst_name(st));
    if (p) {
        ck_assert_int_eq(st, GNTST_okay);
        ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    }
    return st;
}

static int copy_from(uint16_t domid, uint32_t ref, uint16_t off, uint16_t len)
{
    static uint8_t buf[2 * XEN_PAGE_SIZE];
    XenGrantCopySegment seg = {
        .source.foreign = { .ref = ref, .offset = off, .domid = domid },
        .dest.virt = buf,
        .len = len,
        .flags = GNTCOPY_source_gref,
    };

    return xen_backend_grant_copy(env.be, 1, &seg);
}

START_TEST(test_wrong_domid)
{
    int64_t ref = xen_emu_grant_access(env.dom, OTHER_DOMID, GFN, false);

    ck_assert_int_ge(ref, 0);
    ck_assert_int_eq(map1(GUEST_DOMID, ref, false), GNTST_general_error);
    ck_assert_int_eq(copy_from(GUEST_DOMID, ref, 0, 8), GNTST_general_error);
}
END_TEST

/* Entry types and subflags Xen will not let a backend map. */
static const uint16_t refused_flags[] = {
    GTF_invalid,
    GTF_accept_transfer,
    GTF_transitive,
    GTF_permit_access | GTF_sub_page,
};

START_TEST(test_not_permitted)
{
    XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);
    int64_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);

    ck_assert_int_ge(ref, 0);
    qatomic_store_release(&t[ref].flags, refused_flags[_i]);
    ck_assert_int_eq(map1(GUEST_DOMID, ref, false), GNTST_general_error);
    ck_assert_int_eq(copy_from(GUEST_DOMID, ref, 0, 8), GNTST_general_error);
    ck_assert_int_eq(entry_flags(ref), refused_flags[_i]);
}
END_TEST

START_TEST(test_out_of_range_ref)
{
    ck_assert_int_eq(map1(GUEST_DOMID, XEN_EMU_NR_GRANT_REFS, false),
                     GNTST_bad_gntref);
    ck_assert_int_eq(map1(GUEST_DOMID, UINT32_MAX, true), GNTST_bad_gntref);
    ck_assert_int_eq(copy_from(GUEST_DOMID, XEN_EMU_NR_GRANT_REFS, 0, 8),
                     GNTST_bad_gntref);
}
END_TEST

START_TEST(test_unknown_domain)
{
    int64_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);

    ck_assert_int_eq(map1(42, ref, false), GNTST_bad_domain);
    ck_assert_int_eq(copy_from(42, ref, 0, 8), GNTST_bad_domain);
}
END_TEST

START_TEST(test_frame_not_present)
{
    int64_t beyond = xen_emu_grant_access(env.dom, BACKEND_DOMID, GUEST_PAGES,
                                          false);
    int64_t gone = xen_emu_grant_access(env.dom, BACKEND_DOMID, 3, false);

    ck_assert_int_ge(beyond, 0);
    ck_assert_int_eq(map1(GUEST_DOMID, beyond, false), GNTST_bad_page);
    ck_assert_int_eq(copy_from(GUEST_DOMID, beyond, 0, 8), GNTST_bad_page);
    /* A refused pin leaves no in-use flag behind. */
    ck_assert_int_eq(entry_flags(beyond), GTF_permit_access);

    ck_assert_int_eq(xen_emu_balloon_out(env.dom, 3), 0);
    ck_assert_int_eq(map1(GUEST_DOMID, gone, false), GNTST_bad_page);
    ck_assert_int_eq(xen_emu_grant_access(env.dom, BACKEND_DOMID,
                                          UINT32_MAX + 1ULL, false),
                     -EINVAL);
}
END_TEST

START_TEST(test_copy_crossing_page)
{
    int64_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);

    ck_assert_int_eq(copy_from(GUEST_DOMID, ref, 4000, 97),
                     GNTST_bad_copy_arg);
    ck_assert_int_eq(copy_from(GUEST_DOMID, ref, 4000, 96), GNTST_okay);
    ck_assert_int_eq(copy_from(GUEST_DOMID, ref, 0, XEN_PAGE_SIZE),
                     GNTST_okay);
}
END_TEST

/* ---- revocation and unmapping ---- */

START_TEST(test_end_while_mapped)
{
    int64_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    uint32_t r = ref;
    int16_t st;
    uint8_t *p;

    guest_fill(GFN, 0x11);
    p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, true, &st);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xen_emu_end_access(env.dom, r), -EBUSY);
    /* Still granted and still mapped: the backend keeps working. */
    ck_assert_int_eq(entry_flags(r) & GTF_type_mask, GTF_permit_access);
    p[0] = 0x22;
    ck_assert_int_eq(env.ram[GFN * XEN_PAGE_SIZE], 0x22);

    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, r), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, r), -EINVAL);
    /* Ended access: the backend is refused from now on. */
    ck_assert_int_eq(map1(GUEST_DOMID, r, false), GNTST_general_error);
    ck_assert_int_eq(xen_emu_end_access(env.dom, 3), -EINVAL);
}
END_TEST

START_TEST(test_two_mappings_one_ref)
{
    uint32_t r = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    int16_t st;
    void *ro = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, false, &st);
    void *rw = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, true, &st);

    ck_assert(ro && rw && ro != rw);
    ck_assert_int_eq(entry_flags(r) & (GTF_reading | GTF_writing),
                     GTF_reading | GTF_writing);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, rw, 1), 0);
    /* The read mapping is still there: only GTF_writing goes. */
    ck_assert_int_eq(entry_flags(r) & (GTF_reading | GTF_writing),
                     GTF_reading);
    ck_assert_int_eq(xen_emu_end_access(env.dom, r), -EBUSY);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, ro, 1), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, r), 0);
}
END_TEST

START_TEST(test_double_unmap)
{
    uint32_t r = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    XenEmuStats s;
    int16_t st;
    uint8_t *p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, false, &st);

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 2), -EINVAL);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p + 1, 1), -EINVAL);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), -EINVAL);
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.grant_maps, 1);
    ck_assert_int_eq(s.grant_unmaps, 1);
    ck_assert_int_eq(s.refs_mapped, 0);
}
END_TEST

/* ---- batches ---- */

START_TEST(test_batch_contiguous)
{
    uint64_t gfns[3] = { 10, 3, 20 };
    uint32_t refs[3];
    int16_t st[3];
    uint8_t *p;

    for (int i = 0; i < 3; i++) {
        guest_fill(gfns[i], 0x10 + i);
        refs[i] = xen_emu_grant_access(env.dom, BACKEND_DOMID, gfns[i], false);
    }
    p = xen_backend_grant_map(env.be, GUEST_DOMID, 3, refs, true, st);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(st[i], GNTST_okay);
        ck_assert_int_eq(p[i * XEN_PAGE_SIZE + 7], 0x10 + i);
    }
    /* One write across the page boundary lands in two guest frames. */
    memset(p + XEN_PAGE_SIZE - 4, 0x77, 8);
    ck_assert(guest_is(10, XEN_PAGE_SIZE - 4, 4, 0x77));
    ck_assert(guest_is(3, 0, 4, 0x77));
    ck_assert(guest_is(3, 4, 4, 0x11));
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 3), 0);
}
END_TEST

START_TEST(test_batch_all_or_nothing)
{
    uint32_t refs[3];
    int16_t st[3] = { 99, 99, 99 };
    XenEmuStats s;

    refs[0] = xen_emu_grant_access(env.dom, BACKEND_DOMID, 1, false);
    refs[1] = 40000;
    refs[2] = xen_emu_grant_access(env.dom, BACKEND_DOMID, 2, true);
    ck_assert_ptr_null(
        xen_backend_grant_map(env.be, GUEST_DOMID, 3, refs, true, st));
    /* Exact per-ref codes, unlike libxengnttab's blanket EINVAL. */
    ck_assert_int_eq(st[0], GNTST_okay);
    ck_assert_int_eq(st[1], GNTST_bad_gntref);
    ck_assert_int_eq(st[2], GNTST_general_error);
    /* The good ref was not left pinned. */
    ck_assert_int_eq(entry_flags(refs[0]), GTF_permit_access);
    ck_assert_int_eq(xen_emu_end_access(env.dom, refs[0]), 0);
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.grant_map_failures, 1);
    ck_assert_int_eq(s.refs_mapped, 0);
}
END_TEST

/*
 * Checking pins nothing: the guest can end access right after a check
 * that said yes, and the next check says no. Codes come per ref.
 */
START_TEST(test_check_pins_nothing)
{
    uint32_t refs[3];
    int16_t st[3] = { 99, 99, 99 };
    XenEmuStats s;

    refs[0] = xen_emu_grant_access(env.dom, BACKEND_DOMID, 1, false);
    refs[1] = 40000;
    refs[2] = xen_emu_grant_access(env.dom, BACKEND_DOMID, 2, true);
    ck_assert(xen_backend_grant_check(env.be, GUEST_DOMID, 3, refs, true, st));
    ck_assert_int_eq(st[0], GNTST_okay);
    ck_assert_int_eq(st[1], GNTST_bad_gntref);
    ck_assert_int_eq(st[2], GNTST_general_error);
    ck_assert(
        xen_backend_grant_check(env.be, GUEST_DOMID, 1, &refs[2], false, st));
    ck_assert_int_eq(st[0], GNTST_okay);
    ck_assert_int_eq(entry_flags(refs[0]), GTF_permit_access);
    ck_assert_int_eq(xen_emu_end_access(env.dom, refs[0]), 0);
    ck_assert(
        xen_backend_grant_check(env.be, GUEST_DOMID, 1, refs, false, st));
    ck_assert_int_eq(st[0], GNTST_general_error);
    ck_assert(xen_backend_grant_check(env.be, 42, 1, &refs[2], false, st));
    ck_assert_int_eq(st[0], GNTST_bad_domain);
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.grant_checks, 4);
    ck_assert_int_eq(s.grant_maps + s.grant_map_failures, 0);
    ck_assert_int_eq(s.refs_mapped, 0);
}
END_TEST

/* A pinned ref is checked against its latched frame, as a pin would be. */
START_TEST(test_check_follows_latched_frame)
{
    XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);
    uint32_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, 4, false);
    int16_t st = 99;
    void *p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &ref, false, &st);

    ck_assert_ptr_nonnull(p);
    /* The guest points the mapped entry at a frame it does not have. */
    qatomic_store_release(&t[ref].frame, GUEST_PAGES + 5);
    ck_assert_int_eq(map1(GUEST_DOMID, ref, false), GNTST_okay);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    ck_assert_int_eq(map1(GUEST_DOMID, ref, false), GNTST_bad_page);
}
END_TEST

START_TEST(test_ro_map_is_readonly)
{
    uint32_t r = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    int16_t st;
    uint8_t *p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, false, &st);

    ck_assert_ptr_nonnull(p);
    guest_fill(GFN, 0x12);
    ck_assert(store_faults(p, 0x34));
    ck_assert(guest_is(GFN, 0, XEN_PAGE_SIZE, 0x12));
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
}
END_TEST

/* ---- hostile guest: entries changing under a mapping ---- */

START_TEST(test_entry_changed_while_mapped)
{
    XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);
    uint32_t r = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    int16_t st;
    uint8_t *p, *q;

    guest_fill(GFN, 0x31);
    guest_fill(GFN + 1, 0x32);
    p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, false, &st);
    ck_assert_ptr_nonnull(p);

    /* The frame is latched while pinned: moving it moves nobody. */
    qatomic_store_release(&t[r].frame, GFN + 1);
    q = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, false, &st);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(q[0], 0x31);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, q, 1), 0);

    /* Re-targeting the entry to another domain refuses new pins... */
    qatomic_store_release(&t[r].domid, OTHER_DOMID);
    ck_assert_int_eq(map1(GUEST_DOMID, r, false), GNTST_general_error);
    /* ...while the existing mapping stays valid until unmapped. */
    ck_assert_int_eq(p[0], 0x31);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    ck_assert_int_eq(entry_flags(r) & (GTF_reading | GTF_writing), 0);
}
END_TEST

/*
 * A guest revoking and re-granting as fast as it can while the backend
 * maps: the revocation may only ever succeed while nothing is mapped.
 */
static bool race_mapped, race_stop;
static unsigned race_violations, race_maps, race_ends;

static void *race_guest(void *arg)
{
    while (!qatomic_load_acquire(&race_stop)) {
        if (xen_emu_end_access(env.dom, XEN_GRANT_FIRST_FREE_REF) == 0) {
            /* Atomics: the main thread reads these while we run. */
            qatomic_fetch_add_relaxed(&race_violations,
                                      qatomic_mb_read(&race_mapped));
            qatomic_fetch_add_relaxed(&race_ends, 1);
            /* The only ref in use comes back as the lowest free one. */
            g_assert(xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN,
                                          false) == XEN_GRANT_FIRST_FREE_REF);
            /* Leave the backend a chance to find the grant valid. */
            sched_yield();
        }
    }
    return NULL;
}

START_TEST(test_revoke_race)
{
    uint32_t r = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    int64_t deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
    pthread_t guest;

    ck_assert_int_eq(r, XEN_GRANT_FIRST_FREE_REF);
    pthread_create(&guest, NULL, race_guest, NULL);

    /* Run until both sides won often, whatever the scheduler does. */
    for (int i = 0; (race_maps < 500 || qatomic_read(&race_ends) < 500) &&
                    g_get_monotonic_time() < deadline;
         i++) {
        int16_t st;
        uint8_t *p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &r, i & 1,
                                           &st);

        if (!p) {
            ck_assert_int_eq(st, GNTST_general_error);
            continue;
        }
        qatomic_mb_set(&race_mapped, true);
        ck_assert(entry_flags(r) & GTF_reading);
        race_maps++;
        qatomic_mb_set(&race_mapped, false);
        ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    }
    qatomic_store_release(&race_stop, true);
    pthread_join(guest, NULL);
    ck_assert_int_eq(race_violations, 0);
    /* Both sides won sometimes, or the race proved nothing. */
    ck_assert_int_gt(race_maps, 0);
    ck_assert_int_gt(race_ends, 0);
}
END_TEST

/* ---- the guest's ref allocator ---- */

START_TEST(test_ref_allocation)
{
    uint64_t gfns[4] = { 1, 2, 3, 4 };
    int64_t a = xen_emu_grant_access(env.dom, BACKEND_DOMID, 1, false);
    int64_t seq, b;
    unsigned n = 0;

    ck_assert_int_eq(a, XEN_GRANT_FIRST_FREE_REF);
    b = xen_emu_grant_access(env.dom, BACKEND_DOMID, 1, false);
    ck_assert_int_eq(xen_emu_end_access(env.dom, a), 0);
    /* A one-ref hole before b cannot hold a run of four. */
    seq = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, 4, true);
    ck_assert_int_gt(seq, b);
    for (int i = 0; i < 4; i++) {
        XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);

        ck_assert_int_eq(t[seq + i].frame, gfns[i]);
        ck_assert_int_eq(t[seq + i].flags, GTF_permit_access | GTF_readonly);
    }
    ck_assert_int_eq(xen_emu_grant_access_seq(env.dom, 0, gfns, 0, false),
                     -EINVAL);
    /* Fill the table: exactly NR - 8 refs exist, minus the 5 held. */
    while (xen_emu_grant_access(env.dom, BACKEND_DOMID, 1, false) >= 0) {
        n++;
    }
    ck_assert_int_eq(n, XEN_EMU_NR_GRANT_REFS - XEN_GRANT_FIRST_FREE_REF - 5);
    ck_assert_int_eq(xen_emu_grant_access(env.dom, 0, 1, false), -ENOSPC);
}
END_TEST

/* ---- foreign memory ---- */

START_TEST(test_foreign_map)
{
    uint64_t gfns[3] = { 4, GUEST_PAGES + 5, 6 };
    int err[3] = { 1, 1, 1 };
    XenEmuStats s;
    uint8_t *p;

    guest_fill(4, 0x44);
    guest_fill(6, 0x66);
    p = xen_backend_foreign_map(env.be, GUEST_DOMID, true, 3, gfns, err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(err[0], 0);
    ck_assert_int_eq(err[1], -EINVAL);
    ck_assert_int_eq(err[2], 0);
    ck_assert_int_eq(p[0], 0x44);
    ck_assert_int_eq(p[2 * XEN_PAGE_SIZE], 0x66);
    p[1] = 0x45;
    ck_assert_int_eq(env.ram[4 * XEN_PAGE_SIZE + 1], 0x45);
    xen_emu_get_stats(env.emu, &s);
    ck_assert_int_eq(s.pages_foreign_mapped, 2);
    ck_assert_int_eq(xen_backend_foreign_unmap(env.be, p, 2), -EINVAL);
    ck_assert_int_eq(xen_backend_foreign_unmap(env.be, p, 3), 0);
    ck_assert_int_eq(xen_backend_foreign_unmap(env.be, p, 3), -EINVAL);

    errno = 0;
    ck_assert_ptr_null(
        xen_backend_foreign_map(env.be, 42, false, 1, gfns, err));
    ck_assert_int_eq(errno, ESRCH);
}
END_TEST

START_TEST(test_foreign_map_needs_privilege)
{
    XenBackend *driver = xen_emu_backend_open(env.emu, OTHER_DOMID, NULL);
    uint64_t gfn = 4;
    int err;

    ck_assert_ptr_nonnull(driver);
    errno = 0;
    ck_assert_ptr_null(
        xen_backend_foreign_map(driver, GUEST_DOMID, false, 1, &gfn, &err));
    ck_assert_int_eq(errno, EPERM);
    xen_backend_close(driver);
}
END_TEST

/*
 * A restricted backend maps its own guest and nothing else, as privcmd
 * does after xenforeignmemory_restrict(); grants are not affected.
 */
START_TEST(test_foreign_map_restricted)
{
    uint32_t ref = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    uint64_t gfn = 4;
    int16_t st;
    int err;
    void *p;

    ck_assert_int_eq(xen_backend_restrict(env.be, OTHER_DOMID), 0);
    errno = 0;
    ck_assert_ptr_null(
        xen_backend_foreign_map(env.be, GUEST_DOMID, false, 1, &gfn, &err));
    ck_assert_int_eq(errno, EPERM);
    /* Never widened: not to the guest, not back to everything. */
    ck_assert_int_eq(xen_backend_restrict(env.be, GUEST_DOMID), -EPERM);
    ck_assert_int_eq(xen_backend_restrict(env.be, OTHER_DOMID), 0);
    p = xen_backend_grant_map(env.be, GUEST_DOMID, 1, &ref, false, &st);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 1), 0);
    ck_assert_int_eq(xen_emu_end_access(env.dom, ref), 0);
}
END_TEST

START_TEST(test_foreign_map_restricted_to_guest)
{
    uint64_t gfn = 4;
    int err;
    void *p;

    ck_assert_int_eq(xen_backend_restrict(env.be, GUEST_DOMID), 0);
    p = xen_backend_foreign_map(env.be, GUEST_DOMID, false, 1, &gfn, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xen_backend_foreign_unmap(env.be, p, 1), 0);
    errno = 0;
    ck_assert_ptr_null(
        xen_backend_foreign_map(env.be, BACKEND_DOMID, false, 1, &gfn, &err));
    ck_assert_int_eq(errno, EPERM);
}
END_TEST

/* The grant a driver domain gets is for it alone. */
START_TEST(test_driver_domain_grants)
{
    XenBackend *driver = xen_emu_backend_open(env.emu, OTHER_DOMID, NULL);
    uint32_t mine = xen_emu_grant_access(env.dom, OTHER_DOMID, GFN, false);
    uint32_t dom0s = xen_emu_grant_access(env.dom, BACKEND_DOMID, GFN, false);
    int16_t st;
    void *p;

    p = xen_backend_grant_map(driver, GUEST_DOMID, 1, &mine, true, &st);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(
        xen_backend_grant_map(driver, GUEST_DOMID, 1, &dom0s, false, &st));
    ck_assert_int_eq(st, GNTST_general_error);
    /* Closing a backend releases what it still held, as gntdev does. */
    xen_backend_close(driver);
    ck_assert_int_eq(xen_emu_end_access(env.dom, mine), 0);
}
END_TEST

/* ---- ballooning and invalidation ---- */

static unsigned notified;
static uint16_t notified_domid;

static void count_invalidate(void *opaque, uint16_t domid)
{
    notified += GPOINTER_TO_UINT(opaque);
    notified_domid = domid;
}

START_TEST(test_balloon_notifies)
{
    uint64_t gfn = 9;
    int err = 0;
    void *p;

    xen_emu_add_invalidate_notifier(env.emu, GUEST_DOMID, count_invalidate,
                                    GUINT_TO_POINTER(1));
    xen_emu_add_invalidate_notifier(env.emu, OTHER_DOMID, count_invalidate,
                                    GUINT_TO_POINTER(100));
    ck_assert_int_eq(xen_emu_balloon_out(env.dom, gfn), 0);
    ck_assert_int_eq(notified, 1);
    ck_assert_int_eq(notified_domid, GUEST_DOMID);
    ck_assert_int_eq(xen_emu_balloon_out(env.dom, gfn), -ENOENT);
    ck_assert_int_eq(xen_emu_balloon_out(env.dom, GUEST_PAGES), -EINVAL);
    ck_assert_int_eq(notified, 1);

    p = xen_backend_foreign_map(env.be, GUEST_DOMID, false, 1, &gfn, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(err, -EINVAL);
    ck_assert_int_eq(xen_backend_foreign_unmap(env.be, p, 1), 0);

    xen_emu_remove_invalidate_notifier(env.emu, GUEST_DOMID, count_invalidate,
                                       GUINT_TO_POINTER(1));
    ck_assert_int_eq(xen_emu_balloon_out(env.dom, gfn + 1), 0);
    ck_assert_int_eq(notified, 1);

    /* Back in: present again, as a fresh zeroed page, and no notice. */
    guest_fill(gfn, 0x99);
    ck_assert_int_eq(xen_emu_balloon_in(env.dom, gfn), 0);
    ck_assert_int_eq(xen_emu_balloon_in(env.dom, gfn), -ENOENT);
    ck_assert_int_eq(xen_emu_balloon_in(env.dom, GUEST_PAGES), -EINVAL);
    ck_assert(guest_is(gfn, 0, XEN_PAGE_SIZE, 0));
    ck_assert_int_eq(map1(GUEST_DOMID,
                          xen_emu_grant_access(env.dom, 0, gfn, false), false),
                     GNTST_okay);
    ck_assert_int_eq(notified, 1);
}
END_TEST

static int child_balloons(int to_parent, int from_parent)
{
    CHILD_CHECK(xen_emu_balloon_out(env.dom, 12) == 0);
    return 0;
}

START_TEST(test_balloon_from_child)
{
    GuestChild c;

    xen_emu_add_invalidate_notifier(env.emu, GUEST_DOMID, count_invalidate,
                                    GUINT_TO_POINTER(1));
    c = guest_fork(child_balloons);
    ck_assert_int_eq(guest_wait(&c), 0);
    /* The child could not call us: nothing until we poll. */
    ck_assert_int_eq(notified, 0);
    ck_assert_int_eq(xen_emu_poll_invalidate(env.emu), 1);
    ck_assert_int_eq(notified, 1);
    ck_assert_int_eq(xen_emu_poll_invalidate(env.emu), 0);
}
END_TEST

/* ---- a guest in another process ---- */

/*
 * The child grants two frames it filled, read-write, and one read-only;
 * the parent maps and writes; the child checks what it sees, and that it
 * cannot revoke while the parent holds the mapping.
 */
static int child_guest(int to_parent, int from_parent)
{
    uint64_t gfns[2] = { 20, 21 };
    int64_t seq, ro;
    uint64_t msg;

    memset(env.ram + 20 * XEN_PAGE_SIZE, 0xc1, 2 * XEN_PAGE_SIZE);
    seq = xen_emu_grant_access_seq(env.dom, BACKEND_DOMID, gfns, 2, false);
    ro = xen_emu_grant_access(env.dom, BACKEND_DOMID, 22, true);
    CHILD_CHECK(seq >= XEN_GRANT_FIRST_FREE_REF && ro > 0);
    CHILD_CHECK(send_u64(to_parent, seq) && send_u64(to_parent, ro));

    CHILD_CHECK(recv_u64(from_parent, &msg) && msg == 1); /* mapped */
    CHILD_CHECK(env.ram[21 * XEN_PAGE_SIZE + 5] == 0xd2);
    CHILD_CHECK(xen_emu_end_access(env.dom, seq) == -EBUSY);
    CHILD_CHECK(send_u64(to_parent, 2));

    CHILD_CHECK(recv_u64(from_parent, &msg) && msg == 3); /* unmapped */
    CHILD_CHECK(xen_emu_end_access(env.dom, seq) == 0);
    CHILD_CHECK(xen_emu_end_access(env.dom, seq + 1) == 0);
    CHILD_CHECK(env.ram[22 * XEN_PAGE_SIZE] == 0);
    CHILD_CHECK(xen_emu_end_access(env.dom, ro) == 0);
    return 0;
}

START_TEST(test_forked_guest)
{
    GuestChild c = guest_fork(child_guest);
    uint32_t refs[2], ro;
    int16_t st[2];
    uint8_t *p;

    refs[0] = expect_u64(c.rd);
    refs[1] = refs[0] + 1;
    ro = expect_u64(c.rd);

    p = xen_backend_grant_map(env.be, GUEST_DOMID, 2, refs, true, st);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p[XEN_PAGE_SIZE - 1], 0xc1);
    p[XEN_PAGE_SIZE + 5] = 0xd2;
    ck_assert_int_eq(map1(GUEST_DOMID, ro, true), GNTST_general_error);
    ck_assert(send_u64(c.wr, 1));
    ck_assert_int_eq(expect_u64(c.rd), 2);

    ck_assert_int_eq(xen_backend_grant_unmap(env.be, p, 2), 0);
    ck_assert(send_u64(c.wr, 3));
    ck_assert_int_eq(guest_wait(&c), 0);
}
END_TEST

/* ---- setup errors and misuse ---- */

START_TEST(test_domain_errors)
{
    GError *err = NULL;

    /* Reserved domid, odd or empty RAM, domid out of range: invalid. */
    ck_assert_ptr_null(xen_emu_domain_new(env.emu, 0, XEN_PAGE_SIZE, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_null(
        xen_emu_domain_new(env.emu, GUEST_DOMID, XEN_PAGE_SIZE, &err));
    ck_assert(strstr(err->message, "already exists"));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_BUSY));
    g_clear_error(&err);
    ck_assert_ptr_null(xen_emu_domain_new(env.emu, 3, 100, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_null(xen_emu_domain_new(env.emu, 3, 0, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_null(xen_emu_domain_new(env.emu, 0x7ff0, 4096, &err));
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_INVALID));
    g_clear_error(&err);
    ck_assert_ptr_eq(xen_emu_domain_lookup(env.emu, GUEST_DOMID), env.dom);
    ck_assert_ptr_null(xen_emu_domain_lookup(env.emu, 3));
    ck_assert_str_eq(xen_backend_name(env.be), "emu");
    ck_assert_str_eq(xen_gntst_name(GNTST_bad_copy_arg), "bad_copy_arg");
    ck_assert_str_eq(xen_gntst_name(-14), "unknown");
}
END_TEST

static int child_opens_backend(int to_parent, int from_parent)
{
    /* The hypervisor side is not available here: this must abort. */
    xen_emu_backend_open(env.emu, 0, NULL);
    return 0;
}

START_TEST(test_hypervisor_side_stays_home)
{
    GuestChild c = guest_fork(child_opens_backend);
    int status;

    close(c.rd);
    close(c.wr);
    ck_assert_int_eq(waitpid(c.pid, &status, 0), c.pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}
END_TEST

static void map_no_refs(void *opaque)
{
    uint32_t ref = 8;
    int16_t st;

    xen_backend_grant_map(env.be, GUEST_DOMID, 0, &ref, false, &st);
}

static void copy_too_many(void *opaque)
{
    XenGrantCopySegment seg = { 0 };

    xen_backend_grant_copy(env.be, XEN_BACKEND_MAX_COPY_SEGS + 1, &seg);
}

/* The fork is not the hypervisor process: that is misuse too. */
static void free_from_another_process(void *opaque)
{
    xen_emu_free(env.emu);
}

/* hw/xen reports misuse through the library's one reporter. */
START_TEST(test_misuse_is_reported)
{
    unit_expect_misuse(map_no_refs, NULL,
                       "xen_backend_grant_map(): count 0 is out of range");
    unit_expect_misuse(copy_too_many, NULL,
                       "xen_backend_grant_copy(): count 1025 is out of range");
    unit_expect_misuse(free_from_another_process, NULL,
                       "xen-emu: xen_emu_free() called outside the "
                       "hypervisor process");
}
END_TEST

static Suite *xen_emu_suite(void)
{
    Suite *s = suite_create("xen-emu");
    TCase *tc;

    tc = tcase_create("grants");
    /*
     * The race runs for up to 3 s; filling the whole grant table takes a
     * while under ThreadSanitizer.
     */
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, xen_test_setup, xen_test_teardown);
    tcase_add_loop_test(tc, test_matrix, 0, G_N_ELEMENTS(matrix));
    tcase_add_test(tc, test_wrong_domid);
    tcase_add_loop_test(tc, test_not_permitted, 0,
                        G_N_ELEMENTS(refused_flags));
    tcase_add_test(tc, test_out_of_range_ref);
    tcase_add_test(tc, test_unknown_domain);
    tcase_add_test(tc, test_frame_not_present);
    tcase_add_test(tc, test_copy_crossing_page);
    tcase_add_test(tc, test_end_while_mapped);
    tcase_add_test(tc, test_two_mappings_one_ref);
    tcase_add_test(tc, test_double_unmap);
    tcase_add_test(tc, test_batch_contiguous);
    tcase_add_test(tc, test_batch_all_or_nothing);
    tcase_add_test(tc, test_check_pins_nothing);
    tcase_add_test(tc, test_check_follows_latched_frame);
    tcase_add_test(tc, test_ro_map_is_readonly);
    tcase_add_test(tc, test_entry_changed_while_mapped);
    tcase_add_test(tc, test_revoke_race);
    tcase_add_test(tc, test_ref_allocation);
    suite_add_tcase(s, tc);

    tc = tcase_create("foreign");
    tcase_add_checked_fixture(tc, xen_test_setup, xen_test_teardown);
    tcase_add_test(tc, test_foreign_map);
    tcase_add_test(tc, test_foreign_map_needs_privilege);
    tcase_add_test(tc, test_foreign_map_restricted);
    tcase_add_test(tc, test_foreign_map_restricted_to_guest);
    tcase_add_test(tc, test_driver_domain_grants);
    tcase_add_test(tc, test_balloon_notifies);
    tcase_add_test(tc, test_balloon_from_child);
    suite_add_tcase(s, tc);

    tc = tcase_create("processes");
    tcase_add_checked_fixture(tc, xen_test_setup, xen_test_teardown);
    tcase_add_test(tc, test_forked_guest);
    tcase_add_test(tc, test_domain_errors);
    tcase_add_test(tc, test_hypervisor_side_stays_home);
    tcase_add_test(tc, test_misuse_is_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(xen_emu_suite());
}
