/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grant fuzzer's model; see grant-model.h.
 */
#include <string.h>

#include "hw/xen/xen-grant.h"
#include "grant-model.h"

void gm_touch(GrantModel *gm, uint32_t ref)
{
    if (!gm->ref[ref].touched) {
        gm->ref[ref].touched = true;
        gm->touched[gm->nr_touched++] = ref;
    }
}

static bool frame_present(const GrantModel *gm, uint64_t gfn)
{
    return gfn < GM_PAGES && !gm->absent[gfn];
}

/* In-use bits that no remaining user of @r needs. */
static uint16_t unused_bits(const GmRef *r)
{
    uint16_t bits = 0;

    if (!r->pin_rw) {
        bits |= GTF_writing;
        if (!r->pin_ro) {
            bits |= GTF_reading;
        }
    }
    return bits;
}

int gm_pin(GrantModel *gm, uint64_t ref, bool write, uint32_t *frame)
{
    GmRef *r;

    if (ref >= GM_NR_REFS) {
        return GNTST_bad_gntref;
    }
    r = &gm->ref[ref];
    gm_touch(gm, ref);
    if ((r->flags & GTF_type_mask) != GTF_permit_access ||
        (r->flags & GTF_sub_page) || r->domid != GM_SELF ||
        (write && (r->flags & GTF_readonly))) {
        return GNTST_general_error;
    }
    r->flags |= GTF_reading | (write ? GTF_writing : 0);
    if (!r->pin_ro && !r->pin_rw) {
        r->latched = r->frame;
        if (!frame_present(gm, r->latched)) {
            r->flags &= ~unused_bits(r);
            return GNTST_bad_page;
        }
    }
    if (write) {
        r->pin_rw++;
    } else {
        r->pin_ro++;
    }
    *frame = r->latched;
    return GNTST_okay;
}

