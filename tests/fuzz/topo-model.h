/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A brute-force model of QEMU's rendering rules, for the topology fuzzer.
 *
 * The model knows nothing of memcore's data structures: it keeps its own
 * copy of every region's parent, place, priority, insertion order, size,
 * flags and alias target, and answers "what serves address x?" by
 * applying the rules literally:
 *  - a disabled region, and everything below it, vanishes;
 *  - a region is clipped to its own extent and to every ancestor's;
 *  - among siblings the highest priority wins, and among equal
 *    priorities the one added last;
 *  - an alias shows its target from the alias offset, clipped to itself;
 *  - a region that is not a container serves what its subregions leave;
 *  - readonly on a region or an alias applies to everything shown
 *    through it.
 * From that it builds its own flat view by asking at every point where
 * some region starts or ends, and merging neighbours that continue the
 * same region with the same flags.
 */
#ifndef TESTS_FUZZ_TOPO_MODEL_H
#define TESTS_FUZZ_TOPO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/hwaddr.h"
#include "exec/int128.h"

#define TOPO_MAX_NODES 16
/* Renders that walk more region instances than this are not modelled. */
#define TOPO_MAX_INSTANCES 4096
#define TOPO_ROOT (-1) /* parent: the address space's root */
#define TOPO_DETACHED (-2) /* parent: not in the tree */

typedef enum TopoKind {
    TK_CONTAINER,
    TK_RAM,
    TK_ROM,
    TK_MMIO,
    TK_ON_DEMAND,
    TK_RESERVATION,
    TK_ALIAS,
    TK_NR_KINDS,
} TopoKind;

typedef struct TopoNode {
    TopoKind kind;
    int parent;
    hwaddr addr;
    int priority;
    uint64_t seq; /* insertion order; newer wins ties */
    Int128 size;
    bool enabled;
    bool readonly;
    int target; /* TK_ALIAS */
    hwaddr alias_offset; /* TK_ALIAS */
} TopoNode;

typedef struct TopoTree {
    TopoNode n[TOPO_MAX_NODES];
    int nr;
    uint64_t seq;
} TopoTree;

/* What serves one address: node -1 is a hole. */
typedef struct TopoHit {
    int node;
    hwaddr offset;
    bool readonly;
} TopoHit;

/* One range of the model's flat view. Holes are not listed. */
typedef struct TopoRange {
    Int128 start;
    Int128 size;
    TopoHit hit;
} TopoRange;

typedef struct TopoView {
    TopoRange *r;
    size_t nr;
} TopoView;

/* What serves @x (0 <= x < 2^64) in @t. */
void topo_model_at(const TopoTree *t, Int128 x, TopoHit *hit);

/*
 * Build the model's flat view of @t into @v (replacing what it held).
 * Return: false if the tree has more region instances (aliases shown
 * through aliases) than the model will walk; @v is then empty.
 */
bool topo_model_render(const TopoTree *t, TopoView *v);

void topo_view_clear(TopoView *v);

/*
 * What serves @x in @v, and how many bytes from @x on the answer stays
 * the same (the same region at consecutive offsets, or the same hole);
 * the run stops at 2^64 and may be 2^64 itself.
 */
void topo_view_lookup(const TopoView *v, hwaddr x, TopoHit *hit, Int128 *run);

/*
 * Would adding @sub under @parent close a cycle through subregions and
 * alias targets? (memcore aborts on that; the harness must not ask.)
 */
bool topo_model_would_cycle(const TopoTree *t, int parent, int sub);

/* Is @idx @anc or below it (through subregions only)? */
bool topo_model_is_below(const TopoTree *t, int idx, int anc);

#endif /* TESTS_FUZZ_TOPO_MODEL_H */
