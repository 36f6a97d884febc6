/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by the Check suites of tests/unit/.
 */
#ifndef TESTS_UNIT_HELPERS_H
#define TESTS_UNIT_HELPERS_H

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
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

/*
 * Run @fn(@opaque) in a child and check that it is reported as misuse:
 * the child aborts after printing exactly one line on stderr, which
 * starts with "memcore: " followed by @prefix.
 */
static inline void unit_expect_misuse(void (*fn)(void *), void *opaque,
                                      const char *prefix)
{
    char buf[1024], *want = g_strconcat("memcore: ", prefix, NULL);
    size_t got = 0;
    ssize_t n;
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        fn(opaque);
        _exit(0); /* not reported: the parent sees a clean exit */
    }
    close(fds[1]);
    while (got < sizeof(buf) - 1 &&
           (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0) {
        got += n;
    }
    buf[got] = 0;
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "not aborted; stderr: %s", buf);
    ck_assert_msg(g_str_has_prefix(buf, want), "stderr: %s", buf);
    ck_assert_msg(strchr(buf, '\n') == buf + got - 1,
                  "not exactly one line: %s", buf);
    g_free(want);
}

#endif
