/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stress test's shared state (docs/devel/security.rst, "Stress").
 *
 * Layout of the device's address space:
 *   0x0000_0000  RAM, 1 MiB: the mapper's, in 64 slices of 16 KiB
 *   0x0040_0000  CONST, 64 KiB of RAM that nobody writes: byte o = C(o)
 *   0x1000_0000  SCRATCH, 16 KiB of MMIO device memory
 *   0x1001_0000  CONSTIO, 4 KiB of MMIO that reads as C(o)
 *   0x1002_0000  CHURN, 4 KiB of MMIO that reads as C(o), while it is
 *                there: the churner adds, removes, finalizes and
 *                initialises it again, over and over
 *   0x2000_0000  WINDOW, an alias of CONST at offset 0 or 0x1000, which
 *                the topology changer toggles on and off
 *   0x3000_0000  MOVER, an alias of CONST at 0x2000 that moves between
 *   0x3010_0000  these two places
 *   2^63         the grant region of guest domain 7
 *
 * Every error a thread sees is counted either as explained (the guest's
 * or the topology changer's doing: a revoked grant, a ballooned frame,
 * a window that is off) or as unexpected; lost and torn writes count
 * separately. The test passes with no unexpected error, no lost or torn
 * write, every mapping counter back at 0, and no growth of memory or
 * open files.
 */
#ifndef TESTS_STRESS_STRESS_H
#define TESTS_STRESS_STRESS_H

#include <glib.h>

#include "exec/memcore-atomic.h"
#include "exec/memory.h"
#include "hw/xen/xen-emu.h"
#include "hw/xen/xen-grant.h"

#define ST_RAM_SIZE 0x100000ULL
#define ST_SLICE 0x4000ULL
#define ST_CONST_BASE 0x400000ULL
#define ST_CONST_SIZE 0x10000ULL
#define ST_SCRATCH_BASE 0x10000000ULL
#define ST_SCRATCH_SIZE 0x4000ULL
#define ST_CONSTIO_BASE 0x10010000ULL
#define ST_CONSTIO_SIZE 0x1000ULL
#define ST_CHURN_BASE 0x10020000ULL
#define ST_CHURN_SIZE 0x1000ULL
#define ST_WINDOW_BASE 0x20000000ULL
#define ST_WINDOW_SIZE 0x4000ULL
#define ST_MOVER_A 0x30000000ULL
#define ST_MOVER_B 0x30100000ULL
#define ST_MOVER_OFF 0x2000ULL
#define ST_MOVER_SIZE 0x1000ULL

#define ST_GUEST 7
#define ST_SLOTS 32 /* grant slots; slot i grants frame i */
#define ST_PAGES 64 /* guest frames */

/* What CONST and CONSTIO hold at offset @o. */
static inline uint8_t st_const(uint64_t o)
{
    return (uint8_t)(o * 131 + (o >> 8) * 7 + 3);
}

/* What the mapper is doing with a grant slot. */
typedef enum StSlotState {
    SLOT_IDLE, /* nothing */
    SLOT_BUSY, /* maps, writes, unmaps or verifies */
    SLOT_MAPPED, /* holds a mapping of it */
} StSlotState;

/*
 * Slot i grants frame i. The guest grants a slot only while the mapper
 * leaves it alone, and zeroes (balloons in) or rewrites its frame only
 * then; it may end or balloon out a slot at any time, which the mapper
 * sees as a changed epoch.
 */
typedef struct StSlot {
    bool granted;
    StSlotState state;
    uint32_t ref;
    bool readonly;
    bool ballooned; /* its frame is out */
    uint64_t epoch; /* bumped by every guest action on it */
    uint8_t fill; /* what the guest wrote into a read-only one */
} StSlot;

typedef struct StCounters {
    uint64_t ops;
    uint64_t explained; /* errors the guest or topology explain */
    uint64_t unexpected;
    uint64_t lost; /* lost or torn writes, torn reads */
} StCounters;

enum {
    ST_MAPPER,
    ST_READER,
    ST_TOPOLOGY,
    ST_GUEST_SIM,
    ST_CHURN,
    ST_CHURN_READER,
    ST_NR_THREADS
};

typedef struct Stress {
    AddressSpace as;
    MemoryRegion root, ram, cnst, scratch, constio, window, mover;
    MemoryRegion churn; /* the churner's alone */
    MemoryRegion *grants;
    XenEmu *emu;
    XenEmuDomain *dom;
    XenBackend *be;
    uint8_t *guest_ram;

    GMutex scratch_lock;
    uint8_t scratch_mem[ST_SCRATCH_SIZE];

    GMutex slot_lock; /* the slots; held across end_access */
    StSlot slot[ST_SLOTS];

    bool stop; /* atomic */
    StCounters c[ST_NR_THREADS];
    uint64_t ebusy_seen; /* revocations refused while mapped */
    uint64_t grant_maps;
} Stress;

extern Stress st;

/* A thread reports: @ok or an error it can or cannot explain. */
#define ST_UNEXPECTED(t, fmt, ...)                                           \
    do {                                                                     \
        st.c[t].unexpected++;                                                \
        if (st.c[t].unexpected <= 5) {                                       \
            fprintf(stderr, "stress: unexpected: " fmt "\n", ##__VA_ARGS__); \
        }                                                                    \
    } while (0)

#define ST_LOST(t, fmt, ...)                                   \
    do {                                                       \
        st.c[t].lost++;                                        \
        if (st.c[t].lost <= 5) {                               \
            fprintf(stderr, "stress: lost or torn: " fmt "\n", \
                    ##__VA_ARGS__);                            \
        }                                                      \
    } while (0)

static inline bool st_stopping(void)
{
    return qatomic_load_acquire(&st.stop);
}

gpointer st_mapper_thread(gpointer arg);
gpointer st_reader_thread(gpointer arg);
gpointer st_topology_thread(gpointer arg);
gpointer st_guest_thread(gpointer arg);
gpointer st_churn_thread(gpointer arg);
gpointer st_churn_reader_thread(gpointer arg);

#endif /* TESTS_STRESS_STRESS_H */
