/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address -> section lookup for a FlatView.
 *
 * A six-level radix table over 4 KiB pages (9 bits a level covers the 52
 * bits of page number) gives a lookup cost that depends on the address
 * width, never on how many regions exist. An entry that a single section
 * covers completely is stored at the highest level it fills, so RAM and
 * the 2^63-byte grant window cost a handful of entries. A page shared by
 * several sections points to a small sorted "subpage" list searched by
 * offset; it holds at most one entry per section boundary in that page.
 *
 * Most address spaces use a small part of the 2^64 bytes, so most nodes
 * near the root have a single entry in use. Once built, the table is
 * compacted the way QEMU compacts its map: an entry pointing at a node
 * with one entry in use is replaced by that entry, and a node entry
 * records how many levels were skipped on the way. A walk then visits
 * only the nodes where addresses really fan out (two for 10^4 pages in
 * a row, instead of six). The price is that a walk which
 * skipped a level did not look at the address bits of that level, so the
 * leaf it reaches is only a candidate: a section is checked against the
 * address range, a subpage against its page number, and a mismatch means
 * nothing is mapped there (the skipped node had nothing else).
 *
 * In front of the table sits a per-thread most-recently-used section. It
 * is tagged with the view's generation, so it can never name a section of
 * another (possibly freed) view, and being per-thread it costs readers on
 * different CPUs no shared cache line.
 *
 * The table is built once per published view and never changed, so
 * lookups need no lock: readers hold rcu_read_lock() on the view.
 */
#include <string.h>

#include "memory-internal.h"

#define PT_BITS 9
#define PT_ENTRIES (1u << PT_BITS)
#define PT_LEVELS 6

/*
 * An entry: 2 bits of tag, 3 bits of levels skipped (node entries only,
 * after compaction), 27 bits of index into nodes, sections or subpages.
 */
typedef uint32_t PTEntry;
#define PTE_NONE 0u
#define PTE_TAG_MASK (3u << 30)
#define PTE_NODE (1u << 30)
#define PTE_SEC (2u << 30)
#define PTE_SUB (3u << 30)
#define PTE_SKIP_SHIFT 27
#define PTE_SKIP_MASK (7u << PTE_SKIP_SHIFT)
#define PTE_INDEX_MASK ((1u << PTE_SKIP_SHIFT) - 1)
#define PTE_INDEX(e) ((e)&PTE_INDEX_MASK)
#define PTE_SKIP(e) (((e)&PTE_SKIP_MASK) >> PTE_SKIP_SHIFT)

typedef struct SubpageEntry {
    uint16_t offset; /* first byte in the page */
    uint32_t sec; /* section index, 0 = unassigned */
} SubpageEntry;

typedef struct Subpage {
    uint64_t page; /* which page: a compacted walk must check */
    unsigned n;
    SubpageEntry *e;
} Subpage;

struct Dispatch {
    PTEntry (*nodes)[PT_ENTRIES];
    unsigned nr_nodes, cap_nodes;
    PTEntry root; /* node 0 until compacted */
    GArray *subpages; /* of Subpage */
    DispatchSection *secs; /* [0] is "unassigned" */
    unsigned nr_secs;
};

static __thread struct {
    uint64_t generation;
    const DispatchSection *sec;
} mru __attribute__((tls_model("initial-exec")));

/* ---- building ---------------------------------------------------------- */

static unsigned pt_new_node(Dispatch *d)
{
    if (d->nr_nodes == d->cap_nodes) {
        d->cap_nodes = d->cap_nodes ? d->cap_nodes * 2 : 8;
        d->nodes = g_realloc_n(d->nodes, d->cap_nodes, sizeof(*d->nodes));
    }
    memset(d->nodes[d->nr_nodes], 0, sizeof(d->nodes[0]));
    return d->nr_nodes++;
}

/* Pages covered by one entry at @level. */
static inline uint64_t level_span(unsigned level)
{
    return 1ULL << (PT_BITS * level);
}

