/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The read and write paths: address_space_read/write/rw and access checks.
 *
 * An access is cut wherever the section under it changes. Each piece is
 * served according to its section's kind: memcpy for RAM, sized callback
 * calls for MMIO, on-demand.c for map-on-demand regions.
 * Results of the pieces are OR'd. Nothing wraps past 2^64.
 */
#include <string.h>

#include "memory-internal.h"

/* ---- one piece ---------------------------------------------------------- */

static MemTxResult piece_rw(AddressSpace *as, const DispatchSection *ds,
                            hwaddr addr, uint8_t *buf, hwaddr len,
                            bool is_write, MemTxAttrs attrs)
{
    SectionKind kind = is_write ? ds->write_kind : ds->read_kind;
    hwaddr offset;

    switch (kind) {
    case SEC_RAM:
        if (ds->private_mem && !attrs.private_mem) {
            break; /* device DMA into private memory */
        }
        if (is_write) {
            memcpy((void *)(ds->host_base + addr), buf, len);
        } else {
            memcpy(buf, (void *)(ds->host_base + addr), len);
        }
        return MEMTX_OK;
    case SEC_MMIO:
        offset = ds->fr->offset_in_region + (addr - ds->start);
        return mmio_rw(ds->fr->mr, offset, buf, len, is_write, attrs);
    case SEC_ON_DEMAND:
        offset = ds->fr->offset_in_region + (addr - ds->start);
        return on_demand_rw(as, ds->fr->mr, offset, buf, len, is_write, attrs);
    case SEC_READONLY:
        return MEMTX_DECODE_ERROR;
    case SEC_IOMMU:
        return iommu_rw(ds, addr, buf, len, is_write, attrs);
    case SEC_UNASSIGNED:
    default:
        if (!is_write) {
            memset(buf, 0, len);
        }
        return MEMTX_DECODE_ERROR;
    }
    /* Refused private access. */
    if (!is_write) {
        memset(buf, 0, len);
    }
    return MEMTX_ACCESS_ERROR;
}

/*
 * The general loop. @as may be NULL (no copy accounting).
 */
static MemTxResult flatview_rw(AddressSpace *as, FlatView *fv, hwaddr addr,
                               MemTxAttrs attrs, uint8_t *buf, hwaddr len,
                               bool is_write)
{
    MemTxResult r = MEMTX_OK;

    while (len) {
        const DispatchSection *ds = dispatch_lookup(fv, addr);
        uint64_t last = ds->fr ? ds->last : flatview_hole_last(fv, addr);
        hwaddr l = (len - 1 <= last - addr) ? len : last - addr + 1;

        r |= piece_rw(as, ds, addr, buf, l, is_write, attrs);
        len -= l;
        buf += l;
        if (!len) {
            break;
        }
        if (last == UINT64_MAX) {
            /* The rest would wrap past 2^64: there is nothing there. */
            if (!is_write) {
                memset(buf, 0, len);
            }
            r |= MEMTX_DECODE_ERROR;
            break;
        }
        addr = last + 1;
    }
    return r;
}

MemTxResult flatview_read(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                          void *buf, hwaddr len)
{
    return flatview_rw(NULL, fv, addr, attrs, buf, len, false);
}

MemTxResult flatview_write(FlatView *fv, hwaddr addr, MemTxAttrs attrs,
                           const void *buf, hwaddr len)
{
    return flatview_rw(NULL, fv, addr, attrs, (uint8_t *)buf, len, true);
}

/* ---- the RAM fast path ------------------------------------------------ */

/*
 * Most accesses a device model makes are small copies to or from plain
 * RAM. Each thread keeps the last plain-RAM section it read and the last
 * it wrote, copied out of the dispatch table (bounds and host base) and
 * tagged with the generation of the view they came from. Generations are
 * never reused, so a tag that matches the current view's generation names
 * a section of that very view, whose RAM the view keeps alive while we
 * hold the RCU read lock. A hit then costs the tag compare, two range
 * compares and the copy: no lookup, no dereference of the section.
 *
 * This is not the dispatch MRU again: that one returns a section for any
 * kind of access and must be dereferenced; this one only answers "plain
 * RAM, copy from here", and keeps reads and writes apart so that a device
 * reading one buffer and writing another does not thrash it.
 */
