/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP: the protocol (qmp.h).
 *
 * The stream is split into JSON texts here and each text is parsed by
 * json-glib. QMP clients may send several texts on a line or one text
 * over several writes, and json-glib parses whole documents only, so
 * this file finds where a text ends: it tracks strings, escapes and
 * bracket depth, which is framing, not parsing. A top-level scalar ends
 * at white space or at the next bracket, so garbage is answered instead
 * of swallowing the input.
 */
#include <stdio.h>
#include <string.h>

#include "config-host.h"
#include "qmp.h"

struct QmpSession {
    QmpMonitor *mon;
    bool negotiated;
    GString *text; /* the JSON text being collected */
    unsigned depth; /* of brackets, within text */
    char quote; /* inside a string: its quote, else 0 */
    bool escape; /* the previous character was a '\' */
    bool scalar; /* text is a top-level scalar */
    bool overflow; /* text is too long or deep: skip it */
};

QmpSession *qmp_session_new(QmpMonitor *mon)
{
    QmpSession *s = g_new0(QmpSession, 1);

    s->mon = mon;
    s->text = g_string_new(NULL);
    return s;
}

void qmp_session_free(QmpSession *s)
{
    if (s) {
        g_string_free(s->text, TRUE);
        g_free(s);
    }
}

/* ---- writing ---------------------------------------------------------- */

static void append_node(GString *out, JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_root(gen, node);
    text = json_generator_to_data(gen, NULL);
    g_string_append(out, text);
    g_string_append(out, "\r\n");
}

/* Append @obj (consumed) as one JSON text. */
static void append_object(GString *out, JsonObject *obj)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), obj);

    append_node(out, node);
    json_node_unref(node);
    json_object_unref(obj);
}

void qmp_append_event(GString *out, const char *name, JsonNode *data)
{
    JsonObject *ev = json_object_new(), *ts = json_object_new();
    gint64 now = g_get_real_time();

    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_member(ev, "data", data);
    }
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    append_object(out, ev);
}

/* {"error": {"class": ..., "desc": ...}, "id": ...} */
static void append_error(GString *out, JsonNode *id, const char *cls,
                         const char *desc)
{
    JsonObject *reply = json_object_new(), *err = json_object_new();

    json_object_set_string_member(err, "class", cls);
    json_object_set_string_member(err, "desc", desc);
    json_object_set_object_member(reply, "error", err);
    if (id) {
        json_object_set_member(reply, "id", json_node_copy(id));
    }
    append_object(out, reply);
}

static void append_return(GString *out, JsonNode *id, JsonNode *ret)
{
    JsonObject *reply = json_object_new();

    json_object_set_member(reply, "return", ret);
    if (id) {
        json_object_set_member(reply, "id", json_node_copy(id));
    }
    append_object(out, reply);
}

JsonObject *qmp_version_info(void)
{
    JsonObject *version = json_object_new(), *qemu = json_object_new();
    unsigned major = 0, minor = 0, micro = 0;

    /* memcore-dm's own version: it is not a QEMU release. */
    sscanf(MEMCORE_VERSION, "%u.%u.%u", &major, &minor, &micro);
    json_object_set_int_member(qemu, "major", major);
    json_object_set_int_member(qemu, "minor", minor);
    json_object_set_int_member(qemu, "micro", micro);
    json_object_set_object_member(version, "qemu", qemu);
    json_object_set_string_member(version, "package",
                                  "memcore-dm " MEMCORE_VERSION);
    return version;
}

void qmp_session_greeting(QmpSession *s, GString *out)
{
    JsonObject *greeting = json_object_new(), *qmp = json_object_new();

    json_object_set_object_member(qmp, "version", qmp_version_info());
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(greeting, "QMP", qmp);
    append_object(out, greeting);
}

/* ---- one request ------------------------------------------------------ */

/* Check the envelope; NULL after appending the error. */
static const char *request_command(GString *out, JsonObject *req, JsonNode *id,
                                   JsonObject **args)
{
    g_autoptr(GList) members = json_object_get_members(req);
    JsonNode *exec = json_object_get_member(req, "execute");
    JsonNode *a = json_object_get_member(req, "arguments");
    GList *l;

    for (l = members; l; l = l->next) {
        if (strcmp(l->data, "execute") && strcmp(l->data, "arguments") &&
            strcmp(l->data, "id")) {
            g_autofree char *msg = g_strdup_printf("QMP input member '%s' "
                                                   "is unexpected",
                                                   (char *)l->data);
            append_error(out, id, "GenericError", msg);
            return NULL;
        }
    }
    if (!exec) {
        append_error(out, id, "GenericError",
                     "QMP input lacks member 'execute'");
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(exec) ||
        json_node_get_value_type(exec) != G_TYPE_STRING) {
        append_error(out, id, "GenericError",
                     "QMP input member 'execute' must be a string");
        return NULL;
    }
    if (a && !JSON_NODE_HOLDS_OBJECT(a)) {
        append_error(out, id, "GenericError",
                     "QMP input member 'arguments' must be an object");
        return NULL;
    }
    *args = a ? json_object_ref(json_node_get_object(a)) : json_object_new();
    return json_node_get_string(exec);
}

