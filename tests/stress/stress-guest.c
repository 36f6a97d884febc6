/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stress test's guest simulator: grants frames (read-write or
 * read-only), ends access, balloons frames out and back in, and writes
 * its own memory, all while the mapper uses the grants.
 *
 * Ending access is done with the slot lock held, so the mapper's state
 * is exact at that moment: a revocation that succeeds while the mapper
 * holds a mapping is a security bug (the frame could be reused under
 * the device), and one refused while nobody uses the ref is a leak of
 * the in-use flags. Slots the mapper is busy with are left alone: ended
 * there, their ref could be handed out again for another slot while the
 * mapper still means the old one, and the bookkeeping would blame the
 * wrong slot. (The race of a revocation against a map in progress is
 * tests/unit/xen's.)
 */
#include <errno.h>
#include <string.h>

#include "stress.h"

#define T ST_GUEST_SIM

static void guest_grant(int s, GRand *rng)
{
    StSlot *sl = &st.slot[s];
    bool ro = g_rand_boolean(rng);
    int64_t ref;

    if (!sl->ballooned) {
        sl->fill = g_rand_int(rng);
        memset(st.guest_ram + (uint64_t)s * XEN_PAGE_SIZE, sl->fill,
               XEN_PAGE_SIZE);
    }
    ref = xen_emu_grant_access(st.dom, 0, s, ro);
    if (ref < 0) {
        ST_UNEXPECTED(T, "grant of frame %d: %" PRId64, s, ref);
        return;
    }
    sl->granted = true;
    sl->ref = ref;
    sl->readonly = ro;
    sl->epoch++;
}

static void guest_end(int s)
{
    StSlot *sl = &st.slot[s];
    int ret = xen_emu_end_access(st.dom, sl->ref);

    if (ret == 0) {
        if (sl->state == SLOT_MAPPED) {
            ST_UNEXPECTED(T, "ended ref %u while the device had it mapped",
                          sl->ref);
        }
        sl->granted = false;
        sl->epoch++;
    } else if (ret == -EBUSY) {
        /* Only the mapper pins refs; idle, it must not hold any. */
        if (sl->state == SLOT_IDLE) {
            ST_UNEXPECTED(T, "ref %u busy with nobody using it", sl->ref);
        } else {
            st.c[T].explained++;
            st.ebusy_seen++;
        }
    } else {
        ST_UNEXPECTED(T, "end of ref %u: %d", sl->ref, ret);
    }
}

static void guest_balloon(int s)
{
    StSlot *sl = &st.slot[s];
    int ret;

    if (!sl->ballooned) {
        ret = xen_emu_balloon_out(st.dom, s);
        sl->ballooned = ret == 0;
    } else if (sl->state == SLOT_IDLE) {
        /* Back in zeroed: never under the device's feet. */
        ret = xen_emu_balloon_in(st.dom, s);
        sl->ballooned = ret != 0;
        sl->fill = 0;
    } else {
        return;
    }
    if (ret) {
        ST_UNEXPECTED(T, "balloon of frame %d: %d", s, ret);
    }
    sl->epoch++;
}

gpointer st_guest_thread(gpointer arg)
{
    GRand *rng = g_rand_new_with_seed(0x67756573);

    while (!st_stopping()) {
        int s = g_rand_int_range(rng, 0, ST_SLOTS);
        int what = g_rand_int_range(rng, 0, 8);

        g_mutex_lock(&st.slot_lock);
        if (what < 3 && !st.slot[s].granted && st.slot[s].state == SLOT_IDLE) {
            guest_grant(s, rng);
        } else if (what < 6 && st.slot[s].granted &&
                   st.slot[s].state != SLOT_BUSY) {
            guest_end(s);
        } else if (what == 6) {
            guest_balloon(s);
        }
        g_mutex_unlock(&st.slot_lock);
        if (what == 7) {
            /* Frames above the slots are never granted: scribble. */
            uint64_t gfn = ST_SLOTS +
                           g_rand_int_range(rng, 0, ST_PAGES - ST_SLOTS);

            memset(st.guest_ram + gfn * XEN_PAGE_SIZE, g_rand_int(rng),
                   XEN_PAGE_SIZE);
        }
        st.c[T].ops++;
        if (st.c[T].ops % 64 == 0) {
            g_thread_yield();
        }
    }
    g_rand_free(rng);
    return NULL;
}
