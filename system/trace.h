/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Static trace points of the memory core (docs/devel/tracing.rst).
 *
 * Each trace_<event>() is a USDT probe, provider "memcore": a single nop
 * in the code until perf, bpftrace or SystemTap attach to it, and then
 * its arguments are there to read. The arguments are evaluated either
 * way, so they are only values the code already has at hand. The names
 * follow QEMU's trace events where QEMU has one.
 *
 * Every probe of the project is listed in docs/devel/tracing.rst, with
 * its arguments; tests/build/test-tracing.sh checks that each is in the
 * built library.
 */
#ifndef SYSTEM_TRACE_H
#define SYSTEM_TRACE_H

#include <sys/sdt.h>

/* MMIO: an access through a region's callbacks, and its result. */
#define trace_memory_region_ops_read(mr, addr, value, size, result)         \
    DTRACE_PROBE5(memcore, memory_region_ops_read, (mr)->name, addr, value, \
                  size, result)
#define trace_memory_region_ops_write(mr, addr, value, size, result)         \
    DTRACE_PROBE5(memcore, memory_region_ops_write, (mr)->name, addr, value, \
                  size, result)
/* A device's MMIO refused: re-entered (guard named) or nested too deep. */
#define trace_memory_region_reentrancy_refused(mr, guard_name, depth)    \
    DTRACE_PROBE3(memcore, memory_region_reentrancy_refused, (mr)->name, \
                  guard_name, depth)

/*
 * address_space_map(): what was asked, what was granted (0 on failure),
 * which way it went ("ram", "on-demand", "bounce", "iommu", "" when
 * nothing is mapped there) and the MemTxResult (0 with nothing granted:
 * the bounce budget is spent, register a map client).
 */
#define trace_address_space_map(as, addr, asked, granted, is_write, kind, \
                                result)                                   \
    DTRACE_PROBE7(memcore, address_space_map, (as)->name, addr, asked,    \
                  granted, is_write, kind, result)
/* address_space_unmap(): a mapping given back, with its write-back result. */
#define trace_address_space_unmap(as, ptr, len, access_len, kind, result) \
    DTRACE_PROBE6(memcore, address_space_unmap, (as)->name, ptr, len,     \
                  access_len, kind, result)
/* Bounce memory of a space: taken, refused (budget spent), given back. */
#define trace_bounce_reserve(as, bytes, in_use, budget) \
    DTRACE_PROBE4(memcore, bounce_reserve, (as)->name, bytes, in_use, budget)
#define trace_bounce_refused(as, asked, in_use, budget) \
    DTRACE_PROBE4(memcore, bounce_refused, (as)->name, asked, in_use, budget)
#define trace_bounce_release(as, bytes, in_use) \
    DTRACE_PROBE3(memcore, bounce_release, (as)->name, bytes, in_use)
/* A map client is told to retry. */
#define trace_map_client_notify(callback, opaque) \
    DTRACE_PROBE2(memcore, map_client_notify, callback, opaque)
/* A commit rendered @renders roots and published @changed new views. */
#define trace_memory_region_transaction_commit(renders, changed) \
    DTRACE_PROBE2(memcore, memory_region_transaction_commit, renders, changed)

#endif /* SYSTEM_TRACE_H */
