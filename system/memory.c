/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The region tree: initialisation, tree changes, transactions, lifetime.
 *
 * Locking: every change to the tree happens with the topology lock held.
 * The lock is recursive and a transaction holds it from begin to commit,
 * so a batch of changes is atomic with respect to other writers. Readers
 * never take it: they see the FlatView published by the last commit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec/memcore-atomic.h"
#include "exec/memcore-error.h"
#include "memory-internal.h"

MemoryStats memory_stats;

static GRecMutex topology_lock;
/*
 * Any thread may ask whether it holds the lock, so topology_owner is read
 * without it (atomically). Only the holder stores itself there, and it
 * clears it before letting go: a thread that finds itself there holds
 * the lock. topology_depth belongs to the holder.
 */
static GThread *topology_owner;
static unsigned topology_depth;
static unsigned transaction_depth;
static bool update_pending;
static uint64_t add_seq_counter;

void memory_topology_lock(void)
{
    g_rec_mutex_lock(&topology_lock);
    qatomic_set(&topology_owner, g_thread_self());
    topology_depth++;
}

void memory_topology_unlock(void)
{
    g_assert(topology_depth > 0);
    if (--topology_depth == 0) {
        qatomic_set(&topology_owner, NULL);
    }
    g_rec_mutex_unlock(&topology_lock);
}

bool memory_topology_locked(void)
{
    return qatomic_read(&topology_owner) == g_thread_self();
}

void memory_region_update_pending(void)
{
    g_assert(memory_topology_locked());
    update_pending = true;
}

/* ---------------------------------------------------------------------- */
/* Initialisation                                                          */
/* ---------------------------------------------------------------------- */

static void mr_init_common(MemoryRegion *mr, void *owner, const char *name,
                           uint64_t size, MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    mr->owner = owner;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = int128_size(size);
    mr->enabled = true;
    mr->refcount = 1;
    g_queue_init(&mr->subregions);
}

void memory_region_init(MemoryRegion *mr, void *owner, const char *name,
                        uint64_t size)
{
    mr_init_common(mr, owner, name, size, MR_KIND_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, void *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    MemoryRegionKind kind = MR_KIND_IO;

    if (on_demand_ops_check(ops, name)) {
        kind = MR_KIND_MAP_ON_DEMAND;
    }
    if (ops && ops->impl.unaligned && !ops->valid.unaligned) {
        memcore_misuse("memory_region_init_io(%s): impl.unaligned needs "
                       "valid.unaligned",
                       name);
    }
    mr_init_common(mr, owner, name, size, ops ? kind : MR_KIND_RESERVATION);
    mr->ops = ops;
    mr->opaque = opaque;
}

static bool mr_alloc_ram(MemoryRegion *mr, uint64_t size, GError **errp)
{
    void *p;

    if (size == 0 || size == UINT64_MAX || size > SIZE_MAX / 2) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "%s: bad RAM size %" PRIu64, mr->name, size);
        return false;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "%s: cannot allocate %" PRIu64 " bytes of RAM: %s",
                    mr->name, size, g_strerror(errno));
        return false;
    }
    mr->ram_block = p;
    mr->ram_alloc_size = size;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, void *owner, const char *name,
                            uint64_t size, GError **errp)
{
    mr_init_common(mr, owner, name, size, MR_KIND_RAM);
    if (!mr_alloc_ram(mr, size, errp)) {
        g_free(mr->name);
        mr->name = NULL;
        return false;
    }
    return true;
}

void memory_region_init_ram_ptr(MemoryRegion *mr, void *owner,
                                const char *name, uint64_t size, void *ptr)
{
    g_assert(ptr != NULL);
    mr_init_common(mr, owner, name, size, MR_KIND_RAM);
    mr->ram_block = ptr;
}

