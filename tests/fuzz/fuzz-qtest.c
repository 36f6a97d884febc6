/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target 3: memcore-dm's qtest protocol.
 *
 * The input goes, as the bytes a client sends, to the program's qtest
 * parser (qtest-parser.h), whose requests are answered on a xenvirt
 * machine with the emulated hypervisor (RAM, ROM, the DMA test device, the MMIO scratch buffer and
 * the grant region), so that the lines can reach every kind of memory,
 * program DMA, grant and revoke. Invariants:
 *  - nothing crashes, hangs or trips a sanitizer;
 *  - every request gets a reply of whole lines with no NUL byte, and its
 *    last line starts with "OK", "ERR" or "FAIL" (what clients rely on);
 *    an input that does not end in '\n' gets one, so that its last line
 *    is answered too;
 *  - when the input is done, nothing is left mapped: no map-path
 *    mapping, no bounce buffer, no grant mapping.
 *
 * Building a machine costs more than most inputs, so one machine serves
 * every input and is put back into its starting state after each: refs
 * the input granted are ended, the DMA engine's address registers are
 * cleared and guest RAM is zeroed. What is not reset (the scratch buffer's
 * bytes, the DMA device's counters) is data that no code path branches
 * on, so an input replays the same way alone or after others.
 */
#include <errno.h>
#include <string.h>

#include "fuzz-input.h"
#include "hw/xen/xen-emu.h"
#include "memcore-dm/qtest.h"

static const char *const machine_argv[] = {
    "fuzz-qtest", "-machine", "xenvirt", "-accel", "xen-emu",
    "-m",         "1M",       "-qtest",  "stdio",  NULL,
};

static DmMachine *machine;
static GArray *granted; /* of uint32_t: refs this input was given */

static DmMachine *machine_new(void)
{
    g_autoptr(GError) err = NULL;
    DmOptions o;
    DmMachine *m;

    if (!dm_options_parse(&o, G_N_ELEMENTS(machine_argv) - 1,
                          (char **)machine_argv, &err) ||
        !dm_machine_check_options(&o, &err)) {
        fuzz_fail("machine options: %s", err->message);
    }
    m = dm_machine_new(&o, &err);
    dm_options_clear(&o);
    if (!m) {
        fuzz_fail("machine: %s", err->message);
    }
    return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    machine = machine_new();
    granted = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    return 0;
}

/* The reply to one request: whole lines, the last one a verdict. */
static void check_reply(const char *line, size_t len, const GString *reply)
{
    int show = MIN(len, 80);
    const char *last;

    fuzz_check(reply->len > 0, "no reply to '%.*s'", show, line);
    fuzz_check(reply->str[reply->len - 1] == '\n',
               "reply to '%.*s' does not end its line: '%s'", show, line,
               reply->str);
    fuzz_check(strlen(reply->str) == reply->len,
               "reply to '%.*s' contains a NUL byte", show, line);
    last = reply->str + reply->len - 1;
    while (last > reply->str && last[-1] != '\n') {
        last--;
    }
    fuzz_check(g_str_has_prefix(last, "OK") || g_str_has_prefix(last, "ERR") ||
                   g_str_has_prefix(last, "FAIL"),
               "reply to '%.*s' ends with '%s'", show, line, last);
}

/*
 * Remember the refs a successful "xen-grant GFN ro|rw" or "xen-grant-seq
 * GFN N ro|rw" handed out ("OK <first ref>"), to end them afterwards.
 */
static void note_grant(const char *line, size_t len, const GString *reply)
{
    g_autofree char *copy = NULL;
    g_auto(GStrv) w = NULL;
    uint64_t first, n = 1;

    /* @line is not NUL-terminated: compare within @len. */
    if (!g_str_has_prefix(reply->str, "OK ") || len < 9 ||
        memcmp(line, "xen-grant", 9)) {
        return;
    }
    /* It was answered OK, so it has no NUL and every argument is there. */
    copy = g_strndup(line, len);
    w = g_strsplit(copy, " ", 0);
    if (!strcmp(w[0], "xen-grant-seq")) {
        n = g_ascii_strtoull(w[2], NULL, 0);
    } else if (strcmp(w[0], "xen-grant")) {
        return;
    }
    first = g_ascii_strtoull(reply->str + 3, NULL, 10);
    fuzz_check(n >= 1 && n <= XEN_EMU_NR_GRANT_REFS &&
                   first + n <= XEN_EMU_NR_GRANT_REFS,
               "'%s' answered '%s'", copy, reply->str);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t ref = first + i;

        g_array_append_val(granted, ref);
    }
}

