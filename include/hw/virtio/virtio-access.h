/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which address space a virtio device's DMA uses: VIRTIO_F_ACCESS_PLATFORM.
 *
 * Without the feature, the virtio specification says the device uses the
 * addresses the driver gives it as guest-physical addresses, with no
 * translation and no restriction, "overriding any platform-specific
 * description of whether device access is limited or translated": the
 * device bypasses any IOMMU. This is how virtio always worked and what
 * legacy guests expect.
 *
 * With it, the device accesses memory the way the platform says devices
 * do: through an IOMMU, through Xen grant addresses, or only into memory
 * the guest has shared (a confidential guest's restricted memory).
 *
 * A platform where bypass cannot work (a confidential guest whose memory
 * the device cannot read, a Xen guest that only grants) must refuse a
 * driver that does not accept the feature, rather than let the device
 * touch memory it was never given: that is @require_access_platform.
 */
#ifndef HW_VIRTIO_VIRTIO_ACCESS_H
#define HW_VIRTIO_VIRTIO_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"

/* Feature bits (virtio 1.x). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_BIT(b) (1ULL << (b))

/**
 * struct VirtIOPlatform - how devices of this machine reach memory.
 * @memory_as: guest-physical memory, as the CPUs see it.
 * @dma_as: the platform's DMA address space for this device (its IOMMU
 *          space, a space holding the grant region, ...), or NULL when
 *          the platform has nothing between devices and memory.
 * @require_access_platform: devices cannot work by bypass; a driver that
 *                           does not accept ACCESS_PLATFORM is refused.
 */
typedef struct VirtIOPlatform {
    AddressSpace *memory_as;
    AddressSpace *dma_as;
    bool require_access_platform;
} VirtIOPlatform;

/**
 * virtio_platform_offer() - the features a device should offer.
 * @p: the platform.
 * @device_features: what the device itself offers.
 *
 * Return: @device_features plus VERSION_1 and ACCESS_PLATFORM when the
 * platform has a DMA address space or requires the feature.
 */
uint64_t virtio_platform_offer(const VirtIOPlatform *p,
                               uint64_t device_features);

/**
 * virtio_platform_dma_as() - decide at FEATURES_OK.
 * @p: the platform.
 * @offered: what the device offered.
 * @accepted: what the driver accepted (guest-controlled).
 * @as: receives the address space the device must use for all its DMA:
 *      rings and buffers alike.
 *
 * Return: 0; -EINVAL when the driver accepted a feature that was not
 * offered, or ACCESS_PLATFORM without VERSION_1 (a legacy driver cannot
 * see bit 33); -EPERM when the platform requires ACCESS_PLATFORM and the
 * driver did not accept it. On error *@as is NULL and the device should
 * fail FEATURES_OK.
 */
int virtio_platform_dma_as(const VirtIOPlatform *p, uint64_t offered,
                           uint64_t accepted, AddressSpace **as);

#endif /* HW_VIRTIO_VIRTIO_ACCESS_H */
