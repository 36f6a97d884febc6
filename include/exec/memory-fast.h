/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inline RAM fast path of address_space_read/write() and of the
 * address_space_ld*()/st*() accessors. Included by exec/memory.h; not
 * meant to be included on its own.
 *
 * Most accesses a device model makes are a few bytes to or from plain
 * RAM. Each thread keeps, in a structure the library exports, the last
 * plain-RAM section it read and the last it wrote: guest bounds, host base
 * and a tag naming the flat view they came from. The code below, inlined
 * into the caller, checks the entry against the address space's tag and
 * copies; anything else (a miss, MMIO, a split access, a thread's first
 * access) calls the library, which serves the access and refills the
 * entry.
 *
 * What compiled code depends on (ABI version 1; docs/devel/performance.rst
 * has the long form):
 *  - the layout of MemcoreFastPathV1 and the thread-local symbol
 *    memcore_fast_v1 that holds it;
 *  - AddressSpace.fast_tag: the tag of the space's current view, never 0
 *    while the space is initialised;
 *  - memcore_fast_read_miss()/memcore_fast_write_miss(), entered with the
 *    read lock the inline code took;
 *  - liburcu's memb flavour read lock (the library is built with it and
 *    its soname versions that ABI).
 * A future library that lays its per-thread cache out differently exports
 * it under a new name (memcore_fast_v2) and stops filling memcore_fast_v1.
 * A binary built against this header then finds an empty entry (tag 0)
 * on every access and takes the out-of-line call, which is always
 * correct: old binaries keep working, only without the inline hit.
 *
 * The rules that make a hit safe:
 *  - view tags (generations) are never reused, so an entry whose tag
 *    equals as->fast_tag describes a section of a view that is current or
 *    was current when this thread's RCU read lock was taken;
 *  - the host memory of such a view stays mapped until a grace period
 *    after the view is retired, and the inline path holds the read lock
 *    across the check and the copy;
 *  - entries are only filled where the library itself would copy with
 *    no further check: RAM that is not private (ROM for reads only), never
 *    a RAM-device region, MMIO or anything mapped on demand; so a hit
 *    needs no attribute or kind check.
 */
#ifndef EXEC_MEMORY_FAST_H
#define EXEC_MEMORY_FAST_H

#include <string.h>
#include <urcu/urcu-memb.h>

#include "exec/memcore-atomic.h"

/*
 * ThreadSanitizer cannot see the ordering liburcu provides; the library
 * tells it where that ordering matters, around its own read-side
 * sections. In a TSan build the accessors are therefore the plain calls.
 * An embedder may ask for the same with MEMCORE_NO_INLINE_FAST_PATH.
 */
#if defined(__SANITIZE_THREAD__)
#define MEMCORE_NO_INLINE_FAST_PATH 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMCORE_NO_INLINE_FAST_PATH 1
#endif
#endif

/* The point is to have no call on a hit: inline whatever the optimiser says. */
#define MEMCORE_FAST_INLINE static inline __attribute__((always_inline))

/**
 * struct MemcoreRamTlbEntry - one cached plain-RAM section (ABI v1).
 * @tag: generation of the view the entry came from; 0: empty.
 * @start: first guest address the entry serves.
 * @last: last guest address the entry serves (inclusive).
 * @host_base: host address of guest address 0 for this section, so that
 *             host_base + addr is the byte at guest address addr.
 */
typedef struct MemcoreRamTlbEntry {
    uint64_t tag;
    uint64_t start;
    uint64_t last;
    uintptr_t host_base;
} MemcoreRamTlbEntry;

/**
 * struct MemcoreFastPathV1 - a thread's RAM fast-path cache (ABI v1).
 * @read: the section the thread last read from plain RAM.
 * @write: the section the thread last wrote to plain RAM.
 *
 * Written only by the owning thread, inside libmemcore; read by the
 * inline code below. Treat it as opaque.
 */
typedef struct MemcoreFastPathV1 {
    MemcoreRamTlbEntry read;
    MemcoreRamTlbEntry write;
} MemcoreFastPathV1;

/*
 * The library is a load-time dependency of whatever uses this header, so
 * its TLS sits in the static block and one %fs-relative load reaches it.
 */
extern __thread MemcoreFastPathV1 memcore_fast_v1
    __attribute__((tls_model("initial-exec")));

