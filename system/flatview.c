/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rendering a region tree into a FlatView.
 *
 * The rules are QEMU's: walk the tree with the highest-priority (and, among
 * equals, newest) subregion first; a terminating region fills what its
 * subregions left; the first piece placed at an address wins. QEMU places
 * pieces by inserting into a sorted array, which costs O(n) per piece and
 * O(n^2) for a tree of n regions.
 *
 * We split it in two passes instead:
 *  1. collect: walk the tree in QEMU's order and record every terminating
 *     piece, clipped, with its rank (the order QEMU would insert it);
 *  2. sweep: go through the pieces in address order keeping a heap of the
 *     pieces that cover the current point; the lowest rank wins, until it
 *     ends or another piece starts.
 * The result is the same view in O(n log n) (the heap). The pieces are
 * put in address order by a radix sort of 16-byte keys: qsort() of the
 * 64-byte pieces, and of their 2n boundaries, was a third of the time.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/memcore-atomic.h"
#include "memory-internal.h"

#define RENDER_MAX_DEPTH 256

/*
 * The region's flags are copied in while collect() has the region in
 * cache: the sweep visits pieces in address order, not tree order, and
 * with 10^5 regions going back to each one is a cache miss apiece.
 */
typedef struct Piece {
    MemoryRegion *mr;
    Int128 base; /* address of the region's offset 0 (may be < 0) */
    Int128 start;
    Int128 end;
    uint32_t rank;
    bool readonly;
    bool romd_mode;
    bool private_mem;
    uint8_t dirty_log_mask;
} Piece;

typedef struct RenderState {
    GArray *pieces; /* of Piece */
} RenderState;

static uint64_t flatview_generation;

static void collect(RenderState *rs, MemoryRegion *mr, Int128 base,
                    Int128 clip_start, Int128 clip_end, bool readonly,
                    unsigned depth)
{
    Int128 start, end;
    GList *l;

    if (!mr->enabled) {
        return;
    }
    if (depth > RENDER_MAX_DEPTH) {
        memcore_misuse("region tree deeper than %d at '%s' (alias cycle?)",
                       RENDER_MAX_DEPTH, mr->name);
    }
    start = base;
    end = base + mr->size;
    clip_start = int128_max(clip_start, start);
    clip_end = int128_min(clip_end, end);
    if (clip_start >= clip_end) {
        return;
    }
    readonly |= mr->readonly;

    if (mr->kind == MR_KIND_ALIAS) {
        MemoryRegion *target = mr->alias;

        /*
         * The target's offset @alias_offset lands at our start; its own
         * place in its container does not matter here.
         */
        collect(rs, target, base - (Int128)mr->alias_offset, clip_start,
                clip_end, readonly, depth + 1);
        return;
    }

    for (l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *sub = l->data;

        collect(rs, sub, base + sub->addr, clip_start, clip_end, readonly,
                depth + 1);
    }

    if (mr->kind != MR_KIND_CONTAINER) {
        Piece p = {
            .mr = mr,
            .base = base,
            .start = clip_start,
            .end = clip_end,
            .rank = rs->pieces->len,
            .readonly = readonly,
            .romd_mode = mr->romd_mode,
            .private_mem = mr->private_mem,
            .dirty_log_mask = mr->dirty_log_mask,
        };
        g_array_append_val(rs->pieces, p);
    }
}

/* ---- the sweep -------------------------------------------------------- */

/*
 * What the sweep sorts: a piece's start (below 2^64, since it is below
 * its end) and where the piece is. 16 bytes instead of a 64-byte Piece.
 */
typedef struct PieceKey {
    uint64_t start;
    uint32_t idx;
} PieceKey;

/*
 * Sort @n keys by start: least significant byte first, one stable
 * counting pass per byte. A byte that is the same in every key (most of
 * them: a device model's addresses share their high bits) costs one
 * count and no move. Returns the sorted array, @keys or @tmp.
 */
static PieceKey *sort_keys(PieceKey *keys, PieceKey *tmp, size_t n)
{
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[256] = { 0 }, pos = 0;
        PieceKey *t;

        for (size_t i = 0; i < n; i++) {
            count[(keys[i].start >> shift) & 0xff]++;
        }
        if (count[(keys[0].start >> shift) & 0xff] == n) {
            continue;
        }
        for (unsigned b = 0; b < 256; b++) {
            size_t c = count[b];

            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) {
            tmp[count[(keys[i].start >> shift) & 0xff]++] = keys[i];
        }
        t = keys;
        keys = tmp;
        tmp = t;
    }
    return keys;
}

