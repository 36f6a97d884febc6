/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An assigned device's BAR with its MSI-X table emulated.
 *
 * VFIO lets a device model mmap a BAR and hand the mapping to the guest
 * directly, except the MSI-X table: interrupts must go through the
 * emulation, never straight to the hardware. The memory core does the
 * cut-and-paste: the whole BAR is one RAM-device region over the mmap,
 * and the emulated table is an MMIO region laid over it at a higher
 * priority. Guests then reach the table through the emulation and
 * everything else straight in BAR memory, and a listener sees exactly
 * the sections it would see had the BAR been split by hand around the
 * table.
 *
 *   bar->mem "<name>"             container, what the guest maps
 *     +-- "<name>-mmap"           RAM device over the mmap, priority 0
 *     +-- "<name>-msix-table"     emulated MMIO, priority 1 (overlay)
 *
 * The overlay can be removed (say, while MSI-X is disabled and the table
 * is to be passed through) and put back any number of times; whether it
 * is there is tracked in the BAR, never guessed from region sizes.
 *
 * Here the "hardware" is a memfd: vfio_sim_bar_fd() is the device's side
 * of its own BAR memory.
 */
#ifndef HW_VFIO_SIM_VFIO_SIM_BAR_H
#define HW_VFIO_SIM_VFIO_SIM_BAR_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"

#define VFIO_SIM_MSIX_ENTRY_SIZE 16
#define VFIO_SIM_MSIX_CTRL_MASKED 1

/**
 * struct VFIOSimMSIXEntry - one vector of the emulated table.
 * @addr: message address.
 * @data: message data.
 * @ctrl: vector control; bit 0 masks the vector (set at reset).
 */
typedef struct VFIOSimMSIXEntry {
    uint64_t addr;
    uint32_t data;
    uint32_t ctrl;
} VFIOSimMSIXEntry;

/**
 * struct VFIOSimBar - the BAR.
 * @mem: the region to map at the BAR's address.
 *
 * Other fields are private.
 */
typedef struct VFIOSimBar {
    MemoryRegion mem;
    MemoryRegion mmap_mem;
    MemoryRegion msix_table;
    uint64_t size;
    uint64_t msix_offset;
    unsigned msix_vectors;
    int fd;
    uint8_t *mmap;
    bool msix_overlaid;
    GMutex lock;
    VFIOSimMSIXEntry *entries;
    uint64_t table_accesses;
} VFIOSimBar;

/**
 * vfio_sim_bar_init() - create the BAR and its MSI-X overlay.
 * @bar: the BAR.
 * @owner: opaque owner pointer, may be NULL.
 * @name: base name of the regions; copied.
 * @size: a power of 2, at least 4096.
 * @msix_offset: where the table starts; 8-byte aligned.
 * @msix_vectors: 1..2048; the table (16 bytes each) must fit in the BAR.
 * @errp: set on bad arguments or when the memfd cannot be made.
 *
 * Return: true on success, with the overlay in place.
 */
bool vfio_sim_bar_init(VFIOSimBar *bar, void *owner, const char *name,
                       uint64_t size, uint64_t msix_offset,
                       unsigned msix_vectors, GError **errp);

/**
 * vfio_sim_bar_set_msix_overlay() - lay the emulated table over the BAR
 * or take it away.
 * @bar: the BAR.
 * @on: true to emulate the table, false to expose BAR memory there.
 */
void vfio_sim_bar_set_msix_overlay(VFIOSimBar *bar, bool on);

/**
 * vfio_sim_bar_destroy() - release regions, mapping and memfd.
 * @bar: the BAR.
 *
 * Misuse: @bar->mem still inside a container aborts.
 */
void vfio_sim_bar_destroy(VFIOSimBar *bar);

/**
 * vfio_sim_bar_fd() - the memfd behind the BAR (the device's side).
 * @bar: the BAR.
 */
int vfio_sim_bar_fd(VFIOSimBar *bar);

/**
 * vfio_sim_bar_mmap() - the mapping of the BAR that guests reach.
 * @bar: the BAR.
 */
void *vfio_sim_bar_mmap(VFIOSimBar *bar);

/**
 * vfio_sim_bar_msix_entry() - read one vector of the emulated table.
 * @bar: the BAR.
 * @vector: 0..msix_vectors-1.
 * @entry: filled in.
 *
 * Return: false for a vector out of range.
 */
bool vfio_sim_bar_msix_entry(VFIOSimBar *bar, unsigned vector,
                             VFIOSimMSIXEntry *entry);

/**
 * vfio_sim_bar_table_accesses() - guest accesses the emulation served.
 * @bar: the BAR.
 */
uint64_t vfio_sim_bar_table_accesses(VFIOSimBar *bar);

#endif /* HW_VFIO_SIM_VFIO_SIM_BAR_H */
