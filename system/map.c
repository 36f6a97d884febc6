/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The map path: address_space_map() and address_space_unmap().
 *
 * Three kinds of memory answer a map request (docs/devel/memory.rst,
 * "The map path"): RAM gives a direct pointer, a map-on-demand region
 * gives what its map() callback returns (through on-demand.c), and
 * anything else gets a bounce buffer from the address space's budget.
 *
 * Every pointer handed out is recorded in a per-address-space table, so
 * unmap finds its owner in O(1) whatever the kind and however many live
 * mappings share the pointer (a guest can point every descriptor at one
 * address): records are hashed by (pointer, length), which is what unmap
 * is given, and also chained by pointer alone for an unmap whose length
 * matches no record. The table and the bounce budget are protected by
 * MapTable.lock; callbacks (map(), unmap(), map clients) are never called
 * with it held.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "memory-internal.h"
#include "trace.h"

#define DEFAULT_MAX_BOUNCE_BUFFER_SIZE 4096

typedef enum MapKind {
    MAP_RAM,
    MAP_ON_DEMAND,
    MAP_BOUNCE,
    MAP_FORWARD, /* made through an IOMMU in another space */
} MapKind;

/* For the trace points: the words address_space_map's probe uses too. */
static const char *const map_kind_name[] = {
    [MAP_RAM] = "ram",
    [MAP_ON_DEMAND] = "on-demand",
    [MAP_BOUNCE] = "bounce",
    [MAP_FORWARD] = "iommu",
};

typedef struct MapRecord MapRecord;
struct MapRecord {
    /* Doubly linked, newest first, so that any record leaves in O(1). */
    MapRecord *key_prev, *key_next; /* same pointer and length */
    MapRecord *ptr_prev, *ptr_next; /* same pointer */
    void *ptr;
    MapKind kind;
    MemoryRegion *mr; /* referenced while mapped; NULL for bounce */
    AddressSpace *target; /* MAP_FORWARD: where the mapping lives */
    AddressSpace *charge; /* MAP_BOUNCE: whose budget pays for it */
    hwaddr offset; /* in @mr (on demand) */
    hwaddr as_addr; /* where in the space (bounce write-back) */
    hwaddr len;
    bool is_write;
    MemTxAttrs attrs;
};

struct MapTable {
    GMutex lock;
    GHashTable *by_key; /* (ptr, len) -> newest record with both */
    GHashTable *by_ptr; /* ptr -> newest record at ptr */
    size_t bounce_max;
    size_t bounce_used;
    AddressSpaceStats stats;
};

/* by_key hashes a record by its pointer and length. */
static guint record_key_hash(gconstpointer key)
{
    const MapRecord *rec = key;
    uint64_t h = (uintptr_t)rec->ptr ^ (rec->len * 0x9e3779b97f4a7c15ULL);

    return (guint)(h ^ (h >> 32));
}

static gboolean record_key_equal(gconstpointer a, gconstpointer b)
{
    const MapRecord *x = a, *y = b;

    return x->ptr == y->ptr && x->len == y->len;
}

MapTable *map_table_new(void)
{
    MapTable *ms = g_new0(MapTable, 1);

    g_mutex_init(&ms->lock);
    ms->by_key = g_hash_table_new(record_key_hash, record_key_equal);
    ms->by_ptr = g_hash_table_new(NULL, NULL);
    ms->bounce_max = DEFAULT_MAX_BOUNCE_BUFFER_SIZE;
    return ms;
}

void map_table_free(AddressSpace *as)
{
    MapTable *ms = as->map_state->maps;

    if (ms->stats.outstanding) {
        memcore_misuse("address_space_destroy(%s): %" PRIu64 " mapping(s) "
                       "still outstanding",
                       as->name, ms->stats.outstanding);
    }
    g_hash_table_destroy(ms->by_key);
    g_hash_table_destroy(ms->by_ptr);
    g_mutex_clear(&ms->lock);
    g_free(ms);
    as->map_state->maps = NULL;
}

