/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reference software IOMMU: devices, domains, translation and the
 * fault log. Page-table walks are in soft-iommu-walk.c, shadows and
 * notifications in soft-iommu-sync.c, registers in soft-iommu-regs.c.
 *
 * Lock rules: see include/hw/models/soft-iommu.h. translate() runs on any
 * thread with no lock: it reads the device context and the domain root
 * with atomic loads; writers change them under s->lock.
 */
#include <errno.h>
#include <string.h>

#include "exec/memcore-atomic.h"
#include "exec/memcore-error.h"
#include "soft-iommu-internal.h"

#define DEFAULT_NR_DOMAINS 256
#define DEFAULT_MAX_MAPPINGS 65536
#define DEFAULT_WALK_BUDGET 16384

/* ---- faults ------------------------------------------------------------ */

void soft_iommu_fault(SoftIOMMU *s, SoftIOMMUFaultReason reason, int devid,
                      int domid, hwaddr iova, bool is_write)
{
    g_mutex_lock(&s->fault_lock);
    if (s->log_len == SOFT_IOMMU_FAULT_LOG) {
        /* Keep the newest: the oldest are the least useful to a guest. */
        s->log_head = (s->log_head + 1) % SOFT_IOMMU_FAULT_LOG;
        s->log_len--;
        s->stats.faults_dropped++;
    }
    s->log[(s->log_head + s->log_len) % SOFT_IOMMU_FAULT_LOG] =
        (SoftIOMMUFault){
            .reason = reason,
            .devid = devid,
            .domid = domid,
            .iova = iova,
            .is_write = is_write,
        };
    s->log_len++;
    s->stats.faults[0]++;
    s->stats.faults[reason]++;
    g_mutex_unlock(&s->fault_lock);
}

bool soft_iommu_fault_pop(SoftIOMMU *s, SoftIOMMUFault *fault)
{
    bool got;

    g_mutex_lock(&s->fault_lock);
    got = s->log_len > 0;
    if (got) {
        *fault = s->log[s->log_head];
        s->log_head = (s->log_head + 1) % SOFT_IOMMU_FAULT_LOG;
        s->log_len--;
    }
    g_mutex_unlock(&s->fault_lock);
    return got;
}

void soft_iommu_get_stats(SoftIOMMU *s, SoftIOMMUStats *stats)
{
    g_mutex_lock(&s->lock);
    g_mutex_lock(&s->fault_lock);
    *stats = s->stats;
    g_mutex_unlock(&s->fault_lock);
    g_mutex_unlock(&s->lock);
}

/* ---- translation -------------------------------------------------------- */

static IOMMUTLBEntry soft_iommu_translate(void *opaque, hwaddr addr,
                                          IOMMUAccessFlags flag, int idx)
{
    SoftIOMMUDevice *dev = opaque;
    SoftIOMMU *s = dev->s;
    uint32_t ctx = qatomic_load_acquire(&dev->ctx);
    IOMMUTLBEntry e = {
        .target_as = &s->sys_as,
        .iova = addr & ~(SOFT_IOMMU_PAGE_SIZE - 1),
        .addr_mask = SOFT_IOMMU_PAGE_SIZE - 1,
        .perm = IOMMU_NONE,
    };
    SoftIOMMUFaultReason f = SOFT_IOMMU_FAULT_BLOCKED;
    int domid = -1;
    SoftIOMMUMapping m;
    uint64_t root;

    switch (CTX_MODE(ctx)) {
    case SOFT_IOMMU_PASSTHROUGH:
        /* Only between a switch and its commit: behave as the new mode. */
        e.translated_addr = e.iova;
        e.perm = IOMMU_RW;
        return e;
    case SOFT_IOMMU_TRANSLATE:
        domid = CTX_DOMID(ctx);
        root = qatomic_load_acquire(&s->domains[domid].root_word);
        f = soft_iommu_walk_one(&s->sys_as, root, addr, &m);
        if (f == SOFT_IOMMU_FAULT_NONE) {
            e.iova = m.iova;
            e.translated_addr = m.out;
            e.addr_mask = m.size - 1;
            e.perm = m.perm;
            if ((m.perm & flag) == flag) {
                return e;
            }
            f = SOFT_IOMMU_FAULT_PERM;
        }
        break;
    default:
        break;
    }
    /* IOMMU_NONE is a query (replay, a consumer looking): not a fault. */
    if (flag != IOMMU_NONE) {
        soft_iommu_fault(s, f, dev->devid, domid, addr, flag & IOMMU_WO);
    }
    return e;
}

