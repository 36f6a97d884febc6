/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grant region: address_space_read/write (and so ld/st) on grant
 * addresses, through batched grant copy. No mapping is made, so nothing
 * needs unmapping and nothing can be left holding the guest's pages.
 *
 * An access is cut into page segments (a grant-copy segment may not cross
 * a page of the grant) and sent XEN_GRANT_COPY_BATCH segments at a time.
 * Every segment's status is checked. After a batch with a failure no
 * further batch is sent, and a failed read returns zeroes throughout, so
 * the caller never mistakes stale bytes for data.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "xen-grant-internal.h"
#include "xen-trace.h"

/*
 * Fill @segs with the page pieces of [@addr, @addr + @len), at most a
 * batch. Returns the number of segments; *@done gets the bytes covered.
 * Stops early at the first ref that does not fit in 32 bits.
 */
static unsigned fill_batch(XenGrantRegion *g, XenGrantCopySegment *segs,
                           hwaddr addr, uint8_t *buf, hwaddr len,
                           bool is_write, hwaddr *done)
{
    unsigned n = 0;

    *done = 0;
    while (*done < len && n < XEN_GRANT_COPY_BATCH) {
        hwaddr a = addr + *done;
        uint32_t off = a & (XEN_PAGE_SIZE - 1);
        hwaddr l = MIN(len - *done, (hwaddr)XEN_PAGE_SIZE - off);
        XenGrantCopySegment *s = &segs[n++];

        if ((a >> XEN_PAGE_SHIFT) > UINT32_MAX) {
            n--;
            break;
        }
        memset(s, 0, sizeof(*s));
        s->len = l;
        if (is_write) {
            s->flags = GNTCOPY_dest_gref;
            s->source.virt = buf + *done;
            s->dest.foreign.ref = a >> XEN_PAGE_SHIFT;
            s->dest.foreign.offset = off;
            s->dest.foreign.domid = g->domid;
        } else {
            s->flags = GNTCOPY_source_gref;
            s->source.foreign.ref = a >> XEN_PAGE_SHIFT;
            s->source.foreign.offset = off;
            s->source.foreign.domid = g->domid;
            s->dest.virt = buf + *done;
        }
        *done += l;
    }
    return n;
}

static MemTxResult batch_result(XenGrantRegion *g, XenGrantCopySegment *segs,
                                unsigned n)
{
    MemTxResult r = MEMTX_OK;

    for (unsigned i = 0; i < n; i++) {
        const XenGrantCopyPtr *fp = segs[i].flags & GNTCOPY_dest_gref ?
                                        &segs[i].dest :
                                        &segs[i].source;

        trace_xen_grant_copy_seg(g->domid, fp->foreign.ref, fp->foreign.offset,
                                 segs[i].len,
                                 !!(segs[i].flags & GNTCOPY_dest_gref),
                                 segs[i].status);
        if (segs[i].status != GNTST_okay) {
            xen_grant_count_failure(g, segs[i].status);
            r |= xen_gntst_to_memtx(segs[i].status);
        }
    }
    return r;
}

static MemTxResult grant_copy(XenGrantRegion *g, hwaddr addr, uint8_t *buf,
                              hwaddr len, bool is_write)
{
    XenGrantCopySegment segs[XEN_GRANT_COPY_BATCH];
    MemTxResult r = MEMTX_OK;
    hwaddr pos = 0;

    qatomic_fetch_add_relaxed(&g->stats.copies, 1);
    while (pos < len && r == MEMTX_OK) {
        hwaddr done;
        int rc;
        unsigned n = fill_batch(g, segs, addr + pos, buf + pos, len - pos,
                                is_write, &done);

        if (n == 0) {
            /* Past the last 32-bit ref: nothing is there. */
            xen_grant_count_failure(g, GNTST_bad_gntref);
            r = MEMTX_DECODE_ERROR;
            break;
        }
        qatomic_fetch_add_relaxed(&g->stats.copy_segments, n);
        rc = xen_backend_grant_copy(g->be, n, segs);
        /* Every segment's status, traced and counted, even on success. */
        r = batch_result(g, segs, n);
        if (rc != GNTST_okay && r == MEMTX_OK) {
            /* A backend that fails without saying where still fails. */
            r = MEMTX_ERROR;
        }
        pos += done;
    }
    if (r != MEMTX_OK && !is_write) {
        memset(buf, 0, len);
    }
    return r;
}

MemTxResult xen_grant_read_buf(void *opaque, hwaddr addr, void *buf,
                               hwaddr len, MemTxAttrs attrs)
{
    return grant_copy(opaque, addr, buf, len, false);
}

MemTxResult xen_grant_write_buf(void *opaque, hwaddr addr, const void *buf,
                                hwaddr len, MemTxAttrs attrs)
{
    /* The segment's source pointer is not const, but is only read. */
    return grant_copy(opaque, addr, (uint8_t *)buf, len, true);
}