/* A record for a new mapping; the caller fills in what its kind needs. */
static MapRecord *record_new(void *ptr, MapKind kind, hwaddr as_addr,
                             hwaddr len, bool is_write, MemTxAttrs attrs)
{
    MapRecord *rec = g_new0(MapRecord, 1);

    rec->ptr = ptr;
    rec->kind = kind;
    rec->as_addr = as_addr;
    rec->len = len;
    rec->is_write = is_write;
    rec->attrs = attrs;
    return rec;
}

static void record_insert(MapTable *ms, MapRecord *rec)
{
    MapRecord *head;

    g_mutex_lock(&ms->lock);
    head = g_hash_table_lookup(ms->by_key, rec);
    rec->key_next = head;
    if (head) {
        head->key_prev = rec;
    }
    /* The new head is the key now: the old one may leave first. */
    g_hash_table_replace(ms->by_key, rec, rec);

    head = g_hash_table_lookup(ms->by_ptr, rec->ptr);
    rec->ptr_next = head;
    if (head) {
        head->ptr_prev = rec;
    }
    g_hash_table_insert(ms->by_ptr, rec->ptr, rec);
    ms->stats.maps++;
    ms->stats.outstanding++;
    g_mutex_unlock(&ms->lock);
}

/* Unlink @rec from both chains, fixing the tables where it was the head. */
static void record_unlink(MapTable *ms, MapRecord *rec)
{
    if (rec->key_prev) {
        rec->key_prev->key_next = rec->key_next;
    } else if (rec->key_next) {
        g_hash_table_replace(ms->by_key, rec->key_next, rec->key_next);
    } else {
        g_hash_table_remove(ms->by_key, rec);
    }
    if (rec->key_next) {
        rec->key_next->key_prev = rec->key_prev;
    }

    if (rec->ptr_prev) {
        rec->ptr_prev->ptr_next = rec->ptr_next;
    } else if (rec->ptr_next) {
        g_hash_table_insert(ms->by_ptr, rec->ptr, rec->ptr_next);
    } else {
        g_hash_table_remove(ms->by_ptr, rec->ptr);
    }
    if (rec->ptr_next) {
        rec->ptr_next->ptr_prev = rec->ptr_prev;
    }
}

/*
 * Take a record for @ptr out of the table: the newest of length @len, or
 * if none has that length, the newest at @ptr. O(1) either way.
 */
static MapRecord *record_remove(MapTable *ms, void *ptr, hwaddr len)
{
    MapRecord probe = { .ptr = ptr, .len = len };
    MapRecord *rec;

    rec = g_hash_table_lookup(ms->by_key, &probe);
    if (!rec) {
        rec = g_hash_table_lookup(ms->by_ptr, ptr);
    }
    if (!rec) {
        return NULL;
    }
    record_unlink(ms, rec);
    ms->stats.unmaps++;
    ms->stats.outstanding--;
    return rec;
}

static void mr_hold(MemoryRegion *mr)
{
    memory_region_ref(mr);
    qatomic_fetch_add_relaxed(&mr->outstanding_maps, 1);
}

static void mr_release(MemoryRegion *mr)
{
    qatomic_fetch_sub_relaxed(&mr->outstanding_maps, 1);
    memory_region_unref(mr);
}

/* ---- bounce budget ----------------------------------------------------------- */

/*
 * QEMU's rule: a client may retry while bounce memory in use is below the
 * budget, whoever freed the rest. (Waiting for it to reach 0 lost the
 * wake-up of a client registering after someone else's partial release.)
 */
bool map_table_has_room(void *opaque)
{
    MapTable *ms = opaque;
    bool room;

    g_mutex_lock(&ms->lock);
    room = ms->bounce_used < ms->bounce_max;
    g_mutex_unlock(&ms->lock);
    return room;
}

void address_space_set_max_bounce_buffer_size(AddressSpace *as, size_t size)
{
    MapTable *ms = as->map_state->maps;

    g_mutex_lock(&ms->lock);
    ms->bounce_max = size;
    g_mutex_unlock(&ms->lock);
    /* A bigger budget may be room for those waiting. */
    if (map_table_has_room(ms)) {
        map_clients_kick(as->map_state->clients);
    }
}

