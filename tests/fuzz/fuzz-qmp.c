/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target 4: memcore-dm's QMP monitor (programs/memcore-dm/qmp.h).
 *
 * The input goes, as the bytes a client sends, to a QMP session of a
 * xenvirt machine with the emulated hypervisor, so that it can negotiate,
 * change the run state, reset, quit, and grant and revoke. Invariants:
 *  - nothing crashes, hangs or trips a sanitizer;
 *  - every call consumes at least one byte and what comes back is whole
 *    JSON texts, each ending in CRLF and each an object that is a return,
 *    an error with a class and a description, or an event (after the
 *    greeting);
 *  - when the input is done, nothing is left mapped.
 *
 * One machine serves every input; after each, the refs the input was
 * given are ended and the monitor's state is reset, so an input replays
 * the same way alone or after others.
 */
#include <errno.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "fuzz-input.h"
#include "memcore-dm/qmp.h"
#include "hw/xen/xen-emu.h"
#include "memcore-dm/xen.h"

static const char *const machine_argv[] = {
    "fuzz-qmp", "-machine", "xenvirt", "-accel", "xen-emu",
    "-m",       "1M",       "-qtest",  "stdio",  NULL,
};

static DmMachine *machine;
static GArray *granted; /* of int64_t: first refs handed out */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;
    DmOptions o;

    if (!dm_options_parse(&o, G_N_ELEMENTS(machine_argv) - 1,
                          (char **)machine_argv, &err) ||
        !dm_machine_check_options(&o, &err)) {
        fuzz_fail("machine options: %s", err->message);
    }
    machine = dm_machine_new(&o, &err);
    dm_options_clear(&o);
    if (!machine) {
        fuzz_fail("machine: %s", err->message);
    }
    granted = g_array_new(FALSE, FALSE, sizeof(int64_t));
    return 0;
}

/* One JSON text the monitor sent: well-formed, and one of three kinds. */
static void check_text(const char *text, size_t len)
{
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *o, *e;
    JsonNode *root;

    fuzz_check(json_parser_load_from_data(p, text, len, NULL),
               "not JSON: '%.*s'", (int)MIN(len, 200), text);
    root = json_parser_get_root(p);
    fuzz_check(root && JSON_NODE_HOLDS_OBJECT(root), "not an object");
    o = json_node_get_object(root);
    if (json_object_has_member(o, "QMP")) {
        return; /* the greeting */
    }
    if (json_object_has_member(o, "error")) {
        e = json_object_get_object_member(o, "error");
        fuzz_check(e && json_object_get_string_member(e, "class") &&
                       json_object_get_string_member(e, "desc"),
                   "error without class or desc");
        return;
    }
    if (json_object_has_member(o, "event")) {
        fuzz_check(json_object_has_member(o, "timestamp"),
                   "event without timestamp");
        return;
    }
    fuzz_check(json_object_has_member(o, "return"),
               "neither return, error nor event: '%.*s'", (int)MIN(len, 200),
               text);
    root = json_object_get_member(o, "return");
    if (JSON_NODE_HOLDS_OBJECT(root) &&
        json_object_has_member(json_node_get_object(root), "ref")) {
        int64_t ref = json_object_get_int_member(json_node_get_object(root),
                                                 "ref");

        g_array_append_val(granted, ref);
    }
}

static void check_output(const GString *out)
{
    const char *p = out->str, *end = out->str + out->len;

    fuzz_check(strlen(out->str) == out->len, "output contains a NUL byte");
    while (p < end) {
        const char *crlf = strstr(p, "\r\n");

        fuzz_check(crlf, "a text without CRLF: '%.*s'", (int)MIN(end - p, 200),
                   p);
        check_text(p, crlf - p);
        p = crlf + 2;
    }
}

/*
 * End every ref: a reply says where a run of refs starts, not how long it
 * is, and the input may have ended some of it already. Only inputs that
 * were given refs pay for this.
 */
static void end_all_refs(void)
{
    uint32_t ref;

    for (ref = 0; ref < XEN_EMU_NR_GRANT_REFS; ref++) {
        int ret = dm_xen_end(machine->xen, ref);

        fuzz_check(ret == 0 || ret == -EINVAL, "ending ref %u: %d", ref, ret);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QmpMonitor mon = { .state = QMP_RUN_PRELAUNCH };
    g_autoptr(GString) out = g_string_new(NULL);
    const char *p = (const char *)data;
    AddressSpaceStats st;
    QmpSession *s;

    if (!machine) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    mon.m = machine;
    s = qmp_session_new(&mon);
    qmp_session_greeting(s, out);
    check_output(out);
    fuzz_check(g_str_has_prefix(out->str, "{\"QMP\":"), "greeting '%s'",
               out->str);
    while (size) {
        size_t n;

        g_string_truncate(out, 0);
        n = qmp_session_feed(s, p, size, out);
        fuzz_check(n >= 1 && n <= size, "consumed %zu of %zu bytes", n, size);
        check_output(out);
        p += n;
        size -= n;
    }
    qmp_session_free(s);

    address_space_get_stats(&machine->as, &st);
    fuzz_check(st.outstanding == 0, "%" PRIu64 " mapping(s) left over",
               st.outstanding);
    if (granted->len) {
        end_all_refs();
        g_array_set_size(granted, 0);
    }
    return 0;
}
