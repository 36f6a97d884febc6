/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore public memory API: regions, address spaces, accesses, the map
 * path, caches and listeners.
 *
 * The names and semantics follow QEMU's memory API (docs/devel/memory.rst
 * explains the concepts). Differences from QEMU:
 *  - there is no QOM: @owner arguments are opaque pointers and may be NULL;
 *  - MemoryRegionOps gains map()/unmap() for regions whose memory is mapped
 *    on demand, and read_buf()/write_buf() for bulk copies into them;
 *  - threads are registered with RCU automatically on first access.
 *
 * Error conventions: guest-driven values (addresses, lengths, data) never
 * crash; they yield a MemTxResult. Misuse of the API by the embedding
 * program (documented per function under "Misuse") aborts with a message.
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

#include "exec/hwaddr.h"
#include "exec/int128.h"
#include "exec/memattrs.h"
#include "exec/memcore-error.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct MemoryListener MemoryListener;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryRegionCache MemoryRegionCache;
typedef struct MemReentrancyGuard MemReentrancyGuard;
typedef struct AddressSpaceMapState AddressSpaceMapState;
typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;

/**
 * enum device_endian - byte order of a device's registers.
 * @DEVICE_NATIVE_ENDIAN: the host's order.
 * @DEVICE_BIG_ENDIAN: most significant byte at the lowest address.
 * @DEVICE_LITTLE_ENDIAN: least significant byte at the lowest address.
 *
 * Bytes in memory order (what address_space_read() returns) are turned into
 * the value a read()/write() callback sees using this order.
 */
enum device_endian {
    DEVICE_NATIVE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
};

/**
 * struct MemoryRegionOps - callbacks of an I/O or map-on-demand region.
 *
 * @read: read @size (1, 2, 4 or 8) bytes at offset @addr; returns the value.
 * @write: write @size bytes of @data at offset @addr.
 * @read_with_attrs: like @read, with attributes and a result; preferred
 *                   over @read when both are set.
 * @write_with_attrs: like @write, with attributes and a result.
 * @map: map-on-demand regions only. Make @addr..@addr+*@plen reachable
 *       through a host pointer. May shorten *@plen, never grow it.
 *       Returns the pointer, or NULL with *@plen = 0 on failure. A
 *       pointer returned with *@plen = 0 is given back to @unmap at once
 *       (length 0) and the map fails. A mapping made for reading
 *       (@is_write false) may be read-only host memory.
 *       Misuse: growing *@plen aborts with a message, whichever path
 *       mapped (address_space_map(), a cache, a read or write). So does
 *       a map-on-demand callback (@map, @read_buf, @write_buf) that
 *       reaches its own region again, directly or through other
 *       regions: callbacks nest at most 8 deep on a thread.
 *       A failure through @map reads as MEMTX_ERROR; use
 *       @map_with_result to say why.
 * @map_with_result: @map, able to say why it failed: on failure, return
 *       NULL with *@plen = 0 and set *@result to MEMTX_DECODE_ERROR
 *       (nothing there: an unpopulated frame, a ref the table does not
 *       have), MEMTX_ACCESS_ERROR (something there, but refused: a
 *       grant not for us or read-only) or MEMTX_ERROR (anything else);
 *       left unset, or MEMTX_OK, it reads as MEMTX_ERROR. On success
 *       *@result is ignored. The result reaches every path:
 *       address_space_map_result(), address_space_cache_init()'s errno,
 *       and reads and writes served by map-copy-unmap. Everything said of
 *       @map holds; preferred over @map when both are set.
 * @unmap: release a mapping made by @map. Called with the @host pointer
 *         @map returned, the same @addr, the length @map granted as @len,
 *         @is_write as mapped, and @access_len, how much was touched.
 * @read_buf: map-on-demand regions only, optional. Copy @len bytes at
 *            @addr into @buf with no size limit (Xen uses grant copy).
 *            Without it, the core maps, copies and unmaps.
 * @write_buf: the write counterpart of @read_buf.
 * @access_check: map-on-demand regions only, optional. Without mapping or
 *                copying anything, say whether an access of @len bytes at
 *                @addr (any length, possibly huge) in direction @is_write
 *                would be served now: MEMTX_OK, or the MemTxResult the
 *                access would fail with. address_space_access_valid() and
 *                address_space_access_check() ask it; without it, a
 *                map-on-demand region is taken to accept everything. The
 *                answer is a snapshot: whoever owns the memory (a Xen
 *                guest revoking a grant) may change it before the access
 *                runs, so callers must still handle the access failing.
 *                It must bound its own work, whatever @len. A region that
 *                cannot tell answers MEMTX_OK for what it cannot see.
 * @describe: optional; append a short note (counters, state) to @buf for
 *            the region's line in mtree dumps.
 * @endianness: byte order of @read/@write values.
 * @valid: what the device accepts. An access outside these rules is
 *         refused with MEMTX_DECODE_ERROR, as QEMU does.
 *         @min_access_size: 0 means 1.
 *         @max_access_size: 0 means any size is valid (and the core then
 *         splits accesses into pieces of at most 4 bytes).
 *         @unaligned: accesses not aligned to their size are accepted.
 *         @accepts: an optional final say.
 * @impl: what the callbacks implement; the core adapts valid accesses to
 *        it. @min_access_size 0 means 1, @max_access_size 0 means 4.
 *        @unaligned requires @valid.unaligned.
 *
 * Which callbacks make which kind of region: a region initialised with
 * memory_region_init_io() whose ops have @map or @map_with_result is a
 * map-on-demand region; one of them and @unmap then come as a pair.
 * Otherwise it is MMIO.
 *
 * Callbacks run with no memcore lock held, inside an RCU read-side
 * section: they may access memory and change the topology, but must not
 * call memory_region_finalize().
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    MemTxResult (*read_with_attrs)(void *opaque, hwaddr addr, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs);
    MemTxResult (*write_with_attrs)(void *opaque, hwaddr addr, uint64_t data,
                                    unsigned size, MemTxAttrs attrs);
    void *(*map)(void *opaque, hwaddr addr, hwaddr *plen, bool is_write,
                 MemTxAttrs attrs);
    void *(*map_with_result)(void *opaque, hwaddr addr, hwaddr *plen,
                             bool is_write, MemTxAttrs attrs,
                             MemTxResult *result);
    void (*unmap)(void *opaque, void *host, hwaddr addr, hwaddr len,
                  bool is_write, hwaddr access_len);
    MemTxResult (*read_buf)(void *opaque, hwaddr addr, void *buf, hwaddr len,
                            MemTxAttrs attrs);
    MemTxResult (*write_buf)(void *opaque, hwaddr addr, const void *buf,
                             hwaddr len, MemTxAttrs attrs);
    MemTxResult (*access_check)(void *opaque, hwaddr addr, hwaddr len,
                                bool is_write, MemTxAttrs attrs);
    void (*describe)(void *opaque, GString *buf);

    enum device_endian endianness;

    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
        bool (*accepts)(void *opaque, hwaddr addr, unsigned size,
                        bool is_write, MemTxAttrs attrs);
    } valid;

    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

/**
 * struct MemReentrancyGuard - stops a device's MMIO from re-entering itself.
 *
 * Embed one per device and hand it to every MMIO region of that device with
 * memory_region_set_reentrancy_guard(). While one of the device's callbacks
 * runs on a thread, any access on that thread that reaches the device's
 * MMIO again (typically DMA aimed at its own registers) is refused with
 * MEMTX_ACCESS_ERROR. The first refusal is logged; later ones are counted.
 *
 * @name: used in the log line; may be NULL.
 * @refused: number of refused accesses so far (atomic).
 * @logged: the refusal was logged once (internal).
 */