void address_space_get_stats(AddressSpace *as, AddressSpaceStats *stats)
{
    MapTable *ms = as->map_state->maps;

    g_mutex_lock(&ms->lock);
    *stats = ms->stats;
    stats->bounce_in_use = ms->bounce_used;
    stats->bounce_max = ms->bounce_max;
    stats->copies = qatomic_read(&as->map_state->copies);
    stats->writeback_errors = qatomic_read(&ms->stats.writeback_errors);
    g_mutex_unlock(&ms->lock);
}

/* ---- map ------------------------------------------------------------------- */

/*
 * How far a direct RAM mapping can go from @ds: on through following flat
 * ranges while they continue the same region at contiguous offsets.
 */
static hwaddr ram_contiguous(FlatView *fv, const DispatchSection *ds,
                             hwaddr addr, hwaddr len, bool is_write)
{
    const FlatRange *fr = ds->fr;
    const FlatRange *end = fv->ranges + fv->nr;
    hwaddr l = (len - 1 <= ds->last - addr) ? len : ds->last - addr + 1;

    while (l < len && fr + 1 < end) {
        const FlatRange *nx = fr + 1;

        if (nx->mr != fr->mr || nx->start != fr->start + fr->size ||
            (Int128)nx->offset_in_region !=
                (Int128)fr->offset_in_region + fr->size ||
            (is_write && nx->readonly) || nx->private_mem != fr->private_mem) {
            break;
        }
        l = (len - l <= nx->size) ? len : l + (hwaddr)nx->size;
        fr = nx;
    }
    return l;
}

/*
 * Each of these returns the pointer and sets *plen, or returns NULL and
 * says why in *result: MEMTX_OK for "nothing wrong, no bounce memory
 * now", otherwise the error an access would have had.
 */
/*
 * A bounce buffer for [@addr, +@l) of @as, paid for by @charge's budget:
 * the space the caller mapped in, which is @as unless the map came
 * through an IOMMU. So a device's budget bounds its IOMMU traffic too,
 * and a hoarder behind an IOMMU does not starve the target space.
 */
static void *map_bounce(AddressSpace *as, AddressSpace *charge, FlatView *fv,
                        hwaddr addr, hwaddr l, bool is_write, MemTxAttrs attrs,
                        hwaddr *plen, MemTxResult *result)
{
    MapTable *ms = charge->map_state->maps;
    hwaddr asked = l;
    MapRecord *rec;
    size_t avail;
    void *buf;

    g_mutex_lock(&ms->lock);
    avail = ms->bounce_max > ms->bounce_used ?
                ms->bounce_max - ms->bounce_used :
                0;
    if (l > avail) {
        l = avail;
    }
    ms->bounce_used += l;
    if (l == 0) {
        trace_bounce_refused(charge, asked, ms->bounce_used, ms->bounce_max);
    } else {
        trace_bounce_reserve(charge, l, ms->bounce_used, ms->bounce_max);
    }
    g_mutex_unlock(&ms->lock);
    if (l == 0) {
        *result = MEMTX_OK; /* try again when a map client is told */
        return NULL;
    }

    buf = g_try_malloc(l);
    *result = buf ? MEMTX_OK : MEMTX_ERROR;
    if (buf && !is_write) {
        *result = flatview_read(fv, addr, attrs, buf, l);
        if (*result != MEMTX_OK) {
            /* The device could not be read; do not hand out made-up data. */
            g_free(buf);
            buf = NULL;
        }
    }
    if (!buf) {
        g_mutex_lock(&ms->lock);
        ms->bounce_used -= l;
        trace_bounce_release(charge, l, ms->bounce_used);
        g_mutex_unlock(&ms->lock);
        map_clients_kick(charge->map_state->clients);
        return NULL;
    }
    rec = record_new(buf, MAP_BOUNCE, addr, l, is_write, attrs);
    rec->charge = charge;
    record_insert(as->map_state->maps, rec);
    *plen = l;
    return buf;
}

