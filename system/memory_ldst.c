/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_space_ld*()/st*(): one value in a given byte order.
 *
 * The inline versions in exec/memory-fast.h serve RAM hits; these serve
 * the rest through address_space_read()/write(), whose slow path splits
 * and checks as usual.
 */
#include "memory-internal.h"

static inline void set_result(MemTxResult *result, MemTxResult r)
{
    if (result) {
        *result = r;
    }
}

/*
 * The out-of-line accessors: what the inline ones of exec/memory-fast.h
 * call on a miss. One copy of the value's size and at most one byte swap;
 * a failed load returns 0.
 */
#define DEFINE_LDST(ldname, stname, type, bits, order)                        \
    type(address_space_##ldname)(AddressSpace * as, hwaddr addr,              \
                                 MemTxAttrs attrs, MemTxResult * result)      \
    {                                                                         \
        type v;                                                               \
        MemTxResult r = (address_space_read)(as, addr, attrs, &v, sizeof(v)); \
                                                                              \
        set_result(result, r);                                                \
        return r == MEMTX_OK ? order(bits, v) : 0;                            \
    }                                                                         \
    void(address_space_##stname)(AddressSpace * as, hwaddr addr, type val,    \
                                 MemTxAttrs attrs, MemTxResult * result)      \
    {                                                                         \
        type v = order(bits, val);                                            \
                                                                              \
        set_result(result,                                                    \
                   (address_space_write)(as, addr, attrs, &v, sizeof(v)));    \
    }

MEMCORE_FOR_EACH_LDST(DEFINE_LDST)

/* ---- through a MemoryRegionCache ---------------------------------------- */

#define DEFINE_LDST_CACHED(ldname, stname, type, bits, order)               \
    type address_space_##ldname##_cached(MemoryRegionCache *cache,          \
                                         hwaddr addr, MemTxAttrs attrs,     \
                                         MemTxResult *result)               \
    {                                                                       \
        type v;                                                             \
        MemTxResult r = address_space_read_cached(cache, addr, &v,          \
                                                  sizeof(v));               \
                                                                            \
        set_result(result, r);                                              \
        return r == MEMTX_OK ? order(bits, v) : 0;                          \
    }                                                                       \
    void address_space_##stname##_cached(MemoryRegionCache *cache,          \
                                         hwaddr addr, type val,             \
                                         MemTxAttrs attrs,                  \
                                         MemTxResult *result)               \
    {                                                                       \
        type v = order(bits, val);                                          \
                                                                            \
        set_result(result,                                                  \
                   address_space_write_cached(cache, addr, &v, sizeof(v))); \
    }

DEFINE_LDST_CACHED(ldub, stb, uint8_t, 8, MEMCORE_NONE)
DEFINE_LDST_CACHED(lduw_le, stw_le, uint16_t, 16, MEMCORE_LE)
DEFINE_LDST_CACHED(ldl_le, stl_le, uint32_t, 32, MEMCORE_LE)
DEFINE_LDST_CACHED(ldq_le, stq_le, uint64_t, 64, MEMCORE_LE)
