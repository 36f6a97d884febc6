/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private structures shared by the files of system/. Not installed.
 *
 * Who may touch what:
 *  - the region tree (MemoryRegion fields marked "under the topology lock")
 *    only with memory_topology_lock() held;
 *  - a FlatView is immutable once published; readers reach it through
 *    AddressSpace.current_map under rcu_read_lock() and never lock;
 *  - an address space's MapTable has its own mutex (map.c).
 */
#ifndef SYSTEM_MEMORY_INTERNAL_H
#define SYSTEM_MEMORY_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>
#include "exec/memcore-atomic.h"

/*
 * liburcu's per-thread reader state, which rcu_read_lock() and unlock()
 * update inline. The library declares it without a TLS model, so code
 * built position-independent (libmemcore always is) reaches it through
 * __tls_get_addr(): a call, which also makes the compiler save and
 * restore registers around the whole fast path. liburcu is a load-time
 * dependency, so its TLS is in the static block and the initial-exec
 * model (one %fs-relative load) is valid. Declared before exec/memory.h,
 * whose inline fast path takes the read lock too.
 */
extern __thread struct urcu_reader urcu_memb_reader
    __attribute__((tls_model("initial-exec")));

#include "exec/memory.h"

/*
 * What is declared below is shared by the files of system/ and by nobody
 * else: hidden, so that libmemcore.so neither exports it nor calls it
 * through the PLT (the read and MMIO paths make several such calls).
 */
#pragma GCC visibility push(hidden)

#define MC_PAGE_BITS 12
#define MC_PAGE_SIZE (1ULL << MC_PAGE_BITS)
#define MC_PAGE_MASK (~(MC_PAGE_SIZE - 1))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- rcu.c --------------------------------------------------------- */

extern __thread bool memcore_rcu_registered
    __attribute__((tls_model("initial-exec")));
void memcore_rcu_register_slow(void);

/*
 * ThreadSanitizer cannot see liburcu's ordering (Debian's liburcu is not
 * instrumented, and its inline primitives are a compiler barrier and
 * volatile accesses). Two edges are real, and memcore states them where
 * they arise, so that TSan checks everything else as usual:
 *  - publication: rcu_assign_pointer() of a view is a release, and
 *    rcu_dereference() of it is ordered after it. In a TSan build they
 *    become a release store and an acquire load, which TSan understands.
 *  - the grace period: every reader's use of a view happens before the
 *    writer whose synchronize_rcu(), or call_rcu() callback, waited for
 *    it. Every read-side unlock releases memcore_tsan_grace_period, and
 *    the code after a grace period acquires it. (That also orders read
 *    sections that ended during the grace period but began after it
 *    started: harmless, they ended before the writer went on.)
 * Without TSan the macros are liburcu's own, or nothing.
 */
#if defined(__SANITIZE_THREAD__)
#define MC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MC_TSAN 1
#endif
#endif

#ifdef MC_TSAN
/* TSan's runtime, not ours: outside the hidden block's reach. */
__attribute__((visibility("default"))) void __tsan_acquire(void *addr);
__attribute__((visibility("default"))) void __tsan_release(void *addr);
extern char memcore_tsan_grace_period;
#define mc_tsan_grace_period_ended() __tsan_acquire(&memcore_tsan_grace_period)
#define mc_tsan_reader_done() __tsan_release(&memcore_tsan_grace_period)
#define mc_rcu_assign_pointer(p, v) qatomic_store_release(&(p), (v))
#define mc_rcu_dereference(p) qatomic_load_acquire(&(p))
#else
#define mc_tsan_grace_period_ended() \
    do {                             \
    } while (0)
#define mc_tsan_reader_done() \
    do {                      \
    } while (0)
#define mc_rcu_assign_pointer(p, v) rcu_assign_pointer(p, v)
#define mc_rcu_dereference(p) rcu_dereference(p)
#endif

/*
 * Readers call these instead of rcu_read_lock()/unlock(): the first use on
 * a thread registers it with liburcu (and unregisters at thread exit).
 */
static inline void mc_rcu_read_lock(void)
{
    if (unlikely(!memcore_rcu_registered)) {
        memcore_rcu_register_slow();
    }
    rcu_read_lock();
}

static inline void mc_rcu_read_unlock(void)
{
    mc_tsan_reader_done();
    rcu_read_unlock();
}

/* Make sure this thread may call synchronize_rcu()/rcu_barrier(). */
void memcore_rcu_ensure_registered(void);

/* ---- memory.c: the tree and the topology lock ----------------------- */

void memory_topology_lock(void);
void memory_topology_unlock(void);
bool memory_topology_locked(void);
/* Note that the tree changed; the outermost commit re-renders. */
void memory_region_update_pending(void);
/* The region whose contents an alias chain finally shows. */
MemoryRegion *memory_region_resolve_alias(MemoryRegion *mr, hwaddr *offset);

/* Kind predicates used on hot paths. */
static inline bool mr_is_ram_backed(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM || (mr->kind == MR_KIND_ROM_DEVICE);
}

