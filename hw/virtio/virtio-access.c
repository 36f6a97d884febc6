/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VIRTIO_F_ACCESS_PLATFORM decision; see
 * include/hw/virtio/virtio-access.h for the rules and why.
 */
#include <errno.h>

#include "hw/virtio/virtio-access.h"

uint64_t virtio_platform_offer(const VirtIOPlatform *p,
                               uint64_t device_features)
{
    if (p->dma_as || p->require_access_platform) {
        device_features |= VIRTIO_BIT(VIRTIO_F_VERSION_1) |
                           VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
    }
    return device_features;
}

int virtio_platform_dma_as(const VirtIOPlatform *p, uint64_t offered,
                           uint64_t accepted, AddressSpace **as)
{
    bool platform = accepted & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);

    *as = NULL;
    if (accepted & ~offered) {
        return -EINVAL;
    }
    if (platform && !(accepted & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
        return -EINVAL;
    }
    if (!platform && p->require_access_platform) {
        /* Bypass would reach memory the guest never gave the device. */
        return -EPERM;
    }
    /*
     * Without the feature the device bypasses whatever the platform puts
     * in front of memory, IOMMU included: the spec says so, and old
     * drivers rely on it.
     */
    *as = (platform && p->dma_as) ? p->dma_as : p->memory_as;
    return 0;
}
