/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building memcore-dm's machines (layout in machine.h).
 */
#include <string.h>

#include "machine.h"

#define DM_ERROR g_quark_from_static_string("memcore-dm-machine")

bool dm_machine_check_options(const DmOptions *o, GError **errp)
{
    uint64_t max = o->machine == DM_MACHINE_XENVIRT ? DM_XENVIRT_RAM_MAX :
                                                      DM_NONE_RAM_MAX;
    g_autofree char *want = dm_format_size(o->ram_size);
    g_autofree char *lim = NULL;

    if (o->ram_size < DM_RAM_MIN || o->ram_size > max) {
        lim = dm_format_size(o->ram_size < DM_RAM_MIN ? DM_RAM_MIN : max);
        g_set_error(errp, DM_ERROR, 0,
                    "-m: %s is too %s for machine '%s' "
                    "(at %s %s)",
                    want, o->ram_size < DM_RAM_MIN ? "small" : "large",
                    dm_machine_name(o->machine),
                    o->ram_size < DM_RAM_MIN ? "least" : "most", lim);
        return false;
    }
    if (o->ram_size % 4096) {
        g_set_error(errp, DM_ERROR, 0, "-m: %s is not a multiple of 4 KiB",
                    want);
        return false;
    }
    return true;
}

static bool init_ram(DmMachine *m, GError **errp)
{
    void *host = m->xen ? dm_xen_guest_ram(m->xen) : NULL;

    m->ram_mr = m->xen ? dm_xen_ram_region(m->xen) : NULL;
    if (m->ram_mr) {
        return true; /* real Xen: the guest's own RAM */
    }
    m->ram_mr = &m->ram;
    if (host) {
        /* Granted frames and guest RAM must be the same bytes. */
        memory_region_init_ram_ptr(&m->ram, m, "ram", m->ram_size, host);
        m->ram_ready = true;
        return true;
    }
    m->ram_ready = memory_region_init_ram(&m->ram, m, "ram", m->ram_size,
                                          errp);
    return m->ram_ready;
}

static bool init_rom(DmMachine *m, GError **errp)
{
    uint8_t *p;
    uint64_t i;

    if (!memory_region_init_rom(&m->rom, m, "rom", DM_ROM_SIZE, errp)) {
        return false;
    }
    m->rom_ready = true;
    p = memory_region_get_ram_ptr(&m->rom);
    for (i = 0; i < DM_ROM_SIZE; i++) {
        p[i] = i;
    }
    memset(p, 0, 16);
    memcpy(p, DM_ROM_BANNER, strlen(DM_ROM_BANNER));
    return true;
}

static bool build_xenvirt(DmMachine *m, GError **errp)
{
    MemoryRegion *grants = m->xen ? dm_xen_grant_region(m->xen) : NULL;

    if (!init_rom(m, errp)) {
        return false;
    }
    m->dma = dma_test_device_new(&m->as);
    m->scratch = dm_scratch_new();
    memory_region_add_subregion(&m->sysmem, DM_DMA_TEST_BASE,
                                dma_test_device_mmio(m->dma));
    memory_region_add_subregion(&m->sysmem, DM_SCRATCH_BASE,
                                dm_scratch_mmio(m->scratch));
    memory_region_add_subregion(&m->sysmem, DM_ROM_BASE, &m->rom);
    if (grants) {
        memory_region_add_subregion(&m->sysmem, XEN_GRANT_ADDR_OFF, grants);
    }
    return true;
}

DmMachine *dm_machine_new(const DmOptions *o, GError **errp)
{
    DmMachine *m = g_new0(DmMachine, 1);

    m->type = o->machine;
    m->accel = o->accel;
    m->ram_size = o->ram_size;
    if (o->accel != DM_ACCEL_NONE) {
        m->xen = dm_xen_new(o, errp);
        if (!m->xen) {
            g_free(m);
            return NULL;
        }
    }
    memory_region_init(&m->sysmem, m, "system", UINT64_MAX);
    /* The DMA device needs the address space before it is populated. */
    address_space_init(&m->as, &m->sysmem, "memory");
    if (!init_ram(m, errp)) {
        goto fail;
    }
    memory_region_transaction_begin();
    memory_region_add_subregion(&m->sysmem, 0, m->ram_mr);
    if (m->type == DM_MACHINE_XENVIRT && !build_xenvirt(m, errp)) {
        memory_region_transaction_commit();
        goto fail;
    }
    memory_region_transaction_commit();
    return m;

fail:
    dm_machine_free(m);
    return NULL;
}

static void remove_region(MemoryRegion *parent, MemoryRegion *mr)
{
    if (memory_region_is_mapped(mr)) {
        memory_region_del_subregion(parent, mr);
    }
}

void dm_machine_free(DmMachine *m)
{
    if (!m) {
        return;
    }
    address_space_destroy(&m->as);
    memory_region_transaction_begin();
    if (m->ram_mr) {
        remove_region(&m->sysmem, m->ram_mr);
    }
    if (m->rom_ready) {
        remove_region(&m->sysmem, &m->rom);
    }
    if (m->dma) {
        remove_region(&m->sysmem, dma_test_device_mmio(m->dma));
        remove_region(&m->sysmem, dm_scratch_mmio(m->scratch));
    }
    if (m->xen && dm_xen_grant_region(m->xen)) {
        remove_region(&m->sysmem, dm_xen_grant_region(m->xen));
    }
    memory_region_transaction_commit();
    dma_test_device_free(m->dma);
    dm_scratch_free(m->scratch);
    if (m->ram_ready) {
        memory_region_finalize(&m->ram);
    }
    if (m->rom_ready) {
        memory_region_finalize(&m->rom);
    }
    memory_region_finalize(&m->sysmem);
    dm_xen_free(m->xen);
    g_free(m);
}
