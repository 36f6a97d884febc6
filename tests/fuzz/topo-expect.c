/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology fuzzer's expectations: for every access, what the model
 * says it must return and must change, checked against what memcore did.
 *
 * An access is split where the model's view changes, as the core splits
 * it. For each piece the model knows the region and offset, so it knows
 * the bytes a read must return, the bytes a write must leave, and the
 * result bits the piece must or may contribute:
 *  - nothing there, a reservation, or a write to read-only memory:
 *    MEMTX_DECODE_ERROR, reads as zeroes, changes nothing;
 *  - RAM and ROM: the shadow's bytes;
 *  - MMIO: topo_mmio_byte() for reads, the write log for writes; the
 *    STRICT flavour may refuse (DECODE) any piece it does not like;
 *  - map-on-demand: the backing up to TOPO_ODM_BACKING; beyond it MAP
 *    fails with MEMTX_DECODE_ERROR (what map_with_result() says) after
 *    copying what it could, COPY refuses the whole piece with
 *    MEMTX_DECODE_ERROR.
 * Bytes past 2^64 are a decode error; nothing wraps to address 0.
 */
#include <errno.h>
#include <string.h>

#include "fuzz-input.h"
#include "topo-harness.h"

/* One piece of an access: the model's answer for [x, x + len). */
typedef struct TopoPiece {
    hwaddr x;
    hwaddr len;
    TopoHit hit;
} TopoPiece;

/*
 * Cut [addr, +len) into pieces. Return the number of pieces (at most
 * @max); *@tail gets the bytes that would lie beyond 2^64.
 */
static unsigned split(hwaddr addr, hwaddr len, TopoPiece *pieces, unsigned max,
                      hwaddr *tail)
{
    hwaddr pos = 0;
    unsigned n = 0;

    *tail = 0;
    while (pos < len) {
        TopoPiece *p = &pieces[n++];
        Int128 run;

        fuzz_check(n <= max, "more than %u pieces", max);
        p->x = addr + pos;
        topo_view_lookup(&th.view, p->x, &p->hit, &run);
        p->len = (Int128)(len - pos) < run ? len - pos : (hwaddr)run;
        pos += p->len;
        if (pos < len && (Int128)p->x + p->len == int128_2_64()) {
            *tail = len - pos;
            break;
        }
    }
    return n;
}

/*
 * Pieces of one access: at most one per range and hole of the model's
 * view, whose boundaries come from at most TOPO_MAX_INSTANCES region
 * instances.
 */
#define MAX_PIECES (4 * TOPO_MAX_INSTANCES + 16)

static bool odm_beyond(hwaddr off, hwaddr len)
{
    return off >= TOPO_ODM_BACKING || len > TOPO_ODM_BACKING - off;
}

static void check_result(const char *what, hwaddr addr, hwaddr len,
                         MemTxResult r, MemTxResult must, MemTxResult may)
{
    fuzz_check((r & must) == must && !(r & ~(must | may)),
               "%s 0x%" PRIx64 "+0x%" PRIx64 ": result %#x, must have %#x"
               ", may have %#x",
               what, addr, len, r, must, must | may);
}

static void check_zero(const char *what, hwaddr x, const uint8_t *b,
                       hwaddr len)
{
    for (hwaddr i = 0; i < len; i++) {
        fuzz_check(b[i] == 0,
                   "%s at 0x%" PRIx64 ": byte %02x where "
                   "nothing was read must be 0",
                   what, x + i, b[i]);
    }
}

/* ---- reads -------------------------------------------------------------- */

static TopoKind piece_kind(const TopoPiece *p)
{
    return p->hit.node >= 0 ? th.committed.n[p->hit.node].kind :
                              TK_RESERVATION;
}

/* The result bits a read piece must, or may, contribute. */
static void read_bits(const TopoPiece *p, MemTxResult *must, MemTxResult *may)
{
    const TopoSlot *s = p->hit.node >= 0 ? &th.slot[p->hit.node] : NULL;

    switch (piece_kind(p)) {
    case TK_RAM:
    case TK_ROM:
        break;
    case TK_MMIO:
        if (s->mmio_flavour == MMIO_STRICT) {
            *may |= MEMTX_DECODE_ERROR;
        }
        break;
    case TK_ON_DEMAND:
        if (odm_beyond(p->hit.offset, p->len)) {
            /* read_buf says so, and so does map_with_result(). */
            *must |= MEMTX_DECODE_ERROR;
        }
        break;
    default:
        *must |= MEMTX_DECODE_ERROR;
        break;
    }
}

