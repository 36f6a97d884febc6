/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The soft IOMMU's register block: how a guest programs device contexts
 * and domain roots, invalidates, and reads faults. The layout is in
 * include/hw/models/soft-iommu.h.
 *
 * Registers are 64 bits; a 4-byte access reaches one half. Commands run
 * when the low half of their register is written (8-byte writes include
 * it), so a guest with only 4-byte accesses writes the high half first.
 * FAULT_POP pops when its low half is read; its high half then reads the
 * same fault.
 *
 * Lock rules: reg_lock serializes register accesses and is taken before
 * any other soft IOMMU lock. Callbacks run with no memcore lock held, so
 * commands may switch address spaces.
 */
#include <errno.h>

#include "exec/memcore-atomic.h"
#include "soft-iommu-internal.h"

/* Replace the half of @reg that an access at @off of @size touches. */
static void put_half(uint64_t *reg, hwaddr off, unsigned size, uint64_t val)
{
    if (size == 8) {
        *reg = val;
    } else if (off & 4) {
        *reg = (*reg & 0xffffffffULL) | (val << 32);
    } else {
        *reg = (*reg & ~0xffffffffULL) | (val & 0xffffffffULL);
    }
}

static uint64_t get_half(uint64_t reg, hwaddr off, unsigned size)
{
    if (size == 8) {
        return reg;
    }
    return (off & 4) ? reg >> 32 : reg & 0xffffffffULL;
}

static uint64_t encode_fault(const SoftIOMMUFault *f)
{
    uint64_t v = f->reason | (f->is_write ? 1ULL << 8 : 0);

    if (f->devid >= 0) {
        v |= (1ULL << 9) | ((uint64_t)f->devid << 16);
    }
    if (f->domid >= 0) {
        v |= (1ULL << 10) | ((uint64_t)f->domid << 32);
    }
    return v;
}

static uint64_t dev_ctx_value(SoftIOMMU *s)
{
    SoftIOMMUDevice *dev;
    uint64_t v = 0;

    g_mutex_lock(&s->lock);
    dev = g_hash_table_lookup(s->devices,
                              GUINT_TO_POINTER(s->reg_dev_sel & 0xffff));
    if (dev) {
        v = CTX_MODE(dev->ctx) | ((uint64_t)CTX_DOMID(dev->ctx) << 16);
    }
    g_mutex_unlock(&s->lock);
    return v;
}

static uint64_t reg_value(SoftIOMMU *s, hwaddr reg, bool pop)
{
    SoftIOMMUFault f;
    uint64_t v;

    switch (reg) {
    case SOFT_IOMMU_REG_CAP:
        return SOFT_IOMMU_CAP_VERSION |
               ((uint64_t)SOFT_IOMMU_MAX_LEVELS
                << SOFT_IOMMU_CAP_LEVELS_SHIFT) |
               (s->cfg.no_caching_mode ? 0 : SOFT_IOMMU_CAP_CM) |
               ((uint64_t)s->cfg.nr_domains << SOFT_IOMMU_CAP_DOMS_SHIFT);
    case SOFT_IOMMU_REG_DEV_SEL:
        return s->reg_dev_sel;
    case SOFT_IOMMU_REG_DEV_CTX:
        return dev_ctx_value(s);
    case SOFT_IOMMU_REG_DOM_SEL:
        return s->reg_dom_sel;
    case SOFT_IOMMU_REG_DOM_ROOT:
        return s->reg_dom_sel < s->cfg.nr_domains ?
                   qatomic_read(&s->domains[s->reg_dom_sel].root_word) :
                   0;
    case SOFT_IOMMU_REG_INV_ADDR:
        return s->reg_inv_addr;
    case SOFT_IOMMU_REG_INV_SIZE:
        return s->reg_inv_size;
    case SOFT_IOMMU_REG_STATUS:
        return s->reg_status;
    case SOFT_IOMMU_REG_FAULT_COUNT:
        g_mutex_lock(&s->fault_lock);
        v = s->stats.faults[0];
        g_mutex_unlock(&s->fault_lock);
        return v;
    case SOFT_IOMMU_REG_FAULT_POP:
        if (pop) {
            s->reg_fault_pop = soft_iommu_fault_pop(s, &f) ? encode_fault(&f) :
                                                             0;
            s->reg_fault_addr = s->reg_fault_pop ? f.iova : 0;
        }
        return s->reg_fault_pop;
    case SOFT_IOMMU_REG_FAULT_ADDR:
        return s->reg_fault_addr;
    default:
        return 0;
    }
}

