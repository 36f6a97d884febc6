/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split-ring virtqueue: set-up, the used ring and notifications. Popping
 * chains is in virtqueue-pop.c, element buffers in virtqueue-elem.c.
 *
 * Ordering with the driver, which may run on another CPU: the used
 * element is written before the used index (release), and the index
 * before the driver's notification suppression is read (full barrier),
 * as the spec requires.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "exec/memcore-atomic.h"
#include "exec/memcore-error.h"
#include "virtqueue-internal.h"

#define USED_ELEM_SIZE 8

static bool has_event_idx(VirtQueue *vq)
{
    return vq->cfg.features & VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
}

VirtQueue *virtqueue_new(AddressSpace *dma_as, const VirtQueueConfig *cfg,
                         GError **errp)
{
    VirtQueue *vq;

    if (cfg->num == 0 || cfg->num > VIRTQUEUE_MAX_SIZE ||
        (cfg->num & (cfg->num - 1))) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "virtqueue: size %u is not a power of 2 in 1..%u",
                    cfg->num, VIRTQUEUE_MAX_SIZE);
        return NULL;
    }
    vq = g_new0(VirtQueue, 1);
    vq->as = dma_as;
    vq->cfg = *cfg;
    vq->cfg.max_sg = cfg->max_sg ?: VIRTQUEUE_MAX_SG;
    vq->notification = true;
    return vq;
}

static void rings_drop(VirtQueue *vq)
{
    vring_cache_destroy(&vq->desc);
    vring_cache_destroy(&vq->avail);
    vring_cache_destroy(&vq->used);
    vq->rings_set = false;
}

void virtqueue_free(VirtQueue *vq)
{
    if (vq) {
        rings_drop(vq);
        g_free(vq->broken_reason);
        g_free(vq);
    }
}

int virtqueue_set_broken(VirtQueue *vq, int err, const char *fmt, ...)
{
    va_list ap;

    if (!vq->broken) {
        vq->broken = true;
        va_start(ap, fmt);
        vq->broken_reason = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    return err;
}

bool virtqueue_is_broken(VirtQueue *vq)
{
    return vq->broken;
}

const char *virtqueue_broken_reason(VirtQueue *vq)
{
    return vq->broken_reason;
}

static int rings_init(VirtQueue *vq)
{
    hwaddr num = vq->cfg.num, ev = has_event_idx(vq) ? 2 : 0;

    if (vring_cache_init(&vq->desc, vq->as, vq->desc_addr, 16 * num, false) ||
        vring_cache_init(&vq->avail, vq->as, vq->avail_addr, 4 + 2 * num + ev,
                         false) ||
        vring_cache_init(&vq->used, vq->as, vq->used_addr,
                         4 + USED_ELEM_SIZE * num + ev, true)) {
        rings_drop(vq);
        return -EFAULT;
    }
    vq->rings_set = true;
    return 0;
}

int virtqueue_set_rings(VirtQueue *vq, hwaddr desc, hwaddr avail, hwaddr used)
{
    if ((desc & 15) || (avail & 1) || (used & 3)) {
        return -EINVAL;
    }
    rings_drop(vq);
    vq->desc_addr = desc;
    vq->avail_addr = avail;
    vq->used_addr = used;
    return rings_init(vq);
}

int virtqueue_refresh_rings(VirtQueue *vq)
{
    if (!vq->rings_set) {
        return 0;
    }
    rings_drop(vq);
    if (rings_init(vq)) {
        return virtqueue_set_broken(vq, -EFAULT, "rings no longer reachable");
    }
    return 0;
}

void virtqueue_reset(VirtQueue *vq)
{
    rings_drop(vq);
    vq->desc_addr = vq->avail_addr = vq->used_addr = 0;
    vq->last_avail_idx = vq->shadow_avail_idx = vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->notification = true;
    vq->broken = false;
    g_clear_pointer(&vq->broken_reason, g_free);
}

/* ---- the used ring ----------------------------------------------------- */

void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx)
{
    unsigned slot = (uint16_t)(vq->used_idx + idx) % vq->cfg.num;
    uint32_t raw[2] = { GUINT32_TO_LE(elem->index), 0 };

    len = MIN(len, elem->in_len);
    raw[1] = GUINT32_TO_LE(len);
    elem_release(elem, len);
    if (vq->rings_set &&
        vring_cache_write(&vq->used, 4 + USED_ELEM_SIZE * slot, raw,
                          sizeof(raw)) != MEMTX_OK) {
        virtqueue_set_broken(vq, -EFAULT, "used ring not writable");
    }
}

void virtqueue_flush(VirtQueue *vq, unsigned count)
{
    uint16_t old = vq->used_idx, new = old + count;
    uint16_t le = GUINT16_TO_LE(new);

    if (!vq->rings_set) {
        return;
    }
    /* The driver must see the elements before the index. */
    smp_mb_release();
    if (vring_cache_write(&vq->used, 2, &le, sizeof(le)) != MEMTX_OK) {
        virtqueue_set_broken(vq, -EFAULT, "used ring not writable");
    }
    vq->used_idx = new;
    /* If we went past the last signalled index, it no longer tells. */
    if ((uint16_t)(new - vq->signalled_used) < (uint16_t)(new - old)) {
        vq->signalled_used_valid = false;
    }
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    virtqueue_fill(vq, elem, len, 0);
    virtqueue_flush(vq, 1);
}

/* ---- notifications ------------------------------------------------------ */

static uint16_t ring_lduw(VRingCache *rc, hwaddr off, bool *ok)
{
    uint16_t v;

    *ok = vring_cache_read(rc, off, &v, sizeof(v)) == MEMTX_OK;
    return GUINT16_FROM_LE(v);
}

/* Has the driver's event index been passed by this batch? */
static bool need_event(uint16_t event, uint16_t new, uint16_t old)
{
    return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool virtqueue_should_notify(VirtQueue *vq)
{
    uint16_t old, event;
    bool valid, ok;

    if (!vq->rings_set) {
        return false;
    }
    /* Our used index must be visible before we read the driver's wish. */
    smp_mb();
    if (!has_event_idx(vq)) {
        uint16_t flags = ring_lduw(&vq->avail, 0, &ok);

        return !ok || !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    event = ring_lduw(&vq->avail, 4 + 2 * vq->cfg.num, &ok);
    old = vq->signalled_used;
    valid = vq->signalled_used_valid;
    vq->signalled_used = vq->used_idx;
    vq->signalled_used_valid = true;
    return !ok || !valid || need_event(event, vq->used_idx, old);
}

void virtqueue_set_notification(VirtQueue *vq, bool enable)
{
    uint16_t le;
    bool ok;

    vq->notification = enable;
    if (!vq->rings_set) {
        return;
    }
    if (has_event_idx(vq)) {
        if (enable) {
            /* Kick us for anything past what is available now. */
            le = GUINT16_TO_LE(ring_lduw(&vq->avail, 2, &ok));
            vring_cache_write(&vq->used, 4 + USED_ELEM_SIZE * vq->cfg.num, &le,
                              sizeof(le));
        }
    } else {
        le = GUINT16_TO_LE(enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
        vring_cache_write(&vq->used, 0, &le, sizeof(le));
    }
    /* The driver must see our wish before we look at the ring again. */
    smp_mb();
}