/* The bytes a read piece must return, given the access's result @r. */
static void read_data(const TopoPiece *p, const uint8_t *b, MemTxResult r)
{
    const TopoHit *h = &p->hit;
    const TopoSlot *s = h->node >= 0 ? &th.slot[h->node] : NULL;

    switch (piece_kind(p)) {
    case TK_RAM:
    case TK_ROM:
        fuzz_check(!memcmp(b, s->shadow + h->offset, p->len),
                   "read of RAM node %d at 0x%" PRIx64 " (offset 0x%" PRIx64
                   ") returned other bytes",
                   h->node, p->x, h->offset);
        break;
    case TK_MMIO:
        for (hwaddr i = 0; i < p->len; i++) {
            uint8_t want = topo_mmio_byte(h->node, h->offset + i);
            /* A refused STRICT piece reads as zeroes. */
            bool soft = s->mmio_flavour == MMIO_STRICT && r != MEMTX_OK;

            fuzz_check(b[i] == want || (soft && b[i] == 0),
                       "read of MMIO node %d at 0x%" PRIx64 ": byte %02x,"
                       " want %02x",
                       h->node, p->x + i, b[i], want);
        }
        break;
    case TK_ON_DEMAND:
        if (s->odm_flavour == ODM_COPY && odm_beyond(h->offset, p->len)) {
            check_zero("refused copy", p->x, b, p->len);
            break;
        }
        /* MAP copies up to the backing's end, then zero-fills. */
        for (hwaddr i = 0; i < p->len; i++) {
            hwaddr off = h->offset + i;
            uint8_t want = off < TOPO_ODM_BACKING ? s->shadow[off] : 0;

            fuzz_check(b[i] == want,
                       "read of on-demand node %d at 0x%" PRIx64
                       ": byte %02x, want %02x",
                       h->node, p->x + i, b[i], want);
        }
        break;
    default:
        check_zero("decode error", p->x, b, p->len);
        break;
    }
}

void topo_check_read(hwaddr addr, hwaddr len, const uint8_t *buf,
                     MemTxResult r)
{
    static TopoPiece pieces[MAX_PIECES];
    MemTxResult must = 0, may = 0;
    hwaddr tail, pos = 0;
    unsigned n;

    fuzz_check(th.view_ok, "internal: a read after the model gave up");
    n = split(addr, len, pieces, MAX_PIECES, &tail);
    for (unsigned i = 0; i < n; i++) {
        read_bits(&pieces[i], &must, &may);
        if (buf) {
            read_data(&pieces[i], buf + pos, r);
        }
        pos += pieces[i].len;
    }
    if (tail) {
        if (buf) {
            check_zero("beyond 2^64", 0, buf + pos, tail);
        }
        must |= MEMTX_DECODE_ERROR;
    }
    check_result("read", addr, len, r, must, may);
}

/* ---- writes ------------------------------------------------------------- */

typedef struct LogWant {
    int node;
    uint64_t offset;
    uint8_t val;
} LogWant;

static void write_piece(const TopoPiece *p, const uint8_t *d, GArray *logs,
                        MemTxResult *must, MemTxResult *may)
{
    const TopoHit *h = &p->hit;
    TopoSlot *s = h->node >= 0 ? &th.slot[h->node] : NULL;
    TopoKind kind = s ? th.committed.n[h->node].kind : TK_RESERVATION;

    if (s && (h->readonly || kind == TK_ROM)) {
        *must |= MEMTX_DECODE_ERROR;
        return;
    }
    switch (kind) {
    case TK_RAM:
        memcpy(s->shadow + h->offset, d, p->len);
        break;
    case TK_MMIO:
        if (s->mmio_flavour == MMIO_STRICT) {
            *may |= MEMTX_DECODE_ERROR;
        } else if (s->mmio_flavour != MMIO_NARROW) {
            for (hwaddr i = 0; i < p->len; i++) {
                LogWant w = { h->node, h->offset + i, d[i] };

                g_array_append_val(logs, w);
            }
        }
        break;
    case TK_ON_DEMAND:
        if (odm_beyond(h->offset, p->len)) {
            *must |= MEMTX_DECODE_ERROR;
            if (s->odm_flavour == ODM_COPY) {
                break;
            }
        }
        for (hwaddr i = 0; i < p->len && h->offset + i < TOPO_ODM_BACKING;
             i++) {
            s->shadow[h->offset + i] = d[i];
        }
        break;
    default:
        *must |= MEMTX_DECODE_ERROR;
        break;
    }
}

