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

#define SPACE       0x400       /* small, so regions overlap a lot */
#define MAX_NODES   24

typedef enum { N_CONT, N_LEAF, N_ALIAS } NodeKind;

typedef struct Node {
    MemoryRegion mr;
    NodeKind kind;
    int parent;                 /* index, -1 = root, -2 = detached */
    hwaddr addr;
    int priority;
    uint64_t seq;               /* model's insertion order */
    uint64_t size;
    bool enabled;
    int target;                 /* alias target index */
    hwaddr alias_offset;
    bool in_pool;               /* alias targets live outside the tree */
} Node;

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
    return 1 + g_rand_int_range(rng, 0, SPACE / 2);
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
        n->addr = g_rand_int_range(rng, 0, SPACE);
        n->priority = g_rand_int_range(rng, -1, 3);
        n->enabled = true;
        n->parent = -2;
        n->in_pool = i < pool;
        if (n->in_pool || g_rand_int_range(rng, 0, 3) != 0) {
            n->kind = g_rand_boolean(rng) ? N_CONT : N_LEAF;
        } else {
            n->kind = N_ALIAS;
            n->target = g_rand_int_range(rng, 0, pool);
            n->alias_offset = g_rand_int_range(rng, 0, SPACE / 2);
        }
        if (n->kind == N_CONT) {
            memory_region_init(&n->mr, NULL, name, n->size);
        } else if (n->kind == N_LEAF) {
            memory_region_init_reservation(&n->mr, NULL, name, n->size);
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
            continue;       /* a pool root: reachable only through aliases */
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
            n->addr = g_rand_int_range(rng, 0, SPACE);
            memory_region_set_address(&n->mr, n->addr);
        }
        break;
    case 2:
        if (n->kind == N_ALIAS) {
            n->alias_offset = g_rand_int_range(rng, 0, SPACE);
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

static void compare(int tree, int step)
{
    size_t n, k = 0;
    MemoryRegionSection *s = address_space_get_sections(&as, &n);
    hwaddr x;
    int p;

    for (p = -1; p < nr_nodes; p++) {
        kid_count[p + 1] = compute_children(p, kid_list[p + 1]);
    }

    for (x = 0; x < SPACE * 2; x++) {
        Hit hit = { 0 };
        bool m = model_root(x, &hit);
        bool found;

        while (k < n && (Int128)s[k].offset_within_address_space +
                        s[k].size <= (Int128)x) {
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
                ck_abort_msg("tree %d step %d at 0x%" PRIx64 ": model %s+0x%"
                             PRIx64 ", view %s+0x%" PRIx64, tree, step, x,
                             memory_region_name(hit.mr), hit.offset,
                             memory_region_name(s[k].mr), off);
            }
        }
    }
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
    tcase_add_loop_test(tc, test_random_trees, 0, 2);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