/*
 * The per-thread entries live in memcore_fast_v1, which the library
 * exports: the inline code of exec/memory-fast.h checks them before it
 * calls in here. Tags are view generations, which start at 1, so an empty
 * entry (tag 0) never hits.
 */
__thread MemcoreFastPathV1 memcore_fast_v1
    __attribute__((tls_model("initial-exec")));

static inline bool ram_tlb_hit(const MemcoreRamTlbEntry *t, const FlatView *fv,
                               hwaddr addr, hwaddr len)
{
    /*
     * len == 0 makes len - 1 huge and misses, which leaves the slow path
     * to deal with it.
     */
    return t->tag == fv->generation && addr - t->start <= t->last - t->start &&
           len - 1 <= t->last - addr;
}

/*
 * Does @ds serve all of [@addr, @addr + @len)? @len is not 0. The
 * unassigned section must be excluded by hand: its "empty" range (start
 * 1, last 0) makes last - start wrap to 2^64 - 1, so the range compares
 * alone would let it claim an access that runs out of a hole into a
 * region, and that region's bytes would be lost.
 */
static inline bool section_holds(const DispatchSection *ds, hwaddr addr,
                                 hwaddr len)
{
    return ds->fr && addr - ds->start <= ds->last - ds->start &&
           len - 1 <= ds->last - addr;
}

static inline void ram_tlb_fill(MemcoreRamTlbEntry *t, const FlatView *fv,
                                const DispatchSection *ds)
{
    t->tag = fv->generation;
    t->start = ds->start;
    t->last = ds->last;
    t->host_base = ds->host_base;
}

/*
 * Is an access of @len bytes at @addr, inside @ds, one the device takes as
 * it is? @sizes is the section's mmio_direct_read or _write (0 unless the
 * section is MMIO); the alignment that matters is the offset's.
 */
static inline bool mmio_direct_ok(unsigned sizes, const DispatchSection *ds,
                                  hwaddr addr, hwaddr len)
{
    return len <= 8 && ((sizes >> len) & 1) &&
           !((ds->fr->offset_in_region + (addr - ds->start)) & (len - 1));
}

/* ---- the public entry points --------------------------------------------- */

/*
 * The hit paths take the RCU read lock with plain rcu_read_lock(): the
 * registration check of mc_rcu_read_lock() is done first, and a thread
 * that is not registered yet goes round through address_space_*_first().
 * Together with the initial-exec access to liburcu's reader state this
 * leaves no call before the hit test, so the compiler need not save
 * registers on the way in.
 */

/*
 * The part of a read that misses the RAM TLB. Entered with the RCU read
 * lock held; drops it. Kept out of line so that the fast path stays a
 * few instructions long.
 */
static MemTxResult __attribute__((noinline))
address_space_read_slow(AddressSpace *as, FlatView *fv, hwaddr addr,
                        MemTxAttrs attrs, void *buf, hwaddr len)
{
    const DispatchSection *ds;
    MemTxResult r = MEMTX_OK;

    if (unlikely(len == 0)) {
        goto out;
    }
    ds = dispatch_lookup(fv, addr);
    if (likely(section_holds(ds, addr, len))) {
        /* Plain RAM: remember it for next time. */
        if (likely(ds->fast_read)) {
            ram_tlb_fill(&memcore_fast_v1.read, fv, ds);
            memcore_fast_copy(buf, (void *)(ds->host_base + addr), len);
            goto out;
        }
        /*
         * One piece, a device register say: served as flatview_rw() would
         * serve it, without looking the section up again; a register
         * access the device takes as it is goes straight to the call.
         */
        if (mmio_direct_ok(ds->mmio_direct_read, ds, addr, len)) {
            r = mmio_direct_rw(ds->fr->mr,
                               ds->fr->offset_in_region + (addr - ds->start),
                               buf, len, false, attrs);
            goto out;
        }
        r = piece_rw(as, ds, addr, buf, len, false, attrs);
        goto out;
    }
    r = flatview_rw(as, fv, addr, attrs, buf, len, false);
out:
    mc_rcu_read_unlock();
    return r;
}

