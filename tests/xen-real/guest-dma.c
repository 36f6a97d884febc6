/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest side of tests/xen-real's device-model test: runs as a static
 * program inside a PVH domU whose device model is memcore-dm in dom0.
 *
 * Every register access below is a guest MMIO access at a guest-physical
 * address with nothing behind it in the p2m: Xen traps it and forwards
 * it to memcore-dm's ioreq server, which serves it through the machine's
 * AddressSpace. The guest:
 *  - reads the DMA test device's ID register (the first trapped access);
 *  - reads and writes the MMIO scratch buffer with 1-, 2-, 4- and 8-byte
 *    accesses, and with rep movs/stos in both directions, which Xen sends
 *    as repeated and data-is-pointer requests;
 *  - shares pages with domain 0 through its own gntalloc (read-write and
 *    read-only, consecutive refs, as Linux's grant DMA does);
 *  - has the DMA device copy RAM -> grant, grant -> grant and grant ->
 *    RAM, by mapping and by grant copy (DMA_TEST_CMD_NO_MAP), and checks
 *    every byte, inside and around the destination;
 *  - provokes the refusals (a write to a read-only grant, a grant that was
 *    ended, refs never granted) and checks each is refused with nothing
 *    moved;
 *  - asks for the device's completion MSI, which memcore-dm injects into
 *    this guest's LAPIC, and sees the kernel take it.
 * Prints "XEN-DOMU: ok ..." per check and one "XEN-DOMU: PASS|FAIL" line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

#include "dma-device-regs.h"
#include "machine-layout.h"

#define PAGE 4096u
#define GRANT(ref, off) ((1ULL << 63) | ((uint64_t)(ref) << 12) | (off))
#define CMD_MAP DMA_TEST_CMD_COPY
#define CMD_COPY (DMA_TEST_CMD_COPY | DMA_TEST_CMD_NO_MAP)

static int checks, failures;
static volatile uint64_t *regs;

static bool check(bool ok, const char *fmt, ...)
{
    va_list ap;

    checks++;
    failures += !ok;
    printf("XEN-DOMU: %s ", ok ? "ok" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    return ok;
}

/* ---- the DMA device, by MMIO ------------------------------------------ */

static uint64_t reg_read(unsigned off)
{
    return regs[off / 8];
}

static void reg_write(unsigned off, uint64_t v)
{
    regs[off / 8] = v;
}

/* Run one command; return STATUS. */
static uint64_t dma(uint64_t cmd, uint64_t src, uint64_t dst, uint64_t len)
{
    reg_write(DMA_TEST_REG_SRC, src);
    reg_write(DMA_TEST_REG_DST, dst);
    reg_write(DMA_TEST_REG_LEN, len);
    reg_write(DMA_TEST_REG_CMD, cmd);
    return reg_read(DMA_TEST_REG_STATUS);
}

static unsigned status_err(uint64_t st)
{
    return (st >> DMA_TEST_STATUS_ERR_SHIFT) & 0xff;
}

static void *map_phys(int fd, uint64_t addr, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, addr);

    return p == MAP_FAILED ? NULL : p;
}

/* ---- guest RAM pages with known guest-physical addresses -------------- */

static uint8_t *ram_page(uint64_t *gpa)
{
    uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    uint64_t entry = 0;
    int fd;

    if (p == MAP_FAILED) {
        return NULL;
    }
    memset(p, 0xee, PAGE);
    fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)p / PAGE * 8) != 8 ||
        !(entry >> 63)) {
        return NULL;
    }
    close(fd);
    /* PVH: a guest frame number is the guest-physical page. */
    *gpa = (entry & ((1ULL << 55) - 1)) * PAGE;
    return p;
}

/* ---- checking bytes --------------------------------------------------- */

static void fill(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
    }
}

static size_t count_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += a[i] != b[i];
    }
    return n;
}

static size_t count_not(const uint8_t *p, size_t len, uint8_t v)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += p[i] != v;
    }
    return n;
}

/*
 * One transfer that must work: @src_view (@len bytes) must land at
 * @dst_view + @dst_off, and the rest of @dst_view (@dst_len) must keep
 * its fill.
 */