static int soft_iommu_notify_flag_changed(void *opaque,
                                          IOMMUNotifierFlag old_flags,
                                          IOMMUNotifierFlag new_flags,
                                          GError **errp)
{
    SoftIOMMUDevice *dev = opaque;

    /*
     * Without caching mode a guest need not invalidate after adding a
     * mapping, so MAP events would be unreliable: refuse them rather than
     * let a consumer silently miss mappings.
     */
    if (dev->s->cfg.no_caching_mode && (new_flags & IOMMU_NOTIFIER_MAP)) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_UNAVAILABLE,
                    "%s: MAP notifiers need caching mode", dev->name);
        return -ENOTSUP;
    }
    return 0;
}

static const IOMMUMemoryRegionOps soft_iommu_ops = {
    .translate = soft_iommu_translate,
    .notify_flag_changed = soft_iommu_notify_flag_changed,
    .replay = soft_iommu_replay,
};

/* ---- the IOMMU ---------------------------------------------------------- */

static bool config_check(SoftIOMMUConfig *c, GError **errp)
{
    c->nr_domains = c->nr_domains ?: DEFAULT_NR_DOMAINS;
    c->max_mappings = c->max_mappings ?: DEFAULT_MAX_MAPPINGS;
    c->walk_budget = c->walk_budget ?: DEFAULT_WALK_BUDGET;
    if (c->nr_domains > 65536) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "soft-iommu: %u domains; at most 65536", c->nr_domains);
        return false;
    }
    return true;
}

SoftIOMMU *soft_iommu_new(MemoryRegion *sys_mem, const SoftIOMMUConfig *cfg,
                          GError **errp)
{
    SoftIOMMUConfig c = cfg ? *cfg : (SoftIOMMUConfig){ 0 };
    SoftIOMMU *s;
    unsigned i;

    if (!config_check(&c, errp)) {
        return NULL;
    }
    s = g_new0(SoftIOMMU, 1);
    s->cfg = c;
    s->sys_mem = sys_mem;
    g_mutex_init(&s->cfg_lock);
    g_mutex_init(&s->lock);
    g_mutex_init(&s->fault_lock);
    g_mutex_init(&s->reg_lock);
    s->domains = g_new0(SoftIOMMUDomain, c.nr_domains);
    for (i = 0; i < c.nr_domains; i++) {
        s->domains[i].shadow = g_array_new(false, false,
                                           sizeof(SoftIOMMUMapping));
    }
    s->devices = g_hash_table_new(NULL, NULL);
    address_space_init(&s->sys_as, sys_mem, "soft-iommu-target");
    soft_iommu_regs_init(s);
    return s;
}

void soft_iommu_free(SoftIOMMU *s)
{
    unsigned i;

    if (!s) {
        return;
    }
    if (g_hash_table_size(s->devices)) {
        g_error("soft_iommu_free: %u device(s) still plugged in",
                g_hash_table_size(s->devices));
    }
    if (memory_region_is_mapped(&s->regs)) {
        g_error("soft_iommu_free: register block still mapped");
    }
    memory_region_finalize(&s->regs);
    address_space_destroy(&s->sys_as);
    for (i = 0; i < s->cfg.nr_domains; i++) {
        g_array_free(s->domains[i].shadow, true);
    }
    g_free(s->domains);
    g_hash_table_destroy(s->devices);
    g_mutex_clear(&s->cfg_lock);
    g_mutex_clear(&s->lock);
    g_mutex_clear(&s->fault_lock);
    g_mutex_clear(&s->reg_lock);
    g_free(s);
}

AddressSpace *soft_iommu_target_as(SoftIOMMU *s)
{
    return &s->sys_as;
}

/* ---- devices ------------------------------------------------------------ */

SoftIOMMUDevice *soft_iommu_device_new(SoftIOMMU *s, uint16_t devid,
                                       const char *name, GError **errp)
{
    SoftIOMMUDevice *dev;
    g_autofree char *iommu_name = g_strdup_printf("%s-iommu", name);
    bool taken;

    g_mutex_lock(&s->cfg_lock);
    g_mutex_lock(&s->lock);
    taken = g_hash_table_contains(s->devices, GUINT_TO_POINTER(devid));
    g_mutex_unlock(&s->lock);
    if (taken) {
        g_mutex_unlock(&s->cfg_lock);
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_BUSY,
                    "soft-iommu: device %04x already plugged in", devid);
        return NULL;
    }
    dev = g_new0(SoftIOMMUDevice, 1);
    dev->s = s;
    dev->devid = devid;
    dev->name = g_strdup(name);
    dev->ctx = CTX_MAKE(s->cfg.start_blocked ? SOFT_IOMMU_BLOCKED :
                                               SOFT_IOMMU_PASSTHROUGH,
                        0);
    memory_region_init_iommu(&dev->iommu, &soft_iommu_ops, dev, dev,
                             iommu_name, UINT64_MAX);
    iommu_device_space_init(&dev->space, dev, name, s->sys_mem,
                            &dev->iommu.parent_obj, !s->cfg.start_blocked);

    g_mutex_lock(&s->lock);
    g_hash_table_insert(s->devices, GUINT_TO_POINTER(devid), dev);
    g_mutex_unlock(&s->lock);
    g_mutex_unlock(&s->cfg_lock);
    return dev;
}

