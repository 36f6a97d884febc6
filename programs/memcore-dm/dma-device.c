/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA test device: registers, and the DMA engine behind CMD.
 *
 * A command runs synchronously inside the MMIO write that starts it, in
 * chunks of at most DMA_CHUNK bytes. Each chunk first tries the map path
 * (address_space_map on both sides, one memcpy), which is what a real
 * device model does for RAM and grants. A side that cannot be mapped, or
 * is mapped shorter than asked, is moved with address_space_read/write
 * instead, a page at a time, so MMIO, an exhausted bounce budget or a
 * refused grant map still work, or fail visibly in STATUS with DONE
 * counting exactly the bytes that moved.
 */
#include <string.h>

#include "exec/memcore-atomic.h"
#include "dma-device.h"

#define DMA_CHUNK (1ULL << 20)
#define DMA_PAGE 4096ULL /* unmapped moves go a page at a time */

enum {
    R_ID,
    R_SRC,
    R_DST,
    R_LEN,
    R_PATTERN,
    R_CMD,
    R_STATUS,
    R_DONE,
    R_MAPPED,
    R_FALLBACK,
    R_SHORT_MAPS,
    R_MAP_FAILS,
    R_MSI_ADDR,
    R_MSI_DATA,
    R_MSIS,
};

struct DmaTestDevice {
    MemoryRegion mmio;
    MemReentrancyGuard guard;
    AddressSpace *as;
    GMutex lock; /* registers; held while a command runs */
    uint64_t regs[DMA_TEST_NR_REGS];
    DmaTestMsiFn msi; /* under lock */
    void *msi_opaque;
};

/* Where a chunk failed, and with what. */
typedef struct DmaOutcome {
    unsigned err;
    MemTxResult tx;
} DmaOutcome;

const char *dma_test_err_name(unsigned err)
{
    static const char *const names[] = {
        [DMA_TEST_ERR_NONE] = "ok",
        [DMA_TEST_ERR_BAD_CMD] = "bad command",
        [DMA_TEST_ERR_TOO_LONG] = "length over the cap",
        [DMA_TEST_ERR_RANGE] = "bad range",
        [DMA_TEST_ERR_SRC] = "source unreadable",
        [DMA_TEST_ERR_DST] = "destination refused the write",
    };

    return err < G_N_ELEMENTS(names) ? names[err] : "?";
}

/* ---- mapping helpers ------------------------------------------------ */

/*
 * Map [addr, addr+len) for the engine. A short mapping is still useful
 * (the chunk shrinks to it), so only a failed one is counted as a
 * fallback; a short one is counted so tests can see bounce limits.
 */
static void *dma_map(DmaTestDevice *d, hwaddr addr, hwaddr *plen,
                     bool is_write)
{
    hwaddr want = *plen;
    void *p = address_space_map(d->as, addr, plen, is_write,
                                MEMTXATTRS_UNSPECIFIED);

    if (!p) {
        d->regs[R_MAP_FAILS]++;
    } else if (*plen < want) {
        d->regs[R_SHORT_MAPS]++;
    }
    return p;
}

/* ---- one chunk ------------------------------------------------------ */

/*
 * Bytes from @src and @dst (at offset @o of the chunk) up to whichever
 * page boundary comes first, at most @left.
 */
static hwaddr piece_len(hwaddr src, hwaddr dst, hwaddr o, hwaddr left)
{
    hwaddr to_src = DMA_PAGE - ((src + o) & (DMA_PAGE - 1));
    hwaddr to_dst = DMA_PAGE - ((dst + o) & (DMA_PAGE - 1));

    return MIN(left, MIN(to_src, to_dst));
}

/*
 * Move @n bytes where at most one side is mapped (@s: the source's
 * mapping, @p: the destination's), with address_space_read/write a page
 * at a time, so that a failure leaves the count exact: every piece before
 * the failing one moved whole, nothing after it was touched, and the
 * failing piece itself (less than a page) reached the destination only as
 * far as a destination that takes part of a write let it. A source read
 * lands in @buf first, never straight in the destination, because a
 * failed read fills its buffer with zeroes. Returns the bytes moved.
 */
static hwaddr move_pieces(DmaTestDevice *d, hwaddr src, hwaddr dst, hwaddr n,
                          const uint8_t *s, uint8_t *p, uint8_t *buf,
                          DmaOutcome *out)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    hwaddr o = 0;

    while (o < n) {
        hwaddr l = piece_len(src, dst, o, n - o);
        const uint8_t *from = s ? s + o : buf;

        if (!s) {
            out->tx = address_space_read(d->as, src + o, attrs, buf, l);
            if (out->tx) {
                out->err = DMA_TEST_ERR_SRC;
                break;
            }
        }
        if (p) {
            memcpy(p + o, from, l);
        } else {
            out->tx = address_space_write(d->as, dst + o, attrs, from, l);
            if (out->tx) {
                out->err = DMA_TEST_ERR_DST;
                break;
            }
        }
        o += l;
    }
    d->regs[R_FALLBACK] += o;
    return o;
}

