/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target 1: region topology and accesses.
 *
 * The input first declares up to TOPO_MAX_NODES regions (containers, RAM,
 * ROM, MMIO and map-on-demand devices, reservations, aliases of earlier
 * ones), then runs a program of operations on them:
 *  - topology: add (with a priority), delete, enable/disable, move,
 *    change an alias's offset, readonly, resize, nested transactions;
 *  - accesses: read, write, ld/st, access_valid, map (any length up to
 *    2^64 - 1, for reading or writing), write through a mapping, unmap,
 *    caches (init, read, write, destroy), map clients, the bounce budget.
 *
 * Every operation is mirrored in a model (topo-model.c) that applies the
 * rendering rules by brute force. After every commit memcore's flat view
 * and a listener's picture of it must equal the model's; inside a
 * transaction the view must not move. Every access must return the bytes
 * and result the model predicts and change exactly the memory it says
 * (topo-expect.c), with shadows of every RAM, ROM and map-on-demand store
 * compared after each operation. At the end every mapping and cache is
 * released and every counter must be back at 0: the address space's
 * outstanding mappings and bounce bytes, each region's outstanding maps,
 * each device's live mappings, the pending map clients.
 */
#include <errno.h>
#include <string.h>

#include "fuzz-input.h"
#include "topo-harness.h"

#define MAX_OPS 400
#define MAX_MAPS 32
#define MAX_DEPTH 3

TopoHarness th;
static uint8_t buf[TOPO_BUF_SIZE], data[TOPO_BUF_SIZE];
static int next_client;

/* FUZZ_TRACE=1 prints every operation: what to read when one fails. */
static bool trace;
#define TRACE(fmt, ...)                               \
    do {                                              \
        if (trace) {                                  \
            fprintf(stderr, fmt "\n", ##__VA_ARGS__); \
        }                                             \
    } while (0)

/* ---- set-up ---------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    memory_region_init(&th.root, NULL, "fuzz-root", UINT64_MAX);
    address_space_init(&th.as, &th.root, "fuzz-topology");
    th.maps = g_array_new(FALSE, FALSE, sizeof(TopoMapping));
    th.clients_pending = g_array_new(FALSE, FALSE, sizeof(int));
    topo_view_listen();
    trace = getenv("FUZZ_TRACE") != NULL;
    return 0;
}

/* A size for a region that does not allocate memory. */
static uint64_t fuzz_size(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    switch (sel % 8) {
    case 0:
    case 1:
    case 2:
        return 1 + fuzz_u16(in) % 0x3000;
    case 3:
        return (uint64_t)(1 + sel / 8) << 12;
    case 4:
        return UINT64_MAX; /* 2^64 */
    case 5:
        return 1ULL << 63;
    default:
        return fuzz_edge_u64(in);
    }
}

/* Where to place a region inside its parent: mostly in a small window,
 * so that regions overlap, sometimes at the top of the space. */
static hwaddr fuzz_place(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    switch (sel % 8) {
    case 0:
        return (1ULL << 63) - 0x2000 + fuzz_u16(in) % 0x4000;
    case 1:
        return UINT64_MAX - fuzz_u16(in);
    case 2:
        return fuzz_edge_u64(in);
    default:
        return fuzz_u16(in) % 0x3000;
    }
}

/* An address to access: near where something is, or at an edge. */
static hwaddr fuzz_addr(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    if (sel % 4 == 0 || !th.view.nr) {
        return fuzz_edge_u64(in);
    }
    {
        const TopoRange *r = &th.view.r[fuzz_u8(in) % th.view.nr];
        int16_t delta = (int16_t)fuzz_u16(in);
        Int128 a = sel % 4 == 1 ? r->start + r->size : r->start;

        return (hwaddr)(a + delta);
    }
}

/*
 * A length for a read or write: mostly register-sized or short, now and
 * then long enough to cross several regions. Long MMIO accesses cost a
 * callback per few bytes, so they are kept rare to keep the rate up.
 */
static hwaddr fuzz_len(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);

    switch (sel % 8) {
    case 0:
        return fuzz_u16(in) % TOPO_BUF_SIZE;
    case 1:
    case 2:
        return sel >> 3;
    default:
        return 1 + (sel >> 3) % 8;
    }
}