struct MemReentrancyGuard {
    const char *name;
    unsigned refused;
    bool logged;
};

/* Internal kinds of region; see memory_region_init_*(). */
typedef enum MemoryRegionKind {
    MR_KIND_CONTAINER,
    MR_KIND_IO,
    MR_KIND_RAM,
    MR_KIND_ROM_DEVICE,
    MR_KIND_ALIAS,
    MR_KIND_RESERVATION,
    MR_KIND_MAP_ON_DEMAND,
    MR_KIND_IOMMU,
} MemoryRegionKind;

/**
 * struct MemoryRegion - a node of the region tree.
 *
 * Embed it in your device state and initialise it with one of the
 * memory_region_init_*() functions; every field is private to memcore. A
 * region is released with memory_region_finalize().
 */
struct MemoryRegion {
    /* Set at init, constant afterwards. */
    MemoryRegionKind kind;
    const MemoryRegionOps *ops;
    void *opaque;
    void *owner;
    char *name;
    uint8_t *ram_block; /* host memory of RAM, ROM, ROM device */
    size_t ram_alloc_size; /* nonzero when memcore allocated it */
    bool ram_device;
    bool rom;
    MemoryRegion *alias;
    IOMMUMemoryRegion *iommu; /* set for MR_KIND_IOMMU */

    /* Changed under the topology lock; read by rendering. */
    Int128 size;
    hwaddr addr;
    hwaddr alias_offset;
    int priority;
    bool enabled;
    bool readonly;
    bool romd_mode;
    bool private_mem;
    uint8_t dirty_log_mask;
    MemoryRegion *container;
    GQueue subregions; /* of MemoryRegion *, highest priority first */
    GList *link; /* our node in container->subregions */
    uint64_t add_seq; /* when it was added; newer wins ties */

    /* Re-entrancy protection. */
    MemReentrancyGuard *dev_reentrancy_guard;
    bool disable_reentrancy_guard;

