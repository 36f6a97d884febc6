/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryListener: tell interested parties how an address space's view
 * changed.
 *
 * On every commit that changes a view, listeners of that space hear only
 * the difference between the old and the new view: region_del for ranges
 * that went away (in decreasing listener priority), then region_add for
 * ranges that appeared and log_start/log_stop for ranges whose dirty
 * logging changed (in increasing priority). All of it runs with the
 * topology lock held, between begin() and commit().
 */
#include "memory-internal.h"

/* Same range, possibly different dirty logging. */
static bool same_range(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->start == b->start && a->size == b->size &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly && a->romd_mode == b->romd_mode &&
           a->private_mem == b->private_mem;
}

typedef enum ListenerEvent {
    EV_DEL,
    EV_ADD,
    EV_NOP,
    EV_LOG,
} ListenerEvent;

static void call_one(MemoryListener *ml, ListenerEvent ev,
                     MemoryRegionSection *s, int oldm, int newm)
{
    switch (ev) {
    case EV_DEL:
        if (ml->region_del) {
            ml->region_del(ml, s);
            memory_stats.listener_calls++;
        }
        break;
    case EV_ADD:
        if (ml->region_add) {
            ml->region_add(ml, s);
            memory_stats.listener_calls++;
        }
        break;
    case EV_NOP:
        if (ml->region_nop) {
            ml->region_nop(ml, s);
        }
        break;
    case EV_LOG:
        if (ml->log_start && (newm & ~oldm)) {
            ml->log_start(ml, s, oldm, newm);
            memory_stats.listener_calls++;
        }
        if (ml->log_stop && (oldm & ~newm)) {
            ml->log_stop(ml, s, oldm, newm);
            memory_stats.listener_calls++;
        }
        break;
    }
}

static void call_all(AddressSpace *as, ListenerEvent ev, const FlatRange *fr,
                     FlatView *fv, const FlatRange *old, bool reverse)
{
    int oldm = old ? old->dirty_log_mask : 0;
    MemoryRegionSection s;
    GList *l;

    flatrange_to_section(fr, fv, &s);
    if (reverse) {
        for (l = g_list_last(as->listeners); l; l = l->prev) {
            call_one(l->data, ev, &s, oldm, fr->dirty_log_mask);
        }
    } else {
        for (l = as->listeners; l; l = l->next) {
            call_one(l->data, ev, &s, oldm, fr->dirty_log_mask);
        }
    }
}

/*
 * Walk both sorted views in step. With @adding false report ranges that
 * are gone; with @adding true report new ranges and logging changes.
 */
static void topology_pass(AddressSpace *as, FlatView *old, FlatView *new,
                          bool adding)
{
    unsigned io = 0, in = 0;
    unsigned on = old ? old->nr : 0, nn = new ? new->nr : 0;

    while (io < on || in < nn) {
        const FlatRange *fo = io < on ? &old->ranges[io] : NULL;
        const FlatRange *fn = in < nn ? &new->ranges[in] : NULL;

        if (fo && (!fn || fo->start < fn->start ||
                   (fo->start == fn->start && !same_range(fo, fn)))) {
            if (!adding) {
                call_all(as, EV_DEL, fo, old, NULL, true);
            }
            io++;
        } else if (fo && fn && same_range(fo, fn)) {
            if (adding) {
                if (fo->dirty_log_mask != fn->dirty_log_mask) {
                    call_all(as, EV_LOG, fn, new, fo, false);
                }
                call_all(as, EV_NOP, fn, new, NULL, false);
            }
            io++;
            in++;
        } else {
            if (adding) {
                call_all(as, EV_ADD, fn, new, NULL, false);
            }
            in++;
        }
    }
}

void listeners_notify_topology(AddressSpace *as, FlatView *old, FlatView *new)
{
    GList *l;

    if (!as->listeners) {
        return;
    }
    for (l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->begin) {
            ml->begin(ml);
        }
    }
    topology_pass(as, old, new, false);
    topology_pass(as, old, new, true);
    for (l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->commit) {
            ml->commit(ml);
        }
    }
}

static gint listener_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryListener *x = a, *y = b;

    return (x->priority > y->priority) - (x->priority < y->priority);
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    FlatView *fv;
    unsigned i;

    g_assert(listener->address_space == NULL);
    memory_region_transaction_begin();
    listener->address_space = as;
    /* Equal priorities keep registration order. */
    as->listeners = g_list_insert_sorted(as->listeners, listener,
                                         listener_cmp);
    fv = as->current_map;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (i = 0; fv && i < fv->nr; i++) {
        MemoryRegionSection s;

        flatrange_to_section(&fv->ranges[i], fv, &s);
        if (listener->region_add) {
            listener->region_add(listener, &s);
        }
        if (listener->log_start && fv->ranges[i].dirty_log_mask) {
            listener->log_start(listener, &s, 0, fv->ranges[i].dirty_log_mask);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    memory_region_transaction_commit();
}

void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;

    if (!as) {
        return;
    }
    memory_region_transaction_begin();
    as->listeners = g_list_remove(as->listeners, listener);
    listener->address_space = NULL;
    memory_region_transaction_commit();
}