static hwaddr copy_chunk(DmaTestDevice *d, hwaddr src, hwaddr dst, hwaddr n,
                         bool use_map, uint8_t *buf, DmaOutcome *out)
{
    hwaddr sl = n, dl = n, moved;
    void *s = NULL, *p = NULL;

    if (use_map) {
        s = dma_map(d, src, &sl, false);
        if (s) {
            n = sl; /* never ask the destination for more */
        }
        dl = n;
        p = dma_map(d, dst, &dl, true);
        if (p) {
            n = dl;
        }
    }
    if (s && p) {
        memcpy(p, s, n);
        d->regs[R_MAPPED] += n;
        moved = n;
    } else {
        moved = move_pieces(d, src, dst, n, s, p, buf, out);
    }
    /* A bounce buffer writes back only what really arrived in it. */
    if (p) {
        address_space_unmap(d->as, p, dl, true, moved);
    }
    if (s) {
        address_space_unmap(d->as, s, sl, false, moved);
    }
    return moved;
}

static void fill_pattern(uint8_t *p, hwaddr n, uint64_t pattern, hwaddr pos)
{
    hwaddr i;

    for (i = 0; i < n; i++) {
        p[i] = pattern >> (8 * ((pos + i) & 7));
    }
}

static hwaddr fill_chunk(DmaTestDevice *d, hwaddr dst, hwaddr pos, hwaddr n,
                         bool use_map, uint8_t *buf, DmaOutcome *out)
{
    uint64_t pattern = d->regs[R_PATTERN];
    hwaddr dl = n;
    void *p = use_map ? dma_map(d, dst, &dl, true) : NULL;

    if (p) {
        fill_pattern(p, dl, pattern, pos);
        address_space_unmap(d->as, p, dl, true, dl);
        d->regs[R_MAPPED] += dl;
        return dl;
    }
    /* The pattern is a source that is already there. */
    fill_pattern(buf, n, pattern, pos);
    return move_pieces(d, dst, dst, n, buf, NULL, NULL, out);
}

/* ---- a command ------------------------------------------------------ */

static bool ranges_overlap(hwaddr a, hwaddr b, hwaddr len)
{
    return a < b ? b - a < len : a - b < len;
}

/*
 * Checks made before anything moves: every byte of both ranges must be
 * served in its direction, grant ranges included (every page granted to
 * us, read-write for the destination), so that a refused command moves
 * nothing. Writes through a bounce buffer are only performed at unmap
 * time, where the core cannot report a failure, so a destination that
 * refuses writes (ROM, nothing mapped) must be caught here rather than
 * reported as success. The check is a snapshot: a guest can still end a
 * grant before the data moves, which the engine reports with an exact
 * DONE.
 */
static unsigned dma_precheck(DmaTestDevice *d, unsigned op, hwaddr src,
                             hwaddr dst, hwaddr len, MemTxResult *tx)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    if (len > DMA_TEST_MAX_LEN) {
        return DMA_TEST_ERR_TOO_LONG;
    }
    if (dst + (len - 1) < dst ||
        (op == DMA_TEST_CMD_COPY &&
         (src + (len - 1) < src || ranges_overlap(src, dst, len)))) {
        return DMA_TEST_ERR_RANGE;
    }
    if (op == DMA_TEST_CMD_COPY) {
        *tx = address_space_access_check(d->as, src, len, false, attrs);
        if (*tx != MEMTX_OK) {
            return DMA_TEST_ERR_SRC;
        }
    }
    *tx = address_space_access_check(d->as, dst, len, true, attrs);
    return *tx == MEMTX_OK ? DMA_TEST_ERR_NONE : DMA_TEST_ERR_DST;
}

