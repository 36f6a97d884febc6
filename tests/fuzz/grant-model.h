/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grant fuzzer's model of a guest's grant table and memory, and of
 * what Xen (here the emulated hypervisor) lets a backend in domain 0 do
 * with them. It follows the rules as Xen states them, not the emulator's
 * code:
 *  - a ref may be used only if its entry permits access (type
 *    GTF_permit_access, not sub-page), names our domain, and, for
 *    writing, is not GTF_readonly; the entry is read afresh at every use,
 *    since the guest may rewrite it at any moment;
 *  - the first user of a ref latches its frame, which must then be
 *    present; later users while it is in use get the latched frame, and
 *    the guest cannot move or revoke it until the last one lets go;
 *  - in use, the entry shows GTF_reading (and GTF_writing for writers);
 *    the bits are cleared when no user needs them any more;
 *  - revoking (ending access) succeeds only while neither bit is set.
 * It also knows how the grant region turns accesses into maps and copies
 * (hw/xen/xen-grant.h): a map takes the consecutive refs of its range, at
 * most XEN_GRANT_MAP_MAX_REFS, all or nothing; a copy goes page segment
 * by page segment in batches of XEN_GRANT_COPY_BATCH, stops after a
 * batch with a failure, and a failed read reads as zeroes throughout.
 */
#ifndef TESTS_FUZZ_GRANT_MODEL_H
#define TESTS_FUZZ_GRANT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"
#include "hw/xen/xen-emu.h"

#define GM_PAGES 16 /* guest RAM frames */
#define GM_GUEST 7 /* the guest's domid */
#define GM_SELF 0 /* the backend's domid */
#define GM_NR_REFS XEN_EMU_NR_GRANT_REFS

typedef struct GmRef {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
    bool allocated; /* handed out by xen_emu_grant_access() */
    bool touched; /* to reset after the input */
    uint32_t pin_ro, pin_rw;
    uint32_t latched; /* the frame users see while pinned */
} GmRef;

typedef struct GrantModel {
    GmRef ref[GM_NR_REFS];
    bool absent[GM_PAGES]; /* ballooned out */
    uint8_t ram[GM_PAGES * XEN_PAGE_SIZE];
    uint32_t touched[GM_NR_REFS];
    unsigned nr_touched;
} GrantModel;

/* Note that @ref's entry or pins are about to change. */
void gm_touch(GrantModel *gm, uint32_t ref);

/*
 * Take a use of @ref (a map or one copy segment): the GNTST status, and
 * on success the frame in *@frame.
 */
int gm_pin(GrantModel *gm, uint64_t ref, bool write, uint32_t *frame);
void gm_unpin(GrantModel *gm, uint32_t ref, bool write);

/* MemTxResult of a refused grant, as hw/xen/xen-grant.h documents. */
MemTxResult gm_status_to_memtx(int status);

/*
 * A copy of [@off, +@len) of the grant region (offset 0 = ref 0, byte 0)
 * to or from @buf. A write updates the model's RAM; a read fills @buf
 * with what must be read. Returns the result the access must have.
 */
MemTxResult gm_copy(GrantModel *gm, uint64_t off, uint8_t *buf, uint64_t len,
                    bool is_write);

/*
 * What address_space_access_check() must say of [@off, +@len) of the
 * grant region: the result of the first ref that could not be used now,
 * or MEMTX_OK. Nothing changes.
 */
MemTxResult gm_check(const GrantModel *gm, uint64_t off, uint64_t len,
                     bool is_write);

/*
 * A map of [@off, +*@plen): on success returns true, with *@plen the
 * length mapped and *@first and *@nrefs the refs now pinned; on failure
 * false, with *@why the result the map must report (that of the first
 * ref refused).
 */
bool gm_map(GrantModel *gm, uint64_t off, uint64_t *plen, bool is_write,
            uint32_t *first, uint32_t *nrefs, MemTxResult *why);
void gm_unmap(GrantModel *gm, uint32_t first, uint32_t nrefs, bool is_write);

/* Where byte @i of a mapping of refs from @first at @off lives. */
uint8_t *gm_mapped_byte(GrantModel *gm, uint32_t first, uint64_t off,
                        uint64_t i);

/* What xen_emu_end_access(@ref) must return, applied to the model. */
int gm_end_access(GrantModel *gm, uint64_t ref);

/* The lowest free run of @n refs from XEN_GRANT_FIRST_FREE_REF, or -1. */
int64_t gm_first_free(const GrantModel *gm, unsigned n);

/* xen_emu_grant_access*() handed out @ref for @gfn. */
void gm_granted(GrantModel *gm, uint32_t ref, uint32_t gfn, bool readonly);

#endif /* TESTS_FUZZ_GRANT_MODEL_H */
