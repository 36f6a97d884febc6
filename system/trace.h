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
#define trace_memory_region_ops_read(mr, addr, value, size, result) \
    DTRACE_PROBE5(memcore, memory_region_ops_read, (mr)->name, addr, \
                  value, size, result)
#define trace_memory_region_ops_write(mr, addr, value, size, result) \
    DTRACE_PROBE5(memcore, memory_region_ops_write, (mr)->name, addr, \
                  value, size, result)
/* A device's MMIO refused: re-entered (guard named) or nested too deep. */
#define trace_memory_region_reentrancy_refused(mr, guard_name, depth) \
    DTRACE_PROBE3(memcore, memory_region_reentrancy_refused, (mr)->name, \
                  guard_name, depth)

#endif /* SYSTEM_TRACE_H */
