/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm -demo: a guest that does grant DMA the way Linux's
 * grant-dma-ops does, against the DMA test device, with a report a
 * newcomer can follow.
 *
 * The guest side is played here: it writes its buffers through the
 * machine's address space (as its CPU would), grants them with the
 * emulated hypervisor's guest calls, and programs the device's registers.
 * Everything the device then does goes through memcore: the grant region
 * maps or grant-copies, RAM is mapped directly, MMIO needs bounce buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "demo-internal.h"

/* Guest-physical layout of the workload's buffers (all in RAM). */
#define BUF_A 0x100000ULL /* guest source buffer */
#define BUF_B 0x300000ULL /* guest destination buffer */
#define BUF_DEV 0x500000ULL /* the device's own buffer */
#define BUF_RO 0x700000ULL /* a page granted read-only */
#define BUF_OFFSET \
    0x40 /* buffers start mid-page, as kmalloc'd
                                     * ones do, so page splits are real */
#define DEMO_RAM_MIN (8ULL << 20)

static const uint64_t sizes[] = {
    64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
};

/* ---- the guest's view of the device --------------------------------- */

uint64_t demo_dma(DemoCtx *d, uint64_t src, uint64_t dst, uint64_t len,
                  uint64_t cmd)
{
    AddressSpace *as = &d->m->as;
    MemTxAttrs a = MEMTXATTRS_UNSPECIFIED;
    struct timespec t0, t1;

    address_space_stq_le(as, DM_DMA_TEST_BASE + DMA_TEST_REG_SRC, src, a,
                         NULL);
    address_space_stq_le(as, DM_DMA_TEST_BASE + DMA_TEST_REG_DST, dst, a,
                         NULL);
    address_space_stq_le(as, DM_DMA_TEST_BASE + DMA_TEST_REG_LEN, len, a,
                         NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    address_space_stq_le(as, DM_DMA_TEST_BASE + DMA_TEST_REG_CMD, cmd, a,
                         NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    d->dma_ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL +
                (t1.tv_nsec - t0.tv_nsec);
    return address_space_ldq_le(as, DM_DMA_TEST_BASE + DMA_TEST_REG_STATUS, a,
                                NULL);
}

uint64_t demo_dma_reg(DemoCtx *d, unsigned reg)
{
    return address_space_ldq_le(&d->m->as, DM_DMA_TEST_BASE + reg,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

/* Guest-side grant of the pages under [gpa, gpa+len): consecutive refs. */
bool demo_guest_grant(DemoCtx *d, uint64_t gpa, uint64_t len, bool ro,
                      DemoGrant *g)
{
    uint64_t first = gpa >> 12, last = (gpa + len - 1) >> 12;
    int64_t ref;

    g->npages = last - first + 1;
    ref = dm_xen_grant(d->m->xen, first, g->npages, ro);
    if (ref < 0) {
        demo_fail(d, "granting %u pages at gfn 0x%" PRIx64 ": %s", g->npages,
                  first, g_strerror(-ref));
        return false;
    }
    g->ref = ref;
    g->dma_addr = xen_grant_addr(ref, gpa & 0xfff);
    return true;
}

bool demo_guest_end(DemoCtx *d, const DemoGrant *g)
{
    unsigned i;
    int ret;

    for (i = 0; i < g->npages; i++) {
        ret = dm_xen_end(d->m->xen, g->ref + i);
        if (ret) {
            demo_fail(d, "ending access to ref %u: %s", g->ref + i,
                      ret == -EBUSY ? "still in use by the backend" :
                                      g_strerror(-ret));
            return false;
        }
    }
    return true;
}

/* ---- one transfer, as a driver would do it -------------------------- */

void demo_fill_random(DemoCtx *d, uint64_t gpa, uint64_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);
    uint64_t i;

    for (i = 0; i < len; i++) {
        d->seed = d->seed * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = d->seed >> 56;
    }
    address_space_write(&d->m->as, gpa, MEMTXATTRS_UNSPECIFIED, buf, len);
}

bool demo_same_bytes(DemoCtx *d, uint64_t a, uint64_t b, uint64_t len)
{
    g_autofree uint8_t *x = g_malloc(len), *y = g_malloc(len);
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    address_space_read(&d->m->as, a, attrs, x, len);
    address_space_read(&d->m->as, b, attrs, y, len);
    return !memcmp(x, y, len);
}

/* A DMA command that must succeed; counts its time for the table. */
static bool dma_ok(DemoCtx *d, uint64_t src, uint64_t dst, uint64_t len,
                   uint64_t cmd, int64_t *ns)
{
    uint64_t st = demo_dma(d, src, dst, len, cmd);

    *ns += d->dma_ns;
    if (st != DMA_TEST_STATUS_DONE) {
        demo_fail(d,
                  "DMA of %" PRIu64 " bytes 0x%" PRIx64 " -> 0x%" PRIx64
                  " failed: %s",
                  len, src, dst, demo_status_str(st));
        return false;
    }
    return true;
}

/*
 * One round trip: the device reads the guest's buffer A into its own
 * buffer (DMA_TO_DEVICE: A granted read-only), then writes it to the
 * guest's buffer B (DMA_FROM_DEVICE: B granted read-write). The guest
 * ends access to every ref and checks B against A.
 */
static bool round_trip(DemoCtx *d, uint64_t len, uint64_t cmd, int64_t *ns)
{
    uint64_t a = BUF_A + BUF_OFFSET, b = BUF_B + BUF_OFFSET;
    DemoGrant ga = { .dma_addr = a }, gb = { .dma_addr = b };
    bool ok;

    demo_fill_random(d, a, len);
    if (d->grants && (!demo_guest_grant(d, a, len, true, &ga) ||
                      !demo_guest_grant(d, b, len, false, &gb))) {
        return false;
    }
    ok = dma_ok(d, ga.dma_addr, BUF_DEV, len, cmd, ns) &&
         dma_ok(d, BUF_DEV, gb.dma_addr, len, cmd, ns);
    if (d->grants) {
        ok = demo_guest_end(d, &ga) && demo_guest_end(d, &gb) && ok;
    }
    if (ok && !demo_same_bytes(d, a, b, len)) {
        demo_fail(d,
                  "%" PRIu64 "-byte transfer: destination differs from "
                  "source",
                  len);
        ok = false;
    }
    d->verified += ok ? len : 0;
    return ok;
}

/* Enough rounds to measure, few enough to finish in about a second. */
static unsigned rounds_for(uint64_t len)
{
    return CLAMP((16ULL << 20) / len, 16, 2000);
}

static bool run_size(DemoCtx *d, unsigned idx, DemoRow *row)
{
    uint64_t len = sizes[idx];
    unsigned n = rounds_for(len), i, mode;
    int64_t warmup = 0;

    row->len = len;
    row->rounds = n;
    for (mode = 0; mode < 2; mode++) {
        uint64_t cmd = DMA_TEST_CMD_COPY | (mode ? DMA_TEST_CMD_NO_MAP : 0);

        /* An untimed round first, so first-touch costs stay out. */
        if (!round_trip(d, len, cmd, &warmup)) {
            return false;
        }
        for (i = 0; i < n; i++) {
            demo_progress(d, idx, G_N_ELEMENTS(sizes), len, mode, i, n);
            if (!round_trip(d, len, cmd, &row->ns[mode])) {
                return false;
            }
        }
    }
    return true;
}

static int check_machine(DmMachine *m)
{
    if (m->type != DM_MACHINE_XENVIRT || !m->dma) {
        fprintf(stderr, "memcore-dm: -demo needs -machine xenvirt\n");
        return 2;
    }
    if (m->ram_size < DEMO_RAM_MIN) {
        fprintf(stderr, "memcore-dm: -demo needs at least 8 MiB of RAM "
                        "(-m 8M)\n");
        return 2;
    }
    if (m->xen && !dm_xen_can_grant(m->xen)) {
        fprintf(stderr, "memcore-dm: -demo plays the guest, so it needs "
                        "-accel xen-emu or -accel none\n");
        return 2;
    }
    return 0;
}

int dm_demo_run(DmMachine *m)
{
    DemoCtx d = { .m = m,
                  .seed = 0x6d656d636f7265ULL,
                  .grants = m->xen != NULL,
                  .tty = isatty(STDOUT_FILENO) };
    DemoRow rows[G_N_ELEMENTS(sizes)] = { 0 };
    unsigned i;
    int ret = check_machine(m);

    if (ret) {
        return ret;
    }
    demo_print_intro(&d);
    for (i = 0; i < G_N_ELEMENTS(sizes) && !d.failed; i++) {
        run_size(&d, i, &rows[i]);
    }
    demo_progress_done(&d);
    demo_print_table(&d, rows, i);
    if (!d.failed) {
        demo_refusals(&d, BUF_RO, BUF_DEV);
        demo_mmio(&d, BUF_A, BUF_B);
    }
    demo_print_summary(&d);
    return d.failed ? 1 : 0;
}
