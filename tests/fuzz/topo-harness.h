/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State shared by the topology fuzzer's files: fuzz-topology.c decodes
 * and performs operations, topo-expect.c predicts what each access must
 * do from the model and checks that it did.
 */
#ifndef TESTS_FUZZ_TOPO_HARNESS_H
#define TESTS_FUZZ_TOPO_HARNESS_H

#include <glib.h>

#include "exec/memory.h"
#include "topo-devices.h"
#include "topo-model.h"

#define TOPO_RAM_ALLOC 0x4000 /* bytes of every RAM or ROM */
#define TOPO_MAX_CACHES 4
#define TOPO_BUF_SIZE 0x4000 /* longest read or write */

/* One region of the input's tree. */
typedef struct TopoSlot {
    MemoryRegion mr;
    TopoDev dev;
    uint8_t *store; /* RAM, ROM: its memory; ODM: backing */
    uint8_t *shadow; /* what @store must hold */
    size_t store_len;
    int mmio_flavour; /* TK_MMIO */
    int odm_flavour; /* TK_ON_DEMAND */
} TopoSlot;

typedef enum TopoMapKind {
    TMAP_RAM,
    TMAP_ODM,
    TMAP_BOUNCE,
} TopoMapKind;

/* A mapping the input holds. */
typedef struct TopoMapping {
    uint8_t *ptr;
    hwaddr len;
    bool is_write;
    TopoMapKind kind;
    int node; /* RAM, ODM */
    hwaddr offset; /* RAM, ODM */
    hwaddr as_addr;
    uint8_t *content; /* bounce for writing: what it holds */
} TopoMapping;

typedef enum TopoCacheKind {
    TCACHE_EMPTY,
    TCACHE_DIRECT,
    TCACHE_MAPPED,
    TCACHE_DISPATCH,
} TopoCacheKind;

typedef struct TopoCache {
    MemoryRegionCache c;
    TopoCacheKind kind;
    int node;
    hwaddr offset;
    hwaddr addr;
    hwaddr len;
    bool is_write;
} TopoCache;

typedef struct TopoHarness {
    AddressSpace as;
    MemoryRegion root;
    TopoTree pending; /* the tree as the API calls left it */
    TopoTree committed; /* as of the last outermost commit */
    TopoView view; /* the model's view of @committed */
    bool view_ok; /* the model could render it */
    TopoSlot slot[TOPO_MAX_NODES];
    int depth; /* open transactions */
    GArray *maps; /* of TopoMapping */
    TopoCache cache[TOPO_MAX_CACHES];
    size_t bounce_max;
    size_t bounce_used;
    GArray *clients_pending; /* of int: map clients not yet called */
    unsigned clients_called;
    unsigned clients_registered;
} TopoHarness;

extern TopoHarness th;

/* ---- topo-expect.c ------------------------------------------------------ */

/*
 * Check that @r and @buf are what a read of [@addr, +@len) must give
 * (@buf NULL: check only @r).
 */
void topo_check_read(hwaddr addr, hwaddr len, const uint8_t *buf,
                     MemTxResult r);

/*
 * Predict what a write of @data to [@addr, +@len) does to memory, apply
 * it to the shadows, then check the memory, the MMIO logs and, unless
 * @r_known is false, the result @r.
 */
void topo_check_write(hwaddr addr, hwaddr len, const uint8_t *data,
                      MemTxResult r, bool r_known);

/* Every RAM, ROM and map-on-demand store equals its shadow. */
void topo_check_stores(void);

/* address_space_access_valid() as the model sees it. */
bool topo_expect_valid(hwaddr addr, hwaddr len, bool is_write);

/* Check one address_space_map() result and record the mapping. */
void topo_check_map(hwaddr addr, hwaddr asked, bool is_write, void *p,
                    hwaddr plen, MemTxResult r);

/* Check one address_space_cache_init() result and record the cache. */
void topo_check_cache_init(TopoCache *tc, hwaddr addr, hwaddr asked,
                           bool is_write, int64_t ret);

/* ---- topo-view.c ---------------------------------------------------------- */

/* Register the listener that mirrors what it is told. */
void topo_view_listen(void);

/* The model's view against memcore's and against the listener's. */
void topo_check_view(void);

/* ---- fuzz-topology.c ------------------------------------------------------ */

/* A map client was told to retry (or the model expects it to be). */
void topo_clients_notify(void);

#endif /* TESTS_FUZZ_TOPO_HARNESS_H */
