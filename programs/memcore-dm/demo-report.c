/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm demo: everything it prints.
 */
#include <stdarg.h>
#include <stdio.h>

#include "demo-internal.h"

void demo_fail(DemoCtx *d, const char *fmt, ...)
{
    va_list ap;

    demo_progress_done(d);
    fputs("FAILED: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    d->failed = true;
}

const char *demo_status_str(uint64_t st)
{
    static char buf[128];
    unsigned err = (st >> DMA_TEST_STATUS_ERR_SHIFT) & 0xff;
    unsigned tx = (st >> DMA_TEST_STATUS_TX_SHIFT) & 0xff;

    if (!(st & DMA_TEST_STATUS_DONE)) {
        return "not run";
    }
    if (!(st & DMA_TEST_STATUS_ERROR)) {
        return "ok";
    }
    snprintf(buf, sizeof(buf), "refused: %s (%s)", dma_test_err_name(err),
             tx & MEMTX_ACCESS_ERROR ? "access error" :
             tx & MEMTX_DECODE_ERROR ? "decode error" :
             tx                      ? "device error" :
                                       "no transaction");
    return buf;
}

void demo_print_intro(DemoCtx *d)
{
    g_autofree char *ram = dm_format_size(d->m->ram_size);
    g_autofree char *accel = d->m->xen ? dm_xen_describe(d->m->xen) :
                                         g_strdup("no hypervisor");
    g_autoptr(GString) fv = g_string_new(NULL);

    mtree_format_flatview(fv, &d->m->as);
    printf("memcore-dm demo: a guest doing DMA through memcore\n"
           "\n"
           "Machine xenvirt, %s of RAM, accelerator %s:\n%s.\n"
           "\n"
           "The flat view (what the DMA device sees):\n%s\n",
           ram, dm_accel_name(d->m->accel), accel, fv->str);
    if (d->grants) {
        printf("For each size, the guest grants its source buffer read-only "
               "and its\ndestination buffer read-write, each under "
               "consecutive refs (as Linux's\ngrant-dma-ops does), has the "
               "device copy source -> device buffer ->\ndestination through "
               "the grant addresses, ends access to every ref, and\n"
               "checks every byte.\n\n");
    } else {
        printf("No Xen accelerator: the guest hands the device plain "
               "guest-physical\naddresses, and the device copies RAM to "
               "RAM. Every byte is checked.\n\n");
    }
}

void demo_progress(DemoCtx *d, unsigned idx, unsigned nsizes, uint64_t len,
                   unsigned mode, unsigned round, unsigned rounds)
{
    g_autofree char *sz = NULL;

    if (d->tty) {
        /* Redraw a few times per size, not on every round. */
        if (round % MAX(rounds / 8, 1) && round + 1 != rounds) {
            return;
        }
        sz = dm_format_size(len);
        printf("\r  running: size %u/%u (%s), %s path, round %u/%u   ",
               idx + 1, nsizes, sz, mode ? "copy" : "map", round + 1, rounds);
        fflush(stdout);
        d->progress_open = true;
    } else if (round == 0 && mode == 0) {
        /* Not a terminal: one line that grows as sizes complete. */
        sz = dm_format_size(len);
        printf("%s%s", idx ? ", " : "  running: ", sz);
        fflush(stdout);
        d->progress_open = true;
    }
}

void demo_progress_done(DemoCtx *d)
{
    if (d->progress_open) {
        printf(d->tty ? "\r%70s\r" : " ... done\n", "");
        d->progress_open = false;
    }
}

static double mib_per_s(uint64_t bytes, int64_t ns)
{
    return ns > 0 ? (double)bytes / (1 << 20) / (ns / 1e9) : 0.0;
}

/*
 * Which path wins, and from which size: nobody has published the
 * crossover for grants, so the demo states what this machine measured.
 */
static void print_crossover(const DemoRow *rows, unsigned n)
{
    unsigned i, from = n;

    for (i = n; i > 0 && rows[i - 1].ns[0] < rows[i - 1].ns[1]; i--) {
        from = i - 1;
    }
    if (!n) {
        return;
    }
    if (from == 0) {
        printf("  Here the map path was faster at every size.\n");
    } else if (from == n) {
        printf("  Here the copy path was faster at every size.\n");
    } else {
        g_autofree char *sz = dm_format_size(rows[from].len);

        printf("  Here the map path was faster from %s up.\n", sz);
    }
}

void demo_print_table(DemoCtx *d, const DemoRow *rows, unsigned n)
{
    unsigned i;

    printf("Throughput of the device's DMA (both directions, every byte "
           "verified):\n"
           "  map path:  the device maps both sides with address_space_map "
           "and memcpys\n"
           "  copy path: address_space_read/write only%s\n\n"
           "  %8s %7s %14s %14s\n",
           d->grants ? " (grant copy, no mapping)" : "", "size", "rounds",
           "map MiB/s", "copy MiB/s");
    for (i = 0; i < n; i++) {
        g_autofree char *sz = dm_format_size(rows[i].len);
        uint64_t bytes = 2 * rows[i].len * rows[i].rounds;

        printf("  %8s %7u %14.1f %14.1f\n", sz, rows[i].rounds,
               mib_per_s(bytes, rows[i].ns[0]),
               mib_per_s(bytes, rows[i].ns[1]));
    }
    print_crossover(rows, n);
}

static void print_grant_stats(DemoCtx *d)
{
    XenGrantStats gs;
    uint64_t refused = 0;
    const char *sep = " (";
    int i;

    dm_xen_grant_stats(d->m->xen, &gs);
    for (i = 0; i < XEN_GNTST_NR; i++) {
        refused += gs.failures[i];
    }
    printf("  grant region: %" PRIu64 " maps (each one batched grant-map "
           "call for all the\n    refs of a range), %" PRIu64
           " unmaps, %" PRIu64 " reads/writes by grant copy in %" PRIu64
           "\n    page "
           "segments; %" PRIu64 " refused by the hypervisor",
           gs.maps, gs.unmaps, gs.copies, gs.copy_segments, refused);
    for (i = 1; i < XEN_GNTST_NR; i++) {
        if (gs.failures[i]) {
            printf("%s%s %" PRIu64, sep, xen_gntst_name(-i), gs.failures[i]);
            sep = ", ";
        }
    }
    printf("%s\n", refused ? ")" : "");
}

static double mib(uint64_t bytes)
{
    return (double)bytes / (1 << 20);
}

void demo_print_summary(DemoCtx *d)
{
    AddressSpaceStats st;
    g_autofree char *bmax = NULL;

    address_space_get_stats(&d->m->as, &st);
    bmax = dm_format_size(st.bounce_max);
    printf("\nWhat memcore did:\n"
           "  address_space_map: %" PRIu64 " maps, %" PRIu64
           " unmaps, %" PRIu64 " refused, %" PRIu64 " still outstanding\n"
           "  DMA device: %.1f MiB memcpy'd between two mappings, %.1f MiB "
           "through\n    address_space_read/write\n"
           "  bounce buffers: budget %s, %" PRIu64 " bytes in use now\n",
           st.maps, st.unmaps, st.map_failures, st.outstanding,
           mib(demo_dma_reg(d, DMA_TEST_REG_MAPPED)),
           mib(demo_dma_reg(d, DMA_TEST_REG_FALLBACK)), bmax,
           st.bounce_in_use);
    if (d->grants) {
        print_grant_stats(d);
    }
    if (!d->failed && st.outstanding) {
        demo_fail(d, "%" PRIu64 " mappings were never unmapped",
                  st.outstanding);
    }
    if (d->failed) {
        printf("\nResult: FAILED (see above)\n");
    } else {
        printf("\nResult: OK: %.1f MiB transferred and verified, %u "
               "refusals as expected\n",
               mib(d->verified), d->refusals);
    }
}
