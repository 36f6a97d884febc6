/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target 2: a hostile guest against a backend's grant DMA.
 *
 * One emulated Xen guest (domain 7, GM_PAGES frames) and a backend in
 * domain 0 whose device address space holds 8 KiB of device RAM right
 * below 2^63 and the guest's grant region from 2^63 to 2^64. The input
 * plays both sides, interleaved:
 *  - the guest: writes raw grant entries (any flags, domid and frame,
 *    also while they are mapped), grants and ends access through the
 *    API, balloons frames out and in, scribbles on its own memory;
 *  - the device: reads and writes at addresses around 2^63 and 2^64
 *    with lengths from 0 to several batches of pages, maps (up to
 *    2^64 - 1 bytes) for reading or writing, writes through its
 *    mappings, unmaps, and uses caches.
 * Everything is mirrored in grant-model.c. Invariants:
 *  - no crash, and every result and every byte read is what the model
 *    says, address_space_access_check() before each read or write
 *    included; guest memory equals the model's after every operation, so a
 *    byte written anywhere the guest did not grant for writing is seen
 *    at once (no access outside what was granted, no write through a
 *    read-only grant);
 *  - a mapping made for reading is not writable at all (probed with the
 *    kernel, which refuses to copy into it);
 *  - ending access to a ref that is in use fails with -EBUSY;
 *  - at the end every mapping and cache is released and nothing is
 *    left: no grant mapping, no pinned ref, no in-use flag the guest did
 *    not set itself, no address-space mapping.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "exec/memcore-atomic.h"
#include "fuzz-input.h"
#include "grant-model.h"
#include "hw/xen/xen-grant.h"

#define DEVRAM_SIZE 0x2000ULL
#define DEVRAM_BASE (XEN_GRANT_ADDR_OFF - DEVRAM_SIZE)
#define BUF_SIZE (70 * XEN_PAGE_SIZE) /* > one copy batch */
#define MAX_MAPS 16
#define MAX_CACHES 4
#define MAX_OPS 300

typedef struct GrantMapping {
    uint8_t *ptr;
    uint64_t len;
    bool is_write;
    bool grant; /* else device RAM */
    uint32_t first, nrefs; /* grant */
    uint64_t off; /* grant: region offset; RAM: offset */
} GrantMapping;

typedef struct GrantCache {
    MemoryRegionCache c;
    bool used;
    bool mapped; /* a grant mapping; else dispatch/RAM */
    bool ram;
    GrantMapping m;
    hwaddr addr, len;
    bool is_write;
} GrantCache;

static struct {
    XenEmu *emu;
    XenEmuDomain *dom;
    XenBackend *be;
    MemoryRegion root, devram, *grants;
    AddressSpace as;
    uint8_t *guest_ram;
    XenGrantEntryV1 *table;
    uint8_t *devram_host;
    uint8_t devram_shadow[DEVRAM_SIZE];
    GrantModel gm;
    GrantMapping maps[MAX_MAPS];
    unsigned nr_maps;
    GrantCache cache[MAX_CACHES];
    int probe[2]; /* a pipe, to probe writability */
} g;

static uint8_t buf[BUF_SIZE], want[BUF_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;

    g.emu = xen_emu_new(&err);
    fuzz_check(g.emu, "%s", err->message);
    g.dom = xen_emu_domain_new(g.emu, GM_GUEST, GM_PAGES * XEN_PAGE_SIZE,
                               &err);
    fuzz_check(g.dom, "%s", err->message);
    g.be = xen_emu_backend_open(g.emu, GM_SELF, &err);
    fuzz_check(g.be, "%s", err->message);
    g.grants = xen_grant_region_new(g.be, GM_GUEST, &err);
    fuzz_check(g.grants, "%s", err->message);
    g.guest_ram = xen_emu_domain_ram(g.dom);
    g.table = xen_emu_domain_grant_table(g.dom, NULL);

    memory_region_init(&g.root, NULL, "fuzz-grant-root", UINT64_MAX);
    fuzz_check(memory_region_init_ram(&g.devram, NULL, "devram", DEVRAM_SIZE,
                                      &err),
               "%s", err->message);
    g.devram_host = memory_region_get_ram_ptr(&g.devram);
    memory_region_add_subregion(&g.root, DEVRAM_BASE, &g.devram);
    memory_region_add_subregion(&g.root, XEN_GRANT_ADDR_OFF, g.grants);
    address_space_init(&g.as, &g.root, "fuzz-grant");
    fuzz_check(pipe(g.probe) == 0, "pipe: %s", g_strerror(errno));
    return 0;
}