/* A thread's first access: register it with RCU, then as usual. */
static MemTxResult __attribute__((noinline, cold))
address_space_read_first(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                         void *buf, hwaddr len)
{
    mc_rcu_read_lock();
    return address_space_read_slow(as, address_space_get_flatview_rcu(as),
                                   addr, attrs, buf, len);
}

/*
 * The out-of-line function: what the inline path calls on a miss, and
 * what binaries built without the inline path (or taking its address)
 * call every time. It checks the entry again, which costs little.
 */
MemTxResult(address_space_read)(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, void *buf, hwaddr len)
{
    const MemcoreRamTlbEntry *t = &memcore_fast_v1.read;
    FlatView *fv;

    if (unlikely(!memcore_rcu_registered)) {
        return address_space_read_first(as, addr, attrs, buf, len);
    }
    rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    if (likely(ram_tlb_hit(t, fv, addr, len))) {
        memcore_fast_copy(buf, (void *)(t->host_base + addr), len);
        mc_rcu_read_unlock();
        return MEMTX_OK;
    }
    return address_space_read_slow(as, fv, addr, attrs, buf, len);
}

/* The inline path missed; it holds the read lock, which we drop. */
MemTxResult memcore_fast_read_miss(AddressSpace *as, hwaddr addr,
                                   MemTxAttrs attrs, void *buf, hwaddr len)
{
    return address_space_read_slow(as, address_space_get_flatview_rcu(as),
                                   addr, attrs, buf, len);
}

/* The write counterparts of the above. */
static MemTxResult __attribute__((noinline))
address_space_write_slow(AddressSpace *as, FlatView *fv, hwaddr addr,
                         MemTxAttrs attrs, const void *buf, hwaddr len)
{
    const DispatchSection *ds;
    MemTxResult r = MEMTX_OK;

    if (unlikely(len == 0)) {
        goto out;
    }
    ds = dispatch_lookup(fv, addr);
    if (likely(section_holds(ds, addr, len))) {
        if (likely(ds->fast_write)) {
            ram_tlb_fill(&memcore_fast_v1.write, fv, ds);
            memcore_fast_copy((void *)(ds->host_base + addr), buf, len);
            goto out;
        }
        if (mmio_direct_ok(ds->mmio_direct_write, ds, addr, len)) {
            r = mmio_direct_rw(ds->fr->mr,
                               ds->fr->offset_in_region + (addr - ds->start),
                               (uint8_t *)buf, len, true, attrs);
            goto out;
        }
        r = piece_rw(as, ds, addr, (uint8_t *)buf, len, true, attrs);
        goto out;
    }
    r = flatview_rw(as, fv, addr, attrs, (uint8_t *)buf, len, true);
out:
    mc_rcu_read_unlock();
    return r;
}

static MemTxResult __attribute__((noinline, cold))
address_space_write_first(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                          const void *buf, hwaddr len)
{
    mc_rcu_read_lock();
    return address_space_write_slow(as, address_space_get_flatview_rcu(as),
                                    addr, attrs, buf, len);
}

MemTxResult(address_space_write)(AddressSpace *as, hwaddr addr,
                                 MemTxAttrs attrs, const void *buf, hwaddr len)
{
    const MemcoreRamTlbEntry *t = &memcore_fast_v1.write;
    FlatView *fv;

    if (unlikely(!memcore_rcu_registered)) {
        return address_space_write_first(as, addr, attrs, buf, len);
    }
    rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    if (likely(ram_tlb_hit(t, fv, addr, len))) {
        memcore_fast_copy((void *)(t->host_base + addr), buf, len);
        mc_rcu_read_unlock();
        return MEMTX_OK;
    }
    return address_space_write_slow(as, fv, addr, attrs, buf, len);
}