/*
 * Each logged byte must hold what the access wrote last at that place;
 * walk the wishes backwards so a later piece beats an earlier one.
 */
static void check_logs(GArray *logs)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

    for (guint i = logs->len; i-- > 0;) {
        LogWant *w = &g_array_index(logs, LogWant, i);
        gpointer key = GSIZE_TO_POINTER((w->offset << 4) ^ w->node);
        uint8_t got;
        int found;

        if (!g_hash_table_add(seen, key)) {
            continue;
        }
        found = topo_log_lookup(&th.slot[w->node].dev, w->offset, &got);
        fuzz_check(found != 0,
                   "MMIO node %d: offset 0x%" PRIx64 " was not"
                   " written",
                   w->node, w->offset);
        fuzz_check(found < 0 || got == w->val,
                   "MMIO node %d: offset 0x%" PRIx64 " got %02x, want %02x",
                   w->node, w->offset, got, w->val);
    }
}

void topo_check_write(hwaddr addr, hwaddr len, const uint8_t *data,
                      MemTxResult r, bool r_known)
{
    static TopoPiece pieces[MAX_PIECES];
    g_autoptr(GArray) logs = g_array_new(FALSE, FALSE, sizeof(LogWant));
    MemTxResult must = 0, may = 0;
    hwaddr tail, pos = 0;
    unsigned n;

    if (!th.view_ok) {
        /* No prediction: take what happened as the new truth. */
        for (int i = 0; i < th.committed.nr; i++) {
            TopoSlot *s = &th.slot[i];

            if (s->store) {
                memcpy(s->shadow, s->store, s->store_len);
            }
        }
        return;
    }
    n = split(addr, len, pieces, MAX_PIECES, &tail);
    for (unsigned i = 0; i < n; i++) {
        write_piece(&pieces[i], data + pos, logs, &must, &may);
        pos += pieces[i].len;
    }
    if (tail) {
        must |= MEMTX_DECODE_ERROR;
    }
    topo_check_stores();
    check_logs(logs);
    if (r_known) {
        check_result("write", addr, len, r, must, may);
    }
}

void topo_check_stores(void)
{
    for (int i = 0; i < th.committed.nr; i++) {
        TopoSlot *s = &th.slot[i];

        if (!s->store || !memcmp(s->store, s->shadow, s->store_len)) {
            continue;
        }
        for (size_t j = 0; j < s->store_len; j++) {
            fuzz_check(s->store[j] == s->shadow[j],
                       "node %d byte 0x%zx "
                       "is %02x, want %02x: a write landed where the model "
                       "says it must not",
                       i, j, s->store[j], s->shadow[j]);
        }
    }
}

/* ---- validity -------------------------------------------------------------- */

bool topo_expect_valid(hwaddr addr, hwaddr len, bool is_write)
{
    static TopoPiece pieces[MAX_PIECES];
    hwaddr tail;
    unsigned n;

    fuzz_check(th.view_ok, "internal: a check after the model gave up");
    if (len == 0) {
        return true;
    }
    if (addr + (len - 1) < addr) {
        return false;
    }
    n = split(addr, len, pieces, MAX_PIECES, &tail);
    for (unsigned i = 0; i < n; i++) {
        const TopoHit *h = &pieces[i].hit;
        TopoKind kind;

        if (h->node < 0) {
            return false;
        }
        kind = th.committed.n[h->node].kind;
        if (kind == TK_RESERVATION) {
            return false;
        }
        if (is_write && (h->readonly || kind == TK_ROM)) {
            return false;
        }
        /*
         * The valid rules, piece by piece as the access would be cut:
         * STRICT takes only aligned 4-byte pieces, so any piece of its
         * range must start 4-aligned and be a whole number of them. The
         * other flavours take whatever the core cuts.
         */
        if (kind == TK_MMIO && th.slot[h->node].mmio_flavour == MMIO_STRICT &&
            (h->offset % 4 || pieces[i].len % 4)) {
            return false;
        }
    }
    return true;
}

