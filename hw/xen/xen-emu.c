/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated hypervisor: domains and their memory. The guest's grant calls
 * live in xen-emu-guest.c, ballooning in xen-emu-balloon.c, grant
 * enforcement in xen-emu-gnttab.c, the backend in xen-emu-backend.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec/memcore-atomic.h"
#include "exec/memcore-error.h"
#include "xen-emu-internal.h"

void xen_emu_assert_hv(XenEmu *emu, const char *func)
{
    if (getpid() != emu->hv_pid) {
        memcore_misuse("xen-emu: %s() called outside the hypervisor "
                       "process (pid %d, hypervisor %d)",
                       func, (int)getpid(), (int)emu->hv_pid);
    }
}

XenEmu *xen_emu_new(GError **errp)
{
    XenEmu *emu;
    long psz = sysconf(_SC_PAGESIZE);

    /* Backend mappings are mmap()s of single guest frames. */
    if (psz != XEN_PAGE_SIZE) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-emu needs 4 KiB host pages, this host has %ld", psz);
        return NULL;
    }
    emu = g_new0(XenEmu, 1);
    emu->hv_pid = getpid();
    g_mutex_init(&emu->lock);
    g_rec_mutex_init(&emu->notify_lock);
    emu->domains = g_hash_table_new(g_direct_hash, g_direct_equal);
    return emu;
}

static void domain_free(XenEmuDomain *dom)
{
    munmap(dom->ram, dom->nr_pages * XEN_PAGE_SIZE);
    close(dom->ram_fd);
    munmap(dom->gnttab, dom->shared_size);
    g_free(dom->active);
    g_free(dom);
}

void xen_emu_free(XenEmu *emu)
{
    GHashTableIter it;
    gpointer value;

    if (!emu) {
        return;
    }
    xen_emu_assert_hv(emu, __func__);
    if (emu->backends_open) {
        memcore_misuse("xen-emu: freed with %u backend(s) still open",
                       emu->backends_open);
    }
    g_hash_table_iter_init(&it, emu->domains);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        domain_free(value);
    }
    g_hash_table_destroy(emu->domains);
    g_list_free_full(emu->notifiers, g_free);
    g_rec_mutex_clear(&emu->notify_lock);
    g_mutex_clear(&emu->lock);
    g_free(emu);
}

XenEmuDomain *xen_emu_domain_find_locked(XenEmu *emu, uint16_t domid)
{
    return g_hash_table_lookup(emu->domains, GUINT_TO_POINTER(domid));
}

XenEmuDomain *xen_emu_domain_lookup(XenEmu *emu, uint16_t domid)
{
    XenEmuDomain *dom;

    g_mutex_lock(&emu->lock);
    dom = xen_emu_domain_find_locked(emu, domid);
    g_mutex_unlock(&emu->lock);
    return dom;
}

static bool domain_check_args(XenEmu *emu, uint16_t domid, uint64_t ram_bytes,
                              GError **errp)
{
    if (domid == 0 || domid > XEN_EMU_DOMID_MAX) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-emu: domid %u is not a guest domid (1..%u)", domid,
                    XEN_EMU_DOMID_MAX);
        return false;
    }
    /* Frames are 32-bit in a v1 grant entry, so RAM stops at 2^44. */
    if (ram_bytes == 0 || ram_bytes % XEN_PAGE_SIZE ||
        ram_bytes / XEN_PAGE_SIZE > UINT32_MAX) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_INVALID,
                    "xen-emu: RAM size %" PRIu64 " is not a nonzero "
                    "multiple of 4 KiB below 2^44",
                    ram_bytes);
        return false;
    }
    if (xen_emu_domain_lookup(emu, domid)) {
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_BUSY,
                    "xen-emu: domain %u already exists", domid);
        return false;
    }
    return true;
}

/* The guest RAM: a memfd, so that backends can mmap single frames of it. */
static bool domain_alloc_ram(XenEmuDomain *dom, GError **errp)
{
    char name[32];
    size_t bytes = dom->nr_pages * XEN_PAGE_SIZE;

    snprintf(name, sizeof(name), "xen-emu-dom%u", dom->domid);
    dom->ram_fd = memfd_create(name, MFD_CLOEXEC);
    if (dom->ram_fd < 0) {
        goto fail;
    }
    if (ftruncate(dom->ram_fd, bytes) < 0) {
        goto fail_close;
    }
    dom->ram = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                    dom->ram_fd, 0);
    if (dom->ram == MAP_FAILED) {
        goto fail_close;
    }
    return true;