static void expect_copy(const char *what, uint64_t cmd, uint64_t src,
                        uint64_t dst, size_t len, uint8_t *src_view,
                        uint8_t *dst_view, size_t dst_off, size_t dst_len,
                        unsigned seed)
{
    uint8_t expect[2 * PAGE];
    uint64_t st;
    size_t bad;

    fill(src_view, len, seed);
    memset(dst_view, 0x5a, dst_len);
    memset(expect, 0x5a, dst_len);
    memcpy(expect + dst_off, src_view, len);
    st = dma(cmd, src, dst, len);
    bad = count_diff(dst_view, expect, dst_len);
    check((st & DMA_TEST_STATUS_DONE) && !(st & DMA_TEST_STATUS_ERROR) &&
              reg_read(DMA_TEST_REG_DONE) == len && bad == 0,
          "%s (%s): %zu bytes, status %#" PRIx64 ", %zu of %zu bytes wrong",
          what, cmd == CMD_MAP ? "map" : "grant copy", len, st, bad, dst_len);
}

/*
 * One transfer that must be refused with @err, leaving @watch (@len
 * bytes, the destination when the guest can see it) untouched.
 */
static void expect_refused(const char *what, uint64_t cmd, uint64_t src,
                           uint64_t dst, size_t len, unsigned err,
                           uint8_t *watch, size_t watch_len)
{
    uint64_t st;
    size_t bad = 0;

    if (watch) {
        memset(watch, 0x33, watch_len);
    }
    st = dma(cmd, src, dst, len);
    if (watch) {
        bad = count_not(watch, watch_len, 0x33);
    }
    check((st & DMA_TEST_STATUS_ERROR) && status_err(st) == err && bad == 0,
          "%s (%s) refused: status %#" PRIx64 " (want error %u), "
          "%zu bytes changed",
          what, cmd == CMD_MAP ? "map" : "grant copy", st, err, bad);
}

/* ---- MMIO sizes and string instructions on the scratch buffer -------- */