MemTxResult memcore_fast_write_miss(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len)
{
    return address_space_write_slow(as, address_space_get_flatview_rcu(as),
                                    addr, attrs, buf, len);
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    if (is_write) {
        return address_space_write(as, addr, attrs, buf, len);
    }
    return address_space_read(as, addr, attrs, buf, len);
}

/*
 * address_space_access_valid() answers for guest-chosen lengths, so the
 * work it does per section is bounded: past this many IOMMU pages it says
 * "not valid" rather than spend the time.
 */
#define ACCESS_VALID_MAX_PIECES (1u << 20)

static MemTxResult piece_check(const DispatchSection *ds, hwaddr addr,
                               hwaddr len, bool is_write, MemTxAttrs attrs)
{
    SectionKind kind = is_write ? ds->write_kind : ds->read_kind;
    MemoryRegion *mr = ds->fr ? ds->fr->mr : NULL;

    switch (kind) {
    case SEC_RAM:
        return !ds->private_mem || attrs.private_mem ? MEMTX_OK :
                                                       MEMTX_DECODE_ERROR;
    case SEC_ON_DEMAND:
        /* The region knows best; one that cannot say is taken at its word. */
        if (!mr->ops->access_check) {
            return MEMTX_OK;
        }
        return mr->ops->access_check(mr->opaque,
                                     ds->fr->offset_in_region +
                                         (addr - ds->start),
                                     len, is_write, attrs);
    case SEC_IOMMU: {
        unsigned pages = 0;

        while (len) {
            AddressSpace *target;
            hwaddr l = len, xlat;
            MemTxResult r;

            /*
             * One translation per IOMMU page: a guest-chosen length must
             * not buy unbounded work. Longer ranges are not vouched for.
             */
            if (++pages > ACCESS_VALID_MAX_PIECES) {
                return MEMTX_ERROR;
            }
            r = iommu_translate_piece(ds, addr, &l, is_write, attrs, &target,
                                      &xlat);
            if (r != MEMTX_OK) {
                return r;
            }
            if (!iommu_enter()) {
                return MEMTX_DECODE_ERROR; /* as iommu_rw() answers */
            }
            r = address_space_access_check(target, xlat, l, is_write, attrs);
            iommu_exit();
            if (r != MEMTX_OK) {
                return r;
            }
            len -= l;
            addr += l;
        }
        return MEMTX_OK;
    }
    case SEC_MMIO:
        return mmio_range_valid(mr,
                                ds->fr->offset_in_region + (addr - ds->start),
                                len, is_write, attrs) ?
                   MEMTX_OK :
                   MEMTX_DECODE_ERROR;
    default:
        return MEMTX_DECODE_ERROR;
    }
}

MemTxResult address_space_access_check(AddressSpace *as, hwaddr addr,
                                       hwaddr len, bool is_write,
                                       MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;
    FlatView *fv;

    if (len == 0) {
        return MEMTX_OK;
    }
    if (addr + (len - 1) < addr) {
        return MEMTX_DECODE_ERROR; /* would wrap past 2^64 */
    }
    mc_rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    while (len && r == MEMTX_OK) {
        const DispatchSection *ds = dispatch_lookup(fv, addr);
        uint64_t last;
        hwaddr l;

        if (!ds->fr) {
            r = MEMTX_DECODE_ERROR;
            break;
        }
        last = ds->last;
        l = (len - 1 <= last - addr) ? len : last - addr + 1;
        r = piece_check(ds, addr, l, is_write, attrs);
        len -= l;
        addr += l;
    }
    mc_rcu_read_unlock();
    return r;
}

bool address_space_access_valid(AddressSpace *as, hwaddr addr, hwaddr len,
                                bool is_write, MemTxAttrs attrs)
{
    return address_space_access_check(as, addr, len, is_write, attrs) ==
           MEMTX_OK;
}