/* ---- what the input chooses ------------------------------------------------ */

/* A ref: mostly ones the guest uses, sometimes reserved or far away. */
static uint64_t fuzz_ref(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    switch (sel % 8) {
    case 0:
        return sel >> 3; /* 0..31: reserved and low */
    case 1:
        return GM_NR_REFS - 1 - (sel >> 6); /* the table's end */
    case 2:
        return (uint64_t)UINT32_MAX - (sel >> 6); /* the 32-bit end */
    case 3:
        return fuzz_edge_u64(in) >> XEN_PAGE_SHIFT;
    default:
        return XEN_GRANT_FIRST_FREE_REF + (sel >> 3) % 24;
    }
}

/* A device address: in the grant region, around 2^63 or near 2^64. */
static hwaddr fuzz_addr(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);
    uint16_t off = fuzz_u16(in);

    switch (sel % 8) {
    case 0:
        return XEN_GRANT_ADDR_OFF - 1 - off % DEVRAM_SIZE;
    case 1:
        return UINT64_MAX - off;
    case 2:
        return fuzz_edge_u64(in);
    default:
        return XEN_GRANT_ADDR_OFF + (fuzz_ref(in) << XEN_PAGE_SHIFT) +
               off % XEN_PAGE_SIZE;
    }
}

static uint64_t fuzz_len(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    switch (sel % 8) {
    case 0:
        return fuzz_u32(in) % BUF_SIZE;
    case 1:
        return XEN_PAGE_SIZE + (int8_t)fuzz_u8(in);
    case 2:
        return sel >> 3;
    default:
        return 1 + fuzz_u8(in) % 64;
    }
}

/* ---- checking memory -------------------------------------------------------- */

/* Guest memory and device RAM hold exactly what the model says. */
static void check_memory(const char *after)
{
    if (memcmp(g.guest_ram, g.gm.ram, sizeof(g.gm.ram))) {
        for (size_t i = 0; i < sizeof(g.gm.ram); i++) {
            fuzz_check(g.guest_ram[i] == g.gm.ram[i],
                       "after %s: guest "
                       "frame %zu byte 0x%zx is %02x, want %02x: a write "
                       "outside what was granted",
                       after, i / XEN_PAGE_SIZE, i % XEN_PAGE_SIZE,
                       g.guest_ram[i], g.gm.ram[i]);
        }
    }
    fuzz_check(!memcmp(g.devram_host, g.devram_shadow, DEVRAM_SIZE),
               "after %s: device RAM differs from the model", after);
}

/*
 * What an access to [addr, +len) must do, piece by piece: device RAM,
 * the grant region (copies), nothing (decode error), past 2^64 (decode
 * error). A read fills @out; a write takes @data.
 */
static MemTxResult expect_rw(hwaddr addr, uint64_t len, const uint8_t *data,
                             uint8_t *out, bool is_write)
{
    MemTxResult r = MEMTX_OK;
    uint64_t pos = 0;

    while (pos < len) {
        hwaddr a = addr + pos;
        uint64_t rest = len - pos, l;

        if (a >= XEN_GRANT_ADDR_OFF) {
            /* The grant region runs to 2^64; anything after wraps. */
            l = MIN(rest, UINT64_MAX - a + 1);
            if (is_write) {
                memcpy(out + pos, data + pos, l);
            }
            r |= gm_copy(&g.gm, a - XEN_GRANT_ADDR_OFF, out + pos, l,
                         is_write);
            pos += l;
            if (pos < len) {
                memset(out + pos, 0, len - pos);
                r |= MEMTX_DECODE_ERROR;
            }
            break;
        }
        if (a >= DEVRAM_BASE) {
            l = MIN(rest, XEN_GRANT_ADDR_OFF - a);
            if (is_write) {
                memcpy(g.devram_shadow + (a - DEVRAM_BASE), data + pos, l);
            } else {
                memcpy(out + pos, g.devram_shadow + (a - DEVRAM_BASE), l);
            }
        } else {
            l = MIN(rest, DEVRAM_BASE - a);
            memset(out + pos, 0, l);
            r |= MEMTX_DECODE_ERROR;
        }
        pos += l;
    }
    return r;
}

