/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hwaddr: a guest-physical, bus or DMA address.
 */
#ifndef EXEC_HWADDR_H
#define EXEC_HWADDR_H

#include <stdint.h>
#include <inttypes.h>

/**
 * typedef hwaddr - an address in an address space or an offset in a region.
 *
 * Always 64 bits wide, whatever the host. Sizes that can reach 2^64 are
 * carried as &Int128 instead (see "exec/int128.h").
 */
typedef uint64_t hwaddr;

#define HWADDR_MAX UINT64_MAX
#define HWADDR_PRIx PRIx64
#define HWADDR_PRIu PRIu64
#define TARGET_FMT_plx "%016" PRIx64

#endif /* EXEC_HWADDR_H */
