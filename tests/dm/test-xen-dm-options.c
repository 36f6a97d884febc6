/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The deprivileged launch, without Xen: -xen-domid-restrict, -runas and
 * -chroot parsing; -runas resolution and the privilege drop itself (in a
 * forked child, when the test runs as root); and the backend restriction
 * with the emulated hypervisor, which refuses other domains' memory the
 * way privcmd does once restricted.
 */
#include <check.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memcore-dm/machine.h"
#include "memcore-dm/privsep.h"

static bool parse(GError **errp, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *a;
    DmOptions o;
    va_list ap;
    bool ok;

    g_ptr_array_add(argv, "memcore-dm");
    va_start(ap, errp);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (char *)a);
    }
    va_end(ap);
    ok = dm_options_parse(&o, argv->len, (char **)argv->pdata, errp);
    dm_options_clear(&o);
    return ok;
}

START_TEST(test_options)
{
    GError *err = NULL;

    /* Serving a guest is what -accel xen does with nothing else to do. */
    ck_assert(parse(&err, "-accel", "xen,domid=3", "-xen-domid-restrict",
                    "-runas", "1001:1001", "-chroot", "/var/empty", NULL));
    ck_assert(parse(&err, "-accel", "xen,domid=3", NULL));
    ck_assert(!parse(&err, "-accel", "xen-emu", "-xen-domid-restrict",
                     "-mtree", NULL));
    ck_assert_str_eq(err->message,
                     "-xen-domid-restrict only applies when "
                     "serving a Xen guest: -accel xen,domid=N without -qtest, "
                     "-qmp or -mtree");
    g_clear_error(&err);
    ck_assert(!parse(&err, "-accel", "xen,domid=3", "-runas", "nobody",
                     "-qtest", "stdio", NULL));
    ck_assert(g_str_has_prefix(err->message, "-runas only applies"));
    g_clear_error(&err);
    ck_assert(!parse(&err, "-accel", "xen,domid=3", "-chroot", "", NULL));
    ck_assert_str_eq(err->message, "-chroot needs a non-empty value");
    g_clear_error(&err);
    ck_assert(!parse(&err, "-accel", "xen-emu", NULL));
    ck_assert(g_str_has_prefix(err->message, "nothing to do"));
    g_clear_error(&err);
    /* -runas is resolved while parsing: a bad user is a bad command line. */
    ck_assert(!parse(&err, "-accel", "xen,domid=3", "-runas",
                     "no-such-user-memcore", NULL));
    ck_assert_str_eq(err->message, "-runas: no user 'no-such-user-memcore' "
                                   "in /etc/passwd");
    g_clear_error(&err);
    ck_assert(!parse(&err, "-accel", "xen,domid=3", "-runas", "0:5", NULL));
    g_clear_error(&err);
}
END_TEST

/*
 * The program: a bad -runas exits 2 before touching Xen; without Xen,
 * serving a guest fails with 1 and says why.
 */
START_TEST(test_program)
{
    const char *dm = g_getenv("MEMCORE_DM");
    g_autofree char *out = NULL, *err = NULL;
    GError *gerr = NULL;
    int status;
    char *bad_user[] = {
        (char *)dm, "-accel", "xen,domid=3", "-runas", "no-such-user-memcore",
        NULL
    };
    char *serve[] = { (char *)dm, "-accel", "xen,domid=3",
                      "-xen-domid-restrict", NULL };

    ck_assert_ptr_nonnull(dm);
    ck_assert(g_spawn_sync(NULL, bad_user, NULL, 0, NULL, NULL, &out, &err,
                           &status, &gerr));
    ck_assert_int_eq(WEXITSTATUS(status), 2);
    ck_assert_str_eq(err, "memcore-dm: -runas: no user "
                          "'no-such-user-memcore' in /etc/passwd\n");
    if (g_file_test("/dev/xen/gntdev", G_FILE_TEST_EXISTS)) {
        return; /* a real Xen: tests/xen-real serves one */
    }
    g_free(out);
    g_free(err);
    ck_assert(g_spawn_sync(NULL, serve, NULL, 0, NULL, NULL, &out, &err,
                           &status, &gerr));
    ck_assert_int_eq(WEXITSTATUS(status), 1);
    ck_assert_msg(g_str_has_prefix(err, "memcore-dm: -accel xen: no Xen: "
                                        "/dev/xen/gntdev: "),
                  "%s", err);
}
END_TEST