/* A size as the API takes it: UINT64_MAX stands for 2^64. */
static uint64_t size_arg(Int128 size)
{
    return size >= int128_2_64() ? UINT64_MAX : (uint64_t)size;
}

static void node_init(FuzzInput *in, int i)
{
    TopoNode *n = &th.pending.n[i];
    TopoSlot *s = &th.slot[i];
    g_autoptr(GError) err = NULL;
    char name[32];

    memset(n, 0, sizeof(*n));
    memset(s, 0, sizeof(*s));
    n->kind = fuzz_u8(in) % TK_NR_KINDS;
    if (n->kind == TK_ALIAS && i == 0) {
        n->kind = TK_CONTAINER;
    }
    n->parent = TOPO_DETACHED;
    n->enabled = true;
    snprintf(name, sizeof(name), "n%d", i);

    switch (n->kind) {
    case TK_CONTAINER:
        n->size = int128_size(fuzz_size(in));
        memory_region_init(&s->mr, NULL, name, size_arg(n->size));
        break;
    case TK_RAM:
    case TK_ROM:
        if (n->kind == TK_RAM) {
            fuzz_check(memory_region_init_ram(&s->mr, NULL, name,
                                              TOPO_RAM_ALLOC, &err),
                       "%s", err->message);
        } else {
            fuzz_check(memory_region_init_rom(&s->mr, NULL, name,
                                              TOPO_RAM_ALLOC, &err),
                       "%s", err->message);
            n->readonly = true; /* ROM starts read-only */
        }
        s->store = memory_region_get_ram_ptr(&s->mr);
        s->store_len = TOPO_RAM_ALLOC;
        for (size_t j = 0; n->kind == TK_ROM && j < s->store_len; j++) {
            s->store[j] = (uint8_t)(j * 13 + i);
        }
        n->size = 1 + fuzz_u16(in) % TOPO_RAM_ALLOC;
        memory_region_set_size(&s->mr, (uint64_t)n->size);
        break;
    case TK_MMIO: {
        hwaddr dma_addr;

        s->mmio_flavour = fuzz_u8(in) % MMIO_NR_FLAVOURS;
        n->size = int128_size(fuzz_size(in));
        /* One read per statement: argument order is unspecified. */
        dma_addr = fuzz_edge_u64(in);
        topo_mmio_init(&s->dev, &s->mr, i, s->mmio_flavour, &th.as, dma_addr,
                       fuzz_u8(in) % 17, size_arg(n->size));
        break;
    }
    case TK_ON_DEMAND:
        s->odm_flavour = fuzz_u8(in) % ODM_NR_FLAVOURS;
        n->size = int128_size(fuzz_size(in));
        topo_odm_init(&s->dev, &s->mr, i, s->odm_flavour, fuzz_u8(in) % 4,
                      size_arg(n->size));
        s->store = s->dev.backing;
        s->store_len = TOPO_ODM_BACKING;
        break;
    case TK_RESERVATION:
        n->size = int128_size(fuzz_size(in));
        memory_region_init_reservation(&s->mr, NULL, name, size_arg(n->size));
        break;
    default:
        n->target = fuzz_u8(in) % i;
        n->alias_offset = fuzz_place(in);
        n->size = int128_size(fuzz_size(in));
        memory_region_init_alias(&s->mr, NULL, name, &th.slot[n->target].mr,
                                 n->alias_offset, size_arg(n->size));
        break;
    }
    if (s->store) {
        s->shadow = g_memdup2(s->store, s->store_len);
    }
    TRACE("node %d: kind %d size 0x%" PRIx64 " flavour %d/%d target %d "
          "alias_offset 0x%" PRIx64,
          i, n->kind, size_arg(n->size), s->mmio_flavour, s->odm_flavour,
          n->target, n->alias_offset);
}

/* ---- topology operations ----------------------------------------------- */

/* The outermost commit happened: the model catches up and is compared. */
static void model_commit(void)
{
    th.committed = th.pending;
    th.view_ok = topo_model_render(&th.committed, &th.view);
    topo_check_view();
}

/* After a topology call: compare now, or at the outermost commit. */
static void after_topology_change(void)
{
    if (th.depth == 0) {
        model_commit();
    } else {
        topo_check_view(); /* must not have moved */
    }
}