static void run_request(QmpSession *s, JsonObject *req, GString *out)
{
    JsonNode *id = json_object_get_member(req, "id");
    g_autoptr(JsonObject) args = NULL;
    QmpResult res = { 0 };
    const char *name = request_command(out, req, id, &args);
    g_autofree char *msg = NULL;

    if (!name) {
        return;
    }
    if (!strcmp(name, "qmp_capabilities") == s->negotiated) {
        append_error(out, id, "CommandNotFound",
                     s->negotiated ?
                         "Capabilities negotiation is already complete, "
                         "command ignored" :
                         "Expecting capabilities negotiation with "
                         "'qmp_capabilities'");
        return;
    }
    res.events_before = g_string_new(NULL);
    res.events_after = g_string_new(NULL);
    if (!qmp_run_command(s->mon, name, args, &res)) {
        msg = g_strdup_printf("The command %s has not been found", name);
        append_error(out, id, "CommandNotFound", msg);
    } else {
        g_string_append(out, res.events_before->str);
        if (res.ret) {
            append_return(out, id, res.ret);
            if (!strcmp(name, "qmp_capabilities")) {
                s->negotiated = true;
            }
        } else {
            append_error(out, id, res.err_class, res.err_desc);
        }
        g_string_append(out, res.events_after->str);
    }
    g_string_free(res.events_before, TRUE);
    g_string_free(res.events_after, TRUE);
    g_free(res.err_desc);
}

static void answer_text(QmpSession *s, GString *out)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, s->text->str, s->text->len,
                                    &err)) {
        msg = g_strdup_printf("JSON parse error, %s", err->message);
        append_error(out, NULL, "GenericError", msg);
        return;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        append_error(out, NULL, "GenericError",
                     "QMP input must be a JSON object");
        return;
    }
    run_request(s, json_node_get_object(root), out);
}

/* ---- framing ---------------------------------------------------------- */

static void text_done(QmpSession *s, GString *out)
{
    if (s->overflow) {
        g_autofree char *msg = g_strdup_printf(
            "JSON parse error, a text longer than %u bytes or nested deeper "
            "than %u levels",
            QMP_MAX_MESSAGE, QMP_MAX_DEPTH);

        append_error(out, NULL, "GenericError", msg);
    } else {
        answer_text(s, out);
    }
    if (s->text->allocated_len > 65536) {
        g_string_free(s->text, TRUE);
        s->text = g_string_new(NULL);
    } else {
        g_string_truncate(s->text, 0);
    }
    s->depth = 0;
    s->quote = 0;
    s->escape = false;
    s->scalar = false;
    s->overflow = false;
}

static void keep(QmpSession *s, char c)
{
    if (s->text->len >= QMP_MAX_MESSAGE) {
        s->overflow = true;
    }
    if (!s->overflow) {
        g_string_append_c(s->text, c);
    }
}

/*
 * Take one character. Return true when it ended a text (which was then
 * answered); *again is set when it must be looked at once more, as the
 * start of the next text.
 */
static bool take(QmpSession *s, char c, GString *out, bool *again)
{
    bool empty = !s->text->len && !s->overflow;

    *again = false;
    if (s->quote) {
        keep(s, c);
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == s->quote) {
            s->quote = 0;
            if (!s->depth && !s->scalar) {
                text_done(s, out); /* a top-level string */
                return true;
            }
        }
        return false;
    }
    if (s->scalar) {
        if (g_ascii_isspace(c) || strchr("{}[]\"'", c)) {
            text_done(s, out);
            *again = !g_ascii_isspace(c);
            return true;
        }
        keep(s, c);
        return false;
    }
    if (empty && g_ascii_isspace(c)) {
        return false;
    }
    keep(s, c);
    switch (c) {
    case '"':
    case '\'':
        s->quote = c;
        return false;
    case '{':
    case '[':
        if (++s->depth > QMP_MAX_DEPTH) {
            s->overflow = true;
        }
        return false;
    case '}':
    case ']':
        if (s->depth && --s->depth) {
            return false;
        }
        text_done(s, out);
        return true;
    default:
        if (!s->depth) {
            s->scalar = true;
        }
        return false;
    }
}

size_t qmp_session_feed(QmpSession *s, const char *data, size_t len,
                        GString *out)
{
    size_t i;

    for (i = 0; i < len; i++) {
        bool again;

        if (!take(s, data[i], out, &again)) {
            continue;
        }
        if (!again) {
            return i + 1;
        }
        if (i) {
            return i; /* data[i] starts the next text */
        }
        /* A scalar from an earlier call ended here: go on with data[0]. */
        take(s, data[0], out, &again);
        return 1;
    }
    return len;
}