/* ---- the guest's operations -------------------------------------------------- */

/* The guest rewrites an entry as it likes, in Xen's publication order. */
static void op_write_entry(FuzzInput *in)
{
    static const uint16_t flag_set[] = {
        GTF_permit_access,
        GTF_permit_access | GTF_readonly,
        GTF_permit_access | GTF_sub_page,
        GTF_transitive,
        GTF_accept_transfer,
        0,
        GTF_permit_access | GTF_reading,
        GTF_permit_access | GTF_writing | GTF_reading,
    };
    uint64_t ref = fuzz_ref(in);
    uint8_t sel = fuzz_u8(in);
    uint16_t flags = sel < 0xe0 ? flag_set[sel % 8] : fuzz_u16(in);
    uint16_t domid = (sel & 0x18) ? GM_SELF : fuzz_u16(in);
    uint32_t frame = fuzz_u8(in);
    XenGrantEntryV1 *e;
    GmRef *r;

    if (ref >= GM_NR_REFS) {
        return;
    }
    frame = frame < 0xf0 ? frame % (GM_PAGES + 2) : fuzz_u32(in);
    e = &g.table[ref];
    qatomic_set(&e->domid, domid);
    qatomic_set(&e->frame, frame);
    smp_mb_release();
    qatomic_set(&e->flags, flags);

    gm_touch(&g.gm, ref);
    r = &g.gm.ref[ref];
    r->flags = flags;
    r->domid = domid;
    r->frame = frame;
}

static void op_grant(FuzzInput *in)
{
    unsigned n = 1 + fuzz_u8(in) % 4;
    uint64_t gfn = fuzz_u8(in) % (GM_PAGES + 2);
    bool ro = fuzz_bool(in);
    uint64_t gfns[4];
    int64_t want_ref = gm_first_free(&g.gm, n), ref;

    for (unsigned i = 0; i < n; i++) {
        gfns[i] = gfn + i;
    }
    ref = xen_emu_grant_access_seq(g.dom, GM_SELF, gfns, n, ro);
    fuzz_check(ref == (want_ref < 0 ? -ENOSPC : want_ref),
               "grant of %u frames: ref %" PRId64 ", want %" PRId64, n, ref,
               want_ref);
    for (unsigned i = 0; ref >= 0 && i < n; i++) {
        gm_granted(&g.gm, ref + i, gfns[i], ro);
    }
}

static void op_end(FuzzInput *in)
{
    uint64_t ref = fuzz_ref(in);
    int want_ret = gm_end_access(&g.gm, ref);
    int ret = ref > UINT32_MAX ? -EINVAL : xen_emu_end_access(g.dom, ref);

    fuzz_check(ret == want_ret,
               "end_access(%" PRIu64 "): %d, want %d "
               "(in use: %s)",
               ref, ret, want_ret, want_ret == -EBUSY ? "yes" : "no");
}

static void op_balloon(FuzzInput *in)
{
    uint64_t gfn = fuzz_u8(in) % (GM_PAGES + 1);
    bool out = fuzz_bool(in);
    int want_ret, ret;

    if (gfn >= GM_PAGES) {
        want_ret = -EINVAL;
    } else if (out) {
        want_ret = g.gm.absent[gfn] ? -ENOENT : 0;
        g.gm.absent[gfn] = true;
    } else {
        want_ret = g.gm.absent[gfn] ? 0 : -ENOENT;
        if (!want_ret) {
            /* A page back from Xen is a fresh, zeroed page. */
            memset(g.gm.ram + gfn * XEN_PAGE_SIZE, 0, XEN_PAGE_SIZE);
        }
        g.gm.absent[gfn] = false;
    }
    ret = out ? xen_emu_balloon_out(g.dom, gfn) :
                xen_emu_balloon_in(g.dom, gfn);
    fuzz_check(ret == want_ret,
               "balloon %s of frame %" PRIu64 ": %d, want "
               "%d",
               out ? "out" : "in", gfn, ret, want_ret);
}

