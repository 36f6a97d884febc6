/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The byte pattern the dom0 test programs of tests/xen-real write into
 * grants and look for on the other side: byte i of a buffer seeded with
 * @seed is seed + 7i, so a shifted or partial copy does not match.
 */
#ifndef TESTS_XEN_REAL_PATTERN_H
#define TESTS_XEN_REAL_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline void fill(void *p, size_t len, uint8_t seed)
{
    uint8_t *b = p;

    for (size_t i = 0; i < len; i++) {
        b[i] = (uint8_t)(seed + i * 7);
    }
}

/* 1 if @p holds the pattern of @seed, 0 otherwise. */
static inline int matches(const void *p, size_t len, uint8_t seed)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++) {
        if (b[i] != (uint8_t)(seed + i * 7)) {
            return 0;
        }
    }
    return 1;
}

#endif /* TESTS_XEN_REAL_PATTERN_H */
