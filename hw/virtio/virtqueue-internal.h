/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private structures of the split-ring virtqueue (hw/virtio/virtqueue*.c,
 * hw/virtio/vring-cache.c). A queue is used by one thread at a time, so
 * nothing here takes a lock.
 */
#ifndef HW_VIRTIO_VIRTQUEUE_INTERNAL_H
#define HW_VIRTIO_VIRTQUEUE_INTERNAL_H

#include "hw/virtio/virtqueue.h"

/*
 * A guest range seen through as many MemoryRegionCaches as it takes: one
 * cache through an IOMMU covers at most one IOMMU page, and a ring of
 * 1024 entries spans several.
 */
typedef struct VRingPiece {
    MemoryRegionCache cache;
    hwaddr off; /* where the piece starts in the range */
    hwaddr len;
} VRingPiece;

typedef struct VRingCache {
    VRingPiece *p;
    unsigned n;
    hwaddr len;
} VRingCache;

int vring_cache_init(VRingCache *rc, AddressSpace *as, hwaddr addr, hwaddr len,
                     bool is_write);
void vring_cache_destroy(VRingCache *rc);
MemTxResult vring_cache_read(VRingCache *rc, hwaddr off, void *buf,
                             hwaddr len);
MemTxResult vring_cache_write(VRingCache *rc, hwaddr off, const void *buf,
                              hwaddr len);

struct VirtQueue {
    AddressSpace *as;
    VirtQueueConfig cfg;
    bool rings_set;
    hwaddr desc_addr, avail_addr, used_addr;
    VRingCache desc, avail, used;
    uint16_t last_avail_idx;
    uint16_t shadow_avail_idx;
    uint16_t used_idx;
    uint16_t signalled_used;
    bool signalled_used_valid;
    bool notification;
    bool broken;
    char *broken_reason;
};

/* Collects the buffers of one chain (virtqueue-elem.c). */
typedef struct ElemBuilder {
    VirtQueue *vq;
    GArray *sg[2]; /* struct iovec: [0] out, [1] in */
    GArray *addr[2]; /* hwaddr */
    uint64_t len[2];
    unsigned bufs; /* non-empty descriptors so far */
} ElemBuilder;

void elem_builder_init(ElemBuilder *b, VirtQueue *vq);
int elem_builder_add(ElemBuilder *b, hwaddr addr, uint32_t len, bool is_write);
VirtQueueElement *elem_builder_finish(ElemBuilder *b, unsigned head);
void elem_builder_abort(ElemBuilder *b);
/* Unmap @elem's segments; @written bytes of its in-data count as used. */
void elem_release(VirtQueueElement *elem, uint64_t written);

/* virtqueue.c: the queue breaks; later pops fail with -EIO. */
int virtqueue_set_broken(VirtQueue *vq, int err, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

#endif /* HW_VIRTIO_VIRTQUEUE_INTERNAL_H */