static uint64_t soft_iommu_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    SoftIOMMU *s = opaque;
    uint64_t v;

    g_mutex_lock(&s->reg_lock);
    v = reg_value(s, addr & ~7ULL, !(addr & 4));
    g_mutex_unlock(&s->reg_lock);
    return get_half(v, addr, size);
}

/* Run the command of @reg with its latched value; return 0 or errno. */
static int reg_command(SoftIOMMU *s, hwaddr reg)
{
    switch (reg) {
    case SOFT_IOMMU_REG_DEV_CTX:
        if (s->reg_dev_sel > UINT16_MAX) {
            return ENODEV;
        }
        return -soft_iommu_set_device(s, s->reg_dev_sel, s->reg_dev_ctx & 3,
                                      (s->reg_dev_ctx >> 16) & 0xffffffffULL);
    case SOFT_IOMMU_REG_DOM_ROOT:
        if (s->reg_dom_sel > UINT32_MAX) {
            return ERANGE;
        }
        return -soft_iommu_set_domain(s, s->reg_dom_sel,
                                      s->reg_dom_root & SOFT_IOMMU_PTE_ADDR,
                                      s->reg_dom_root &
                                          SOFT_IOMMU_ROOT_LEVELS);
    case SOFT_IOMMU_REG_INV_CMD:
        if (s->reg_inv_cmd > UINT32_MAX) {
            return ERANGE;
        }
        return -soft_iommu_invalidate(s, s->reg_inv_cmd, s->reg_inv_addr,
                                      s->reg_inv_size);
    default:
        return 0;
    }
}

static uint64_t *reg_latch(SoftIOMMU *s, hwaddr reg)
{
    switch (reg) {
    case SOFT_IOMMU_REG_DEV_SEL:
        return &s->reg_dev_sel;
    case SOFT_IOMMU_REG_DEV_CTX:
        return &s->reg_dev_ctx;
    case SOFT_IOMMU_REG_DOM_SEL:
        return &s->reg_dom_sel;
    case SOFT_IOMMU_REG_DOM_ROOT:
        return &s->reg_dom_root;
    case SOFT_IOMMU_REG_INV_ADDR:
        return &s->reg_inv_addr;
    case SOFT_IOMMU_REG_INV_SIZE:
        return &s->reg_inv_size;
    case SOFT_IOMMU_REG_INV_CMD:
        return &s->reg_inv_cmd;
    default:
        return NULL; /* read-only or unassigned: writes ignored */
    }
}

static void soft_iommu_reg_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    SoftIOMMU *s = opaque;
    hwaddr reg = addr & ~7ULL;
    uint64_t *latch;

    g_mutex_lock(&s->reg_lock);
    latch = reg_latch(s, reg);
    if (latch) {
        put_half(latch, addr, size, val);
        if (!(addr & 4) &&
            (reg == SOFT_IOMMU_REG_DEV_CTX || reg == SOFT_IOMMU_REG_DOM_ROOT ||
             reg == SOFT_IOMMU_REG_INV_CMD)) {
            s->reg_status = reg_command(s, reg);
        }
    }
    g_mutex_unlock(&s->reg_lock);
}

static const MemoryRegionOps soft_iommu_reg_ops = {
    .read = soft_iommu_reg_read,
    .write = soft_iommu_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

void soft_iommu_regs_init(SoftIOMMU *s)
{
    memory_region_init_io(&s->regs, s, &soft_iommu_reg_ops, s,
                          "soft-iommu-regs", SOFT_IOMMU_REG_SIZE);
}

MemoryRegion *soft_iommu_regs(SoftIOMMU *s)
{
    return &s->regs;
}
