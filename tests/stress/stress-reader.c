/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stress test's reader and topology changer.
 *
 * The topology changer toggles WINDOW on and off, switches its alias
 * offset between 0 and 0x1000, and moves MOVER between two places, in
 * transactions of one to three changes. The reader reads CONST, WINDOW,
 * MOVER and CONSTIO with address_space_read(), ld and caches. Every
 * read must see one consistent view: all of WINDOW's bytes from the same
 * alias offset, MOVER either there or not; a decode error is explained
 * only where the changer may have taken the region away.
 */
#include <string.h>

#include "stress.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED
#define T ST_READER

/* Do all @len bytes equal CONST from @base? */
static bool is_const(const uint8_t *p, size_t len, uint64_t base)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != st_const(base + i)) {
            return false;
        }
    }
    return true;
}

static bool is_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static void read_const(GRand *rng)
{
    uint64_t off = g_rand_int_range(rng, 0, ST_CONST_SIZE - 512);
    size_t len = g_rand_int_range(rng, 1, 512);
    uint8_t buf[512];
    MemTxResult r = address_space_read(&st.as, ST_CONST_BASE + off, ATTRS, buf,
                                       len);

    if (r != MEMTX_OK) {
        ST_UNEXPECTED(T, "CONST read: %#x", r);
    } else if (!is_const(buf, len, off)) {
        ST_LOST(T, "CONST at +0x%" PRIx64 " read wrong bytes", off);
    }
}

/* WINDOW: off (decode error, zeroes) or CONST from offset 0 or 0x1000. */
static void read_window(GRand *rng)
{
    uint64_t off = g_rand_int_range(rng, 0, ST_WINDOW_SIZE - 256);
    size_t len = g_rand_int_range(rng, 1, 256);
    uint8_t buf[256];
    MemTxResult r = address_space_read(&st.as, ST_WINDOW_BASE + off, ATTRS,
                                       buf, len);

    if (r == MEMTX_DECODE_ERROR && is_zero(buf, len)) {
        st.c[T].explained++;
    } else if (r != MEMTX_OK) {
        ST_UNEXPECTED(T, "WINDOW read: %#x", r);
    } else if (!is_const(buf, len, off) && !is_const(buf, len, off + 0x1000)) {
        ST_LOST(T, "WINDOW read at +0x%" PRIx64 " saw a mix of views", off);
    }
}

static void read_mover(GRand *rng)
{
    hwaddr base = g_rand_boolean(rng) ? ST_MOVER_A : ST_MOVER_B;
    uint64_t off = g_rand_int_range(rng, 0, ST_MOVER_SIZE - 64);
    uint8_t buf[64];
    MemTxResult r = address_space_read(&st.as, base + off, ATTRS, buf, 64);

    if (r == MEMTX_DECODE_ERROR && is_zero(buf, 64)) {
        st.c[T].explained++; /* it is at the other place */
    } else if (r != MEMTX_OK) {
        ST_UNEXPECTED(T, "MOVER read: %#x", r);
    } else if (!is_const(buf, 64, ST_MOVER_OFF + off)) {
        ST_LOST(T, "MOVER read at +0x%" PRIx64, off);
    }
}

/*
 * A cache over WINDOW keeps the view it was made with, whatever the
 * changer does afterwards: every read through it agrees with the first.
 */
static void read_caches(GRand *rng)
{
    MemoryRegionCache c = MEMORY_REGION_CACHE_INVALID;
    uint64_t off = g_rand_int_range(rng, 0, ST_WINDOW_SIZE - 256);
    uint8_t first[64], buf[64];
    int64_t n;

    n = address_space_cache_init(&c, &st.as, ST_WINDOW_BASE + off, 256, false);
    if (n < 0) {
        st.c[T].explained++; /* the window was off */
    } else if (n != 256) {
        ST_UNEXPECTED(T, "WINDOW cache of 256 bytes: %" PRId64, n);
    } else {
        address_space_read_cached(&c, 0, first, sizeof(first));
        if (!is_const(first, 64, off) && !is_const(first, 64, off + 0x1000)) {
            ST_LOST(T, "WINDOW cache read");
        }
        for (int i = 0; i < 16; i++) {
            address_space_read_cached(&c, 0, buf, sizeof(buf));
            if (memcmp(buf, first, sizeof(buf))) {
                ST_LOST(T, "a cache changed under its holder");
                break;
            }
        }
    }
    address_space_cache_destroy(&c);

    /* MMIO through a cache: every access dispatched, all consistent. */
    off = g_rand_int_range(rng, 0, ST_CONSTIO_SIZE - 64);
    n = address_space_cache_init(&c, &st.as, ST_CONSTIO_BASE + off, 64, false);
    if (n != 64 || address_space_read_cached(&c, 0, buf, 64) != MEMTX_OK ||
        !is_const(buf, 64, off)) {
        ST_UNEXPECTED(T, "CONSTIO cache: %" PRId64, n);
    }
    address_space_cache_destroy(&c);
}

static void read_ld(GRand *rng)
{
    uint64_t off = g_rand_int_range(rng, 0, ST_CONSTIO_SIZE / 4) * 4;
    uint8_t want[4] = {
        st_const(off),
        st_const(off + 1),
        st_const(off + 2),
        st_const(off + 3),
    };
    MemTxResult r;
    uint32_t v = address_space_ldl_le(&st.as, ST_CONSTIO_BASE + off, ATTRS,
                                      &r);

    if (r != MEMTX_OK ||
        v != (uint32_t)(want[0] | want[1] << 8 | want[2] << 16 |
                        (uint32_t)want[3] << 24)) {
        ST_UNEXPECTED(T, "ldl of CONSTIO: %#x, %#x", r, v);
    }
}

gpointer st_reader_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x72656164);

    while (!st_stopping()) {
        switch (g_rand_int_range(rng, 0, 5)) {
        case 0:
            read_const(rng);
            break;
        case 1:
            read_window(rng);
            break;
        case 2:
            read_mover(rng);
            break;
        case 3:
            read_caches(rng);
            break;
        default:
            read_ld(rng);
            break;
        }
        st.c[T].ops++;
    }
    g_rand_free(rng);
    return NULL;
}

/* ---- the topology changer --------------------------------------------- */

gpointer st_topology_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x746f706f);
    bool window_on = true, mover_at_a = true;
    hwaddr window_off = 0;

    while (!st_stopping()) {
        int changes = g_rand_int_range(rng, 1, 4);

        memory_region_transaction_begin();
        for (int i = 0; i < changes; i++) {
            switch (g_rand_int_range(rng, 0, 3)) {
            case 0:
                window_on = !window_on;
                memory_region_set_enabled(&st.window, window_on);
                break;
            case 1:
                window_off ^= 0x1000;
                memory_region_set_alias_offset(&st.window, window_off);
                break;
            default:
                mover_at_a = !mover_at_a;
                memory_region_set_address(&st.mover, mover_at_a ? ST_MOVER_A :
                                                                  ST_MOVER_B);
                break;
            }
        }
        memory_region_transaction_commit();
        st.c[ST_TOPOLOGY].ops++;
        /* Let the others run between commits on a small machine. */
        if (st.c[ST_TOPOLOGY].ops % 8 == 0) {
            g_usleep(50);
        }
    }
    /* Leave the regions where the final checks expect them. */
    memory_region_transaction_begin();
    memory_region_set_enabled(&st.window, true);
    memory_region_set_address(&st.mover, ST_MOVER_A);
    memory_region_transaction_commit();
    g_rand_free(rng);
    return NULL;
}