static void op_guest_scribble(FuzzInput *in)
{
    uint64_t at = fuzz_u16(in) % sizeof(g.gm.ram);
    uint64_t len = fuzz_u8(in);
    uint8_t v = fuzz_u8(in);

    len = MIN(len, sizeof(g.gm.ram) - at);
    memset(g.guest_ram + at, v, len);
    memset(g.gm.ram + at, v, len);
}

/* ---- the device's operations --------------------------------------------- */

/*
 * What address_space_access_check() must say of [addr, +len): the first
 * piece that would fail decides.
 */
static MemTxResult expect_check(hwaddr addr, uint64_t len, bool is_write)
{
    if (len == 0) {
        return MEMTX_OK;
    }
    if (addr + (len - 1) < addr || addr < DEVRAM_BASE) {
        return MEMTX_DECODE_ERROR; /* wraps, or nothing there */
    }
    if (addr + (len - 1) < XEN_GRANT_ADDR_OFF) {
        return MEMTX_OK; /* device RAM only */
    }
    if (addr < XEN_GRANT_ADDR_OFF) {
        len -= XEN_GRANT_ADDR_OFF - addr;
        addr = XEN_GRANT_ADDR_OFF;
    }
    return gm_check(&g.gm, addr - XEN_GRANT_ADDR_OFF, len, is_write);
}

static void op_rw(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in);
    uint64_t len = fuzz_len(in);
    bool is_write = fuzz_bool(in);
    MemTxResult r, r_want;

    /* First the check a careful device makes: it must agree with Xen's. */
    r = address_space_access_check(&g.as, addr, len, is_write,
                                   MEMTXATTRS_UNSPECIFIED);
    r_want = expect_check(addr, len, is_write);
    fuzz_check(r == r_want,
               "check of %s 0x%" PRIx64 "+0x%" PRIx64 ": %#x, "
               "want %#x",
               is_write ? "write" : "read", addr, len, r, r_want);

    if (is_write) {
        uint8_t seed = fuzz_u8(in);

        for (uint64_t i = 0; i < len; i++) {
            buf[i] = seed + i * 13;
        }
        r = address_space_write(&g.as, addr, MEMTXATTRS_UNSPECIFIED, buf, len);
        r_want = expect_rw(addr, len, buf, want, true);
    } else {
        memset(buf, 0xa5, len);
        r = address_space_read(&g.as, addr, MEMTXATTRS_UNSPECIFIED, buf, len);
        r_want = expect_rw(addr, len, NULL, want, false);
        fuzz_check(!memcmp(buf, want, len),
                   "read of 0x%" PRIx64 "+0x%" PRIx64
                   " returned other bytes than granted",
                   addr, len);
    }
    fuzz_check(r == r_want,
               "%s of 0x%" PRIx64 "+0x%" PRIx64 ": %#x, want "
               "%#x",
               is_write ? "write" : "read", addr, len, r, r_want);
    check_memory(is_write ? "a write" : "a read");
}

/*
 * Can the kernel store a byte at @p? read() from a pipe into it fails
 * with EFAULT where the page is not writable, with no signal. The byte
 * sent is the one already there, so a writable page is left as it was.
 */
static bool probe_writable(uint8_t *p)
{
    ssize_t n;

    fuzz_check(write(g.probe[1], p, 1) == 1, "probe: %s", g_strerror(errno));
    n = read(g.probe[0], p, 1);
    if (n != 1) {
        uint8_t drain;

        fuzz_check(n < 0 && errno == EFAULT, "probe: %zd %s", n,
                   g_strerror(errno));
        fuzz_check(read(g.probe[0], &drain, 1) == 1, "probe drain");
        return false;
    }
    return true;
}

/* The mapping shows exactly the model's bytes of the frames it pinned. */
static void check_mapping(GrantMapping *m)
{
    for (uint64_t i = 0; i < m->len; i++) {
        uint8_t w = m->grant ? *gm_mapped_byte(&g.gm, m->first, m->off, i) :
                               g.devram_shadow[m->off + i];

        fuzz_check(m->ptr[i] == w,
                   "mapping %p byte 0x%" PRIx64 " is %02x, "
                   "want %02x",
                   m->ptr, i, m->ptr[i], w);
    }
}

