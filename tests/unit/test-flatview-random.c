/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Randomized differential test of rendering.
 *
 * Thousands of random trees (containers, terminating regions, aliases,
 * priorities) go through random changes (enable/disable, moves, alias
 * offset changes, removal and re-adding). After every change the flat view
 * is compared, at every interesting address, with a brute-force model that
 * applies the rendering rules directly: walk the tree in priority order
 * (newest first among equals), the first terminating region that covers
 * the address, inside every ancestor's bounds, wins.
 *
 * The model keeps its own record of parents, priorities and insertion
 * order; it does not look at memcore's sorted sibling lists.
 */
#include "unit-helpers.h"

/*
 * Two scales: a small space where everything lives inside a few pages
 * (dispatch's sub-page lists), and a large one with page-sized pieces
 * (its radix table). Small either way, so that regions overlap a lot.
 */
static uint64_t SPACE;
static uint64_t GRAN; /* sizes and addresses are multiples of this */
#define MAX_NODES 24

typedef enum {
    N_CONT,
    N_LEAF,
    N_ALIAS
} NodeKind;

typedef struct Node {
    MemoryRegion mr;
    NodeKind kind;
    int parent; /* index, -1 = root, -2 = detached */
    hwaddr addr;
    int priority;
    uint64_t seq; /* model's insertion order */
    uint64_t size;
    bool enabled;
    int target; /* alias target index */
    hwaddr alias_offset;
    bool in_pool; /* alias targets live outside the tree */
    uint8_t *backing; /* leaves are RAM over a known pattern */
} Node;

/* The byte a leaf holds at @off: tells region and offset apart. */
static uint8_t pattern(int idx, uint64_t off)
{
    return (uint8_t)(idx * 37 + off * 5 + (off >> 8) * 11);
}

static Node nodes[MAX_NODES];
static int nr_nodes;
static uint64_t seq;
static MemoryRegion root;
static AddressSpace as;
static GRand *rng;

/* ---- the model ----------------------------------------------------------- */

typedef struct Hit {
    MemoryRegion *mr;
    hwaddr offset;
} Hit;

static bool model_at(int idx, Int128 base, Int128 cs, Int128 ce, Int128 x,
                     Hit *hit);

/* Children lists, recomputed once per comparison: [parent + 1]. */
static int kid_list[MAX_NODES + 1][MAX_NODES];
static int kid_count[MAX_NODES + 1];

/* Children of @parent in rendering order: priority desc, newest first. */
static int compute_children(int parent, int *out)
{
    int n = 0, i, j;

    for (i = 0; i < nr_nodes; i++) {
        if (nodes[i].parent == parent) {
            out[n++] = i;
        }
    }
    for (i = 1; i < n; i++) {
        for (j = i; j > 0; j--) {
            Node *a = &nodes[out[j - 1]], *b = &nodes[out[j]];

            if (a->priority > b->priority ||
                (a->priority == b->priority && a->seq > b->seq)) {
                break;
            }
            int t = out[j - 1];
            out[j - 1] = out[j];
            out[j] = t;
        }
    }
    return n;
}

static bool model_at(int idx, Int128 base, Int128 cs, Int128 ce, Int128 x,
                     Hit *hit)
{
    Node *n = &nodes[idx];
    int nk, i, *kids;

    if (!n->enabled) {
        return false;
    }
    cs = MAX(cs, base);
    ce = MIN(ce, base + (Int128)n->size);
    if (x < cs || x >= ce) {
        return false;
    }
    if (n->kind == N_ALIAS) {
        return model_at(n->target, base - (Int128)n->alias_offset, cs, ce, x,
                        hit);
    }
    nk = kid_count[idx + 1];
    kids = kid_list[idx + 1];
    for (i = 0; i < nk; i++) {
        if (model_at(kids[i], base + nodes[kids[i]].addr, cs, ce, x, hit)) {
            return true;
        }
    }
    if (n->kind == N_LEAF) {
        hit->mr = &n->mr;
        hit->offset = (hwaddr)(x - base);
        return true;
    }
    return false;
}

static bool model_root(Int128 x, Hit *hit)
{
    int nk = kid_count[0], *kids = kid_list[0], i;

    for (i = 0; i < nk; i++) {
        if (model_at(kids[i], nodes[kids[i]].addr, 0, SPACE * 4, x, hit)) {
            return true;
        }
    }
    return false;
}

/* ---- building random trees ---------------------------------------------- */

static uint64_t rand_size(void)
{
    return GRAN * (1 + g_rand_int_range(rng, 0, SPACE / 2 / GRAN));
}

/* An address or offset below @limit; sometimes off the granule. */
static uint64_t rand_addr(uint64_t limit)
{
    uint64_t a = GRAN * g_rand_int_range(rng, 0, limit / GRAN);

    if (g_rand_int_range(rng, 0, 8) == 0) {
        a += g_rand_int_range(rng, 0, GRAN);
    }
    return a;
}

static void attach(int idx, int parent)
{
    Node *n = &nodes[idx];
    MemoryRegion *pmr = parent < 0 ? &root : &nodes[parent].mr;

    n->parent = parent;
    n->seq = ++seq;
    memory_region_add_subregion_overlap(pmr, n->addr, &n->mr, n->priority);
}

