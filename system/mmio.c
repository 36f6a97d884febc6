/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sized accesses to device callbacks: validity rules, adapting to what
 * the callbacks implement, byte order, and the re-entrancy guard.
 *
 * Everything here runs on the reader side: no memcore lock is held, only
 * the RCU read lock of the caller.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "memory-internal.h"
#include "trace.h"

/*
 * Re-entrancy. Each thread keeps the guards of the devices whose callbacks
 * it is running. Entering a device already on the list is refused; so is
 * nesting deeper than MMIO_MAX_NESTING, whatever the devices, which bounds
 * the stack even for devices without a guard.
 */
#define MMIO_MAX_NESTING 16

/* initial-exec: one %fs load, not a __tls_get_addr() call per access. */
static __thread MemReentrancyGuard *active_guards[MMIO_MAX_NESTING]
    __attribute__((tls_model("initial-exec")));
static __thread unsigned mmio_depth __attribute__((tls_model("initial-exec")));
static bool depth_logged;

static MemTxResult guard_refuse(MemoryRegion *mr, MemReentrancyGuard *g)
{
    trace_memory_region_reentrancy_refused(mr, g && g->name ? g->name : "",
                                           mmio_depth);
    if (g) {
        qatomic_fetch_add_relaxed(&g->refused, 1);
        if (!qatomic_xchg_relaxed(&g->logged, true)) {
            g_printerr("memcore: refused re-entrant access to '%s' "
                       "(device %s): its MMIO is already running on this "
                       "thread\n",
                       mr->name, g->name ? g->name : "?");
        }
    } else if (!qatomic_xchg_relaxed(&depth_logged, true)) {
        g_printerr("memcore: refused access to '%s': MMIO callbacks nested "
                   "more than %d deep\n",
                   mr->name, MMIO_MAX_NESTING);
    }
    return MEMTX_ACCESS_ERROR;
}

static MemTxResult guard_enter(MemoryRegion *mr)
{
    MemReentrancyGuard *g = mr->disable_reentrancy_guard ?
                                NULL :
                                mr->dev_reentrancy_guard;
    unsigned i;

    if (mmio_depth >= MMIO_MAX_NESTING) {
        return guard_refuse(mr, NULL);
    }
    if (g) {
        for (i = 0; i < mmio_depth; i++) {
            if (active_guards[i] == g) {
                return guard_refuse(mr, g);
            }
        }
    }
    active_guards[mmio_depth++] = g;
    return MEMTX_OK;
}

static void guard_exit(void)
{
    mmio_depth--;
}

/* ---- byte order ---------------------------------------------------------- */

static bool mr_big_endian(MemoryRegion *mr)
{
    enum device_endian e = mr->ops ? mr->ops->endianness :
                                     DEVICE_NATIVE_ENDIAN;

    if (e == DEVICE_NATIVE_ENDIAN) {
        return G_BYTE_ORDER == G_BIG_ENDIAN;
    }
    return e == DEVICE_BIG_ENDIAN;
}

/*
 * One load or store of the access's size and at most one byte swap: these
 * run on every MMIO access, and a byte loop was a visible part of it.
 */
uint64_t mmio_bytes_to_value(MemoryRegion *mr, const uint8_t *buf,
                             unsigned size)
{
    bool swap = mr_big_endian(mr) != (G_BYTE_ORDER == G_BIG_ENDIAN);
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    switch (size) {
    case 1:
        return buf[0];
    case 2:
        memcpy(&v16, buf, 2);
        return swap ? GUINT16_SWAP_LE_BE(v16) : v16;
    case 4:
        memcpy(&v32, buf, 4);
        return swap ? GUINT32_SWAP_LE_BE(v32) : v32;
    default:
        g_assert(size == 8);
        memcpy(&v64, buf, 8);
        return swap ? GUINT64_SWAP_LE_BE(v64) : v64;
    }
}

void mmio_value_to_bytes(MemoryRegion *mr, uint64_t val, uint8_t *buf,
                         unsigned size)
{
    bool swap = mr_big_endian(mr) != (G_BYTE_ORDER == G_BIG_ENDIAN);
    uint16_t v16 = val;
    uint32_t v32 = val;

    switch (size) {
    case 1:
        buf[0] = val;
        break;
    case 2:
        v16 = swap ? GUINT16_SWAP_LE_BE(v16) : v16;
        memcpy(buf, &v16, 2);
        break;
    case 4:
        v32 = swap ? GUINT32_SWAP_LE_BE(v32) : v32;
        memcpy(buf, &v32, 4);
        break;
    default:
        g_assert(size == 8);
        val = swap ? GUINT64_SWAP_LE_BE(val) : val;
        memcpy(buf, &val, 8);
        break;
    }
}

