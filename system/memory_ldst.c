/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_space_ld*()/st*(): one value in a given byte order.
 *
 * They go through address_space_read()/write(), whose RAM fast path makes
 * them cheap, and whose slow path splits and checks as usual.
 */
#include "memory-internal.h"

static inline void set_result(MemTxResult *result, MemTxResult r)
{
    if (result) {
        *result = r;
    }
}

static uint64_t ld_bytes(const uint8_t *b, unsigned size, bool be)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (be ? (size - 1 - i) * 8 : i * 8);
    }
    return v;
}

static void st_bytes(uint8_t *b, uint64_t v, unsigned size, bool be)
{
    unsigned i;

    for (i = 0; i < size; i++) {
        b[i] = v >> (be ? (size - 1 - i) * 8 : i * 8);
    }
}

static uint64_t ld_common(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                          MemTxResult *result, unsigned size, bool be)
{
    uint8_t b[8];
    MemTxResult r = address_space_read(as, addr, attrs, b, size);

    set_result(result, r);
    return r == MEMTX_OK ? ld_bytes(b, size, be) : 0;
}

static void st_common(AddressSpace *as, hwaddr addr, uint64_t val,
                      MemTxAttrs attrs, MemTxResult *result, unsigned size,
                      bool be)
{
    uint8_t b[8];

    st_bytes(b, val, size, be);
    set_result(result, address_space_write(as, addr, attrs, b, size));
}

#define DEFINE_LDST(ldname, stname, type, size, be)                        \
    type address_space_##ldname(AddressSpace *as, hwaddr addr,            \
                                MemTxAttrs attrs, MemTxResult *result)     \
    {                                                                      \
        return ld_common(as, addr, attrs, result, size, be);               \
    }                                                                      \
    void address_space_##stname(AddressSpace *as, hwaddr addr, type val,   \
                                MemTxAttrs attrs, MemTxResult *result)     \
    {                                                                      \
        st_common(as, addr, val, attrs, result, size, be);                 \
    }

DEFINE_LDST(ldub, stb, uint8_t, 1, false)
DEFINE_LDST(lduw_le, stw_le, uint16_t, 2, false)
DEFINE_LDST(lduw_be, stw_be, uint16_t, 2, true)
DEFINE_LDST(ldl_le, stl_le, uint32_t, 4, false)
DEFINE_LDST(ldl_be, stl_be, uint32_t, 4, true)
DEFINE_LDST(ldq_le, stq_le, uint64_t, 8, false)
DEFINE_LDST(ldq_be, stq_be, uint64_t, 8, true)

/* ---- through a MemoryRegionCache ---------------------------------------- */

#define DEFINE_LDST_CACHED(ldname, stname, type, size)                     \
    type address_space_##ldname##_cached(MemoryRegionCache *cache,         \
                                         hwaddr addr, MemTxAttrs attrs,    \
                                         MemTxResult *result)              \
    {                                                                      \
        uint8_t b[8];                                                      \
        MemTxResult r = address_space_read_cached(cache, addr, b, size);   \
                                                                           \
        set_result(result, r);                                             \
        return r == MEMTX_OK ? ld_bytes(b, size, false) : 0;               \
    }                                                                      \
    void address_space_##stname##_cached(MemoryRegionCache *cache,         \
                                         hwaddr addr, type val,            \
                                         MemTxAttrs attrs,                 \
                                         MemTxResult *result)              \
    {                                                                      \
        uint8_t b[8];                                                      \
                                                                           \
        st_bytes(b, val, size, false);                                     \
        set_result(result, address_space_write_cached(cache, addr, b,      \
                                                      size));              \
    }

DEFINE_LDST_CACHED(ldub, stb, uint8_t, 1)
DEFINE_LDST_CACHED(lduw_le, stw_le, uint16_t, 2)
DEFINE_LDST_CACHED(ldl_le, stl_le, uint32_t, 4)
DEFINE_LDST_CACHED(ldq_le, stq_le, uint64_t, 8)
