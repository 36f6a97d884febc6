/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lengths and ranges a hostile guest can hand a device model: 0, 2^64 - 1,
 * ranges that would wrap past 2^64, ranges that run out of RAM into
 * nothing or into the grant region. Each has a documented result
 * (docs/devel/security.rst, "Invariants"); none may crash, touch memory
 * outside the range, or wrap around to address 0.
 *
 * Layout (with holes between):
 *   0x0000_0000  RAM, 64 KiB, byte i holds i * 7
 *   0x0010_0000  MMIO, 4 KiB (reads 0x5a, counts writes)
 *   2^63 - 8K    RAM2, 8 KiB, 0xcc, right below the grant region
 *   2^63         the grant region of guest domain 7 (emulated Xen)
 *   2^63 + 7*4K  RAM3, one page, priority 1: RAM that runs into ref 8
 */
#include <string.h>

#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-grant.h"
#include "tests/unit/unit-helpers.h"

#define GUEST 7
#define RAM_SIZE 0x10000ULL
#define MMIO_BASE 0x100000ULL
#define RAM2_BASE (XEN_GRANT_ADDR_OFF - 0x2000)
#define RAM3_BASE (XEN_GRANT_ADDR_OFF + 7 * 0x1000ULL)

static MemoryRegion root, ram, ram2, ram3, mmio, *grants;
static AddressSpace as;
static XenEmu *emu;
static XenEmuDomain *dom;
static XenBackend *be;
static unsigned mmio_writes;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x5a5a5a5a5a5a5a5aULL;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    mmio_writes++;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .max_access_size = 8 },
    .impl = { .max_access_size = 8 },
};

static uint8_t *ram_ptr(void)
{
    return memory_region_get_ram_ptr(&ram);
}

static void setup(void)
{
    g_autoptr(GError) err = NULL;

    emu = xen_emu_new(&err);
    ck_assert_msg(emu, "%s", err ? err->message : "?");
    dom = xen_emu_domain_new(emu, GUEST, 64 * XEN_PAGE_SIZE, &err);
    ck_assert_msg(dom, "%s", err ? err->message : "?");
    be = xen_emu_backend_open(emu, 0, &err);
    ck_assert_msg(be, "%s", err ? err->message : "?");
    grants = xen_grant_region_new(be, GUEST, &err);
    ck_assert_msg(grants, "%s", err ? err->message : "?");

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&ram, "ram", RAM_SIZE);
    unit_ram(&ram2, "ram2", 0x2000);
    unit_ram(&ram3, "ram3", 0x1000);
    for (unsigned i = 0; i < RAM_SIZE; i++) {
        ram_ptr()[i] = i * 7;
    }
    memset(memory_region_get_ram_ptr(&ram2), 0xcc, 0x2000);
    memset(memory_region_get_ram_ptr(&ram3), 0xdd, 0x1000);
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x1000);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, MMIO_BASE, &mmio);
    memory_region_add_subregion(&root, RAM2_BASE, &ram2);
    memory_region_add_subregion(&root, XEN_GRANT_ADDR_OFF, grants);
    memory_region_add_subregion_overlap(&root, RAM3_BASE, &ram3, 1);
    address_space_init(&as, &root, "hostile");
    mmio_writes = 0;
}

/* Nothing may be left mapped by any test; then free it all. */
static void teardown(void)
{
    MemoryRegion *subs[] = { &ram, &mmio, &ram2, grants, &ram3 };
    AddressSpaceStats st;
    XenGrantStats gs;

    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.outstanding, 0);
    ck_assert_uint_eq(st.bounce_in_use, 0);
    xen_grant_region_get_stats(grants, &gs);
    ck_assert_uint_eq(gs.outstanding, 0);

    address_space_destroy(&as);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < G_N_ELEMENTS(subs); i++) {
        memory_region_del_subregion(&root, subs[i]);
    }
    memory_region_transaction_commit();
    memory_region_finalize(&ram);
    memory_region_finalize(&ram2);
    memory_region_finalize(&ram3);
    memory_region_finalize(&mmio);
    memory_region_finalize(&root);
    xen_grant_region_free(grants);
    xen_backend_close(be);
    xen_emu_free(emu);
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

/* ---- length 0 ------------------------------------------------------------ */

static uint64_t big_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void big_io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static bool accept_all(void *opaque, hwaddr addr, unsigned size, bool is_write,
                       MemTxAttrs attrs)
{
    return true;
}

/*
 * address_space_access_valid() over a huge MMIO range must answer at
 * once: it used to ask about every 4-byte piece, 2^38 of them for 2^40
 * bytes, a stall a guest could buy with one DMA length (found by
 * fuzz-topology). With an accepts() callback it may ask only so often,
 * and then answers "no" rather than spend the time.
 */