/* ---- RAM-device regions -------------------------------------------------- */

/*
 * A RAM-device region is host memory that is really a device (an mmap of
 * a BAR): memcpy's access sizes are wrong there. As in QEMU, accesses are
 * served as I/O with loads and stores of exactly the width asked for, in
 * the host's byte order; unaligned ones are passed on as they are (packed
 * access: one unaligned load on x86, split by the compiler where the host
 * needs it).
 */
typedef struct {
    uint16_t v;
} __attribute__((packed)) RamdU16;
typedef struct {
    uint32_t v;
} __attribute__((packed)) RamdU32;
typedef struct {
    uint64_t v;
} __attribute__((packed)) RamdU64;

static uint64_t ram_device_read(void *opaque, hwaddr addr, unsigned size)
{
    const volatile uint8_t *p = ((MemoryRegion *)opaque)->ram_block + addr;

    switch (size) {
    case 1:
        return *p;
    case 2:
        return ((const volatile RamdU16 *)p)->v;
    case 4:
        return ((const volatile RamdU32 *)p)->v;
    default:
        return ((const volatile RamdU64 *)p)->v;
    }
}

static void ram_device_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size)
{
    volatile uint8_t *p = ((MemoryRegion *)opaque)->ram_block + addr;

    switch (size) {
    case 1:
        *p = data;
        break;
    case 2:
        ((volatile RamdU16 *)p)->v = data;
        break;
    case 4:
        ((volatile RamdU32 *)p)->v = data;
        break;
    default:
        ((volatile RamdU64 *)p)->v = data;
        break;
    }
}

const MemoryRegionOps ram_device_ops = {
    .read = ram_device_read,
    .write = ram_device_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* ---- validity and sizing ------------------------------------------------- */

static inline unsigned pow2floor_u(unsigned v)
{
    return v ? 1u << (31 - __builtin_clz(v)) : 0;
}

unsigned mmio_access_size(MemoryRegion *mr, hwaddr addr, hwaddr len)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned max = ops->valid.max_access_size ? ops->valid.max_access_size : 4;

    if (max > 8) {
        max = 8;
    }
    if (!ops->impl.unaligned) {
        hwaddr align = addr & -addr; /* 0 for addr 0: any alignment */

        if (align && align < max) {
            max = align;
        }
    }
    if (len < max) {
        max = len;
    }
    return pow2floor_u(max);
}

static bool mmio_access_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                              bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (!ops) {
        return false;
    }
    if (ops->valid.accepts &&
        !ops->valid.accepts(mr->opaque, addr, size, is_write, attrs)) {
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        return false;
    }
    if (!ops->valid.max_access_size) {
        return true; /* zero means every size is fine */
    }
    return size <= ops->valid.max_access_size &&
           size >= MAX(ops->valid.min_access_size, 1u);
}

/* ---- calling the device ------------------------------------------------- */

static MemTxResult call_read(MemoryRegion *mr, hwaddr addr, uint64_t *v,
                             unsigned size, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->read_with_attrs) {
        return ops->read_with_attrs(mr->opaque, addr, v, size, attrs);
    }
    if (ops->read) {
        *v = ops->read(mr->opaque, addr, size);
        return MEMTX_OK;
    }
    *v = 0;
    return MEMTX_DECODE_ERROR;
}

static MemTxResult call_write(MemoryRegion *mr, hwaddr addr, uint64_t v,
                              unsigned size, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->write_with_attrs) {
        return ops->write_with_attrs(mr->opaque, addr, v, size, attrs);
    }
    if (ops->write) {
        ops->write(mr->opaque, addr, v, size);
        return MEMTX_OK;
    }
    return MEMTX_DECODE_ERROR;
}

typedef struct ImplSizes {
    unsigned min, max;
} ImplSizes;

static ImplSizes impl_sizes(MemoryRegion *mr)
{
    ImplSizes s = {
        .min = MAX(mr->ops->impl.min_access_size, 1u),
        .max = mr->ops->impl.max_access_size ? mr->ops->impl.max_access_size :
                                               4,
    };

    return s;
}