/* ---- the map path ---------------------------------------------------------- */

/*
 * How far a direct RAM mapping may reach from @addr: on through
 * neighbouring ranges while they continue the same region at consecutive
 * offsets (and, for writing, are not read-only).
 */
static Int128 ram_run(hwaddr addr, bool is_write)
{
    TopoHit h, h2;
    Int128 run, run2, next;

    topo_view_lookup(&th.view, addr, &h, &run);
    for (;;) {
        next = (Int128)addr + run;
        if (next >= int128_2_64()) {
            return run;
        }
        topo_view_lookup(&th.view, (hwaddr)next, &h2, &run2);
        if (h2.node != h.node || (Int128)h2.offset != (Int128)h.offset + run ||
            (is_write && h2.readonly)) {
            return run;
        }
        run += run2;
    }
}

/* What map() of a TopoDev grants for a request of @l bytes at @off. */
static hwaddr odm_grant(const TopoSlot *s, hwaddr off, hwaddr l)
{
    if (off >= TOPO_ODM_BACKING) {
        return 0;
    }
    l = MIN(l, TOPO_ODM_BACKING - off);
    if (s->dev.page_limit) {
        hwaddr end = (off & ~0xfffULL) + (hwaddr)s->dev.page_limit * 0x1000;

        l = MIN(l, end - off);
    }
    return l;
}

static hwaddr min_run(hwaddr len, Int128 run)
{
    return (Int128)len < run ? len : (hwaddr)run;
}

/* The device writes a pattern over what it mapped for writing. */
static void fill_pattern(uint8_t *p, hwaddr len, hwaddr seed)
{
    for (hwaddr i = 0; i < len; i++) {
        p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
    }
}

static void record(const TopoMapping *m)
{
    g_array_append_val(th.maps, *m);
}

