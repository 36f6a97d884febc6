/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor: state shared by xen-emu.c (domains, guest side),
 * xen-emu-gnttab.c (grant checks and pins) and xen-emu-backend.c (the
 * XenBackendOps implementation).
 *
 * Lock rules:
 *  - XenEmu.lock protects the domain table, every XenEmuActive, every
 *    XenEmuDomain.invalidate_seen, every backend's mapping tables and
 *    XenEmu.stats. It is a leaf lock: nothing else is taken under it.
 *  - XenEmu.notify_lock (recursive) protects the notifier list and is held
 *    while notifiers run, so that once removal returns a notifier is never
 *    called again. It is taken before XenEmu.lock, never after.
 *  - Memory shared with the guest (grant entries, XenEmuShared, the RAM)
 *    is never protected by a lock: the guest may run in another process.
 *    Grant entries change only through atomic compare-and-swap; bitmaps
 *    only through atomic read-modify-write.
 *  - Domains are created under the lock and freed only by xen_emu_free(),
 *    so a XenEmuDomain pointer found under the lock stays valid after it.
 *  - Nothing is copied and no mmap()/munmap() runs under the lock, except
 *    munmap() in teardown paths.
 */
#ifndef HW_XEN_XEN_EMU_INTERNAL_H
#define HW_XEN_XEN_EMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

#include "hw/xen/xen-emu.h"

/*
 * The {flags, domid} half of an entry, which the hypervisor updates with
 * one 32-bit compare-and-swap so that neither can change between the
 * check and the update.
 */
typedef union XenEmuGrantCombo {
    uint32_t word;
    struct {
        uint16_t flags;
        uint16_t domid;
    } f;
} XenEmuGrantCombo;

static inline uint32_t *xen_emu_entry_combo(XenGrantEntryV1 *e)
{
    return (uint32_t *)(void *)e;
}

/* Pins per ref and direction before a pin is refused, as Xen caps them. */
#define XEN_EMU_MAX_PINS (1U << 20)

/*
 * Guest-side bookkeeping that must be shared with a forked guest: the ref
 * allocator and the balloon state. Lives in MAP_SHARED memory after the
 * grant table.
 */
typedef struct XenEmuShared {
    uint64_t invalidate_seq; /* atomic */
    uint64_t ref_used[XEN_EMU_NR_GRANT_REFS / 64]; /* atomic bitmap */
    uint64_t absent[]; /* atomic bitmap: frame ballooned out */
} XenEmuShared;

/*
 * Hypervisor-private state of one grant ref (Xen's "active entry").
 * @frame is latched at the first pin and used by later pins, so a guest
 * that rewrites a mapped entry's frame cannot move existing users.
 */
typedef struct XenEmuActive {
    uint32_t pin_ro;
    uint32_t pin_rw;
    uint32_t frame;
} XenEmuActive;

struct XenEmuDomain {
    XenEmu *emu;
    uint16_t domid;
    uint64_t nr_pages;

    /* Shared with the guest, possibly in another process. */
    int ram_fd;
    uint8_t *ram;
    XenGrantEntryV1 *gnttab;
    XenEmuShared *shared;
    size_t shared_size;

    /* Hypervisor side, under emu->lock. */
    XenEmuActive *active;
    uint64_t invalidate_seen;
};

typedef struct XenEmuNotifier {
    uint16_t domid;
    XenEmuInvalidateFn *fn;
    void *opaque;
} XenEmuNotifier;

struct XenEmu {
    pid_t hv_pid;
    GMutex lock;
    GHashTable *domains; /* domid -> XenEmuDomain * */
    GRecMutex notify_lock;
    GList *notifiers; /* of XenEmuNotifier *, under notify_lock */
    unsigned backends_open;
    XenEmuStats stats;
};

/* Abort unless called in the hypervisor process (see xen-emu.h). */
void xen_emu_assert_hv(XenEmu *emu, const char *func);

/* Caller holds emu->lock. */
XenEmuDomain *xen_emu_domain_find_locked(XenEmu *emu, uint16_t domid);

/* A frame the domain has and has not ballooned out. Lock-free. */
bool xen_emu_frame_present(XenEmuDomain *dom, uint64_t gfn);

/*
 * Pin @ref of @dom for use by @self: validate the entry as Xen does, set
 * GTF_reading (and GTF_writing when @write) and count the pin. Returns
 * GNTST_okay with *@frame set, or the GNTST code. Caller holds emu->lock.
 */
int xen_emu_grant_pin(XenEmuDomain *dom, uint16_t self, uint32_t ref,
                      bool write, uint32_t *frame);

/*
 * What xen_emu_grant_pin() would answer now, without pinning: GNTST_okay
 * or the code. Caller holds emu->lock.
 */
int xen_emu_grant_check(XenEmuDomain *dom, uint16_t self, uint32_t ref,
                        bool write);

/* Drop a pin taken by xen_emu_grant_pin(). Caller holds emu->lock. */
void xen_emu_grant_unpin(XenEmuDomain *dom, uint32_t ref, bool write);

/* Run the segments of a grant copy for @self. Takes emu->lock itself. */
int xen_emu_grant_copy(XenEmu *emu, uint16_t self, uint32_t count,
                       XenGrantCopySegment *segs);

#endif /* HW_XEN_XEN_EMU_INTERNAL_H */