START_TEST(test_runas_parse)
{
    GError *err = NULL;
    DmRunAs r;

    ck_assert(dm_parse_runas("1001", &r, &err));
    ck_assert_uint_eq(r.uid, 1001);
    ck_assert_uint_eq(r.gid, 1001);
    ck_assert(dm_parse_runas("1001:2002", &r, &err));
    ck_assert_uint_eq(r.gid, 2002);
    ck_assert(!dm_parse_runas("0", &r, &err));
    ck_assert_str_eq(err->message, "-runas: '0' is root; give an "
                                   "unprivileged user");
    g_clear_error(&err);
    ck_assert(!dm_parse_runas("root", &r, &err));
    g_clear_error(&err);
    ck_assert(!dm_parse_runas("1001:0", &r, &err));
    g_clear_error(&err);
    ck_assert(!dm_parse_runas("no-such-user-memcore", &r, &err));
    ck_assert_str_eq(err->message, "-runas: no user 'no-such-user-memcore' "
                                   "in /etc/passwd");
    g_clear_error(&err);
    ck_assert(!dm_parse_runas("1001:no-such-group-memcore", &r, &err));
    g_clear_error(&err);
    ck_assert(!dm_parse_runas(":5", &r, &err));
    g_clear_error(&err);
    ck_assert(!dm_parse_runas("5:", &r, &err));
    g_clear_error(&err);
    /* Names come from /etc/passwd without NSS; "nobody" is in Debian's. */
    if (dm_parse_runas("nobody", &r, &err)) {
        ck_assert_uint_ne(r.uid, 0);
    } else {
        g_clear_error(&err);
    }
}
END_TEST

/* The drop itself changes the process: do it in a child. */
START_TEST(test_drop)
{
    DmRunAs r = { .uid = 1001, .gid = 1002 };
    GError *err = NULL;
    int status;
    pid_t pid;

    if (geteuid() != 0) {
        return; /* only root can drop anything */
    }
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bool ok = dm_drop_privileges("/", &r, &err);

        _exit(ok && getuid() == 1001 && geteuid() == 1001 &&
                      getgid() == 1002 && getgroups(0, NULL) == 0 &&
                      setuid(0) != 0 ?
                  0 :
                  1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* -xen-domid-restrict's check, on the emulated hypervisor. */
START_TEST(test_restrict_backend)
{
    char *argv[] = { "memcore-dm", "-accel", "xen-emu,domid=5", "-m", "16M",
                     "-mtree",     NULL };
    GError *err = NULL;
    DmMachine *m;
    DmOptions o;

    ck_assert(dm_options_parse(&o, 6, argv, &err));
    m = dm_machine_new(&o, &err);
    ck_assert(m);
    /* Before: another domain is merely absent; the guest maps. */
    ck_assert_int_eq(dm_xen_probe_foreign_map(m->xen, 5), 0);
    ck_assert_int_eq(dm_xen_probe_foreign_map(m->xen, 0), ESRCH);
    ck_assert(dm_xen_restrict(m->xen, &err));
    /* After: refused before any lookup, as privcmd does. */
    ck_assert_int_eq(dm_xen_probe_foreign_map(m->xen, 0), EPERM);
    ck_assert_int_eq(dm_xen_probe_foreign_map(m->xen, 7), EPERM);
    ck_assert_int_eq(dm_xen_probe_foreign_map(m->xen, 5), 0);
    /* Restricting again to the same domain is fine, to another is not. */
    ck_assert(dm_xen_restrict(m->xen, &err));
    dm_machine_free(m);
    dm_options_clear(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xen-dm-options");
    TCase *tc = tcase_create("deprivilege");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_program);
    tcase_add_test(tc, test_runas_parse);
    tcase_add_test(tc, test_drop);
    tcase_add_test(tc, test_restrict_backend);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
