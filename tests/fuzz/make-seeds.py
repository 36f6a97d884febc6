#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the hand-made seeds of the fuzz corpora (tests/fuzz/corpus/*/seed-*).
#
# Random bytes do decode into programs (see fuzz-input.h), but a program
# that builds a sensible tree, or grants a ref and then maps it, takes
# libFuzzer a while to stumble upon. These seeds start it there. They
# follow the decoders of fuzz-topology.c and fuzz-grant.c byte for byte;
# if a decoder changes, run this again:
#
#   tests/fuzz/make-seeds.py tests/fuzz/corpus
#
# regress-* inputs are the ones that found bugs, kept so that make check
# replays them. The rest of each corpus is what libFuzzer found and
# "run-fuzz.sh --merge" kept: inputs that reach code the seeds do not.

import os
import struct
import sys


def u8(v):
    return bytes([v & 0xff])


def u16(v):
    return struct.pack('<H', v & 0xffff)


def u32(v):
    return struct.pack('<I', v & 0xffffffff)


def u64(v):
    return struct.pack('<Q', v & 0xffffffffffffffff)


def edge_raw(v):
    """fuzz_edge_u64() taking its raw 64-bit form."""
    return u8(10) + u8(0) + u64(v)


# ---- fuzz-topology ---------------------------------------------------------

CONTAINER, RAM, ROM, MMIO, ODM, RESV, ALIAS = range(7)
PLAIN, NARROW, STRICT, DMA = range(4)


def t_size(v):
    """fuzz_size(): small sizes exactly, anything else raw."""
    if v == 1 << 64:
        return u8(4)
    if v == 1 << 63:
        return u8(5)
    if 1 <= v <= 0x3000:
        return u8(0) + u16(v - 1)
    return u8(6) + edge_raw(v)


def t_place(v):
    """fuzz_place()."""
    if v < 0x3000:
        return u8(3) + u16(v)
    return u8(2) + edge_raw(v)


def t_addr(v):
    """fuzz_addr() by its edge form."""
    return u8(0) + edge_raw(v)


def t_len(v):
    """fuzz_len()."""
    assert v < 0x4000
    return u8(0) + u16(v)


def t_node(kind, size=0x1000, flavour=0, dma=0, dma_len=0, target=0,
           alias_offset=0, page_limit=0):
    b = u8(kind)
    if kind in (RAM, ROM):
        return b + u16(size - 1)
    if kind == MMIO:
        return b + u8(flavour) + t_size(size) + edge_raw(dma) + u8(dma_len)
    if kind == ODM:
        return b + u8(flavour) + t_size(size) + u8(page_limit)
    if kind == ALIAS:
        return b + u8(target) + t_place(alias_offset) + t_size(size)
    return b + t_size(size)


def t_add(node, parent, addr, prio=None):
    b = u8(0) + u8(node) + u8(parent + 1)
    if prio is None:
        return b + u8(0) + t_place(addr)
    return b + u8(1) + u8(prio + 2) + t_place(addr)


def t_del(node):
    return u8(2) + u8(node)


def t_change(what, node, arg=b''):
    return u8(3) + u8(what) + u8(node) + arg


def t_begin():
    return u8(5) + u8(1)


def t_commit():
    return u8(5) + u8(0)


def t_read(addr, length):
    return u8(6) + t_addr(addr) + t_len(length)


def t_write(addr, length, seed=0x41):
    return u8(8) + t_addr(addr) + t_len(length) + u8(seed)


def t_ldst(addr, size_log2, be=False, store=False, val=0x1122334455667788):
    sel = size_log2 | (4 if be else 0) | (8 if store else 0)
    return u8(10) + u8(sel) + t_addr(addr) + u64(val)


def t_valid(addr, length, is_write):
    return u8(11) + t_addr(addr) + u8(0) + edge_raw(length) + u8(is_write)


def t_map(addr, length, is_write):
    return u8(12) + t_addr(addr) + u8(0) + edge_raw(length) + u8(is_write)


def t_unmap(idx, how=3):
    return u8(13) + u8(idx) + u8(how)


def t_poke(idx, off, length, seed=0x5a):
    return u8(14) + u8(idx) + u16(off) + t_len(length) + u8(seed)


def t_cache(slot, addr, length, is_write):
    return u8(15) + u8(slot) + t_addr(addr) + u8(0) + edge_raw(length) + \
        u8(is_write)