static MemoryRegion *parent_mr(int parent)
{
    return parent == TOPO_ROOT ? &th.root : &th.slot[parent].mr;
}

static void op_add(FuzzInput *in)
{
    int i = fuzz_u8(in) % th.pending.nr;
    int parent = (int)(fuzz_u8(in) % (th.pending.nr + 1)) - 1;
    TopoNode *n = &th.pending.n[i];
    bool overlap = fuzz_bool(in);
    int prio = overlap ? (int)(fuzz_u8(in) % 5) - 2 : 0;
    hwaddr addr = fuzz_place(in);

    /* What memcore rightly aborts on is the embedding program's bug. */
    if (n->parent != TOPO_DETACHED || parent == i ||
        (parent >= 0 && th.pending.n[parent].kind == TK_ALIAS) ||
        topo_model_would_cycle(&th.pending, parent, i)) {
        return;
    }
    if (overlap) {
        memory_region_add_subregion_overlap(parent_mr(parent), addr,
                                            &th.slot[i].mr, prio);
    } else {
        memory_region_add_subregion(parent_mr(parent), addr, &th.slot[i].mr);
    }
    n->parent = parent;
    n->addr = addr;
    n->priority = prio;
    n->seq = ++th.pending.seq;
    TRACE("add %d under %d at 0x%" PRIx64 " prio %d", i, parent, addr, prio);
    after_topology_change();
}

static void op_del(FuzzInput *in)
{
    int i = fuzz_u8(in) % th.pending.nr;
    TopoNode *n = &th.pending.n[i];

    if (n->parent == TOPO_DETACHED) {
        return;
    }
    memory_region_del_subregion(parent_mr(n->parent), &th.slot[i].mr);
    n->parent = TOPO_DETACHED;
    TRACE("del %d", i);
    after_topology_change();
}

static void op_change(FuzzInput *in, unsigned what)
{
    int i = fuzz_u8(in) % th.pending.nr;
    TopoNode *n = &th.pending.n[i];
    MemoryRegion *mr = &th.slot[i].mr;

    switch (what) {
    case 0:
        n->enabled = !n->enabled;
        memory_region_set_enabled(mr, n->enabled);
        break;
    case 1:
        n->addr = fuzz_place(in);
        memory_region_set_address(mr, n->addr);
        break;
    case 2:
        if (n->kind != TK_ALIAS) {
            return;
        }
        n->alias_offset = fuzz_place(in);
        memory_region_set_alias_offset(mr, n->alias_offset);
        break;
    case 3:
        n->readonly = !n->readonly;
        memory_region_set_readonly(mr, n->readonly);
        break;
    default:
        /* RAM may not grow past its memory: that would be our bug. */
        if (n->kind == TK_RAM || n->kind == TK_ROM) {
            n->size = 1 + fuzz_u16(in) % TOPO_RAM_ALLOC;
        } else {
            n->size = int128_size(fuzz_size(in));
        }
        memory_region_set_size(mr, size_arg(n->size));
        break;
    }
    TRACE("change %d: what %u enabled %d addr 0x%" PRIx64
          " alias_offset 0x%" PRIx64 " ro %d size 0x%" PRIx64,
          i, what, n->enabled, n->addr, n->alias_offset, n->readonly,
          size_arg(n->size));
    after_topology_change();
}

static void op_transaction(FuzzInput *in)
{
    if (fuzz_bool(in)) {
        if (th.depth < MAX_DEPTH) {
            memory_region_transaction_begin();
            th.depth++;
            TRACE("begin -> %d", th.depth);
        }
    } else if (th.depth > 0) {
        memory_region_transaction_commit();
        th.depth--;
        TRACE("commit -> %d", th.depth);
        after_topology_change();
    }
}

/* ---- accesses ------------------------------------------------------------- */

static void fill_data(FuzzInput *in, hwaddr len)
{
    uint8_t seed = fuzz_u8(in);

    for (hwaddr i = 0; i < len; i++) {
        data[i] = (uint8_t)(seed + i * 0x3b + (i >> 8));
    }
}

