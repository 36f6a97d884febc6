/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers on several threads hammer address_space_read() while a writer
 * changes the topology. Readers take no lock; they must never crash, and
 * must always see one of the two states the writer flips between, never
 * a mix or freed memory.
 */
#include <string.h>
#include "exec/memcore-atomic.h"
#include "unit-helpers.h"

#define READERS 3

static MemoryRegion root, ram_a, ram_b, alias;
static AddressSpace as;
static volatile bool stop;
static uint64_t reads_done[READERS];

static gpointer reader(gpointer arg)
{
    uintptr_t id = (uintptr_t)arg;
    uint64_t n = 0;

    while (!qatomic_read(&stop)) {
        uint8_t buf[64];
        MemTxResult r = address_space_read(&as, 0x10000, ATTRS, buf,
                                           sizeof(buf));
        int i;

        /* Either region a (all 0xaa), region b (all 0xbb), or nothing. */
        if (r == MEMTX_OK) {
            for (i = 1; i < 64; i++) {
                if (buf[i] != buf[0] || (buf[0] != 0xaa && buf[0] != 0xbb)) {
                    ck_abort_msg("torn read: byte %d is %02x, byte 0 %02x", i,
                                 buf[i], buf[0]);
                }
            }
        } else if (r != MEMTX_DECODE_ERROR) {
            ck_abort_msg("unexpected result %u", r);
        }
        n++;
    }
    reads_done[id] = n;
    return NULL;
}

START_TEST(test_readers_vs_topology_writer)
{
    GThread *t[READERS];
    uintptr_t i;
    int round;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram_a, "a", 0x1000);
    unit_ram(&ram_b, "b", 0x1000);
    memset(memory_region_get_ram_ptr(&ram_a), 0xaa, 0x1000);
    memset(memory_region_get_ram_ptr(&ram_b), 0xbb, 0x1000);
    memory_region_init_alias(&alias, NULL, "window", &ram_a, 0, 0x1000);
    memory_region_add_subregion(&root, 0x10000, &alias);
    address_space_init(&as, &root, "conc");

    for (i = 0; i < READERS; i++) {
        t[i] = g_thread_new("reader", reader, (gpointer)i);
    }
    for (round = 0; round < 3000; round++) {
        switch (round % 3) {
        case 0:
            memory_region_set_enabled(&alias, false);
            break;
        case 1:
            memory_region_set_enabled(&alias, true);
            memory_region_add_subregion_overlap(&root, 0x10000, &ram_b, 1);
            break;
        case 2:
            memory_region_del_subregion(&root, &ram_b);
            break;
        }
    }
    qatomic_set(&stop, true);
    for (i = 0; i < READERS; i++) {
        g_thread_join(t[i]);
        ck_assert_uint_gt(reads_done[i], 0);
    }
    address_space_destroy(&as);
    memory_region_del_subregion(&root, &alias);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram_b);
    memory_region_finalize(&ram_a);
}
END_TEST

/* ---- mappers against a topology writer ------------------------------- */

static MemoryRegion m_root, m_ram, m_io, m_od, m_alias;
static AddressSpace m_as;
static uint8_t od_mem[0x10000];
static int od_live;
static uint32_t io_scratch;

static void *od_map(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                    MemTxAttrs attrs, MemTxResult *result)
{
    if (addr >= sizeof(od_mem)) {
        *plen = 0;
        *result = MEMTX_DECODE_ERROR;
        return NULL;
    }
    *plen = MIN(*plen, sizeof(od_mem) - addr);
    qatomic_fetch_add_relaxed(&od_live, 1);
    return od_mem + addr;
}

static void od_unmap(void *opaque, void *host, hwaddr addr, hwaddr len,
                     bool is_write, hwaddr access_len)
{
    qatomic_fetch_sub_relaxed(&od_live, 1);
}

static const MemoryRegionOps od_ops = {
    .map_with_result = od_map,
    .unmap = od_unmap,
};

static uint64_t io_rd(void *o, hwaddr a, unsigned s)
{
    return qatomic_read(&io_scratch);
}

static void io_wr(void *o, hwaddr a, uint64_t v, unsigned s)
{
    qatomic_set(&io_scratch, (uint32_t)v);
}

static const MemoryRegionOps io_ops = {
    .read = io_rd,
    .write = io_wr,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static gpointer mapper(gpointer arg)
{
    static const hwaddr targets[] = { 0x1000, 0x100000, 0x200000, 0x300000 };
    uintptr_t id = (uintptr_t)arg;
    unsigned i;

    for (i = 0; i < 20000; i++) {
        hwaddr addr = targets[(i + id) % 4] + (i % 16) * 64;
        hwaddr len = 64;
        bool is_write = i & 1;
        uint8_t *p = address_space_map(&m_as, addr, &len, is_write, ATTRS);

        if (p) {
            if (is_write) {
                memset(p, id, len);
            } else {
                volatile uint8_t x = p[len - 1];
                (void)x;
            }
            address_space_unmap(&m_as, p, len, is_write, len);
        }
    }
    return NULL;
}

START_TEST(test_mappers_vs_topology_writer)
{
    GThread *t[3];
    AddressSpaceStats st;
    uintptr_t i;
    int round;

    memory_region_init(&m_root, NULL, "root", UINT64_MAX);
    unit_ram(&m_ram, "ram", 0x10000);
    memory_region_init_io(&m_io, NULL, &io_ops, NULL, "io", 0x1000);
    memory_region_init_io(&m_od, NULL, &od_ops, NULL, "od", sizeof(od_mem));
    memory_region_init_alias(&m_alias, NULL, "alias", &m_ram, 0, 0x1000);
    memory_region_add_subregion(&m_root, 0, &m_ram);
    memory_region_add_subregion(&m_root, 0x100000, &m_io);
    memory_region_add_subregion(&m_root, 0x200000, &m_od);
    memory_region_add_subregion(&m_root, 0x300000, &m_alias);
    address_space_init(&m_as, &m_root, "mappers");
    address_space_set_max_bounce_buffer_size(&m_as, 256);

    for (i = 0; i < 3; i++) {
        t[i] = g_thread_new("mapper", mapper, (gpointer)(i + 1));
    }
    for (round = 0; round < 2000; round++) {
        memory_region_transaction_begin();
        memory_region_set_enabled(&m_alias, round & 1);
        memory_region_set_address(&m_od, round & 2 ? 0x200000 : 0x280000);
        memory_region_transaction_commit();
        if (round % 50 == 0) {
            memory_region_del_subregion(&m_root, &m_io);
            memory_region_add_subregion(&m_root, 0x100000, &m_io);
        }
    }
    for (i = 0; i < 3; i++) {
        g_thread_join(t[i]);
    }
    address_space_get_stats(&m_as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    ck_assert_uint_eq(st.bounce_in_use, 0);
    ck_assert_uint_gt(st.maps, 0);
    ck_assert_int_eq(od_live, 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&m_ram), 0);
    ck_assert_int_eq(memory_region_outstanding_maps(&m_od), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("readers");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_readers_vs_topology_writer);
    tcase_add_test(tc, test_mappers_vs_topology_writer);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
