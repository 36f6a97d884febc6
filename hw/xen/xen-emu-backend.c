/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor: the XenBackendOps a device model uses, playing
 * gntdev and privcmd.
 *
 * A batch of grant refs becomes one contiguous host range: a PROT_NONE
 * reservation, then each granted frame of the guest's memfd mmap()ed over
 * its page with MAP_FIXED. The reservation keeps the range ours even while
 * pages are being placed, and a page that is never placed (a failed
 * foreign frame) stays inaccessible.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "exec/memcore-error.h"
#include "xen-emu-internal.h"

typedef struct EmuBackend {
    XenBackend be;
    XenEmu *emu;
    uint16_t self;
    int restricted_to; /* -1, or the only domid foreign maps reach */
    /* Under emu->lock: */
    GHashTable *grant_maps; /* host address -> EmuGrantMap * */
    GHashTable *foreign_maps; /* host address -> EmuForeignMap * */
} EmuBackend;

/* Both kinds of mapping record start with their page count. */
typedef struct EmuGrantMap {
    size_t count;
    XenEmuDomain *dom;
    bool writable;
    uint32_t refs[];
} EmuGrantMap;

typedef struct EmuForeignMap {
    size_t count;
    size_t mapped; /* pages that are really there */
} EmuForeignMap;

static EmuBackend *to_emu(XenBackend *be)
{
    return (EmuBackend *)be;
}

/*
 * Take the record of the mapping at @addr out of @table, if it is one of
 * exactly @count pages (unmap must name a mapping exactly, as gntdev and
 * privcmd require). emu->lock held.
 */
static void *take_record_locked(GHashTable *table, void *addr, size_t count)
{
    size_t *rec = g_hash_table_lookup(table, addr);

    if (!rec || *rec != count) {
        return NULL;
    }
    g_hash_table_steal(table, addr);
    return rec;
}

/*
 * Reserve @count pages, then place frame @gfns[i] over page i, skipping
 * pages whose @err[i] is set (@err may be NULL).
 */
static void *place_frames(XenEmuDomain *dom, size_t count,
                          const uint64_t *gfns, const int *err, bool writable)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    uint8_t *base;

    base = mmap(NULL, count * XEN_PAGE_SIZE, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        void *page = base + i * XEN_PAGE_SIZE;

        if (err && err[i]) {
            continue;
        }
        if (mmap(page, XEN_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
                 dom->ram_fd, (off_t)gfns[i] * XEN_PAGE_SIZE) == MAP_FAILED) {
            int saved = errno;

            munmap(base, count * XEN_PAGE_SIZE);
            errno = saved;
            return NULL;
        }
    }
    return base;
}

/* Pin every ref; on any failure undo the pins taken. emu->lock held. */
static int pin_batch_locked(EmuBackend *eb, XenEmuDomain *dom, uint32_t count,
                            const uint32_t *refs, bool writable,
                            int16_t *status, uint64_t *gfns)
{
    int failed = 0;

    for (uint32_t i = 0; i < count; i++) {
        uint32_t frame = 0;

        status[i] = xen_emu_grant_pin(dom, eb->self, refs[i], writable,
                                      &frame);
        gfns[i] = frame;
        failed += status[i] != GNTST_okay;
    }
    if (failed) {
        for (uint32_t i = 0; i < count; i++) {
            if (status[i] == GNTST_okay) {
                xen_emu_grant_unpin(dom, refs[i], writable);
            }
        }
    }
    return failed;
}

static void unpin_batch_locked(XenEmuDomain *dom, uint32_t count,
                               const uint32_t *refs, bool writable)
{
    for (uint32_t i = 0; i < count; i++) {
        xen_emu_grant_unpin(dom, refs[i], writable);
    }
}

static void fill_status(int16_t *status, uint32_t count, int16_t code)
{
    for (uint32_t i = 0; i < count; i++) {
        status[i] = code;
    }
}