START_TEST(test_valid_over_huge_mmio_is_bounded)
{
    static const MemoryRegionOps plain = {
        .read = big_io_read,
        .write = big_io_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
    };
    static const MemoryRegionOps asking = {
        .read = big_io_read,
        .write = big_io_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .accepts = accept_all },
    };
    static const MemoryRegionOps min4 = {
        .read = big_io_read,
        .write = big_io_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    static MemoryRegion r, big, big2, strict;
    static AddressSpace s;

    memory_region_init(&r, NULL, "root", UINT64_MAX);
    memory_region_init_io(&big, NULL, &plain, NULL, "big-bar", 1ULL << 40);
    memory_region_init_io(&big2, NULL, &asking, NULL, "asking", 1ULL << 40);
    memory_region_init_io(&strict, NULL, &min4, NULL, "min4", 0x1000);
    memory_region_add_subregion(&r, 0, &big);
    memory_region_add_subregion(&r, 1ULL << 41, &big2);
    memory_region_add_subregion(&r, 1ULL << 42, &strict);
    address_space_init(&s, &r, "huge-mmio");
    ck_assert(address_space_access_valid(&s, 0, 1ULL << 40, true, ATTRS));
    ck_assert(
        address_space_access_valid(&s, 3, (1ULL << 40) - 5, false, ATTRS));
    ck_assert(
        !address_space_access_valid(&s, 1ULL << 41, 1ULL << 40, true, ATTRS));
    ck_assert(address_space_access_valid(&s, 1ULL << 41, 4096, true, ATTRS));
    /* The pieces' sizes count: a 4-byte-only device refuses a 6-byte tail. */
    ck_assert(address_space_access_valid(&s, 1ULL << 42, 16, false, ATTRS));
    ck_assert(!address_space_access_valid(&s, 1ULL << 42, 6, false, ATTRS));
    address_space_destroy(&s);
    /* Stack regions: finalize before the frame goes (flat views hold them). */
    memory_region_finalize(&r);
    memory_region_finalize(&big);
    memory_region_finalize(&big2);
    memory_region_finalize(&strict);
}
END_TEST

START_TEST(test_zero_length)
{
    uint8_t buf[4] = { 1, 2, 3, 4 };
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    static const hwaddr where[] = {
        0, MMIO_BASE, 0x500000, XEN_GRANT_ADDR_OFF + 8 * 0x1000, UINT64_MAX,
    };
    AddressSpaceStats before, after;

    address_space_get_stats(&as, &before);
    for (unsigned i = 0; i < G_N_ELEMENTS(where); i++) {
        hwaddr len = 0;

        /* Nothing to do is not an error, wherever it is. */
        ck_assert_uint_eq(address_space_read(&as, where[i], ATTRS, buf, 0),
                          MEMTX_OK);
        ck_assert_uint_eq(address_space_write(&as, where[i], ATTRS, buf, 0),
                          MEMTX_OK);
        ck_assert(address_space_access_valid(&as, where[i], 0, true, ATTRS));
        /* But there is nothing to map. */
        ck_assert_ptr_null(
            address_space_map(&as, where[i], &len, true, ATTRS));
        ck_assert_uint_eq(len, 0);
        ck_assert_int_eq(address_space_cache_init(&c, &as, where[i], 0, false),
                         0);
        address_space_cache_destroy(&c);
    }
    ck_assert(buf[0] == 1 && buf[3] == 4);
    ck_assert_uint_eq(mmio_writes, 0);
    address_space_get_stats(&as, &after);
    ck_assert_uint_eq(after.maps, before.maps);
    ck_assert_uint_eq(after.copies, before.copies);
}
END_TEST

/* ---- length 2^64 - 1 -------------------------------------------------- */

START_TEST(test_max_length)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = UINT64_MAX;
    void *p;

    /* A map is cut where RAM ends; the rest is the caller's next map. */
    p = address_space_map(&as, 0x100, &len, false, ATTRS);
    ck_assert_ptr_eq(p, ram_ptr() + 0x100);
    ck_assert_uint_eq(len, RAM_SIZE - 0x100);
    address_space_unmap(&as, p, len, false, 0);

    /* MMIO: one bounce buffer, no bigger than the budget. */
    len = UINT64_MAX;
    p = address_space_map(&as, MMIO_BASE, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_le(len, 0x1000);
    address_space_unmap(&as, p, len, false, 0);

    /* Grants: refs 0..7 are never granted, so nothing maps there. */
    len = UINT64_MAX;
    ck_assert_ptr_null(
        address_space_map(&as, XEN_GRANT_ADDR_OFF, &len, false, ATTRS));
    ck_assert_uint_eq(len, 0);

    ck_assert(!address_space_access_valid(&as, 0, UINT64_MAX, false, ATTRS));
    ck_assert_int_eq(address_space_cache_init(&c, &as, 0, UINT64_MAX, false),
                     RAM_SIZE);
    address_space_cache_destroy(&c);
}
END_TEST