/*
 * What address_space_map() (or a cache) must give for [addr, +len):
 * device RAM directly; a grant mapping of the refs; nothing elsewhere.
 * On failure, *why is the result it must report.
 */
static bool expect_map(hwaddr addr, uint64_t len, bool is_write,
                       GrantMapping *m, MemTxResult *why)
{
    memset(m, 0, sizeof(*m));
    m->is_write = is_write;
    *why = len == 0 ? MEMTX_OK : MEMTX_DECODE_ERROR;
    if (len == 0 || addr < DEVRAM_BASE) {
        return false;
    }
    if (addr < XEN_GRANT_ADDR_OFF) {
        m->off = addr - DEVRAM_BASE;
        m->len = MIN(len, XEN_GRANT_ADDR_OFF - addr);
        return true;
    }
    m->grant = true;
    m->off = addr - XEN_GRANT_ADDR_OFF;
    m->len = MIN(len, UINT64_MAX - addr + 1);
    return gm_map(&g.gm, m->off, &m->len, is_write, &m->first, &m->nrefs, why);
}

static void after_map(GrantMapping *m, void *p, uint64_t plen, bool ok)
{
    fuzz_check(ok == (p != NULL), "map: %p, the model says it must %s", p,
               ok ? "succeed" : "fail");
    if (!ok) {
        fuzz_check(plen == 0, "a failed map left length 0x%" PRIx64, plen);
        return;
    }
    fuzz_check(plen == m->len, "map: 0x%" PRIx64 " bytes, want 0x%" PRIx64,
               plen, m->len);
    if (!m->grant) {
        fuzz_check(p == g.devram_host + m->off, "RAM map at the wrong place");
    }
    m->ptr = p;
    check_mapping(m);
    /* Only a mapping for writing may be writable: probe one byte. */
    fuzz_check(probe_writable(m->ptr + m->len / 2) == m->is_write || !m->grant,
               "a grant mapping for %s is %swritable",
               m->is_write ? "writing" : "reading", m->is_write ? "not " : "");
}

static void op_map(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in);
    uint64_t len = fuzz_bool(in) ? fuzz_len(in) : fuzz_edge_u64(in);
    bool is_write = fuzz_bool(in);
    MemTxResult r, why;
    GrantMapping m;
    uint64_t plen = len;
    bool ok;
    void *p;

    if (g.nr_maps == MAX_MAPS) {
        return;
    }
    ok = expect_map(addr, len, is_write, &m, &why);
    p = address_space_map_result(&g.as, addr, &plen, is_write,
                                 MEMTXATTRS_UNSPECIFIED, &r);
    after_map(&m, p, plen, ok);
    fuzz_check(r == (ok ? MEMTX_OK : why),
               "map at 0x%" PRIx64 ": result "
               "%#x, want %#x",
               addr, r, ok ? MEMTX_OK : why);
    if (ok) {
        g.maps[g.nr_maps++] = m;
    }
    check_memory("a map");
}

/* The device writes through a mapping it made for writing. */
static void op_poke(FuzzInput *in)
{
    GrantMapping *m;
    uint64_t off, len;
    uint8_t v;

    if (!g.nr_maps) {
        return;
    }
    m = &g.maps[fuzz_u8(in) % g.nr_maps];
    off = fuzz_u32(in) % m->len;
    len = fuzz_len(in); /* not inside MIN(): it would read twice */
    len = MIN(len, m->len - off);
    v = fuzz_u8(in);
    if (!m->is_write) {
        return;
    }
    memset(m->ptr + off, v, len);
    for (uint64_t i = 0; i < len; i++) {
        if (m->grant) {
            *gm_mapped_byte(&g.gm, m->first, m->off, off + i) = v;
        } else {
            g.devram_shadow[m->off + off + i] = v;
        }
    }
    check_memory("a write through a mapping");
}

static void unmap_one(unsigned idx, uint64_t access_len)
{
    GrantMapping m = g.maps[idx];

    /* What the guest changed meanwhile shows through the mapping. */
    check_mapping(&m);
    g.maps[idx] = g.maps[--g.nr_maps];
    address_space_unmap(&g.as, m.ptr, m.len, m.is_write, access_len);
    if (m.grant) {
        gm_unmap(&g.gm, m.first, m.nrefs, m.is_write);
    }
    check_memory("an unmap");
}