/* A move of the size asked for; 1/2/4/8 are single loads and stores. */
MEMCORE_FAST_INLINE void memcore_fast_copy(void *dst, const void *src,
                                           hwaddr len)
{
    switch (len) {
    case 1:
        memcpy(dst, src, 1);
        break;
    case 2:
        memcpy(dst, src, 2);
        break;
    case 4:
        memcpy(dst, src, 4);
        break;
    case 8:
        memcpy(dst, src, 8);
        break;
    default:
        memcpy(dst, src, len);
        break;
    }
}

/**
 * memcore_fast_read_miss() - the rest of a read the inline path missed.
 * @as: the address space.
 * @addr: start.
 * @attrs: attributes.
 * @buf: receives @len bytes.
 * @len: any value.
 *
 * Part of the fast-path ABI v1: called by the inline code with the RCU
 * read lock it took still held (the thread is registered, since its entry
 * was filled); serves the access as address_space_read() does, refills
 * the entry, and drops the lock.
 *
 * Return: as address_space_read().
 */
MemTxResult memcore_fast_read_miss(AddressSpace *as, hwaddr addr,
                                   MemTxAttrs attrs, void *buf, hwaddr len);

/**
 * memcore_fast_write_miss() - the rest of a write the inline path missed.
 * @as: the address space.
 * @addr: start.
 * @attrs: attributes.
 * @buf: @len bytes.
 * @len: any value.
 *
 * As memcore_fast_read_miss(), for address_space_write().
 *
 * Return: as address_space_write().
 */
MemTxResult memcore_fast_write_miss(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len);

/*
 * Does @e cover [@addr, @addr + @len) in the current view of @as? Called
 * with the read lock held. len == 0 makes len - 1 huge and misses (the
 * library answers it); an access past the end of the entry misses and is
 * cut there.
 */
MEMCORE_FAST_INLINE bool memcore_fast_hit(AddressSpace *as,
                                          const MemcoreRamTlbEntry *e,
                                          hwaddr addr, hwaddr len)
{
    return e->tag == qatomic_read(&as->fast_tag) &&
           addr - e->start <= e->last - e->start && len - 1 <= e->last - addr;
}

/*
 * A thread that never accessed memory through memcore has empty entries
 * (tag 0) and is not yet an RCU reader, so it must not take the read
 * lock: it goes to the library, which registers it. Otherwise the lock is
 * taken, and on a miss handed over to the _miss() call with it.
 */
MEMCORE_FAST_INLINE MemTxResult memcore_fast_read(AddressSpace *as,
                                                  hwaddr addr,
                                                  MemTxAttrs attrs, void *buf,
                                                  hwaddr len)
{
    const MemcoreRamTlbEntry *e = &memcore_fast_v1.read;

    if (__builtin_expect(e->tag == 0, 0)) {
        return (address_space_read)(as, addr, attrs, buf, len);
    }
    urcu_memb_read_lock();
    if (__builtin_expect(memcore_fast_hit(as, e, addr, len), 1)) {
        memcore_fast_copy(buf, (void *)(e->host_base + (uintptr_t)addr), len);
        urcu_memb_read_unlock();
        return MEMTX_OK;
    }
    return memcore_fast_read_miss(as, addr, attrs, buf, len);
}

MEMCORE_FAST_INLINE MemTxResult memcore_fast_write(AddressSpace *as,
                                                   hwaddr addr,
                                                   MemTxAttrs attrs,
                                                   const void *buf, hwaddr len)
{
    const MemcoreRamTlbEntry *e = &memcore_fast_v1.write;

    if (__builtin_expect(e->tag == 0, 0)) {
        return (address_space_write)(as, addr, attrs, buf, len);
    }
    urcu_memb_read_lock();
    if (__builtin_expect(memcore_fast_hit(as, e, addr, len), 1)) {
        memcore_fast_copy((void *)(e->host_base + (uintptr_t)addr), buf, len);
        urcu_memb_read_unlock();
        return MEMTX_OK;
    }
    return memcore_fast_write_miss(as, addr, attrs, buf, len);
}

#ifndef MEMCORE_NO_INLINE_FAST_PATH
#define address_space_read(as, addr, attrs, buf, len) \
    memcore_fast_read(as, addr, attrs, buf, len)
#define address_space_write(as, addr, attrs, buf, len) \
    memcore_fast_write(as, addr, attrs, buf, len)
#endif