/* ---- ranges that would wrap past 2^64 ----------------------------------- */

START_TEST(test_wrap_past_top)
{
    uint8_t buf[16], before[16];
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    hwaddr len = 16;
    MemTxResult r;

    memcpy(before, ram_ptr(), sizeof(before));
    memset(buf, 0xee, sizeof(buf));
    /* The last 8 bytes of the space, then 8 that would be address 0. */
    r = address_space_read(&as, UINT64_MAX - 7, ATTRS, buf, 16);
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert(r & MEMTX_DECODE_ERROR);
    ck_assert_msg(all_bytes(buf, 16, 0), "RAM at 0 leaked into a read "
                                         "that wrapped");

    memset(buf, 0x99, sizeof(buf));
    r = address_space_write(&as, UINT64_MAX - 7, ATTRS, buf, 16);
    ck_assert(r & MEMTX_DECODE_ERROR);
    ck_assert_msg(!memcmp(ram_ptr(), before, sizeof(before)),
                  "a write that wrapped reached RAM at 0");

    ck_assert(
        !address_space_access_valid(&as, UINT64_MAX - 7, 16, false, ATTRS));
    /* Refs up there do not fit in 32 bits: nothing to map. */
    ck_assert_ptr_null(
        address_space_map(&as, UINT64_MAX - 7, &len, true, ATTRS));
    /* A cache may not reach past the top either. */
    address_space_cache_init(&c, &as, UINT64_MAX - 7, 16, false);
    ck_assert_uint_eq(address_space_read_cached(&c, 8, buf, 8),
                      MEMTX_DECODE_ERROR);
    address_space_cache_destroy(&c);

    /* ld/st at the very last byte: 1 byte fits, 2 do not. */
    address_space_ldub(&as, UINT64_MAX, ATTRS, &r);
    ck_assert(r & MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(address_space_lduw_le(&as, UINT64_MAX, ATTRS, &r), 0);
    ck_assert(r & MEMTX_DECODE_ERROR);
    address_space_stw_le(&as, UINT64_MAX, 0xffff, ATTRS, &r);
    ck_assert(r & MEMTX_DECODE_ERROR);
    ck_assert(!memcmp(ram_ptr(), before, sizeof(before)));
}
END_TEST

/* ---- RAM into nothing ------------------------------------------------------ */

START_TEST(test_ram_into_unassigned)
{
    uint8_t buf[0x200];
    hwaddr len = 0x200;
    void *p;
    MemTxResult r;

    /* The RAM part is read; the rest is a decode error and reads 0. */
    memset(buf, 0xee, sizeof(buf));
    r = address_space_read(&as, RAM_SIZE - 0x100, ATTRS, buf, 0x200);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(!memcmp(buf, ram_ptr() + RAM_SIZE - 0x100, 0x100));
    ck_assert(all_bytes(buf + 0x100, 0x100, 0));

    /* The RAM part is written, the result says the rest was not. */
    memset(buf, 0x11, sizeof(buf));
    r = address_space_write(&as, RAM_SIZE - 0x100, ATTRS, buf, 0x200);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(all_bytes(ram_ptr() + RAM_SIZE - 0x100, 0x100, 0x11));

    /* A map stops where RAM stops. */
    p = address_space_map(&as, RAM_SIZE - 0x100, &len, true, ATTRS);
    ck_assert_ptr_eq(p, ram_ptr() + RAM_SIZE - 0x100);
    ck_assert_uint_eq(len, 0x100);
    address_space_unmap(&as, p, len, true, len);

    ck_assert(!address_space_access_valid(&as, RAM_SIZE - 0x100, 0x200, false,
                                          ATTRS));
    ck_assert(address_space_access_valid(&as, RAM_SIZE - 0x100, 0x100, false,
                                         ATTRS));
}
END_TEST

/* ---- nothing into RAM --------------------------------------------------- */

START_TEST(test_unassigned_into_ram)
{
    uint8_t buf[0x20];
    MemTxResult r;

    /* 0x10 bytes of nothing, then RAM2 (which ends at the grants). */
    memset(buf, 0xee, sizeof(buf));
    r = address_space_read(&as, RAM2_BASE - 0x10, ATTRS, buf, sizeof(buf));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert(all_bytes(buf, 0x10, 0));
    ck_assert_msg(all_bytes(buf + 0x10, 0x10, 0xcc),
                  "the RAM half of a "
                  "read that began in a hole was not read");

    memset(buf, 0x66, sizeof(buf));
    r = address_space_write(&as, RAM2_BASE - 0x10, ATTRS, buf, sizeof(buf));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_msg(all_bytes(memory_region_get_ram_ptr(&ram2), 0x10, 0x66),
                  "the RAM half of a write that began in a hole was "
                  "dropped");

    /* The same in front of MMIO: the device sees its half. */
    r = address_space_write(&as, MMIO_BASE - 0x10, ATTRS, buf, sizeof(buf));
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_gt(mmio_writes, 0);
}
END_TEST

/* ---- RAM into the grant region --------------------------------------- */

START_TEST(test_ram_into_ungranted_refs)
{
    uint8_t buf[0x20];
    hwaddr len = 0x20;
    void *p;
    MemTxResult r;

    /* Ref 0 is reserved: nothing is granted there. */
    memset(buf, 0xee, sizeof(buf));
    r = address_space_read(&as, XEN_GRANT_ADDR_OFF - 0x10, ATTRS, buf, 0x20);
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert(!(r & ~(MEMTX_ACCESS_ERROR | MEMTX_DECODE_ERROR)));
    ck_assert(all_bytes(buf, 0x10, 0xcc));
    ck_assert(all_bytes(buf + 0x10, 0x10, 0));

    memset(buf, 0x33, sizeof(buf));
    r = address_space_write(&as, XEN_GRANT_ADDR_OFF - 0x10, ATTRS, buf, 0x20);
    ck_assert_uint_ne(r, MEMTX_OK);
    ck_assert(
        all_bytes(memory_region_get_ram_ptr(&ram2) + 0x1ff0, 0x10, 0x33));

    p = address_space_map(&as, XEN_GRANT_ADDR_OFF - 0x10, &len, false, ATTRS);
    ck_assert_ptr_eq(p, (uint8_t *)memory_region_get_ram_ptr(&ram2) + 0x1ff0);
    ck_assert_uint_eq(len, 0x10);
    address_space_unmap(&as, p, len, false, 0);
}
END_TEST

START_TEST(test_ram_into_granted_ref)
{
    uint8_t *gram = xen_emu_domain_ram(dom);
    uint8_t buf[0x20];
    int64_t ref;
    MemTxResult r;

    /* The guest grants frame 3 under ref 8, read-write. */
    memset(gram + 3 * XEN_PAGE_SIZE, 0x42, XEN_PAGE_SIZE);
    ref = xen_emu_grant_access(dom, 0, 3, false);
    ck_assert_int_eq(ref, 8);

    /* RAM3 covers ref 7's page; the access runs on into ref 8. */
    r = address_space_read(&as, RAM3_BASE + 0xff0, ATTRS, buf, 0x20);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert(all_bytes(buf, 0x10, 0xdd));
    ck_assert(all_bytes(buf + 0x10, 0x10, 0x42));

    memset(buf, 0x77, sizeof(buf));
    r = address_space_write(&as, RAM3_BASE + 0xff0, ATTRS, buf, 0x20);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert(all_bytes(gram + 3 * XEN_PAGE_SIZE, 0x10, 0x77));
    ck_assert(all_bytes(gram + 3 * XEN_PAGE_SIZE + 0x10, 0x10, 0x42));
    ck_assert_int_eq(xen_emu_end_access(dom, ref), 0);
}
END_TEST

/* ---- the far end of the grant region ------------------------------------ */

START_TEST(test_refs_beyond_32_bits)
{
    hwaddr last_ref = xen_grant_addr(UINT32_MAX, 0xff0);
    uint8_t buf[0x20];
    hwaddr len = 0x20;
    MemTxResult r;

    memset(buf, 0xee, sizeof(buf));
    r = address_space_read(&as, last_ref, ATTRS, buf, 0x20);
    ck_assert(r & MEMTX_DECODE_ERROR);
    ck_assert(all_bytes(buf, 0x20, 0));
    ck_assert_ptr_null(
        address_space_map(&as, last_ref + 0x10, &len, false, ATTRS));
    /* A length that covers the whole region, from its first byte. */
    len = XEN_GRANT_REGION_SIZE;
    ck_assert_ptr_null(
        address_space_map(&as, XEN_GRANT_ADDR_OFF, &len, false, ATTRS));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostile-lengths");
    TCase *tc = tcase_create("lengths");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_zero_length);
    tcase_add_test(tc, test_max_length);
    tcase_add_test(tc, test_wrap_past_top);
    tcase_add_test(tc, test_ram_into_unassigned);
    tcase_add_test(tc, test_unassigned_into_ram);
    tcase_add_test(tc, test_ram_into_ungranted_refs);
    tcase_add_test(tc, test_ram_into_granted_ref);
    tcase_add_test(tc, test_refs_beyond_32_bits);
    tcase_add_test(tc, test_valid_over_huge_mmio_is_bounded);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
