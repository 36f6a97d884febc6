/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The buffers of one descriptor chain: building an element at pop,
 * reading and writing its data, and releasing its mappings.
 *
 * Every buffer is split into segments. In map mode a segment is what one
 * address_space_map() returned (RAM stops at a region's end, an IOMMU at
 * its page, a bounce buffer at its budget); whatever cannot be mapped, or
 * would take more segments than the budget allows, stays one copy
 * segment that is read or written through the address space when the
 * device touches it. So pop never fails because memory is odd, and never
 * allocates more than a bounded number of segments.
 */
#include <errno.h>
#include <string.h>

#include "virtqueue-internal.h"

#define OUT 0
#define IN 1

void elem_builder_init(ElemBuilder *b, VirtQueue *vq)
{
    int d;

    memset(b, 0, sizeof(*b));
    b->vq = vq;
    for (d = OUT; d <= IN; d++) {
        b->sg[d] = g_array_new(false, false, sizeof(struct iovec));
        b->addr[d] = g_array_new(false, false, sizeof(hwaddr));
    }
}

static void push_seg(ElemBuilder *b, int d, void *host, hwaddr addr,
                     hwaddr len)
{
    struct iovec iov = { .iov_base = host, .iov_len = len };

    g_array_append_val(b->sg[d], iov);
    g_array_append_val(b->addr[d], addr);
}

static bool seg_budget_left(ElemBuilder *b)
{
    return b->sg[OUT]->len + b->sg[IN]->len < 2 * b->vq->cfg.max_sg;
}

int elem_builder_add(ElemBuilder *b, hwaddr addr, uint32_t len32,
                     bool is_write)
{
    int d = is_write ? IN : OUT;
    hwaddr len = len32;

    if (len == 0) {
        return 0; /* nothing to read or write */
    }
    if (len - 1 > UINT64_MAX - addr) {
        return -EINVAL; /* a buffer cannot wrap past 2^64 */
    }
    if (!is_write && b->len[IN]) {
        return -EINVAL; /* readable buffers come first */
    }
    if (++b->bufs > b->vq->cfg.max_sg) {
        return -E2BIG;
    }
    b->len[d] += len;
    while (len && !b->vq->cfg.copy && seg_budget_left(b)) {
        hwaddr l = len;
        void *p = address_space_map(b->vq->as, addr, &l, is_write,
                                    MEMTXATTRS_UNSPECIFIED);

        if (!p) {
            break;
        }
        push_seg(b, d, p, addr, l);
        addr += l;
        len -= l;
    }
    if (len) {
        push_seg(b, d, NULL, addr, len);
    }
    return 0;
}

VirtQueueElement *elem_builder_finish(ElemBuilder *b, unsigned head)
{
    VirtQueueElement *e = g_new0(VirtQueueElement, 1);

    e->index = head;
    e->as = b->vq->as;
    e->out_num = b->sg[OUT]->len;
    e->in_num = b->sg[IN]->len;
    e->out_len = b->len[OUT];
    e->in_len = b->len[IN];
    e->out_sg = (struct iovec *)g_array_free(b->sg[OUT], false);
    e->in_sg = (struct iovec *)g_array_free(b->sg[IN], false);
    e->out_addr = (hwaddr *)g_array_free(b->addr[OUT], false);
    e->in_addr = (hwaddr *)g_array_free(b->addr[IN], false);
    memset(b, 0, sizeof(*b));
    return e;
}

void elem_builder_abort(ElemBuilder *b)
{
    elem_release(elem_builder_finish(b, 0), 0);
}

void elem_release(VirtQueueElement *e, uint64_t written)
{
    unsigned i;

    for (i = 0; i < e->out_num; i++) {
        if (e->out_sg[i].iov_base) {
            address_space_unmap(e->as, e->out_sg[i].iov_base,
                                e->out_sg[i].iov_len, false, 0);
        }
    }
    for (i = 0; i < e->in_num; i++) {
        hwaddr l = e->in_sg[i].iov_len;
        hwaddr access = MIN(written, l);

        written -= access;
        if (e->in_sg[i].iov_base) {
            address_space_unmap(e->as, e->in_sg[i].iov_base, l, true, access);
        }
    }
    g_free(e->out_sg);
    g_free(e->in_sg);
    g_free(e->out_addr);
    g_free(e->in_addr);
    g_free(e);
}

void virtqueue_elem_free(VirtQueueElement *elem)
{
    if (elem) {
        elem_release(elem, 0);
    }
}

/* Copy between @buf and the @d-side data of @e, from @offset. */
static size_t elem_copy(VirtQueueElement *e, int d, uint64_t offset,
                        uint8_t *buf, size_t len, MemTxResult *res)
{
    struct iovec *sg = d == IN ? e->in_sg : e->out_sg;
    hwaddr *addr = d == IN ? e->in_addr : e->out_addr;
    unsigned num = d == IN ? e->in_num : e->out_num, i;
    MemTxResult r = MEMTX_OK;
    size_t done = 0;

    for (i = 0; i < num && done < len; i++) {
        hwaddr l;

        if (offset >= sg[i].iov_len) {
            offset -= sg[i].iov_len;
            continue;
        }
        l = MIN(sg[i].iov_len - offset, len - done);
        if (sg[i].iov_base) {
            uint8_t *host = (uint8_t *)sg[i].iov_base + offset;

            memcpy(d == IN ? host : buf + done, d == IN ? buf + done : host,
                   l);
        } else {
            r = d == IN ?
                    address_space_write(e->as, addr[i] + offset,
                                        MEMTXATTRS_UNSPECIFIED, buf + done,
                                        l) :
                    address_space_read(e->as, addr[i] + offset,
                                       MEMTXATTRS_UNSPECIFIED, buf + done, l);
            if (r != MEMTX_OK) {
                break;
            }
        }
        done += l;
        offset = 0;
    }
    if (res) {
        *res = r;
    }
    return done;
}

size_t virtqueue_elem_to_buf(VirtQueueElement *elem, uint64_t offset,
                             void *buf, size_t len, MemTxResult *res)
{
    return elem_copy(elem, OUT, offset, buf, len, res);
}

size_t virtqueue_elem_from_buf(VirtQueueElement *elem, uint64_t offset,
                               const void *buf, size_t len, MemTxResult *res)
{
    return elem_copy(elem, IN, offset, (uint8_t *)buf, len, res);
}
