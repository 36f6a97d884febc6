/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MMIO sizing and byte order: valid rules refuse, impl rules split or
 * widen, and values reach the device in its own byte order.
 */
#include <string.h>
#include "unit-helpers.h"

#define LOG_MAX 16

typedef struct Dev {
    struct {
        hwaddr addr;
        unsigned size;
        uint64_t val;
        bool write;
    } log[LOG_MAX];
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

/* The little-endian 32-bit value of the bytes at @p. */
static uint32_t le32_at(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
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
        .read = dev_read,
        .write = dev_write,
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
        .read = dev_read,
        .write = dev_write,
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
        .read = dev_read,
        .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    MemTxResult r;

    make(&ops);
    address_space_ldub(&as, 0x1000, ATTRS, &r);
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    address_space_ldl_le(&as, 0x1002, ATTRS, &r); /* unaligned */
    ck_assert_uint_eq(r, MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(dev.n, 0); /* the device never saw them */
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
        .read = dev_read,
        .endianness = DEVICE_LITTLE_ENDIAN,
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
        .read = dev_read,
        .write = dev_write,
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
        .read = dev_read,
        .write = dev_write,
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
        .read = dev_read,
        .endianness = DEVICE_LITTLE_ENDIAN,
    };
    uint8_t buf[12];
    int i;

    make(&ops);
    ck_assert_uint_eq(address_space_read(&as, 0x1020, ATTRS, buf, 12),
                      MEMTX_OK);
    ck_assert_uint_eq(dev.n, 3); /* default max is 4 bytes */
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
        .read_with_attrs = err_read,
        .endianness = DEVICE_LITTLE_ENDIAN,
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

/*
 * A RAM-device region (an mmap of a device BAR) is RAM to listeners, so a
 * VFIO-style mirror maps it for the hardware, but I/O to accesses, as in
 * QEMU: sized loads and stores of the width asked for, never memcpy, and
 * a bounce buffer for address_space_map().
 */
#define RAMD_BASE 0x10000ULL
#define RAMD_SIZE 0x2000

static MemoryRegion ramd, ram_after;
static uint8_t bar[RAMD_SIZE];

static void ram_device_setup(void)
{
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_ram_device_ptr(&ramd, NULL, "bar", RAMD_SIZE, bar);
    unit_ram(&ram_after, "ram-after", 0x1000);
    memory_region_add_subregion(&root, RAMD_BASE, &ramd);
    memory_region_add_subregion(&root, RAMD_BASE + RAMD_SIZE, &ram_after);
    address_space_init(&as, &root, "ramd");
    for (unsigned i = 0; i < RAMD_SIZE; i++) {
        bar[i] = i * 7 + 1;
    }
}

static int ramd_sections_seen;

static void ramd_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    if (s->mr == &ramd) {
        ck_assert(memory_region_is_ram(s->mr));
        ck_assert(memory_region_is_ram_device(s->mr));
        ck_assert_ptr_eq(memory_region_get_ram_ptr(s->mr), bar);
        ramd_sections_seen++;
    }
}

START_TEST(test_ram_device_is_ram_to_listeners)
{
    MemoryListener ml = { .region_add = ramd_region_add, .name = "mirror" };

    ramd_sections_seen = 0;
    memory_listener_register(&ml, &as);
    ck_assert_int_eq(ramd_sections_seen, 1);
    memory_listener_unregister(&ml);
}
END_TEST

START_TEST(test_ram_device_map_bounces)
{
    AddressSpaceStats st;
    hwaddr len = 64;
    uint8_t *p;

    p = address_space_map(&as, RAMD_BASE + 0x10, &len, false, ATTRS);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_ne(p, bar + 0x10);
    ck_assert_uint_eq(len, 64);
    ck_assert_mem_eq(p, bar + 0x10, 64); /* pre-filled */
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.bounce_in_use, 64);
    address_space_unmap(&as, p, len, false, 0);

    len = 32;
    p = address_space_map(&as, RAMD_BASE + 0x101, &len, true, ATTRS);
    ck_assert_ptr_ne(p, bar + 0x101);
    memset(p, 0xee, len);
    ck_assert_uint_ne(bar[0x101], 0xee); /* not yet */
    address_space_unmap(&as, p, len, true, len);
    for (unsigned i = 0; i < 32; i++) {
        ck_assert_uint_eq(bar[0x101 + i], 0xee);
    }
    address_space_get_stats(&as, &st);
    ck_assert_uint_eq(st.bounce_in_use, 0);
}
END_TEST

START_TEST(test_ram_device_sized_accesses)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    static const unsigned sizes[] = { 1, 2, 3, 4, 5, 8, 13, 16, 64 };
    uint8_t buf[64], want[64];
    MemTxResult r;

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        for (hwaddr off = 0x200; off < 0x209; off++) {
            unsigned n = sizes[i];

            ck_assert_uint_eq(address_space_read(&as, RAMD_BASE + off, ATTRS,
                                                 buf, n),
                              MEMTX_OK);
            ck_assert_mem_eq(buf, bar + off, n);
            for (unsigned k = 0; k < n; k++) {
                want[k] = (uint8_t)(n * 31 + off + k);
            }
            ck_assert_uint_eq(address_space_write(&as, RAMD_BASE + off, ATTRS,
                                                  want, n),
                              MEMTX_OK);
            ck_assert_mem_eq(bar + off, want, n);
        }
    }
    /* ld/st see the bytes the device memory holds. */
    ck_assert_uint_eq(address_space_ldl_le(&as, RAMD_BASE + 0x400, ATTRS, &r),
                      le32_at(bar + 0x400));
    ck_assert_uint_eq(r, MEMTX_OK);
    /* Running on into the RAM that follows. */
    memset(want, 0x5c, sizeof(want));
    ck_assert_uint_eq(address_space_write(&as, RAMD_BASE + RAMD_SIZE - 8,
                                          ATTRS, want, 16),
                      MEMTX_OK);
    ck_assert_uint_eq(bar[RAMD_SIZE - 1], 0x5c);
    ck_assert_uint_eq(((uint8_t *)memory_region_get_ram_ptr(&ram_after))[7],
                      0x5c);
    /* A cache does not keep a pointer to it either. */
    ck_assert_int_eq(address_space_cache_init(&c, &as, RAMD_BASE, 0x100, true),
                     0x100);
    ck_assert_int_eq(c.kind, MRC_DISPATCH);
    ck_assert_uint_eq(address_space_read_cached(&c, 0x20, buf, 8), MEMTX_OK);
    ck_assert_mem_eq(buf, bar + 0x20, 8);
    address_space_cache_destroy(&c);
    ck_assert(
        address_space_access_valid(&as, RAMD_BASE + 3, 0x100, true, ATTRS));
}
END_TEST