def t_cache_rw(slot, is_write, off, length, seed=0x33):
    b = u8(16) + u8(slot) + u8(is_write) + u8(1) + u16(off) + t_len(length)
    return b + (u8(seed) if is_write else b'')


def t_cache_destroy(slot):
    return u8(17) + u8(slot)


def t_client(register=True):
    return u8(18) + (u8(1) if register else u8(0) + u8(0))


def t_bounce(sel):
    return u8(19) + u8(sel)


def topology_seeds():
    seeds = {}
    # RAM, MMIO and a reservation side by side; accesses across them.
    nodes = [t_node(RAM, 0x2000), t_node(MMIO, 0x1000, PLAIN),
             t_node(RESV, 0x800), t_node(ODM, 0x3000, 0, page_limit=1)]
    prog = t_add(0, -1, 0x0) + t_add(1, -1, 0x2000) + t_add(2, -1, 0x3000)
    prog += t_add(3, -1, 0x4000)
    prog += t_read(0x1ff0, 0x20) + t_write(0x1ff8, 0x10) + t_read(0x2ff0, 0x40)
    prog += t_read(0x3ffc, 0x100) + t_write(0x6ff0, 0x20)
    prog += t_map(0x1000, 0x3000, 1) + t_poke(0, 0, 0x100) + t_unmap(0)
    prog += t_map(0x2000, 0x2000, 1) + t_poke(0, 0x10, 0x20) + t_unmap(0)
    prog += t_map(0x4ff0, 0x100, 0) + t_unmap(0)
    prog += t_valid(0, 0x3800, 0) + t_valid(0, 0x4000, 1)
    prog += t_cache(0, 0x100, 0x40, 1) + t_cache_rw(0, 1, 8, 8)
    prog += t_cache_rw(0, 0, 0, 0x40) + t_cache_destroy(0)
    seeds['flat'] = u8(len(nodes) - 2) + b''.join(nodes) + prog

    # Containers, priorities, an alias moving over them, transactions.
    nodes = [t_node(CONTAINER, 0x4000), t_node(RAM, 0x1000),
             t_node(MMIO, 0x2000, NARROW), t_node(ROM, 0x800),
             t_node(ALIAS, 0x1800, target=0, alias_offset=0x800)]
    prog = t_add(0, -1, 0x1000) + t_add(1, 0, 0x0, 1) + t_add(2, 0, 0x800)
    prog += t_add(3, 0, 0x400, 2) + t_add(4, -1, 0x8000, -1)
    prog += t_read(0x1000, 0x1000) + t_read(0x8000, 0x1800)
    prog += t_begin() + t_change(1, 4, t_place(0x9000))
    prog += t_change(2, 4, t_place(0x100)) + t_read(0x8000, 0x20)
    prog += t_commit() + t_read(0x9000, 0x1800) + t_write(0x9100, 0x80)
    prog += t_change(0, 1) + t_read(0x1000, 0x100) + t_change(3, 0)
    prog += t_write(0x1400, 0x10) + t_del(3) + t_read(0x1400, 0x10)
    seeds['nested'] = u8(len(nodes) - 2) + b''.join(nodes) + prog

    # The top of the space: regions ending at 2^64, accesses that wrap.
    nodes = [t_node(RAM, 0x1000), t_node(MMIO, 1 << 64, STRICT),
             t_node(ODM, 1 << 63, 1), t_node(CONTAINER, 1 << 64)]
    prog = t_add(0, -1, 0) + t_add(2, -1, 1 << 63, 1) + t_add(1, -1, 0)
    prog += t_read((1 << 64) - 8, 16) + t_write((1 << 64) - 4, 8)
    prog += t_map((1 << 64) - 0x10, (1 << 64) - 1, 0) + t_map(0, (1 << 64) - 1, 1)
    prog += t_valid((1 << 64) - 1, 2, 0) + t_cache(1, (1 << 64) - 8, 64, 0)
    prog += t_cache_rw(1, 0, 0, 8) + t_ldst((1 << 64) - 1, 1)
    prog += t_ldst((1 << 64) - 4, 2, True, True)
    prog += t_unmap(0) + t_unmap(0) + t_cache_destroy(1)
    seeds['top'] = u8(len(nodes) - 2) + b''.join(nodes) + prog

    # Bounce budget: maps of MMIO until it runs out, a map client, release.
    nodes = [t_node(MMIO, 0x4000, PLAIN), t_node(ROM, 0x1000),
             t_node(RAM, 0x1000)]
    prog = t_add(0, -1, 0) + t_add(1, -1, 0x4000) + t_add(2, -1, 0x5000)
    prog += t_map(0, 0x800, 0) + t_map(0x800, 0x800, 1)
    prog += t_map(0x4000, 0x1000, 1) + t_map(0x1000, 0x1000, 0)
    prog += t_client() + t_client() + t_bounce(1) + t_map(0x2000, 8, 0)
    prog += t_poke(1, 0, 0x100) + t_unmap(1) + t_unmap(0) + t_unmap(0)
    prog += t_client(False) + t_bounce(3) + t_map(0x5000, 0x1000, 1)
    seeds['bounce'] = u8(len(nodes) - 2) + b''.join(nodes) + prog

    # A DMA device aimed at its own registers, and one aimed at a peer.
    nodes = [t_node(MMIO, 0x1000, DMA, dma=0x1000, dma_len=8),
             t_node(MMIO, 0x1000, DMA, dma=0x0, dma_len=16),
             t_node(RAM, 0x1000)]
    prog = t_add(0, -1, 0x1000) + t_add(1, -1, 0) + t_add(2, -1, 0x2000)
    prog += t_read(0x1000, 8) + t_write(0x0, 8) + t_read(0x0, 0x2100)
    prog += t_map(0x1000, 0x10, 0) + t_unmap(0)
    seeds['dma-loop'] = u8(len(nodes) - 2) + b''.join(nodes) + prog
    return seeds


