/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm's ioreq server on real Xen (see ioreq-server.h): the only
 * file of the program that calls libxendevicemodel and libxenevtchn.
 */
#include "config-host.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "ioreq-server.h"

#ifdef CONFIG_XEN_DM

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

/* Our ABI copy must be Xen's. */
_Static_assert(sizeof(DmIoreq) == sizeof(ioreq_t), "ioreq_t size");
_Static_assert(sizeof(DmBufIoreq) == sizeof(buf_ioreq_t), "buf_ioreq_t size");
_Static_assert(sizeof(DmBufIoreqPage) == sizeof(buffered_iopage_t),
               "buffered_iopage_t size");
_Static_assert(DM_IOREQ_STATE_RESP_READY == STATE_IORESP_READY &&
                   DM_IOREQ_TYPE_COPY == IOREQ_TYPE_COPY &&
                   DM_IOREQ_TYPE_INVALIDATE == IOREQ_TYPE_INVALIDATE &&
                   DM_IOREQ_DIR_READ == IOREQ_READ,
               "ioreq constants");

/* Xen shows this to toolstack builds only (__XEN_TOOLS__); it is ABI. */
#ifndef HVM_IOREQSRV_BUFIOREQ_ATOMIC
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC 2
#endif

#define DM_ERROR g_quark_from_static_string("memcore-dm-ioreq")

#define server_of(l) \
    ((DmIoreqServer *)((char *)(l)-offsetof(DmIoreqServer, listener)))

/* Resource frames: the buffered ring first, then the ioreq page. */
#define FRAME_BUFIOREQ 0
#define FRAME_IOREQ 1
#define NR_FRAMES 2

/* Guest-physical addresses beyond this are not a guest's (52-bit). */
#define GUEST_PHYS_LIMIT (1ULL << 52)

typedef struct ClaimedRange {
    uint64_t start, last;
} ClaimedRange;

struct DmIoreqServer {
    DmIoreqTarget *target;
    uint16_t domid;
    xentoollog_logger *logger;
    xendevicemodel_handle *dmod;
    xenevtchn_handle *xce;
    xenforeignmemory_handle *fmem;
    xenforeignmemory_resource_handle *fres;
    bool created, enabled;
    ioservid_t id;
    void *pages; /* NR_FRAMES pages */
    DmBufIoreqPage *bufpage;
    DmIoreq *slots; /* one per vCPU */
    unsigned nr_vcpus;
    evtchn_port_t *vcpu_ports; /* local ports; 0 = not bound */
    evtchn_port_t buf_port; /* local; 0 = not bound */
    MemoryListener listener;
    bool listening;
    GArray *ranges; /* ClaimedRange */
    GError *claim_error; /* first failure inside the listener */
};

static bool fail(GError **errp, const char *step, uint16_t domid)
{
    int e = errno;

    g_set_error(errp, DM_ERROR, e, "ioreq server for domain %u: %s: %s", domid,
                step, g_strerror(e));
    return false;
}

/* ---- claiming the machine's device ranges ---------------------------- */

/* Guest RAM (the mapcache) and grants are memory, not devices. */
static bool is_device_section(MemoryRegionSection *sec)
{
    return !memory_region_is_map_on_demand(sec->mr) &&
           sec->offset_within_address_space < GUEST_PHYS_LIMIT;
}

static void claim_add(MemoryListener *l, MemoryRegionSection *sec)
{
    DmIoreqServer *s = server_of(l);
    ClaimedRange r;

    if (!is_device_section(sec) || int128_eq(sec->size, int128_zero())) {
        return;
    }
    r.start = sec->offset_within_address_space;
    r.last = r.start + int128_get64(int128_sub(sec->size, int128_make64(1)));
    if (xendevicemodel_map_io_range_to_ioreq_server(s->dmod, s->domid, s->id,
                                                    1, r.start, r.last)) {
        if (!s->claim_error) {
            fail(&s->claim_error, "map_io_range_to_ioreq_server", s->domid);
        }
        return;
    }
    g_array_append_val(s->ranges, r);
}

static void unclaim(DmIoreqServer *s, guint i)
{
    ClaimedRange *r = &g_array_index(s->ranges, ClaimedRange, i);

    /* ESRCH once the guest is gone: nothing is left to unclaim then. */
    xendevicemodel_unmap_io_range_from_ioreq_server(s->dmod, s->domid, s->id,
                                                    1, r->start, r->last);
    g_array_remove_index_fast(s->ranges, i);
}

static void claim_del(MemoryListener *l, MemoryRegionSection *sec)
{
    DmIoreqServer *s = server_of(l);
    guint i;

    for (i = 0; i < s->ranges->len; i++) {
        if (g_array_index(s->ranges, ClaimedRange, i).start ==
            sec->offset_within_address_space) {
            unclaim(s, i);
            return;
        }
    }
}

/* ---- setup ------------------------------------------------------------ */