static unsigned pt_child(Dispatch *d, unsigned node, unsigned idx)
{
    PTEntry e = d->nodes[node][idx];
    unsigned child;

    if ((e & PTE_TAG_MASK) == PTE_NODE) {
        return PTE_INDEX(e);
    }
    g_assert(e == PTE_NONE);
    child = pt_new_node(d);
    d->nodes[node][idx] = PTE_NODE | child;
    return child;
}

/* Point pages [first, end) at @leaf; they belong to nobody else. */
static void pt_set(Dispatch *d, unsigned node, unsigned level,
                   uint64_t node_base, uint64_t first, uint64_t end,
                   PTEntry leaf)
{
    uint64_t span = level_span(level);
    uint64_t i = (first - node_base) / span;
    uint64_t last_i = (end - 1 - node_base) / span;

    for (; i <= last_i; i++) {
        uint64_t es = node_base + i * span, ee = es + span;

        if (first <= es && end >= ee) {
            g_assert(d->nodes[node][i] == PTE_NONE);
            d->nodes[node][i] = leaf;
        } else {
            unsigned child = pt_child(d, node, i);

            pt_set(d, child, level - 1, es, MAX(first, es), MIN(end, ee),
                   leaf);
        }
    }
}

/* The level-0 entry of @page, creating nodes on the way. */
static PTEntry *pt_leaf_slot(Dispatch *d, uint64_t page)
{
    unsigned node = 0;
    int level;

    for (level = PT_LEVELS - 1; level > 0; level--) {
        unsigned idx = (page >> (PT_BITS * level)) & (PT_ENTRIES - 1);

        node = pt_child(d, node, idx);
    }
    return &d->nodes[node][page & (PT_ENTRIES - 1)];
}

/* Sections come in address order, so a subpage only ever grows at its end. */
static void subpage_add(Dispatch *d, uint64_t page, unsigned from, unsigned to,
                        uint32_t sec)
{
    PTEntry *slot = pt_leaf_slot(d, page);
    Subpage *sp;

    if (*slot == PTE_NONE) {
        Subpage fresh = { .page = page, .n = 1, .e = g_new(SubpageEntry, 1) };

        fresh.e[0] = (SubpageEntry){ .offset = 0, .sec = 0 };
        g_array_append_val(d->subpages, fresh);
        *slot = PTE_SUB | (d->subpages->len - 1);
    }
    g_assert((*slot & PTE_TAG_MASK) == PTE_SUB);
    sp = &g_array_index(d->subpages, Subpage, PTE_INDEX(*slot));

    sp->e = g_renew(SubpageEntry, sp->e, sp->n + 2);
    if (sp->e[sp->n - 1].offset == from) {
        sp->e[sp->n - 1].sec = sec;
    } else {
        sp->e[sp->n++] = (SubpageEntry){ .offset = from, .sec = sec };
    }
    if (to < MC_PAGE_SIZE) {
        sp->e[sp->n++] = (SubpageEntry){ .offset = to, .sec = 0 };
    }
}

static void classify(DispatchSection *ds, const FlatRange *fr)
{
    MemoryRegion *mr = fr->mr;

    ds->fr = fr;
    ds->start = (uint64_t)fr->start;
    ds->last = (uint64_t)(fr->start + fr->size - 1);
    ds->private_mem = fr->private_mem;

    switch (mr->kind) {
    case MR_KIND_RAM:
        if (mr->ram_device) {
            /* Device memory: sized accesses and bounce buffers. */
            ds->read_kind = SEC_MMIO;
            ds->write_kind = fr->readonly ? SEC_READONLY : SEC_MMIO;
            break;
        }
        ds->read_kind = SEC_RAM;
        ds->write_kind = (fr->readonly || mr->rom) ? SEC_READONLY : SEC_RAM;
        ds->host_base = (uintptr_t)(mr->ram_block + fr->offset_in_region) -
                        (uintptr_t)ds->start;
        break;
    case MR_KIND_ROM_DEVICE:
        ds->read_kind = fr->romd_mode ? SEC_RAM : SEC_MMIO;
        ds->write_kind = fr->readonly ? SEC_READONLY : SEC_MMIO;
        ds->host_base = (uintptr_t)(mr->ram_block + fr->offset_in_region) -
                        (uintptr_t)ds->start;
        break;
    case MR_KIND_IO:
        ds->read_kind = SEC_MMIO;
        ds->write_kind = fr->readonly ? SEC_READONLY : SEC_MMIO;
        break;
    case MR_KIND_MAP_ON_DEMAND:
        ds->read_kind = SEC_ON_DEMAND;
        ds->write_kind = fr->readonly ? SEC_READONLY : SEC_ON_DEMAND;
        break;
    case MR_KIND_IOMMU:
        ds->read_kind = SEC_IOMMU;
        ds->write_kind = fr->readonly ? SEC_READONLY : SEC_IOMMU;
        break;
    default:
        ds->read_kind = ds->write_kind = SEC_UNASSIGNED;
        break;
    }
    ds->fast_read = ds->read_kind == SEC_RAM && !ds->private_mem;
    ds->fast_write = ds->write_kind == SEC_RAM && !ds->private_mem;
    /* The classification of the ops is done once here, not per access. */
    ds->mmio_direct_read = ds->read_kind == SEC_MMIO ?
                               mmio_direct_sizes(mr, false) :
                               0;
    ds->mmio_direct_write = ds->write_kind == SEC_MMIO ?
                                mmio_direct_sizes(mr, true) :
                                0;
}

