/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the tests/unit/iommu suites: a small machine with RAM,
 * the soft IOMMU, one device behind it and guest page tables, plus a
 * notifier that records what it hears.
 *
 * Check runs every test in its own process, so the machine is per test.
 */
#ifndef TESTS_UNIT_IOMMU_IOMMU_TEST_H
#define TESTS_UNIT_IOMMU_IOMMU_TEST_H

#include <check.h>
#include <errno.h>
#include <string.h>

#include "hw/models/soft-iommu.h"
#include "hw/models/soft-iommu-pgtable.h"
#include "tests/unit/unit-helpers.h"

#define RAM_SIZE (64ULL << 20)
#define PT_POOL (48ULL << 20) /* guest pages for page tables */
#define PT_POOL_SIZE (16ULL << 20)
#define DEVID 0x0810
#define DOMID 1

/* Little-endian loads from host memory, for checking guest RAM. */
static inline uint32_t ldl_le_p(const void *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT32_FROM_LE(v);
}

static inline uint64_t ldq_le_p(const void *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

typedef struct IommuMachine {
    MemoryRegion sys, ram;
    AddressSpace cpu_as; /* the guest CPUs' view */
    uint8_t *ram_ptr;
    SoftIOMMU *iommu;
    SoftIOMMUDevice *dev;
    AddressSpace *dev_as;
    SoftIOMMUPageTable pt;
} IommuMachine;

static IommuMachine m;

static inline void machine_setup_cfg(const SoftIOMMUConfig *cfg)
{
    GError *err = NULL;

    memory_region_init(&m.sys, NULL, "system", UINT64_MAX);
    unit_ram(&m.ram, "ram", RAM_SIZE);
    m.ram_ptr = memory_region_get_ram_ptr(&m.ram);
    memory_region_add_subregion(&m.sys, 0, &m.ram);
    address_space_init(&m.cpu_as, &m.sys, "cpu");

    m.iommu = soft_iommu_new(&m.sys, cfg, &err);
    ck_assert_msg(m.iommu, "%s", err ? err->message : "?");
    m.dev = soft_iommu_device_new(m.iommu, DEVID, "dev0", &err);
    ck_assert_msg(m.dev, "%s", err ? err->message : "?");
    m.dev_as = soft_iommu_device_as(m.dev);
    ck_assert_int_eq(soft_iommu_pt_init(&m.pt, &m.cpu_as, PT_POOL,
                                        PT_POOL_SIZE, 4),
                     0);
}

static inline void machine_setup(void)
{
    machine_setup_cfg(NULL);
}

/* Give domain DOMID the tables m.pt and put the device in it. */
static inline void machine_translate(void)
{
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, m.pt.root,
                                           m.pt.levels),
                     0);
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_TRANSLATE, DOMID),
                     0);
}

/* Map in the guest tables and invalidate, as a guest driver does. */
static inline void guest_map(hwaddr iova, hwaddr pa, uint64_t size,
                             IOMMUAccessFlags perm)
{
    ck_assert_int_eq(soft_iommu_pt_map(&m.pt, iova, pa, size, perm), 0);
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, iova, size), 0);
}

static inline void guest_unmap(hwaddr iova, uint64_t size)
{
    ck_assert_int_eq(soft_iommu_pt_unmap(&m.pt, iova, size), 0);
    ck_assert_int_eq(soft_iommu_invalidate(m.iommu, DOMID, iova, size), 0);
}

/* The oldest fault's reason, or SOFT_IOMMU_FAULT_NONE. */
static inline SoftIOMMUFaultReason fault_pop_reason(void)
{
    SoftIOMMUFault f;

    return soft_iommu_fault_pop(m.iommu, &f) ? f.reason :
                                               SOFT_IOMMU_FAULT_NONE;
}

/* A one-byte DMA at @iova must fail with @want and log @reason. */
static inline void expect_fault(hwaddr iova, bool is_write, MemTxResult want,
                                SoftIOMMUFaultReason reason)
{
    uint8_t b = 0;

    ck_assert_uint_eq(address_space_rw(m.dev_as, iova, MEMTXATTRS_UNSPECIFIED,
                                       &b, 1, is_write),
                      want);
    ck_assert_uint_eq(fault_pop_reason(), reason);
}

static inline void fault_drain(void)
{
    SoftIOMMUFault f;

    while (soft_iommu_fault_pop(m.iommu, &f)) {
    }
}

/* ---- a notifier that records events ------------------------------------ */

typedef struct EventLog {
    IOMMUNotifier n;
    GArray *ev; /* IOMMUTLBEntry */
} EventLog;

static void event_log_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    EventLog *log = (EventLog *)n;

    g_array_append_val(log->ev, *e);
}

static inline void event_log_register(EventLog *log, MemoryRegion *mr,
                                      hwaddr start, hwaddr end)
{
    log->ev = g_array_new(false, false, sizeof(IOMMUTLBEntry));
    iommu_notifier_init(&log->n, event_log_notify, IOMMU_NOTIFIER_ALL, start,
                        end, 0);
    ck_assert_int_eq(memory_region_register_iommu_notifier(mr, &log->n, NULL),
                     0);
}

static inline IOMMUTLBEntry *event_at(EventLog *log, guint i)
{
    ck_assert_uint_lt(i, log->ev->len);
    return &g_array_index(log->ev, IOMMUTLBEntry, i);
}

/* Check event @i: MAP (@perm != NONE) or UNMAP of [iova, iova+size) -> out. */
static inline void event_is(EventLog *log, guint i, hwaddr iova, uint64_t size,
                            hwaddr out, IOMMUAccessFlags perm)
{
    IOMMUTLBEntry *e = event_at(log, i);

    ck_assert_msg(e->iova == iova && e->addr_mask == size - 1 &&
                      e->translated_addr == out && e->perm == perm,
                  "event %u: got iova %#" PRIx64 " mask %#" PRIx64
                  " out %#" PRIx64 " perm %d; want %#" PRIx64 " %#" PRIx64
                  " %#" PRIx64 " %d",
                  i, e->iova, e->addr_mask, e->translated_addr, e->perm, iova,
                  size - 1, out, perm);
}

#endif /* TESTS_UNIT_IOMMU_IOMMU_TEST_H */
