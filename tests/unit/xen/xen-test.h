/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the hw/xen Check suites: one emulated hypervisor with
 * one guest and a dom0 backend, and a helper to run the guest in a child.
 */
#ifndef TESTS_UNIT_XEN_XEN_TEST_H
#define TESTS_UNIT_XEN_XEN_TEST_H

#include <check.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/memcore-atomic.h"
#include "hw/xen/xen-emu.h"
#include "tests/unit/unit-helpers.h"

#define GUEST_DOMID 7
#define OTHER_DOMID 9
#define BACKEND_DOMID 0
#define GUEST_PAGES 64

typedef struct XenTestEnv {
    XenEmu *emu;
    XenEmuDomain *dom;
    XenBackend *be;
    uint8_t *ram;
} XenTestEnv;

/* Check runs each test in its own process: the fixture is per test. */
static XenTestEnv env;

static inline void xen_test_setup(void)
{
    GError *err = NULL;

    env.emu = xen_emu_new(&err);
    ck_assert_msg(env.emu, "%s", err ? err->message : "?");
    env.dom = xen_emu_domain_new(env.emu, GUEST_DOMID,
                                 GUEST_PAGES * XEN_PAGE_SIZE, &err);
    ck_assert_msg(env.dom, "%s", err ? err->message : "?");
    env.be = xen_emu_backend_open(env.emu, BACKEND_DOMID, &err);
    ck_assert_msg(env.be, "%s", err ? err->message : "?");
    env.ram = xen_emu_domain_ram(env.dom);
}

static inline void xen_test_teardown(void)
{
    xen_backend_close(env.be);
    xen_emu_free(env.emu);
    memset(&env, 0, sizeof(env));
}

/* Fill guest frame @gfn with @byte. */
static inline void guest_fill(uint64_t gfn, uint8_t byte)
{
    memset(env.ram + gfn * XEN_PAGE_SIZE, byte, XEN_PAGE_SIZE);
}

/* True if every byte of [gfn*4K + off, +len) is @byte. */
static inline bool guest_is(uint64_t gfn, size_t off, size_t len, uint8_t byte)
{
    const uint8_t *p = env.ram + gfn * XEN_PAGE_SIZE + off;

    for (size_t i = 0; i < len; i++) {
        if (p[i] != byte) {
            return false;
        }
    }
    return true;
}

static inline uint16_t entry_flags(uint32_t ref)
{
    XenGrantEntryV1 *t = xen_emu_domain_grant_table(env.dom, NULL);

    return qatomic_load_acquire(&t[ref].flags);
}

static sigjmp_buf fault_jmp;

static void fault_handler(int sig)
{
    siglongjmp(fault_jmp, 1);
}

/*
 * Does storing to @p fault? Catches SIGSEGV itself, rather than letting
 * the test die of it, so that it also works under AddressSanitizer.
 */
static inline bool store_faults(volatile uint8_t *p, uint8_t v)
{
    struct sigaction sa = { .sa_handler = fault_handler }, old;
    bool faulted = true;

    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(fault_jmp, 1) == 0) {
        *p = v;
        faulted = false;
    }
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

/*
 * Run @fn in a forked child acting as the guest; it talks to the parent
 * over @to_parent / @from_parent (pipe ends) and exits with its result:
 * 0 for success, else the line of the first failed check.
 */
typedef int GuestFn(int to_parent, int from_parent);

typedef struct GuestChild {
    pid_t pid;
    int rd; /* parent reads what the child sends */
    int wr; /* parent writes to the child */
} GuestChild;

static inline GuestChild guest_fork(GuestFn *fn)
{
    int up[2], down[2];
    GuestChild c;

    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        close(up[0]);
        close(down[1]);
        _exit(fn(up[1], down[0]));
    }
    close(up[1]);
    close(down[0]);
    c.rd = up[0];
    c.wr = down[1];
    return c;
}

static inline int guest_wait(GuestChild *c)
{
    int status;

    close(c->rd);
    close(c->wr);
    ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
    ck_assert_msg(WIFEXITED(status), "guest child died");
    return WEXITSTATUS(status);
}

/* Pipe helpers usable in both processes (no Check asserts inside). */
static inline bool send_u64(int fd, uint64_t v)
{
    return write(fd, &v, sizeof(v)) == sizeof(v);
}

static inline bool recv_u64(int fd, uint64_t *v)
{
    return read(fd, v, sizeof(*v)) == sizeof(*v);
}

/* Parent side: the child must answer. */
static inline uint64_t expect_u64(int fd)
{
    uint64_t v = 0;

    ck_assert_msg(recv_u64(fd, &v), "guest child did not answer");
    return v;
}

/* In the child, Check's asserts cannot be used: say what failed, exit 1. */
#define CHILD_CHECK(cond)                                             \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "guest child: %s:%d: check failed: %s\n", \
                    __FILE__, __LINE__, #cond);                       \
            return 1;                                                 \
        }                                                             \
    } while (0)

#endif /* TESTS_UNIT_XEN_XEN_TEST_H */