    /* Lifetime: see memory_region_ref(). Atomic. */
    int refcount;
    int outstanding_maps; /* mappings and caches holding it; atomic */
    uint64_t stat_maps;
    uint64_t stat_unmaps;
    uint64_t stat_copies;
    uint64_t stat_map_failures;
};

/**
 * struct MemoryRegionSection - a piece of a region, as placed in a flat view.
 * @mr: the region (the target, never an alias).
 * @fv: the flat view it belongs to.
 * @offset_within_region: where the piece starts inside @mr.
 * @offset_within_address_space: where it starts in the address space.
 * @size: its length; may be 2^64.
 * @readonly: writes are refused (the region or an ancestor is readonly).
 * @nonvolatile: unused; kept for QEMU familiarity.
 */
struct MemoryRegionSection {
    MemoryRegion *mr;
    FlatView *fv;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    Int128 size;
    bool readonly;
    bool nonvolatile;
};

#include "exec/iommu.h"

/* ---------------------------------------------------------------------- */
/* Regions                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * memory_region_init() - initialise a container.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: used in mtree dumps and messages; copied.
 * @size: in bytes; UINT64_MAX means 2^64.
 *
 * A container holds subregions and shows nothing of its own: where no
 * subregion is, accesses fall through to whatever lies below it.
 */
void memory_region_init(MemoryRegion *mr, void *owner, const char *name,
                        uint64_t size);

/**
 * memory_region_init_io() - initialise an MMIO or map-on-demand region.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @ops: callbacks; NULL makes a region that refuses every access.
 * @opaque: passed to every callback.
 * @name: copied.
 * @size: in bytes; UINT64_MAX means 2^64.
 *
 * If @ops has map() or map_with_result(), the region is a map-on-demand
 * region: accesses map it on demand (see address_space_map()) or use
 * @ops->read_buf/write_buf.
 *
 * Misuse: @ops with a map callback and no unmap(), or the reverse, aborts.
 */
void memory_region_init_io(MemoryRegion *mr, void *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);

/**
 * memory_region_init_ram() - initialise RAM backed by anonymous memory.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: in bytes, nonzero.
 * @errp: set if the memory cannot be allocated.
 *
 * Return: true on success. The memory is zero-filled and freed by
 * memory_region_finalize().
 */
bool memory_region_init_ram(MemoryRegion *mr, void *owner, const char *name,
                            uint64_t size, GError **errp);

/**
 * memory_region_init_ram_ptr() - initialise RAM over memory you provide.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: in bytes.
 * @ptr: host memory of at least @size bytes; it must outlive the region.
 */
void memory_region_init_ram_ptr(MemoryRegion *mr, void *owner,
                                const char *name, uint64_t size, void *ptr);

/**
 * memory_region_init_ram_device_ptr() - RAM that is really device memory.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: in bytes.
 * @ptr: host mapping of the device memory (say, an mmap of a BAR).
 *
 * To listeners it is RAM (memory_region_is_ram() and
 * memory_region_is_ram_device() are true, so a VFIO-style mirror maps
 * @ptr). To accesses it is I/O, as in QEMU: reads and writes are loads
 * and stores of the width asked for (1, 2, 4 or 8 bytes, in the host's
 * order), never memcpy, and address_space_map() and caches give a bounce
 * buffer or dispatch, never @ptr itself.
 */
void memory_region_init_ram_device_ptr(MemoryRegion *mr, void *owner,
                                       const char *name, uint64_t size,
                                       void *ptr);

/**
 * memory_region_init_rom() - initialise read-only RAM.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: in bytes, nonzero.
 * @errp: set if the memory cannot be allocated.
 *
 * Reads come from memory. Guest writes are refused with MEMTX_DECODE_ERROR
 * (QEMU's behaviour) and change nothing. The embedding program fills it
 * through memory_region_get_ram_ptr().
 *
 * Return: true on success.
 */
bool memory_region_init_rom(MemoryRegion *mr, void *owner, const char *name,
                            uint64_t size, GError **errp);

/**
 * memory_region_init_rom_device() - ROM whose writes go to a device.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @ops: callbacks for writes, and for reads when not in romd mode.
 * @opaque: passed to the callbacks.
 * @name: copied.
 * @size: in bytes, nonzero.
 * @errp: set if the memory cannot be allocated.
 *
 * Starts in romd mode: reads come straight from memory, writes go to @ops.
 * memory_region_rom_device_set_romd(mr, false) sends reads to @ops too.
 *
 * Return: true on success.
 */
bool memory_region_init_rom_device(MemoryRegion *mr, void *owner,
                                   const MemoryRegionOps *ops, void *opaque,
                                   const char *name, uint64_t size,
                                   GError **errp);