def topology_regressions():
    """Inputs that found bugs; make check replays them for good."""
    regs = {}
    # 1dad78e: an access starting in a hole swallowed the RAM after it.
    nodes = [t_node(RAM, 0x1000), t_node(RESV, 0x10)]
    prog = t_add(0, -1, 0x1000) + t_write(0xff0, 0x20) + t_read(0xff0, 0x20)
    regs['hole-prefix'] = u8(len(nodes) - 2) + b''.join(nodes) + prog
    # f0eea90: access_valid over 2^40 bytes of MMIO took hours.
    nodes = [t_node(MMIO, 1 << 40, PLAIN), t_node(RESV, 0x10)]
    prog = t_add(0, -1, 0) + t_valid(0, 1 << 40, 1)
    regs['valid-hang'] = u8(len(nodes) - 2) + b''.join(nodes) + prog
    return regs


# ---- fuzz-grant ------------------------------------------------------------

GRANT_BASE = 1 << 63
PAGE = 4096


def g_ref(ref):
    """fuzz_ref() for refs 8..31 exactly; others by the edge form."""
    if 8 <= ref < 32:
        return u8((ref - 8) << 3 | 4)
    return u8(3) + edge_raw(ref << 12)


def g_addr_ref(ref, off):
    return u8(3) + u16(off) + g_ref(ref)


def g_addr_raw(v):
    return u8(2) + u16(0) + edge_raw(v)


def g_len(v):
    if 1 <= v <= 64:
        return u8(3) + u8(v - 1)
    return u8(0) + u32(v)


def g_entry(ref, flags_sel, frame, self_domid=True):
    sel = flags_sel | (0x08 if self_domid else 0)
    return u8(0) + g_ref(ref) + u8(sel) + (b'' if self_domid else u16(9)) + \
        u8(frame)


def g_grant(n, gfn, ro):
    return u8(3) + u8(n - 1) + u8(gfn) + u8(ro)


def g_end(ref):
    return u8(5) + g_ref(ref)


def g_balloon(gfn, out):
    return u8(6) + u8(gfn) + u8(out)


def g_scribble(at, length, val):
    return u8(7) + u16(at) + u8(length) + u8(val)


def g_rw(addr_bytes, length, is_write, seed=0x10):
    return u8(8) + addr_bytes + g_len(length) + u8(is_write) + \
        (u8(seed) if is_write else b'')


def g_map(addr_bytes, length, is_write):
    return u8(10) + addr_bytes + u8(1) + g_len(length) + u8(is_write)


def g_poke(idx, off, length, val):
    return u8(12) + u8(idx) + u32(off) + g_len(length) + u8(val)


