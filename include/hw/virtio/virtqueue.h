/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A split-ring virtqueue, device side, over MemoryRegionCache.
 *
 * Layout (virtio 1.x, all fields little endian):
 *   descriptor table: num x { u64 addr; u32 len; u16 flags; u16 next; },
 *                     16-byte aligned;
 *   available ring:   { u16 flags; u16 idx; u16 ring[num];
 *                       u16 used_event (EVENT_IDX only); }, 2-aligned;
 *   used ring:        { u16 flags; u16 idx; { u32 id; u32 len; } ring[num];
 *                       u16 avail_event (EVENT_IDX only); }, 4-aligned.
 *
 * Everything in the rings comes from the guest and is treated as hostile:
 *  - a chain is at most @num descriptors and an indirect table at most its
 *    own length, so a loop ends as -ELOOP instead of spinning;
 *  - indices beyond the table are -ERANGE;
 *  - an indirect descriptor that also has NEXT, an indirect table inside
 *    an indirect table, a table whose length is not a multiple of 16, a
 *    device-readable buffer after a device-writable one, or a buffer that
 *    would wrap past 2^64 is -EINVAL;
 *  - more than @max_sg non-empty buffers in one chain is -E2BIG;
 *  - rings or tables that cannot be read are -EFAULT.
 * Any of these marks the queue broken (the device needs a reset, as the
 * spec says): later pops return -EIO and nothing is leaked.
 *
 * Buffers are either mapped (address_space_map(): direct pointers to RAM,
 * a map-on-demand region such as Xen grants, or bounce buffers) or copied
 * (address_space_read/write at access time). In map mode, a part of a
 * buffer that cannot be mapped (nothing there, bounce budget used up,
 * too many pieces) is kept as a copy segment: the device then learns of
 * a bad address from the MemTxResult of its access, not at pop, so a
 * buffer the guest forged costs it an I/O error, never a crash.
 *
 * Rings are resolved once, when they are set (and again on
 * virtqueue_refresh_rings()): like QEMU's, the caches do not follow later
 * IOMMU or topology changes by themselves.
 *
 * Threads: one VirtQueue is used by one thread at a time (the device's);
 * the guest driver may run concurrently on others.
 */
#ifndef HW_VIRTIO_VIRTQUEUE_H
#define HW_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <glib.h>

#include "exec/memory.h"
#include "hw/virtio/virtio-access.h"

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Largest split queue the spec allows. */
#define VIRTQUEUE_MAX_SIZE 32768
/* Default bound on non-empty buffers per chain (QEMU's, too). */
#define VIRTQUEUE_MAX_SG 1024

typedef struct VirtQueue VirtQueue;

/**
 * struct VirtQueueConfig - how to build a queue.
 * @num: queue size; a power of 2, 1..VIRTQUEUE_MAX_SIZE.
 * @features: negotiated features; INDIRECT_DESC and EVENT_IDX matter.
 * @copy: copy buffers at access time instead of mapping them at pop.
 * @max_sg: bound on non-empty buffers per chain; 0 means
 *          VIRTQUEUE_MAX_SG.
 */
typedef struct VirtQueueConfig {
    unsigned num;
    uint64_t features;
    bool copy;
    unsigned max_sg;
} VirtQueueConfig;

/**
 * struct VirtQueueElement - one popped descriptor chain.
 * @index: the head descriptor's index, returned in the used ring.
 * @out_num: device-readable segments.
 * @in_num: device-writable segments.
 * @out_len: total bytes the device may read.
 * @in_len: total bytes the device may write.
 * @out_addr: DMA address of each readable segment.
 * @in_addr: DMA address of each writable segment.
 * @out_sg: host view of each readable segment: iov_base is a mapping, or
 *          NULL for a copy segment; iov_len is its length.
 * @in_sg: the same for writable segments.
 *
 * Read and write the data with virtqueue_elem_to_buf() and
 * virtqueue_elem_from_buf(), which handle both kinds of segment; direct
 * use of iov_base is fine where it is not NULL. Other fields are private.
 */
typedef struct VirtQueueElement {
    unsigned int index;
    unsigned int out_num;
    unsigned int in_num;
    uint64_t out_len;
    uint64_t in_len;
    hwaddr *out_addr;
    hwaddr *in_addr;
    struct iovec *out_sg;
    struct iovec *in_sg;
    /* private */
    AddressSpace *as;
} VirtQueueElement;

/**
 * virtqueue_new() - a queue whose DMA goes through @dma_as.
 * @dma_as: the device's DMA space, usually from virtio_platform_dma_as().
 * @cfg: the configuration.
 * @errp: set for a bad configuration.
 *
 * The queue has no rings until virtqueue_set_rings().
 *
 * Return: the queue, or NULL.
 */
VirtQueue *virtqueue_new(AddressSpace *dma_as, const VirtQueueConfig *cfg,
                         GError **errp);

/**
 * virtqueue_free() - destroy the queue and its ring caches.
 * @vq: the queue, or NULL.
 *
 * Elements still held by the device stay valid; free them with
 * virtqueue_elem_free().
 */
void virtqueue_free(VirtQueue *vq);

/**
 * virtqueue_set_rings() - the driver told us where the rings are.
 * @vq: the queue.
 * @desc: descriptor table (DMA address).
 * @avail: available ring.
 * @used: used ring.
 *
 * Return: 0; -EINVAL for a misaligned ring; -EFAULT when a ring cannot be
 * reached (then the queue has no rings).
 */
int virtqueue_set_rings(VirtQueue *vq, hwaddr desc, hwaddr avail, hwaddr used);

/**
 * virtqueue_refresh_rings() - resolve the rings again.
 * @vq: the queue.
 *
 * Call after the device's DMA view changed under the rings (an IOMMU
 * invalidation that covers them, a topology change).
 *
 * Return: as virtqueue_set_rings(); 0 with no rings set.
 */
int virtqueue_refresh_rings(VirtQueue *vq);

/**
 * virtqueue_reset() - forget the rings, the indices and brokenness.
 * @vq: the queue.
 */
void virtqueue_reset(VirtQueue *vq);

/**
 * virtqueue_pop() - take the next available chain.
 * @vq: the queue.
 * @elem: receives the element on success, NULL otherwise.
 *
 * Return: 1 with an element; 0 when nothing is available (or no rings are
 * set); a negative errno when the chain is malformed (see the top of this
 * file), which also breaks the queue; -EIO when the queue is broken.
 */
int virtqueue_pop(VirtQueue *vq, VirtQueueElement **elem);

/**
 * virtqueue_unpop() - give back the element popped last, unused.
 * @vq: the queue.
 * @elem: the most recently popped element; released.
 */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);