void topo_check_map(hwaddr addr, hwaddr asked, bool is_write, void *p,
                    hwaddr plen, MemTxResult r)
{
    TopoMapping m = {
        .ptr = p,
        .len = plen,
        .is_write = is_write,
        .as_addr = addr,
        .node = -1,
    };
    TopoSlot *s;
    TopoKind kind;
    Int128 run;
    TopoHit h;
    hwaddr want;

    fuzz_check((p == NULL) == (plen == 0),
               "map returned %p with length "
               "0x%" PRIx64,
               p, plen);
    fuzz_check(th.view_ok, "internal: a map after the model gave up");
    fuzz_check(p == NULL || r == MEMTX_OK,
               "map returned %p with result "
               "%#x",
               p, r);
    if (asked == 0) {
        fuzz_check(!p && r == MEMTX_OK,
                   "a map of 0 bytes returned %p "
                   "(%#x)",
                   p, r);
        return;
    }
    topo_view_lookup(&th.view, addr, &h, &run);
    kind = h.node >= 0 ? th.committed.n[h.node].kind : TK_RESERVATION;
    s = h.node >= 0 ? &th.slot[h.node] : NULL;

    if (kind == TK_RESERVATION || kind == TK_CONTAINER) {
        fuzz_check(!p && r == MEMTX_DECODE_ERROR,
                   "map at 0x%" PRIx64 " where nothing is returned %p (%#x)",
                   addr, p, r);
        return;
    }
    if (kind == TK_MMIO || (is_write && (h.readonly || kind == TK_ROM))) {
        size_t avail = th.bounce_max > th.bounce_used ?
                           th.bounce_max - th.bounce_used :
                           0;

        want = MIN(min_run(asked, run), (hwaddr)avail);
        if (!p) {
            /* Out of budget, or the pre-fill read was refused. */
            fuzz_check(want == 0 || (!is_write && kind == TK_MMIO &&
                                     s->mmio_flavour == MMIO_STRICT),
                       "bounce map at 0x%" PRIx64 " of 0x%" PRIx64 " failed"
                       " with 0x%zx of budget free",
                       addr, asked, avail);
            /* No budget is "try later"; a refused read says why. */
            fuzz_check(r == (want ? MEMTX_DECODE_ERROR : MEMTX_OK),
                       "bounce map at 0x%" PRIx64 " failed with %#x", addr, r);
            if (want) {
                topo_clients_notify();
            }
            return;
        }
        fuzz_check(plen == want,
                   "bounce map at 0x%" PRIx64 ": 0x%" PRIx64
                   " bytes, want 0x%" PRIx64,
                   addr, plen, want);
        m.kind = TMAP_BOUNCE;
        th.bounce_used += plen;
        if (!is_write) {
            topo_check_read(addr, plen, p, MEMTX_OK);
        } else {
            m.content = g_malloc(plen);
            fill_pattern(m.content, plen, addr);
            memcpy(p, m.content, plen);
        }
        record(&m);
        return;
    }
    if (kind == TK_RAM || kind == TK_ROM) {
        want = min_run(asked, ram_run(addr, is_write));
        fuzz_check(p == s->store + h.offset && plen == want,
                   "RAM map at 0x%" PRIx64 ": %p+0x%" PRIx64
                   ", want %p+0x%" PRIx64,
                   addr, p, plen, s->store + h.offset, want);
    } else {
        want = odm_grant(s, h.offset, min_run(asked, run));
        fuzz_check(p == (want ? s->store + h.offset : NULL) && plen == want,
                   "on-demand map at 0x%" PRIx64 ": %p+0x%" PRIx64 ", want "
                   "%p+0x%" PRIx64,
                   addr, p, plen, s->store + h.offset, want);
        fuzz_check(want || r == MEMTX_DECODE_ERROR,
                   "on-demand map at 0x%" PRIx64
                   " beyond the backing failed with %#x",
                   addr, r);
        if (!p) {
            return;
        }
    }
    m.kind = kind == TK_ON_DEMAND ? TMAP_ODM : TMAP_RAM;
    m.node = h.node;
    m.offset = h.offset;
    if (is_write) {
        fill_pattern(p, plen, addr);
        memcpy(s->shadow + h.offset, p, plen);
    }
    record(&m);
}

void topo_check_cache_init(TopoCache *tc, hwaddr addr, hwaddr asked,
                           bool is_write, int64_t ret)
{
    hwaddr len = MIN(asked, (hwaddr)INT64_MAX);
    TopoSlot *s;
    TopoKind kind;
    Int128 run;
    TopoHit h;
    int64_t want;

    tc->kind = TCACHE_EMPTY;
    tc->addr = addr;
    tc->is_write = is_write;
    tc->node = -1;
    fuzz_check(th.view_ok, "internal: a cache after the model gave up");
    if (asked == 0) {
        fuzz_check(ret == 0, "cache of 0 bytes: %" PRId64, ret);
        return;
    }
    topo_view_lookup(&th.view, addr, &h, &run);
    kind = h.node >= 0 ? th.committed.n[h.node].kind : TK_CONTAINER;
    s = h.node >= 0 ? &th.slot[h.node] : NULL;

    if (h.node < 0) {
        want = -EFAULT;
    } else if ((kind == TK_RAM || kind == TK_ROM) &&
               (!is_write || (kind == TK_RAM && !h.readonly))) {
        want = min_run(len, run);
        tc->kind = TCACHE_DIRECT;
    } else if (kind == TK_ON_DEMAND && (!is_write || !h.readonly)) {
        want = odm_grant(s, h.offset, min_run(len, run));
        tc->kind = want ? TCACHE_MAPPED : TCACHE_EMPTY;
        want = want ? want : -EFAULT;
    } else {
        want = min_run(len, int128_2_64() - addr);
        tc->kind = TCACHE_DISPATCH;
    }
    fuzz_check(ret == want,
               "cache at 0x%" PRIx64 " of 0x%" PRIx64 " (%s): "
               "%" PRId64 ", want %" PRId64,
               addr, asked, is_write ? "write" : "read", ret, want);
    tc->len = want > 0 ? want : 0;
    if (tc->kind == TCACHE_DIRECT || tc->kind == TCACHE_MAPPED) {
        tc->node = h.node;
        tc->offset = h.offset;
    }
}
