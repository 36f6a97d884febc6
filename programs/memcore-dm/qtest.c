/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest: the memory commands of QEMU's qtest protocol.
 *
 * Replies to well-formed requests are byte for byte what QEMU sends, so
 * that existing clients work. Where QEMU asserts and dies (a missing or
 * malformed argument, "read" of 0 bytes) or quietly hands out made-up
 * data (an access nothing serves), memcore-dm answers "ERR <reason>" and
 * keeps serving: one request line always gets exactly one final reply
 * line. docs/devel/qtest.rst lists every difference.
 *
 * The modelled guest is little-endian, whatever the host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "qtest-cmd.h"

#define ATTRS MEMTXATTRS_UNSPECIFIED

/* ---- arguments and errors ------------------------------------------ */

void qtest_err(GString *reply, const QTestCmd *c, const char *fmt, ...)
{
    va_list ap;

    g_string_append_printf(reply, "ERR %s: ", c->name);
    va_start(ap, fmt);
    g_string_append_vprintf(reply, fmt, ap);
    va_end(ap);
    g_string_append_c(reply, '\n');
}

const char *qtest_arg_str(const QTestCmd *c, unsigned idx, const char *what,
                          GString *reply)
{
    if (idx >= c->nwords) {
        qtest_err(reply, c, "missing argument %s", what);
        return NULL;
    }
    return c->words[idx];
}

/* Quote an argument for an error message, shortened and made printable. */
static char *quote_arg(const char *s)
{
    g_autofree char *head = g_strndup(s, 40);
    char *esc = g_strescape(head, NULL);
    char *q = g_strdup_printf("'%s%s'", esc, strlen(s) > 40 ? "..." : "");

    g_free(esc);
    return q;
}

bool qtest_arg_u64(const QTestCmd *c, unsigned idx, const char *what,
                   uint64_t *val, GString *reply)
{
    const char *s = qtest_arg_str(c, idx, what, reply);
    g_autofree char *q = NULL;
    char *end;

    if (!s) {
        return false;
    }
    errno = 0;
    *val = strtoull(s, &end, 0);
    if (end != s && !*end && !errno) {
        return true;
    }
    q = quote_arg(s);
    qtest_err(reply, c, "%s %s is %s", what, q,
              errno == ERANGE ? "out of range" : "not a number");
    return false;
}

const char *qtest_tx_name(MemTxResult r)
{
    if (r & MEMTX_DECODE_ERROR) {
        return "decode error: nothing is mapped there";
    }
    if (r & MEMTX_ACCESS_ERROR) {
        return "access error: the region refused it";
    }
    return "device error";
}

static void tx_err(GString *reply, const QTestCmd *c, MemTxResult r,
                   uint64_t addr, uint64_t len)
{
    qtest_err(reply, c,
              "memory transaction failed at 0x%" PRIx64 " (+0x%" PRIx64
              " bytes): %s",
              addr, len, qtest_tx_name(r));
}

/* SIZE of read, write, b64read, b64write: within QTEST_MAX_XFER. */
static bool arg_xfer_size(const QTestCmd *c, unsigned idx, bool zero_ok,
                          uint64_t *len, GString *reply)
{
    if (!qtest_arg_u64(c, idx, "SIZE", len, reply)) {
        return false;
    }
    if (!*len && !zero_ok) {
        qtest_err(reply, c, "SIZE must not be 0");
        return false;
    }
    if (*len > QTEST_MAX_XFER) {
        qtest_err(reply, c,
                  "SIZE 0x%" PRIx64 " is over the limit of 0x%llx "
                  "bytes",
                  *len, QTEST_MAX_XFER);
        return false;
    }
    return true;
}

/* ---- readX / writeX ------------------------------------------------- */

static unsigned access_size(char suffix)
{
    switch (suffix) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static void cmd_readx(DmMachine *m, const QTestCmd *c, GString *reply)
{
    unsigned size = access_size(c->name[4]);
    uint64_t addr, v = 0;
    MemTxResult r;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply)) {
        return;
    }
    r = address_space_read(&m->as, addr, ATTRS, &v, size);
    if (r) {
        tx_err(reply, c, r, addr, size);
        return;
    }
    g_string_append_printf(reply, "OK 0x%016" PRIx64 "\n", GUINT64_FROM_LE(v));
}

static void cmd_writex(DmMachine *m, const QTestCmd *c, GString *reply)
{
    unsigned size = access_size(c->name[5]);
    uint64_t addr, v;
    MemTxResult r;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !qtest_arg_u64(c, 2, "VALUE", &v, reply)) {
        return;
    }
    /* As in QEMU, a value wider than the access is truncated. */
    v = GUINT64_TO_LE(v);
    r = address_space_write(&m->as, addr, ATTRS, &v, size);
    if (r) {
        tx_err(reply, c, r, addr, size);
        return;
    }
    g_string_append(reply, "OK\n");
}