static void op_unmap(FuzzInput *in)
{
    unsigned idx;

    if (!g.nr_maps) {
        return;
    }
    idx = fuzz_u8(in) % g.nr_maps;
    unmap_one(idx, fuzz_bool(in) ? g.maps[idx].len : fuzz_u16(in));
}

/* ---- caches ------------------------------------------------------------- */

static void op_cache_init(FuzzInput *in)
{
    GrantCache *c = &g.cache[fuzz_u8(in) % MAX_CACHES];
    hwaddr addr = fuzz_addr(in);
    uint64_t len = fuzz_bool(in) ? fuzz_len(in) : fuzz_edge_u64(in);
    bool is_write = fuzz_bool(in);
    int64_t ret, ret_want;
    MemTxResult why;
    bool ok;

    if (c->used) {
        return;
    }
    ok = expect_map(addr, MIN(len, (uint64_t)INT64_MAX), is_write, &c->m,
                    &why);
    ret = address_space_cache_init(&c->c, &g.as, addr, len, is_write);
    /* A cache says why as an errno (include/exec/memory.h). */
    ret_want = len == 0                  ? 0 :
               ok                        ? (int64_t)c->m.len :
               why == MEMTX_DECODE_ERROR ? -EFAULT :
               why == MEMTX_ACCESS_ERROR ? -EACCES :
                                           -EIO;
    fuzz_check(ret == ret_want,
               "cache at 0x%" PRIx64 "+0x%" PRIx64 ": %" PRId64
               ", want %" PRId64,
               addr, len, ret, ret_want);
    if (ret <= 0) {
        address_space_cache_destroy(&c->c);
        return;
    }
    c->used = true;
    c->mapped = c->m.grant;
    if (c->mapped) {
        /*
         * The cache's pointer is private, but a test may look: it must be
         * the grant mapping, read-only unless made for writing.
         */
        after_map(&c->m, c->c.ptr, ret, true);
    }
    c->addr = addr;
    c->len = ret;
    c->is_write = is_write;
    check_memory("a cache");
}

static void op_cache_access(FuzzInput *in)
{
    GrantCache *c = &g.cache[fuzz_u8(in) % MAX_CACHES];
    uint64_t off = fuzz_u32(in) % (2 * XEN_PAGE_SIZE);
    uint64_t len = 1 + fuzz_u8(in) % 64;
    bool is_write = fuzz_bool(in);
    uint8_t v = fuzz_u8(in);
    MemTxResult r;

    if (!c->used || off > c->len || len > c->len - off) {
        return;
    }
    if (!is_write) {
        r = address_space_read_cached(&c->c, off, buf, len);
        fuzz_check(r == MEMTX_OK, "cached read: %#x", r);
        for (uint64_t i = 0; i < len; i++) {
            uint8_t w = c->mapped ? *gm_mapped_byte(&g.gm, c->m.first,
                                                    c->m.off, off + i) :
                                    g.devram_shadow[c->m.off + off + i];

            fuzz_check(buf[i] == w,
                       "cached read byte %" PRIu64 ": %02x, "
                       "want %02x",
                       i, buf[i], w);
        }
        return;
    }
    memset(buf, v, len);
    r = address_space_write_cached(&c->c, off, buf, len);
    if (c->is_write) {
        fuzz_check(r == MEMTX_OK, "cached write: %#x", r);
        for (uint64_t i = 0; i < len; i++) {
            if (c->mapped) {
                *gm_mapped_byte(&g.gm, c->m.first, c->m.off, off + i) = v;
            } else {
                g.devram_shadow[c->m.off + off + i] = v;
            }
        }
    } else {
        /* A cache for reading writes through the checked path. */
        MemTxResult r_want = expect_rw(c->addr + off, len, buf, want, true);

        fuzz_check(r == r_want, "write through a read cache: %#x, want %#x", r,
                   r_want);
    }
    check_memory("a cached write");
}

