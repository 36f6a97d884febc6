/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm serving a real Xen guest (see xen-serve.h): setup in the
 * order a deprivileged device model needs, one poll loop, and a teardown
 * that leaves nothing mapped.
 */
#include "config-host.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#ifdef CONFIG_XEN_DM
#include <xenstore.h>
#endif

#include "ioreq-server.h"
#include "privsep.h"
#include "xen-serve.h"

/* How often a restricted server asks whether its guest still exists. */
#define ALIVE_POLL_MS 1000

typedef struct DmServe {
    DmMachine *m;
    uint16_t domid;
    DmIoreqTarget target;
    DmIoreqServer *server;
    int sigfd;
    struct xs_handle *xs; /* NULL when restricted */
    uint64_t msis, msi_errors; /* injected, refused */
} DmServe;

static void invalidate_ram(void *opaque)
{
    dm_xen_invalidate(opaque);
}

/* The DMA device's completion MSI, into the guest's LAPIC. */
static void inject_msi(void *opaque, uint64_t addr, uint32_t data)
{
    DmServe *d = opaque;
    int err = dm_ioreq_server_inject_msi(d->server, addr, data);

    if (err) {
        d->msi_errors++;
    } else {
        d->msis++;
    }
}

static int report(GError *err)
{
    fprintf(stderr, "memcore-dm: %s\n", err->message);
    g_error_free(err);
    return 1;
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

bool dm_xen_serve_block_signals(void)
{
    sigset_t set;

    stop_signals(&set);
    return !pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* SIGTERM, SIGINT and SIGHUP arrive through a descriptor in the loop. */
static int open_signals(void)
{
    sigset_t set;

    stop_signals(&set);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * Unrestricted: a xenstore watch on @releaseDomain tells at once when a
 * domain dies. Restricted device models have no xenstore (as QEMU's do
 * not): they ask the hypervisor once a second instead.
 */
static void open_xenstore(DmServe *d)
{
#ifdef CONFIG_XEN_DM
    d->xs = xs_open(0);
    if (d->xs && !xs_watch(d->xs, "@releaseDomain", "release")) {
        xs_close(d->xs);
        d->xs = NULL;
    }
#endif
}

static bool guest_gone_xs(DmServe *d)
{
#ifdef CONFIG_XEN_DM
    unsigned int n;
    char **ev = xs_read_watch(d->xs, &n);

    free(ev);
    return !xs_is_domain_introduced(d->xs, d->domid);
#else
    return false;
#endif
}

static void close_xenstore(DmServe *d)
{
#ifdef CONFIG_XEN_DM
    if (d->xs) {
        xs_close(d->xs);
        d->xs = NULL;
    }
#endif
}

/*
 * Restrict every handle to the guest, then check that it held: the
 * device-model op and the foreign map of domain 0 must both be refused.
 */
static bool restrict_to_guest(DmServe *d, GError **errp)
{
    int dmop_err, map_err;

    if (!dm_ioreq_server_restrict(d->server, errp) ||
        !dm_xen_restrict(d->m->xen, errp)) {
        return false;
    }
    dmop_err = dm_ioreq_server_probe_other_domain(d->server);
    map_err = dm_xen_probe_foreign_map(d->m->xen, 0);
    if (dmop_err != EPERM || map_err != EPERM) {
        g_set_error(errp, g_quark_from_static_string("memcore-dm-serve"), 0,
                    "-xen-domid-restrict did not hold: domain 0 was still "
                    "reachable (device-model op: %s; foreign map: %s)",
                    dmop_err ? g_strerror(dmop_err) : "allowed",
                    map_err ? g_strerror(map_err) : "allowed");
        return false;
    }
    fprintf(stderr,
            "memcore-dm: restricted to domain %u: mapping domain "
            "0's memory fails with EPERM (%s), and so does a device-model "
            "op on it\n",
            d->domid, g_strerror(map_err));
    return true;
}

static bool setup(DmServe *d, const DmOptions *o, GError **errp)
{
    d->target.as = &d->m->as;
    d->target.invalidate = invalidate_ram;
    d->target.opaque = d->m->xen;
    d->server = dm_ioreq_server_new(&d->target, d->domid, errp);
    if (!d->server) {
        return false;
    }
    if (d->m->dma) {
        dma_test_device_set_msi(d->m->dma, inject_msi, d);
    }
    if (o->xen_restrict) {
        if (!restrict_to_guest(d, errp)) {
            return false;
        }
    } else {
        open_xenstore(d);
    }
    if (!dm_drop_privileges(o->chroot_dir, o->runas ? &o->runas_ids : NULL,
                            errp)) {
        return false;
    }
    if (o->runas || o->chroot_dir) {
        fprintf(stderr, "memcore-dm: runs as uid %u gid %u%s%s\n",
                (unsigned)getuid(), (unsigned)getgid(),
                o->chroot_dir ? ", chrooted to " : "",
                o->chroot_dir ? o->chroot_dir : "");
    }
    return true;
}

/* Why the loop ended. */
typedef enum {
    RUNNING,
    GUEST_GONE,
    SIGNALLED,
    BROKEN
} DmServeEnd;

static DmServeEnd serve_once(DmServe *d, struct pollfd *fds, nfds_t nfds)
{
    struct signalfd_siginfo si;
    int n = poll(fds, nfds, ALIVE_POLL_MS);

    if (n < 0) {
        return errno == EINTR ? RUNNING : BROKEN;
    }
    if (fds[0].revents && !dm_ioreq_server_handle_events(d->server)) {
        return BROKEN;
    }
    if (fds[1].revents && read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
        fprintf(stderr, "memcore-dm: %s: stopping\n", strsignal(si.ssi_signo));
        return SIGNALLED;
    }
    if (nfds > 2 && fds[2].revents && guest_gone_xs(d)) {
        return GUEST_GONE;
    }
    if (n == 0 && !dm_ioreq_server_domain_alive(d->server)) {
        return GUEST_GONE;
    }
    return RUNNING;
}

static void print_stats(DmServe *d, const char *why)
{
    const DmIoreqStats *st = &d->target.stats;
    XenGrantStats gs;

    dm_xen_grant_stats(d->m->xen, &gs);
    fprintf(stderr,
            "memcore-dm: %s; served %" PRIu64 " requests (%" PRIu64
            " buffered, %" PRIu64 " malformed, %" PRIu64 " failed accesses,"
            " %" PRIu64 " invalidates); %" PRIu64 " grant maps, %" PRIu64
            " grant copies, %" PRIu64 " grant mappings outstanding; %" PRIu64
            " MSIs injected, %" PRIu64 " refused\n",
            why, st->served, st->buffered, st->malformed, st->tx_errors,
            st->invalidates, gs.maps, gs.copies, gs.outstanding, d->msis,
            d->msi_errors);
}

int dm_xen_serve(DmMachine *m, const DmOptions *o)
{
    DmServe d = { .m = m, .domid = o->domid, .sigfd = -1 };
    struct pollfd fds[3];
    DmServeEnd end = RUNNING;
    GError *err = NULL;
    nfds_t nfds = 2;

    d.sigfd = open_signals();
    if (d.sigfd < 0) {
        fprintf(stderr, "memcore-dm: signalfd: %s\n", g_strerror(errno));
        return 1;
    }
    if (!setup(&d, o, &err)) {
        close_xenstore(&d);
        if (m->dma) {
            dma_test_device_set_msi(m->dma, NULL, NULL);
        }
        dm_ioreq_server_free(d.server);
        close(d.sigfd);
        return report(err);
    }
    fds[0] = (struct pollfd){ .fd = dm_ioreq_server_fd(d.server),
                              .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = d.sigfd, .events = POLLIN };
#ifdef CONFIG_XEN_DM
    if (d.xs) {
        fds[2] = (struct pollfd){ .fd = xs_fileno(d.xs), .events = POLLIN };
        nfds = 3;
    }
#endif
    fprintf(stderr,
            "memcore-dm: serving domain %u (%u vCPUs, %u MMIO "
            "ranges claimed)\n",
            d.domid, dm_ioreq_server_nr_vcpus(d.server),
            dm_ioreq_server_nr_ranges(d.server));
    while (end == RUNNING) {
        end = serve_once(&d, fds, nfds);
    }
    print_stats(&d, end == GUEST_GONE ? "the guest is gone" :
                    end == SIGNALLED  ? "stopped by a signal" :
                                        "the event channel failed");
    close_xenstore(&d);
    if (m->dma) {
        dma_test_device_set_msi(m->dma, NULL, NULL);
    }
    dm_ioreq_server_free(d.server);
    close(d.sigfd);
    return end == BROKEN ? 1 : 0;
}
