/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An assigned device's BAR with an emulated MSI-X table laid over it;
 * see include/hw/models/vfio-sim-bar.h.
 *
 * Lock rules: bar->lock protects the table entries; table callbacks run
 * with no memcore lock held, on any vCPU thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec/memcore-error.h"
#include "hw/models/vfio-sim-bar.h"

/* Table accesses are aligned DWORDs or QWORDs (PCI spec); QWORDs split. */
static uint64_t msix_read(void *opaque, hwaddr addr, unsigned size)
{
    VFIOSimBar *bar = opaque;
    VFIOSimMSIXEntry *e = &bar->entries[addr / VFIO_SIM_MSIX_ENTRY_SIZE];
    uint64_t v = 0;

    g_mutex_lock(&bar->lock);
    switch (addr % VFIO_SIM_MSIX_ENTRY_SIZE) {
    case 0:
        v = (uint32_t)e->addr;
        break;
    case 4:
        v = e->addr >> 32;
        break;
    case 8:
        v = e->data;
        break;
    case 12:
        v = e->ctrl;
        break;
    }
    bar->table_accesses++;
    g_mutex_unlock(&bar->lock);
    return v;
}

static void msix_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    VFIOSimBar *bar = opaque;
    VFIOSimMSIXEntry *e = &bar->entries[addr / VFIO_SIM_MSIX_ENTRY_SIZE];

    g_mutex_lock(&bar->lock);
    switch (addr % VFIO_SIM_MSIX_ENTRY_SIZE) {
    case 0:
        e->addr = (e->addr & ~0xffffffffULL) | (uint32_t)v;
        break;
    case 4:
        e->addr = (e->addr & 0xffffffffULL) | (v << 32);
        break;
    case 8:
        e->data = v;
        break;
    case 12:
        /* Only the mask bit is writable; the rest is reserved. */
        e->ctrl = v & VFIO_SIM_MSIX_CTRL_MASKED;
        break;
    }
    bar->table_accesses++;
    g_mutex_unlock(&bar->lock);
}

static const MemoryRegionOps msix_ops = {
    .read = msix_read,
    .write = msix_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static bool bar_check(uint64_t size, uint64_t msix_offset, unsigned vectors,
                      GError **errp)
{
    if (size < 4096 || (size & (size - 1)) || (msix_offset & 7) ||
        vectors == 0 || vectors > 2048 || msix_offset > size ||
        (uint64_t)vectors * VFIO_SIM_MSIX_ENTRY_SIZE > size - msix_offset) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "vfio-sim: bad BAR (size %#" G_GINT64_MODIFIER "x, "
                    "MSI-X %u vectors at %#" G_GINT64_MODIFIER "x)",
                    size, vectors, msix_offset);
        return false;
    }
    return true;
}

/* The device's BAR memory: a memfd, mapped shared. */
static bool bar_memory(VFIOSimBar *bar, const char *name, GError **errp)
{
    bar->fd = memfd_create(name, MFD_CLOEXEC);
    if (bar->fd < 0 || ftruncate(bar->fd, bar->size) < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "vfio-sim: BAR memory: %s", g_strerror(errno));
        if (bar->fd >= 0) {
            close(bar->fd);
        }
        return false;
    }
    bar->mmap = mmap(NULL, bar->size, PROT_READ | PROT_WRITE, MAP_SHARED,
                     bar->fd, 0);
    if (bar->mmap == MAP_FAILED) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "vfio-sim: mmap of BAR: %s", g_strerror(errno));
        close(bar->fd);
        return false;
    }
    return true;
}

bool vfio_sim_bar_init(VFIOSimBar *bar, void *owner, const char *name,
                       uint64_t size, uint64_t msix_offset,
                       unsigned msix_vectors, GError **errp)
{
    g_autofree char *mmap_name = g_strdup_printf("%s-mmap", name);
    g_autofree char *table_name = g_strdup_printf("%s-msix-table", name);
    unsigned i;

    memset(bar, 0, sizeof(*bar));
    if (!bar_check(size, msix_offset, msix_vectors, errp)) {
        return false;
    }
    bar->size = size;
    bar->msix_offset = msix_offset;
    bar->msix_vectors = msix_vectors;
    if (!bar_memory(bar, name, errp)) {
        return false;
    }
    g_mutex_init(&bar->lock);
    bar->entries = g_new0(VFIOSimMSIXEntry, msix_vectors);
    for (i = 0; i < msix_vectors; i++) {
        bar->entries[i].ctrl = VFIO_SIM_MSIX_CTRL_MASKED;
    }
    memory_region_init(&bar->mem, owner, name, size);
    memory_region_init_ram_device_ptr(&bar->mmap_mem, owner, mmap_name, size,
                                      bar->mmap);
    memory_region_init_io(&bar->msix_table, owner, &msix_ops, bar, table_name,
                          (uint64_t)msix_vectors * VFIO_SIM_MSIX_ENTRY_SIZE);
    memory_region_add_subregion(&bar->mem, 0, &bar->mmap_mem);
    vfio_sim_bar_set_msix_overlay(bar, true);
    return true;
}

void vfio_sim_bar_set_msix_overlay(VFIOSimBar *bar, bool on)
{
    if (on == bar->msix_overlaid) {
        return;
    }
    if (on) {
        memory_region_add_subregion_overlap(&bar->mem, bar->msix_offset,
                                            &bar->msix_table, 1);
    } else {
        memory_region_del_subregion(&bar->mem, &bar->msix_table);
    }
    bar->msix_overlaid = on;
}

void vfio_sim_bar_destroy(VFIOSimBar *bar)
{
    if (memory_region_is_mapped(&bar->mem)) {
        g_error("vfio_sim_bar_destroy(%s): BAR still mapped",
                memory_region_name(&bar->mem));
    }
    vfio_sim_bar_set_msix_overlay(bar, false);
    memory_region_finalize(&bar->mem);
    memory_region_finalize(&bar->msix_table);
    memory_region_finalize(&bar->mmap_mem);
    munmap(bar->mmap, bar->size);
    close(bar->fd);
    g_free(bar->entries);
    g_mutex_clear(&bar->lock);
    memset(bar, 0, sizeof(*bar));
    bar->fd = -1;
}

int vfio_sim_bar_fd(VFIOSimBar *bar)
{
    return bar->fd;
}

void *vfio_sim_bar_mmap(VFIOSimBar *bar)
{
    return bar->mmap;
}

bool vfio_sim_bar_msix_entry(VFIOSimBar *bar, unsigned vector,
                             VFIOSimMSIXEntry *entry)
{
    if (vector >= bar->msix_vectors) {
        return false;
    }
    g_mutex_lock(&bar->lock);
    *entry = bar->entries[vector];
    g_mutex_unlock(&bar->lock);
    return true;
}

uint64_t vfio_sim_bar_table_accesses(VFIOSimBar *bar)
{
    uint64_t n;

    g_mutex_lock(&bar->lock);
    n = bar->table_accesses;
    g_mutex_unlock(&bar->lock);
    return n;
}