/* What gm_pin() would answer now, changing nothing. */
static int gm_would_pin(const GrantModel *gm, uint64_t ref, bool write)
{
    const GmRef *r;

    if (ref >= GM_NR_REFS) {
        return GNTST_bad_gntref;
    }
    r = &gm->ref[ref];
    if ((r->flags & GTF_type_mask) != GTF_permit_access ||
        (r->flags & GTF_sub_page) || r->domid != GM_SELF ||
        (write && (r->flags & GTF_readonly))) {
        return GNTST_general_error;
    }
    if (!r->pin_ro && !r->pin_rw && !frame_present(gm, r->frame)) {
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

MemTxResult gm_check(const GrantModel *gm, uint64_t off, uint64_t len,
                     bool is_write)
{
    if (len == 0) {
        return MEMTX_OK;
    }
    for (uint64_t ref = off >> XEN_PAGE_SHIFT;
         ref <= (off + len - 1) >> XEN_PAGE_SHIFT; ref++) {
        int st = ref > UINT32_MAX ? GNTST_bad_gntref :
                                    gm_would_pin(gm, ref, is_write);

        if (st != GNTST_okay) {
            return gm_status_to_memtx(st);
        }
    }
    return MEMTX_OK;
}

void gm_unpin(GrantModel *gm, uint32_t ref, bool write)
{
    GmRef *r = &gm->ref[ref];

    if (write) {
        r->pin_rw--;
    } else {
        r->pin_ro--;
    }
    r->flags &= ~unused_bits(r);
}

MemTxResult gm_status_to_memtx(int status)
{
    switch (status) {
    case GNTST_okay:
        return MEMTX_OK;
    case GNTST_bad_gntref:
    case GNTST_bad_domain:
        return MEMTX_DECODE_ERROR;
    case GNTST_general_error:
    case GNTST_permission_denied:
    case GNTST_bad_page:
        return MEMTX_ACCESS_ERROR;
    default:
        return MEMTX_ERROR;
    }
}

/* One page segment of a copy: pin, copy, unpin, as Xen does. */
static int copy_segment(GrantModel *gm, uint64_t ref, unsigned off,
                        uint8_t *buf, unsigned len, bool is_write)
{
    uint32_t frame;
    int status = gm_pin(gm, ref, is_write, &frame);
    uint8_t *p;

    if (status != GNTST_okay) {
        return status;
    }
    p = gm->ram + (uint64_t)frame * XEN_PAGE_SIZE + off;
    if (is_write) {
        memcpy(p, buf, len);
    } else {
        memcpy(buf, p, len);
    }
    gm_unpin(gm, ref, is_write);
    return GNTST_okay;
}

MemTxResult gm_copy(GrantModel *gm, uint64_t off, uint8_t *buf, uint64_t len,
                    bool is_write)
{
    MemTxResult r = MEMTX_OK;
    uint64_t pos = 0;

    while (pos < len && r == MEMTX_OK) {
        unsigned n = 0;

        /* One batch: up to XEN_GRANT_COPY_BATCH segments, all tried. */
        while (pos < len && n < XEN_GRANT_COPY_BATCH) {
            uint64_t a = off + pos;
            uint64_t ref = a >> XEN_PAGE_SHIFT;
            unsigned o = a & (XEN_PAGE_SIZE - 1);
            unsigned l = MIN(len - pos, (uint64_t)XEN_PAGE_SIZE - o);
            int status;

            if (ref > UINT32_MAX) {
                break;
            }
            status = copy_segment(gm, ref, o, buf + pos, l, is_write);
            r |= gm_status_to_memtx(status);
            pos += l;
            n++;
        }
        if (n == 0) {
            /* Past the last 32-bit ref: nothing is there. */
            r = MEMTX_DECODE_ERROR;
        }
    }
    if (r != MEMTX_OK && !is_write) {
        memset(buf, 0, len);
    }
    return r;
}

bool gm_map(GrantModel *gm, uint64_t off, uint64_t *plen, bool is_write,
            uint32_t *first, uint32_t *nrefs, MemTxResult *why)
{
    uint64_t ref = off >> XEN_PAGE_SHIFT;
    uint64_t o = off & (XEN_PAGE_SIZE - 1);
    uint64_t max_refs, room, len = *plen;
    bool ok = true;
    unsigned n;

    *why = MEMTX_DECODE_ERROR; /* past the last 32-bit ref */
    if (ref > UINT32_MAX || len == 0) {
        return false;
    }
    max_refs = MIN((uint64_t)XEN_GRANT_MAP_MAX_REFS,
                   (uint64_t)UINT32_MAX - ref + 1);
    room = max_refs * XEN_PAGE_SIZE - o;
    len = MIN(len, room);
    n = (o + len + XEN_PAGE_SIZE - 1) >> XEN_PAGE_SHIFT;

    /* Every ref is tried; if any is refused, the others are let go. */
    {
        int status[XEN_GRANT_MAP_MAX_REFS];
        uint32_t frame;

        for (unsigned i = 0; i < n; i++) {
            status[i] = gm_pin(gm, ref + i, is_write, &frame);
            if (ok && status[i] != GNTST_okay) {
                *why = gm_status_to_memtx(status[i]);
            }
            ok &= status[i] == GNTST_okay;
        }
        for (unsigned i = 0; i < n && !ok; i++) {
            if (status[i] == GNTST_okay) {
                gm_unpin(gm, ref + i, is_write);
            }
        }
    }
    if (!ok) {
        return false;
    }
    *plen = len;
    *first = ref;
    *nrefs = n;
    return true;
}

void gm_unmap(GrantModel *gm, uint32_t first, uint32_t nrefs, bool is_write)
{
    for (uint32_t i = 0; i < nrefs; i++) {
        gm_unpin(gm, first + i, is_write);
    }
}

uint8_t *gm_mapped_byte(GrantModel *gm, uint32_t first, uint64_t off,
                        uint64_t i)
{
    uint64_t pos = (off & (XEN_PAGE_SIZE - 1)) + i;
    const GmRef *r = &gm->ref[first + (pos >> XEN_PAGE_SHIFT)];

    return gm->ram + (uint64_t)r->latched * XEN_PAGE_SIZE +
           (pos & (XEN_PAGE_SIZE - 1));
}

int gm_end_access(GrantModel *gm, uint64_t ref)
{
    GmRef *r;

    if (ref < XEN_GRANT_FIRST_FREE_REF || ref >= GM_NR_REFS ||
        !gm->ref[ref].allocated) {
        return -EINVAL;
    }
    r = &gm->ref[ref];
    gm_touch(gm, ref);
    if (r->flags & (GTF_reading | GTF_writing)) {
        return -EBUSY;
    }
    r->flags = 0;
    r->allocated = false;
    return 0;
}

int64_t gm_first_free(const GrantModel *gm, unsigned n)
{
    uint32_t run = 0;

    for (uint32_t ref = XEN_GRANT_FIRST_FREE_REF; ref < GM_NR_REFS; ref++) {
        run = gm->ref[ref].allocated ? 0 : run + 1;
        if (run == n) {
            return ref + 1 - n;
        }
    }
    return -1;
}

void gm_granted(GrantModel *gm, uint32_t ref, uint32_t gfn, bool readonly)
{
    GmRef *r = &gm->ref[ref];

    gm_touch(gm, ref);
    r->allocated = true;
    r->domid = GM_SELF;
    r->frame = gfn;
    r->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
}
