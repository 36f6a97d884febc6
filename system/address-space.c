/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AddressSpace: a root region as some initiator sees it.
 *
 * The list of address spaces and each space's current_map change only
 * under the topology lock. Readers load current_map under RCU.
 */
#include "memory-internal.h"
#include "trace.h"

/* Every address space, in creation order. */
static GList *address_spaces;

void address_space_set_flatview(AddressSpace *as, FlatView *fv)
{
    FlatView *old = as->current_map;

    g_assert(memory_topology_locked());
    if (!fv->dispatch) {
        fv->dispatch = dispatch_build(fv);
    }
    flatview_ref(fv);
    /* Listeners hear of the change before readers can see it, as in QEMU. */
    listeners_notify_topology(as, old, fv);
    mc_rcu_assign_pointer(as->current_map, fv);
    /*
     * The inline fast path's tag follows the view. Until it does, hits
     * name the old view, which stays alive for this grace period: it is
     * unreferenced only below. Relaxed: a reader only compares it with a
     * tag it filled itself from a view it loaded under RCU, so nothing
     * else is ordered by it.
     */
    qatomic_set(&as->fast_tag, fv->generation);
    memory_stats.views_published++;
    if (old) {
        flatview_unref(old);
    }
}

/*
 * Render every root that an address space uses, once, and publish the
 * views that changed. Address spaces with the same root share the view.
 */
void address_spaces_commit(void)
{
    GHashTable *rendered = g_hash_table_new(NULL, NULL);
    unsigned changed = 0;
    GHashTableIter it;
    gpointer key, value;
    GList *l;

    g_assert(memory_topology_locked());
    for (l = address_spaces; l; l = l->next) {
        AddressSpace *as = l->data;
        FlatView *fv = g_hash_table_lookup(rendered, as->root);

        if (!fv) {
            fv = flatview_render(as->root);
            memory_stats.renders++;
            g_hash_table_insert(rendered, as->root, fv);
        }
        if (!flatview_equal(as->current_map, fv)) {
            address_space_set_flatview(as, fv);
            changed++;
        }
    }
    trace_memory_region_transaction_commit(g_hash_table_size(rendered),
                                           changed);
    g_hash_table_iter_init(&it, rendered);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        flatview_unref(value);
    }
    g_hash_table_destroy(rendered);
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    FlatView *fv = NULL;
    GList *l;

    memory_region_transaction_begin();
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    as->map_state = g_new0(AddressSpaceMapState, 1);
    as->map_state->maps = map_table_new();
    as->map_state->clients = map_clients_new(as->name, map_table_has_room,
                                             as->map_state->maps);
    memory_region_ref(root);

    /* Share the view of a space with the same root, if there is one. */
    for (l = address_spaces; l; l = l->next) {
        AddressSpace *other = l->data;

        if (other->root == root && other->current_map) {
            fv = other->current_map;
            flatview_ref(fv);
            break;
        }
    }
    if (!fv) {
        fv = flatview_render(root);
        memory_stats.renders++;
    }
    address_space_set_flatview(as, fv);
    flatview_unref(fv);
    address_spaces = g_list_append(address_spaces, as);
    as->link = g_list_last(address_spaces);
    memory_region_transaction_commit();
}

void address_space_destroy(AddressSpace *as)
{
    FlatView *fv;

    memory_region_transaction_begin();
    if (as->listeners) {
        memcore_misuse("address_space_destroy(%s): listener '%s' still "
                       "registered",
                       as->name,
                       ((MemoryListener *)as->listeners->data)->name ?: "?");
    }
    map_table_free(as);
    map_clients_free(as->map_state->clients);
    g_free(as->map_state);
    as->map_state = NULL;
    address_spaces = g_list_delete_link(address_spaces, as->link);
    as->link = NULL;
    fv = as->current_map;
    mc_rcu_assign_pointer(as->current_map, NULL);
    /* No cached entry (their tags are never 0) hits a destroyed space. */
    qatomic_set(&as->fast_tag, 0);
    memory_region_transaction_commit();

    flatview_unref(fv);
    memory_region_unref(as->root);
    g_free(as->name);
    as->name = NULL;
}

MemoryRegionSection *address_space_get_sections(AddressSpace *as, size_t *n)
{
    MemoryRegionSection *out;
    FlatView *fv;
    unsigned i;

    mc_rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    out = g_new(MemoryRegionSection, fv->nr ? fv->nr : 1);
    for (i = 0; i < fv->nr; i++) {
        flatrange_to_section(&fv->ranges[i], fv, &out[i]);
    }
    *n = fv->nr;
    mc_rcu_read_unlock();
    return out;
}