static void *map_on_demand(AddressSpace *as, const DispatchSection *ds,
                           hwaddr addr, hwaddr l, bool is_write,
                           MemTxAttrs attrs, hwaddr *plen, MemTxResult *result)
{
    MemoryRegion *mr = ds->fr->mr;
    hwaddr offset = ds->fr->offset_in_region + (addr - ds->start);
    hwaddr ml = l;
    MapRecord *rec;
    void *p;

    p = on_demand_map(mr, offset, &ml, is_write, attrs, result);
    if (!p) {
        return NULL;
    }
    mr_hold(mr);
    rec = record_new(p, MAP_ON_DEMAND, addr, ml, is_write, attrs);
    rec->mr = mr;
    rec->offset = offset;
    record_insert(as->map_state->maps, rec);
    *plen = ml;
    return p;
}

static void *map_ram(AddressSpace *as, FlatView *fv, const DispatchSection *ds,
                     hwaddr addr, hwaddr len, bool is_write, MemTxAttrs attrs,
                     hwaddr *plen, MemTxResult *result)
{
    MapRecord *rec;

    if (ds->private_mem && !attrs.private_mem) {
        *result = MEMTX_ACCESS_ERROR; /* as a read or write would be */
        return NULL;
    }
    rec = record_new((void *)(ds->host_base + addr), MAP_RAM, addr,
                     ram_contiguous(fv, ds, addr, len, is_write), is_write,
                     attrs);
    rec->mr = ds->fr->mr;
    mr_hold(rec->mr);
    record_insert(as->map_state->maps, rec);
    *plen = rec->len;
    *result = MEMTX_OK;
    return rec->ptr;
}

/*
 * Through an IOMMU: map in the target space (which records the mapping
 * there) and keep a forwarding record here, so that unmap on this space
 * finds it in O(1) too.
 */
static void *map_in(AddressSpace *as, AddressSpace *charge, hwaddr addr,
                    hwaddr *plen, bool is_write, MemTxAttrs attrs,
                    MemTxResult *result);

static void *map_through_iommu(AddressSpace *as, AddressSpace *charge,
                               const DispatchSection *ds, hwaddr addr,
                               hwaddr len, bool is_write, MemTxAttrs attrs,
                               hwaddr *plen, MemTxResult *result)
{
    AddressSpace *target;
    hwaddr l = len, xlat;
    MapRecord *rec;
    void *p;

    *result = iommu_translate_piece(ds, addr, &l, is_write, attrs, &target,
                                    &xlat);
    if (*result != MEMTX_OK) {
        return NULL;
    }
    if (!iommu_enter()) {
        *result = MEMTX_DECODE_ERROR; /* translations nest too deep */
        return NULL;
    }
    p = map_in(target, charge, xlat, &l, is_write, attrs, result);
    iommu_exit();
    if (!p) {
        return NULL;
    }
    rec = record_new(p, MAP_FORWARD, addr, l, is_write, attrs);
    rec->target = target;
    record_insert(as->map_state->maps, rec);
    *plen = l;
    return p;
}