fail_close:
    close(dom->ram_fd);
fail:
    g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                "xen-emu: cannot allocate %zu bytes of RAM for domain %u: %s",
                bytes, dom->domid, g_strerror(errno));
    return false;
}

/*
 * The grant table, then XenEmuShared with its balloon bitmap, in one
 * MAP_SHARED anonymous mapping that a forked guest inherits as shared.
 */
static bool domain_alloc_shared(XenEmuDomain *dom, GError **errp)
{
    size_t table = XEN_EMU_NR_GRANT_REFS * sizeof(XenGrantEntryV1);
    size_t words = (dom->nr_pages + 63) / 64;
    void *p;

    dom->shared_size = table + sizeof(XenEmuShared) + words * 8;
    p = mmap(NULL, dom->shared_size, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "xen-emu: cannot allocate the grant table of domain %u: "
                    "%s",
                    dom->domid, g_strerror(errno));
        return false;
    }
    dom->gnttab = p;
    dom->shared = (XenEmuShared *)((uint8_t *)p + table);
    /* Refs 0..7 are reserved: never hand them out. */
    dom->shared->ref_used[0] = (1ULL << XEN_GRANT_FIRST_FREE_REF) - 1;
    return true;
}

XenEmuDomain *xen_emu_domain_new(XenEmu *emu, uint16_t domid,
                                 uint64_t ram_bytes, GError **errp)
{
    XenEmuDomain *dom;

    xen_emu_assert_hv(emu, __func__);
    if (!domain_check_args(emu, domid, ram_bytes, errp)) {
        return NULL;
    }
    dom = g_new0(XenEmuDomain, 1);
    dom->emu = emu;
    dom->domid = domid;
    dom->nr_pages = ram_bytes / XEN_PAGE_SIZE;
    if (!domain_alloc_ram(dom, errp)) {
        g_free(dom);
        return NULL;
    }
    if (!domain_alloc_shared(dom, errp)) {
        munmap(dom->ram, ram_bytes);
        close(dom->ram_fd);
        g_free(dom);
        return NULL;
    }
    dom->active = g_new0(XenEmuActive, XEN_EMU_NR_GRANT_REFS);

    g_mutex_lock(&emu->lock);
    if (xen_emu_domain_find_locked(emu, domid)) {
        /* Lost a race with another thread creating the same domid. */
        g_mutex_unlock(&emu->lock);
        domain_free(dom);
        g_set_error(errp, MEMCORE_ERROR, MEMCORE_ERROR_BUSY,
                    "xen-emu: domain %u already exists", domid);
        return NULL;
    }
    g_hash_table_insert(emu->domains, GUINT_TO_POINTER(domid), dom);
    g_mutex_unlock(&emu->lock);
    return dom;
}

uint16_t xen_emu_domain_id(XenEmuDomain *dom)
{
    return dom->domid;
}

void *xen_emu_domain_ram(XenEmuDomain *dom)
{
    return dom->ram;
}

uint64_t xen_emu_domain_ram_size(XenEmuDomain *dom)
{
    return dom->nr_pages * XEN_PAGE_SIZE;
}

XenGrantEntryV1 *xen_emu_domain_grant_table(XenEmuDomain *dom,
                                            uint32_t *nr_refs)
{
    if (nr_refs) {
        *nr_refs = XEN_EMU_NR_GRANT_REFS;
    }
    return dom->gnttab;
}

bool xen_emu_frame_present(XenEmuDomain *dom, uint64_t gfn)
{
    uint64_t word;

    if (gfn >= dom->nr_pages) {
        return false;
    }
    word = qatomic_load_acquire(&dom->shared->absent[gfn / 64]);
    return !(word & (1ULL << (gfn % 64)));
}

void xen_emu_get_stats(XenEmu *emu, XenEmuStats *stats)
{
    g_mutex_lock(&emu->lock);
    *stats = emu->stats;
    g_mutex_unlock(&emu->lock);
}
