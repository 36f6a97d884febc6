/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal outside user of libmemcore: lay out a small machine (RAM, a
 * ROM, an MMIO device hiding part of the RAM, an alias of low RAM), do a
 * few accesses, and print the region tree and the flat view.
 *
 * Build it against an uninstalled build tree:
 *   cc machine-layout.c $(PKG_CONFIG_PATH=build/meson-uninstalled \
 *        pkg-config --cflags --libs memcore)
 */
#include <stdio.h>
#include <stdlib.h>
#include "exec/memory.h"

static uint32_t uart_last;

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 4 ? 0x60 : 0; /* "transmitter empty" */
}

static void uart_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    uart_last = val;
}

static const MemoryRegionOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

int main(void)
{
    MemoryRegion system, ram, rom, uart, low_alias;
    AddressSpace as;
    GError *err = NULL;
    MemTxResult r;
    uint32_t v;

    memory_region_init(&system, NULL, "system", UINT64_MAX);
    if (!memory_region_init_ram(&ram, NULL, "ram", 128 << 20, &err) ||
        !memory_region_init_rom(&rom, NULL, "bios", 64 << 10, &err)) {
        fprintf(stderr, "machine-layout: %s\n", err->message);
        return 1;
    }
    memory_region_init_io(&uart, NULL, &uart_ops, NULL, "uart", 0x1000);
    memory_region_init_alias(&low_alias, NULL, "ram-below-1M", &ram, 0,
                             1 << 20);

    memory_region_transaction_begin();
    memory_region_add_subregion(&system, 0, &ram);
    memory_region_add_subregion(&system, 0xfffe0000, &rom);
    /* The device sits on top of RAM: priority 1 cuts a hole into it. */
    memory_region_add_subregion_overlap(&system, 0x9000, &uart, 1);
    memory_region_add_subregion(&system, 0x100000000ULL, &low_alias);
    memory_region_transaction_commit();
    address_space_init(&as, &system, "memory");

    address_space_stl_le(&as, 0x1000, 0xcafef00d, MEMTXATTRS_UNSPECIFIED, &r);
    v = address_space_ldl_le(&as, 0x100001000ULL, MEMTXATTRS_UNSPECIFIED, &r);
    printf("RAM 0x1000 seen through the alias at 4 GiB: 0x%08x (%s)\n", v,
           r == MEMTX_OK ? "ok" : "error");
    address_space_stb(&as, 0x9000, 'A', MEMTXATTRS_UNSPECIFIED, &r);
    printf("UART got 0x%02x; status 0x%02x\n", uart_last,
           address_space_ldub(&as, 0x9004, MEMTXATTRS_UNSPECIFIED, NULL));
    address_space_stl_le(&as, 0xfffe0000, 1, MEMTXATTRS_UNSPECIFIED, &r);
    printf("write to ROM: %s\n", r == MEMTX_OK ? "accepted" : "refused");
    address_space_ldl_le(&as, 0x80000000, MEMTXATTRS_UNSPECIFIED, &r);
    printf("read from 2 GiB (nothing there): %s\n",
           r == MEMTX_DECODE_ERROR ? "decode error" : "?");
    printf("\n");
    mtree_print_tree(stdout, &as);
    printf("\n");
    mtree_print_flatview(stdout, &as);
    address_space_destroy(&as);
    return 0;
}