static void dispatch_add_section(Dispatch *d, uint32_t idx)
{
    const DispatchSection *ds = &d->secs[idx];
    Int128 start = ds->start, end = (Int128)ds->last + 1;
    uint64_t first_full = (uint64_t)((start + MC_PAGE_SIZE - 1) >>
                                     MC_PAGE_BITS);
    uint64_t end_full = (uint64_t)(end >> MC_PAGE_BITS);
    uint64_t head_page = (uint64_t)(start >> MC_PAGE_BITS);
    uint64_t tail_page = (uint64_t)(end >> MC_PAGE_BITS);
    unsigned head_off = (unsigned)(start & (MC_PAGE_SIZE - 1));
    unsigned tail_off = (unsigned)(end & (MC_PAGE_SIZE - 1));

    if (head_page == tail_page && tail_off) {
        /* Begins and ends inside one page. */
        subpage_add(d, head_page, head_off, tail_off, idx);
        return;
    }
    if (head_off) {
        subpage_add(d, head_page, head_off, MC_PAGE_SIZE, idx);
    }
    if (first_full < end_full) {
        pt_set(d, 0, PT_LEVELS - 1, 0, first_full, end_full, PTE_SEC | idx);
    }
    if (tail_off) {
        subpage_add(d, tail_page, 0, tail_off, idx);
    }
}

/*
 * Compact the subtree under entry @e and return what should replace @e:
 * a node whose only entry in use is @only stands aside for it, and @only
 * takes over the levels @e skipped plus one. Leaves carry no count: a
 * walk stops at a leaf whatever the level, and checks it.
 */
/*
 * The first entry at or after @i in use, or PT_ENTRIES. Most nodes have
 * one or a few entries in use out of 512, so the empty stretches are
 * skipped eight entries (32 bytes) at a time: a small address space is
 * set up about twice as fast.
 */
static unsigned pt_next_used(const PTEntry *n, unsigned i)
{
    for (; i < PT_ENTRIES && (i & 7); i++) {
        if (n[i] != PTE_NONE) {
            return i;
        }
    }
    for (; i < PT_ENTRIES; i += 8) {
        uint64_t w[4];

        memcpy(w, &n[i], sizeof(w));
        if (w[0] | w[1] | w[2] | w[3]) {
            break;
        }
    }
    for (; i < PT_ENTRIES; i++) {
        if (n[i] != PTE_NONE) {
            return i;
        }
    }
    return PT_ENTRIES;
}

static PTEntry pt_compact(Dispatch *d, PTEntry e)
{
    PTEntry only = PTE_NONE;
    unsigned used = 0, node, i;

    if ((e & PTE_TAG_MASK) != PTE_NODE) {
        return e;
    }
    node = PTE_INDEX(e);
    for (i = pt_next_used(d->nodes[node], 0); i < PT_ENTRIES;
         i = pt_next_used(d->nodes[node], i + 1)) {
        PTEntry c = d->nodes[node][i];

        c = pt_compact(d, c);
        d->nodes[node][i] = c;
        used++;
        only = c;
    }
    if (used != 1) {
        return e;
    }
    if ((only & PTE_TAG_MASK) == PTE_NODE) {
        /* Levels of the address this walk will not look at. */
        return only + ((1 + PTE_SKIP(e)) << PTE_SKIP_SHIFT);
    }
    return only;
}