static void op_read(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in), len = fuzz_len(in);
    MemTxResult r;

    memset(buf, 0xa5, len);
    r = address_space_read(&th.as, addr, MEMTXATTRS_UNSPECIFIED, buf, len);
    TRACE("read 0x%" PRIx64 "+0x%" PRIx64 " -> %#x", addr, len, r);
    topo_check_read(addr, len, buf, r);
}

static void op_write(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in), len = fuzz_len(in);
    MemTxResult r;

    fill_data(in, len);
    topo_log_gen++;
    r = address_space_write(&th.as, addr, MEMTXATTRS_UNSPECIFIED, data, len);
    TRACE("write 0x%" PRIx64 "+0x%" PRIx64 " -> %#x", addr, len, r);
    topo_check_write(addr, len, data, r, true);
}

/* One load or store of 1, 2, 4 or 8 bytes, in either byte order. */
static void op_ldst(FuzzInput *in)
{
    uint8_t sel = fuzz_u8(in);
    unsigned size = 1u << (sel & 3);
    bool be = sel & 4, store = sel & 8;
    hwaddr addr = fuzz_addr(in);
    uint64_t v = fuzz_u64(in);
    MemTxAttrs at = MEMTXATTRS_UNSPECIFIED;
    MemTxResult r = ~0u;
    uint8_t b[8];

    if (store) {
        topo_log_gen++;
        switch (size) {
        case 1:
            address_space_stb(&th.as, addr, v, at, &r);
            break;
        case 2:
            (be ? address_space_stw_be : address_space_stw_le)(&th.as, addr, v,
                                                               at, &r);
            break;
        case 4:
            (be ? address_space_stl_be : address_space_stl_le)(&th.as, addr, v,
                                                               at, &r);
            break;
        default:
            (be ? address_space_stq_be : address_space_stq_le)(&th.as, addr, v,
                                                               at, &r);
            break;
        }
        for (unsigned i = 0; i < size; i++) {
            b[i] = v >> (8 * (be ? size - 1 - i : i));
        }
        topo_check_write(addr, size, b, r, true);
        return;
    }
    switch (size) {
    case 1:
        v = address_space_ldub(&th.as, addr, at, &r);
        break;
    case 2:
        v = (be ? address_space_lduw_be : address_space_lduw_le)(&th.as, addr,
                                                                 at, &r);
        break;
    case 4:
        v = (be ? address_space_ldl_be : address_space_ldl_le)(&th.as, addr,
                                                               at, &r);
        break;
    default:
        v = (be ? address_space_ldq_be : address_space_ldq_le)(&th.as, addr,
                                                               at, &r);
        break;
    }
    if (r != MEMTX_OK) {
        fuzz_check(v == 0, "a failed load returned 0x%" PRIx64, v);
        topo_check_read(addr, size, NULL, r);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        b[i] = v >> (8 * (be ? size - 1 - i : i));
    }
    topo_check_read(addr, size, b, r);
}

static void op_valid(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in);
    hwaddr len = fuzz_bool(in) ? fuzz_len(in) : fuzz_edge_u64(in);
    bool is_write = fuzz_bool(in);
    bool got = address_space_access_valid(&th.as, addr, len, is_write,
                                          MEMTXATTRS_UNSPECIFIED);

    fuzz_check(got == topo_expect_valid(addr, len, is_write),
               "access_valid(0x%" PRIx64 ", 0x%" PRIx64 ", %s) = %d", addr,
               len, is_write ? "write" : "read", got);
}

/* ---- the map path --------------------------------------------------------- */

static void op_map(FuzzInput *in)
{
    hwaddr addr = fuzz_addr(in);
    hwaddr len = fuzz_bool(in) ? fuzz_len(in) : fuzz_edge_u64(in);
    bool is_write = fuzz_bool(in);
    hwaddr plen = len;
    MemTxResult r;
    void *p;

    if (th.maps->len >= MAX_MAPS) {
        return;
    }
    topo_log_gen++;
    p = address_space_map_result(&th.as, addr, &plen, is_write,
                                 MEMTXATTRS_UNSPECIFIED, &r);
    TRACE("map 0x%" PRIx64 "+0x%" PRIx64 " %s -> %p+0x%" PRIx64 " (%#x)", addr,
          len, is_write ? "w" : "r", p, plen, r);
    topo_check_map(addr, len, is_write, p, plen, r);
}