/*
 * A valid access of @size bytes, adapted to what the callbacks implement:
 *  - wider than impl.max: several calls, each impl.max wide, assembled in
 *    the device's byte order;
 *  - narrower than impl.min: one impl.min-wide call at the aligned address
 *    below; a read extracts our bytes, a write sends them in position with
 *    the other bytes zero (the device sees a wider write, as in QEMU).
 */
static MemTxResult adjusted_read(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                                 unsigned size, MemTxAttrs attrs)
{
    ImplSizes impl = impl_sizes(mr);
    bool be = mr_big_endian(mr);
    MemTxResult r = MEMTX_OK;
    uint64_t v;
    unsigned i;

    if (size >= impl.min && size <= impl.max) {
        return call_read(mr, addr, data, size, attrs);
    }
    if (size < impl.min) {
        hwaddr base = addr & ~(hwaddr)(impl.min - 1);
        unsigned pos = addr - base;
        unsigned shift = be ? (impl.min - size - pos) * 8 : pos * 8;

        r = call_read(mr, base, &v, impl.min, attrs);
        *data = (v >> shift) & (~0ULL >> (64 - size * 8));
        return r;
    }
    *data = 0;
    for (i = 0; i < size; i += impl.max) {
        unsigned shift = be ? (size - impl.max - i) * 8 : i * 8;

        r |= call_read(mr, addr + i, &v, impl.max, attrs);
        *data |= (v & (~0ULL >> (64 - impl.max * 8))) << shift;
    }
    return r;
}

static MemTxResult adjusted_write(MemoryRegion *mr, hwaddr addr, uint64_t data,
                                  unsigned size, MemTxAttrs attrs)
{
    ImplSizes impl = impl_sizes(mr);
    bool be = mr_big_endian(mr);
    MemTxResult r = MEMTX_OK;
    unsigned i;

    if (size >= impl.min && size <= impl.max) {
        return call_write(mr, addr, data, size, attrs);
    }
    if (size < impl.min) {
        hwaddr base = addr & ~(hwaddr)(impl.min - 1);
        unsigned pos = addr - base;
        unsigned shift = be ? (impl.min - size - pos) * 8 : pos * 8;
        uint64_t mask = ~0ULL >> (64 - size * 8);

        return call_write(mr, base, (data & mask) << shift, impl.min, attrs);
    }
    for (i = 0; i < size; i += impl.max) {
        unsigned shift = be ? (size - impl.max - i) * 8 : i * 8;

        r |= call_write(mr, addr + i, data >> shift, impl.max, attrs);
    }
    return r;
}

static inline MemTxResult dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs)
{
    MemTxResult r;

    *data = 0;
    if (!mmio_access_valid(mr, addr, size, false, attrs)) {
        return MEMTX_DECODE_ERROR;
    }
    r = guard_enter(mr);
    if (r != MEMTX_OK) {
        return r;
    }
    r = adjusted_read(mr, addr, data, size, attrs);
    guard_exit();
    trace_memory_region_ops_read(mr, addr, *data, size, r);
    return r;
}

static inline MemTxResult dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs)
{
    MemTxResult r;

    if (!mmio_access_valid(mr, addr, size, true, attrs)) {
        return MEMTX_DECODE_ERROR;
    }
    r = guard_enter(mr);
    if (r != MEMTX_OK) {
        return r;
    }
    r = adjusted_write(mr, addr, data, size, attrs);
    guard_exit();
    trace_memory_region_ops_write(mr, addr, data, size, r);
    return r;
}

MemTxResult mmio_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                               unsigned size, MemTxAttrs attrs)
{
    return dispatch_read(mr, addr, data, size, attrs);
}

MemTxResult mmio_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t data,
                                unsigned size, MemTxAttrs attrs)
{
    return dispatch_write(mr, addr, data, size, attrs);
}

/* ---- direct accesses ------------------------------------------------------ */

/*
 * Most device registers are read and written at their own size and
 * alignment, by a device that asks no accepts() question and implements
 * that size itself. For those, the valid and impl rules always say "one
 * call, as it is"; the dispatch table records the sizes where that holds
 * (once per render), and the read path skips straight to the call. What
 * is never skipped: the re-entrancy guard, the trace points and the byte
 * order.
 */
