/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxen backend builds, and on a machine without Xen it fails with a
 * clear error instead of crashing. On a machine with Xen it opens.
 */
#include <unistd.h>

#include "config-host.h"
#include "hw/xen/xen-backend-ops.h"
#include "tests/unit/unit-helpers.h"

#ifdef CONFIG_LIBXEN
static const bool built_with_libxen = true;
#else
static const bool built_with_libxen = false;
#endif

static bool have_xen(void)
{
    return access("/dev/xen/gntdev", F_OK) == 0;
}

START_TEST(test_open_without_xen)
{
    GError *err = NULL;
    XenBackend *be = xen_backend_open_libxen(&err);

    if (have_xen() && built_with_libxen) {
        ck_assert_msg(be, "Xen present but: %s", err ? err->message : "?");
        ck_assert_str_eq(xen_backend_name(be), "libxen");
        xen_backend_close(be);
        return;
    }
    ck_assert_ptr_null(be);
    ck_assert_ptr_nonnull(err);
    if (built_with_libxen) {
        ck_assert_msg(g_str_has_prefix(err->message,
                                       "no Xen: /dev/xen/gntdev: "),
                      "unexpected message: %s", err->message);
    } else {
        ck_assert_msg(g_str_has_prefix(err->message, "no Xen: memcore was "
                                                     "built without libxen"),
                      "unexpected message: %s", err->message);
    }
    /* Either way a caller can tell "no Xen here" from other failures. */
    ck_assert(g_error_matches(err, MEMCORE_ERROR, MEMCORE_ERROR_UNAVAILABLE));
    g_error_free(err);
}
END_TEST

/* NULL errp is allowed: the caller only wants to know whether. */
START_TEST(test_open_without_errp)
{
    XenBackend *be = xen_backend_open_libxen(NULL);

    ck_assert_int_eq(be != NULL, have_xen() && built_with_libxen);
    xen_backend_close(be);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xen-libxen");
    TCase *tc = tcase_create("open");

    tcase_add_test(tc, test_open_without_xen);
    tcase_add_test(tc, test_open_without_errp);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
