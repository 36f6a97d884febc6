/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by the Check suites of tests/unit/.
 */
#ifndef TESTS_UNIT_HELPERS_H
#define TESTS_UNIT_HELPERS_H

#include <check.h>
#include <stdlib.h>
#include "exec/memory.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED

/* Build a suite from (name, function) pairs and run it; exit non-zero on failure. */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* RAM of @size bytes, failing the test if it cannot be had. */
static inline void unit_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    GError *err = NULL;

    ck_assert_msg(memory_region_init_ram(mr, NULL, name, size, &err),
                  "RAM: %s", err ? err->message : "?");
}

/* The section of @as's flat view that covers @addr, or NULL. */
static inline bool unit_section_at(AddressSpace *as, hwaddr addr,
                                   MemoryRegionSection *out)
{
    size_t n, i;
    MemoryRegionSection *s = address_space_get_sections(as, &n);
    bool found = false;

    for (i = 0; i < n; i++) {
        Int128 start = s[i].offset_within_address_space;

        if ((Int128)addr >= start && (Int128)addr < start + s[i].size) {
            *out = s[i];
            found = true;
            break;
        }
    }
    g_free(s);
    return found;
}

#endif
