/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol parser: framing and words (qtest-parser.h).
 */
#include <string.h>

#include "qtest-parser.h"

/* An idle parser gives back a line buffer bigger than this. */
#define QTEST_PARSER_KEEP (64 * 1024)

struct QTestParser {
    const QTestParserOps *ops;
    void *opaque;
    size_t max_line;
    GString *line; /* the unterminated request so far */
    bool discarding; /* inside an over-long line */
};

QTestParser *qtest_parser_new(const QTestParserOps *ops, void *opaque,
                              size_t max_line)
{
    QTestParser *p = g_new0(QTestParser, 1);

    p->ops = ops;
    p->opaque = opaque;
    p->max_line = max_line;
    p->line = g_string_new(NULL);
    return p;
}

void qtest_parser_free(QTestParser *p)
{
    if (p) {
        g_string_free(p->line, TRUE);
        g_free(p);
    }
}

size_t qtest_parser_pending(const QTestParser *p)
{
    return p->line->len;
}

/* Forget the line; an over-long one's buffer is not kept while idle. */
static void reset_line(QTestParser *p)
{
    if (p->line->allocated_len > QTEST_PARSER_KEEP) {
        g_string_free(p->line, TRUE);
        p->line = g_string_new(NULL);
    } else {
        g_string_truncate(p->line, 0);
    }
}

/*
 * Split @s (NUL-terminated, @len bytes, no NUL inside) into words at
 * single spaces, as QEMU's g_strsplit(s, " ", 0) does, but in place and
 * only as far as QTEST_MAX_WORDS words: the rest of the line is never
 * looked at, however many spaces it holds.
 */
static void split_words(char *s, size_t len, QTestCmd *c)
{
    char *end = s + len, *sp;

    c->nwords = 0;
    while (c->nwords < QTEST_MAX_WORDS) {
        c->words[c->nwords++] = s;
        sp = memchr(s, ' ', end - s);
        if (!sp) {
            break;
        }
        *sp = '\0';
        s = sp + 1;
    }
    c->name = c->words[0];
}

static void answer_line(QTestParser *p, GString *reply)
{
    char *s = p->line->str;
    size_t len = p->line->len;
    QTestCmd c;

    if (p->ops->request) {
        p->ops->request(p->opaque, s, len);
    }
    if (memchr(s, '\0', len)) {
        g_string_append(reply, "ERR request contains a NUL byte\n");
        return;
    }
    /* Forgive CRLF line ends: QEMU would choke on them. */
    if (len && s[len - 1] == '\r') {
        s[--len] = '\0';
    }
    if (!len) {
        g_string_append(reply, "ERR empty request\n");
        return;
    }
    split_words(s, len, &c);
    p->ops->answer(p->opaque, &c, reply);
}

size_t qtest_parser_feed(QTestParser *p, const char *data, size_t len,
                         GString *reply)
{
    const char *nl = memchr(data, '\n', len);
    size_t body = nl ? (size_t)(nl - data) : len;

    if (p->discarding) {
        if (!nl) {
            return len;
        }
        p->discarding = false;
        if (p->ops->request) {
            p->ops->request(p->opaque, "", 0);
        }
        g_string_append_printf(reply,
                               "ERR request line longer than %zu "
                               "bytes, ignored\n",
                               p->max_line);
        return body + 1;
    }
    if (body > p->max_line - MIN(p->line->len, p->max_line)) {
        /* Keep nothing of it; answer once its newline arrives. */
        reset_line(p);
        p->discarding = true;
        return qtest_parser_feed(p, data, len, reply);
    }
    g_string_append_len(p->line, data, body);
    if (!nl) {
        return len;
    }
    answer_line(p, reply);
    reset_line(p);
    return body + 1;
}
