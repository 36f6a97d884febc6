/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA re-entrancy loop of CVE-2023-0330 (lsi53c895a), played by a
 * guest against a small script-executing device.
 *
 * The device fetches a chain of descriptors from guest RAM when its
 * DOORBELL register is written, and for each descriptor DMA-writes a
 * value to the address it names. The hostile guest points a descriptor at
 * the device's own DOORBELL, which without protection starts the chain
 * again from inside itself: unbounded recursion, a stack overflow in
 * QEMU before 8.1. With the re-entrancy guard the nested access must be
 * refused with MEMTX_ACCESS_ERROR before the device is entered again, so
 * the doorbell handler never runs twice at once and the stack does not
 * grow, however long the chain and whichever way the DMA goes (direct
 * write, read, a bounce mapping written back, an alias of the registers,
 * another device that DMAs back). The long chain runs on a thread with a
 * 512 KiB stack: recursion once per descriptor would need megabytes.
 */
#include <pthread.h>
#include <string.h>

#include "tests/unit/unit-helpers.h"

#define DEV_BASE 0x10000000ULL
#define DEV_ALIAS 0x20000000ULL
#define PEER_BASE 0x30000000ULL
#define REG_DOORBELL 0x0
#define REG_CHAIN 0x8
#define CHAIN_ADDR 0x1000 /* descriptors live here in RAM */

enum {
    DMA_WRITE,
    DMA_READ,
    DMA_MAP
};

/* A descriptor, as the guest writes it into RAM. */
typedef struct Desc {
    uint64_t target;
    uint32_t value;
    uint32_t kind; /* DMA_WRITE, DMA_READ, DMA_MAP */
} Desc;

typedef struct ScriptDev {
    MemoryRegion mmio;
    MemReentrancyGuard guard;
    AddressSpace *as;
    unsigned chain_len;
    int depth, max_depth, doorbells;
    unsigned refused_seen, ok_seen;
} ScriptDev;

static MemoryRegion root, ram, alias;
static AddressSpace as;
static ScriptDev dev, peer;

static void run_descriptor(ScriptDev *d, const Desc *desc)
{
    uint32_t v = desc->value;
    hwaddr len = 4;
    MemTxResult r;
    void *p;

    switch (desc->kind) {
    case DMA_READ:
        r = address_space_read(d->as, desc->target, ATTRS, &v, 4);
        break;
    case DMA_MAP:
        /* The write-back at unmap is where the device would re-enter. */
        p = address_space_map(d->as, desc->target, &len, true, ATTRS);
        if (!p) {
            r = MEMTX_ERROR;
            break;
        }
        memcpy(p, &v, MIN(len, 4));
        address_space_unmap(d->as, p, len, true, len);
        r = MEMTX_OK;
        break;
    default:
        r = address_space_write(d->as, desc->target, ATTRS, &v, 4);
        break;
    }
    if (r == MEMTX_ACCESS_ERROR) {
        d->refused_seen++;
    } else if (r == MEMTX_OK) {
        d->ok_seen++;
    }
}

static void doorbell(ScriptDev *d)
{
    d->doorbells++;
    d->depth++;
    d->max_depth = MAX(d->max_depth, d->depth);
    for (unsigned i = 0; i < d->chain_len; i++) {
        Desc desc;

        address_space_read(d->as, CHAIN_ADDR + i * sizeof(desc), ATTRS, &desc,
                           sizeof(desc));
        run_descriptor(d, &desc);
    }
    d->depth--;
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    ScriptDev *d = opaque;

    /* A read of the doorbell rings it too, as some devices' FIFOs do. */
    if (addr == REG_DOORBELL) {
        doorbell(d);
    }
    return 0;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    ScriptDev *d = opaque;

    if (addr == REG_DOORBELL) {
        doorbell(d);
    } else if (addr == REG_CHAIN) {
        d->chain_len = v;
    }
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static void dev_init(ScriptDev *d, const char *name, hwaddr base)
{
    memset(d, 0, sizeof(*d));
    d->as = &as;
    d->guard.name = name;
    memory_region_init_io(&d->mmio, NULL, &dev_ops, d, name, 0x100);
    memory_region_set_reentrancy_guard(&d->mmio, &d->guard);
    memory_region_add_subregion(&root, base, &d->mmio);
}

static void setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", 0x100000);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "dma-loop");
    dev_init(&dev, "script", DEV_BASE);
    dev_init(&peer, "peer", PEER_BASE);
    /* The guest can also reach the registers through an alias. */
    memory_region_init_alias(&alias, NULL, "script-alias", &dev.mmio, 0,
                             0x100);
    memory_region_add_subregion(&root, DEV_ALIAS, &alias);
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &alias);
    memory_region_del_subregion(&root, &dev.mmio);
    memory_region_del_subregion(&root, &peer.mmio);
    memory_region_transaction_commit();
    memory_region_finalize(&alias);
    memory_region_finalize(&dev.mmio);
    memory_region_finalize(&peer.mmio);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
}

