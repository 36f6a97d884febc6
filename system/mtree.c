/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Printing the region tree and flat views, in the spirit of QEMU's
 * "info mtree" and "info mtree -f".
 */
#include "exec/memcore-atomic.h"
#include "memory-internal.h"

static const char *mr_type(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_KIND_CONTAINER:
        return "container";
    case MR_KIND_IO:
        return "i/o";
    case MR_KIND_RAM:
        return mr->rom ? "rom" : mr->ram_device ? "ramd" : "ram";
    case MR_KIND_ROM_DEVICE:
        return mr->romd_mode ? "romd" : "rom-device";
    case MR_KIND_ALIAS:
        return "alias";
    case MR_KIND_RESERVATION:
        return "reservation";
    case MR_KIND_MAP_ON_DEMAND:
        return "map-on-demand";
    case MR_KIND_IOMMU:
        return "iommu";
    }
    return "?";
}

static void format_range(GString *out, Int128 start, Int128 size)
{
    g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64, (uint64_t)start,
                           (uint64_t)(start + size - 1));
}

static void format_counters(GString *out, MemoryRegion *mr)
{
    if (mr->kind != MR_KIND_MAP_ON_DEMAND) {
        if (mr->ops && mr->ops->describe) {
            g_string_append_c(out, ' ');
            mr->ops->describe(mr->opaque, out);
        }
        return;
    }
    g_string_append_printf(out,
                           " [outstanding %d, maps %" PRIu64
                           ", unmaps %" PRIu64 ", copies %" PRIu64
                           ", map failures %" PRIu64 "]",
                           qatomic_read(&mr->outstanding_maps),
                           qatomic_read(&mr->stat_maps),
                           qatomic_read(&mr->stat_unmaps),
                           qatomic_read(&mr->stat_copies),
                           qatomic_read(&mr->stat_map_failures));
    if (mr->ops && mr->ops->describe) {
        g_string_append_c(out, ' ');
        mr->ops->describe(mr->opaque, out);
    }
}

static void format_region(GString *out, MemoryRegion *mr, Int128 base,
                          unsigned level)
{
    GList *l;

    g_string_append_printf(out, "%*s", level * 2 + 2, "");
    format_range(out, base, mr->size);
    g_string_append_printf(out, " (prio %d, %s%s): %s", mr->priority,
                           mr_type(mr),
                           mr->readonly && !mr->rom ? ", readonly" : "",
                           mr->name);
    if (mr->kind == MR_KIND_ALIAS) {
        g_string_append_printf(out, " @%s ", mr->alias->name);
        format_range(out, mr->alias_offset, mr->size);
    }
    if (!mr->enabled) {
        g_string_append(out, " [disabled]");
    }
    format_counters(out, mr);
    g_string_append_c(out, '\n');
    for (l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *sub = l->data;

        format_region(out, sub, base + sub->addr, level + 1);
    }
}

void mtree_format_tree(GString *out, AddressSpace *as)
{
    memory_topology_lock();
    g_string_append_printf(out, "address-space: %s\n", as->name);
    format_region(out, as->root, 0, 0);
    memory_topology_unlock();
}

void mtree_format_flatview(GString *out, AddressSpace *as)
{
    AddressSpaceStats st;
    FlatView *fv;
    unsigned i;

    mc_rcu_read_lock();
    fv = address_space_get_flatview_rcu(as);
    g_string_append_printf(out,
                           "FlatView #%" PRIu64 "\n AS \"%s\", root: %s\n",
                           fv->generation, as->name, fv->root->name);
    if (!fv->nr) {
        g_string_append(out, "  No rendered FlatView\n");
    }
    for (i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];

        g_string_append(out, "  ");
        format_range(out, fr->start, fr->size);
        g_string_append_printf(out, " (prio %d, %s%s): %s", fr->mr->priority,
                               mr_type(fr->mr),
                               fr->readonly && !fr->mr->rom ? ", readonly" :
                                                              "",
                               fr->mr->name);
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        if (fr->private_mem) {
            g_string_append(out, " [private]");
        }
        format_counters(out, fr->mr);
        g_string_append_c(out, '\n');
    }
    mc_rcu_read_unlock();

    address_space_get_stats(as, &st);
    g_string_append_printf(out,
                           " map path: maps %" PRIu64 ", unmaps %" PRIu64
                           ", outstanding %" PRIu64 ", failures %" PRIu64
                           ", copies %" PRIu64 ", bounce %" PRIu64 "/%" PRIu64
                           " bytes",
                           st.maps, st.unmaps, st.outstanding, st.map_failures,
                           st.copies, st.bounce_in_use, st.bounce_max);
    if (st.writeback_errors) {
        g_string_append_printf(out, ", write-back errors %" PRIu64,
                               st.writeback_errors);
    }
    g_string_append_c(out, '\n');
}

static void print_with(FILE *f, AddressSpace *as,
                       void (*fmt)(GString *, AddressSpace *))
{
    GString *s = g_string_new(NULL);

    fmt(s, as);
    fputs(s->str, f);
    g_string_free(s, TRUE);
}

void mtree_print_tree(FILE *f, AddressSpace *as)
{
    print_with(f, as, mtree_format_tree);
}

void mtree_print_flatview(FILE *f, AddressSpace *as)
{
    print_with(f, as, mtree_format_flatview);
}
