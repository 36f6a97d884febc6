/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor: the grant checks Xen makes before a backend may
 * touch a frame, the in-use flags it keeps in the entry, and grant copy.
 *
 * The guest can rewrite its entries at any moment, from another process.
 * So an entry is read once into a snapshot, the snapshot is validated,
 * and the in-use bits are set with a compare-and-swap against that very
 * snapshot: if the guest changed anything in between, the swap fails and
 * the new contents are validated again. The frame is read only after the
 * swap succeeded; from then on the guest cannot revoke the entry.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "exec/memcore-error.h"
#include "xen-emu-internal.h"

/* Would a pin of @s for @self be allowed? GNTST_okay or the code. */
static int combo_check(XenEmuGrantCombo s, uint16_t self, bool write)
{
    if ((s.f.flags & GTF_type_mask) != GTF_permit_access) {
        /* Invalid, transfer and transitive entries cannot be mapped. */
        return GNTST_general_error;
    }
    if (s.f.flags & GTF_sub_page) {
        return GNTST_general_error;
    }
    if (s.f.domid != self) {
        return GNTST_general_error;
    }
    if (write && (s.f.flags & GTF_readonly)) {
        return GNTST_general_error;
    }
    return GNTST_okay;
}

static int combo_set_in_use(XenGrantEntryV1 *e, uint16_t self, bool write)
{
    uint32_t *word = xen_emu_entry_combo(e);
    XenEmuGrantCombo snap, want;
    int rc;

    snap.word = qatomic_load_acquire(word);
    do {
        rc = combo_check(snap, self, write);
        if (rc != GNTST_okay) {
            return rc;
        }
        want = snap;
        want.f.flags |= GTF_reading | (write ? GTF_writing : 0);
    } while (!qatomic_cmpxchg_acq_rel(word, &snap.word, want.word));
    return GNTST_okay;
}

static void combo_clear(XenGrantEntryV1 *e, uint16_t bits)
{
    uint32_t *word = xen_emu_entry_combo(e);
    XenEmuGrantCombo snap, want;

    snap.word = qatomic_load_acquire(word);
    do {
        want = snap;
        want.f.flags &= ~bits;
    } while (!qatomic_cmpxchg_acq_rel(word, &snap.word, want.word));
}

/* The bits no remaining pin of @act needs. */
static uint16_t unused_bits(const XenEmuActive *act)
{
    uint16_t bits = 0;

    if (act->pin_rw == 0) {
        bits |= GTF_writing;
        if (act->pin_ro == 0) {
            bits |= GTF_reading;
        }
    }
    return bits;
}

int xen_emu_grant_pin(XenEmuDomain *dom, uint16_t self, uint32_t ref,
                      bool write, uint32_t *frame)
{
    XenGrantEntryV1 *e;
    XenEmuActive *act;
    uint32_t *pins;
    int rc;

    if (ref >= XEN_EMU_NR_GRANT_REFS) {
        return GNTST_bad_gntref;
    }
    e = &dom->gnttab[ref];
    act = &dom->active[ref];
    pins = write ? &act->pin_rw : &act->pin_ro;
    if (*pins >= XEN_EMU_MAX_PINS) {
        return GNTST_general_error;
    }
    rc = combo_set_in_use(e, self, write);
    if (rc != GNTST_okay) {
        return rc;
    }
    if (act->pin_ro == 0 && act->pin_rw == 0) {
        /* The read barrier of the protocol: frame after flags. */
        smp_mb_acquire();
        act->frame = qatomic_read(&e->frame);
        if (!xen_emu_frame_present(dom, act->frame)) {
            combo_clear(e, unused_bits(act));
            return GNTST_bad_page;
        }
    }
    (*pins)++;
    *frame = act->frame;
    return GNTST_okay;
}

/*
 * The checks of xen_emu_grant_pin() on one snapshot of the entry, with no
 * compare-and-swap: the guest may change the entry right after, which is
 * why the answer is only advice.
 */
