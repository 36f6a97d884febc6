/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology fuzzer's view checks: after every commit, memcore's flat
 * view must be the model's, range for range, and a listener that applied
 * every region_del and region_add it was told must hold the same view.
 * Inside a transaction the view must not have moved at all.
 */
#include <string.h>

#include "fuzz-input.h"
#include "topo-harness.h"

static GArray *mirror; /* of MemoryRegionSection, as told */

static bool same_section(const MemoryRegionSection *a,
                         const MemoryRegionSection *b)
{
    return a->mr == b->mr &&
           a->offset_within_address_space == b->offset_within_address_space &&
           a->offset_within_region == b->offset_within_region &&
           a->size == b->size && a->readonly == b->readonly;
}

static void mirror_add(MemoryListener *l, MemoryRegionSection *s)
{
    for (guint i = 0; i < mirror->len; i++) {
        MemoryRegionSection *o = &g_array_index(mirror, MemoryRegionSection,
                                                i);
        Int128 s0 = s->offset_within_address_space;
        Int128 o0 = o->offset_within_address_space;

        fuzz_check(s0 + s->size <= o0 || o0 + o->size <= s0,
                   "region_add of '%s' at 0x%" PRIx64 " overlaps '%s' that "
                   "the listener still holds",
                   memory_region_name(s->mr), s->offset_within_address_space,
                   memory_region_name(o->mr));
    }
    g_array_append_val(mirror, *s);
}

static void mirror_del(MemoryListener *l, MemoryRegionSection *s)
{
    for (guint i = 0; i < mirror->len; i++) {
        if (same_section(&g_array_index(mirror, MemoryRegionSection, i), s)) {
            g_array_remove_index(mirror, i);
            return;
        }
    }
    fuzz_fail("region_del of '%s' at 0x%" PRIx64 " that was never added",
              memory_region_name(s->mr), s->offset_within_address_space);
}

static MemoryListener listener = {
    .region_add = mirror_add,
    .region_del = mirror_del,
    .name = "fuzz-topology mirror",
};

void topo_view_listen(void)
{
    mirror = g_array_new(FALSE, FALSE, sizeof(MemoryRegionSection));
    memory_listener_register(&listener, &th.as);
}

static int cmp_start(gconstpointer a, gconstpointer b)
{
    const MemoryRegionSection *x = a, *y = b;

    return x->offset_within_address_space < y->offset_within_address_space ?
               -1 :
               x->offset_within_address_space > y->offset_within_address_space;
}

void topo_check_view(void)
{
    g_autofree MemoryRegionSection *s = NULL;
    size_t n;

    s = address_space_get_sections(&th.as, &n);
    g_array_sort(mirror, cmp_start);
    fuzz_check(mirror->len == n,
               "the listener holds %u sections, the view "
               "has %zu",
               mirror->len, n);
    for (size_t i = 0; i < n; i++) {
        fuzz_check(same_section(&g_array_index(mirror, MemoryRegionSection, i),
                                &s[i]),
                   "section %zu: the listener's differs from the view's", i);
    }
    if (!th.view_ok) {
        return;
    }
    fuzz_check(th.view.nr == n, "the view has %zu ranges, the model %zu", n,
               th.view.nr);
    for (size_t i = 0; i < n; i++) {
        const TopoRange *r = &th.view.r[i];
        MemoryRegion *want = &th.slot[r->hit.node].mr;

        fuzz_check(s[i].mr == want &&
                       (Int128)s[i].offset_within_address_space == r->start &&
                       s[i].size == r->size &&
                       s[i].offset_within_region == r->hit.offset &&
                       s[i].readonly == r->hit.readonly,
                   "range %zu: view has '%s'+0x%" PRIx64 " at 0x%" PRIx64
                   "%s, model has '%s'+0x%" PRIx64 " at 0x%" PRIx64 "%s",
                   i, memory_region_name(s[i].mr), s[i].offset_within_region,
                   s[i].offset_within_address_space,
                   s[i].readonly ? " ro" : "", memory_region_name(want),
                   r->hit.offset, (uint64_t)r->start,
                   r->hit.readonly ? " ro" : "");
    }
}