/* A binary min-heap of pieces keyed by rank. */
typedef struct Heap {
    const Piece **v;
    size_t n;
} Heap;

static void heap_push(Heap *h, const Piece *p)
{
    size_t i = h->n++;

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (h->v[parent]->rank <= p->rank) {
            break;
        }
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = p;
}

static void heap_pop(Heap *h)
{
    const Piece *last = h->v[--h->n];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= h->n) {
            break;
        }
        if (c + 1 < h->n && h->v[c + 1]->rank < h->v[c]->rank) {
            c++;
        }
        if (last->rank <= h->v[c]->rank) {
            break;
        }
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n) {
        h->v[i] = last;
    }
}

static bool can_merge(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->start + a->size == b->start &&
           (Int128)a->offset_in_region + a->size ==
               (Int128)b->offset_in_region &&
           a->readonly == b->readonly && a->romd_mode == b->romd_mode &&
           a->private_mem == b->private_mem &&
           a->dirty_log_mask == b->dirty_log_mask;
}

static void emit(GArray *out, const Piece *p, Int128 start, Int128 end)
{
    FlatRange fr = {
        .mr = p->mr,
        .offset_in_region = (hwaddr)(start - p->base),
        .start = start,
        .size = end - start,
        .dirty_log_mask = p->dirty_log_mask,
        .romd_mode = p->romd_mode,
        .private_mem = p->private_mem,
        .readonly = p->readonly,
    };

    if (out->len) {
        FlatRange *prev = &g_array_index(out, FlatRange, out->len - 1);

        if (can_merge(prev, &fr)) {
            prev->size += fr.size;
            return;
        }
    }
    g_array_append_val(out, fr);
}

/*
 * Between two events nothing changes: the winner at @x (the lowest rank
 * among the pieces covering it) holds until it ends or the next piece
 * starts, whichever comes first. Pieces that ended under a winner are
 * dropped when they reach the top of the heap.
 */
static void sweep(GArray *pieces_arr, GArray *out)
{
    const Piece *pieces = (const Piece *)pieces_arr->data;
    size_t n = pieces_arr->len, next = 0, i;
    PieceKey *a, *b, *keys;
    Heap heap;
    Int128 x;

    if (n == 0) {
        return;
    }
    a = g_new(PieceKey, n);
    b = g_new(PieceKey, n);
    heap = (Heap){ .v = g_new(const Piece *, n), .n = 0 };
    for (i = 0; i < n; i++) {
        a[i] = (PieceKey){ .start = (uint64_t)pieces[i].start, .idx = i };
    }
    keys = sort_keys(a, b, n);

    x = keys[0].start;
    while (next < n || heap.n) {
        const Piece *top;
        Int128 y;

        if (!heap.n) {
            x = keys[next].start; /* a gap: jump to the next piece */
        }
        while (next < n && keys[next].start <= x) {
            heap_push(&heap, &pieces[keys[next++].idx]);
        }
        while (heap.n && heap.v[0]->end <= x) {
            heap_pop(&heap);
        }
        if (!heap.n) {
            continue;
        }
        top = heap.v[0];
        y = top->end;
        if (next < n && (Int128)keys[next].start < y) {
            y = keys[next].start;
        }
        emit(out, top, x, y);
        x = y;
    }
    g_free(a);
    g_free(b);
    g_free(heap.v);
}

/* ---- views ------------------------------------------------------------ */

static FlatView *flatview_alloc(MemoryRegion *root)
{
    FlatView *fv = g_new0(FlatView, 1);

    fv->refcount = 1;
    fv->root = root;
    fv->generation = qatomic_add_fetch_relaxed(&flatview_generation, 1);
    return fv;
}

FlatView *flatview_new_empty(MemoryRegion *root)
{
    return flatview_alloc(root);
}

FlatView *flatview_render(MemoryRegion *root)
{
    RenderState rs = { .pieces = g_array_new(FALSE, FALSE, sizeof(Piece)) };
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    FlatView *fv = flatview_alloc(root);
    unsigned i;

    g_assert(memory_topology_locked());
    /* The root is seen at address 0, wherever else it may be placed. */
    collect(&rs, root, 0, 0, int128_2_64(), false, 0);
    sweep(rs.pieces, out);
    g_array_free(rs.pieces, TRUE);

    fv->nr = out->len;
    fv->ranges = (FlatRange *)g_array_free(out, FALSE);
    for (i = 0; i < fv->nr; i++) {
        memory_region_ref(fv->ranges[i].mr);
    }
    return fv;
}