def g_unmap(idx):
    return u8(13) + u8(idx) + u8(1)


def g_cache(slot, addr_bytes, length, is_write):
    return u8(14) + u8(slot) + addr_bytes + u8(1) + g_len(length) + \
        u8(is_write)


def g_cache_rw(slot, off, length, is_write, val=0x77):
    return u8(15) + u8(1) + u8(slot) + u32(off) + u8(length - 1) + \
        u8(is_write) + u8(val)


def g_cache_destroy(slot):
    return u8(15) + u8(0) + u8(slot)


def grant_seeds():
    seeds = {}
    # Grant, read and write by copy, map for both, revoke while mapped.
    p = g_scribble(0x3000, 200, 0x42) + g_grant(1, 3, 0) + g_grant(2, 5, 1)
    p += g_rw(g_addr_ref(8, 0x10), 32, 0) + g_rw(g_addr_ref(8, 0xff0), 32, 1)
    p += g_rw(g_addr_ref(9, 0), 64, 1) + g_rw(g_addr_ref(9, 0xfe0), 64, 0)
    p += g_map(g_addr_ref(8, 0), 4096, 1) + g_poke(0, 0x100, 16, 0x99)
    p += g_end(8) + g_map(g_addr_ref(9, 0x800), 0x1000, 0) + g_end(9)
    p += g_map(g_addr_ref(9, 0), 16, 1) + g_unmap(0) + g_end(8)
    p += g_unmap(0) + g_end(9) + g_end(10)
    seeds['grant-map-end'] = p

    # The guest rewrites an entry under a mapping, balloons its frame.
    p = g_grant(1, 2, 0) + g_map(g_addr_ref(8, 0), 8192, 0)
    p += g_entry(8, 1, 6) + g_balloon(2, 1) + g_rw(g_addr_ref(8, 0), 64, 0)
    p += g_map(g_addr_ref(8, 4), 64, 0) + g_balloon(2, 0)
    p += g_unmap(0) + g_unmap(0) + g_rw(g_addr_ref(8, 0), 64, 0)
    p += g_entry(8, 2, 4) + g_rw(g_addr_ref(8, 0), 16, 1)
    p += g_entry(8, 6, 4) + g_rw(g_addr_ref(8, 0), 16, 1)
    seeds['grant-hostile-entry'] = p

    # Multi-page copies across a copy batch, and the 32-bit ref limit.
    p = g_grant(4, 0, 0) + g_grant(4, 4, 0) + g_grant(4, 8, 1)
    p += g_rw(g_addr_ref(8, 0x10), 12 * PAGE, 0)
    p += g_rw(g_addr_ref(8, 0), 70 * PAGE - 1, 1)
    p += g_rw(g_addr_raw(GRANT_BASE + (0xffffffff << 12) + 0xff0), 32, 0)
    p += g_map(g_addr_raw(GRANT_BASE + (0xffffffff << 12)), 0xffff, 0)
    p += g_rw(g_addr_raw(GRANT_BASE - 0x10), 0x20, 1)
    p += g_rw(g_addr_raw((1 << 64) - 8), 16, 0)
    p += g_map(g_addr_raw(GRANT_BASE - 0x100), 0x200, 1) + g_unmap(0)
    seeds['grant-edges'] = p

    # Caches: a read cache written through, a write cache, revocation.
    p = g_grant(2, 1, 0) + g_cache(0, g_addr_ref(8, 0x20), 0x100, 0)
    p += g_cache_rw(0, 0x10, 8, 1) + g_cache_rw(0, 0, 32, 0)
    p += g_cache(1, g_addr_ref(9, 0), 0x200, 1) + g_cache_rw(1, 4, 16, 1)
    p += g_end(9) + g_cache_destroy(1) + g_end(9) + g_cache_destroy(0)
    p += g_cache(2, g_addr_raw(GRANT_BASE - 0x80), 0x100, 1)
    p += g_cache_rw(2, 0, 64, 1) + g_cache_destroy(2)
    seeds['grant-cache'] = p
    return seeds


# ---- fuzz-qtest ------------------------------------------------------------