/**
 * virtqueue_fill() - put an element in the used ring, not yet published.
 * @vq: the queue.
 * @elem: the element; released (unmapped and freed) here.
 * @len: bytes the device wrote into it, clipped to @elem->in_len.
 * @idx: position after the used index, for batching: 0, 1, ...
 */
void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx);

/**
 * virtqueue_flush() - publish @count filled elements to the driver.
 * @vq: the virtqueue.
 * @count: how many elements virtqueue_fill() filled since the last flush.
 */
void virtqueue_flush(VirtQueue *vq, unsigned count);

/**
 * virtqueue_push() - virtqueue_fill() at 0, then virtqueue_flush(1).
 * @vq: the virtqueue.
 * @elem: the element popped earlier; it is freed.
 * @len: bytes the device wrote into its in-buffers.
 */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);

/**
 * virtqueue_should_notify() - does the driver want an interrupt now?
 * @vq: the queue.
 *
 * Call after virtqueue_flush(): EVENT_IDX's used_event, or the
 * NO_INTERRUPT flag without it.
 */
bool virtqueue_should_notify(VirtQueue *vq);

/**
 * virtqueue_set_notification() - ask the driver to kick us, or not.
 * @vq: the queue.
 * @enable: true: kick on new buffers.
 */
void virtqueue_set_notification(VirtQueue *vq, bool enable);

/**
 * virtqueue_is_broken() - a malformed chain broke the queue.
 * @vq: the virtqueue.
 */
bool virtqueue_is_broken(VirtQueue *vq);

/**
 * virtqueue_broken_reason() - why, or NULL; valid until reset.
 * @vq: the virtqueue.
 */
const char *virtqueue_broken_reason(VirtQueue *vq);

/**
 * virtqueue_elem_to_buf() - copy device-readable data out of @elem.
 * @elem: the element.
 * @offset: byte offset into its readable data.
 * @buf: destination.
 * @len: bytes wanted.
 * @res: if not NULL, receives the OR of the accesses' results.
 *
 * Return: bytes copied; fewer than @len at the end of the data or at the
 * first segment that failed (the rest of @buf is then untouched).
 */
size_t virtqueue_elem_to_buf(VirtQueueElement *elem, uint64_t offset,
                             void *buf, size_t len, MemTxResult *res);

/**
 * virtqueue_elem_from_buf() - copy into @elem's device-writable data.
 * @elem: the element.
 * @offset: byte offset into its writable data.
 * @buf: source.
 * @len: bytes.
 * @res: as for virtqueue_elem_to_buf().
 *
 * Return: bytes copied, as for virtqueue_elem_to_buf().
 */
size_t virtqueue_elem_from_buf(VirtQueueElement *elem, uint64_t offset,
                               const void *buf, size_t len, MemTxResult *res);

/**
 * virtqueue_elem_free() - release an element without using the ring.
 * @elem: the element, or NULL.
 *
 * Unmaps what pop mapped (nothing counts as written).
 */
void virtqueue_elem_free(VirtQueueElement *elem);

#endif /* HW_VIRTIO_VIRTQUEUE_H */