/*
 * Byte order of the accessors. Values are assembled with one load and,
 * where the orders differ, one byte swap.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MEMCORE_LE(bits, v) (v)
#define MEMCORE_BE(bits, v) __builtin_bswap##bits(v)
#else
#define MEMCORE_LE(bits, v) __builtin_bswap##bits(v)
#define MEMCORE_BE(bits, v) (v)
#endif
#define MEMCORE_NONE(bits, v) (v)

/*
 * The inline ld/st: the value is read or written in place through the
 * paths above, so a hit costs what an inline read costs, a miss one call.
 * A failed load returns 0, as the out-of-line accessors do.
 */
#define MEMCORE_FAST_LDST(ldname, stname, type, bits, order)                \
    MEMCORE_FAST_INLINE type memcore_fast_##ldname(AddressSpace *as,        \
                                                   hwaddr addr,             \
                                                   MemTxAttrs attrs,        \
                                                   MemTxResult *result)     \
    {                                                                       \
        type v;                                                             \
        MemTxResult r = memcore_fast_read(as, addr, attrs, &v, sizeof(v));  \
                                                                            \
        if (result) {                                                       \
            *result = r;                                                    \
        }                                                                   \
        return __builtin_expect(r == MEMTX_OK, 1) ? order(bits, v) : 0;     \
    }                                                                       \
    MEMCORE_FAST_INLINE void memcore_fast_##stname(AddressSpace *as,        \
                                                   hwaddr addr, type val,   \
                                                   MemTxAttrs attrs,        \
                                                   MemTxResult *result)     \
    {                                                                       \
        type v = order(bits, val);                                          \
        MemTxResult r = memcore_fast_write(as, addr, attrs, &v, sizeof(v)); \
                                                                            \
        if (result) {                                                       \
            *result = r;                                                    \
        }                                                                   \
    }

/*
 * Every ld/st pair: names, value type, width in bits, byte order. The
 * library defines the out-of-line functions from the same list.
 */
#define MEMCORE_FOR_EACH_LDST(X)                 \
    X(ldub, stb, uint8_t, 8, MEMCORE_NONE)       \
    X(lduw_le, stw_le, uint16_t, 16, MEMCORE_LE) \
    X(lduw_be, stw_be, uint16_t, 16, MEMCORE_BE) \
    X(ldl_le, stl_le, uint32_t, 32, MEMCORE_LE)  \
    X(ldl_be, stl_be, uint32_t, 32, MEMCORE_BE)  \
    X(ldq_le, stq_le, uint64_t, 64, MEMCORE_LE)  \
    X(ldq_be, stq_be, uint64_t, 64, MEMCORE_BE)

MEMCORE_FOR_EACH_LDST(MEMCORE_FAST_LDST)

#ifndef MEMCORE_NO_INLINE_FAST_PATH
#define address_space_ldub(as, a, at, r) memcore_fast_ldub(as, a, at, r)
#define address_space_lduw_le(as, a, at, r) memcore_fast_lduw_le(as, a, at, r)
#define address_space_lduw_be(as, a, at, r) memcore_fast_lduw_be(as, a, at, r)
#define address_space_ldl_le(as, a, at, r) memcore_fast_ldl_le(as, a, at, r)
#define address_space_ldl_be(as, a, at, r) memcore_fast_ldl_be(as, a, at, r)
#define address_space_ldq_le(as, a, at, r) memcore_fast_ldq_le(as, a, at, r)
#define address_space_ldq_be(as, a, at, r) memcore_fast_ldq_be(as, a, at, r)
#define address_space_stb(as, a, v, at, r) memcore_fast_stb(as, a, v, at, r)
#define address_space_stw_le(as, a, v, at, r) \
    memcore_fast_stw_le(as, a, v, at, r)
#define address_space_stw_be(as, a, v, at, r) \
    memcore_fast_stw_be(as, a, v, at, r)
#define address_space_stl_le(as, a, v, at, r) \
    memcore_fast_stl_le(as, a, v, at, r)
#define address_space_stl_be(as, a, v, at, r) \
    memcore_fast_stl_be(as, a, v, at, r)
#define address_space_stq_le(as, a, v, at, r) \
    memcore_fast_stq_le(as, a, v, at, r)
#define address_space_stq_be(as, a, v, at, r) \
    memcore_fast_stq_be(as, a, v, at, r)
#endif

#endif /* EXEC_MEMORY_FAST_H */