/**
 * memory_region_init_alias() - show part of another region elsewhere.
 * @mr: the alias.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @orig: the target region.
 * @offset: where in @orig the alias starts.
 * @size: in bytes; the view is clipped to it.
 *
 * Misuse: an alias may not have subregions, and adding regions so that an
 * alias ends up inside its own target aborts (see
 * memory_region_add_subregion()).
 */
void memory_region_init_alias(MemoryRegion *mr, void *owner, const char *name,
                              MemoryRegion *orig, hwaddr offset,
                              uint64_t size);

/**
 * memory_region_init_reservation() - claim address space, serve nothing.
 * @mr: the region.
 * @owner: opaque owner pointer, may be NULL.
 * @name: copied.
 * @size: in bytes.
 *
 * Accesses return MEMTX_DECODE_ERROR, but the range hides lower regions.
 */
void memory_region_init_reservation(MemoryRegion *mr, void *owner,
                                    const char *name, uint64_t size);

/**
 * memory_region_finalize() - release a region.
 * @mr: the region; it must not be inside a container (misuse aborts).
 *
 * Removes @mr's subregions, then waits until no reader, flat view, mapping
 * or cache still uses @mr, then frees memory memcore allocated for it.
 * Afterwards the caller may free the struct. If mappings are still held
 * elsewhere it blocks (logging every few seconds) until they are unmapped.
 *
 * Misuse: calling it from an MMIO callback, inside an RCU read-side
 * section, inside a transaction or from a listener aborts; it would wait
 * for itself. An alias holds a reference on its target: finalize aliases
 * before their targets.
 */
void memory_region_finalize(MemoryRegion *mr);

/**
 * memory_region_ref() - keep @mr alive.
 * @mr: the region.
 *
 * Every flat view, mapping and cache takes a reference; an embedding
 * program rarely needs to.
 */
void memory_region_ref(MemoryRegion *mr);

/**
 * memory_region_unref() - drop a reference taken with memory_region_ref().
 * @mr: the region.
 */
void memory_region_unref(MemoryRegion *mr);

/**
 * memory_region_add_subregion() - place @subregion inside @mr.
 * @mr: a container (or any region: subregions cover it).
 * @offset: where, relative to @mr's start.
 * @subregion: the child; priority 0.
 *
 * Among siblings the highest priority wins; with equal priority the one
 * added last wins. The child is clipped to @mr.
 *
 * Misuse: a child that already has a parent, or a change that would make a
 * cycle through aliases, aborts with a message naming both regions.
 */
void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);

/**
 * memory_region_add_subregion_overlap() - same, with a priority.
 * @mr: the parent.
 * @offset: where, relative to @mr's start.
 * @subregion: the child.
 * @priority: higher wins where siblings overlap.
 */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);

/**
 * memory_region_del_subregion() - remove @subregion from @mr.
 * @mr: the parent.
 * @subregion: the child. Misuse: a child of another parent aborts.
 *
 * Readers and mappings that still use the child keep it valid until they
 * are done.
 */
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);

/**
 * memory_region_set_enabled() - a disabled region (and all below) vanishes.
 * @mr: the region.
 * @enabled: false hides it; true shows it again.
 */
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);

/**
 * memory_region_set_readonly() - refuse writes here and in subregions.
 * @mr: the region.
 * @readonly: true refuses writes; false allows them again.
 */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/**
 * memory_region_set_address() - move @mr inside its container.
 * @mr: the region.
 * @addr: its new offset inside the container.
 */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);

/**
 * memory_region_set_alias_offset() - change where an alias looks.
 * @mr: an alias.
 * @offset: the new offset into the target.
 */
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);

/**
 * memory_region_set_size() - resize; UINT64_MAX means 2^64.
 * @mr: the region.
 * @size: the new size in bytes.
 */
void memory_region_set_size(MemoryRegion *mr, uint64_t size);

/**
 * memory_region_rom_device_set_romd() - pick where ROM-device reads go.
 * @mr: a ROM device.
 * @romd_mode: true: reads from memory; false: reads through the ops.
 */
void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode);

/**
 * memory_region_set_log() - turn dirty logging on or off for @mr.
 * @mr: a RAM region.
 * @log: on or off.
 * @client: which client's bit (0..7).
 *
 * Listeners' log_start()/log_stop() hear of it on the next commit.
 */
void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client);

/**
 * memory_region_set_private() - mark RAM as private to a confidential guest.
 * @mr: a RAM region.
 * @private_mem: true: device accesses (attrs.private_mem clear) are refused
 *               with MEMTX_ACCESS_ERROR; false: shared, as usual.
 */
void memory_region_set_private(MemoryRegion *mr, bool private_mem);

/**
 * memory_region_set_reentrancy_guard() - name the owning device's guard.
 * @mr: an MMIO or ROM-device region.
 * @guard: the device's guard, or NULL for none.
 */
void memory_region_set_reentrancy_guard(MemoryRegion *mr,
                                        MemReentrancyGuard *guard);

