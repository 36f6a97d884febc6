/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryListener: replay on register, differences only, QEMU's order.
 */
#include <string.h>
#include "unit-helpers.h"

typedef struct Rec {
    MemoryListener ml;
    GString *log;
} Rec;

static GString *order_log;

static void rec_note(Rec *r, const char *what, MemoryRegionSection *s)
{
    g_string_append_printf(r->log, "%s %s@%" PRIx64 "+%" PRIx64 ";", what,
                           memory_region_name(s->mr),
                           s->offset_within_address_space, (uint64_t)s->size);
    g_string_append_printf(order_log, "%s:%s;", r->ml.name, what);
}

static void rec_add(MemoryListener *ml, MemoryRegionSection *s)
{
    rec_note((Rec *)ml, "add", s);
}

static void rec_del(MemoryListener *ml, MemoryRegionSection *s)
{
    rec_note((Rec *)ml, "del", s);
}

static void rec_begin(MemoryListener *ml)
{
    g_string_append(((Rec *)ml)->log, "begin;");
}

static void rec_commit(MemoryListener *ml)
{
    g_string_append(((Rec *)ml)->log, "commit;");
}

static void rec_log_start(MemoryListener *ml, MemoryRegionSection *s, int old,
                          int new)
{
    rec_note((Rec *)ml, "log_start", s);
}

static void rec_log_stop(MemoryListener *ml, MemoryRegionSection *s, int old,
                         int new)
{
    rec_note((Rec *)ml, "log_stop", s);
}

static void rec_init(Rec *r, const char *name, unsigned prio)
{
    memset(r, 0, sizeof(*r));
    r->ml.name = name;
    r->ml.priority = prio;
    r->ml.begin = rec_begin;
    r->ml.commit = rec_commit;
    r->ml.region_add = rec_add;
    r->ml.region_del = rec_del;
    r->ml.log_start = rec_log_start;
    r->ml.log_stop = rec_log_stop;
    r->log = g_string_new(NULL);
}

static MemoryRegion root, a, b;
static AddressSpace as;

static void setup(void)
{
    order_log = g_string_new(NULL);
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    unit_ram(&a, "a", 0x1000);
    unit_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&root, 0x1000, &a);
    address_space_init(&as, &root, "listen");
}

START_TEST(test_register_replays)
{
    Rec r;

    rec_init(&r, "r", 0);
    memory_listener_register(&r.ml, &as);
    ck_assert_str_eq(r.log->str, "begin;add a@1000+1000;commit;");
    memory_listener_unregister(&r.ml);
}
END_TEST

START_TEST(test_only_differences)
{
    Rec r;

    rec_init(&r, "r", 0);
    memory_listener_register(&r.ml, &as);
    g_string_truncate(r.log, 0);
    memory_region_add_subregion(&root, 0x8000, &b);
    ck_assert_str_eq(r.log->str, "begin;add b@8000+1000;commit;");
    g_string_truncate(r.log, 0);
    memory_region_set_address(&b, 0x9000);
    ck_assert_str_eq(r.log->str,
                     "begin;del b@8000+1000;add b@9000+1000;commit;");
    /* A commit that changes nothing visible says nothing at all. */
    g_string_truncate(r.log, 0);
    memory_region_transaction_begin();
    memory_region_set_address(&b, 0xa000);
    memory_region_set_address(&b, 0x9000);
    memory_region_transaction_commit();
    ck_assert_str_eq(r.log->str, "");
    memory_listener_unregister(&r.ml);
}
END_TEST

START_TEST(test_priority_order)
{
    Rec lo, hi;

    rec_init(&lo, "lo", 1);
    rec_init(&hi, "hi", 10);
    memory_listener_register(&hi.ml, &as);
    memory_listener_register(&lo.ml, &as);
    g_string_truncate(order_log, 0);
    memory_region_add_subregion(&root, 0x8000, &b);
    ck_assert_str_eq(order_log->str, "lo:add;hi:add;");
    g_string_truncate(order_log, 0);
    memory_region_del_subregion(&root, &b);
    ck_assert_str_eq(order_log->str, "hi:del;lo:del;");
    memory_listener_unregister(&lo.ml);
    memory_listener_unregister(&hi.ml);
}
END_TEST

START_TEST(test_log_start_stop)
{
    Rec r;

    rec_init(&r, "r", 0);
    memory_listener_register(&r.ml, &as);
    g_string_truncate(r.log, 0);
    memory_region_set_log(&a, true, 0);
    ck_assert_str_eq(r.log->str, "begin;log_start a@1000+1000;commit;");
    g_string_truncate(r.log, 0);
    memory_region_set_log(&a, false, 0);
    ck_assert_str_eq(r.log->str, "begin;log_stop a@1000+1000;commit;");
    memory_listener_unregister(&r.ml);
}
END_TEST

START_TEST(test_calls_count_changes_not_total)
{
    enum {
        N = 1000
    };
    MemoryRegion *pieces = g_new(MemoryRegion, N), extra;
    MemoryStats before, after;
    Rec r;
    int i;

    memory_region_transaction_begin();
    for (i = 0; i < N; i++) {
        memory_region_init_reservation(&pieces[i], NULL, "p", 0x100);
        memory_region_add_subregion(&root, 0x100000 + i * 0x200, &pieces[i]);
    }
    memory_region_transaction_commit();
    rec_init(&r, "r", 0);
    memory_listener_register(&r.ml, &as);
    memory_get_stats(&before);
    memory_region_init_reservation(&extra, NULL, "extra", 0x100);
    memory_region_add_subregion(&root, 0x10, &extra);
    memory_get_stats(&after);
    ck_assert_uint_eq(after.listener_calls - before.listener_calls, 1);
    memory_listener_unregister(&r.ml);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("listener");
    TCase *tc = tcase_create("listener");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_register_replays);
    tcase_add_test(tc, test_only_differences);
    tcase_add_test(tc, test_priority_order);
    tcase_add_test(tc, test_log_start_stop);
    tcase_add_test(tc, test_calls_count_changes_not_total);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
