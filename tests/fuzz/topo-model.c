/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology fuzzer's brute-force rendering model; see topo-model.h.
 * Written for clarity, not speed: trees have at most TOPO_MAX_NODES
 * regions.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "topo-model.h"

/* Children of every parent, in rendering order; index parent + 1. */
typedef struct Kids {
    int list[TOPO_MAX_NODES + 1][TOPO_MAX_NODES];
    int count[TOPO_MAX_NODES + 1];
} Kids;

/* Does @a come before @b among siblings? */
static bool renders_first(const TopoNode *a, const TopoNode *b)
{
    if (a->priority != b->priority) {
        return a->priority > b->priority;
    }
    return a->seq > b->seq;
}

static void kids_compute(const TopoTree *t, Kids *k)
{
    memset(k->count, 0, sizeof(k->count));
    for (int i = 0; i < t->nr; i++) {
        int p = t->n[i].parent;
        int *list, n;

        if (p == TOPO_DETACHED) {
            continue;
        }
        list = k->list[p + 1];
        n = k->count[p + 1]++;
        /* Insertion sort: the list is tiny. */
        while (n > 0 && renders_first(&t->n[i], &t->n[list[n - 1]])) {
            list[n] = list[n - 1];
            n--;
        }
        list[n] = i;
    }
}

static inline Int128 max128(Int128 a, Int128 b)
{
    return a > b ? a : b;
}

static inline Int128 min128(Int128 a, Int128 b)
{
    return a < b ? a : b;
}

/* ---- what serves one address ------------------------------------------ */

static bool at_node(const TopoTree *t, const Kids *k, int idx, Int128 base,
                    Int128 cs, Int128 ce, bool ro, Int128 x, TopoHit *hit)
{
    const TopoNode *n = &t->n[idx];

    if (!n->enabled) {
        return false;
    }
    cs = max128(cs, base);
    ce = min128(ce, base + n->size);
    if (x < cs || x >= ce) {
        return false;
    }
    ro |= n->readonly;
    if (n->kind == TK_ALIAS) {
        return at_node(t, k, n->target, base - (Int128)n->alias_offset, cs, ce,
                       ro, x, hit);
    }
    for (int i = 0; i < k->count[idx + 1]; i++) {
        int c = k->list[idx + 1][i];

        if (at_node(t, k, c, base + (Int128)t->n[c].addr, cs, ce, ro, x,
                    hit)) {
            return true;
        }
    }
    if (n->kind == TK_CONTAINER) {
        return false;
    }
    hit->node = idx;
    hit->offset = (hwaddr)(x - base);
    hit->readonly = ro;
    return true;
}

static void at_root(const TopoTree *t, const Kids *k, Int128 x, TopoHit *hit)
{
    for (int i = 0; i < k->count[0]; i++) {
        int c = k->list[0][i];

        if (at_node(t, k, c, (Int128)t->n[c].addr, 0, int128_2_64(), false, x,
                    hit)) {
            return;
        }
    }
    hit->node = -1;
    hit->offset = 0;
    hit->readonly = false;
}

void topo_model_at(const TopoTree *t, Int128 x, TopoHit *hit)
{
    Kids k;

    kids_compute(t, &k);
    at_root(t, &k, x, hit);
}

/* ---- the model's flat view -------------------------------------------- */

typedef struct Points {
    GArray *a; /* of Int128 */
    unsigned instances;
} Points;

/* Note where every visible instance of @idx and its subtree begins/ends. */
static bool walk(const TopoTree *t, const Kids *k, int idx, Int128 base,
                 Int128 cs, Int128 ce, Points *p)
{
    const TopoNode *n = &t->n[idx];

    if (++p->instances > TOPO_MAX_INSTANCES) {
        return false;
    }
    if (!n->enabled) {
        return true;
    }
    cs = max128(cs, base);
    ce = min128(ce, base + n->size);
    if (cs >= ce) {
        return true;
    }
    g_array_append_val(p->a, cs);
    g_array_append_val(p->a, ce);
    if (n->kind == TK_ALIAS) {
        return walk(t, k, n->target, base - (Int128)n->alias_offset, cs, ce,
                    p);
    }
    for (int i = 0; i < k->count[idx + 1]; i++) {
        int c = k->list[idx + 1][i];

        if (!walk(t, k, c, base + (Int128)t->n[c].addr, cs, ce, p)) {
            return false;
        }
    }
    return true;
}