/* Map in @as; bounce memory comes from @charge's budget. */
static void *map_in(AddressSpace *as, AddressSpace *charge, hwaddr addr,
                    hwaddr *plen, bool is_write, MemTxAttrs attrs,
                    MemTxResult *result)
{
    MemTxResult r = MEMTX_DECODE_ERROR; /* nothing there */
    hwaddr len = *plen;
    const char *kind = "";
    const DispatchSection *ds;
    FlatView *fv;
    void *p = NULL;
    hwaddr l;

    *plen = 0;
    if (len == 0) {
        if (result) {
            *result = MEMTX_OK;
        }
        return NULL;
    }
    mc_rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    ds = dispatch_lookup(fv, addr);
    if (ds->fr) {
        l = (len - 1 <= ds->last - addr) ? len : ds->last - addr + 1;
        switch (is_write ? ds->write_kind : ds->read_kind) {
        case SEC_RAM:
            kind = "ram";
            p = map_ram(as, fv, ds, addr, len, is_write, attrs, plen, &r);
            break;
        case SEC_ON_DEMAND:
            kind = "on-demand";
            p = map_on_demand(as, ds, addr, l, is_write, attrs, plen, &r);
            break;
        case SEC_MMIO:
        case SEC_READONLY:
            kind = "bounce";
            p = map_bounce(as, charge, fv, addr, l, is_write, attrs, plen, &r);
            break;
        case SEC_IOMMU:
            kind = "iommu";
            p = map_through_iommu(as, charge, ds, addr, l, is_write, attrs,
                                  plen, &r);
            break;
        default:
            break;
        }
    }
    mc_rcu_read_unlock();
    if (!p) {
        MapTable *ms = as->map_state->maps;

        *plen = 0;
        g_mutex_lock(&ms->lock);
        ms->stats.map_failures++;
        g_mutex_unlock(&ms->lock);
    }
    if (p) {
        map_clients_note_map();
    }
    trace_address_space_map(as, addr, len, *plen, is_write, kind,
                            p ? MEMTX_OK : r);
    if (result) {
        *result = p ? MEMTX_OK : r;
    }
    return p;
}

void *address_space_map_result(AddressSpace *as, hwaddr addr, hwaddr *plen,
                               bool is_write, MemTxAttrs attrs,
                               MemTxResult *result)
{
    return map_in(as, as, addr, plen, is_write, attrs, result);
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs)
{
    return address_space_map_result(as, addr, plen, is_write, attrs, NULL);
}

/* ---- unmap ----------------------------------------------------------------- */

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len)
{
    address_space_unmap_result(as, buffer, len, is_write, access_len);
}

MemTxResult address_space_unmap_result(AddressSpace *as, void *buffer,
                                       hwaddr len, bool is_write,
                                       hwaddr access_len)
{
    MapTable *ms = as->map_state->maps;
    MemTxResult r = MEMTX_OK;
    const char *kind;
    MapRecord *rec;
    MemoryRegion *mr;

    g_mutex_lock(&ms->lock);
    rec = record_remove(ms, buffer, len);
    g_mutex_unlock(&ms->lock);
    if (!rec) {
        memcore_misuse("address_space_unmap(%s): %p was not returned by "
                       "address_space_map(), or was already unmapped",
                       as->name, buffer);
    }
    if (access_len > rec->len) {
        access_len = rec->len;
    }
    kind = map_kind_name[rec->kind];
    mr = rec->mr;
    switch (rec->kind) {
    case MAP_RAM:
        mr_release(mr);
        break;
    case MAP_ON_DEMAND:
        on_demand_unmap(mr, rec->ptr, rec->offset, rec->len, rec->is_write,
                        access_len);
        mr_release(mr);
        break;
    case MAP_FORWARD:
        r = address_space_unmap_result(rec->target, rec->ptr, rec->len,
                                       rec->is_write, access_len);
        break;
    case MAP_BOUNCE:
        if (rec->is_write && access_len) {
            /*
             * The device's data lands only now. A failure is returned to
             * callers that ask, and counted for those that do not.
             */
            r = address_space_write(as, rec->as_addr, rec->attrs, rec->ptr,
                                    access_len);
            if (r != MEMTX_OK) {
                qatomic_fetch_add_relaxed(&ms->stats.writeback_errors, 1);
            }
        }
        g_free(rec->ptr);
        ms = rec->charge->map_state->maps;
        g_mutex_lock(&ms->lock);
        ms->bounce_used -= rec->len;
        trace_bounce_release(rec->charge, rec->len, ms->bounce_used);
        g_mutex_unlock(&ms->lock);
        map_clients_kick(rec->charge->map_state->clients);
        break;
    }
    trace_address_space_unmap(as, buffer, len, access_len, kind, r);
    g_free(rec);
    return r;
}