static void dma_run(DmaTestDevice *d, uint64_t cmd)
{
    unsigned op = cmd & DMA_TEST_CMD_OP_MASK;
    bool use_map = !(cmd & DMA_TEST_CMD_NO_MAP);
    hwaddr src = d->regs[R_SRC], dst = d->regs[R_DST], len = d->regs[R_LEN];
    unsigned refused = qatomic_read(&d->guard.refused);
    DmaOutcome out = { 0 };
    uint8_t *buf = NULL;
    hwaddr done = 0;

    if ((op != DMA_TEST_CMD_COPY && op != DMA_TEST_CMD_FILL) ||
        (cmd & ~(uint64_t)(DMA_TEST_CMD_OP_MASK | DMA_TEST_CMD_NO_MAP))) {
        out.err = DMA_TEST_ERR_BAD_CMD;
    } else if (len) {
        out.err = dma_precheck(d, op, src, dst, len, &out.tx);
    }
    if (!out.err && len) {
        buf = g_malloc(MIN(len, DMA_CHUNK));
    }
    while (!out.err && done < len) {
        hwaddr n = MIN(len - done, DMA_CHUNK);

        n = op == DMA_TEST_CMD_COPY ?
                copy_chunk(d, src + done, dst + done, n, use_map, buf, &out) :
                fill_chunk(d, dst + done, done, n, use_map, buf, &out);
        done += n;
    }
    g_free(buf);

    /* Aimed at our own registers: the core refused it, maybe silently. */
    if (!out.err && qatomic_read(&d->guard.refused) != refused) {
        out.err = DMA_TEST_ERR_DST;
        out.tx = MEMTX_ACCESS_ERROR;
    }
    d->regs[R_DONE] = done;
    d->regs[R_STATUS] = DMA_TEST_STATUS_DONE |
                        (out.err ? DMA_TEST_STATUS_ERROR : 0) |
                        ((uint64_t)out.err << DMA_TEST_STATUS_ERR_SHIFT) |
                        ((uint64_t)(out.tx & 0xff)
                         << DMA_TEST_STATUS_TX_SHIFT);
    /* Completion: one MSI per command, when the guest asked for it. */
    if (d->msi && d->regs[R_MSI_ADDR]) {
        d->msi(d->msi_opaque, d->regs[R_MSI_ADDR],
               (uint32_t)d->regs[R_MSI_DATA]);
        d->regs[R_MSIS]++;
    }
}

/* ---- registers ------------------------------------------------------ */

static uint64_t dma_read(void *opaque, hwaddr addr, unsigned size)
{
    DmaTestDevice *d = opaque;
    unsigned reg = addr / 8, shift = (addr & 7) * 8;
    uint64_t v;

    if (reg >= DMA_TEST_NR_REGS) {
        return 0;
    }
    g_mutex_lock(&d->lock);
    v = d->regs[reg] >> shift;
    g_mutex_unlock(&d->lock);
    return size == 8 ? v : (uint32_t)v;
}

static void dma_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    DmaTestDevice *d = opaque;
    unsigned reg = addr / 8, shift = (addr & 7) * 8;
    uint64_t mask = (size == 8 ? UINT64_MAX : 0xffffffffULL) << shift;

    if (reg >= DMA_TEST_NR_REGS) {
        return;
    }
    g_mutex_lock(&d->lock);
    switch (reg) {
    case R_SRC:
    case R_DST:
    case R_LEN:
    case R_PATTERN:
    case R_MSI_ADDR:
    case R_MSI_DATA:
        d->regs[reg] = (d->regs[reg] & ~mask) | ((val << shift) & mask);
        break;
    case R_CMD:
        d->regs[R_CMD] = (d->regs[R_CMD] & ~mask) | ((val << shift) & mask);
        /*
         * A write to the low half runs the command, so a 32-bit guest can
         * set the upper half first without starting anything twice.
         */
        if (shift == 0) {
            dma_run(d, d->regs[R_CMD]);
        }
        break;
    default:
        break; /* read-only */
    }
    g_mutex_unlock(&d->lock);
}

static const MemoryRegionOps dma_test_ops = {
    .read = dma_read,
    .write = dma_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

DmaTestDevice *dma_test_device_new(AddressSpace *as)
{
    DmaTestDevice *d = g_new0(DmaTestDevice, 1);

    d->as = as;
    d->regs[R_ID] = DMA_TEST_ID;
    g_mutex_init(&d->lock);
    d->guard.name = "dma-test";
    memory_region_init_io(&d->mmio, d, &dma_test_ops, d, "dma-test",
                          DMA_TEST_MMIO_SIZE);
    memory_region_set_reentrancy_guard(&d->mmio, &d->guard);
    return d;
}

void dma_test_device_set_msi(DmaTestDevice *d, DmaTestMsiFn fn, void *opaque)
{
    g_mutex_lock(&d->lock);
    d->msi = fn;
    d->msi_opaque = opaque;
    g_mutex_unlock(&d->lock);
}

MemoryRegion *dma_test_device_mmio(DmaTestDevice *d)
{
    return &d->mmio;
}

void dma_test_device_free(DmaTestDevice *d)
{
    if (!d) {
        return;
    }
    memory_region_finalize(&d->mmio);
    g_mutex_clear(&d->lock);
    g_free(d);
}
