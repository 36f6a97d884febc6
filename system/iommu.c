/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU regions: translation on the access paths, and notifiers.
 *
 * Translation happens at access time, one IOMMU page at a time: the
 * model's translate() says where the page goes and what it permits, and
 * the access continues in the target address space, which may translate
 * again. A per-thread depth limit stops a model that points back at its
 * own space from recursing forever.
 *
 * Notifier lists are protected by each region's notifier_lock; callbacks
 * are called with it held, so they must not register or unregister
 * notifiers of the same region.
 */
#include <string.h>

#include "memory-internal.h"

#define IOMMU_MAX_DEPTH 8

static __thread unsigned iommu_depth
    __attribute__((tls_model("initial-exec")));

void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionOps *ops, void *opaque,
                              void *owner, const char *name, uint64_t size)
{
    MemoryRegion *mr = &iommu_mr->parent_obj;

    if (!ops || !ops->translate) {
        memcore_misuse("memory_region_init_iommu(%s): translate() is required",
                       name);
    }
    memory_region_init(mr, owner, name, size);
    mr->kind = MR_KIND_IOMMU;
    mr->iommu = iommu_mr;
    iommu_mr->ops = ops;
    iommu_mr->opaque = opaque;
    g_mutex_init(&iommu_mr->notifier_lock);
    iommu_mr->notifiers = NULL;
    iommu_mr->notify_flags = IOMMU_NOTIFIER_NONE;
}

IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_IOMMU ? mr->iommu : NULL;
}

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr)
{
    if (iommu_mr->ops->get_min_page_size) {
        return iommu_mr->ops->get_min_page_size(iommu_mr->opaque);
    }
    return MC_PAGE_SIZE;
}

int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs)
{
    if (iommu_mr->ops->attrs_to_index) {
        return iommu_mr->ops->attrs_to_index(iommu_mr->opaque, attrs);
    }
    return 0;
}

int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr)
{
    if (iommu_mr->ops->num_indexes) {
        return iommu_mr->ops->num_indexes(iommu_mr->opaque);
    }
    return 1;
}

/* ---- translation on the access paths ------------------------------------ */

bool iommu_enter(void)
{
    if (iommu_depth >= IOMMU_MAX_DEPTH) {
        return false;
    }
    iommu_depth++;
    return true;
}

void iommu_exit(void)
{
    iommu_depth--;
}

MemTxResult iommu_translate_piece(const DispatchSection *ds, hwaddr addr,
                                  hwaddr *plen, bool is_write,
                                  MemTxAttrs attrs, AddressSpace **target,
                                  hwaddr *xlat)
{
    IOMMUMemoryRegion *iommu_mr = ds->fr->mr->iommu;
    hwaddr offset = ds->fr->offset_in_region + (addr - ds->start);
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;
    int idx = memory_region_iommu_attrs_to_index(iommu_mr, attrs);
    IOMMUTLBEntry e = iommu_mr->ops->translate(iommu_mr->opaque, offset, need,
                                               idx);
    hwaddr mask = e.addr_mask, in_page = offset & mask;
    hwaddr room = mask - in_page; /* bytes left in the page, minus 1 */

    if (*plen - 1 > room) {
        *plen = room + 1;
    }
    if (e.perm == IOMMU_NONE || !e.target_as) {
        return MEMTX_DECODE_ERROR;
    }
    if ((e.perm & need) != need) {
        return MEMTX_ACCESS_ERROR;
    }
    *target = e.target_as;
    *xlat = (e.translated_addr & ~mask) | in_page;
    return MEMTX_OK;
}

MemTxResult iommu_rw(const DispatchSection *ds, hwaddr addr, uint8_t *buf,
                     hwaddr len, bool is_write, MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    while (len) {
        AddressSpace *target = NULL;
        hwaddr l = len, xlat = 0;
        MemTxResult t = iommu_translate_piece(ds, addr, &l, is_write, attrs,
                                              &target, &xlat);

        if (t == MEMTX_OK && !iommu_enter()) {
            t = MEMTX_DECODE_ERROR; /* translations nest too deep */
        } else if (t == MEMTX_OK) {
            t = address_space_rw(target, xlat, attrs, buf, l, is_write);
            iommu_exit();
        }
        if (t != MEMTX_OK && !is_write) {
            memset(buf, 0, l);
        }
        r |= t;
        len -= l;
        buf += l;
        addr += l;
    }
    return r;
}

/* ---- notifiers ---------------------------------------------------------- */

void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx)
{
    memset(n, 0, sizeof(*n));
    n->notify = fn;
    n->notifier_flags = flags;
    n->start = start;
    n->end = end;
    n->iommu_idx = iommu_idx;
}