static int cmp128(const void *a, const void *b)
{
    Int128 x = *(const Int128 *)a, y = *(const Int128 *)b;

    return x < y ? -1 : x > y;
}

static bool continues(const TopoRange *prev, Int128 start, const TopoHit *h)
{
    return prev->hit.node == h->node && prev->hit.readonly == h->readonly &&
           prev->start + prev->size == start &&
           (Int128)prev->hit.offset + prev->size == (Int128)h->offset;
}

void topo_view_clear(TopoView *v)
{
    g_free(v->r);
    v->r = NULL;
    v->nr = 0;
}

bool topo_model_render(const TopoTree *t, TopoView *v)
{
    Points p = { .a = g_array_new(FALSE, FALSE, sizeof(Int128)) };
    GArray *out = g_array_new(FALSE, FALSE, sizeof(TopoRange));
    bool ok = true;
    Kids k;

    topo_view_clear(v);
    kids_compute(t, &k);
    for (int i = 0; i < k.count[0] && ok; i++) {
        int c = k.list[0][i];

        ok = walk(t, &k, c, (Int128)t->n[c].addr, 0, int128_2_64(), &p);
    }
    if (ok && p.a->len) {
        Int128 *pts = (Int128 *)p.a->data;

        qsort(pts, p.a->len, sizeof(Int128), cmp128);
        for (guint i = 0; i + 1 < p.a->len; i++) {
            TopoHit h;

            if (pts[i] == pts[i + 1]) {
                continue;
            }
            at_root(t, &k, pts[i], &h);
            if (h.node < 0) {
                continue;
            }
            if (out->len &&
                continues(&g_array_index(out, TopoRange, out->len - 1), pts[i],
                          &h)) {
                g_array_index(out, TopoRange, out->len - 1).size +=
                    pts[i + 1] - pts[i];
            } else {
                TopoRange r = {
                    .start = pts[i],
                    .size = pts[i + 1] - pts[i],
                    .hit = h,
                };

                g_array_append_val(out, r);
            }
        }
    }
    g_array_free(p.a, TRUE);
    v->nr = ok ? out->len : 0;
    v->r = (TopoRange *)g_array_free(out, FALSE);
    return ok;
}

void topo_view_lookup(const TopoView *v, hwaddr x, TopoHit *hit, Int128 *run)
{
    size_t lo = 0, hi = v->nr;

    /* First range that ends above x. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v->r[mid].start + v->r[mid].size <= (Int128)x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < v->nr && v->r[lo].start <= (Int128)x) {
        const TopoRange *r = &v->r[lo];

        *hit = r->hit;
        hit->offset += (hwaddr)((Int128)x - r->start);
        *run = r->start + r->size - (Int128)x;
        return;
    }
    hit->node = -1;
    hit->offset = 0;
    hit->readonly = false;
    *run = (lo < v->nr ? v->r[lo].start : int128_2_64()) - (Int128)x;
}

/* ---- rules the harness must respect ------------------------------------ */

static bool reaches(const TopoTree *t, int from, int target, unsigned *seen)
{
    if (from == target) {
        return true;
    }
    if (*seen & (1u << from)) {
        return false;
    }
    *seen |= 1u << from;
    if (t->n[from].kind == TK_ALIAS &&
        reaches(t, t->n[from].target, target, seen)) {
        return true;
    }
    for (int i = 0; i < t->nr; i++) {
        if (t->n[i].parent == from && reaches(t, i, target, seen)) {
            return true;
        }
    }
    return false;
}

bool topo_model_would_cycle(const TopoTree *t, int parent, int sub)
{
    unsigned seen = 0;

    if (parent == TOPO_ROOT) {
        return false; /* the root is nobody's child or target */
    }
    return reaches(t, sub, parent, &seen);
}

bool topo_model_is_below(const TopoTree *t, int idx, int anc)
{
    for (int guard = 0; idx >= 0 && guard <= TOPO_MAX_NODES; guard++) {
        if (idx == anc) {
            return true;
        }
        idx = t->n[idx].parent;
    }
    return false;
}