/**
 * memory_region_disable_reentrancy_guard() - let a device re-enter itself.
 * @mr: the region.
 * @disable: true to opt out.
 *
 * Only for devices that must re-enter by design; say why at the call site.
 */
void memory_region_disable_reentrancy_guard(MemoryRegion *mr, bool disable);

/**
 * memory_region_size() - the size, saturated: 2^64 reads as UINT64_MAX.
 * @mr: the region.
 */
uint64_t memory_region_size(MemoryRegion *mr);

/**
 * memory_region_name() - the name given at init.
 * @mr: the region.
 */
const char *memory_region_name(const MemoryRegion *mr);

/**
 * memory_region_is_ram() - RAM, ROM, RAM device, or ROM device in romd.
 * @mr: the region.
 */
bool memory_region_is_ram(MemoryRegion *mr);

/**
 * memory_region_is_ram_device() - made by ..._init_ram_device_ptr().
 * @mr: the region.
 */
bool memory_region_is_ram_device(MemoryRegion *mr);

/**
 * memory_region_is_rom() - read-only RAM made by memory_region_init_rom().
 * @mr: the region.
 */
bool memory_region_is_rom(MemoryRegion *mr);

/**
 * memory_region_is_romd() - a ROM device whose reads come from memory.
 * @mr: the region.
 */
bool memory_region_is_romd(MemoryRegion *mr);

/**
 * memory_region_is_private() - RAM refused to device accesses.
 * @mr: the region.
 */
bool memory_region_is_private(MemoryRegion *mr);

/**
 * memory_region_is_map_on_demand() - its ops have map()/unmap().
 * @mr: the region.
 */
bool memory_region_is_map_on_demand(MemoryRegion *mr);

/**
 * memory_region_is_mapped() - it is inside a container.
 * @mr: the region.
 */
bool memory_region_is_mapped(MemoryRegion *mr);

/**
 * memory_region_get_ram_ptr() - host memory of a RAM-backed region.
 * @mr: RAM, ROM, RAM device or ROM device; an alias resolves to its target.
 *
 * Return: the host address of offset 0, or NULL for other kinds.
 */
void *memory_region_get_ram_ptr(MemoryRegion *mr);

/**
 * memory_region_outstanding_maps() - mappings and caches holding @mr now.
 * @mr: the region.
 */
int memory_region_outstanding_maps(MemoryRegion *mr);

/* ---------------------------------------------------------------------- */
/* Transactions                                                            */
/* ---------------------------------------------------------------------- */

/**
 * memory_region_transaction_begin() - start batching topology changes.
 *
 * Nestable. Holds the topology lock until the matching commit, so other
 * threads' changes wait. Readers are never blocked.
 */
void memory_region_transaction_begin(void);

/**
 * memory_region_transaction_commit() - end a batch.
 *
 * The outermost commit renders every changed root once, publishes the new
 * flat views (shared by address spaces with the same root) and tells
 * listeners what changed. Views that did not change are left alone.
 */
void memory_region_transaction_commit(void);

/**
 * struct MemoryStats - global counters, for tests and benchmarks.
 * @commits: outermost commits that had something pending.
 * @renders: flat views rendered.
 * @views_published: renders that changed something and were published.
 * @listener_calls: region_add + region_del + log_start + log_stop calls.
 */
typedef struct MemoryStats {
    uint64_t commits;
    uint64_t renders;
    uint64_t views_published;
    uint64_t listener_calls;
} MemoryStats;

/**
 * memory_get_stats() - read the global counters.
 * @stats: filled in with a snapshot of the counters.
 */
void memory_get_stats(MemoryStats *stats);

/* ---------------------------------------------------------------------- */
/* Address spaces                                                          */
/* ---------------------------------------------------------------------- */

/**
 * struct AddressSpace - a root region as seen by one kind of initiator.
 *
 * Embed it and call address_space_init(). Fields are private.
 */
struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map; /* RCU-protected */
    GList *listeners; /* of MemoryListener *, by priority */
    AddressSpaceMapState *map_state;
    GList *link; /* in the global list */
    /*
     * Generation of current_map, never 0 after address_space_init(). The
     * one field the inline fast path reads (exec/memory-fast.h, ABI v1).
     */
    uint64_t fast_tag;
};

/**
 * address_space_init() - make an address space over @root.
 * @as: the address space.
 * @root: its root region.
 * @name: copied.
 */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);

/**
 * address_space_destroy() - tear down an address space.
 * @as: the address space.
 *
 * Misuse: listeners still registered, or mappings still outstanding, abort.
 * The caller must make sure no other thread is still accessing @as.
 */
void address_space_destroy(AddressSpace *as);