void memory_region_init_ram_device_ptr(MemoryRegion *mr, void *owner,
                                       const char *name, uint64_t size,
                                       void *ptr)
{
    memory_region_init_ram_ptr(mr, owner, name, size, ptr);
    mr->ram_device = true;
    /* Still RAM to listeners (the VFIO mirror); I/O to accesses. */
    mr->ops = &ram_device_ops;
    mr->opaque = mr;
}

bool memory_region_init_rom(MemoryRegion *mr, void *owner, const char *name,
                            uint64_t size, GError **errp)
{
    if (!memory_region_init_ram(mr, owner, name, size, errp)) {
        return false;
    }
    mr->readonly = true;
    mr->rom = true;
    return true;
}

bool memory_region_init_rom_device(MemoryRegion *mr, void *owner,
                                   const MemoryRegionOps *ops, void *opaque,
                                   const char *name, uint64_t size,
                                   GError **errp)
{
    g_assert(ops != NULL && !on_demand_ops_check(ops, name));
    mr_init_common(mr, owner, name, size, MR_KIND_ROM_DEVICE);
    if (!mr_alloc_ram(mr, size, errp)) {
        g_free(mr->name);
        mr->name = NULL;
        return false;
    }
    mr->ops = ops;
    mr->opaque = opaque;
    mr->romd_mode = true;
    return true;
}

