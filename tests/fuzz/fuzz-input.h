/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding a fuzzer's byte string into operations and values.
 *
 * Every harness reads its input front to back through FuzzInput. Reading
 * past the end yields zeroes, so any byte string is a valid program and
 * libFuzzer's mutations never fall off a cliff. Values that matter at the
 * edges (0, 1, page sizes, 2^63, 2^64 - 1) come from small tables, so a
 * single byte reaches them; a raw 64-bit value is one table entry away.
 */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct FuzzInput {
    const uint8_t *data;
    size_t size;
    size_t pos;
} FuzzInput;

static inline void fuzz_input_init(FuzzInput *in, const uint8_t *data,
                                   size_t size)
{
    in->data = data;
    in->size = size;
    in->pos = 0;
}

static inline bool fuzz_more(const FuzzInput *in)
{
    return in->pos < in->size;
}

static inline uint8_t fuzz_u8(FuzzInput *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t fuzz_u16(FuzzInput *in)
{
    uint16_t lo = fuzz_u8(in);

    return lo | (uint16_t)fuzz_u8(in) << 8;
}

static inline uint32_t fuzz_u32(FuzzInput *in)
{
    uint32_t lo = fuzz_u16(in);

    return lo | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t fuzz_u64(FuzzInput *in)
{
    uint64_t lo = fuzz_u32(in);

    return lo | (uint64_t)fuzz_u32(in) << 32;
}

static inline bool fuzz_bool(FuzzInput *in)
{
    return fuzz_u8(in) & 1;
}

/* A value in [0, n); n must be nonzero. */
static inline unsigned fuzz_below(FuzzInput *in, unsigned n)
{
    return fuzz_u8(in) % n;
}

/*
 * A 64-bit value biased towards the edges: small numbers, page
 * boundaries, and the neighbourhoods of 2^32, 2^63 and 2^64. @base is
 * added to the "near" forms so a harness can aim them at its layout.
 */
static inline uint64_t fuzz_edge_u64(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);
    int8_t delta = (int8_t)fuzz_u8(in);

    switch (sel % 12) {
    case 0:
        return (uint64_t)(uint8_t)delta;
    case 1:
        return 0x1000 + (int64_t)delta;
    case 2:
        return ((uint64_t)(uint8_t)delta << 12) + (sel >> 4);
    case 3:
        return (1ULL << 32) + (int64_t)delta;
    case 4:
        return (1ULL << 63) + (int64_t)delta;
    case 5:
        return (1ULL << 63) + ((uint64_t)(uint8_t)delta << 12) + (sel >> 4);
    case 6:
        return UINT64_MAX - (uint8_t)delta;
    case 7:
        return UINT64_MAX - ((uint64_t)(uint8_t)delta << 12);
    case 8:
        return (uint64_t)1 << (delta & 63);
    case 9:
        return ((uint64_t)1 << (delta & 63)) - 1;
    default:
        return fuzz_u64(in);
    }
}

/*
 * Fail the current input: print why and abort, which libFuzzer reports
 * as a crash and saves the input. The replay driver dies the same way.
 */
#define fuzz_fail(fmt, ...)                                                  \
    do {                                                                     \
        fprintf(stderr, "fuzz invariant broken: %s:%d: " fmt "\n", __FILE__, \
                __LINE__, ##__VA_ARGS__);                                    \
        abort();                                                             \
    } while (0)

#define fuzz_check(cond, fmt, ...)                       \
    do {                                                 \
        if (!(cond)) {                                   \
            fuzz_fail("%s: " fmt, #cond, ##__VA_ARGS__); \
        }                                                \
    } while (0)

/* The entry points every target defines (libFuzzer's names). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif /* TESTS_FUZZ_FUZZ_INPUT_H */