/**
 * address_space_read() - read guest memory.
 * @as: the address space.
 * @addr: where; any value.
 * @attrs: attributes.
 * @buf: receives @len bytes.
 * @len: any value; the caller's @buf must hold it.
 *
 * Splits the access wherever regions change. Bytes that no region serves,
 * or whose region failed, read as zero. Nothing wraps past 2^64: bytes
 * beyond it are a decode error.
 *
 * Return: the OR of every piece's result.
 */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               void *buf, hwaddr len);

/**
 * address_space_write() - write guest memory.
 * @as: the address space.
 * @addr: where; any value.
 * @attrs: attributes.
 * @buf: @len bytes.
 * @len: any value.
 *
 * Writes to ROM or read-only regions change nothing and fail with
 * MEMTX_DECODE_ERROR.
 *
 * Return: the OR of every piece's result.
 */
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len);

/**
 * address_space_rw() - address_space_read() or address_space_write().
 * @as: the address space.
 * @addr: start.
 * @attrs: attributes of the access.
 * @buf: where the bytes come from or go to.
 * @len: how many.
 * @is_write: true for address_space_write(), false for _read().
 *
 * Return: what the chosen call returns.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);

/**
 * address_space_access_valid() - would an access of @len bytes succeed?
 * @as: the address space.
 * @addr: start.
 * @len: length; a range running past 2^64 is invalid.
 * @is_write: direction.
 * @attrs: attributes.
 *
 * True when every byte is served by a region that accepts the direction:
 * RAM, MMIO whose valid rules (and accepts()) take every piece, IOMMU
 * translations that lead to such memory, and map-on-demand regions whose
 * access_check() says so (a Xen grant region asks whether every page is
 * granted to us for that direction). Nothing is mapped or accessed, and
 * the work is bounded whatever @len; ranges too long to vouch for are not
 * valid.
 *
 * The answer holds when it is given. A region may change afterwards (a
 * guest may end a grant, the topology may change), so a device that
 * checks first must still handle the access itself failing.
 */
bool address_space_access_valid(AddressSpace *as, hwaddr addr, hwaddr len,
                                bool is_write, MemTxAttrs attrs);

/**
 * address_space_access_check() - address_space_access_valid(), with why.
 * @as: the address space.
 * @addr: start.
 * @len: length.
 * @is_write: direction.
 * @attrs: attributes.
 *
 * Not in QEMU. The same check, returning MEMTX_OK or the result of the
 * first piece that fails: MEMTX_DECODE_ERROR for nothing there, a
 * direction the region refuses (ROM written) or a range past 2^64; what
 * the IOMMU or the region's access_check() said otherwise (a grant that is
 * not ours gives MEMTX_ACCESS_ERROR); MEMTX_ERROR for a range too long to
 * vouch for. A device can report that result as the access's own.
 */
MemTxResult address_space_access_check(AddressSpace *as, hwaddr addr,
                                       hwaddr len, bool is_write,
                                       MemTxAttrs attrs);

/*
 * address_space_ld{ub,uw,l,q}_{le,be}() and
 * address_space_st{b,w,l,q}_{le,be}(): load or store one value in the given byte order. @result, if not NULL,
 * receives the MemTxResult. A failed load returns 0.
 */
uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                           MemTxResult *result);
void address_space_stb(AddressSpace *as, hwaddr addr, uint8_t val,
                       MemTxAttrs attrs, MemTxResult *result);