static void unmap_one(unsigned idx, hwaddr access_len)
{
    TopoMapping m = g_array_index(th.maps, TopoMapping, idx);

    g_array_remove_index(th.maps, idx);
    TRACE("unmap %p+0x%" PRIx64 " access 0x%" PRIx64, m.ptr, m.len,
          access_len);
    topo_log_gen++;
    address_space_unmap(&th.as, m.ptr, m.len, m.is_write, access_len);
    if (m.kind != TMAP_BOUNCE) {
        return;
    }
    th.bounce_used -= m.len;
    if (m.is_write && access_len) {
        /* The write-back goes where the address points now. */
        topo_check_write(m.as_addr, MIN(access_len, m.len), m.content, 0,
                         false);
    }
    g_free(m.content);
    topo_clients_notify();
}

static void op_unmap(FuzzInput *in)
{
    unsigned idx;
    TopoMapping *m;
    hwaddr al;

    if (!th.maps->len) {
        return;
    }
    idx = fuzz_u8(in) % th.maps->len;
    m = &g_array_index(th.maps, TopoMapping, idx);
    switch (fuzz_u8(in) % 4) {
    case 0:
        al = 0;
        break;
    case 1:
        al = m->len / 2;
        break;
    case 2:
        al = m->len + 7; /* more than mapped: clamped */
        break;
    default:
        al = m->len;
        break;
    }
    unmap_one(idx, al);
}

/* The device writes into part of something it mapped for writing. */
static void op_poke(FuzzInput *in)
{
    TopoMapping *m;
    hwaddr off, len;

    if (!th.maps->len) {
        return;
    }
    m = &g_array_index(th.maps, TopoMapping, fuzz_u8(in) % th.maps->len);
    if (!m->is_write) {
        return;
    }
    off = fuzz_u16(in) % m->len;
    len = fuzz_len(in); /* not inside MIN(): it would read twice */
    len = MIN(len, m->len - off);
    fill_data(in, len);
    TRACE("poke %p+0x%" PRIx64 "+0x%" PRIx64, m->ptr, off, len);
    memcpy(m->ptr + off, data, len);
    if (m->kind == TMAP_BOUNCE) {
        memcpy(m->content + off, data, len);
    } else {
        memcpy(th.slot[m->node].shadow + m->offset + off, data, len);
    }
}

static void client_cb(void *opaque)
{
    int id = GPOINTER_TO_INT(opaque);

    for (guint i = 0; i < th.clients_pending->len; i++) {
        if (g_array_index(th.clients_pending, int, i) == id) {
            g_array_remove_index(th.clients_pending, i);
            th.clients_called++;
            return;
        }
    }
    fuzz_fail("map client %d called, but it is not waiting", id);
}

/*
 * Bounce memory was freed or given up, or the budget changed: if less
 * than the budget is in use now, every waiting client was told.
 */
void topo_clients_notify(void)
{
    if (th.bounce_used >= th.bounce_max) {
        return; /* no room (a budget lowered below what is in use) */
    }
    fuzz_check(th.clients_pending->len == 0,
               "%u map client(s) not told "
               "that bounce memory came free",
               th.clients_pending->len);
}

static void op_client(FuzzInput *in)
{
    if (fuzz_bool(in)) {
        int id = ++next_client;

        g_array_append_val(th.clients_pending, id);
        th.clients_registered++;
        address_space_register_map_client(&th.as, client_cb,
                                          GINT_TO_POINTER(id));
        topo_clients_notify(); /* told at once if there is room */
    } else if (th.clients_pending->len) {
        guint i = fuzz_u8(in) % th.clients_pending->len;
        int id = g_array_index(th.clients_pending, int, i);

        g_array_remove_index(th.clients_pending, i);
        address_space_unregister_map_client(&th.as, client_cb,
                                            GINT_TO_POINTER(id));
    }
}

static void op_bounce_max(FuzzInput *in)
{
    static const size_t sizes[] = { 0, 1, 64, 4096, 8192, 65536 };

    th.bounce_max = sizes[fuzz_u8(in) % G_N_ELEMENTS(sizes)];
    address_space_set_max_bounce_buffer_size(&th.as, th.bounce_max);
    topo_clients_notify();
}

