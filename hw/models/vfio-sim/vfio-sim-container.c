/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated host IOMMU: a sorted array of disjoint mappings behind a
 * mutex. Small and slow on purpose; what matters is that it is strict
 * (overlaps, partial unmaps and full containers are errors, as in type1),
 * so a listener that gets the diff wrong fails loudly.
 */
#include <errno.h>
#include <string.h>

#include <inttypes.h>

#include "vfio-sim-internal.h"

struct VFIOSimContainer {
    GMutex lock;
    uint64_t pgsize;
    unsigned max_entries;
    GArray *maps; /* VFIOSimMapping, sorted by iova */
    VFIOSimStats stats;
};

VFIOSimContainer *vfio_sim_container_new(uint64_t pgsize, unsigned max_entries)
{
    VFIOSimContainer *c;

    pgsize = pgsize ?: 4096;
    if (pgsize < 4096 || (pgsize & (pgsize - 1))) {
        g_error("vfio_sim_container_new: page size %#" PRIx64
                " is not a power of 2 >= 4096",
                pgsize);
    }
    c = g_new0(VFIOSimContainer, 1);
    g_mutex_init(&c->lock);
    c->pgsize = pgsize;
    c->max_entries = max_entries ?: VFIO_SIM_DEFAULT_MAX_ENTRIES;
    c->maps = g_array_new(false, false, sizeof(VFIOSimMapping));
    return c;
}

void vfio_sim_container_free(VFIOSimContainer *c)
{
    if (c) {
        g_array_free(c->maps, true);
        g_mutex_clear(&c->lock);
        g_free(c);
    }
}

uint64_t vfio_sim_container_pgsize(VFIOSimContainer *c)
{
    return c->pgsize;
}

static VFIOSimMapping *map_at(VFIOSimContainer *c, guint i)
{
    return &g_array_index(c->maps, VFIOSimMapping, i);
}

/* Index of the first mapping that ends after @iova. */
static guint first_after(VFIOSimContainer *c, uint64_t iova)
{
    guint lo = 0, hi = c->maps->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        VFIOSimMapping *m = map_at(c, mid);

        if (m->iova + (m->size - 1) < iova) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static bool range_ok(VFIOSimContainer *c, uint64_t iova, uint64_t size)
{
    return size && !((iova | size) & (c->pgsize - 1)) &&
           size - 1 <= UINT64_MAX - iova;
}

int vfio_sim_dma_map(VFIOSimContainer *c, uint64_t iova, uint64_t size,
                     void *vaddr, unsigned prot)
{
    VFIOSimMapping m = { iova, size, vaddr, prot };
    int ret = 0;
    guint i;

    g_mutex_lock(&c->lock);
    i = first_after(c, iova);
    if (!range_ok(c, iova, size) || !prot ||
        (prot & ~(VFIO_SIM_PROT_READ | VFIO_SIM_PROT_WRITE))) {
        ret = -EINVAL;
    } else if (i < c->maps->len && map_at(c, i)->iova <= iova + (size - 1)) {
        ret = -EEXIST;
    } else if (c->maps->len >= c->max_entries) {
        ret = -ENOSPC;
    } else {
        g_array_insert_val(c->maps, i, m);
        c->stats.maps++;
    }
    if (ret) {
        c->stats.map_errors++;
    }
    g_mutex_unlock(&c->lock);
    return ret;
}

int vfio_sim_dma_unmap(VFIOSimContainer *c, uint64_t iova, uint64_t size,
                       uint64_t *unmapped)
{
    uint64_t last = iova + (size - 1), bytes = 0;
    guint i, j;
    int ret = 0;

    if (unmapped) {
        *unmapped = 0;
    }
    if (!range_ok(c, iova, size)) {
        return -EINVAL;
    }
    g_mutex_lock(&c->lock);
    i = first_after(c, iova);
    for (j = i; j < c->maps->len && map_at(c, j)->iova <= last; j++) {
        VFIOSimMapping *m = map_at(c, j);

        if (m->iova < iova || m->iova + (m->size - 1) > last) {
            ret = -EINVAL; /* type1 v2: no partial unmaps */
            break;
        }
        bytes += m->size;
    }
    if (!ret) {
        g_array_remove_range(c->maps, i, j - i);
        c->stats.unmaps += j - i;
        if (unmapped) {
            *unmapped = bytes;
        }
    }
    g_mutex_unlock(&c->lock);
    return ret;
}

/* Check (@copy false) or perform (@copy true) a device DMA. */
static int dma_walk(VFIOSimContainer *c, uint64_t iova, uint8_t *buf,
                    uint64_t len, bool is_write, bool copy)
{
    unsigned need = is_write ? VFIO_SIM_PROT_WRITE : VFIO_SIM_PROT_READ;
    guint i = first_after(c, iova);

    while (len) {
        VFIOSimMapping *m = i < c->maps->len ? map_at(c, i) : NULL;
        uint64_t in, l;

        if (!m || m->iova > iova) {
            return -EFAULT;
        }
        if (!(m->prot & need)) {
            return -EACCES;
        }
        in = iova - m->iova;
        l = MIN(len, m->size - in);
        if (copy) {
            uint8_t *host = (uint8_t *)m->vaddr + in;

            memcpy(is_write ? host : buf, is_write ? buf : host, l);
        }
        buf += l;
        iova += l;
        len -= l;
        i++;
    }
    return 0;
}

int vfio_sim_device_dma(VFIOSimContainer *c, uint64_t iova, void *buf,
                        uint64_t len, bool is_write)
{
    int ret;

    if (len && len - 1 > UINT64_MAX - iova) {
        return -EFAULT;
    }
    g_mutex_lock(&c->lock);
    ret = dma_walk(c, iova, buf, len, is_write, false);
    if (ret) {
        c->stats.dma_faults++;
    } else {
        dma_walk(c, iova, buf, len, is_write, true);
    }
    g_mutex_unlock(&c->lock);
    return ret;
}

VFIOSimMapping *vfio_sim_container_get_mappings(VFIOSimContainer *c, size_t *n)
{
    VFIOSimMapping *out;

    g_mutex_lock(&c->lock);
    *n = c->maps->len;
    out = g_new(VFIOSimMapping, MAX(*n, 1));
    if (*n) {
        memcpy(out, c->maps->data, *n * sizeof(VFIOSimMapping));
    }
    g_mutex_unlock(&c->lock);
    return out;
}

void vfio_sim_container_get_stats(VFIOSimContainer *c, VFIOSimStats *stats)
{
    g_mutex_lock(&c->lock);
    *stats = c->stats;
    stats->entries = c->maps->len;
    g_mutex_unlock(&c->lock);
}

void vfio_sim_container_count_error(VFIOSimContainer *c)
{
    g_mutex_lock(&c->lock);
    c->stats.map_errors++;
    g_mutex_unlock(&c->lock);
}