Dispatch *dispatch_build(FlatView *fv)
{
    Dispatch *d = g_new0(Dispatch, 1);
    unsigned i;

    if (fv->nr >= PTE_INDEX_MASK) {
        memcore_misuse("%u flat ranges is more than dispatch handles", fv->nr);
    }
    d->subpages = g_array_new(FALSE, FALSE, sizeof(Subpage));
    d->nr_secs = fv->nr + 1;
    d->secs = g_new0(DispatchSection, d->nr_secs);
    /*
     * An empty range, so that "start <= addr <= last" fails. Beware that
     * the wrapping form "addr - start <= last - start" used on the hot
     * paths does not: callers tell this section by its NULL ->fr.
     */
    d->secs[0].start = 1;
    d->secs[0].last = 0;
    pt_new_node(d);
    for (i = 0; i < fv->nr; i++) {
        classify(&d->secs[i + 1], &fv->ranges[i]);
        dispatch_add_section(d, i + 1);
    }
    if (d->nr_nodes > PTE_INDEX_MASK || d->subpages->len > PTE_INDEX_MASK) {
        memcore_misuse("%u flat ranges need more dispatch nodes than fit",
                       fv->nr);
    }
    d->root = pt_compact(d, PTE_NODE | 0);
    return d;
}

void dispatch_free(Dispatch *d)
{
    unsigned i;

    for (i = 0; i < d->subpages->len; i++) {
        g_free(g_array_index(d->subpages, Subpage, i).e);
    }
    g_array_free(d->subpages, TRUE);
    g_free(d->nodes);
    g_free(d->secs);
    g_free(d);
}

/* ---- lookup ------------------------------------------------------------ */

static const DispatchSection *subpage_lookup(const Dispatch *d, PTEntry e,
                                             hwaddr addr)
{
    const Subpage *sp = &g_array_index(d->subpages, Subpage, PTE_INDEX(e));
    unsigned off = addr & (MC_PAGE_SIZE - 1);
    unsigned lo = 0, hi = sp->n;

    if (sp->page != addr >> MC_PAGE_BITS) {
        return &d->secs[0]; /* reached by skipping; not this page */
    }

    /* Find the last entry whose offset is <= off; entry 0 has offset 0. */
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;

        if (sp->e[mid].offset <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return &d->secs[sp->e[lo].sec];
}

static const DispatchSection *pt_walk(const Dispatch *d, hwaddr addr)
{
    uint64_t page = addr >> MC_PAGE_BITS;
    PTEntry e = d->root;
    int level = PT_LEVELS;
    const DispatchSection *ds;

    /* A node entry at @level names the node that covers level - 1. */
    while ((e & PTE_TAG_MASK) == PTE_NODE) {
        unsigned idx;

        level -= 1 + PTE_SKIP(e);
        idx = (page >> (PT_BITS * level)) & (PT_ENTRIES - 1);
        e = d->nodes[PTE_INDEX(e)][idx];
    }
    switch (e & PTE_TAG_MASK) {
    case PTE_SEC:
        ds = &d->secs[PTE_INDEX(e)];
        /* Reached by skipping levels, it may not be ours: check. */
        return addr - ds->start <= ds->last - ds->start ? ds : &d->secs[0];
    case PTE_SUB:
        return subpage_lookup(d, e, addr);
    default:
        return &d->secs[0];
    }
}

const DispatchSection *dispatch_lookup(const FlatView *fv, hwaddr addr)
{
    const DispatchSection *ds = mru.sec;

    if (likely(mru.generation == fv->generation &&
               addr - ds->start <= ds->last - ds->start)) {
        return ds;
    }
    ds = pt_walk(fv->dispatch, addr);
    if (ds->fr) {
        mru.generation = fv->generation;
        mru.sec = ds;
    }
    return ds;
}