void soft_iommu_device_free(SoftIOMMUDevice *dev)
{
    SoftIOMMU *s;

    if (!dev) {
        return;
    }
    s = dev->s;
    g_mutex_lock(&s->cfg_lock);
    g_mutex_lock(&s->lock);
    g_hash_table_remove(s->devices, GUINT_TO_POINTER(dev->devid));
    g_mutex_unlock(&s->lock);
    g_mutex_unlock(&s->cfg_lock);

    iommu_device_space_destroy(&dev->space);
    memory_region_finalize(&dev->iommu.parent_obj);
    g_free(dev->name);
    g_free(dev);
}

AddressSpace *soft_iommu_device_as(SoftIOMMUDevice *dev)
{
    return &dev->space.as;
}

IOMMUMemoryRegion *soft_iommu_device_iommu(SoftIOMMUDevice *dev)
{
    return &dev->iommu;
}

MemoryRegion *soft_iommu_device_dma_root(SoftIOMMUDevice *dev)
{
    return &dev->space.root;
}

int soft_iommu_set_device(SoftIOMMU *s, uint32_t devid, SoftIOMMUMode mode,
                          uint32_t domid)
{
    SoftIOMMUDevice *dev;
    uint32_t old, new;

    if (mode > SOFT_IOMMU_PASSTHROUGH) {
        return -EINVAL;
    }
    if (mode != SOFT_IOMMU_TRANSLATE) {
        domid = 0;
    } else if (domid >= s->cfg.nr_domains) {
        return -ERANGE;
    }
    g_mutex_lock(&s->cfg_lock);
    g_mutex_lock(&s->lock);
    dev = devid <= UINT16_MAX ?
              g_hash_table_lookup(s->devices, GUINT_TO_POINTER(devid)) :
              NULL;
    if (!dev) {
        g_mutex_unlock(&s->lock);
        g_mutex_unlock(&s->cfg_lock);
        return -ENODEV;
    }
    old = dev->ctx;
    new = CTX_MAKE(mode, domid);
    if (old != new) {
        /* Consumers drop the old domain's mappings before it changes. */
        if (CTX_MODE(old) == SOFT_IOMMU_TRANSLATE) {
            soft_iommu_send_domain(s, dev, CTX_DOMID(old),
                                   IOMMU_NOTIFIER_UNMAP);
        }
        qatomic_store_release(&dev->ctx, new);
        if (mode == SOFT_IOMMU_TRANSLATE) {
            soft_iommu_send_domain(s, dev, domid, IOMMU_NOTIFIER_MAP);
        }
    }
    g_mutex_unlock(&s->lock);
    /*
     * Outside s->lock: the switch commits, and listeners that register
     * IOMMU notifiers replay them, which takes s->lock.
     */
    iommu_device_space_set_bypass(&dev->space, mode == SOFT_IOMMU_PASSTHROUGH);
    g_mutex_unlock(&s->cfg_lock);
    return 0;
}

/* ---- domains ------------------------------------------------------------ */

int soft_iommu_set_domain(SoftIOMMU *s, uint32_t domid, hwaddr root,
                          unsigned levels)
{
    if (domid >= s->cfg.nr_domains) {
        return -ERANGE;
    }
    if (levels > SOFT_IOMMU_MAX_LEVELS || (root & ~SOFT_IOMMU_PTE_ADDR)) {
        return -EINVAL;
    }
    g_mutex_lock(&s->lock);
    qatomic_store_release(&s->domains[domid].root_word,
                          levels ? root | levels : 0);
    soft_iommu_sync(s, domid, 0, UINT64_MAX);
    g_mutex_unlock(&s->lock);
    return 0;
}

int soft_iommu_invalidate(SoftIOMMU *s, uint32_t domid, hwaddr iova,
                          uint64_t size)
{
    hwaddr last;

    if (domid >= s->cfg.nr_domains) {
        return -ERANGE;
    }
    if (size == 0) {
        iova = 0;
        last = UINT64_MAX;
    } else {
        last = (size - 1 > UINT64_MAX - iova) ? UINT64_MAX : iova + size - 1;
    }
    g_mutex_lock(&s->lock);
    soft_iommu_sync(s, domid, iova, last);
    g_mutex_unlock(&s->lock);
    return 0;
}
