/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map clients: callers of address_space_map() waiting for bounce memory.
 *
 * A device whose map failed because its address space's bounce budget
 * was used up registers a client, and is told when retrying may work:
 * while bounce memory in use is below the budget (QEMU's rule). How many
 * clients wait is up to the guest (one per stalled request), so
 * registering, unregistering and being told cost O(1) each: clients are
 * hashed by (callback, opaque), which also makes registering a pair that
 * is already waiting a no-op, as in QEMU, and queued in registration
 * order.
 *
 * In QEMU a client is a bottom half, so telling it never runs it inside
 * the register or unmap that told it. memcore calls clients directly,
 * and at once when there is room, which is what callers expect; but the
 * usual client (map fails, register, retry from the callback) must not
 * recurse when the retry fails again. So each thread runs at most one
 * notification loop: whatever would tell clients from inside a callback
 * on that thread (a register, an unmap, a failed map, on any address
 * space) only marks the space as pending, and the loop comes back to it
 * when the callback has returned. The loop runs rounds: a round tells,
 * oldest first and while there is room, the clients that were waiting
 * when it began. A client registered again from its own callback (or
 * from another's) waits for the next round. A space whose rounds keep
 * ending with clients registered again, room left and no map having
 * succeeded on the thread is retrying something the budget is not the
 * cause of; after MAP_CLIENT_MAX_FRUITLESS such rounds in a row that is
 * reported as the embedder's misuse, rather than looping for ever.
 *
 * Whether there is room is the map path's business (map.c); it hands
 * over a function that says so, so that this file never calls into it.
 *
 * Lock rules: MapClients.lock protects the table, the queue and each
 * client's state. No callback is called with it held. The room function
 * is called with it held, and takes the map table's lock inside it;
 * map.c never calls in here with its own lock held.
 */
#include "memory-internal.h"
#include "trace.h"

#define MAP_CLIENT_MAX_FRUITLESS 1000

typedef struct MapClient {
    void (*callback)(void *opaque);
    void *opaque;
    GList link; /* in MapClients.waiting while @queued */
    bool queued;
    GThread *running_on; /* whose thread runs its callback now */
    bool again; /* registered again while running */
} MapClient;

struct MapClients {
    GMutex lock;
    GCond returned; /* some client's callback returned */
    GHashTable *by_key; /* MapClient, keyed by (callback, opaque) */
    GQueue waiting; /* of MapClient, oldest first */
    unsigned fruitless; /* rounds in a row that achieved nothing */
    const char *name; /* the address space's, for messages */
    bool (*has_room)(void *opaque);
    void *room_opaque;
};

/*
 * The notification loop of this thread: while it runs, spaces whose
 * clients should be told wait in @loop_pending instead of being told
 * from inside a callback.
 */
static __thread bool loop_running;
static __thread GQueue loop_pending;
/* Successful address_space_map() calls made on this thread. */
static __thread uint64_t maps_here __attribute__((tls_model("initial-exec")));

void map_clients_note_map(void)
{
    maps_here++;
}

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

MapClients *map_clients_new(const char *name, bool (*has_room)(void *opaque),
                            void *room_opaque)
{
    MapClients *mc = g_new0(MapClients, 1);

    g_mutex_init(&mc->lock);
    g_cond_init(&mc->returned);
    mc->by_key = g_hash_table_new_full(client_hash, client_equal, g_free,
                                       NULL);
    g_queue_init(&mc->waiting);
    mc->name = name;
    mc->has_room = has_room;
    mc->room_opaque = room_opaque;
    return mc;
}

void map_clients_free(MapClients *mc)
{
    /* Destroyed from a callback: this thread's loop must forget it. */
    g_queue_remove_all(&loop_pending, mc);
    g_hash_table_destroy(mc->by_key);
    g_cond_clear(&mc->returned);
    g_mutex_clear(&mc->lock);
    g_free(mc);
}

static void pending_add(MapClients *mc)
{
    if (!g_queue_find(&loop_pending, mc)) {
        g_queue_push_tail(&loop_pending, mc);
    }
}

/*
 * One round: tell the clients waiting when it begins, oldest first, while
 * there is room. Entered and left with @mc->lock held.
 */
static void run_round(MapClients *mc)
{
    uint64_t maps_before = maps_here;
    void (*last_callback)(void *opaque) = NULL;
    void *last_opaque = NULL;
    bool called = false, requeued = false;
    unsigned n = mc->waiting.length;

    while (n-- && !g_queue_is_empty(&mc->waiting) &&
           mc->has_room(mc->room_opaque)) {
        MapClient *c = g_queue_pop_head_link(&mc->waiting)->data;

        c->queued = false;
        c->again = false;
        c->running_on = g_thread_self();
        g_mutex_unlock(&mc->lock);
        trace_map_client_notify(c->callback, c->opaque);
        c->callback(c->opaque);
        g_mutex_lock(&mc->lock);
        called = true;
        last_callback = c->callback;
        last_opaque = c->opaque;
        c->running_on = NULL;
        if (c->again) {
            /* It registered again from its callback: the next round. */
            c->again = false;
            c->queued = true;
            g_queue_push_tail_link(&mc->waiting, &c->link);
            requeued = true;
        } else {
            g_hash_table_remove(mc->by_key, c);
        }
        g_cond_broadcast(&mc->returned);
    }
    /*
     * Clients were told, clients wait again (registered during the
     * round), there is still room, and nothing was mapped on this
     * thread: the budget is not what they are waiting for.
     */
    if (called && !g_queue_is_empty(&mc->waiting) &&
        maps_here == maps_before && mc->has_room(mc->room_opaque)) {
        if (++mc->fruitless >= MAP_CLIENT_MAX_FRUITLESS) {
            memcore_misuse("map clients of address space '%s' (the last "
                           "%p(%p)) registered again from callbacks %u "
                           "times in a row with bounce memory free and no "
                           "map succeeding; they retry a map the budget "
                           "does not stop (see address_space_map_result())",
                           mc->name, (void *)last_callback, last_opaque,
                           mc->fruitless);
        }
    } else if (called) {
        mc->fruitless = 0;
    }
    if (requeued) {
        pending_add(mc);
    }
}

void map_clients_kick(MapClients *mc)
{
    if (loop_running) {
        /* Inside a callback on this thread: its loop will see to it. */
        pending_add(mc);
        return;
    }
    loop_running = true;
    pending_add(mc);
    while ((mc = g_queue_pop_head(&loop_pending))) {
        g_mutex_lock(&mc->lock);
        run_round(mc);
        g_mutex_unlock(&mc->lock);
    }
    loop_running = false;
}

void address_space_register_map_client(AddressSpace *as,
                                       void (*callback)(void *opaque),
                                       void *opaque)
{
    MapClients *mc = as->map_state->clients;
    MapClient key = { .callback = callback, .opaque = opaque };
    MapClient *c;

    g_mutex_lock(&mc->lock);
    c = g_hash_table_lookup(mc->by_key, &key);
    if (!c) {
        c = g_new(MapClient, 1);
        *c = key;
        c->link = (GList){ .data = c };
        c->queued = true;
        g_hash_table_add(mc->by_key, c);
        g_queue_push_tail_link(&mc->waiting, &c->link);
    } else if (c->running_on) {
        c->again = true; /* queued again when its callback returns */
    }
    g_mutex_unlock(&mc->lock);
    /* At once if there is room, unless a callback runs on this thread. */
    map_clients_kick(mc);
}

void address_space_unregister_map_client(AddressSpace *as,
                                         void (*callback)(void *opaque),
                                         void *opaque)
{
    MapClients *mc = as->map_state->clients;
    MapClient key = { .callback = callback, .opaque = opaque };
    MapClient *c;

    g_mutex_lock(&mc->lock);
    while ((c = g_hash_table_lookup(mc->by_key, &key))) {
        if (!c->running_on) {
            if (c->queued) {
                g_queue_unlink(&mc->waiting, &c->link);
            }
            g_hash_table_remove(mc->by_key, c);
            break;
        }
        if (c->running_on == g_thread_self()) {
            /* From its own callback: it will not be queued again. */
            c->again = false;
            break;
        }
        /* Running elsewhere: the guarantee is that it is over on return. */
        g_cond_wait(&mc->returned, &mc->lock);
    }
    g_mutex_unlock(&mc->lock);
}