/* ---- caches --------------------------------------------------------------- */

static void op_cache_init(FuzzInput *in)
{
    TopoCache *tc = &th.cache[fuzz_u8(in) % TOPO_MAX_CACHES];
    hwaddr addr = fuzz_addr(in);
    hwaddr len = fuzz_bool(in) ? fuzz_len(in) : fuzz_edge_u64(in);
    bool is_write = fuzz_bool(in);
    int64_t ret;

    if (tc->kind != TCACHE_EMPTY) {
        return;
    }
    ret = address_space_cache_init(&tc->c, &th.as, addr, len, is_write);
    TRACE("cache %td init 0x%" PRIx64 "+0x%" PRIx64 " %s -> %" PRId64,
          tc - th.cache, addr, len, is_write ? "w" : "r", ret);
    topo_check_cache_init(tc, addr, len, is_write, ret);
}

static void op_cache_access(FuzzInput *in)
{
    TopoCache *tc = &th.cache[fuzz_u8(in) % TOPO_MAX_CACHES];
    bool is_write = fuzz_bool(in);
    hwaddr off = fuzz_bool(in) ? fuzz_u16(in) : fuzz_edge_u64(in);
    hwaddr len = fuzz_len(in);
    bool in_range = tc->kind != TCACHE_EMPTY && off <= tc->len &&
                    len <= tc->len - off;
    uint8_t *shadow = tc->node >= 0 ? th.slot[tc->node].shadow : NULL;
    MemTxResult r;

    topo_log_gen++;
    TRACE("cache %td %s +0x%" PRIx64 "+0x%" PRIx64, tc - th.cache,
          is_write ? "write" : "read", off, len);
    if (!is_write) {
        memset(buf, 0xa5, len);
        r = address_space_read_cached(&tc->c, off, buf, len);
        if (!in_range) {
            fuzz_check(r == MEMTX_DECODE_ERROR,
                       "cached read out of range: "
                       "%#x",
                       r);
            for (hwaddr i = 0; i < len; i++) {
                fuzz_check(buf[i] == 0,
                           "cached read out of range: byte "
                           "%02x",
                           buf[i]);
            }
        } else if (tc->kind == TCACHE_DISPATCH) {
            topo_check_read(tc->addr + off, len, buf, r);
        } else {
            fuzz_check(r == MEMTX_OK &&
                           !memcmp(buf, shadow + tc->offset + off, len),
                       "cached read at +0x%" PRIx64 ": %#x or other bytes",
                       off, r);
        }
        return;
    }
    fill_data(in, len);
    r = address_space_write_cached(&tc->c, off, data, len);
    if (!in_range) {
        fuzz_check(r == MEMTX_DECODE_ERROR, "cached write out of range: %#x",
                   r);
        topo_check_stores();
    } else if (tc->kind == TCACHE_DISPATCH || !tc->is_write) {
        /* A cache made for reading never writes through its pointer. */
        topo_check_write(tc->addr + off, len, data, r, true);
    } else {
        fuzz_check(r == MEMTX_OK, "cached write: %#x", r);
        memcpy(shadow + tc->offset + off, data, len);
        topo_check_stores();
    }
}

static void cache_destroy(TopoCache *tc)
{
    address_space_cache_destroy(&tc->c);
    tc->kind = TCACHE_EMPTY;
    tc->node = -1;
}

static void op_cache_destroy(FuzzInput *in)
{
    cache_destroy(&th.cache[fuzz_u8(in) % TOPO_MAX_CACHES]);
}

/* ---- one input -------------------------------------------------------------- */

static void run_op(FuzzInput *in)
{
    uint8_t op = fuzz_u8(in);

    switch (op % 20) {
    case 0:
    case 1:
        op_add(in);
        break;
    case 2:
        op_del(in);
        break;
    case 3:
    case 4:
        op_change(in, fuzz_u8(in) % 5);
        break;
    case 5:
        op_transaction(in);
        break;
    case 6:
    case 7:
        op_read(in);
        break;
    case 8:
    case 9:
        op_write(in);
        break;
    case 10:
        op_ldst(in);
        break;
    case 11:
        op_valid(in);
        break;
    case 12:
        op_map(in);
        break;
    case 13:
        op_unmap(in);
        break;
    case 14:
        op_poke(in);
        break;
    case 15:
        op_cache_init(in);
        break;
    case 16:
        op_cache_access(in);
        break;
    case 17:
        op_cache_destroy(in);
        break;
    case 18:
        op_client(in);
        break;
    default:
        op_bounce_max(in);
        break;
    }
}

