/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers on several threads hammer address_space_read() while a writer
 * changes the topology. Readers take no lock; they must never crash, and
 * must always see one of the two states the writer flips between, never
 * a mix or freed memory.
 */
#include <string.h>
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

    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint8_t buf[64];
        MemTxResult r = address_space_read(&as, 0x10000, ATTRS, buf,
                                           sizeof(buf));
        int i;

        /* Either region a (all 0xaa), region b (all 0xbb), or nothing. */
        if (r == MEMTX_OK) {
            for (i = 1; i < 64; i++) {
                if (buf[i] != buf[0] || (buf[0] != 0xaa && buf[0] != 0xbb)) {
                    ck_abort_msg("torn read: byte %d is %02x, byte 0 %02x",
                                 i, buf[i], buf[0]);
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
    __atomic_store_n(&stop, true, __ATOMIC_RELAXED);
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

int main(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("readers");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_readers_vs_topology_writer);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