void flatview_ref(FlatView *fv)
{
    qatomic_fetch_add_relaxed(&fv->refcount, 1);
}

static void flatview_free(FlatView *fv)
{
    unsigned i;

    for (i = 0; i < fv->nr; i++) {
        memory_region_unref(fv->ranges[i].mr);
    }
    if (fv->dispatch) {
        dispatch_free(fv->dispatch);
    }
    g_free(fv->ranges);
    g_free(fv);
}

/*
 * Dead views wait for a grace period before they are freed. Normally the
 * call_rcu thread frees them, but it batches work and may take ~10 ms,
 * which memory_region_finalize() should not have to wait for. So each dead
 * view also sits in a graveyard that flatview_reap() empties right after
 * its own synchronize_rcu(). Whoever comes first frees the view; the
 * Grave node itself always belongs to the call_rcu callback.
 */
typedef struct Grave {
    struct rcu_head rcu;
    FlatView *fv; /* NULL once reaped early */
    uint64_t seq;
} Grave;

static GMutex grave_lock;
static GQueue graves = G_QUEUE_INIT;
static uint64_t grave_seq;

static void grave_rcu(struct rcu_head *head)
{
    Grave *g = caa_container_of(head, Grave, rcu);
    FlatView *fv;

    mc_tsan_grace_period_ended();
    g_mutex_lock(&grave_lock);
    fv = g->fv;
    if (fv) {
        g_queue_remove(&graves, g);
    }
    g_mutex_unlock(&grave_lock);
    if (fv) {
        flatview_free(fv);
    }
    g_free(g);
}

void flatview_reap(void)
{
    GQueue todo = G_QUEUE_INIT;
    uint64_t upto;
    Grave *g;

    g_mutex_lock(&grave_lock);
    upto = grave_seq;
    g_mutex_unlock(&grave_lock);
    /* Every view buried up to now is unreachable after this. */
    synchronize_rcu();
    mc_tsan_grace_period_ended();

    g_mutex_lock(&grave_lock);
    while ((g = g_queue_peek_head(&graves)) && g->seq <= upto) {
        g_queue_pop_head(&graves);
        g_queue_push_tail(&todo, g->fv);
        g->fv = NULL;
    }
    g_mutex_unlock(&grave_lock);
    while (!g_queue_is_empty(&todo)) {
        flatview_free(g_queue_pop_head(&todo));
    }
}

void flatview_unref(FlatView *fv)
{
    Grave *g;

    if (qatomic_sub_fetch_acq_rel(&fv->refcount, 1) != 0) {
        return;
    }
    /* Readers that found it before it was replaced may still use it. */
    g = g_new(Grave, 1);
    g->fv = fv;
    g_mutex_lock(&grave_lock);
    g->seq = ++grave_seq;
    g_queue_push_tail(&graves, g);
    g_mutex_unlock(&grave_lock);
    call_rcu(&g->rcu, grave_rcu);
}

bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->start == b->start && a->size == b->size &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly && a->romd_mode == b->romd_mode &&
           a->private_mem == b->private_mem &&
           a->dirty_log_mask == b->dirty_log_mask;
}

bool flatview_equal(const FlatView *a, const FlatView *b)
{
    unsigned i;

    if (a == b) {
        return true;
    }
    if (!a || !b || a->nr != b->nr) {
        return false;
    }
    for (i = 0; i < a->nr; i++) {
        if (!flatrange_equal(&a->ranges[i], &b->ranges[i])) {
            return false;
        }
    }
    return true;
}

void flatrange_to_section(const FlatRange *fr, FlatView *fv,
                          MemoryRegionSection *s)
{
    s->mr = fr->mr;
    s->fv = fv;
    s->offset_within_region = fr->offset_in_region;
    s->offset_within_address_space = (hwaddr)fr->start;
    s->size = fr->size;
    s->readonly = fr->readonly;
    s->nonvolatile = false;
}

unsigned flatview_find_from(const FlatView *fv, Int128 addr)
{
    unsigned lo = 0, hi = fv->nr;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *fr = &fv->ranges[mid];

        if (fr->start + fr->size <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

uint64_t flatview_hole_last(const FlatView *fv, hwaddr addr)
{
    unsigned i = flatview_find_from(fv, addr);

    if (i < fv->nr && fv->ranges[i].start > (Int128)addr) {
        return (uint64_t)(fv->ranges[i].start - 1);
    }
    return UINT64_MAX;
}