/* ---- flatview.c: rendering ------------------------------------------ */

/*
 * One piece of a region as it shows in an address space. Flat ranges are
 * sorted, never overlap, and merge with a neighbour when they continue
 * the same region with the same flags.
 */
typedef struct FlatRange {
    MemoryRegion *mr;
    hwaddr offset_in_region;
    Int128 start;
    Int128 size;
    uint8_t dirty_log_mask;
    bool romd_mode;
    bool private_mem;
    bool readonly;
} FlatRange;

typedef struct Dispatch Dispatch;

/*
 * An immutable rendering of one root. Shared by every AddressSpace with
 * that root; freed through call_rcu once the last one lets go.
 */
struct FlatView {
    int refcount; /* atomic */
    uint64_t generation; /* unique per view, for caches */
    MemoryRegion *root;
    FlatRange *ranges;
    unsigned nr;
    Dispatch *dispatch;
};

FlatView *flatview_render(MemoryRegion *root);
FlatView *flatview_new_empty(MemoryRegion *root);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv); /* frees after a grace period */
/* Free dead views now; waits for a grace period. Not from a reader. */
void flatview_reap(void);
bool flatview_equal(const FlatView *a, const FlatView *b);
bool flatrange_equal(const FlatRange *a, const FlatRange *b);
void flatrange_to_section(const FlatRange *fr, FlatView *fv,
                          MemoryRegionSection *s);
/* Index of the first range whose end is above @addr, or fv->nr. */
unsigned flatview_find_from(const FlatView *fv, Int128 addr);
/* For an address inside a hole of @fv, the last byte of the hole. */
uint64_t flatview_hole_last(const FlatView *fv, hwaddr addr);

/* ---- dispatch.c: address -> section lookup --------------------------- */

/* How an access to a section is served. Chosen at render time. */
typedef enum SectionKind {
    SEC_UNASSIGNED, /* nothing there: decode error */
    SEC_READONLY, /* writes refused: decode error, as in QEMU */
    SEC_RAM, /* direct host memory */
    SEC_MMIO, /* through ops->read/write */
    SEC_ON_DEMAND, /* map-on-demand region */
    SEC_IOMMU, /* translate, then continue elsewhere */
} SectionKind;

/*
 * A flat range prepared for dispatch. @host is the host address that
 * corresponds to address 0 of the space (host + addr is the byte), so the
 * hot path needs no subtraction chain; it is only valid inside the range.
 */
typedef struct DispatchSection {
    uint64_t start; /* first byte */
    uint64_t last; /* last byte (inclusive, so 2^64-1 fits) */
    uintptr_t host_base; /* RAM: host address minus start-offset */
    SectionKind read_kind;
    SectionKind write_kind;
    bool fast_read; /* plain RAM: memcpy from host_base + addr */
    bool fast_write;
    bool private_mem; /* confidential-guest private RAM */
    /*
     * MMIO: bit s set for each size s (1, 2, 4, 8) that an access aligned
     * to it serves with one callback call; see mmio_direct_sizes().
     */
    uint16_t mmio_direct_read;
    uint16_t mmio_direct_write;
    const FlatRange *fr; /* NULL for the unassigned section */
} DispatchSection;

Dispatch *dispatch_build(FlatView *fv);
void dispatch_free(Dispatch *d);
const DispatchSection *dispatch_lookup(const FlatView *fv, hwaddr addr);

/* ---- mmio.c: sized accesses to devices ------------------------------ */

/* The ops of RAM-device regions: sized host loads and stores, as I/O. */
extern const MemoryRegionOps ram_device_ops;

MemTxResult mmio_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                               unsigned size, MemTxAttrs attrs);
MemTxResult mmio_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t data,
                                unsigned size, MemTxAttrs attrs);
/* Read or write @len bytes of an MMIO region, in valid-sized pieces. */
/*
 * The sizes (bit s for size s) for which an access of s bytes at an
 * offset aligned to s passes the valid rules without asking the device
 * and needs no impl adaptation: mmio_direct_rw() may serve them.
 */
unsigned mmio_direct_sizes(const MemoryRegion *mr, bool is_write);
/*
 * One such access: the re-entrancy guard, one callback call, byte order.
 * Exactly what mmio_rw() does for it, minus the checks already done.
 */
MemTxResult mmio_direct_rw(MemoryRegion *mr, hwaddr offset, uint8_t *buf,
                           unsigned size, bool is_write, MemTxAttrs attrs);
MemTxResult mmio_rw(MemoryRegion *mr, hwaddr offset, uint8_t *buf, hwaddr len,
                    bool is_write, MemTxAttrs attrs);
/* Would every piece of [@offset, +@len) pass @mr's valid rules? Bounded work. */
bool mmio_range_valid(MemoryRegion *mr, hwaddr offset, hwaddr len,
                      bool is_write, MemTxAttrs attrs);
/* Largest piece that may be sent to @mr at @addr, at most @len. */
unsigned mmio_access_size(MemoryRegion *mr, hwaddr addr, hwaddr len);
/* Bytes in memory order <-> value in the device's order. */
uint64_t mmio_bytes_to_value(MemoryRegion *mr, const uint8_t *buf,
                             unsigned size);
