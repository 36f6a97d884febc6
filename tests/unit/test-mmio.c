/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MMIO sizing and byte order: valid rules refuse, impl rules split or
 * widen, and values reach the device in its own byte order.
 */
#include <string.h>
#include "unit-helpers.h"

#define LOG_MAX 16

typedef struct Dev {
    struct { hwaddr addr; unsigned size; uint64_t val; bool write; } log[LOG_MAX];
    int n;
    uint64_t reg;
} Dev;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;

    if (d->n < LOG_MAX) {
        d->log[d->n].addr = addr;
        d->log[d->n].size = size;
        d->log[d->n].write = false;
        d->n++;
    }
    /* Each byte of the value is its address: easy to check splitting. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)((addr + i) & 0xff) << (8 * i);
    }
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Dev *d = opaque;

    if (d->n < LOG_MAX) {
        d->log[d->n].addr = addr;
        d->log[d->n].size = size;
        d->log[d->n].val = val;
        d->log[d->n].write = true;
        d->n++;
    }
    d->reg = val;
}

static MemoryRegion root, io;
static AddressSpace as;
static Dev dev;

static void make(const MemoryRegionOps *ops)
{
    memset(&dev, 0, sizeof(dev));
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&io, NULL, ops, &dev, "dev", 0x100);
    memory_region_add_subregion(&root, 0x1000, &io);
    address_space_init(&as, &root, "mmio");
}

START_TEST(test_little_endian_value)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
    };
    uint8_t bytes[4] = { 0x11, 0x22, 0x33, 0x44 };

    make(&ops);
    ck_assert_uint_eq(address_space_write(&as, 0x1010, ATTRS, bytes, 4),
                      MEMTX_OK);
    ck_assert_uint_eq(dev.n, 1);
    ck_assert_uint_eq(dev.log[0].val, 0x44332211);
    ck_assert_uint_eq(address_space_ldl_le(&as, 0x1010, ATTRS, NULL),
                      0x13121110);
}
END_TEST

START_TEST(test_big_endian_value)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_BIG_ENDIAN,
    };
    uint8_t bytes[4] = { 0x11, 0x22, 0x33, 0x44 };

    make(&ops);
    address_space_write(&as, 0x1010, ATTRS, bytes, 4);
    ck_assert_uint_eq(dev.log[0].val, 0x11223344);
    /* The device returns 0x13121110; a big-endian device puts 0x13 first. */
    ck_assert_uint_eq(address_space_ldl_be(&as, 0x1010, ATTRS, NULL),
                      0x13121110);
}
END_TEST

START_TEST(test_valid_rules_refuse)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    MemTxResult r;

    make(&ops);
    address_space_ldub(&as, 0x1000, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_ldl_le(&as, 0x1002, ATTRS, &r);     /* unaligned */
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(dev.n, 0);        /* the device never saw them */
    address_space_ldl_le(&as, 0x1004, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
}
END_TEST

static bool accept_even(void *opaque, hwaddr addr, unsigned size,
                        bool is_write, MemTxAttrs attrs)
{
    return !(addr & 0x10);
}

START_TEST(test_accepts_callback)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .accepts = accept_even },
    };
    MemTxResult r;

    make(&ops);
    address_space_ldl_le(&as, 0x1010, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_ldl_le(&as, 0x1020, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert(!address_space_access_valid(&as, 0x1010, 4, false, ATTRS));
    ck_assert(address_space_access_valid(&as, 0x1020, 4, false, ATTRS));
}
END_TEST

START_TEST(test_impl_splits_wide_access)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .max_access_size = 8 },
        .impl = { .max_access_size = 2 },
    };
    MemTxResult r;
    uint64_t v;

    make(&ops);
    v = address_space_ldq_le(&as, 0x1008, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_OK);
    ck_assert_uint_eq(dev.n, 4);
    ck_assert_uint_eq(dev.log[3].addr, 0xe);
    ck_assert_uint_eq(dev.log[3].size, 2);
    ck_assert_uint_eq(v, 0x0f0e0d0c0b0a0908ULL);
    dev.n = 0;
    address_space_stq_le(&as, 0x1008, 0x8877665544332211ULL, ATTRS, &r);
    ck_assert_uint_eq(dev.n, 4);
    ck_assert_uint_eq(dev.log[0].val & 0xffff, 0x2211);
    ck_assert_uint_eq(dev.log[3].val & 0xffff, 0x8877);
}
END_TEST

START_TEST(test_impl_widens_narrow_access)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .impl = { .min_access_size = 4 },
    };
    MemTxResult r;

    make(&ops);
    ck_assert_uint_eq(address_space_ldub(&as, 0x1013, ATTRS, &r), 0x13);
    ck_assert_uint_eq(dev.log[0].addr, 0x10);
    ck_assert_uint_eq(dev.log[0].size, 4);
    address_space_stb(&as, 0x1012, 0xab, ATTRS, &r);
    ck_assert_uint_eq(dev.log[1].addr, 0x10);
    ck_assert_uint_eq(dev.log[1].val, 0xab0000);
}
END_TEST

START_TEST(test_long_access_split_by_valid_max)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .endianness = DEVICE_LITTLE_ENDIAN,
    };
    uint8_t buf[12];
    int i;

    make(&ops);
    ck_assert_uint_eq(address_space_read(&as, 0x1020, ATTRS, buf, 12),
                      MEMTX_OK);
    ck_assert_uint_eq(dev.n, 3);        /* default max is 4 bytes */
    for (i = 0; i < 12; i++) {
        ck_assert_uint_eq(buf[i], 0x20 + i);
    }
}
END_TEST

static MemTxResult err_read(void *opaque, hwaddr addr, uint64_t *data,
                            unsigned size, MemTxAttrs attrs)
{
    *data = 0x1234;
    return addr >= 0x80 ? MEMTX_ERROR : MEMTX_OK;
}

START_TEST(test_results_are_ored)
{
    static const MemoryRegionOps ops = {
        .read_with_attrs = err_read, .endianness = DEVICE_LITTLE_ENDIAN,
    };
    uint8_t buf[16];

    make(&ops);
    ck_assert_uint_eq(address_space_read(&as, 0x1078, ATTRS, buf, 16),
                      MEMTX_ERROR);
    /* And past the end of the device, into the hole: both bits. */
    ck_assert_uint_eq(address_space_read(&as, 0x10f8, ATTRS, buf, 16),
                      MEMTX_ERROR | MEMTX_DECODE_ERROR);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mmio");
    TCase *tc = tcase_create("sizing");

    tcase_add_test(tc, test_little_endian_value);
    tcase_add_test(tc, test_big_endian_value);
    tcase_add_test(tc, test_valid_rules_refuse);
    tcase_add_test(tc, test_accepts_callback);
    tcase_add_test(tc, test_impl_splits_wide_access);
    tcase_add_test(tc, test_impl_widens_narrow_access);
    tcase_add_test(tc, test_long_access_split_by_valid_max);
    tcase_add_test(tc, test_results_are_ored);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