static bool open_handles(DmIoreqServer *s, GError **errp)
{
    s->logger = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
                                                                  XTL_CRITICAL,
                                                                  0);
    s->dmod = xendevicemodel_open(s->logger, 0);
    if (!s->dmod) {
        return fail(errp, "xendevicemodel_open", s->domid);
    }
    s->xce = xenevtchn_open(s->logger, 0);
    if (!s->xce) {
        return fail(errp, "xenevtchn_open", s->domid);
    }
    s->fmem = xenforeignmemory_open(s->logger, 0);
    if (!s->fmem) {
        return fail(errp, "xenforeignmemory_open", s->domid);
    }
    return true;
}

static bool create_and_map(DmIoreqServer *s, GError **errp)
{
    unsigned int n;
    evtchn_port_t remote;
    xenevtchn_port_or_error_t local;

    if (xendevicemodel_nr_vcpus(s->dmod, s->domid, &n)) {
        return fail(errp, "nr_vcpus", s->domid);
    }
    if (n == 0 || n > DM_IOREQ_MAX_VCPUS) {
        g_set_error(errp, DM_ERROR, 0,
                    "ioreq server for domain %u: %u "
                    "vCPUs (one ioreq page serves 1..%zu)",
                    s->domid, n, DM_IOREQ_MAX_VCPUS);
        return false;
    }
    s->nr_vcpus = n;
    if (xendevicemodel_create_ioreq_server(s->dmod, s->domid,
                                           HVM_IOREQSRV_BUFIOREQ_ATOMIC,
                                           &s->id)) {
        return fail(errp, "create_ioreq_server", s->domid);
    }
    s->created = true;
    s->fres = xenforeignmemory_map_resource(s->fmem, s->domid,
                                            XENMEM_resource_ioreq_server,
                                            s->id, FRAME_BUFIOREQ, NR_FRAMES,
                                            &s->pages, PROT_READ | PROT_WRITE,
                                            0);
    if (!s->fres) {
        return fail(errp, "map_resource of the ioreq pages", s->domid);
    }
    s->bufpage = s->pages;
    s->slots = (DmIoreq *)((char *)s->pages + FRAME_IOREQ * 4096);
    if (xendevicemodel_get_ioreq_server_info(s->dmod, s->domid, s->id, NULL,
                                             NULL, &remote)) {
        return fail(errp, "get_ioreq_server_info", s->domid);
    }
    local = xenevtchn_bind_interdomain(s->xce, s->domid, remote);
    if (local < 0) {
        return fail(errp, "binding the buffered ioreq port", s->domid);
    }
    s->buf_port = local;
    return true;
}

static bool claim_ranges(DmIoreqServer *s, GError **errp)
{
    s->listener = (MemoryListener){
        .region_add = claim_add,
        .region_del = claim_del,
        .name = "xen-ioreq",
    };
    memory_listener_register(&s->listener, s->target->as);
    s->listening = true;
    if (s->claim_error) {
        g_propagate_error(errp, s->claim_error);
        s->claim_error = NULL;
        return false;
    }
    return true;
}

/* The vCPUs' ports are in their slots once the server is enabled. */
static bool enable_and_bind(DmIoreqServer *s, GError **errp)
{
    unsigned i;

    if (xendevicemodel_set_ioreq_server_state(s->dmod, s->domid, s->id, 1)) {
        return fail(errp, "enabling the ioreq server", s->domid);
    }
    s->enabled = true;
    s->vcpu_ports = g_new0(evtchn_port_t, s->nr_vcpus);
    for (i = 0; i < s->nr_vcpus; i++) {
        xenevtchn_port_or_error_t local =
            xenevtchn_bind_interdomain(s->xce, s->domid, s->slots[i].vp_eport);

        if (local < 0) {
            return fail(errp, "binding a vCPU's ioreq port", s->domid);
        }
        s->vcpu_ports[i] = local;
    }
    return true;
}

DmIoreqServer *dm_ioreq_server_new(DmIoreqTarget *target, uint16_t domid,
                                   GError **errp)
{
    DmIoreqServer *s = g_new0(DmIoreqServer, 1);

    s->target = target;
    s->domid = domid;
    s->ranges = g_array_new(false, false, sizeof(ClaimedRange));
    if (!open_handles(s, errp) || !create_and_map(s, errp) ||
        !claim_ranges(s, errp) || !enable_and_bind(s, errp)) {
        dm_ioreq_server_free(s);
        return NULL;
    }
    return s;
}

/* ---- serving ---------------------------------------------------------- */

int dm_ioreq_server_fd(DmIoreqServer *s)
{
    return xenevtchn_fd(s->xce);
}

static void serve_port(DmIoreqServer *s, evtchn_port_t port)
{
    unsigned i;

    if (port == s->buf_port) {
        dm_ioreq_drain_buffered(s->target, s->bufpage);
        return;
    }
    for (i = 0; i < s->nr_vcpus; i++) {
        if (port == s->vcpu_ports[i]) {
            if (dm_ioreq_handle_slot(s->target, &s->slots[i])) {
                xenevtchn_notify(s->xce, port);
            }
            return;
        }
    }
}