static void detach(int idx)
{
    Node *n = &nodes[idx];
    MemoryRegion *pmr = n->parent < 0 ? &root : &nodes[n->parent].mr;

    memory_region_del_subregion(pmr, &n->mr);
    n->parent = -2;
}

static bool is_descendant(int idx, int anc)
{
    while (idx >= 0) {
        if (idx == anc) {
            return true;
        }
        idx = nodes[idx].parent;
    }
    return false;
}

static void build_tree(void)
{
    int i, pool = g_rand_int_range(rng, 1, 5);

    nr_nodes = g_rand_int_range(rng, pool + 2, MAX_NODES);
    for (i = 0; i < nr_nodes; i++) {
        Node *n = &nodes[i];
        char name[16];

        memset(n, 0, sizeof(*n));
        snprintf(name, sizeof(name), "n%d", i);
        n->size = rand_size();
        n->addr = rand_addr(SPACE);
        n->priority = g_rand_int_range(rng, -1, 3);
        n->enabled = true;
        n->parent = -2;
        n->in_pool = i < pool;
        if (n->in_pool || g_rand_int_range(rng, 0, 3) != 0) {
            n->kind = g_rand_boolean(rng) ? N_CONT : N_LEAF;
        } else {
            n->kind = N_ALIAS;
            n->target = g_rand_int_range(rng, 0, pool);
            n->alias_offset = rand_addr(SPACE / 2);
        }
        if (n->kind == N_CONT) {
            memory_region_init(&n->mr, NULL, name, n->size);
        } else if (n->kind == N_LEAF) {
            n->backing = g_malloc(n->size);
            for (uint64_t o = 0; o < n->size; o++) {
                n->backing[o] = pattern(i, o);
            }
            memory_region_init_ram_ptr(&n->mr, NULL, name, n->size,
                                       n->backing);
        } else {
            memory_region_init_alias(&n->mr, NULL, name, &nodes[n->target].mr,
                                     n->alias_offset, n->size);
        }
    }
    memory_region_transaction_begin();
    for (i = 0; i < nr_nodes; i++) {
        Node *n = &nodes[i];
        int parent = -1;

        if (i > 0 && g_rand_boolean(rng)) {
            /* A container created earlier, in the same half (pool or tree). */
            int c = g_rand_int_range(rng, 0, i);

            if (nodes[c].kind == N_CONT && nodes[c].in_pool == n->in_pool &&
                nodes[c].parent != -2) {
                parent = c;
            }
        }
        if (n->in_pool && parent == -1) {
            continue; /* a pool root: reachable only through aliases */
        }
        attach(i, parent);
    }
    memory_region_transaction_commit();
}

static void destroy_tree(void)
{
    int i;

    memory_region_transaction_begin();
    for (i = nr_nodes - 1; i >= 0; i--) {
        if (nodes[i].parent != -2) {
            detach(i);
        }
    }
    memory_region_transaction_commit();
    for (i = nr_nodes - 1; i >= 0; i--) {
        memory_region_finalize(&nodes[i].mr);
        g_free(nodes[i].backing);
    }
}

static void random_change(void)
{
    int i = g_rand_int_range(rng, 0, nr_nodes);
    Node *n = &nodes[i];

    switch (g_rand_int_range(rng, 0, 5)) {
    case 0:
        n->enabled = !n->enabled;
        memory_region_set_enabled(&n->mr, n->enabled);
        break;
    case 1:
        if (n->parent != -2) {
            n->addr = rand_addr(SPACE);
            memory_region_set_address(&n->mr, n->addr);
        }
        break;
    case 2:
        if (n->kind == N_ALIAS) {
            n->alias_offset = rand_addr(SPACE);
            memory_region_set_alias_offset(&n->mr, n->alias_offset);
        }
        break;
    case 3:
        if (n->parent != -2 && !n->in_pool) {
            /* Remove and re-add: becomes the newest among its siblings. */
            int parent = n->parent;

            memory_region_transaction_begin();
            detach(i);
            n->priority = g_rand_int_range(rng, -1, 3);
            attach(i, parent);
            memory_region_transaction_commit();
        }
        break;
    case 4:
        if (n->parent != -2 && !n->in_pool) {
            /* Move to another container of the tree, or to the root. */
            int c = g_rand_int_range(rng, -1, nr_nodes);

            if (c >= 0 && (nodes[c].kind != N_CONT || nodes[c].in_pool ||
                           nodes[c].parent == -2 || is_descendant(c, i))) {
                break;
            }
            memory_region_transaction_begin();
            detach(i);
            attach(i, c);
            memory_region_transaction_commit();
        }
        break;
    }
}