/*
 * Register accesses the device takes as they are go straight from the
 * dispatch table to the callback (mmio_direct_rw); everything else takes
 * the general path. Both must agree on every configuration: the same
 * callback calls (address, size, value) and the same bytes and result.
 * The general path is forced by an access that starts in RAM and runs
 * into an alias of the device at the offset under test.
 */
static void compare_logs(const Dev *a, const Dev *b)
{
    ck_assert_int_eq(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        ck_assert_uint_eq(a->log[i].addr, b->log[i].addr);
        ck_assert_uint_eq(a->log[i].size, b->log[i].size);
        ck_assert_uint_eq(a->log[i].write, b->log[i].write);
        if (a->log[i].write) {
            ck_assert_uint_eq(a->log[i].val, b->log[i].val);
        }
    }
}

START_TEST(test_direct_matches_general)
{
    static const MemoryRegionOps configs[] = {
        { .read = dev_read,
          .write = dev_write,
          .endianness = DEVICE_LITTLE_ENDIAN,
          .valid = { .min_access_size = 1, .max_access_size = 8 },
          .impl = { .min_access_size = 1, .max_access_size = 8 } },
        { .read = dev_read,
          .write = dev_write,
          .endianness = DEVICE_BIG_ENDIAN,
          .valid = { .min_access_size = 1, .max_access_size = 8 },
          .impl = { .min_access_size = 1, .max_access_size = 8 } },
        { .read = dev_read,
          .write = dev_write,
          .endianness = DEVICE_LITTLE_ENDIAN },
        { .read = dev_read,
          .write = dev_write,
          .endianness = DEVICE_BIG_ENDIAN,
          .valid = { .min_access_size = 1, .max_access_size = 8 },
          .impl = { .min_access_size = 4, .max_access_size = 4 } },
        { .read = dev_read,
          .write = dev_write,
          .endianness = DEVICE_LITTLE_ENDIAN,
          .valid = { .min_access_size = 2, .max_access_size = 4 } },
        { .read = dev_read,
          .endianness = DEVICE_LITTLE_ENDIAN,
          .valid = { .min_access_size = 1, .max_access_size = 8 } },
    };
    static MemoryRegion alias, ram;

    for (unsigned c = 0; c < G_N_ELEMENTS(configs); c++) {
        make(&configs[c]);
        unit_ram(&ram, "ram", 0x1000);
        memory_region_add_subregion(&root, 0x8000, &ram);
        for (unsigned size = 1; size <= 8; size <<= 1) {
            for (hwaddr off = 0; off < 9; off++) {
                uint8_t direct[8], general[16], w[16];
                MemTxResult rd, rg;
                Dev d;

                memory_region_init_alias(&alias, NULL, "alias", &io, off,
                                         0x100 - off);
                memory_region_add_subregion(&root, 0x9000, &alias);

                /* Reads. */
                dev.n = 0;
                memset(direct, 0xee, sizeof(direct));
                rd = address_space_read(&as, 0x1000 + off, ATTRS, direct,
                                        size);
                d = dev;
                dev.n = 0;
                memset(general, 0xee, sizeof(general));
                rg = address_space_read(&as, 0x8ff8, ATTRS, general, 8 + size);
                ck_assert_uint_eq(rd, rg);
                ck_assert_mem_eq(direct, general + 8, size);
                compare_logs(&d, &dev);

                /* Writes. */
                for (unsigned i = 0; i < sizeof(w); i++) {
                    w[i] = 0xa0 + i;
                }
                dev.n = 0;
                rd = address_space_write(&as, 0x1000 + off, ATTRS, w + 8,
                                         size);
                d = dev;
                dev.n = 0;
                rg = address_space_write(&as, 0x8ff8, ATTRS, w, 8 + size);
                ck_assert_uint_eq(rd, rg);
                compare_logs(&d, &dev);

                memory_region_del_subregion(&root, &alias);
                memory_region_finalize(&alias);
            }
        }
        address_space_destroy(&as);
        memory_region_del_subregion(&root, &ram);
        memory_region_del_subregion(&root, &io);
        memory_region_finalize(&ram);
        memory_region_finalize(&io);
        memory_region_finalize(&root);
    }
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
    tcase_add_test(tc, test_direct_matches_general);
    suite_add_tcase(s, tc);

    tc = tcase_create("ram-device");
    tcase_add_checked_fixture(tc, ram_device_setup, NULL);
    tcase_add_test(tc, test_ram_device_is_ram_to_listeners);
    tcase_add_test(tc, test_ram_device_map_bounces);
    tcase_add_test(tc, test_ram_device_sized_accesses);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