void memory_region_init_alias(MemoryRegion *mr, void *owner, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    g_assert(orig != NULL);
    mr_init_common(mr, owner, name, size, MR_KIND_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
    memory_region_ref(orig);
}

void memory_region_init_reservation(MemoryRegion *mr, void *owner,
                                    const char *name, uint64_t size)
{
    memory_region_init_io(mr, owner, NULL, NULL, name, size);
}

/* ---------------------------------------------------------------------- */
/* Lifetime                                                                */
/* ---------------------------------------------------------------------- */

static GMutex release_lock;
static GCond release_cond;

void memory_region_ref(MemoryRegion *mr)
{
    qatomic_fetch_add_relaxed(&mr->refcount, 1);
}

void memory_region_unref(MemoryRegion *mr)
{
    if (qatomic_sub_fetch_acq_rel(&mr->refcount, 1) <= 1) {
        /* A finaliser may be waiting for the last user to go. */
        g_mutex_lock(&release_lock);
        g_cond_broadcast(&release_cond);
        g_mutex_unlock(&release_lock);
    }
}

/*
 * Wait until only the caller's reference is left. Flat views drop theirs
 * after a grace period, so drain those first; mappings and caches drop
 * theirs when their holders are done, which may take a while.
 */
static void mr_wait_for_users(MemoryRegion *mr)
{
    gint64 next_warning = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;

    if (qatomic_load_acquire(&mr->refcount) > 1) {
        flatview_reap();
    }
    g_mutex_lock(&release_lock);
    while (qatomic_load_acquire(&mr->refcount) > 1) {
        if (!g_cond_wait_until(&release_cond, &release_lock, next_warning)) {
            g_printerr("memcore: memory_region_finalize(%s): still waiting "
                       "for %d mapping(s) or cache(s) to be released\n",
                       mr->name, qatomic_read(&mr->outstanding_maps));
            next_warning = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
        }
        g_mutex_unlock(&release_lock);
        /* A view may have been dropped meanwhile; let it go. */
        flatview_reap();
        g_mutex_lock(&release_lock);
    }
    g_mutex_unlock(&release_lock);
}

void memory_region_finalize(MemoryRegion *mr)
{
    MemoryRegion *sub;

    memcore_rcu_ensure_registered();
    if (rcu_read_ongoing()) {
        memcore_misuse("memory_region_finalize(%s) called inside an RCU "
                       "read-side section (an MMIO callback?); it would wait "
                       "for itself",
                       mr->name);
    }
    if (memory_topology_locked()) {
        /*
         * Waiting for readers while holding the topology lock could wait
         * for a reader whose MMIO callback waits for the lock.
         */
        memcore_misuse("memory_region_finalize(%s) called inside a "
                       "transaction or listener",
                       mr->name);
    }
    if (mr->container) {
        memcore_misuse("memory_region_finalize(%s): still inside container "
                       "'%s'",
                       mr->name, mr->container->name);
    }
    memory_region_transaction_begin();
    while ((sub = g_queue_peek_head(&mr->subregions)) != NULL) {
        memory_region_del_subregion(mr, sub);
    }
    memory_region_transaction_commit();

    mr_wait_for_users(mr);

    if (mr->alias) {
        memory_region_unref(mr->alias);
    }
    if (mr->ram_alloc_size) {
        munmap(mr->ram_block, mr->ram_alloc_size);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

/* ---------------------------------------------------------------------- */
/* Transactions                                                            */
/* ---------------------------------------------------------------------- */

void memory_region_transaction_begin(void)
{
    memory_topology_lock();
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(memory_topology_locked() && transaction_depth > 0);
    if (--transaction_depth == 0 && update_pending) {
        update_pending = false;
        memory_stats.commits++;
        address_spaces_commit();
    }
    memory_topology_unlock();
}

void memory_get_stats(MemoryStats *stats)
{
    memory_topology_lock();
    *stats = memory_stats;
    memory_topology_unlock();
}

/* ---------------------------------------------------------------------- */
/* Tree changes                                                            */
/* ---------------------------------------------------------------------- */

/* Is @target reachable from @from through subregions and alias targets? */
static bool mr_reaches(MemoryRegion *from, MemoryRegion *target,
                       GHashTable *seen)
{
    GList *l;

    if (from == target) {
        return true;
    }
    if (!g_hash_table_add(seen, from)) {
        return false;
    }
    if (from->alias && mr_reaches(from->alias, target, seen)) {
        return true;
    }
    for (l = from->subregions.head; l; l = l->next) {
        if (mr_reaches(l->data, target, seen)) {
            return true;
        }
    }
    return false;
}

static void mr_check_no_cycle(MemoryRegion *parent, MemoryRegion *sub)
{
    GHashTable *seen;
    bool cycle;

    if (!sub->alias && g_queue_is_empty(&sub->subregions) && sub != parent) {
        return; /* a leaf cannot close a cycle */
    }
    seen = g_hash_table_new(NULL, NULL);
    cycle = mr_reaches(sub, parent, seen);
    g_hash_table_destroy(seen);
    if (cycle) {
        memcore_misuse("memory_region_add_subregion: adding '%s' to '%s' "
                       "would make a cycle (through subregions or alias "
                       "targets)",
                       sub->name, parent->name);
    }
}

/*
 * Keep siblings sorted: higher priority first, and among equals the newest
 * first, which is the order rendering wants. Adding at the front (the
 * usual case: equal priorities) costs O(1).
 */
static void mr_insert_sorted(MemoryRegion *mr, MemoryRegion *sub)
{
    GList *l;

    for (l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *other = l->data;

        if (sub->priority >= other->priority) {
            break;
        }
    }
    if (l) {
        g_queue_insert_before(&mr->subregions, l, sub);
        sub->link = l->prev;
    } else {
        g_queue_push_tail(&mr->subregions, sub);
        sub->link = mr->subregions.tail;
    }
}

static void mr_add_subregion_common(MemoryRegion *mr, hwaddr offset,
                                    MemoryRegion *sub, int priority)
{
    if (sub->container) {
        memcore_misuse("memory_region_add_subregion: '%s' already has a "
                       "parent ('%s'); remove it first",
                       sub->name, sub->container->name);
    }
    if (mr->kind == MR_KIND_ALIAS) {
        memcore_misuse("memory_region_add_subregion: '%s' is an alias and "
                       "cannot hold subregions",
                       mr->name);
    }
    memory_region_transaction_begin();
    mr_check_no_cycle(mr, sub);
    memory_region_ref(sub);
    sub->priority = priority;
    sub->container = mr;
    sub->addr = offset;
    sub->add_seq = ++add_seq_counter;
    mr_insert_sorted(mr, sub);
    memory_region_update_pending();
    memory_region_transaction_commit();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    memory_region_add_subregion_overlap(mr, offset, subregion, 0);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion, int priority)
{
    mr_add_subregion_common(mr, offset, subregion, priority);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    if (subregion->container != mr) {
        memcore_misuse("memory_region_del_subregion: '%s' is not inside "
                       "'%s'",
                       subregion->name, mr->name);
    }
    memory_region_transaction_begin();
    g_queue_delete_link(&mr->subregions, subregion->link);
    subregion->link = NULL;
    subregion->container = NULL;
    memory_region_update_pending();
    memory_region_transaction_commit();
    memory_region_unref(subregion);
}

/* Run @fn under a transaction so the change is rendered once. */
#define MR_CHANGE(mr, stmt)                 \
    do {                                    \
        memory_region_transaction_begin();  \
        stmt;                               \
        memory_region_update_pending();     \
        memory_region_transaction_commit(); \
    } while (0)

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        MR_CHANGE(mr, mr->enabled = enabled);
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        MR_CHANGE(mr, mr->readonly = readonly);
    }
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        MR_CHANGE(mr, mr->addr = addr);
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_assert(mr->kind == MR_KIND_ALIAS);
    if (mr->alias_offset != offset) {
        MR_CHANGE(mr, mr->alias_offset = offset);
    }
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    Int128 s = int128_size(size);

    if (mr->size != s) {
        MR_CHANGE(mr, mr->size = s);
    }
}

void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode)
{
    g_assert(mr->kind == MR_KIND_ROM_DEVICE);
    if (mr->romd_mode != romd_mode) {
        MR_CHANGE(mr, mr->romd_mode = romd_mode);
    }
}