void mmio_value_to_bytes(MemoryRegion *mr, uint64_t val, uint8_t *buf,
                         unsigned size);

/* ---- physmem.c: the read/write paths -------------------------------- */

MemTxResult flatview_read(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                          void *buf, hwaddr len);
MemTxResult flatview_write(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                           const void *buf, hwaddr len);

/* ---- on-demand.c: the one caller of the map()/unmap() callbacks ------ */

/*
 * Do @ops make a map-on-demand region? Misuse (aborts): only one of
 * map()/unmap(). @name is for the message.
 */
bool on_demand_ops_check(const MemoryRegionOps *ops, const char *name);
/*
 * Map [@offset, +*@plen) of map-on-demand region @mr. Returns the host
 * pointer and the length granted in *@plen (never more than asked: a
 * callback that grows it is misuse), or NULL with *@plen = 0 (a pointer
 * granted with no bytes has been given back) and the reason in *@result
 * (never MEMTX_OK then). Counts the map or the failure in @mr's counters.
 * Takes no reference on @mr.
 */
void *on_demand_map(MemoryRegion *mr, hwaddr offset, hwaddr *plen,
                    bool is_write, MemTxAttrs attrs, MemTxResult *result);
/* Release what on_demand_map() returned; @len as granted. */
void on_demand_unmap(MemoryRegion *mr, void *host, hwaddr offset, hwaddr len,
                     bool is_write, hwaddr access_len);
/*
 * Read or write @len bytes of one map-on-demand region piece: bulk copy
 * ops, else sized callbacks, else map-copy-unmap. @as, if not NULL, has
 * its copy counter bumped.
 */
MemTxResult on_demand_rw(AddressSpace *as, MemoryRegion *mr, hwaddr offset,
                         void *buf, hwaddr len, bool is_write,
                         MemTxAttrs attrs);

/* ---- iommu.c --------------------------------------------------------- */

/* Bound nested translation; false when too deep (the access fails). */
bool iommu_enter(void);
void iommu_exit(void);
/*
 * Translate the page of @ds at @addr for an access; clamps *plen to the
 * page. On MEMTX_OK, *target and *xlat say where the access continues.
 */
MemTxResult iommu_translate_piece(const DispatchSection *ds, hwaddr addr,
                                  hwaddr *plen, bool is_write,
                                  MemTxAttrs attrs, AddressSpace **target,
                                  hwaddr *xlat);
MemTxResult iommu_rw(const DispatchSection *ds, hwaddr addr, uint8_t *buf,
                     hwaddr len, bool is_write, MemTxAttrs attrs);

/* ---- map.c ----------------------------------------------------------- */

/* An address space's mappings, bounce budget and map clients. */
typedef struct MapTable MapTable;

MapTable *map_table_new(void);
/* Misuse: mappings still outstanding. */
void map_table_free(AddressSpace *as);
/* May a map client retry now? @opaque is the MapTable. */
bool map_table_has_room(void *opaque);

/* ---- map-client.c ---------------------------------------------------- */

/* The map clients of an address space. */
typedef struct MapClients MapClients;

/*
 * @has_room(@room_opaque) says whether waiting clients may be told;
 * @name (not copied) names the space in messages.
 */
MapClients *map_clients_new(const char *name, bool (*has_room)(void *opaque),
                            void *room_opaque);
void map_clients_free(MapClients *mc);
/*
 * There may be room: tell the waiting clients, now or, from inside a map
 * client's callback on this thread, when it has returned.
 */
void map_clients_kick(MapClients *mc);
/* A map succeeded on this thread (retrying clients made progress). */
void map_clients_note_map(void);

/* ---- address-space.c ------------------------------------------------ */

/*
 * What an address space keeps besides its view, behind the public
 * AddressSpace.map_state pointer. address-space.c allocates and frees it;
 * each member belongs to the file named beside it, and the others only
 * read it.
 */
struct AddressSpaceMapState {
    MapTable *maps; /* map.c */
    MapClients *clients; /* map-client.c */
    uint64_t copies; /* on-demand.c: read_buf/write_buf pieces; atomic */
};

/*
 * Re-render the roots of every address space and publish the views that
 * changed; the outermost commit calls it, with the topology lock held.
 */
void address_spaces_commit(void);
/* Replace @as's view (topology lock held); tells listeners. */
void address_space_set_flatview(AddressSpace *as, FlatView *fv);

static inline FlatView *address_space_get_flatview_rcu(AddressSpace *as)
{
    return mc_rcu_dereference(as->current_map);
}

/* ---- listener.c ----------------------------------------------------- */

void listeners_notify_topology(AddressSpace *as, FlatView *old, FlatView *new);

/* ---- counters -------------------------------------------------------- */

extern MemoryStats memory_stats; /* updated under the topology lock */

#pragma GCC visibility pop

#endif /* SYSTEM_MEMORY_INTERNAL_H */