int xen_emu_grant_check(XenEmuDomain *dom, uint16_t self, uint32_t ref,
                        bool write)
{
    XenGrantEntryV1 *e;
    XenEmuActive *act;
    XenEmuGrantCombo snap;
    int rc;

    if (ref >= XEN_EMU_NR_GRANT_REFS) {
        return GNTST_bad_gntref;
    }
    e = &dom->gnttab[ref];
    act = &dom->active[ref];
    if ((write ? act->pin_rw : act->pin_ro) >= XEN_EMU_MAX_PINS) {
        return GNTST_general_error;
    }
    snap.word = qatomic_load_acquire(xen_emu_entry_combo(e));
    rc = combo_check(snap, self, write);
    if (rc != GNTST_okay) {
        return rc;
    }
    /* A pinned ref keeps its latched frame; otherwise the entry's counts. */
    if (act->pin_ro == 0 && act->pin_rw == 0 &&
        !xen_emu_frame_present(dom, qatomic_read(&e->frame))) {
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

void xen_emu_grant_unpin(XenEmuDomain *dom, uint32_t ref, bool write)
{
    XenEmuActive *act = &dom->active[ref];
    uint32_t *pins = write ? &act->pin_rw : &act->pin_ro;
    uint16_t bits;

    if (*pins == 0) {
        memcore_misuse("xen-emu: grant %u of dom%u unpinned for %s more "
                       "often than pinned",
                       ref, dom->domid, write ? "writing" : "reading");
    }
    (*pins)--;
    bits = unused_bits(act);
    if (bits) {
        combo_clear(&dom->gnttab[ref], bits);
    }
}

/*
 * One side of a copy segment: a local pointer, or a pinned grant.
 * @pinned records what to unpin afterwards.
 */
typedef struct CopySide {
    uint8_t *ptr;
    XenEmuDomain *dom;
    uint32_t ref;
    bool pinned;
} CopySide;

static int copy_side_get(XenEmu *emu, uint16_t self, bool is_gref,
                         const XenGrantCopyPtr *p, uint16_t len, bool write,
                         CopySide *side)
{
    uint32_t frame;
    int rc;

    memset(side, 0, sizeof(*side));
    if (!is_gref) {
        side->ptr = p->virt;
        return GNTST_okay;
    }
    if ((uint32_t)p->foreign.offset + len > XEN_PAGE_SIZE) {
        return GNTST_bad_copy_arg;
    }
    side->dom = xen_emu_domain_find_locked(emu, p->foreign.domid);
    if (!side->dom) {
        return GNTST_bad_domain;
    }
    rc = xen_emu_grant_pin(side->dom, self, p->foreign.ref, write, &frame);
    if (rc != GNTST_okay) {
        return rc;
    }
    side->ref = p->foreign.ref;
    side->pinned = true;
    side->ptr = side->dom->ram + (uint64_t)frame * XEN_PAGE_SIZE +
                p->foreign.offset;
    return GNTST_okay;
}

static void copy_side_put(CopySide *side, bool write)
{
    if (side->pinned) {
        xen_emu_grant_unpin(side->dom, side->ref, write);
    }
}

/*
 * Pin both sides under the lock, copy without it (the pins keep the
 * guest from revoking meanwhile), then unpin under the lock.
 */
static int copy_one(XenEmu *emu, uint16_t self, XenGrantCopySegment *seg)
{
    bool src_gref = seg->flags & GNTCOPY_source_gref;
    bool dst_gref = seg->flags & GNTCOPY_dest_gref;
    CopySide src, dst;
    int rc;

    g_mutex_lock(&emu->lock);
    emu->stats.copy_segments++;
    rc = copy_side_get(emu, self, src_gref, &seg->source, seg->len, false,
                       &src);
    if (rc == GNTST_okay) {
        rc = copy_side_get(emu, self, dst_gref, &seg->dest, seg->len, true,
                           &dst);
        if (rc != GNTST_okay) {
            copy_side_put(&src, false);
        }
    }
    g_mutex_unlock(&emu->lock);
    if (rc != GNTST_okay) {
        return rc;
    }

    memmove(dst.ptr, src.ptr, seg->len);

    g_mutex_lock(&emu->lock);
    copy_side_put(&src, false);
    copy_side_put(&dst, true);
    g_mutex_unlock(&emu->lock);
    return GNTST_okay;
}

int xen_emu_grant_copy(XenEmu *emu, uint16_t self, uint32_t count,
                       XenGrantCopySegment *segs)
{
    int first_error = GNTST_okay;

    for (uint32_t i = 0; i < count; i++) {
        segs[i].status = copy_one(emu, self, &segs[i]);
        if (segs[i].status != GNTST_okay && first_error == GNTST_okay) {
            first_error = segs[i].status;
        }
    }
    return first_error;
}