void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    uint8_t mask = mr->dirty_log_mask;

    g_assert(client < 8);
    if (log) {
        mask |= 1u << client;
    } else {
        mask &= ~(1u << client);
    }
    if (mask != mr->dirty_log_mask) {
        MR_CHANGE(mr, mr->dirty_log_mask = mask);
    }
}

void memory_region_set_private(MemoryRegion *mr, bool private_mem)
{
    g_assert(mr->kind == MR_KIND_RAM);
    if (mr->private_mem != private_mem) {
        MR_CHANGE(mr, mr->private_mem = private_mem);
    }
}

void memory_region_set_reentrancy_guard(MemoryRegion *mr,
                                        MemReentrancyGuard *guard)
{
    mr->dev_reentrancy_guard = guard;
}

void memory_region_disable_reentrancy_guard(MemoryRegion *mr, bool disable)
{
    mr->disable_reentrancy_guard = disable;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                 */
/* ---------------------------------------------------------------------- */

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size >= int128_2_64() ? UINT64_MAX : (uint64_t)mr->size;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

MemoryRegion *memory_region_resolve_alias(MemoryRegion *mr, hwaddr *offset)
{
    while (mr->kind == MR_KIND_ALIAS) {
        if (offset) {
            *offset += mr->alias_offset;
        }
        mr = mr->alias;
    }
    return mr;
}

bool memory_region_is_ram(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_RAM ||
           (mr->kind == MR_KIND_ROM_DEVICE && mr->romd_mode);
}

bool memory_region_is_ram_device(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_RAM && mr->ram_device;
}

bool memory_region_is_rom(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_RAM && mr->rom;
}

bool memory_region_is_romd(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_ROM_DEVICE && mr->romd_mode;
}

bool memory_region_is_private(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_RAM && mr->private_mem;
}

bool memory_region_is_map_on_demand(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->kind == MR_KIND_MAP_ON_DEMAND;
}

bool memory_region_is_mapped(MemoryRegion *mr)
{
    return mr->container != NULL;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    mr = memory_region_resolve_alias(mr, &offset);
    if (!mr->ram_block) {
        return NULL;
    }
    return mr->ram_block + offset;
}

int memory_region_outstanding_maps(MemoryRegion *mr)
{
    return qatomic_read(&mr->outstanding_maps);
}
