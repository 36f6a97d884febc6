/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stress test's mapper thread: maps RAM, MMIO (bounce buffers) and
 * grants for writing, writes a pattern that ends in its checksum,
 * unmaps, and reads it back through the ordinary path. A grant it
 * could not map, or whose bytes changed, counts as explained only if
 * the guest ended, ballooned or re-granted that slot meanwhile.
 */
#include <string.h>

#include "stress.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED
#define T ST_MAPPER

/* A pattern from @seed over @len bytes; the last 4 hold their sum. */
static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    uint32_t x = seed | 1, sum = 0;

    for (size_t i = 0; i < len - 4; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = x;
        sum += p[i];
    }
    memcpy(p + len - 4, &sum, 4);
}

static bool verify(const uint8_t *p, size_t len, uint32_t seed)
{
    uint8_t want[ST_SLICE];

    fill(want, len, seed);
    return !memcmp(p, want, len);
}

static void map_ram(GRand *rng)
{
    hwaddr addr = g_rand_int_range(rng, 0, ST_RAM_SIZE / ST_SLICE) * ST_SLICE;
    uint32_t seed = g_rand_int(rng);
    uint8_t buf[ST_SLICE];
    hwaddr len = ST_SLICE;
    uint8_t *p = address_space_map(&st.as, addr, &len, true, ATTRS);
    MemTxResult r;

    if (!p || len != ST_SLICE) {
        ST_UNEXPECTED(T, "RAM map at 0x%" PRIx64 ": %p+0x%" PRIx64, addr, p,
                      len);
        if (p) {
            address_space_unmap(&st.as, p, len, true, 0);
        }
        return;
    }
    fill(p, len, seed);
    address_space_unmap(&st.as, p, len, true, len);
    r = address_space_read(&st.as, addr, ATTRS, buf, len);
    if (r != MEMTX_OK) {
        ST_UNEXPECTED(T, "RAM read back at 0x%" PRIx64 ": %#x", addr, r);
    } else if (!verify(buf, len, seed)) {
        ST_LOST(T, "RAM at 0x%" PRIx64, addr);
    }
}

static void map_bounce(GRand *rng)
{
    hwaddr off = g_rand_int_range(rng, 0, (ST_SCRATCH_SIZE - 4096) / 8) * 8;
    uint32_t seed = g_rand_int(rng);
    uint8_t buf[4096];
    hwaddr len = 4096;
    uint8_t *p;
    MemTxResult r;

    /* Nobody else uses bounce memory: the whole budget is ours. */
    p = address_space_map(&st.as, ST_SCRATCH_BASE + off, &len, true, ATTRS);
    if (!p || len != 4096) {
        ST_UNEXPECTED(T, "bounce map: %p+0x%" PRIx64, p, len);
        if (p) {
            address_space_unmap(&st.as, p, len, true, 0);
        }
        return;
    }
    fill(p, len, seed);
    address_space_unmap(&st.as, p, len, true, len);
    r = address_space_read(&st.as, ST_SCRATCH_BASE + off, ATTRS, buf, len);
    if (r != MEMTX_OK) {
        ST_UNEXPECTED(T, "scratch read back: %#x", r);
    } else if (!verify(buf, len, seed)) {
        ST_LOST(T, "bounce write-back to scratch+0x%" PRIx64, off);
    }
    /* And a bounce buffer for reading shows the same. */
    len = 4096;
    p = address_space_map(&st.as, ST_SCRATCH_BASE + off, &len, false, ATTRS);
    if (!p || len != 4096) {
        ST_UNEXPECTED(T, "bounce map for reading: %p", p);
    } else if (!verify(p, len, seed)) {
        ST_LOST(T, "bounce pre-fill of scratch+0x%" PRIx64, off);
    }
    if (p) {
        address_space_unmap(&st.as, p, len, false, 0);
    }
}

/* Take a granted slot for ourselves, or -1. */
static int take_slot(GRand *rng, uint64_t *epoch, StSlot *copy)
{
    int start = g_rand_int_range(rng, 0, ST_SLOTS), found = -1;

    g_mutex_lock(&st.slot_lock);
    for (int i = 0; i < ST_SLOTS && found < 0; i++) {
        int s = (start + i) % ST_SLOTS;

        if (st.slot[s].granted && st.slot[s].state == SLOT_IDLE) {
            found = s;
            st.slot[s].state = SLOT_BUSY;
            *epoch = st.slot[s].epoch;
            *copy = st.slot[s];
        }
    }
    g_mutex_unlock(&st.slot_lock);
    return found;
}

static void set_state(int s, StSlotState to)
{
    g_mutex_lock(&st.slot_lock);
    st.slot[s].state = to;
    g_mutex_unlock(&st.slot_lock);
}

static bool slot_changed(int s, uint64_t epoch)
{
    bool changed;

    g_mutex_lock(&st.slot_lock);
    changed = st.slot[s].epoch != epoch;
    g_mutex_unlock(&st.slot_lock);
    return changed;
}

static void map_grant(GRand *rng)
{
    uint32_t seed = g_rand_int(rng);
    uint8_t buf[4096];
    hwaddr len = 4096, addr;
    uint64_t epoch = 0;
    StSlot sl = { 0 };
    int s = take_slot(rng, &epoch, &sl);
    uint8_t *p;
    MemTxResult r;

    if (s < 0) {
        return;
    }
    addr = xen_grant_addr(sl.ref, 0);
    p = address_space_map(&st.as, addr, &len, !sl.readonly, ATTRS);
    if (!p) {
        /* Revoked or ballooned while we reached for it: explained. */
        if (slot_changed(s, epoch) || sl.ballooned) {
            st.c[T].explained++;
        } else {
            ST_UNEXPECTED(T, "grant map of ref %u failed", sl.ref);
        }
        set_state(s, SLOT_IDLE);
        return;
    }
    set_state(s, SLOT_MAPPED);
    st.grant_maps++;
    if (len != 4096) {
        ST_UNEXPECTED(T, "grant map of one page: 0x%" PRIx64, len);
    }
    if (sl.readonly) {
        for (unsigned i = 0; i < len; i++) {
            if (p[i] != sl.fill && !slot_changed(s, epoch)) {
                ST_LOST(T, "read-only grant ref %u byte %u", sl.ref, i);
                break;
            }
        }
    } else {
        fill(p, len, seed);
    }
    set_state(s, SLOT_BUSY);
    address_space_unmap(&st.as, p, len, !sl.readonly, len);

    if (!sl.readonly) {
        /* Back through grant copy, and as the guest sees its frame. */
        r = address_space_read(&st.as, addr, ATTRS, buf, sizeof(buf));
        if (slot_changed(s, epoch)) {
            st.c[T].explained += r != MEMTX_OK;
        } else if (r != MEMTX_OK) {
            ST_UNEXPECTED(T, "grant read back of ref %u: %#x", sl.ref, r);
        } else if (!verify(buf, sizeof(buf), seed) ||
                   !verify(st.guest_ram + (uint64_t)s * XEN_PAGE_SIZE,
                           XEN_PAGE_SIZE, seed)) {
            ST_LOST(T, "grant ref %u (frame %d)", sl.ref, s);
        }
    }
    set_state(s, SLOT_IDLE);
}

gpointer st_mapper_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x6d617070);

    while (!st_stopping()) {
        switch (g_rand_int_range(rng, 0, 3)) {
        case 0:
            map_ram(rng);
            break;
        case 1:
            map_bounce(rng);
            break;
        default:
            map_grant(rng);
            break;
        }
        st.c[T].ops++;
    }
    g_rand_free(rng);
    return NULL;
}