/* The guest writes @n descriptors and the chain length, then rings. */
static MemTxResult guest_ring(ScriptDev *d, hwaddr base, const Desc *chain,
                              unsigned n)
{
    MemTxResult r;

    ck_assert_uint_eq(address_space_write(&as, CHAIN_ADDR, ATTRS, chain,
                                          n * sizeof(*chain)),
                      MEMTX_OK);
    address_space_stl_le(&as, base + REG_CHAIN, n, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    address_space_stl_le(&as, base + REG_DOORBELL, 1, ATTRS, &r);
    return r;
}

static void check_no_recursion(const ScriptDev *d, unsigned doorbells)
{
    ck_assert_int_eq(d->doorbells, doorbells);
    ck_assert_int_eq(d->max_depth, 1);
    ck_assert_int_eq(d->depth, 0);
}

START_TEST(test_self_doorbell_refused)
{
    Desc chain[] = {
        { DEV_BASE + REG_DOORBELL, 1, DMA_WRITE },
        { 0x8000, 0xabcd, DMA_WRITE },
    };

    /* The guest's own doorbell write is fine; the loop is not. */
    ck_assert_uint_eq(guest_ring(&dev, DEV_BASE, chain, 2), MEMTX_OK);
    check_no_recursion(&dev, 1);
    ck_assert_uint_eq(dev.refused_seen, 1);
    ck_assert_uint_eq(dev.guard.refused, 1);
    /* The rest of the chain still ran: the device keeps working. */
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x8000, ATTRS, NULL), 0xabcd);
}
END_TEST

#define LONG_CHAIN 2000

static void *ring_long_chain(void *arg)
{
    static Desc chain[LONG_CHAIN];
    MemTxResult *r = arg;

    for (unsigned i = 0; i < LONG_CHAIN; i++) {
        static const hwaddr via[] = {
            DEV_BASE + REG_DOORBELL,
            DEV_ALIAS + REG_DOORBELL,
        };
        chain[i] = (Desc){ via[i % 2], i, i % 3 };
    }
    *r = guest_ring(&dev, DEV_BASE, chain, LONG_CHAIN);
    return NULL;
}

START_TEST(test_long_chain_no_stack_growth)
{
    MemTxResult r = ~0u;
    pthread_attr_t attr;
    pthread_t t;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    ck_assert_int_eq(pthread_create(&t, &attr, ring_long_chain, &r), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    ck_assert_uint_eq(r, MEMTX_OK);
    check_no_recursion(&dev, 1);
    /*
     * Every descriptor was refused once: a write or a read at the door,
     * a bounce map at its write-back. None re-entered.
     */
    ck_assert_uint_eq(dev.guard.refused, LONG_CHAIN);
    ck_assert_uint_eq(dev.ok_seen, LONG_CHAIN / 3);
}
END_TEST

START_TEST(test_ring_through_alias)
{
    Desc chain[] = { { DEV_ALIAS + REG_DOORBELL, 1, DMA_WRITE } };

    /* An alias is the same device: the guard is the device's. */
    ck_assert_uint_eq(guest_ring(&dev, DEV_ALIAS, chain, 1), MEMTX_OK);
    check_no_recursion(&dev, 1);
    ck_assert_uint_eq(dev.refused_seen, 1);
}
END_TEST

START_TEST(test_ping_pong_through_peer)
{
    Desc chain[] = { { PEER_BASE + REG_DOORBELL, 1, DMA_READ } };
    MemTxResult r;

    /*
     * Both devices run the same chain: script rings peer, peer's chain
     * rings peer again (refused) ... one level each, no more.
     */
    address_space_stl_le(&as, PEER_BASE + REG_CHAIN, 1, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(guest_ring(&dev, DEV_BASE, chain, 1), MEMTX_OK);
    ck_assert_int_eq(peer.max_depth, 1);
    ck_assert_int_eq(dev.max_depth, 1);
    ck_assert_uint_eq(peer.guard.refused, 1);
}
END_TEST

START_TEST(test_guard_resets)
{
    Desc loop[] = { { DEV_BASE + REG_DOORBELL, 1, DMA_WRITE } };
    Desc fine[] = { { 0x9000, 0x1234, DMA_WRITE } };

    guest_ring(&dev, DEV_BASE, loop, 1);
    /* Afterwards the guest may ring again, and DMA to RAM works. */
    ck_assert_uint_eq(guest_ring(&dev, DEV_BASE, fine, 1), MEMTX_OK);
    ck_assert_int_eq(dev.doorbells, 2);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x9000, ATTRS, NULL), 0x1234);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dma-loop");
    TCase *tc = tcase_create("cve-2023-0330");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_self_doorbell_refused);
    tcase_add_test(tc, test_long_chain_no_stack_growth);
    tcase_add_test(tc, test_ring_through_alias);
    tcase_add_test(tc, test_ping_pong_through_peer);
    tcase_add_test(tc, test_guard_resets);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
