/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU as the oracle: the same script of RAM reads and writes goes to
 * qemu-system-x86_64 and to memcore-dm, and every reply must be the same
 * bytes. Skipped (exit status 77) when QEMU is not installed; set
 * MEMCORE_QEMU to use another binary.
 *
 * Only requests QEMU answers without asserting are sent, and only to RAM
 * that both machines have: [1 MiB, 64 MiB) avoids the PC's legacy holes.
 * "write" DATA comes in every form QEMU decodes without complaint (short,
 * odd, long, no "0x", not hex), since its bytes must match too.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmcqtest.h"

#define RAM_LO (1ULL << 20)
#define RAM_HI (64ULL << 20)

static char *qemu_path;

static uint64_t rand_addr(GRand *r, unsigned room)
{
    return RAM_LO +
           g_rand_int_range(r, 0, (RAM_HI - RAM_LO - room) >> 4) * 16 +
           g_rand_int_range(r, 0, 16);
}

static char *hex_data(GRand *r, unsigned n)
{
    GString *s = g_string_new("0x");
    unsigned i;

    for (i = 0; i < n; i++) {
        g_string_append_printf(s, i & 1 ? "%02X" : "%02x",
                               g_rand_int_range(r, 0, 256));
    }
    return g_string_free(s, FALSE);
}

/*
 * DATA for "write ADDR @n DATA": well-formed, or any of the forms QEMU
 * decodes without complaint: short, an odd number of digits, longer than
 * SIZE, no "0x", characters that are not hex digits.
 */
static char *write_data(GRand *r, unsigned n)
{
    static const char junk[] = "gGxz-+ :";
    char *d = hex_data(r, g_rand_int_range(r, 1, n + 4));
    size_t len = strlen(d);
    char *odd;

    switch (g_rand_int_range(r, 0, 6)) {
    case 0:
        odd = g_strdup_printf("%s%x", d, g_rand_int_range(r, 0, 16));
        g_free(d);
        return odd;
    case 1:
        d[0] = junk[g_rand_int_range(r, 0, 8)];
        d[1] = junk[g_rand_int_range(r, 0, 8)];
        return d;
    case 2:
        /* Not a space: that would split the word. */
        d[g_rand_int_range(r, 2, len)] = junk[g_rand_int_range(r, 0, 6)];
        return d;
    case 3:
        d[3] = '\0'; /* "0x" and one digit */
        return d;
    default:
        return d;
    }
}

static char *b64_data(GRand *r, unsigned n)
{
    g_autofree uint8_t *b = g_malloc(n);
    unsigned i;

    for (i = 0; i < n; i++) {
        b[i] = g_rand_int_range(r, 0, 256);
    }
    return g_base64_encode(b, n);
}

/* One request of the script; writes are mostly read back soon after. */
static char *script_line(GRand *r, uint64_t *last)
{
    static const char sz[] = "bwlq";
    unsigned n = g_rand_int_range(r, 1, 65);
    uint64_t a = g_rand_boolean(r) ? *last : rand_addr(r, 128);
    g_autofree char *d = NULL;
    char c = sz[g_rand_int_range(r, 0, 4)];

    switch (g_rand_int_range(r, 0, 10)) {
    case 0:
        *last = a;
        return g_strdup_printf("write%c 0x%" PRIx64 " 0x%x", c, a,
                               g_rand_int(r));
    case 1:
        *last = a;
        return g_strdup_printf("write%c %" PRIu64 " %u", c, a, g_rand_int(r));
    case 2:
        *last = a;
        d = write_data(r, n);
        return g_strdup_printf("write 0x%" PRIx64 " %u %s", a, n, d);
    case 3:
        *last = a;
        d = b64_data(r, n + g_rand_int_range(r, 0, 3));
        return g_strdup_printf("b64write 0x%" PRIx64 " 0x%x %s", a, n, d);
    case 4:
        *last = a;
        return g_strdup_printf("memset 0x%" PRIx64 " %u 0x%x", a, n,
                               g_rand_int_range(r, 0, 0x300));
    case 5:
        return g_strdup_printf("read 0x%" PRIx64 " %u", a, n);
    case 6:
        return g_strdup_printf("b64read 0x%" PRIx64 " %u", a,
                               g_rand_int_range(r, 0, 65));
    case 7:
        return g_strdup(g_rand_boolean(r) ? "endianness" : "nosuchcmd 1");
    default:
        return g_strdup_printf("read%c 0%" PRIo64, c, a);
    }
}

/*
 * Requests go in batches, so that the server reads ahead of its replies
 * as it would from a fast client, but never so many that its replies
 * fill the pipe while we are still writing.
 */
static GPtrArray *run_script(MCQTest *s, GPtrArray *script)
{
    GPtrArray *replies = g_ptr_array_new_with_free_func(g_free);
    unsigned i, j;

    for (i = 0; i < script->len; i = j) {
        GString *batch = g_string_new(NULL);

        for (j = i; j < script->len && j < i + 100; j++) {
            g_string_append_printf(batch, "%s\n",
                                   (char *)g_ptr_array_index(script, j));
        }
        mcq_send_raw(s, batch->str, batch->len);
        g_string_free(batch, TRUE);
        for (j = i; j < script->len && j < i + 100; j++) {
            g_ptr_array_add(replies, mcq_recv_line(s));
        }
    }
    return replies;
}

START_TEST(test_same_replies_as_qemu)
{
    const char *qemu_argv[] = {
        qemu_path,    "-machine",  "pc",       "-accel", "tcg",
        "-S",         "-m",        "128M",     "-qtest", "stdio",
        "-qtest-log", "/dev/null", "-display", "none",   "-nodefaults",
        "-monitor",   "none",      "-serial",  "none",   NULL,
    };
    g_autoptr(GPtrArray) script = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) want = NULL, got = NULL;
    GRand *r = g_rand_new_with_seed(0x51e7);
    uint64_t last = RAM_LO;
    MCQTest *q, *m;
    unsigned i;

    for (i = 0; i < 4000; i++) {
        g_ptr_array_add(script, script_line(r, &last));
    }
    g_rand_free(r);

    q = mcq_start_argv(qemu_argv);
    want = run_script(q, script);
    mcq_kill(q); /* QEMU does not exit at end of input */
    m = mcq_start("-machine xenvirt -m 128M -accel none");
    got = run_script(m, script);
    ck_assert_int_eq(mcq_quit(m), 0);

    for (i = 0; i < script->len; i++) {
        ck_assert_msg(!strcmp(g_ptr_array_index(want, i),
                              g_ptr_array_index(got, i)),
                      "request %u '%.60s': QEMU '%.60s', memcore-dm '%.60s'",
                      i, (char *)g_ptr_array_index(script, i),
                      (char *)g_ptr_array_index(want, i),
                      (char *)g_ptr_array_index(got, i));
    }
}
END_TEST

int main(void)
{
    const char *env = getenv("MEMCORE_QEMU");
    Suite *s;
    TCase *tc;

    qemu_path = env ? g_strdup(env) :
                      g_find_program_in_path("qemu-system-x86_64");
    if (!qemu_path) {
        printf("SKIP: qemu-system-x86_64 is not installed\n");
        return 77;
    }
    s = suite_create("qemu-oracle");
    tc = tcase_create("oracle");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_same_replies_as_qemu);
    suite_add_tcase(s, tc);
    return mcq_run_suite(s);
}