static void *emu_grant_map(XenBackend *be, uint16_t domid, uint32_t count,
                           const uint32_t *refs, bool writable,
                           int16_t *status)
{
    EmuBackend *eb = to_emu(be);
    XenEmu *emu = eb->emu;
    g_autofree uint64_t *gfns = g_new(uint64_t, count);
    XenEmuDomain *dom;
    EmuGrantMap *m;
    void *base;

    xen_emu_assert_hv(emu, __func__);
    g_mutex_lock(&emu->lock);
    dom = xen_emu_domain_find_locked(emu, domid);
    if (!dom) {
        fill_status(status, count, GNTST_bad_domain);
        goto refused;
    }
    if (pin_batch_locked(eb, dom, count, refs, writable, status, gfns)) {
        goto refused;
    }
    g_mutex_unlock(&emu->lock);

    base = place_frames(dom, count, gfns, NULL, writable);

    g_mutex_lock(&emu->lock);
    if (!base) {
        unpin_batch_locked(dom, count, refs, writable);
        fill_status(status, count, GNTST_no_space);
        errno = ENOMEM;
        emu->stats.grant_map_failures++;
        g_mutex_unlock(&emu->lock);
        return NULL;
    }
    m = g_malloc(sizeof(*m) + count * sizeof(uint32_t));
    m->dom = dom;
    m->count = count;
    m->writable = writable;
    memcpy(m->refs, refs, count * sizeof(uint32_t));
    g_hash_table_insert(eb->grant_maps, base, m);
    emu->stats.grant_maps++;
    emu->stats.refs_mapped += count;
    g_mutex_unlock(&emu->lock);
    return base;

refused:
    emu->stats.grant_map_failures++;
    g_mutex_unlock(&emu->lock);
    errno = EINVAL;
    return NULL;
}

/*
 * Unmap before unpinning: once GTF_reading/GTF_writing clear, the guest
 * may revoke and reuse the frame, so our pages must be gone by then.
 */
static int emu_grant_unmap(XenBackend *be, void *addr, uint32_t count)
{
    EmuBackend *eb = to_emu(be);
    XenEmu *emu = eb->emu;
    EmuGrantMap *m;

    g_mutex_lock(&emu->lock);
    m = take_record_locked(eb->grant_maps, addr, count);
    g_mutex_unlock(&emu->lock);
    if (!m) {
        return -EINVAL;
    }

    munmap(addr, (size_t)count * XEN_PAGE_SIZE);

    g_mutex_lock(&emu->lock);
    unpin_batch_locked(m->dom, count, m->refs, m->writable);
    emu->stats.grant_unmaps++;
    emu->stats.refs_mapped -= count;
    g_mutex_unlock(&emu->lock);
    g_free(m);
    return 0;
}

static void emu_grant_check(XenBackend *be, uint16_t domid, uint32_t count,
                            const uint32_t *refs, bool writable,
                            int16_t *status)
{
    EmuBackend *eb = to_emu(be);
    XenEmu *emu = eb->emu;
    XenEmuDomain *dom;

    xen_emu_assert_hv(emu, __func__);
    g_mutex_lock(&emu->lock);
    dom = xen_emu_domain_find_locked(emu, domid);
    for (uint32_t i = 0; i < count; i++) {
        status[i] = dom ?
                        xen_emu_grant_check(dom, eb->self, refs[i], writable) :
                        GNTST_bad_domain;
    }
    emu->stats.grant_checks++;
    g_mutex_unlock(&emu->lock);
}

static int emu_grant_copy(XenBackend *be, uint32_t count,
                          XenGrantCopySegment *segs)
{
    EmuBackend *eb = to_emu(be);

    xen_emu_assert_hv(eb->emu, __func__);
    return xen_emu_grant_copy(eb->emu, eb->self, count, segs);
}

/* Per-page errors as privcmd gives them: -EINVAL for a missing frame. */
static size_t check_frames(XenEmuDomain *dom, size_t count,
                           const uint64_t *gfns, int *err)
{
    size_t good = 0;

    for (size_t i = 0; i < count; i++) {
        err[i] = xen_emu_frame_present(dom, gfns[i]) ? 0 : -EINVAL;
        good += err[i] == 0;
    }
    return good;
}

