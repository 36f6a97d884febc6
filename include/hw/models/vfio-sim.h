/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A simulated VFIO type1 container and the MemoryListener that keeps it
 * in step with an address space: the pattern a VFIO, vhost or vDPA
 * backend follows to let real hardware DMA into guest memory.
 *
 * The container is the host IOMMU: IOVA -> host virtual address
 * mappings, page aligned, never overlapping, bounded in number, with a
 * simulated device that DMAs through them. vfio_sim_dma_unmap() follows
 * type1 v2: it removes whole mappings only.
 *
 * The listener mirrors an address space into a container:
 *  - RAM sections (RAM, RAM devices such as BARs of other devices, ROM,
 *    ROM devices in romd mode) are mapped at their guest-physical
 *    address, trimmed inward to whole container pages;
 *  - read-only sections (ROM, read-only regions, romd ROM devices) are
 *    mapped read-only;
 *  - MMIO and map-on-demand sections are not mapped: hardware cannot DMA
 *    into an emulated register, and a grant region is mapped only by the
 *    requests that use it;
 *  - private memory of a confidential guest is not mapped: no device
 *    may reach it;
 *  - an IOMMU section is followed through IOMMU notifiers instead: each
 *    MAP event maps the translated RAM at its IOVA, each UNMAP removes
 *    it. The translated memory is pinned (held with address_space_map())
 *    for as long as the container maps it.
 * Mapped RAM regions are referenced while mapped, as VFIO pins pages.
 * Mappings that fail (container full, translation into MMIO, a refused
 * notifier) are counted in the stats, and the device then faults there,
 * as real hardware would.
 *
 * Lock rules: the container has its own mutex, taken last. The listener
 * has one mutex, taken before the container's and never held while
 * calling into the memory core's notifier or replay functions, since
 * IOMMU models call back into it from there.
 */
#ifndef HW_VFIO_SIM_VFIO_SIM_H
#define HW_VFIO_SIM_VFIO_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "exec/memory.h"

#define VFIO_SIM_PROT_READ 1
#define VFIO_SIM_PROT_WRITE 2

/* Type1's default limit on DMA mappings per container. */
#define VFIO_SIM_DEFAULT_MAX_ENTRIES 65535

typedef struct VFIOSimContainer VFIOSimContainer;

/**
 * struct VFIOSimMapping - one host IOMMU mapping.
 * @iova: device address, page aligned.
 * @size: bytes, a multiple of the page size.
 * @vaddr: host address it reaches.
 * @prot: VFIO_SIM_PROT_*.
 */
typedef struct VFIOSimMapping {
    uint64_t iova;
    uint64_t size;
    void *vaddr;
    unsigned prot;
} VFIOSimMapping;

/**
 * struct VFIOSimStats - what a container and its listeners did.
 * @maps: successful vfio_sim_dma_map() calls.
 * @unmaps: mappings removed.
 * @map_errors: refused maps, and sections or IOMMU entries the listener
 *              could not map.
 * @dma_faults: simulated device DMA that hit no mapping or lacked
 *              permission.
 * @entries: mappings now.
 */
typedef struct VFIOSimStats {
    uint64_t maps;
    uint64_t unmaps;
    uint64_t map_errors;
    uint64_t dma_faults;
    uint64_t entries;
} VFIOSimStats;

/**
 * vfio_sim_container_new() - an empty host IOMMU.
 * @pgsize: its page size, a power of 2 >= 4096; 0 means 4096.
 * @max_entries: most mappings at once; 0 means the type1 default.
 *
 * Misuse: a bad @pgsize aborts.
 */
VFIOSimContainer *vfio_sim_container_new(uint64_t pgsize,
                                         unsigned max_entries);

/**
 * vfio_sim_container_free() - destroy it and any mappings left.
 * @c: the container.
 */
void vfio_sim_container_free(VFIOSimContainer *c);

/**
 * vfio_sim_container_pgsize() - the page size.
 * @c: the container.
 */
uint64_t vfio_sim_container_pgsize(VFIOSimContainer *c);

/**
 * vfio_sim_dma_map() - map [@iova, @iova + @size) to @vaddr.
 * @c: the container.
 * @iova: page aligned.
 * @size: a nonzero multiple of the page size.
 * @vaddr: host memory; it must stay valid until unmapped.
 * @prot: VFIO_SIM_PROT_READ and/or VFIO_SIM_PROT_WRITE, not 0.
 *
 * Return: 0; -EINVAL for bad arguments or a range past 2^64; -EEXIST if
 * it overlaps a mapping; -ENOSPC when the container is full.
 */
int vfio_sim_dma_map(VFIOSimContainer *c, uint64_t iova, uint64_t size,
                     void *vaddr, unsigned prot);

/**
 * vfio_sim_dma_unmap() - remove the mappings inside a range.
 * @c: the container.
 * @iova: page aligned.
 * @size: a nonzero multiple of the page size.
 * @unmapped: if not NULL, receives the bytes removed.
 *
 * Return: 0, or -EINVAL for bad arguments or when a mapping crosses an
 * end of the range (nothing is removed then).
 */
int vfio_sim_dma_unmap(VFIOSimContainer *c, uint64_t iova, uint64_t size,
                       uint64_t *unmapped);

/**
 * vfio_sim_device_dma() - a physical device DMAs through the container.
 * @c: the container.
 * @iova: device address.
 * @buf: source or destination.
 * @len: bytes.
 * @is_write: device to memory.
 *
 * All or nothing: every byte must be mapped with the permission.
 *
 * Return: 0, -EFAULT (no mapping) or -EACCES (no permission).
 */
int vfio_sim_device_dma(VFIOSimContainer *c, uint64_t iova, void *buf,
                        uint64_t len, bool is_write);

/**
 * vfio_sim_container_get_mappings() - a sorted copy of every mapping.
 * @c: the container.
 * @n: receives the count.
 *
 * Return: an array to g_free().
 */
VFIOSimMapping *vfio_sim_container_get_mappings(VFIOSimContainer *c,
                                                size_t *n);

/**
 * vfio_sim_container_get_stats() - read the counters.
 * @c: the container.
 * @stats: filled in with a snapshot of the counters.
 */
void vfio_sim_container_get_stats(VFIOSimContainer *c, VFIOSimStats *stats);

typedef struct VFIOSimListener VFIOSimListener;

/**
 * vfio_sim_listener_new() - mirror @as into @c.
 * @c: the container; it must outlive the listener.
 * @as: the address space a device's DMA goes through.
 *
 * Registers a MemoryListener (which replays the current view, so the
 * container is in step when this returns) and follows IOMMU sections.
 *
 * Lock rules: takes the topology lock; not from a listener callback.
 */
VFIOSimListener *vfio_sim_listener_new(VFIOSimContainer *c, AddressSpace *as);

/**
 * vfio_sim_listener_free() - stop mirroring and unmap what it mapped.
 * @l: the listener, or NULL.
 */
void vfio_sim_listener_free(VFIOSimListener *l);

#endif /* HW_VFIO_SIM_VFIO_SIM_H */