unsigned mmio_direct_sizes(const MemoryRegion *mr, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned vmin, vmax, imin, imax, sizes = 0;

    if (!ops || ops->valid.accepts) {
        return 0;
    }
    if (is_write ? !(ops->write || ops->write_with_attrs) :
                   !(ops->read || ops->read_with_attrs)) {
        return 0;
    }
    /*
     * mmio_rw() cuts at valid.max_access_size (4 when 0); within that a
     * zero max accepts every size, otherwise min..max does.
     */
    vmax = ops->valid.max_access_size ? ops->valid.max_access_size : 4;
    vmin = ops->valid.max_access_size ? MAX(ops->valid.min_access_size, 1u) :
                                        1;
    imin = MAX(ops->impl.min_access_size, 1u);
    imax = ops->impl.max_access_size ? ops->impl.max_access_size : 4;
    for (unsigned s = 1; s <= 8; s <<= 1) {
        if (s >= vmin && s <= vmax && s >= imin && s <= imax) {
            sizes |= 1u << s;
        }
    }
    return sizes;
}

MemTxResult mmio_direct_rw(MemoryRegion *mr, hwaddr offset, uint8_t *buf,
                           unsigned size, bool is_write, MemTxAttrs attrs)
{
    MemTxResult r = guard_enter(mr);
    uint64_t v;

    if (unlikely(r != MEMTX_OK)) {
        if (!is_write) {
            memset(buf, 0, size);
        }
        return r;
    }
    if (is_write) {
        v = mmio_bytes_to_value(mr, buf, size);
        r = call_write(mr, offset, v, size, attrs);
        guard_exit();
        trace_memory_region_ops_write(mr, offset, v, size, r);
        return r;
    }
    r = call_read(mr, offset, &v, size, attrs);
    guard_exit();
    trace_memory_region_ops_read(mr, offset, v, size, r);
    mmio_value_to_bytes(mr, v, buf, size);
    return r;
}

/* One piece: bytes in memory order to and from the device's value. */
static inline MemTxResult mmio_piece(MemoryRegion *mr, hwaddr offset,
                                     uint8_t *buf, unsigned l, bool is_write,
                                     MemTxAttrs attrs)
{
    uint64_t v;
    MemTxResult r;

    if (is_write) {
        v = mmio_bytes_to_value(mr, buf, l);
        return dispatch_write(mr, offset, v, l, attrs);
    }
    r = dispatch_read(mr, offset, &v, l, attrs);
    mmio_value_to_bytes(mr, v, buf, l);
    return r;
}

MemTxResult mmio_rw(MemoryRegion *mr, hwaddr offset, uint8_t *buf, hwaddr len,
                    bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned max = ops->valid.max_access_size ? ops->valid.max_access_size : 4;
    MemTxResult r = MEMTX_OK;

    /*
     * The common case, a register access of 1, 2, 4 or 8 bytes at an
     * address aligned to its size: it is one piece, whatever
     * mmio_access_size() would say.
     */
    if (likely(len <= max && len <= 8 && !(len & (len - 1)) &&
               !(offset & (len - 1)))) {
        return mmio_piece(mr, offset, buf, len, is_write, attrs);
    }
    while (len) {
        unsigned l = mmio_access_size(mr, offset, len);

        r |= mmio_piece(mr, offset, buf, l, is_write, attrs);
        buf += l;
        offset += l;
        len -= l;
    }
    return r;
}

/*
 * Would an access of @len bytes at @addr pass the valid rules, piece by
 * piece as mmio_rw() would cut it? @len comes from the guest and may be
 * huge, so the work must not grow with it. Pieces are cut greedily: a
 * few small ones until @addr is aligned, then a run of identical
 * max-sized aligned pieces, then a few small ones for the remainder. When
 * the device has no accepts() callback, the pieces of that run all get
 * the same answer, so one stands for all. With accepts(), the device must
 * be asked about every piece; past MMIO_VALID_MAX_ASKS the answer is a
 * conservative "no".
 */
#define MMIO_VALID_MAX_ASKS (1u << 16)

bool mmio_range_valid(MemoryRegion *mr, hwaddr offset, hwaddr len,
                      bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned asks = 0;

    if (!ops) {
        return false;
    }
    while (len) {
        unsigned l = mmio_access_size(mr, offset, len);

        if (!mmio_access_valid(mr, offset, l, is_write, attrs)) {
            return false;
        }
        if (ops->valid.accepts && ++asks > MMIO_VALID_MAX_ASKS) {
            return false;
        }
        len -= l;
        offset += l;
        if (!ops->valid.accepts && len > 2 * (hwaddr)l &&
            mmio_access_size(mr, offset, len) == l) {
            /* Inside the uniform run: skip to its last piece. */
            hwaddr skip = (len / l - 1) * l;

            len -= skip;
            offset += skip;
        }
    }
    return true;
}