def qtest_seeds():
    q = {}
    q['proto'] = ('readb 0x0\nreadw 0x1\nreadl 0x1000\nreadq 0xff8\n'
                  'writeb 0x10 0x1\nwritew 0x10 0x1234\nwritel 0x10 0x1\n'
                  'writeq 0x10 0x1122334455667788\nread 0x10 0x10\n'
                  'write 0x20 0x4 0xdeadbeef\nb64read 0x10 0x8\n'
                  'b64write 0x10 0x4 3q2+7w==\nmemset 0x100 0x100 0x5a\n'
                  'endianness\nmtree\nmtree -f\nstats\n')
    q['errors'] = ('readl\nreadl zz\nread 0x0 0\nread 0 0x1000001\n'
                   'write 0x0 4 0x1\nwrite 0x0 1 0xzz\nb64write 0 4 !!!!\n'
                   'memset 0xfffffffffff00000 0x200000 0x77\nnosuchcmd\n'
                   '\n\r\nreadl 0x1000\t\nreadl  0x1\n')
    q['devices'] = ('readq 0xfe000000\nwriteq 0xfe000008 0x0\n'
                    'writeq 0xfe000010 0x2000\nwriteq 0xfe000018 0x100\n'
                    'writeq 0xfe000028 0x1\nreadq 0xfe000030\n'
                    'writeq 0xfe000010 0xfe000000\nwriteq 0xfe000028 0x1\n'
                    'writeq 0xfe000010 0xfe010000\nwriteq 0xfe000028 0x101\n'
                    'read 0xfe010000 0x20\nreadl 0xffff0000\n'
                    'writel 0xffff0000 0x1\n')
    q['grants'] = ('xen-grant 0x3 rw\nxen-grant-seq 0x4 3 ro\n'
                   'read 0x8000000000008000 0x20\n'
                   'write 0x8000000000008010 0x4 0x01020304\n'
                   'write 0x8000000000009000 0x4 0x01020304\n'
                   'writeq 0xfe000008 0x8000000000008000\n'
                   'writeq 0xfe000010 0x0\nwriteq 0xfe000018 0x3000\n'
                   'writeq 0xfe000028 0x1\nreadq 0xfe000030\n'
                   'xen-end 8\nxen-end 8\nxen-end 99999999999\nxen-grant 0x1000000 rw\n'
                   'read 0xfffffffffffffff0 0x20\n')
    return {k: v.encode() for k, v in q.items()}


# ---- fuzz-qmp --------------------------------------------------------------

def qmp_seeds():
    neg = b'{"execute": "qmp_capabilities"}'
    return {
        'negotiate': neg,
        'run-state': neg + b'{"execute": "query-status"}{"execute": "cont"}'
                     b'{"execute": "stop", "id": [1]}{"execute": "cont"}'
                     b'{"execute": "system_reset"}{"execute": "quit"}',
        'queries': neg + b'\n{"execute": "query-machines"}\n'
                   b'{"execute": "query-commands"}\r\n'
                   b'{"execute": "qom-list-types", "arguments": '
                   b'{"implements": "accel", "abstract": false}}'
                   b'{"execute": "query-version"}',
        'grants': neg + b'{"execute": "x-memcore-xen-grant", "arguments": '
                  b'{"gfn": 16, "count": 3, "readonly": true}}'
                  b'{"execute": "x-memcore-xen-end", "arguments": '
                  b'{"ref": 8}}{"execute": "x-memcore-xen-grant", '
                  b'"arguments": {"gfn": 32}}',
        'errors': b'{"execute": "stop"}' + neg + neg +
                  b'garbage {"execute": } [1] "s" {} {"execute": 1}'
                  b'{"execute": "stop", "arguments": 1}'
                  b'{"execute": "stop", "x": 1}{"execute": "nope"}'
                  b"{'execute': 'query-status'}"
                  b'{"execute": "x-memcore-xen-end", "arguments": '
                  b'{"ref": "8"}}}]',
        'deep': neg + b'{"a": ' + b'[' * 70 + b']' * 70 + b'}',
        'strings': neg + b'{"execute": "q\\"}{", "id": "\\u0041}"}',
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fuzz/corpus'
    for target, seeds in (('topology', topology_seeds()),
                          ('grant', grant_seeds()),
                          ('qtest', qtest_seeds()),
                          ('qmp', qmp_seeds())):
        os.makedirs(os.path.join(out, target), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, target, 'seed-' + name), 'wb') as f:
                f.write(data)
    for name, data in topology_regressions().items():
        with open(os.path.join(out, 'topology', 'regress-' + name),
                  'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