/* The parser passes each request line here before it is answered. */
static void fuzz_request(void *opaque, const char *line, size_t len)
{
    GString *last = opaque;

    g_string_truncate(last, 0);
    g_string_append_len(last, line, len);
}

static void fuzz_answer(void *opaque, const QTestCmd *c, GString *reply)
{
    qtest_answer(machine, c, reply);
}

static const QTestParserOps fuzz_parser_ops = {
    .request = fuzz_request,
    .answer = fuzz_answer,
};

/* Feed @len bytes; check each reply and remember the refs it granted. */
static void feed(QTestParser *p, GString *last, const char *data, size_t len,
                 GString *reply)
{
    while (len) {
        size_t n = qtest_parser_feed(p, data, len, reply);

        fuzz_check(n >= 1 && n <= len,
                   "the parser consumed %zu of %zu "
                   "bytes",
                   n, len);
        data += n;
        len -= n;
        if (reply->len) {
            check_reply(last->str, last->len, reply);
            note_grant(last->str, last->len, reply);
            g_string_truncate(reply, 0);
        }
    }
}

/* Nothing mapped, then back to the state the next input expects. */
static void check_and_reset(GString *reply)
{
    static const hwaddr dma_regs[] = {
        DMA_TEST_REG_SRC,
        DMA_TEST_REG_DST,
        DMA_TEST_REG_LEN,
        DMA_TEST_REG_PATTERN,
    };
    AddressSpaceStats st;
    XenGrantStats gs;

    address_space_get_stats(&machine->as, &st);
    fuzz_check(st.outstanding == 0 && st.bounce_in_use == 0,
               "%" PRIu64 " mapping(s), %" PRIu64 " bounce bytes left over",
               st.outstanding, st.bounce_in_use);
    dm_xen_grant_stats(machine->xen, &gs);
    fuzz_check(gs.outstanding == 0 && gs.refs_mapped == 0,
               "%" PRIu64 " grant mapping(s) left over", gs.outstanding);

    for (guint i = 0; i < granted->len; i++) {
        int ret = dm_xen_end(machine->xen,
                             g_array_index(granted, uint32_t, i));

        /* The input may have ended it already; nothing may hold it. */
        fuzz_check(ret == 0 || ret == -EINVAL, "ending ref %u: %d",
                   g_array_index(granted, uint32_t, i), ret);
    }
    g_array_set_size(granted, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(dma_regs); i++) {
        uint64_t zero = 0;

        fuzz_check(address_space_write(&machine->as,
                                       DM_DMA_TEST_BASE + dma_regs[i],
                                       MEMTXATTRS_UNSPECIFIED, &zero,
                                       8) == MEMTX_OK,
                   "cannot reset DMA register 0x%" PRIx64, dma_regs[i]);
    }
    memset(memory_region_get_ram_ptr(machine->ram_mr), 0, machine->ram_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    g_autoptr(GString) last = g_string_new(NULL);
    QTestParser *p;

    if (!machine) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    p = qtest_parser_new(&fuzz_parser_ops, last, QTEST_MAX_LINE);
    feed(p, last, (const char *)data, size, reply);
    if (size && data[size - 1] != '\n') {
        feed(p, last, "\n", 1, reply);
    }
    fuzz_check(qtest_parser_pending(p) == 0,
               "the parser holds %zu bytes "
               "after a newline",
               qtest_parser_pending(p));
    qtest_parser_free(p);
    check_and_reset(reply);
    return 0;
}
