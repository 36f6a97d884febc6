/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU memory regions: a region whose accesses are translated into
 * another address space, page by page, and the notifiers that let
 * consumers (a VFIO-style mirror, a vhost backend) follow the mappings.
 *
 * Included by "exec/memory.h"; not meant to be included alone.
 */
#ifndef EXEC_IOMMU_H
#define EXEC_IOMMU_H

/**
 * typedef IOMMUAccessFlags - what a translation permits or an access needs.
 */
typedef enum IOMMUAccessFlags {
    IOMMU_NONE = 0,
    IOMMU_RO = 1,
    IOMMU_WO = 2,
    IOMMU_RW = 3,
} IOMMUAccessFlags;

/**
 * struct IOMMUTLBEntry - one translation.
 * @target_as: where the translated address lives.
 * @iova: first input address covered (aligned to @addr_mask + 1).
 * @translated_addr: first output address.
 * @addr_mask: size - 1 of the covered range; a page mask for translate(),
 *             possibly not a power of two minus one after cropping.
 * @perm: what the translation permits; IOMMU_NONE means unmapped.
 */
typedef struct IOMMUTLBEntry {
    AddressSpace *target_as;
    hwaddr iova;
    hwaddr translated_addr;
    hwaddr addr_mask;
    IOMMUAccessFlags perm;
} IOMMUTLBEntry;

/**
 * typedef IOMMUNotifierFlag - which events a notifier wants.
 */
typedef enum IOMMUNotifierFlag {
    IOMMU_NOTIFIER_NONE = 0,
    IOMMU_NOTIFIER_UNMAP = 1,
    IOMMU_NOTIFIER_MAP = 2,
} IOMMUNotifierFlag;

#define IOMMU_NOTIFIER_ALL (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP)

/**
 * struct IOMMUTLBEvent - a change of mapping.
 * @type: IOMMU_NOTIFIER_MAP or IOMMU_NOTIFIER_UNMAP.
 * @entry: the range; for UNMAP its @perm is delivered as IOMMU_NONE.
 */
typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

typedef struct IOMMUNotifier IOMMUNotifier;
typedef void (*IOMMUNotify)(IOMMUNotifier *notifier, IOMMUTLBEntry *data);

/**
 * struct IOMMUNotifier - hears mapping changes of an IOMMU region.
 * @notify: the callback; called with events cropped to [@start, @end].
 * @notifier_flags: the events wanted.
 * @start: first address of interest.
 * @end: last address of interest (inclusive).
 * @iommu_idx: which translation (see attrs_to_index()).
 *
 * Initialise with iommu_notifier_init(). Callbacks run on the thread that
 * called memory_region_notify_iommu() or memory_region_iommu_replay().
 */
struct IOMMUNotifier {
    IOMMUNotify notify;
    IOMMUNotifierFlag notifier_flags;
    hwaddr start;
    hwaddr end;
    int iommu_idx;
    /* private */
    IOMMUMemoryRegion *iommu_mr;
};

/**
 * struct IOMMUMemoryRegionOps - what an IOMMU model provides.
 * @translate: required. Translate @addr (an offset in the region) for an
 *             access needing @flag. Return perm IOMMU_NONE if unmapped.
 *             Runs on the reader side: no memcore lock, may not change
 *             the topology.
 * @get_min_page_size: optional; default 4 KiB.
 * @notify_flag_changed: optional; told when the union of the registered
 *                       notifiers' flags changes. Return < 0 (and set
 *                       @errp) to refuse a registration.
 * @replay: optional; send MAP events for every current mapping to @n.
 *          The default walks the space one minimum page at a time.
 * @attrs_to_index: optional; which translation applies to @attrs.
 * @num_indexes: optional; how many translations there are (default 1).
 */
