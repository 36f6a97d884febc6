/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-device DMA address spaces: passthrough (iommu=pt) versus
 * translation, switched at run time with mappings, bounce buffers and
 * caches in flight, and with readers running on another thread.
 */
#include <inttypes.h>
#include "exec/memcore-atomic.h"
#include "iommu-test.h"

#define MMIO_BASE 0x10000000ULL

static uint64_t mmio_last_addr, mmio_last_data;
static unsigned mmio_writes;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x5050505050505050ULL;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    mmio_last_addr = addr;
    mmio_last_data = data;
    mmio_writes++;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static MemoryRegion mmio;

static void pt_setup(void)
{
    machine_setup();
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x1000);
    memory_region_add_subregion(&m.sys, MMIO_BASE, &mmio);
    mmio_writes = 0;
}

START_TEST(test_starts_in_passthrough)
{
    MemTxResult r;

    /* Before the guest programs anything, DMA is guest-physical. */
    m.ram_ptr[0x123456] = 0x21;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x123456, ATTRS, &r), 0x21);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_stl_le(m.dev_as, MMIO_BASE + 8, 7, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(mmio_writes, 1);
}
END_TEST

START_TEST(test_start_blocked)
{
    SoftIOMMUConfig cfg = { .start_blocked = true };
    MemTxResult r;

    machine_setup_cfg(&cfg);
    address_space_ldub(m.dev_as, 0x1000, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(fault_pop_reason(), SOFT_IOMMU_FAULT_BLOCKED);
}
END_TEST

START_TEST(test_inflight_ram_mapping_survives_switch)
{
    hwaddr len = 0x1000;
    uint8_t *p;

    guest_map(0x1000, 0x200000, 0x1000, IOMMU_RW);
    machine_translate();
    p = address_space_map(m.dev_as, 0x1000, &len, true, ATTRS);
    ck_assert_ptr_eq(p, m.ram_ptr + 0x200000);

    /* The guest asks for iommu=pt while the DMA is running. */
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     0);
    memset(p, 0xee, len);
    address_space_unmap(m.dev_as, p, len, true, len);
    ck_assert_uint_eq(m.ram_ptr[0x200fff], 0xee);
    ck_assert_uint_eq(m.ram_ptr[0x1000], 0);

    /* New DMA sees guest-physical addresses. */
    m.ram_ptr[0x1000] = 0x44;
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x1000, ATTRS, NULL), 0x44);

    /* And the other way: a passthrough mapping outlives translation. */
    len = 0x2000;
    p = address_space_map(m.dev_as, 0x3000, &len, false, ATTRS);
    ck_assert_ptr_eq(p, m.ram_ptr + 0x3000);
    ck_assert_uint_eq(len, 0x2000);
    machine_translate();
    ck_assert_uint_eq(p[0x1fff], 0);
    address_space_unmap(m.dev_as, p, len, false, 0);
    ck_assert_uint_eq(address_space_ldub(m.dev_as, 0x1000, ATTRS, NULL), 0xee);
}
END_TEST

START_TEST(test_inflight_bounce_writes_back_to_translated_address)
{
    AddressSpaceStats st;
    hwaddr len = 4;
    uint8_t *p;

    guest_map(0x7000, MMIO_BASE, 0x1000, IOMMU_RW);
    machine_translate();
    p = address_space_map(m.dev_as, 0x7010, &len, true, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, 4);
    ck_assert(p < m.ram_ptr || p >= m.ram_ptr + RAM_SIZE);

    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     0);
    memcpy(p, "\x78\x56\x34\x12", 4);
    address_space_unmap(m.dev_as, p, len, true, 4);
    /* Written where the DMA was translated to when it started. */
    ck_assert_uint_eq(mmio_writes, 1);
    ck_assert_uint_eq(mmio_last_addr, 0x10);
    ck_assert_uint_eq(mmio_last_data, 0x12345678);
    ck_assert_uint_eq(ldl_le_p(m.ram_ptr + 0x7010), 0);
    address_space_get_stats(m.dev_as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
}
END_TEST

START_TEST(test_inflight_cache_survives_switch)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    MemTxResult r;

    guest_map(0x9000, 0x400000, 0x1000, IOMMU_RW);
    machine_translate();
    ck_assert_int_eq(address_space_cache_init(&c, m.dev_as, 0x9000, 0x100,
                                              true),
                     0x100);
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     0);
    /* Like QEMU's, a cache does not follow: it keeps its memory valid. */
    address_space_stl_le_cached(&c, 0, 0xabcd, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(ldl_le_p(m.ram_ptr + 0x400000), 0xabcd);
    address_space_cache_destroy(&c);
    ck_assert_int_eq(memory_region_outstanding_maps(&m.ram), 0);
}
END_TEST

/* ---- what a listener on the device space hears -------------------------- */

typedef struct CountingListener {
    MemoryListener ml;
    unsigned begins, commits, adds, dels, iommu_adds, iommu_dels;
} CountingListener;

static void cl_begin(MemoryListener *l)
{
    ((CountingListener *)l)->begins++;
}

static void cl_commit(MemoryListener *l)
{
    ((CountingListener *)l)->commits++;
}

static void cl_add(MemoryListener *l, MemoryRegionSection *s)
{
    CountingListener *cl = (CountingListener *)l;

    cl->adds++;
    cl->iommu_adds += memory_region_get_iommu(s->mr) != NULL;
}