static void begin_input(FuzzInput *in)
{
    memset(&th.pending, 0, sizeof(th.pending));
    th.pending.nr = 2 + fuzz_u8(in) % (TOPO_MAX_NODES - 1);
    for (int i = 0; i < th.pending.nr; i++) {
        node_init(in, i);
    }
    for (int i = 0; i < TOPO_MAX_CACHES; i++) {
        address_space_cache_init_empty(&th.cache[i].c);
        th.cache[i].kind = TCACHE_EMPTY;
        th.cache[i].node = -1;
    }
    th.bounce_max = 4096;
    address_space_set_max_bounce_buffer_size(&th.as, th.bounce_max);
    th.clients_called = th.clients_registered = 0;
    model_commit();
}

/* Release everything; every counter must come back to 0. */
static void end_input(void)
{
    AddressSpaceStats st;

    while (th.depth > 0) {
        memory_region_transaction_commit();
        th.depth--;
    }
    model_commit();
    while (th.maps->len) {
        TopoMapping *m = &g_array_index(th.maps, TopoMapping, 0);

        unmap_one(0, m->is_write ? m->len : 0);
    }
    for (int i = 0; i < TOPO_MAX_CACHES; i++) {
        cache_destroy(&th.cache[i]);
    }
    topo_check_stores();
    topo_clients_notify();
    /* A budget of 0 is never room: whoever still waits gives up. */
    while (th.clients_pending->len) {
        int id = g_array_index(th.clients_pending, int, 0);

        g_array_remove_index(th.clients_pending, 0);
        address_space_unregister_map_client(&th.as, client_cb,
                                            GINT_TO_POINTER(id));
    }

    address_space_get_stats(&th.as, &st);
    fuzz_check(st.outstanding == 0 && st.bounce_in_use == 0,
               "%" PRIu64 " mapping(s) and %" PRIu64 " bounce bytes left "
               "after every unmap",
               st.outstanding, st.bounce_in_use);
    for (int i = 0; i < th.pending.nr; i++) {
        fuzz_check(memory_region_outstanding_maps(&th.slot[i].mr) == 0,
                   "node %d: %d outstanding map(s) after every unmap", i,
                   memory_region_outstanding_maps(&th.slot[i].mr));
    }

    memory_region_transaction_begin();
    for (int i = 0; i < th.pending.nr; i++) {
        TopoNode *n = &th.pending.n[i];

        if (n->parent != TOPO_DETACHED) {
            memory_region_del_subregion(parent_mr(n->parent), &th.slot[i].mr);
            n->parent = TOPO_DETACHED;
        }
    }
    memory_region_transaction_commit();
    model_commit();
    fuzz_check(th.view.nr == 0, "the model still shows %zu ranges",
               th.view.nr);

    /* Aliases hold their targets, and always come after them. */
    for (int i = th.pending.nr - 1; i >= 0; i--) {
        TopoSlot *s = &th.slot[i];

        memory_region_finalize(&s->mr);
        if (th.pending.n[i].kind == TK_MMIO ||
            th.pending.n[i].kind == TK_ON_DEMAND) {
            topo_dev_free(&s->dev);
        }
        g_free(s->shadow);
        memset(s, 0, sizeof(*s));
    }
    topo_view_clear(&th.view);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    FuzzInput in;

    if (!th.maps) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    fuzz_input_init(&in, bytes, size);
    begin_input(&in);
    for (int ops = 0; ops < MAX_OPS && fuzz_more(&in) && th.view_ok; ops++) {
        run_op(&in);
        /*
         * Writes check every store themselves; a read, map or cache
         * that wrongly wrote somewhere is caught here a little later.
         */
        if (ops % 16 == 15) {
            topo_check_stores();
        }
    }
    end_input();
    return 0;
}
