/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest parser alone (programs/memcore-dm/qtest-parser.h): framing and
 * words, with a callback that records what it was given instead of a
 * machine.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"
#include "memcore-dm/qtest-parser.h"

typedef struct Recorder {
    GPtrArray *requests; /* raw lines given to request() */
    GPtrArray *cmds; /* "w0|w1|...": the words answer() got */
} Recorder;

static Recorder rec;

static void rec_request(void *opaque, const char *line, size_t len)
{
    Recorder *r = opaque;

    g_ptr_array_add(r->requests, g_strndup(line, len));
}

static void rec_answer(void *opaque, const QTestCmd *c, GString *reply)
{
    Recorder *r = opaque;
    GString *s = g_string_new(NULL);
    unsigned i;

    ck_assert_uint_ge(c->nwords, 1);
    ck_assert_uint_le(c->nwords, QTEST_MAX_WORDS);
    ck_assert_ptr_eq(c->name, c->words[0]);
    for (i = 0; i < c->nwords; i++) {
        g_string_append_printf(s, "%s%s", i ? "|" : "", c->words[i]);
    }
    g_ptr_array_add(r->cmds, g_string_free(s, FALSE));
    g_string_append_printf(reply, "OK %u\n", c->nwords);
}

static const QTestParserOps rec_ops = {
    .request = rec_request,
    .answer = rec_answer,
};

static void setup(void)
{
    rec.requests = g_ptr_array_new_with_free_func(g_free);
    rec.cmds = g_ptr_array_new_with_free_func(g_free);
}

static void teardown(void)
{
    g_ptr_array_free(rec.requests, TRUE);
    g_ptr_array_free(rec.cmds, TRUE);
}

/* Feed all of @data in calls of at most @step bytes; collect replies. */
static char *feed_all(QTestParser *p, const char *data, size_t len,
                      size_t step)
{
    GString *all = g_string_new(NULL), *reply = g_string_new(NULL);

    while (len) {
        size_t chunk = MIN(len, step), n;

        n = qtest_parser_feed(p, data, chunk, reply);
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, chunk);
        /* At most one request answered per call. */
        ck_assert_ptr_eq(strchr(reply->str, '\n'),
                         reply->len ? reply->str + reply->len - 1 : NULL);
        g_string_append(all, reply->str);
        g_string_truncate(reply, 0);
        data += n;
        len -= n;
    }
    g_string_free(reply, TRUE);
    return g_string_free(all, FALSE);
}

static const char *cmd_at(unsigned i)
{
    ck_assert_uint_lt(i, rec.cmds->len);
    return g_ptr_array_index(rec.cmds, i);
}

START_TEST(test_words_like_g_strsplit)
{
    static const char in[] = "readl 0x1000\nwrite  a b\nx \nendianness\n";
    QTestParser *p = qtest_parser_new(&rec_ops, &rec, 1024);
    g_autofree char *out = NULL;
    size_t step;

    /* Whatever the chunking, the same words come out. */
    for (step = 1; step <= sizeof(in); step += 3) {
        g_ptr_array_set_size(rec.cmds, 0);
        g_free(out);
        out = feed_all(p, in, sizeof(in) - 1, step);
        ck_assert_str_eq(out, "OK 2\nOK 4\nOK 2\nOK 1\n");
        ck_assert_str_eq(cmd_at(0), "readl|0x1000");
        ck_assert_str_eq(cmd_at(1), "write||a|b"); /* two spaces */
        ck_assert_str_eq(cmd_at(2), "x|");
        ck_assert_str_eq(cmd_at(3), "endianness");
        ck_assert_uint_eq(qtest_parser_pending(p), 0);
    }
    qtest_parser_free(p);
}
END_TEST

START_TEST(test_extra_words_ignored)
{
    QTestParser *p = qtest_parser_new(&rec_ops, &rec, 1024);
    g_autofree char *out = feed_all(p, "a 1 2 3 4 5 6 7 8 9 10\n", 23, 64);

    ck_assert_uint_eq(QTEST_MAX_WORDS, 8);
    ck_assert_str_eq(out, "OK 8\n");
    ck_assert_str_eq(cmd_at(0), "a|1|2|3|4|5|6|7");
    /* The raw line is logged whole. */
    ck_assert_str_eq(g_ptr_array_index(rec.requests, 0),
                     "a 1 2 3 4 5 6 7 8 9 10");
    qtest_parser_free(p);
}
END_TEST

START_TEST(test_crlf_empty_nul)
{
    static const char in[] = "readb 0\r\n\n\r\nre\0d\nlast\n";
    QTestParser *p = qtest_parser_new(&rec_ops, &rec, 1024);
    g_autofree char *out = feed_all(p, in, sizeof(in) - 1, 5);

    ck_assert_str_eq(out, "OK 2\nERR empty request\nERR empty request\n"
                          "ERR request contains a NUL byte\nOK 1\n");
    ck_assert_str_eq(cmd_at(0), "readb|0");
    ck_assert_str_eq(cmd_at(1), "last");
    ck_assert_uint_eq(rec.requests->len, 5);
    qtest_parser_free(p);
}
END_TEST

START_TEST(test_overlong_line)
{
    QTestParser *p = qtest_parser_new(&rec_ops, &rec, 16);
    g_autofree char *out = NULL, *in = NULL;

    /* 16 bytes fit, 17 do not, in one piece or in many. */
    in = g_strdup_printf("%s\n%s\n%s\nok\n", "0123456789abcdef",
                         "0123456789abcdefX",
                         "a very long line indeed, "
                         "longer than sixteen bytes");
    out = feed_all(p, in, strlen(in), 3);
    ck_assert_str_eq(out, "OK 1\n"
                          "ERR request line longer than 16 bytes, ignored\n"
                          "ERR request line longer than 16 bytes, ignored\n"
                          "OK 1\n");
    ck_assert_str_eq(cmd_at(1), "ok");
    g_free(out);
    out = feed_all(p, in, strlen(in), strlen(in));
    ck_assert_str_eq(cmd_at(3), "ok");
    qtest_parser_free(p);
}
END_TEST

START_TEST(test_pending_and_hangup)
{
    QTestParser *p = qtest_parser_new(&rec_ops, &rec, 1024);
    g_autofree char *out = feed_all(p, "readl 1\nwritel 0x", 17, 100);

    ck_assert_str_eq(out, "OK 2\n");
    ck_assert_uint_eq(qtest_parser_pending(p), 9);
    ck_assert_uint_eq(rec.cmds->len, 1);
    /* Freeing with a line pending answers nothing and leaks nothing. */
    qtest_parser_free(p);
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("qtest-parser");
    TCase *tc = tcase_create("framing");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_words_like_g_strsplit);
    tcase_add_test(tc, test_extra_words_ignored);
    tcase_add_test(tc, test_crlf_empty_nul);
    tcase_add_test(tc, test_overlong_line);
    tcase_add_test(tc, test_pending_and_hangup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mcq_run_suite(parser_suite());
}
