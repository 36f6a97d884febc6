/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Int128: sizes and range ends that may reach 2^64.
 *
 * A region of UINT64_MAX bytes is taken to mean 2^64 bytes, as in QEMU, so
 * every range end is computed in 128 bits. The compiler's __int128 does the
 * work; the helpers keep QEMU's spelling so that code reads the same.
 */
#ifndef EXEC_INT128_H
#define EXEC_INT128_H

#include <stdbool.h>
#include <stdint.h>
#include <assert.h>

typedef __int128 Int128;

static inline Int128 int128_make64(uint64_t v)
{
    return (Int128)v;
}

static inline Int128 int128_2_64(void)
{
    return (Int128)1 << 64;
}

static inline Int128 int128_zero(void)
{
    return 0;
}

/**
 * int128_get64() - narrow to 64 bits.
 * @v: a value that must fit in 0..UINT64_MAX (asserted).
 */
static inline uint64_t int128_get64(Int128 v)
{
    assert(v >= 0 && v <= (Int128)UINT64_MAX);
    return (uint64_t)v;
}

static inline Int128 int128_add(Int128 a, Int128 b)
{
    return a + b;
}

static inline Int128 int128_sub(Int128 a, Int128 b)
{
    return a - b;
}

static inline bool int128_lt(Int128 a, Int128 b)
{
    return a < b;
}

static inline bool int128_le(Int128 a, Int128 b)
{
    return a <= b;
}

static inline bool int128_eq(Int128 a, Int128 b)
{
    return a == b;
}

static inline bool int128_nz(Int128 a)
{
    return a != 0;
}

static inline Int128 int128_min(Int128 a, Int128 b)
{
    return a < b ? a : b;
}

static inline Int128 int128_max(Int128 a, Int128 b)
{
    return a > b ? a : b;
}

/**
 * int128_size() - turn a region size as passed to the API into an Int128.
 * @size: bytes, where UINT64_MAX means 2^64.
 */
static inline Int128 int128_size(uint64_t size)
{
    return size == UINT64_MAX ? int128_2_64() : (Int128)size;
}

#endif /* EXEC_INT128_H */