uint16_t address_space_lduw_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result);
uint16_t address_space_lduw_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               MemTxResult *result);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint32_t address_space_ldl_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_be(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_be(AddressSpace *as, hwaddr addr, uint16_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_be(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_be(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/*
 * address_space_read/write() and the ld/st accessors above are also
 * inline functions of the same names (through macros), which serve a hit
 * in the calling thread's RAM cache without a call; see
 * exec/memory-fast.h for what that code depends on. (address_space_read)
 * in parentheses, or its address, is the out-of-line function.
 */
#include "exec/memory-fast.h"

/* ---------------------------------------------------------------------- */
/* The map path                                                            */
/* ---------------------------------------------------------------------- */

/**
 * address_space_map() - get a host pointer to guest memory.
 * @as: the address space.
 * @addr: start; any value.
 * @plen: in: bytes wanted; out: bytes mapped, possibly fewer, 0 on failure.
 * @is_write: the caller will write (device to memory).
 * @attrs: attributes.
 *
 * What comes back depends on what is at @addr:
 *  - RAM: a direct pointer, extending only while the region continues;
 *  - a map-on-demand region: what its map() callback returned;
 *  - MMIO, or a write to ROM: a bounce buffer, pre-filled when the caller
 *    will read. Bounce memory is limited per address space (see
 *    address_space_set_max_bounce_buffer_size()) and charged to @as, also
 *    when the map goes through an IOMMU into another space.
 *
 * Return: the pointer, or NULL with *@plen = 0 when nothing is mapped
 * there, the callback refused, the bounce budget is exhausted (register a
 * map client to hear when to retry) or a bounce pre-fill failed. A failed
 * map holds nothing. address_space_map_result() says which.
 */
void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs);

/**
 * address_space_map_result() - address_space_map(), saying why it failed.
 * @as: the address space.
 * @addr: start; any value.
 * @plen: in: bytes wanted; out: bytes mapped, 0 on failure.
 * @is_write: the caller will write (device to memory).
 * @attrs: attributes.
 * @result: if not NULL, receives MEMTX_OK on success; on failure:
 *   - MEMTX_OK: nothing is wrong with the range, but there is nothing to
 *     map now: the bounce budget is exhausted (or *@plen was 0). Register
 *     a map client and retry when told;
 *   - MEMTX_DECODE_ERROR: nothing there (or not populated, as a
 *     map-on-demand region's map_with_result() says), an IOMMU page not
 *     mapped;
 *   - MEMTX_ACCESS_ERROR: refused: by map_with_result() (a grant not for
 *     this domain, or read-only for a write), by an IOMMU's permissions,
 *     or private memory mapped by a device;
 *   - MEMTX_ERROR, or what the read returned: a bounce buffer could not
 *     be filled, or a plain map() callback refused.
 *
 * A read or write of the same range would fail the same way, so a
 * device can report the result to the guest as it would a failed access.
 *
 * Return: as address_space_map().
 */
void *address_space_map_result(AddressSpace *as, hwaddr addr, hwaddr *plen,
                               bool is_write, MemTxAttrs attrs,
                               MemTxResult *result);

/**
 * address_space_unmap() - release what address_space_map() returned.
 * @as: the same address space.
 * @buffer: the pointer map returned.
 * @len: the length map returned in *plen.
 * @is_write: as passed to map.
 * @access_len: how many bytes were touched; a bounce buffer writes back
 *              this many when @is_write.
 *
 * Finds the owner of @buffer in O(1) expected time.
 *
 * Misuse: a @buffer that map did not return (or that was already
 * unmapped) aborts with a message.
 */
void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len);

/**
 * address_space_unmap_result() - address_space_unmap(), with the outcome.
 * @as: the same address space.
 * @buffer: the pointer map returned.
 * @len: the length map returned in *plen.
 * @is_write: as passed to map.
 * @access_len: bytes touched.
 *
 * For a bounce buffer mapped for writing, the data reaches the device
 * only now, and may be refused (a ROM, a device error). This returns that
 * write-back's result; address_space_unmap() only counts it in
 * AddressSpaceStats.writeback_errors.
 *
 * Return: MEMTX_OK, or the write-back's MemTxResult.
 */
MemTxResult address_space_unmap_result(AddressSpace *as, void *buffer,
                                       hwaddr len, bool is_write,
                                       hwaddr access_len);

/**
 * address_space_set_max_bounce_buffer_size() - set the bounce budget.
 * @as: the address space.
 * @size: bytes of bounce buffers that may exist at once; default 4096.
 */
void address_space_set_max_bounce_buffer_size(AddressSpace *as, size_t size);

/**
 * address_space_register_map_client() - hear when retrying map may work.
 * @as: the address space.
 * @callback: called once, with no memcore lock held, when retrying
 *            address_space_map() on @as may work; the client is removed
 *            just before the call.
 * @opaque: passed to @callback.
 *
 * A client is told while bounce memory in use is below the budget
 * (QEMU's rule): at once if that holds at registration, else when bounce
 * memory is freed (by an unmap, or a map whose pre-fill failed) or the
 * budget raised, on the thread that did so. A client is known by its
 * (@callback, @opaque) pair: registering a pair that is already waiting
 * does nothing, as in QEMU. Registering and unregistering cost O(1)
 * however many clients wait.
 *
 * Callbacks never nest on a thread. From inside a callback, @callback
 * may map, unmap, register (itself again, or others) and unregister, on
 * any address space; whatever that would notify is deferred until the
 * running callback returns, and done then by the loop that called it, so
 * the usual client (map fails, register; the callback retries the map
 * and registers again if it fails) retries in a loop, not by recursion.
 * "At once" therefore means: before the outermost register, unmap or map
 * on this thread returns.
 *
 * A client whose retries fail for a reason other than the budget would
 * be told again and again while there is room. Use
 * address_space_map_result(): NULL with MEMTX_OK is the budget, and only
 * then is registering useful.
 *
 * Misuse: 1000 rounds in a row in which clients of @as registered again
 * from their callbacks while bounce memory was free and no map succeeded
 * on the thread abort with a message naming the space and the last
 * client.
 */
void address_space_register_map_client(AddressSpace *as,
                                       void (*callback)(void *opaque),
                                       void *opaque);

/**
 * address_space_unregister_map_client() - stop hearing.
 * @as: the address space.
 * @callback: as registered.
 * @opaque: as registered.
 *
 * After it returns, @callback is not called for this registration and is
 * not running: if it runs on another thread, this waits for it to
 * return (so do not unregister, from a callback, a client whose callback
 * may at that moment be unregistering yours from another thread). From
 * inside its own callback, it cancels a registration made there.
 * Unregistering a pair that is not registered does nothing.
 */
void address_space_unregister_map_client(AddressSpace *as,
                                         void (*callback)(void *opaque),
                                         void *opaque);

/**
 * struct AddressSpaceStats - counters of one address space's map path.
 * @maps: successful address_space_map() calls.
 * @unmaps: address_space_unmap() calls.
 * @map_failures: address_space_map() calls that returned NULL.
 * @outstanding: mappings not yet unmapped.
 * @bounce_in_use: bytes of bounce buffers held now.
 * @bounce_max: the budget.
 * @copies: read/write pieces served by a map-on-demand region's
 *          read_buf/write_buf.
 * @writeback_errors: bounce buffers whose write-back on unmap failed.
 */
typedef struct AddressSpaceStats {
    uint64_t maps;
    uint64_t unmaps;
    uint64_t map_failures;
    uint64_t outstanding;
    uint64_t bounce_in_use;
    uint64_t bounce_max;
    uint64_t copies;
    uint64_t writeback_errors;
} AddressSpaceStats;

/**
 * address_space_get_stats() - read @as's counters.
 * @as: the address space.
 * @stats: filled in with a snapshot of the counters.
 */
void address_space_get_stats(AddressSpace *as, AddressSpaceStats *stats);

/* ---------------------------------------------------------------------- */
/* MemoryRegionCache                                                       */
/* ---------------------------------------------------------------------- */

/* In a header of its own, to keep this one readable. */
#include "exec/memory-cache.h"

/* ---------------------------------------------------------------------- */
/* Listeners                                                               */
/* ---------------------------------------------------------------------- */

/**
 * struct MemoryListener - hears about changes to an address space's view.
 * @begin: a commit that changes this space starts.
 * @commit: it ends.
 * @region_add: a section appeared.
 * @region_del: a section went away.
 * @region_nop: a section stayed as it was (only offered to listeners that
 *              set it; most leave it NULL).
 * @log_start: dirty logging started on a section (@old, @new: masks).
 * @log_stop: dirty logging stopped on a section.
 * @priority: deletions are told in decreasing priority, everything else in
 *            increasing priority.
 * @name: for messages.
 *
 * Callbacks run inside the commit, with the topology lock held: they may
 * read memory but not change the topology.
 */
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_nop)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_start)(MemoryListener *listener, MemoryRegionSection *section,
                      int old_val, int new_val);
    void (*log_stop)(MemoryListener *listener, MemoryRegionSection *section,
                     int old_val, int new_val);
    unsigned priority;
    const char *name;
    /* private */
    AddressSpace *address_space;
};