/* What a one-byte read through dispatch gives must match the model too. */
static void check_dispatch(int tree, int step, hwaddr x, const Hit *hit)
{
    MemTxResult r;
    uint8_t v = address_space_ldub(&as, x, ATTRS, &r);
    int idx = hit ? (int)((Node *)hit->mr - nodes) : -1;

    if (!hit || nodes[idx].kind != N_LEAF) {
        if (r != MEMTX_DECODE_ERROR) {
            ck_abort_msg("tree %d step %d: read at 0x%" PRIx64 " gave %u, "
                         "expected a decode error",
                         tree, step, x, r);
        }
        return;
    }
    if (r != MEMTX_OK || v != pattern(idx, hit->offset)) {
        ck_abort_msg("tree %d step %d: read at 0x%" PRIx64 " gave %u/0x%02x, "
                     "expected %s+0x%" PRIx64,
                     tree, step, x, r, v, memory_region_name(hit->mr),
                     hit->offset);
    }
}

static void compare(int tree, int step)
{
    size_t n, k = 0;
    MemoryRegionSection *s = address_space_get_sections(&as, &n);
    GArray *points = g_array_new(FALSE, FALSE, sizeof(hwaddr));
    hwaddr x;
    int p;
    guint i;

    for (p = -1; p < nr_nodes; p++) {
        kid_count[p + 1] = compute_children(p, kid_list[p + 1]);
    }

    for (x = 0; x < SPACE * 2; x += x % GRAN == 1 ? GRAN - 2 : 1) {
        /* Around every granule boundary, and everything at small scale. */
        Hit hit = { 0 };
        bool m = model_root(x, &hit);
        bool found;

        g_array_append_val(points, x);
        while (k < n && (Int128)s[k].offset_within_address_space + s[k].size <=
                            (Int128)x) {
            k++;
        }
        found = k < n && (Int128)s[k].offset_within_address_space <= x;
        /* Plain ifs: Check writes to a pipe on every ck_assert. */
        if (m != found) {
            ck_abort_msg("tree %d step %d at 0x%" PRIx64 ": model %s, view %s",
                         tree, step, x,
                         m ? memory_region_name(hit.mr) : "hole",
                         found ? memory_region_name(s[k].mr) : "hole");
        }
        if (m) {
            hwaddr off = s[k].offset_within_region +
                         (x - s[k].offset_within_address_space);

            if (s[k].mr != hit.mr || off != hit.offset) {
                ck_abort_msg("tree %d step %d at 0x%" PRIx64
                             ": model %s+0x%" PRIx64 ", view %s+0x%" PRIx64,
                             tree, step, x, memory_region_name(hit.mr),
                             hit.offset, memory_region_name(s[k].mr), off);
            }
        }
    }
    /*
     * Reads through dispatch, in random order: in address order the
     * per-thread MRU section would answer most lookups and hide a broken
     * radix table.
     */
    for (i = points->len; i > 1; i--) {
        guint j = g_rand_int_range(rng, 0, i);
        hwaddr t = g_array_index(points, hwaddr, i - 1);

        g_array_index(points, hwaddr, i - 1) = g_array_index(points, hwaddr,
                                                             j);
        g_array_index(points, hwaddr, j) = t;
    }
    for (i = 0; i < points->len; i++) {
        Hit hit = { 0 };

        x = g_array_index(points, hwaddr, i);
        check_dispatch(tree, step, x, model_root(x, &hit) ? &hit : NULL);
    }
    g_array_free(points, TRUE);

    /* The view must also be minimal: mergeable neighbours are merged. */
    for (k = 1; k < n; k++) {
        bool contiguous = (Int128)s[k - 1].offset_within_address_space +
                              s[k - 1].size ==
                          (Int128)s[k].offset_within_address_space;
        bool same = s[k - 1].mr == s[k].mr &&
                    (Int128)s[k - 1].offset_within_region + s[k - 1].size ==
                        (Int128)s[k].offset_within_region &&
                    s[k - 1].readonly == s[k].readonly;

        if (contiguous && same) {
            ck_abort_msg("tree %d step %d: unmerged neighbours at 0x%" PRIx64,
                         tree, step, s[k].offset_within_address_space);
        }
    }
    g_free(s);
}

START_TEST(test_random_trees)
{
    int tree, step, trees = 2000;
    const char *env = getenv("MEMCORE_RANDOM_TREES");

    if (env) {
        trees = atoi(env);
    }
    /*
     * Loop 0: inside one page (sub-page lists); 1: every byte of a few
     * pages, so pieces start and end anywhere across page boundaries;
     * 2: page-granular pieces over many pages (the radix table).
     */
    static const struct {
        uint64_t space, gran;
        int div;
    } scales[] = {
        { 0x400, 1, 1 },
        { 0x2000, 1, 16 },
        { 0x40000, 0x1000, 8 },
    };
    SPACE = scales[_i].space;
    GRAN = scales[_i].gran;
    trees /= scales[_i].div;
    rng = g_rand_new_with_seed(0x6d656d63 + _i);
    memory_region_init(&root, NULL, "root", SPACE * 4);
    address_space_init(&as, &root, "random");
    for (tree = 0; tree < trees; tree++) {
        build_tree();
        compare(tree, 0);
        for (step = 1; step <= 12; step++) {
            random_change();
            compare(tree, step);
        }
        destroy_tree();
    }
    address_space_destroy(&as);
    g_rand_free(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flatview-random");
    TCase *tc = tcase_create("differential");

    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_random_trees, 0, 3);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