/* ---- read / write --------------------------------------------------- */

static void cmd_read(DmMachine *m, const QTestCmd *c, GString *reply)
{
    static const char hex[] = "0123456789abcdef";
    g_autofree uint8_t *data = NULL;
    uint64_t addr, len, i;
    size_t pos;
    MemTxResult r;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !arg_xfer_size(c, 2, false, &len, reply)) {
        return;
    }
    data = g_malloc(len);
    r = address_space_read(&m->as, addr, ATTRS, data, len);
    if (r) {
        tx_err(reply, c, r, addr, len);
        return;
    }
    g_string_append(reply, "OK 0x");
    pos = reply->len;
    g_string_set_size(reply, pos + 2 * len);
    for (i = 0; i < len; i++) {
        reply->str[pos + 2 * i] = hex[data[i] >> 4];
        reply->str[pos + 2 * i + 1] = hex[data[i] & 15];
    }
    g_string_append_c(reply, '\n');
}

/* QEMU's hex2nib(): the digit's value, -1 for anything else. */
static int hex_nibble(char ch)
{
    return g_ascii_isxdigit(ch) ? g_ascii_xdigit_value(ch) : -1;
}

/*
 * DATA of "write", decoded into @len bytes exactly as QEMU decodes it, so
 * that every reply and every byte written agree with QEMU's:
 *  - the first two characters are skipped unchecked (meant to be "0x");
 *  - byte i comes from the hex pair at 2 + 2i when that pair is complete;
 *    bytes past the last full pair are 0, so short data is zero-filled
 *    and an odd trailing digit is ignored;
 *  - pairs past SIZE are ignored;
 *  - a character that is not a hex digit is taken as QEMU's hex2nib()
 *    makes it count, -1: as the high digit it gives 0xf0, as the low
 *    digit 0xff.
 */
static void decode_hex(const char *s, size_t n, uint8_t *data, uint64_t len)
{
    uint64_t i;

    for (i = 0; i < len && 2 * i + 4 <= n; i++) {
        int hi = hex_nibble(s[2 * i + 2]), lo = hex_nibble(s[2 * i + 3]);

        data[i] = lo < 0 ? 0xff : (hi < 0 ? 0xf0 : hi << 4) | lo;
    }
}

static void cmd_write(DmMachine *m, const QTestCmd *c, GString *reply)
{
    g_autofree uint8_t *data = NULL;
    uint64_t addr, len;
    const char *hex;
    MemTxResult r;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !arg_xfer_size(c, 2, true, &len, reply) ||
        !(hex = qtest_arg_str(c, 3, "DATA", reply))) {
        return;
    }
    if (strlen(hex) < 3) {
        g_string_append(reply, "ERR invalid argument size\n"); /* QEMU's */
        return;
    }
    data = g_malloc0(len ? len : 1);
    decode_hex(hex, strlen(hex), data, len);
    r = address_space_write(&m->as, addr, ATTRS, data, len);
    if (r) {
        tx_err(reply, c, r, addr, len);
        return;
    }
    g_string_append(reply, "OK\n");
}

/* ---- b64read / b64write --------------------------------------------- */

static void cmd_b64read(DmMachine *m, const QTestCmd *c, GString *reply)
{
    g_autofree uint8_t *data = NULL;
    g_autofree char *b64 = NULL;
    uint64_t addr, len;
    MemTxResult r;

    /* QEMU allows 0 here and answers "OK " with nothing after the space. */
    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !arg_xfer_size(c, 2, true, &len, reply)) {
        return;
    }
    data = g_malloc(len ? len : 1);
    r = address_space_read(&m->as, addr, ATTRS, data, len);
    if (r) {
        tx_err(reply, c, r, addr, len);
        return;
    }
    b64 = g_base64_encode(data, len);
    g_string_append_printf(reply, "OK %s\n", b64);
}

/* Standard alphabet with padding; glib would skip anything else silently. */
static bool b64_valid(const char *s)
{
    size_t n = strlen(s), pad = 0, i;

    if (n % 4) {
        return false;
    }
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=') {
        pad++;
    }
    for (i = 0; i < n - pad; i++) {
        if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/') {
            return false;
        }
    }
    return true;
}