/**
 * memory_listener_register() - listen to @as.
 * @listener: the listener.
 * @as: the address space.
 *
 * Replays the current view: begin, region_add for every section, commit.
 */
void memory_listener_register(MemoryListener *listener, AddressSpace *as);

/**
 * memory_listener_unregister() - stop listening; no region_del replay.
 * @listener: a registered listener.
 */
void memory_listener_unregister(MemoryListener *listener);

/* ---------------------------------------------------------------------- */
/* Introspection                                                           */
/* ---------------------------------------------------------------------- */

/**
 * mtree_format_tree() - describe @as's region tree, like "info mtree".
 * @out: text is appended here, one line per region, each ending in '\n'.
 * @as: the address space.
 *
 * Map-on-demand regions are marked "map-on-demand" and show their
 * outstanding mappings and map/unmap/copy counts, plus whatever their
 * ops' describe() adds.
 */
void mtree_format_tree(GString *out, AddressSpace *as);

/**
 * mtree_format_flatview() - describe @as's flat view ("info mtree -f"),
 * followed by a line of its map-path counters (bounce use, maps, copies).
 * @out: text is appended here.
 * @as: the address space.
 */
void mtree_format_flatview(GString *out, AddressSpace *as);

/**
 * mtree_print_tree() - mtree_format_tree() to a stdio stream.
 * @f: the stdio stream to print to.
 * @as: the address space.
 */
void mtree_print_tree(FILE *f, AddressSpace *as);

/**
 * mtree_print_flatview() - mtree_format_flatview() to a stdio stream.
 * @f: the stdio stream to print to.
 * @as: the address space.
 */
void mtree_print_flatview(FILE *f, AddressSpace *as);

/**
 * address_space_get_sections() - copy out @as's current flat view.
 * @as: the address space.
 * @n: receives the number of sections.
 *
 * Return: an array to g_free(); the regions are not referenced, so use the
 * result only while the topology cannot change under you.
 */
MemoryRegionSection *address_space_get_sections(AddressSpace *as, size_t *n);

#endif /* EXEC_MEMORY_H */
