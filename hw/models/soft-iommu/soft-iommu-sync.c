/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shadows: what each domain's notifiers have been told.
 *
 * A consumer such as a VFIO-style mirror must never keep a mapping the
 * guest took away. So the model remembers, per domain, the mappings it
 * announced (the shadow), and on each invalidation compares the tables
 * with it over the invalidated range:
 *  - a mapping in the shadow but not (identically) in the tables: UNMAP;
 *  - a mapping in the tables but not in the shadow: MAP.
 * All UNMAPs go out before any MAP, so a changed mapping is announced as
 * UNMAP then MAP and a consumer never sees two mappings overlap. Replay
 * sends the shadow, not a fresh walk: a late consumer then holds exactly
 * what the others hold, and later UNMAPs cover all of it.
 *
 * Everything here runs with s->lock held.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "soft-iommu-internal.h"

static hwaddr map_last(const SoftIOMMUMapping *m)
{
    return m->iova + (m->size - 1);
}

/* Index of the first mapping that ends at or after @addr. */
static guint shadow_first(GArray *sh, hwaddr addr)
{
    guint lo = 0, hi = sh->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (map_last(&g_array_index(sh, SoftIOMMUMapping, mid)) < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Index of the first mapping that starts after @last. */
static guint shadow_end(GArray *sh, hwaddr last)
{
    guint lo = 0, hi = sh->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (g_array_index(sh, SoftIOMMUMapping, mid).iova <= last) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Widen [*start, *last] to whole shadow mappings it touches. */
static void widen_to_shadow(GArray *sh, hwaddr *start, hwaddr *last, guint *i0,
                            guint *i1)
{
    *i0 = shadow_first(sh, *start);
    *i1 = shadow_end(sh, *last);
    if (*i0 < *i1) {
        *start = MIN(*start, g_array_index(sh, SoftIOMMUMapping, *i0).iova);
        *last = MAX(*last,
                    map_last(&g_array_index(sh, SoftIOMMUMapping, *i1 - 1)));
    }
}

static bool same_mapping(const SoftIOMMUMapping *a, const SoftIOMMUMapping *b)
{
    return a->iova == b->iova && a->size == b->size && a->out == b->out &&
           a->perm == b->perm;
}

/* Devices whose notifiers hear about @domid. */
static GPtrArray *attached_devices(SoftIOMMU *s, uint32_t domid)
{
    GPtrArray *devs = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, s->devices);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SoftIOMMUDevice *dev = value;
        uint32_t ctx = qatomic_read(&dev->ctx);

        if (CTX_MODE(ctx) == SOFT_IOMMU_TRANSLATE && CTX_DOMID(ctx) == domid) {
            g_ptr_array_add(devs, dev);
        }
    }
    return devs;
}

static IOMMUTLBEvent make_event(SoftIOMMU *s, const SoftIOMMUMapping *m,
                                IOMMUNotifierFlag type)
{
    return (IOMMUTLBEvent) {
        .type = type,
        .entry = {
            .target_as = &s->sys_as,
            .iova = m->iova,
            .translated_addr = m->out,
            .addr_mask = m->size - 1,
            .perm = type == IOMMU_NOTIFIER_MAP ? m->perm : IOMMU_NONE,
        },
    };
}

static void emit(SoftIOMMU *s, GPtrArray *devs, const SoftIOMMUMapping *m,
                 IOMMUNotifierFlag type)
{
    IOMMUTLBEvent ev = make_event(s, m, type);
    guint i;

    for (i = 0; i < devs->len; i++) {
        SoftIOMMUDevice *dev = g_ptr_array_index(devs, i);

        memory_region_notify_iommu(&dev->iommu, 0, ev);
    }
    if (type == IOMMU_NOTIFIER_MAP) {
        s->stats.map_events++;
    } else {
        s->stats.unmap_events++;
    }
}

/*
 * Announce the difference between the old shadow run @old and the new
 * mappings @new (both sorted): every UNMAP first, then every MAP.
 */
static void announce_diff(SoftIOMMU *s, GPtrArray *devs,
                          const SoftIOMMUMapping *old, guint nold,
                          const SoftIOMMUMapping *new, guint nnew)
{
    guint i, j;

    for (i = 0, j = 0; i < nold; i++) {
        while (j < nnew && new[j].iova < old[i].iova) {
            j++;
        }
        if (j == nnew || !same_mapping(&old[i], &new[j])) {
            emit(s, devs, &old[i], IOMMU_NOTIFIER_UNMAP);
        }
    }
    for (i = 0, j = 0; j < nnew; j++) {
        while (i < nold && old[i].iova < new[j].iova) {
            i++;
        }
        if (i == nold || !same_mapping(&old[i], &new[j])) {
            emit(s, devs, &new[j], IOMMU_NOTIFIER_MAP);
        }
    }
}

/* Walk [start, last] of @domid's tables into a new array. */
static GArray *walk_domain(SoftIOMMU *s, uint32_t domid, hwaddr start,
                           hwaddr last, unsigned max_leaves)
{
    SoftIOMMUDomain *d = &s->domains[domid];
    SoftIOMMUWalk w = {
        .s = s,
        .domid = domid,
        .start = start,
        .last = last,
        .budget = s->cfg.walk_budget,
        .max_leaves = max_leaves,
        .out = g_array_new(false, false, sizeof(SoftIOMMUMapping)),
    };

    soft_iommu_walk_range(&w, qatomic_read(&d->root_word));
    s->stats.tables_read += w.tables_read;
    if (w.stopped != SOFT_IOMMU_FAULT_NONE) {
        soft_iommu_fault(s, w.stopped, -1, domid, start, false);
    }
    return w.out;
}

void soft_iommu_sync(SoftIOMMU *s, uint32_t domid, hwaddr start, hwaddr last)
{
    GArray *sh = s->domains[domid].shadow;
    GArray *found;
    GPtrArray *devs;
    guint i0, i1;
    unsigned room;

    start &= ~(SOFT_IOMMU_PAGE_SIZE - 1);
    last |= SOFT_IOMMU_PAGE_SIZE - 1;
    widen_to_shadow(sh, &start, &last, &i0, &i1);
    /* The shadow may hold at most max_mappings once the run is replaced. */
    room = s->cfg.max_mappings - (sh->len - (i1 - i0));
    found = walk_domain(s, domid, start, last, room);
    if (found->len) {
        /*
         * A large page found may reach past the range: take it whole,
         * with the smaller shadow mappings it now covers. Pages are
         * naturally aligned, so this only ever adds mappings inside it,
         * and the shadow cannot outgrow max_mappings.
         */
        start = MIN(start, g_array_index(found, SoftIOMMUMapping, 0).iova);
        last = MAX(last, map_last(&g_array_index(found, SoftIOMMUMapping,
                                                 found->len - 1)));
        widen_to_shadow(sh, &start, &last, &i0, &i1);
    }

    devs = attached_devices(s, domid);
    announce_diff(s, devs, &g_array_index(sh, SoftIOMMUMapping, i0), i1 - i0,
                  (SoftIOMMUMapping *)found->data, found->len);
    g_ptr_array_free(devs, true);

    s->stats.shadow_entries += found->len;
    s->stats.shadow_entries -= i1 - i0;
    g_array_remove_range(sh, i0, i1 - i0);
    g_array_insert_vals(sh, i0, found->data, found->len);
    g_array_free(found, true);
    s->stats.syncs++;
}

void soft_iommu_send_domain(SoftIOMMU *s, SoftIOMMUDevice *dev, uint32_t domid,
                            IOMMUNotifierFlag type)
{
    GArray *sh = s->domains[domid].shadow;
    guint i;

    for (i = 0; i < sh->len; i++) {
        IOMMUTLBEvent ev =
            make_event(s, &g_array_index(sh, SoftIOMMUMapping, i), type);

        memory_region_notify_iommu(&dev->iommu, 0, ev);
    }
}

void soft_iommu_replay(void *opaque, IOMMUNotifier *n)
{
    SoftIOMMUDevice *dev = opaque;
    SoftIOMMU *s = dev->s;
    uint32_t ctx;
    GArray *sh;
    guint i;

    g_mutex_lock(&s->lock);
    ctx = qatomic_read(&dev->ctx);
    if (CTX_MODE(ctx) == SOFT_IOMMU_TRANSLATE) {
        sh = s->domains[CTX_DOMID(ctx)].shadow;
        for (i = 0; i < sh->len; i++) {
            IOMMUTLBEvent ev =
                make_event(s, &g_array_index(sh, SoftIOMMUMapping, i),
                           IOMMU_NOTIFIER_MAP);

            memory_region_notify_iommu_one(n, &ev);
        }
    }
    g_mutex_unlock(&s->lock);
}
