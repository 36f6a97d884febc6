/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm demo: accesses that must be refused, and DMA to MMIO.
 *
 * Each refusal is provoked on purpose and checked: the demo fails if one
 * is NOT refused, or if refused data changed anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "demo-internal.h"

#define PAGE 4096ULL

static void refusal_line(DemoCtx *d, const char *what, const char *outcome)
{
    printf("  %s\n      -> %s\n", what, outcome);
    d->refusals++;
}

/* The device must fail with @err, and the guest's page must not change. */
static void expect_refused(DemoCtx *d, const char *what, uint64_t status,
                           unsigned err, uint64_t page, const uint8_t *before)
{
    uint8_t after[PAGE];
    unsigned got = (status >> DMA_TEST_STATUS_ERR_SHIFT) & 0xff;

    address_space_read(&d->m->as, page, MEMTXATTRS_UNSPECIFIED, after, PAGE);
    if (!(status & DMA_TEST_STATUS_ERROR) || got != err) {
        demo_fail(d, "%s: expected a refusal, got %s", what,
                  demo_status_str(status));
    } else if (before && memcmp(before, after, PAGE)) {
        demo_fail(d, "%s: refused, but the page changed", what);
    } else {
        g_autofree char *outcome =
            g_strdup_printf("%s%s", demo_status_str(status),
                            before ? "; page unchanged" : "");

        refusal_line(d, what, outcome);
    }
}

/* A write into a page granted read-only: by map, then by grant copy. */
static void readonly_grant(DemoCtx *d, uint64_t page, uint64_t dev_buf)
{
    uint8_t before[PAGE];
    g_autofree char *what = NULL;
    DemoGrant g;
    unsigned mode;

    demo_fill_random(d, page, PAGE);
    address_space_read(&d->m->as, page, MEMTXATTRS_UNSPECIFIED, before, PAGE);
    if (!demo_guest_grant(d, page, PAGE, true, &g)) {
        return;
    }
    for (mode = 0; mode < 2; mode++) {
        uint64_t st = demo_dma(d, dev_buf, g.dma_addr, PAGE,
                               DMA_TEST_CMD_COPY |
                                   (mode ? DMA_TEST_CMD_NO_MAP : 0));

        g_free(what);
        what = g_strdup_printf("device write to read-only grant ref %u (%s)",
                               g.ref, mode ? "by grant copy" : "by map");
        expect_refused(d, what, st, DMA_TEST_ERR_DST, page, before);
    }
    demo_guest_end(d, &g);
}

/* A read through a grant the guest has already ended. */
static void ended_grant(DemoCtx *d, uint64_t page, uint64_t dev_buf)
{
    g_autofree char *what = NULL;
    DemoGrant g;
    uint64_t st;

    if (!demo_guest_grant(d, page, PAGE, false, &g) ||
        !demo_guest_end(d, &g)) {
        return;
    }
    st = demo_dma(d, g.dma_addr, dev_buf, PAGE, DMA_TEST_CMD_COPY);
    what = g_strdup_printf("device read from ended grant ref %u", g.ref);
    expect_refused(d, what, st, DMA_TEST_ERR_SRC, page, NULL);
}

/*
 * The guest ends access while the backend still maps the grant: Xen
 * refuses, and Linux logs "Grant still in use by backend domain".
 */
static void busy_grant(DemoCtx *d, uint64_t page)
{
    AddressSpace *as = &d->m->as;
    g_autofree char *what = NULL;
    hwaddr len = PAGE;
    DemoGrant g;
    void *p;
    int ret;

    if (!demo_guest_grant(d, page, PAGE, false, &g)) {
        return;
    }
    what = g_strdup_printf("guest ends ref %u while the backend maps it",
                           g.ref);
    p = address_space_map(as, g.dma_addr, &len, true, MEMTXATTRS_UNSPECIFIED);
    if (!p || len != PAGE) {
        demo_fail(d, "%s: could not map the grant", what);
        return;
    }
    ret = dm_xen_end(d->m->xen, g.ref);
    address_space_unmap(as, p, len, true, 0);
    if (ret != -EBUSY) {
        demo_fail(d, "%s: expected busy, got %s", what,
                  ret ? g_strerror(-ret) : "success");
        return;
    }
    if (demo_guest_end(d, &g)) {
        refusal_line(d, what, "refused: busy; ended after the unmap");
    }
}

void demo_refusals(DemoCtx *d, uint64_t page, uint64_t dev_buf)
{
    printf("\nRefused accesses (provoked on purpose, each one checked):\n");
    if (!d->grants) {
        printf("  skipped: no Xen accelerator, so no grants to refuse\n");
        return;
    }
    readonly_grant(d, page, dev_buf);
    ended_grant(d, page, dev_buf);
    busy_grant(d, page);
}

/*
 * RAM -> mmio-scratch -> RAM. MMIO has no host pointer, so memcore lends
 * bounce buffers, at most the address space's budget at a time: the
 * device sees short maps and makes progress a bounce buffer at a time.
 */
void demo_mmio(DemoCtx *d, uint64_t buf_a, uint64_t buf_b)
{
    uint64_t shorts = demo_dma_reg(d, DMA_TEST_REG_SHORT_MAPS);
    uint64_t fails = demo_dma_reg(d, DMA_TEST_REG_MAP_FAILS);
    uint64_t st1, st2, len = DM_SCRATCH_SIZE;

    printf("\nRAM <-> MMIO (the device's scratch memory is MMIO, so the map "
           "path lends bounce buffers):\n");
    demo_fill_random(d, buf_a, len);
    st1 = demo_dma(d, buf_a, DM_SCRATCH_BASE, len, DMA_TEST_CMD_COPY);
    st2 = demo_dma(d, DM_SCRATCH_BASE, buf_b, len, DMA_TEST_CMD_COPY);
    if (st1 != DMA_TEST_STATUS_DONE || st2 != DMA_TEST_STATUS_DONE) {
        demo_fail(d, "RAM <-> MMIO copy failed: %s",
                  demo_status_str(st1 != DMA_TEST_STATUS_DONE ? st1 : st2));
        return;
    }
    if (!demo_same_bytes(d, buf_a, buf_b, len)) {
        demo_fail(d, "RAM -> MMIO -> RAM: data differs");
        return;
    }
    d->verified += len;
    printf("  64 KiB RAM -> mmio-scratch -> RAM: every byte verified\n"
           "  %" PRIu64 " short maps (a bounce buffer at a time), %" PRIu64
           " failed maps\n",
           demo_dma_reg(d, DMA_TEST_REG_SHORT_MAPS) - shorts,
           demo_dma_reg(d, DMA_TEST_REG_MAP_FAILS) - fails);
}