static IOMMUNotifierFlag union_flags(IOMMUMemoryRegion *iommu_mr,
                                     IOMMUNotifier *extra,
                                     IOMMUNotifier *without)
{
    IOMMUNotifierFlag f = extra ? extra->notifier_flags : 0;
    GList *l;

    for (l = iommu_mr->notifiers; l; l = l->next) {
        if (l->data != without) {
            f |= ((IOMMUNotifier *)l->data)->notifier_flags;
        }
    }
    return f;
}

int memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                          GError **errp)
{
    IOMMUMemoryRegion *iommu_mr = memory_region_get_iommu(mr);
    IOMMUNotifierFlag new_flags;
    int ret = 0;

    if (!iommu_mr || !n->notify || n->notifier_flags == IOMMU_NOTIFIER_NONE ||
        n->start > n->end || n->iommu_mr) {
        memcore_misuse("memory_region_register_iommu_notifier(%s): bad "
                       "region or notifier",
                       mr->name);
    }
    g_mutex_lock(&iommu_mr->notifier_lock);
    new_flags = union_flags(iommu_mr, n, NULL);
    if (new_flags != iommu_mr->notify_flags &&
        iommu_mr->ops->notify_flag_changed) {
        ret = iommu_mr->ops->notify_flag_changed(iommu_mr->opaque,
                                                 iommu_mr->notify_flags,
                                                 new_flags, errp);
    }
    if (ret == 0) {
        iommu_mr->notify_flags = new_flags;
        iommu_mr->notifiers = g_list_append(iommu_mr->notifiers, n);
        n->iommu_mr = iommu_mr;
    }
    g_mutex_unlock(&iommu_mr->notifier_lock);
    return ret;
}

void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n)
{
    IOMMUMemoryRegion *iommu_mr = n->iommu_mr;
    IOMMUNotifierFlag new_flags;

    if (!iommu_mr) {
        return;
    }
    g_mutex_lock(&iommu_mr->notifier_lock);
    iommu_mr->notifiers = g_list_remove(iommu_mr->notifiers, n);
    new_flags = union_flags(iommu_mr, NULL, NULL);
    if (new_flags != iommu_mr->notify_flags &&
        iommu_mr->ops->notify_flag_changed) {
        /* Dropping interest cannot be refused. */
        iommu_mr->ops->notify_flag_changed(iommu_mr->opaque,
                                           iommu_mr->notify_flags, new_flags,
                                           NULL);
    }
    iommu_mr->notify_flags = new_flags;
    n->iommu_mr = NULL;
    g_mutex_unlock(&iommu_mr->notifier_lock);
}

void memory_region_notify_iommu_one(IOMMUNotifier *n, IOMMUTLBEvent *event)
{
    IOMMUTLBEntry e = event->entry;
    hwaddr first = e.iova, last = e.iova + e.addr_mask;

    if (!(n->notifier_flags & event->type)) {
        return;
    }
    if (last < first) {
        last = UINT64_MAX; /* a range reaching 2^64 */
    }
    if (n->start > last || n->end < first) {
        return;
    }
    /* Crop to what this notifier watches. */
    if (first < n->start) {
        e.translated_addr += n->start - first;
        first = n->start;
    }
    if (last > n->end) {
        last = n->end;
    }
    e.iova = first;
    e.addr_mask = last - first;
    if (event->type == IOMMU_NOTIFIER_UNMAP) {
        e.perm = IOMMU_NONE;
    }
    n->notify(n, &e);
}

void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event)
{
    GList *l;

    g_mutex_lock(&iommu_mr->notifier_lock);
    for (l = iommu_mr->notifiers; l; l = l->next) {
        IOMMUNotifier *n = l->data;

        if (n->iommu_idx == iommu_idx) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
    g_mutex_unlock(&iommu_mr->notifier_lock);
}

void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n)
{
    uint64_t page = memory_region_iommu_get_min_page_size(iommu_mr);
    Int128 end = iommu_mr->parent_obj.size;
    hwaddr addr;

    if (iommu_mr->ops->replay) {
        iommu_mr->ops->replay(iommu_mr->opaque, n);
        return;
    }
    /* The slow default: ask about every page the notifier watches. */
    for (addr = n->start & ~(page - 1); (Int128)addr < end && addr <= n->end;
         addr += page) {
        IOMMUTLBEntry e = iommu_mr->ops->translate(iommu_mr->opaque, addr,
                                                   IOMMU_NONE, n->iommu_idx);

        if (e.perm != IOMMU_NONE) {
            IOMMUTLBEvent ev = { .type = IOMMU_NOTIFIER_MAP, .entry = e };

            memory_region_notify_iommu_one(n, &ev);
        }
        if (addr + page < addr) {
            break;
        }
    }
}