static void *emu_foreign_map(XenBackend *be, uint16_t domid, bool writable,
                             size_t count, const uint64_t *gfns, int *err)
{
    EmuBackend *eb = to_emu(be);
    XenEmu *emu = eb->emu;
    XenEmuDomain *dom;
    EmuForeignMap *m;
    size_t good;
    void *base;

    xen_emu_assert_hv(emu, __func__);
    /* As privcmd does once restricted: other domains are refused. */
    if (eb->restricted_to >= 0 && domid != eb->restricted_to) {
        errno = EPERM;
        return NULL;
    }
    /* Only the privileged domain may map memory it was not granted. */
    if (eb->self != 0) {
        errno = EPERM;
        return NULL;
    }
    dom = xen_emu_domain_lookup(emu, domid);
    if (!dom) {
        errno = ESRCH;
        return NULL;
    }
    good = check_frames(dom, count, gfns, err);
    base = place_frames(dom, count, gfns, err, writable);
    if (!base) {
        return NULL;
    }
    m = g_new(EmuForeignMap, 1);
    m->count = count;
    m->mapped = good;
    g_mutex_lock(&emu->lock);
    g_hash_table_insert(eb->foreign_maps, base, m);
    emu->stats.foreign_maps++;
    emu->stats.pages_foreign_mapped += good;
    g_mutex_unlock(&emu->lock);
    return base;
}

static int emu_foreign_unmap(XenBackend *be, void *addr, size_t count)
{
    EmuBackend *eb = to_emu(be);
    XenEmu *emu = eb->emu;
    EmuForeignMap *m;

    g_mutex_lock(&emu->lock);
    m = take_record_locked(eb->foreign_maps, addr, count);
    if (m) {
        emu->stats.foreign_unmaps++;
        emu->stats.pages_foreign_mapped -= m->mapped;
    }
    g_mutex_unlock(&emu->lock);
    if (!m) {
        return -EINVAL;
    }

    munmap(addr, count * XEN_PAGE_SIZE);
    g_free(m);
    return 0;
}

/*
 * Closing gntdev releases whatever its user still had mapped; do the same,
 * and say so, since it usually means a leak in the caller.
 */
static void emu_close(XenBackend *be)
{
    EmuBackend *eb = to_emu(be);
    GHashTableIter it;
    gpointer key, value;
    unsigned leaked = 0;

    g_hash_table_iter_init(&it, eb->grant_maps);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        emu_grant_unmap(be, key, ((EmuGrantMap *)value)->count);
        g_hash_table_iter_init(&it, eb->grant_maps);
        leaked++;
    }
    g_hash_table_iter_init(&it, eb->foreign_maps);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        emu_foreign_unmap(be, key, ((EmuForeignMap *)value)->count);
        g_hash_table_iter_init(&it, eb->foreign_maps);
        leaked++;
    }
    if (leaked) {
        fprintf(stderr,
                "xen-emu: backend of domain %u closed with %u "
                "mapping(s) still held; released them\n",
                eb->self, leaked);
    }
    g_hash_table_destroy(eb->grant_maps);
    g_hash_table_destroy(eb->foreign_maps);
    g_mutex_lock(&eb->emu->lock);
    eb->emu->backends_open--;
    g_mutex_unlock(&eb->emu->lock);
    g_free(eb);
}

static int emu_restrict(XenBackend *be, uint16_t domid)
{
    EmuBackend *eb = to_emu(be);

    if (eb->restricted_to >= 0 && eb->restricted_to != domid) {
        return -EPERM; /* a restriction is never widened */
    }
    eb->restricted_to = domid;
    return 0;
}

static const XenBackendOps emu_backend_ops = {
    .name = "emu",
    .close = emu_close,
    .grant_map = emu_grant_map,
    .grant_unmap = emu_grant_unmap,
    .grant_check = emu_grant_check,
    .grant_copy = emu_grant_copy,
    .foreign_map = emu_foreign_map,
    .foreign_unmap = emu_foreign_unmap,
    .restrict_to = emu_restrict,
};

XenBackend *xen_emu_backend_open(XenEmu *emu, uint16_t self_domid,
                                 GError **errp)
{
    EmuBackend *eb;

    xen_emu_assert_hv(emu, __func__);
    if (self_domid > XEN_EMU_DOMID_MAX) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-emu: backend domid %u is reserved", self_domid);
        return NULL;
    }
    eb = g_new0(EmuBackend, 1);
    eb->be.ops = &emu_backend_ops;
    eb->emu = emu;
    eb->self = self_domid;
    eb->restricted_to = -1;
    eb->grant_maps = g_hash_table_new(g_direct_hash, g_direct_equal);
    eb->foreign_maps = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_mutex_lock(&emu->lock);
    emu->backends_open++;
    g_mutex_unlock(&emu->lock);
    return &eb->be;
}
