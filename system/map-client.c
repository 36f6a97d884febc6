/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map clients: callers of address_space_map() waiting for bounce memory.
 *
 * A device whose map failed because its address space's bounce budget
 * was used up registers a client, and is told when retrying may work.
 * How many clients wait is up to the guest (one per stalled request), so
 * registering, unregistering and being told cost O(1) each: clients are
 * hashed by (callback, opaque), which also makes registering a pair twice
 * a no-op, as in QEMU, and queued in registration order.
 *
 * Whether there is room is the map path's business (map.c); it hands
 * over a function that says so, so that this file never calls into it.
 *
 * Lock rules: MapClients.lock protects the table and the queue. No
 * callback is called with it held. The room function is called with it
 * held, and takes the map table's lock inside it; map.c never calls in
 * here with its own lock held.
 */
#include "memory-internal.h"

typedef struct MapClient {
    void (*callback)(void *opaque);
    void *opaque;
    GList link;                 /* in MapClients.waiting */
} MapClient;

struct MapClients {
    GMutex lock;
    GHashTable *by_key;         /* MapClient, keyed by (callback, opaque) */
    GQueue waiting;             /* of MapClient, oldest first */
    bool (*has_room)(void *opaque);
    void *room_opaque;
};

static guint client_hash(gconstpointer key)
{
    const MapClient *c = key;
    uint64_t h = (uintptr_t)c->callback * 0x9e3779b97f4a7c15ULL ^
                 (uintptr_t)c->opaque;

    return (guint)(h ^ (h >> 32));
}

static gboolean client_equal(gconstpointer a, gconstpointer b)
{
    const MapClient *x = a, *y = b;

    return x->callback == y->callback && x->opaque == y->opaque;
}

MapClients *map_clients_new(bool (*has_room)(void *opaque),
                            void *room_opaque)
{
    MapClients *mc = g_new0(MapClients, 1);

    g_mutex_init(&mc->lock);
    mc->by_key = g_hash_table_new_full(client_hash, client_equal, g_free,
                                       NULL);
    g_queue_init(&mc->waiting);
    mc->has_room = has_room;
    mc->room_opaque = room_opaque;
    return mc;
}

void map_clients_free(MapClients *mc)
{
    g_hash_table_destroy(mc->by_key);
    g_mutex_clear(&mc->lock);
    g_free(mc);
}

/* Call every waiting client once; each is forgotten before it is called. */
void map_clients_kick(MapClients *mc)
{
    GQueue batch;
    GList *l;

    g_mutex_lock(&mc->lock);
    batch = mc->waiting;
    g_queue_init(&mc->waiting);
    for (l = batch.head; l; l = l->next) {
        g_hash_table_steal(mc->by_key, l->data);
    }
    g_mutex_unlock(&mc->lock);

    while ((l = g_queue_pop_head_link(&batch))) {
        MapClient *c = l->data;

        c->callback(c->opaque);
        g_free(c);
    }
}

void address_space_register_map_client(AddressSpace *as,
                                       void (*callback)(void *opaque),
                                       void *opaque)
{
    MapClients *mc = as->map_state->clients;
    MapClient key = { .callback = callback, .opaque = opaque };
    bool room = false;

    g_mutex_lock(&mc->lock);
    if (!g_hash_table_contains(mc->by_key, &key)) {
        MapClient *c = g_new(MapClient, 1);

        *c = key;
        c->link = (GList) { .data = c };
        g_hash_table_add(mc->by_key, c);
        g_queue_push_tail_link(&mc->waiting, &c->link);
        room = mc->has_room(mc->room_opaque);
    }
    g_mutex_unlock(&mc->lock);
    if (room) {
        /* Nothing to wait for: retrying can work now. */
        map_clients_kick(mc);
    }
}

void address_space_unregister_map_client(AddressSpace *as,
                                         void (*callback)(void *opaque),
                                         void *opaque)
{
    MapClients *mc = as->map_state->clients;
    MapClient key = { .callback = callback, .opaque = opaque };
    MapClient *c;

    g_mutex_lock(&mc->lock);
    c = g_hash_table_lookup(mc->by_key, &key);
    if (c) {
        g_queue_unlink(&mc->waiting, &c->link);
        g_hash_table_remove(mc->by_key, c);
    }
    g_mutex_unlock(&mc->lock);
}