static void cmd_b64write(DmMachine *m, const QTestCmd *c, GString *reply)
{
    g_autofree uint8_t *data = NULL;
    uint64_t addr, len;
    const char *b64;
    gsize out_len;
    MemTxResult r;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !arg_xfer_size(c, 2, true, &len, reply) ||
        !(b64 = qtest_arg_str(c, 3, "DATA", reply))) {
        return;
    }
    if (strlen(b64) < 3) {
        g_string_append(reply, "ERR invalid argument size\n"); /* QEMU's */
        return;
    }
    if (!b64_valid(b64)) {
        qtest_err(reply, c, "DATA is not padded standard base64");
        return;
    }
    data = g_base64_decode(b64, &out_len);
    /* Longer data is truncated, as QEMU documents; shorter has no bytes. */
    if (out_len < len) {
        qtest_err(reply, c,
                  "DATA decodes to %zu bytes, fewer than SIZE (%" PRIu64 ")",
                  (size_t)out_len, len);
        return;
    }
    r = address_space_write(&m->as, addr, ATTRS, data, len);
    if (r) {
        tx_err(reply, c, r, addr, len);
        return;
    }
    g_string_append(reply, "OK\n");
}

/* ---- memset, endianness --------------------------------------------- */

static void cmd_memset(DmMachine *m, const QTestCmd *c, GString *reply)
{
    const uint64_t chunk = 1ULL << 20;
    g_autofree uint8_t *data = NULL;
    uint64_t addr, len, pattern, done;
    MemTxResult r = MEMTX_OK;

    if (!qtest_arg_u64(c, 1, "ADDR", &addr, reply) ||
        !qtest_arg_u64(c, 2, "SIZE", &len, reply) ||
        !qtest_arg_u64(c, 3, "VALUE", &pattern, reply)) {
        return;
    }
    if (len > QTEST_MAX_MEMSET) {
        qtest_err(reply, c,
                  "SIZE 0x%" PRIx64 " is over the limit of 0x%llx "
                  "bytes",
                  len, QTEST_MAX_MEMSET);
        return;
    }
    data = g_malloc(MIN(len, chunk) + 1);
    memset(data, (int)(pattern & 0xff), MIN(len, chunk));
    /* Every piece is attempted, as one big write would be. */
    for (done = 0; done < len; done += MIN(len - done, chunk)) {
        if (done && addr + done < addr) {
            r |= MEMTX_DECODE_ERROR; /* nothing wraps past 2^64 */
            break;
        }
        r |= address_space_write(&m->as, addr + done, ATTRS, data,
                                 MIN(len - done, chunk));
    }
    if (r) {
        tx_err(reply, c, r, addr, len);
        return;
    }
    g_string_append(reply, "OK\n");
}

static void cmd_endianness(DmMachine *m, const QTestCmd *c, GString *reply)
{
    g_string_append(reply, "OK little\n");
}

/* ---- dispatch ------------------------------------------------------- */

typedef struct QTestCmdDef {
    const char *name;
    void (*fn)(DmMachine *m, const QTestCmd *c, GString *reply);
} QTestCmdDef;

static const QTestCmdDef commands[] = {
    { "readb", cmd_readx },     { "readw", cmd_readx },
    { "readl", cmd_readx },     { "readq", cmd_readx },
    { "writeb", cmd_writex },   { "writew", cmd_writex },
    { "writel", cmd_writex },   { "writeq", cmd_writex },
    { "read", cmd_read },       { "write", cmd_write },
    { "b64read", cmd_b64read }, { "b64write", cmd_b64write },
    { "memset", cmd_memset },   { "endianness", cmd_endianness },
};

void qtest_answer(DmMachine *m, const QTestCmd *c, GString *reply)
{
    g_autofree char *name = NULL;
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(commands[i].name, c->name)) {
            commands[i].fn(m, c, reply);
            return;
        }
    }
    if (qtest_process_extension(m, c, reply)) {
        return;
    }
    /* QEMU's reply, byte for byte; only a very long name is shortened. */
    name = g_strndup(c->name, 256);
    g_string_append_printf(reply, "FAIL Unknown command '%s'\n", name);
}

static void answer_on_machine(void *opaque, const QTestCmd *c, GString *reply)
{
    qtest_answer(opaque, c, reply);
}

static const QTestParserOps machine_parser_ops = {
    .answer = answer_on_machine,
};

QTestParser *qtest_machine_parser_new(DmMachine *m)
{
    return qtest_parser_new(&machine_parser_ops, m, QTEST_MAX_LINE);
}

void qtest_process_line(DmMachine *m, const char *line, size_t len,
                        GString *reply)
{
    QTestParser *p = qtest_machine_parser_new(m);

    while (len) {
        size_t n = qtest_parser_feed(p, line, len, reply);

        line += n;
        len -= n;
    }
    qtest_parser_feed(p, "\n", 1, reply);
    qtest_parser_free(p);
}