bool dm_ioreq_server_handle_events(DmIoreqServer *s)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(s->xce);

    if (port < 0) {
        return errno == EAGAIN || errno == EINTR;
    }
    serve_port(s, port);
    if (xenevtchn_unmask(s->xce, port)) {
        return false;
    }
    /* Posted writes may precede a synchronous request of the same vCPU. */
    dm_ioreq_drain_buffered(s->target, s->bufpage);
    return true;
}

/*
 * A dying domain stays visible while we still map its pages, so "does
 * the domain exist" would not do: ask about our server instead, which
 * Xen destroys as soon as the domain is killed (ENOENT), or the domain
 * once it is gone (ESRCH).
 */
bool dm_ioreq_server_domain_alive(DmIoreqServer *s)
{
    evtchn_port_t port;

    if (!xendevicemodel_get_ioreq_server_info(s->dmod, s->domid, s->id, NULL,
                                              NULL, &port)) {
        return true;
    }
    return errno != ENOENT && errno != ESRCH;
}

bool dm_ioreq_server_restrict(DmIoreqServer *s, GError **errp)
{
    if (xendevicemodel_restrict(s->dmod, s->domid)) {
        return fail(errp, "xendevicemodel_restrict", s->domid);
    }
    if (xenforeignmemory_restrict(s->fmem, s->domid)) {
        return fail(errp, "xenforeignmemory_restrict", s->domid);
    }
    if (xenevtchn_restrict(s->xce, s->domid)) {
        return fail(errp, "xenevtchn_restrict", s->domid);
    }
    return true;
}

int dm_ioreq_server_probe_other_domain(DmIoreqServer *s)
{
    unsigned int n;
    uint16_t other = s->domid ? 0 : 1;

    return xendevicemodel_nr_vcpus(s->dmod, other, &n) ? errno : 0;
}

int dm_ioreq_server_inject_msi(DmIoreqServer *s, uint64_t addr, uint32_t data)
{
    return xendevicemodel_inject_msi(s->dmod, s->domid, addr, data) ? errno :
                                                                      0;
}

unsigned dm_ioreq_server_nr_vcpus(DmIoreqServer *s)
{
    return s->nr_vcpus;
}

unsigned dm_ioreq_server_nr_ranges(DmIoreqServer *s)
{
    return s->ranges->len;
}

void dm_ioreq_server_free(DmIoreqServer *s)
{
    unsigned i;

    if (!s) {
        return;
    }
    if (s->listening) {
        memory_listener_unregister(&s->listener);
    }
    while (s->ranges->len) {
        unclaim(s, s->ranges->len - 1);
    }
    if (s->enabled) {
        xendevicemodel_set_ioreq_server_state(s->dmod, s->domid, s->id, 0);
    }
    for (i = 0; s->vcpu_ports && i < s->nr_vcpus; i++) {
        if (s->vcpu_ports[i]) {
            xenevtchn_unbind(s->xce, s->vcpu_ports[i]);
        }
    }
    if (s->buf_port) {
        xenevtchn_unbind(s->xce, s->buf_port);
    }
    if (s->fres) {
        xenforeignmemory_unmap_resource(s->fmem, s->fres);
    }
    if (s->created) {
        xendevicemodel_destroy_ioreq_server(s->dmod, s->domid, s->id);
    }
    if (s->fmem) {
        xenforeignmemory_close(s->fmem);
    }
    if (s->xce) {
        xenevtchn_close(s->xce);
    }
    if (s->dmod) {
        xendevicemodel_close(s->dmod);
    }
    if (s->logger) {
        xtl_logger_destroy(s->logger);
    }
    g_clear_error(&s->claim_error);
    g_array_free(s->ranges, true);
    g_free(s->vcpu_ports);
    g_free(s);
}

#else /* !CONFIG_XEN_DM */

DmIoreqServer *dm_ioreq_server_new(DmIoreqTarget *target, uint16_t domid,
                                   GError **errp)
{
    g_set_error(errp, g_quark_from_static_string("memcore-dm-ioreq"), 0,
                "ioreq server: this memcore-dm was built without "
                "libxendevicemodel, libxenevtchn and libxenforeignmemory");
    return NULL;
}

int dm_ioreq_server_fd(DmIoreqServer *s)
{
    return -1;
}

bool dm_ioreq_server_handle_events(DmIoreqServer *s)
{
    return false;
}

bool dm_ioreq_server_domain_alive(DmIoreqServer *s)
{
    return false;
}

bool dm_ioreq_server_restrict(DmIoreqServer *s, GError **errp)
{
    return false;
}

int dm_ioreq_server_probe_other_domain(DmIoreqServer *s)
{
    return ENOSYS;
}

int dm_ioreq_server_inject_msi(DmIoreqServer *s, uint64_t addr, uint32_t data)
{
    return ENOSYS;
}

unsigned dm_ioreq_server_nr_vcpus(DmIoreqServer *s)
{
    return 0;
}

unsigned dm_ioreq_server_nr_ranges(DmIoreqServer *s)
{
    return 0;
}

void dm_ioreq_server_free(DmIoreqServer *s)
{
}

#endif /* CONFIG_XEN_DM */
