/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Popping a descriptor chain from a split ring. Every index, flag,
 * address and length here is the guest's; see the rules at the top of
 * include/hw/virtio/virtqueue.h. Each descriptor is read once into a
 * local copy, so a guest rewriting the table meanwhile changes nothing
 * we already checked.
 */
#include <errno.h>

#include "exec/memcore-atomic.h"
#include "virtqueue-internal.h"

#define DESC_SIZE 16

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

static int read_desc(VRingCache *table, unsigned i, VRingDesc *d)
{
    VRingDesc raw;

    G_STATIC_ASSERT(sizeof(raw) == DESC_SIZE);
    if (vring_cache_read(table, (hwaddr)i * DESC_SIZE, &raw, sizeof(raw)) !=
        MEMTX_OK) {
        return -EFAULT;
    }
    d->addr = GUINT64_FROM_LE(raw.addr);
    d->len = GUINT32_FROM_LE(raw.len);
    d->flags = GUINT16_FROM_LE(raw.flags);
    d->next = GUINT16_FROM_LE(raw.next);
    return 0;
}

/* Check an indirect descriptor and open its table. */
static int open_indirect(VirtQueue *vq, const VRingDesc *d, bool nested,
                         VRingCache *table, unsigned *size)
{
    if (!(vq->cfg.features & VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC)) ||
        nested || (d->flags & VIRTQ_DESC_F_NEXT) || d->len == 0 ||
        d->len % DESC_SIZE || d->len / DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
        return -EINVAL;
    }
    *size = d->len / DESC_SIZE;
    return vring_cache_init(table, vq->as, d->addr, d->len, false);
}

/*
 * Walk the chain from @head into @b. A chain longer than its table is a
 * loop: next indices are checked against the table, so by pigeonhole it
 * must revisit a descriptor.
 */
static int walk_chain(VirtQueue *vq, unsigned head, ElemBuilder *b,
                      const char **why)
{
    VRingCache indirect = { 0 };
    VRingCache *table = &vq->desc;
    unsigned size = vq->cfg.num, i = head, count = 0;
    int ret;

    for (;;) {
        VRingDesc d;

        if (++count > size) {
            *why = "descriptor loop";
            ret = -ELOOP;
            break;
        }
        ret = read_desc(table, i, &d);
        if (ret) {
            *why = "descriptor unreadable";
            break;
        }
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            ret = open_indirect(vq, &d, table == &indirect, &indirect, &size);
            if (ret) {
                *why = "bad indirect descriptor";
                break;
            }
            table = &indirect;
            i = count = 0;
            continue;
        }
        ret = elem_builder_add(b, d.addr, d.len, d.flags & VIRTQ_DESC_F_WRITE);
        if (ret) {
            *why = ret == -E2BIG ? "too many buffers" : "bad buffer";
            break;
        }
        if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
            break;
        }
        i = d.next;
        if (i >= size) {
            *why = "next index out of range";
            ret = -ERANGE;
            break;
        }
    }
    vring_cache_destroy(&indirect);
    return ret;
}

static uint16_t avail_lduw(VirtQueue *vq, hwaddr off, bool *ok)
{
    uint16_t v;

    *ok = vring_cache_read(&vq->avail, off, &v, sizeof(v)) == MEMTX_OK;
    return GUINT16_FROM_LE(v);
}

/* Is a chain available? 1 yes, 0 no, or a negative errno. */
static int avail_check(VirtQueue *vq)
{
    uint16_t idx;
    bool ok;

    if (vq->last_avail_idx != vq->shadow_avail_idx) {
        return 1;
    }
    idx = avail_lduw(vq, 2, &ok);
    if (!ok) {
        return virtqueue_set_broken(vq, -EFAULT, "avail ring unreadable");
    }
    if ((uint16_t)(idx - vq->last_avail_idx) > vq->cfg.num) {
        return virtqueue_set_broken(vq, -EINVAL,
                                    "avail index moved from %u to %u",
                                    vq->last_avail_idx, idx);
    }
    vq->shadow_avail_idx = idx;
    /* Read the ring entries only after the index that covers them. */
    smp_mb_acquire();
    return idx != vq->last_avail_idx;
}

int virtqueue_pop(VirtQueue *vq, VirtQueueElement **elem)
{
    unsigned slot = vq->last_avail_idx % vq->cfg.num, head;
    const char *why = NULL;
    ElemBuilder b;
    bool ok;
    int ret;

    *elem = NULL;
    if (vq->broken) {
        return -EIO;
    }
    if (!vq->rings_set) {
        return 0;
    }
    ret = avail_check(vq);
    if (ret <= 0) {
        return ret;
    }
    head = avail_lduw(vq, 4 + 2 * slot, &ok);
    if (!ok) {
        return virtqueue_set_broken(vq, -EFAULT, "avail ring unreadable");
    }
    if (head >= vq->cfg.num) {
        return virtqueue_set_broken(vq, -ERANGE, "head %u out of range", head);
    }
    elem_builder_init(&b, vq);
    ret = walk_chain(vq, head, &b, &why);
    if (ret) {
        elem_builder_abort(&b);
        return virtqueue_set_broken(vq, ret, "chain at head %u: %s", head,
                                    why);
    }
    vq->last_avail_idx++;
    if ((vq->cfg.features & VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX)) &&
        vq->notification) {
        uint16_t le = GUINT16_TO_LE(vq->last_avail_idx);

        vring_cache_write(&vq->used, 4 + 8 * vq->cfg.num, &le, sizeof(le));
    }
    *elem = elem_builder_finish(&b, head);
    return 1;
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    vq->last_avail_idx--;
    virtqueue_elem_free(elem);
}