static void cache_destroy(GrantCache *c)
{
    if (!c->used) {
        return;
    }
    if (c->mapped) {
        check_mapping(&c->m);
    }
    address_space_cache_destroy(&c->c);
    if (c->mapped) {
        gm_unmap(&g.gm, c->m.first, c->m.nrefs, c->is_write);
    }
    c->used = false;
    check_memory("a cache destroy");
}

/* ---- one input ------------------------------------------------------------- */

static void run_op(FuzzInput *in)
{
    switch (fuzz_u8(in) % 16) {
    case 0:
    case 1:
    case 2:
        op_write_entry(in);
        break;
    case 3:
    case 4:
        op_grant(in);
        break;
    case 5:
        op_end(in);
        break;
    case 6:
        op_balloon(in);
        break;
    case 7:
        op_guest_scribble(in);
        break;
    case 8:
    case 9:
        op_rw(in);
        break;
    case 10:
    case 11:
        op_map(in);
        break;
    case 12:
        op_poke(in);
        break;
    case 13:
        op_unmap(in);
        break;
    case 14:
        op_cache_init(in);
        break;
    default:
        if (fuzz_bool(in)) {
            op_cache_access(in);
        } else {
            cache_destroy(&g.cache[fuzz_u8(in) % MAX_CACHES]);
        }
        break;
    }
}

/*
 * Release everything the device holds, check that nothing is left, and
 * put the guest back as it started: every entry empty, every ref free,
 * every frame present and zero.
 */
static void end_input(void)
{
    AddressSpaceStats st;
    XenGrantStats gs;
    XenEmuStats es;

    while (g.nr_maps) {
        unmap_one(0, g.maps[0].is_write ? g.maps[0].len : 0);
    }
    for (unsigned i = 0; i < MAX_CACHES; i++) {
        cache_destroy(&g.cache[i]);
    }
    address_space_get_stats(&g.as, &st);
    fuzz_check(st.outstanding == 0, "%" PRIu64 " mapping(s) left",
               st.outstanding);
    xen_grant_region_get_stats(g.grants, &gs);
    fuzz_check(gs.outstanding == 0 && gs.refs_mapped == 0,
               "the grant region "
               "still holds %" PRIu64 " mapping(s) of %" PRIu64 " refs",
               gs.outstanding, gs.refs_mapped);
    xen_emu_get_stats(g.emu, &es);
    fuzz_check(es.refs_mapped == 0, "Xen still has %" PRIu64 " refs mapped",
               es.refs_mapped);

    for (unsigned i = 0; i < g.gm.nr_touched; i++) {
        uint32_t ref = g.gm.touched[i];
        GmRef *r = &g.gm.ref[ref];
        uint16_t flags = qatomic_load_acquire(&g.table[ref].flags);

        fuzz_check(!r->pin_ro && !r->pin_rw, "model: ref %u still pinned",
                   ref);
        fuzz_check(flags == r->flags,
                   "ref %u: flags %#x, want %#x (an "
                   "in-use bit left behind?)",
                   ref, flags, r->flags);
        /* The guest clears the entry, then gives the ref back. */
        qatomic_store_release(&g.table[ref].flags, 0);
        g.table[ref].domid = 0;
        g.table[ref].frame = 0;
        if (r->allocated) {
            fuzz_check(xen_emu_end_access(g.dom, ref) == 0,
                       "cannot end "
                       "ref %u at reset",
                       ref);
        }
        memset(r, 0, sizeof(*r));
    }
    g.gm.nr_touched = 0;
    for (uint64_t gfn = 0; gfn < GM_PAGES; gfn++) {
        if (g.gm.absent[gfn]) {
            fuzz_check(xen_emu_balloon_in(g.dom, gfn) == 0, "balloon in");
            g.gm.absent[gfn] = false;
        }
    }
    memset(g.guest_ram, 0, sizeof(g.gm.ram));
    memset(g.gm.ram, 0, sizeof(g.gm.ram));
    memset(g.devram_host, 0, DEVRAM_SIZE);
    memset(g.devram_shadow, 0, DEVRAM_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    FuzzInput in;

    if (!g.emu) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    fuzz_input_init(&in, bytes, size);
    for (int ops = 0; ops < MAX_OPS && fuzz_more(&in); ops++) {
        run_op(&in);
    }
    end_input();
    return 0;
}
