/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Serving Xen ioreqs through the machine's AddressSpace (see ioreq.h).
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "ioreq.h"

static bool valid_size(uint32_t size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * Repeat @i of a request starting at @base: the addresses go up by @size,
 * or down with @df. Only called once rep_range_ok() accepted the range.
 */
static uint64_t rep_addr(uint64_t base, uint32_t i, uint32_t size, bool df)
{
    uint64_t step = (uint64_t)i * size;

    return df ? base - step : base + step;
}

/* Do @count repeats of @size bytes from @base stay inside 2^64? */
static bool rep_range_ok(uint64_t base, uint32_t count, uint32_t size, bool df)
{
    uint64_t span = (uint64_t)(count - 1) * size;
    uint64_t lowest;

    if (df && base < span) {
        return false;
    }
    lowest = df ? base - span : base;
    return lowest <= UINT64_MAX - span - (size - 1);
}

/* Is the request's shape acceptable before anything is accessed? */
static bool request_ok(const DmIoreq *req)
{
    if (!valid_size(req->size) || req->count == 0 ||
        (uint64_t)req->count * req->size > DM_IOREQ_MAX_BYTES) {
        return false;
    }
    if (!rep_range_ok(req->addr, req->count, req->size, req->df)) {
        return false;
    }
    return !req->data_is_ptr ||
           rep_range_ok(req->data, req->count, req->size, req->df);
}

static uint64_t ones(uint32_t size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* A value to or from little-endian bytes (x86 guests, any host). */
static uint64_t load_le(const uint8_t *buf, uint32_t size)
{
    uint64_t v = 0;
    uint32_t i;

    for (i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

static void store_le(uint8_t *buf, uint64_t v, uint32_t size)
{
    uint32_t i;

    for (i = 0; i < size; i++) {
        buf[i] = v >> (8 * i);
    }
}

/* A value in the request itself; repeats reuse it (rep stos, rep lods). */
static MemTxResult serve_value(DmIoreqTarget *t, DmIoreq *req)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    MemTxResult r = MEMTX_OK, one;
    uint8_t buf[8];
    uint32_t i;

    for (i = 0; i < req->count; i++) {
        uint64_t a = rep_addr(req->addr, i, req->size, req->df);

        if (req->dir == DM_IOREQ_DIR_READ) {
            one = address_space_read(t->as, a, attrs, buf, req->size);
            req->data = one ? ones(req->size) : load_le(buf, req->size);
        } else {
            store_le(buf, req->data, req->size);
            one = address_space_write(t->as, a, attrs, buf, req->size);
        }
        r |= one;
    }
    return r;
}

/*
 * The values live in guest memory at @data (rep movs, rep ins/outs): a
 * read moves device -> memory, a write memory -> device. A failed device
 * read still writes all ones, as the bus would answer.
 */
static MemTxResult serve_pointer(DmIoreqTarget *t, DmIoreq *req)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    MemTxResult r = MEMTX_OK, one;
    uint8_t buf[8];
    uint32_t i;

    for (i = 0; i < req->count; i++) {
        uint64_t a = rep_addr(req->addr, i, req->size, req->df);
        uint64_t p = rep_addr(req->data, i, req->size, req->df);

        if (req->dir == DM_IOREQ_DIR_READ) {
            one = address_space_read(t->as, a, attrs, buf, req->size);
            if (one) {
                memset(buf, 0xff, req->size);
            }
            r |= one | address_space_write(t->as, p, attrs, buf, req->size);
        } else {
            one = address_space_read(t->as, p, attrs, buf, req->size);
            if (!one) {
                one = address_space_write(t->as, a, attrs, buf, req->size);
            }
            r |= one;
        }
    }
    return r;
}

static MemTxResult serve_mmio(DmIoreqTarget *t, DmIoreq *req)
{
    MemTxResult r;

    if (!request_ok(req)) {
        t->stats.malformed++;
        if (req->dir == DM_IOREQ_DIR_READ && !req->data_is_ptr) {
            req->data = UINT64_MAX;
        }
        return MEMTX_DECODE_ERROR;
    }
    r = req->data_is_ptr ? serve_pointer(t, req) : serve_value(t, req);
    if (r) {
        t->stats.tx_errors++;
    }
    return r;
}

MemTxResult dm_ioreq_serve(DmIoreqTarget *t, DmIoreq *req)
{
    MemTxResult r = MEMTX_OK;

    switch (req->type) {
    case DM_IOREQ_TYPE_COPY:
        r = serve_mmio(t, req);
        break;
    case DM_IOREQ_TYPE_PIO:
        /* No port devices: the bus floats high. */
        if (req->dir == DM_IOREQ_DIR_READ && !req->data_is_ptr) {
            req->data = valid_size(req->size) ? ones(req->size) : UINT64_MAX;
        }
        break;
    case DM_IOREQ_TYPE_INVALIDATE:
        t->stats.invalidates++;
        if (t->invalidate) {
            t->invalidate(t->opaque);
        }
        break;
    case DM_IOREQ_TYPE_PCI_CONFIG:
    case DM_IOREQ_TYPE_TIMEOFFSET:
        break;
    default:
        t->stats.malformed++;
        r = MEMTX_DECODE_ERROR;
        break;
    }
    t->stats.served++;
    return r;
}

bool dm_ioreq_handle_slot(DmIoreqTarget *t, DmIoreq *slot)
{
    volatile DmIoreq *shared = slot;
    DmIoreq req;

    if (shared->state != DM_IOREQ_STATE_READY) {
        return false;
    }
    /* Xen wrote the request before its state: read them in that order. */
    smp_mb_acquire();
    memcpy(&req, slot, sizeof(req));
    shared->state = DM_IOREQ_STATE_INPROCESS;
    dm_ioreq_serve(t, &req);
    shared->data = req.data;
    /* The reply's data must be visible before its state says so. */
    smp_mb_release();
    shared->state = DM_IOREQ_STATE_RESP_READY;
    return true;
}

/* Turn the buffered slot(s) at @rp into a request; 0 if incomplete. */
static unsigned take_buffered(DmBufIoreqPage *page, uint32_t rp,
                              uint32_t avail, DmIoreq *req)
{
    DmBufIoreq b = page->slot[rp % DM_BUFIOREQ_SLOTS];

    memset(req, 0, sizeof(*req));
    req->type = b.type;
    req->dir = b.dir;
    req->size = 1U << b.size;
    req->addr = b.addr;
    req->data = b.data;
    req->count = 1;
    if (req->size < 8) {
        return 1;
    }
    /* An 8-byte write carries its upper half in the next slot. */
    if (avail < 2) {
        return 0;
    }
    req->data |= (uint64_t)page->slot[(rp + 1) % DM_BUFIOREQ_SLOTS].data << 32;
    return 2;
}

unsigned dm_ioreq_drain_buffered(DmIoreqTarget *t, DmBufIoreqPage *page)
{
    unsigned done = 0, consumed = 0;

    /*
     * Xen may rebase both pointers at any time (in the ATOMIC mode it
     * subtracts a multiple of the ring size from both at once), so the
     * read pointer is only ever advanced with an atomic add.
     */
    while (consumed < DM_BUFIOREQ_SLOTS) {
        uint32_t rp = qatomic_read(&page->read_pointer);
        uint32_t wp = qatomic_load_acquire(&page->write_pointer);
        uint32_t avail = wp - rp;
        DmIoreq req;
        unsigned used;

        if (!avail) {
            break;
        }
        if (avail > DM_BUFIOREQ_SLOTS) {
            t->stats.ring_resets++;
            qatomic_fetch_add_release(&page->read_pointer, avail);
            break;
        }
        used = take_buffered(page, rp, avail, &req);
        if (!used) {
            break;
        }
        if (req.dir == DM_IOREQ_DIR_WRITE) {
            dm_ioreq_serve(t, &req);
            t->stats.buffered++;
            done++;
        } else {
            t->stats.malformed++; /* posted reads make no sense */
        }
        consumed += used;
        qatomic_fetch_add_release(&page->read_pointer, used);
    }
    return done;
}
