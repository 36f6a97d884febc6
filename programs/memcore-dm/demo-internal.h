/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the files of memcore-dm's demo: demo.c (the workload),
 * demo-checks.c (refused accesses, MMIO) and demo-report.c (output).
 */
#ifndef SYSTEM_DM_DEMO_INTERNAL_H
#define SYSTEM_DM_DEMO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

typedef struct DemoCtx {
    DmMachine *m;
    uint64_t seed; /* the guest's pseudo-random data */
    bool grants; /* buffers are reached through grants */
    bool tty; /* stdout is a terminal: redraw progress */
    bool progress_open; /* a progress line is on screen */
    bool failed;
    int64_t dma_ns; /* duration of the last DMA command */
    uint64_t verified; /* bytes transferred and checked */
    unsigned refusals; /* expected refusals seen */
} DemoCtx;

/* Pages the guest granted under consecutive refs. */
typedef struct DemoGrant {
    uint32_t ref;
    unsigned npages;
    uint64_t dma_addr; /* what the guest hands the device */
} DemoGrant;

/* One line of the throughput table; ns[0] map path, ns[1] copy path. */
typedef struct DemoRow {
    uint64_t len;
    unsigned rounds;
    int64_t ns[2];
} DemoRow;

/* demo.c */
uint64_t demo_dma(DemoCtx *d, uint64_t src, uint64_t dst, uint64_t len,
                  uint64_t cmd);
uint64_t demo_dma_reg(DemoCtx *d, unsigned reg);
bool demo_guest_grant(DemoCtx *d, uint64_t gpa, uint64_t len, bool ro,
                      DemoGrant *g);
bool demo_guest_end(DemoCtx *d, const DemoGrant *g);
void demo_fill_random(DemoCtx *d, uint64_t gpa, uint64_t len);
bool demo_same_bytes(DemoCtx *d, uint64_t a, uint64_t b, uint64_t len);

/* demo-checks.c */
void demo_refusals(DemoCtx *d, uint64_t page, uint64_t dev_buf);
void demo_mmio(DemoCtx *d, uint64_t buf_a, uint64_t buf_b);

/* demo-report.c */
void demo_fail(DemoCtx *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
const char *demo_status_str(uint64_t status);
void demo_print_intro(DemoCtx *d);
void demo_progress(DemoCtx *d, unsigned idx, unsigned nsizes, uint64_t len,
                   unsigned mode, unsigned round, unsigned rounds);
void demo_progress_done(DemoCtx *d);
void demo_print_table(DemoCtx *d, const DemoRow *rows, unsigned n);
void demo_print_summary(DemoCtx *d);

#endif /* SYSTEM_DM_DEMO_INTERNAL_H */