typedef struct IOMMUMemoryRegionOps {
    IOMMUTLBEntry (*translate)(void *opaque, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    uint64_t (*get_min_page_size)(void *opaque);
    int (*notify_flag_changed)(void *opaque, IOMMUNotifierFlag old_flags,
                               IOMMUNotifierFlag new_flags, GError **errp);
    void (*replay)(void *opaque, IOMMUNotifier *n);
    int (*attrs_to_index)(void *opaque, MemTxAttrs attrs);
    int (*num_indexes)(void *opaque);
} IOMMUMemoryRegionOps;

/**
 * struct IOMMUMemoryRegion - an IOMMU region; embed it in your model.
 * @parent_obj: the MemoryRegion to add to a tree.
 *
 * Other fields are private.
 */
struct IOMMUMemoryRegion {
    MemoryRegion parent_obj;
    const IOMMUMemoryRegionOps *ops;
    void *opaque;
    GMutex notifier_lock;
    GList *notifiers; /* of IOMMUNotifier * */
    IOMMUNotifierFlag notify_flags;
};

/**
 * memory_region_init_iommu() - initialise an IOMMU region.
 * @iommu_mr: the region.
 * @ops: the model's callbacks; translate() is required.
 * @opaque: passed to the callbacks.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: bytes of input address space; UINT64_MAX means 2^64.
 *
 * An access that reaches the region is translated page by page: an
 * unmapped page gives MEMTX_DECODE_ERROR, missing permission
 * MEMTX_ACCESS_ERROR, and a mapped page continues in the entry's
 * target_as (which may hold another IOMMU: translations nest up to 8
 * deep). address_space_map() and caches work through it too.
 */
void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionOps *ops, void *opaque,
                              void *owner, const char *name, uint64_t size);

/**
 * memory_region_get_iommu() - the IOMMU region behind @mr, or NULL.
 * @mr: the region.
 */
IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr);

/**
 * iommu_notifier_init() - fill in a notifier before registering it.
 * @n: the notifier.
 * @fn: called for each event.
 * @flags: which events (IOMMU_NOTIFIER_MAP, _UNMAP or both).
 * @start: first IOVA of the range it watches.
 * @end: last IOVA of the range, inclusive.
 * @iommu_idx: which translation it follows (see
 *             memory_region_iommu_attrs_to_index()).
 */
void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx);

/**
 * memory_region_register_iommu_notifier() - start hearing events.
 * @mr: the IOMMU region (its parent_obj).
 * @n: an initialised notifier.
 * @errp: set if the model refuses.
 *
 * Return: 0, or a negative errno from notify_flag_changed().
 */
int memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                          GError **errp);

/**
 * memory_region_unregister_iommu_notifier() - stop hearing events.
 * @mr: the region.
 * @n: the notifier.
 */
void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n);

/**
 * memory_region_notify_iommu() - tell notifiers that a mapping changed.
 * @iommu_mr: the region.
 * @iommu_idx: which translation changed.
 * @event: the change. A model that replaces a mapping sends UNMAP for
 *         the old one first, then MAP for the new one.
 *
 * Each notifier that wants @event->type and overlaps the range gets the
 * event cropped to its own [start, end].
 */
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);

/**
 * memory_region_notify_iommu_one() - deliver @event to @n only, cropped.
 * @n: the notifier.
 * @event: the mapping or unmapping; cropped to @n's range before delivery.
 */
void memory_region_notify_iommu_one(IOMMUNotifier *n, IOMMUTLBEvent *event);

/**
 * memory_region_iommu_replay() - send @n every current mapping.
 * @iommu_mr: the IOMMU region.
 * @n: the notifier.
 */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);

/**
 * memory_region_iommu_get_min_page_size() - the smallest page.
 * @iommu_mr: the IOMMU region.
 */
uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);

/**
 * memory_region_iommu_attrs_to_index() - translation index for @attrs.
 * @iommu_mr: the IOMMU region.
 * @attrs: the attributes of an access.
 */
int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs);

/**
 * memory_region_iommu_num_indexes() - how many translations exist.
 * @iommu_mr: the IOMMU region.
 */
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);

#endif /* EXEC_IOMMU_H */