static void rep_movsb(void *dst, const void *src, size_t n, bool down)
{
    if (down) {
        dst = (uint8_t *)dst + n - 1;
        src = (const uint8_t *)src + n - 1;
        __asm__ volatile("std; rep movsb; cld"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    } else {
        __asm__ volatile("rep movsb"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    }
}

static void rep_stosl(void *dst, uint32_t v, size_t n)
{
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

static void test_scratch(volatile uint8_t *scr, uint8_t *ram)
{
    uint8_t expect[PAGE];
    size_t bad = 0, i;

    /* Each access below traps: keep their number small under TCG. */
    fill(expect, 64, 1);
    for (i = 0; i < 64; i += 8) {
        uint64_t v;

        memcpy(&v, expect + i, 8);
        *(volatile uint64_t *)(scr + i) = v;
    }
    for (i = 0; i < 64; i++) {
        bad += scr[i] != expect[i];
        if (!(i & 1)) {
            bad += *(volatile uint16_t *)(scr + i) !=
                   (uint16_t)(expect[i] | expect[i + 1] << 8);
        }
        if (!(i & 3)) {
            uint32_t w;

            memcpy(&w, expect + i, 4);
            bad += *(volatile uint32_t *)(scr + i) != w;
        }
    }
    check(bad == 0,
          "mmio: 8-byte writes read back by 1-, 2-, 4- and 8-byte "
          "reads (%zu mismatches)",
          bad);

    fill(ram, PAGE, 2);
    memcpy(expect, ram, PAGE);
    rep_movsb((void *)scr, ram, PAGE, false);
    memset(ram, 0, PAGE);
    rep_movsb(ram, (void *)scr, PAGE, false);
    check(count_diff(ram, expect, PAGE) == 0,
          "mmio: rep movsb RAM -> MMIO "
          "-> RAM, 4096 bytes (data-is-pointer requests)");

    fill(ram, PAGE, 3);
    memcpy(expect, ram, PAGE);
    rep_movsb((void *)(scr + PAGE), ram, PAGE, true);
    memset(ram, 0, PAGE);
    rep_movsb(ram, (void *)(scr + PAGE), PAGE, true);
    check(count_diff(ram, expect, PAGE) == 0, "mmio: rep movsb with the "
                                              "direction flag set, both ways");

    rep_stosl((void *)(scr + 2 * PAGE), 0xa5c3e1f0u, PAGE / 4);
    rep_movsb(ram, (void *)(scr + 2 * PAGE), PAGE, false);
    for (bad = 0, i = 0; i < PAGE; i += 4) {
        uint32_t w;

        memcpy(&w, ram + i, 4);
        bad += w != 0xa5c3e1f0u;
    }
    check(bad == 0, "mmio: rep stosl of one value, 1024 repeats");
}

/* ---- grants ----------------------------------------------------------- */

typedef struct Share {
    uint8_t *p;
    uint32_t refs[2];
    unsigned n;
} Share;

static bool share(xengntshr_handle *xgs, Share *s, unsigned n, bool rw,
                  const char *what)
{
    s->n = n;
    s->p = xengntshr_share_pages(xgs, 0, n, s->refs, rw);
    if (!check(s->p != NULL, "share %s: %u page(s) %s to domain 0, ref %u%s",
               what, n, rw ? "read-write" : "read-only", s->p ? s->refs[0] : 0,
               n == 2 && s->p && s->refs[1] == s->refs[0] + 1 ?
                   " (consecutive)" :
                   "")) {
        return false;
    }
    return n < 2 || check(s->refs[1] == s->refs[0] + 1,
                          "%s refs are consecutive: %u %u", what, s->refs[0],
                          s->refs[1]);
}

static void test_grants(xengntshr_handle *xgs)
{
    Share rw, rw2, ro, gone;
    uint64_t ram1_gpa, ram2_gpa;
    uint8_t *ram1 = ram_page(&ram1_gpa), *ram2 = ram_page(&ram2_gpa);
    uint32_t never;

    if (!check(ram1 && ram2,
               "two locked RAM pages at guest-physical "
               "%#" PRIx64 " and %#" PRIx64,
               ram1_gpa, ram2_gpa) ||
        !share(xgs, &rw, 2, true, "rw") || !share(xgs, &rw2, 2, true, "rw2") ||
        !share(xgs, &ro, 1, false, "ro")) {
        return;
    }

    expect_copy("RAM -> grant", CMD_MAP, ram1_gpa, GRANT(rw.refs[0], 0), PAGE,
                ram1, rw.p, 0, 2 * PAGE, 10);
    expect_copy("RAM -> grant", CMD_COPY, ram1_gpa + 100,
                GRANT(rw.refs[1], 50), 3000, ram1 + 100, rw.p, PAGE + 50,
                2 * PAGE, 11);
    expect_copy("grant -> grant, 2 consecutive refs", CMD_MAP,
                GRANT(rw.refs[0], 0), GRANT(rw2.refs[0], 0), 2 * PAGE, rw.p,
                rw2.p, 0, 2 * PAGE, 12);
    expect_copy("grant -> grant across a page boundary", CMD_COPY,
                GRANT(rw.refs[0], 1000), GRANT(rw2.refs[0], 3000), 5000,
                rw.p + 1000, rw2.p, 3000, 2 * PAGE, 13);
    expect_copy("read-only grant -> RAM", CMD_MAP, GRANT(ro.refs[0], 0),
                ram2_gpa, PAGE, ro.p, ram2, 0, PAGE, 14);
    expect_copy("grant -> RAM", CMD_COPY, GRANT(rw2.refs[1], 8), ram2_gpa + 16,
                2000, rw2.p + PAGE + 8, ram2, 16, PAGE, 15);

    /* Refusals: nothing may move. */
    expect_refused("write to a read-only grant", CMD_MAP, ram1_gpa,
                   GRANT(ro.refs[0], 0), PAGE, DMA_TEST_ERR_DST, ro.p, PAGE);
    expect_refused("write to a read-only grant", CMD_COPY, ram1_gpa,
                   GRANT(ro.refs[0], 64), 128, DMA_TEST_ERR_DST, ro.p, PAGE);

    if (share(xgs, &gone, 1, true, "to-end")) {
        check(xengntshr_unshare(xgs, gone.p, 1) == 0,
              "end the grant of "
              "ref %u",
              gone.refs[0]);
        expect_refused("read from an ended grant", CMD_MAP,
                       GRANT(gone.refs[0], 0), ram2_gpa, PAGE,
                       DMA_TEST_ERR_SRC, ram2, PAGE);
        expect_refused("read from an ended grant", CMD_COPY,
                       GRANT(gone.refs[0], 0), ram2_gpa, 512, DMA_TEST_ERR_SRC,
                       ram2, PAGE);
        expect_refused("write to an ended grant", CMD_COPY, ram1_gpa,
                       GRANT(gone.refs[0], 0), 512, DMA_TEST_ERR_DST, NULL, 0);
    }
    /* Ref 7 is reserved and never granted; refs past ours were not. */
    never = rw2.refs[1] + 200;
    expect_refused("read from reserved ref 7", CMD_MAP, GRANT(7, 0), ram2_gpa,
                   PAGE, DMA_TEST_ERR_SRC, ram2, PAGE);
    expect_refused("read from a never-granted ref", CMD_COPY, GRANT(never, 0),
                   ram2_gpa, 256, DMA_TEST_ERR_SRC, ram2, PAGE);
    expect_refused("write to a never-granted ref", CMD_MAP, ram1_gpa,
                   GRANT(never, 0), PAGE, DMA_TEST_ERR_DST, NULL, 0);

    check(xengntshr_unshare(xgs, rw.p, 2) == 0 &&
              xengntshr_unshare(xgs, rw2.p, 2) == 0 &&
              xengntshr_unshare(xgs, ro.p, 1) == 0,
          "unshare every page (the device model holds no mapping)");
}

/* ---- the completion MSI ----------------------------------------------- */

/*
 * A vector no driver of this small guest owns: Linux then logs "CPU.VEC
 * No irq handler for vector" when it arrives, which is how the guest can
 * tell memcore-dm's MSI (xendevicemodel_inject_msi) reached its LAPIC.
 */
#define MSI_VECTOR 0xd7u
#define MSI_ADDR 0xfee00000u /* fixed delivery to APIC ID 0 */

static bool kmsg_has(int fd, const char *what)
{
    char rec[1024];
    ssize_t n;
    bool seen = false;

    while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
           (n < 0 && errno == EPIPE)) {
        if (n > 0) {
            rec[n] = '\0';
            seen |= strstr(rec, what) != NULL;
        }
    }
    return seen;
}

static void test_msi(void)
{
    int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    uint64_t gpa, st, msis;
    uint8_t *ram = ram_page(&gpa);
    char want[64];
    bool seen = false;
    int i;

    if (!check(kmsg >= 0 && ram, "open /dev/kmsg and a RAM page")) {
        return;
    }
    lseek(kmsg, 0, SEEK_END);
    snprintf(want, sizeof(want), ".%u No irq handler for vector", MSI_VECTOR);
    reg_write(DMA_TEST_REG_MSI_ADDR, MSI_ADDR);
    reg_write(DMA_TEST_REG_MSI_DATA, MSI_VECTOR);
    st = dma(DMA_TEST_CMD_FILL, 0, gpa, 64);
    msis = reg_read(DMA_TEST_REG_MSIS);
    reg_write(DMA_TEST_REG_MSI_ADDR, 0);
    for (i = 0; i < 30 && !seen; i++) {
        seen = kmsg_has(kmsg, want);
        if (!seen) {
            usleep(100000);
        }
    }
    close(kmsg);
    check(st == DMA_TEST_STATUS_DONE && msis == 1 && seen,
          "MSI: the device's completion MSI (vector %#x) was injected by "
          "memcore-dm and taken by this guest's kernel (MSIS %" PRIu64
          ", kernel log %s)",
          MSI_VECTOR, msis, seen ? "has it" : "silent");
}

int main(void)
{
    xengntshr_handle *xgs;
    volatile uint8_t *scr;
    uint64_t id, ram_gpa;
    uint8_t *ram;
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    fd = open("/dev/mem", O_RDWR | O_SYNC);
    regs = fd >= 0 ? map_phys(fd, DM_DMA_TEST_BASE, DMA_TEST_MMIO_SIZE) : NULL;
    scr = fd >= 0 ? map_phys(fd, DM_SCRATCH_BASE, 0x10000) : NULL;
    if (!check(regs && scr,
               "map the DMA device and the scratch buffer "
               "through /dev/mem: %s",
               regs && scr ? "ok" : strerror(errno))) {
        printf("XEN-DOMU: FAIL guest-dma: no device access\n");
        return 1;
    }
    id = reg_read(DMA_TEST_REG_ID);
    if (!check(id == DMA_TEST_ID,
               "mmio: the DMA device's ID register at "
               "%#llx reads %#" PRIx64 " (trapped to memcore-dm)",
               (unsigned long long)DM_DMA_TEST_BASE, id)) {
        printf("XEN-DOMU: FAIL guest-dma: MMIO does not reach the device "
               "model\n");
        return 1;
    }
    ram = ram_page(&ram_gpa);
    if (check(ram != NULL, "a RAM page for string instructions")) {
        test_scratch(scr, ram);
    }
    xgs = xengntshr_open(NULL, 0);
    if (check(xgs != NULL, "open gntalloc")) {
        test_grants(xgs);
        xengntshr_close(xgs);
    }
    test_msi();
    if (failures) {
        printf("XEN-DOMU: FAIL guest-dma: %d of %d checks failed\n", failures,
               checks);
        return 1;
    }
    printf("XEN-DOMU: PASS guest-dma (%d checks through memcore-dm's ioreq "
           "server)\n",
           checks);
    return 0;
}