static void cl_del(MemoryListener *l, MemoryRegionSection *s)
{
    CountingListener *cl = (CountingListener *)l;

    cl->dels++;
    cl->iommu_dels += memory_region_get_iommu(s->mr) != NULL;
}

START_TEST(test_switch_is_one_commit)
{
    CountingListener cl = {
        .ml = { .begin = cl_begin,
                .commit = cl_commit,
                .region_add = cl_add,
                .region_del = cl_del,
                .name = "count" },
    };

    memory_listener_register(&cl.ml, m.dev_as);
    ck_assert_uint_eq(cl.adds, 2); /* RAM and MMIO */
    memset(&cl.begins, 0, sizeof(cl) - offsetof(CountingListener, begins));

    machine_translate();
    ck_assert_uint_eq(cl.commits, 1);
    ck_assert_uint_eq(cl.dels, 2);
    ck_assert_uint_eq(cl.adds, 1);
    ck_assert_uint_eq(cl.iommu_adds, 1);

    memset(&cl.begins, 0, sizeof(cl) - offsetof(CountingListener, begins));
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID, SOFT_IOMMU_BLOCKED,
                                           0),
                     0);
    /* Blocked keeps the IOMMU region: nothing changes in the view. */
    ck_assert_uint_eq(cl.commits, 0);
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     0);
    ck_assert_uint_eq(cl.commits, 1);
    ck_assert_uint_eq(cl.iommu_dels, 1);
    ck_assert_uint_eq(cl.adds, 2);
    memory_listener_unregister(&cl.ml);
}
END_TEST

/* ---- readers on another thread while the mode flips ---------------------- */

typedef struct Hammer {
    bool stop; /* atomic: set by the main thread */
    unsigned reads, bad;
    uint64_t last_bad;
    MemTxResult last_r;
} Hammer;

#define PT_TAG 0x1111111111111111ULL
#define XL_TAG 0x2222222222222222ULL

static gpointer hammer_thread(gpointer opaque)
{
    Hammer *h = opaque;

    while (!qatomic_load_acquire(&h->stop)) {
        MemTxResult r;
        uint64_t v = address_space_ldq_le(m.dev_as, 0x5000, ATTRS, &r);

        if (r != MEMTX_OK || (v != PT_TAG && v != XL_TAG)) {
            h->bad++;
            h->last_bad = v;
            h->last_r = r;
        }
        h->reads++;
    }
    return NULL;
}

START_TEST(test_switch_atomic_for_readers)
{
    Hammer h = { 0 };
    GThread *t;
    unsigned i;

    /* The same DMA address reads PT_TAG bypassed, XL_TAG translated. */
    memcpy(m.ram_ptr + 0x5000, &(uint64_t){ GUINT64_TO_LE(PT_TAG) }, 8);
    memcpy(m.ram_ptr + 0x600000, &(uint64_t){ GUINT64_TO_LE(XL_TAG) }, 8);
    ck_assert_int_eq(soft_iommu_pt_map(&m.pt, 0x5000, 0x600000, 0x1000,
                                       IOMMU_RW),
                     0);
    ck_assert_int_eq(soft_iommu_set_domain(m.iommu, DOMID, m.pt.root, 4), 0);

    t = g_thread_new("hammer", hammer_thread, &h);
    for (i = 0; i < 400; i++) {
        ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                               i & 1 ? SOFT_IOMMU_PASSTHROUGH :
                                                       SOFT_IOMMU_TRANSLATE,
                                               DOMID),
                         0);
        g_usleep(50);
    }
    qatomic_store_release(&h.stop, true);
    g_thread_join(t);
    ck_assert_msg(h.bad == 0, "%u of %u reads saw %#" PRIx64 " (r=%u)", h.bad,
                  h.reads, h.last_bad, h.last_r);
    ck_assert_uint_gt(h.reads, 400);
}
END_TEST

START_TEST(test_device_free_and_replug)
{
    GError *err = NULL;

    ck_assert_ptr_null(soft_iommu_device_new(m.iommu, DEVID, "dup", &err));
    ck_assert(err);
    g_clear_error(&err);
    machine_translate();
    soft_iommu_device_free(m.dev);
    ck_assert_int_eq(soft_iommu_set_device(m.iommu, DEVID,
                                           SOFT_IOMMU_PASSTHROUGH, 0),
                     -ENODEV);
    m.dev = soft_iommu_device_new(m.iommu, DEVID, "dev0-again", &err);
    ck_assert_ptr_nonnull(m.dev);
    m.ram_ptr[0x10] = 0x10;
    ck_assert_uint_eq(address_space_ldub(soft_iommu_device_as(m.dev), 0x10,
                                         ATTRS, NULL),
                      0x10);
    soft_iommu_device_free(m.dev);
    soft_iommu_free(m.iommu);
}
END_TEST

static Suite *passthrough_suite(void)
{
    Suite *s = suite_create("iommu-passthrough");
    TCase *tc = tcase_create("switch");

    tcase_add_checked_fixture(tc, pt_setup, NULL);
    tcase_add_test(tc, test_starts_in_passthrough);
    tcase_add_test(tc, test_inflight_ram_mapping_survives_switch);
    tcase_add_test(tc, test_inflight_bounce_writes_back_to_translated_address);
    tcase_add_test(tc, test_inflight_cache_survives_switch);
    tcase_add_test(tc, test_switch_is_one_commit);
    tcase_add_test(tc, test_switch_atomic_for_readers);
    tcase_add_test(tc, test_device_free_and_replug);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, test_start_blocked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(passthrough_suite());
}
