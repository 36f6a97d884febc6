/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP monitor: in-process against a session (framing, negotiation,
 * every command's reply and events, errors that leave it serving), and
 * as a process started the way QEMU's libqtest starts QEMU.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "libmcqtest.h"
#include "memcore-dm/machine.h"
#include "memcore-dm/qmp.h"

/* ---- in-process ------------------------------------------------------- */

static DmOptions opts;
static DmMachine *machine;
static QmpMonitor mon;
static QmpSession *session;

static void setup(void)
{
    char *argv[] = {
        "memcore-dm", "-qtest", "stdio", "-m", "16M", "-S", NULL
    };
    GError *err = NULL;

    ck_assert(dm_options_parse(&opts, 6, argv, &err));
    machine = dm_machine_new(&opts, &err);
    ck_assert_msg(machine, "%s", err ? err->message : "?");
    mon = (QmpMonitor){ .m = machine, .state = QMP_RUN_PRELAUNCH };
    session = qmp_session_new(&mon);
}

static void teardown(void)
{
    qmp_session_free(session);
    dm_machine_free(machine);
    dm_options_clear(&opts);
}

/* Feed @text in pieces of @step bytes; every JSON text that came back. */
static GPtrArray *feed_step(const char *text, size_t step)
{
    GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) out = g_string_new(NULL);
    size_t len = strlen(text);
    g_auto(GStrv) lines = NULL;
    unsigned i;

    while (len) {
        size_t n = qmp_session_feed(session, text, MIN(len, step), out);

        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, MIN(len, step));
        text += n;
        len -= n;
    }
    /* One text per line, each ending in CRLF, as QEMU sends them. */
    ck_assert(!out->len || g_str_has_suffix(out->str, "\r\n"));
    lines = g_strsplit(out->str, "\r\n", 0);
    for (i = 0; lines[i] && lines[i][0]; i++) {
        g_ptr_array_add(texts, g_strdup(lines[i]));
    }
    return texts;
}

static GPtrArray *feed(const char *text)
{
    return feed_step(text, 1 << 20);
}

static JsonObject *parse(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    JsonNode *root;

    ck_assert_msg(json_parser_load_from_data(p, text, -1, NULL),
                  "not JSON: %s", text);
    root = json_parser_get_root(p);
    ck_assert_msg(JSON_NODE_HOLDS_OBJECT(root), "not an object: %s", text);
    return json_object_ref(json_node_get_object(root));
}

/* The one reply to @req: a return (serialized) or "Class: desc". */
static char *one_reply(const char *req)
{
    g_autoptr(GPtrArray) t = feed(req);
    g_autoptr(JsonObject) o = NULL;
    JsonObject *e;

    ck_assert_msg(t->len == 1, "'%s': %u texts back", req, t->len);
    o = parse(g_ptr_array_index(t, 0));
    if (json_object_has_member(o, "return")) {
        return json_to_string(json_object_get_member(o, "return"), FALSE);
    }
    ck_assert_msg(json_object_has_member(o, "error"), "%s",
                  (char *)g_ptr_array_index(t, 0));
    e = json_object_get_object_member(o, "error");
    return g_strdup_printf("%s: %s", json_object_get_string_member(e, "class"),
                           json_object_get_string_member(e, "desc"));
}

static void expect_reply(const char *req, const char *want)
{
    g_autofree char *r = one_reply(req);

    ck_assert_msg(!strcmp(r, want), "'%s': got '%s', want '%s'", req, r, want);
}

static void negotiate(void)
{
    expect_reply("{\"execute\": \"qmp_capabilities\"}", "{}");
}

START_TEST(test_greeting)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(JsonObject) g = NULL;
    JsonObject *qmp;

    qmp_session_greeting(session, out);
    ck_assert(g_str_has_suffix(out->str, "\r\n"));
    g = parse(out->str);
    qmp = json_object_get_object_member(g, "QMP");
    ck_assert_ptr_nonnull(qmp);
    ck_assert_uint_eq(json_array_get_length(
                          json_object_get_array_member(qmp, "capabilities")),
                      0);
    ck_assert(json_object_has_member(
        json_object_get_object_member(
            json_object_get_object_member(qmp, "version"), "qemu"),
        "major"));
}
END_TEST

START_TEST(test_negotiation)
{
    expect_reply("{\"execute\": \"query-status\"}",
                 "CommandNotFound: "
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    expect_reply("{\"execute\": \"qmp_capabilities\", \"arguments\": "
                 "{\"enable\": [\"oob\"]}}",
                 "GenericError: Capability 'oob' not available");
    expect_reply("{\"execute\": \"qmp_capabilities\", \"arguments\": "
                 "{\"enable\": []}}",
                 "{}");
    expect_reply("{\"execute\": \"qmp_capabilities\"}",
                 "CommandNotFound: "
                 "Capabilities negotiation is already complete, command "
                 "ignored");
    expect_reply("{\"execute\": \"query-status\"}",
                 "{\"running\":false,\"status\":\"prelaunch\"}");
}
END_TEST

/* Each event text; @want names them in order, "return" for the reply. */
static void expect_texts(const char *req, const char *const *want)
{
    g_autoptr(GPtrArray) t = feed(req);
    unsigned i;

    for (i = 0; want[i]; i++) {
        g_autoptr(JsonObject) o = NULL;

        ck_assert_msg(i < t->len, "'%s': only %u texts", req, t->len);
        o = parse(g_ptr_array_index(t, i));
        if (!strcmp(want[i], "return")) {
            ck_assert_msg(json_object_has_member(o, "return"), "%s",
                          (char *)g_ptr_array_index(t, i));
        } else {
            ck_assert_str_eq(json_object_get_string_member(o, "event"),
                             want[i]);
            ck_assert(json_object_has_member(
                json_object_get_object_member(o, "timestamp"), "seconds"));
        }
    }
    ck_assert_uint_eq(t->len, i);
}

#define TEXTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_run_state_and_events)
{
    negotiate();
    /* As QEMU: RESUME and STOP only on a change, before the return. */
    expect_texts("{\"execute\": \"stop\"}", TEXTS("return"));
    expect_reply("{\"execute\": \"query-status\"}",
                 "{\"running\":false,\"status\":\"prelaunch\"}");
    expect_texts("{\"execute\": \"cont\"}", TEXTS("RESUME", "return"));
    expect_texts("{\"execute\": \"cont\"}", TEXTS("return"));
    expect_reply("{\"execute\": \"query-status\"}",
                 "{\"running\":true,\"status\":\"running\"}");
    expect_texts("{\"execute\": \"stop\"}", TEXTS("STOP", "return"));
    expect_reply("{\"execute\": \"query-status\"}",
                 "{\"running\":false,\"status\":\"paused\"}");
    /* Reset and quit are announced after the return. */
    expect_texts("{\"execute\": \"system_reset\"}", TEXTS("return", "RESET"));
    ck_assert(!mon.quit);
    expect_texts("{\"execute\": \"quit\"}", TEXTS("return", "SHUTDOWN"));
    ck_assert(mon.quit);
}
END_TEST

START_TEST(test_id_echoed)
{
    g_autoptr(GPtrArray) t = feed("{\"execute\": \"qmp_capabilities\", "
                                  "\"id\": {\"n\": [1, \"two\"]}}"
                                  "{\"execute\": \"nope\", \"id\": 7}");
    g_autoptr(JsonObject) a = NULL, b = NULL;
    g_autofree char *ida = NULL;

    /* Any JSON value as the id, on returns and errors alike. */
    ck_assert_uint_eq(t->len, 2);
    a = parse(g_ptr_array_index(t, 0));
    ida = json_to_string(json_object_get_member(a, "id"), FALSE);
    ck_assert_str_eq(ida, "{\"n\":[1,\"two\"]}");
    b = parse(g_ptr_array_index(t, 1));
    ck_assert_int_eq(json_object_get_int_member(b, "id"), 7);
    ck_assert(json_object_has_member(b, "error"));
}
END_TEST

START_TEST(test_framing)
{
    static const char two[] = "  {\"execute\":\n\"qmp_capabilities\"}\r\n"
                              "{\"execute\": \"query-status\", \"arguments\""
                              ": {}, \"id\": \"a}b{\\\"\"}";
    size_t step;

    /* Whatever the pieces, the same two replies. */
    for (step = 1; step < sizeof(two); step += 7) {
        GString *all = g_string_new(NULL);
        const char *p = two;
        size_t len = sizeof(two) - 1;

        qmp_session_free(session);
        session = qmp_session_new(&mon);
        while (len) {
            g_autoptr(GString) out = g_string_new(NULL);
            size_t n = qmp_session_feed(session, p, MIN(step, len), out);

            g_string_append(all, out->str);
            p += n;
            len -= n;
        }
        ck_assert_msg(strstr(all->str, "{\"return\":{}}\r\n") == all->str,
                      "step %zu: %s", step, all->str);
        ck_assert_msg(strstr(all->str, "\"status\":\"prelaunch\"},\"id\":"
                                       "\"a}b{\\\"\"}\r\n"),
                      "step %zu: %s", step, all->str);
        g_string_free(all, TRUE);
    }
}
END_TEST

START_TEST(test_bad_input_keeps_serving)
{
    g_autofree char *deep = NULL, *big = NULL;
    GString *s;

    negotiate();
    expect_reply("{\"execute\": \"nope\"}",
                 "CommandNotFound: The command nope has not been found");
    ck_assert(g_str_has_prefix(one_reply("{\"execute\": }"),
                               "GenericError: JSON parse error"));
    ck_assert(g_str_has_prefix(one_reply("garbage "),
                               "GenericError: JSON parse error"));
    ck_assert(
        g_str_has_prefix(one_reply("}"), "GenericError: JSON parse error"));
    expect_reply("[1, 2]", "GenericError: QMP input must be a JSON object");
    expect_reply("\"text\"", "GenericError: QMP input must be a JSON object");
    expect_reply("{}", "GenericError: QMP input lacks member 'execute'");
    expect_reply("{\"execute\": 1}",
                 "GenericError: QMP input member 'execute' must be a string");
    expect_reply("{\"execute\": \"stop\", \"arguments\": 1}",
                 "GenericError: "
                 "QMP input member 'arguments' must be an object");
    expect_reply("{\"execute\": \"stop\", \"exec-oob\": \"x\"}",
                 "GenericError: QMP input member 'exec-oob' is unexpected");
    expect_reply("{\"execute\": \"stop\", \"arguments\": {\"now\": true}}",
                 "GenericError: Parameter 'now' is unexpected");
    expect_reply("{\"execute\": \"x-memcore-xen-end\"}",
                 "GenericError: Parameter 'ref' is missing");
    expect_reply("{\"execute\": \"x-memcore-xen-end\", \"arguments\": "
                 "{\"ref\": \"8\"}}",
                 "GenericError: Invalid parameter "
                 "type for 'ref', expected: integer");
    /* Too deep, and too long: one error each, nothing kept. */
    s = g_string_new("{\"a\": ");
    for (unsigned i = 0; i < 100000; i++) {
        g_string_append_c(s, '[');
    }
    for (unsigned i = 0; i < 100000; i++) {
        g_string_append_c(s, ']');
    }
    g_string_append_c(s, '}');
    deep = g_string_free(s, FALSE);
    ck_assert(strstr(one_reply(deep), "nested deeper than"));
    big = g_strdup_printf("{\"execute\": \"%0*d\"}", 2 << 20, 0);
    ck_assert(strstr(one_reply(big), "longer than"));
    expect_reply("{\"execute\": \"query-status\"}",
                 "{\"running\":false,\"status\":\"prelaunch\"}");
}
END_TEST

START_TEST(test_queries)
{
    g_autofree char *machines = NULL, *cmds = NULL, *accels = NULL;

    negotiate();
    machines = one_reply("{\"execute\": \"query-machines\"}");
    ck_assert(strstr(machines, "\"name\":\"xenvirt\""));
    ck_assert(strstr(machines, "\"name\":\"none\""));
    ck_assert(strstr(machines, "\"is-default\":true"));
    cmds = one_reply("{\"execute\": \"query-commands\"}");
    ck_assert(strstr(cmds, "{\"name\":\"system_reset\"}"));
    ck_assert(strstr(cmds, "{\"name\":\"x-memcore-xen-grant\"}"));
    accels = one_reply("{\"execute\": \"qom-list-types\", \"arguments\": "
                       "{\"implements\": \"accel\", \"abstract\": false}}");
    ck_assert(strstr(accels, "\"name\":\"qtest-accel\""));
    expect_reply("{\"execute\": \"qom-list-types\", \"arguments\": "
                 "{\"implements\": \"device\"}}",
                 "[]");
    ck_assert(strstr(one_reply("{\"execute\": \"query-version\"}"),
                     "\"package\":\"memcore-dm "));
}
END_TEST

START_TEST(test_grants)
{
    hwaddr len = 4096;
    uint64_t ga;
    void *p;

    negotiate();
    expect_reply("{\"execute\": \"x-memcore-xen-grant\", \"arguments\": "
                 "{\"gfn\": 64, \"count\": 2}}",
                 "{\"ref\":8}");
    expect_reply("{\"execute\": \"x-memcore-xen-grant\", \"arguments\": "
                 "{\"gfn\": 80, \"readonly\": true}}",
                 "{\"ref\":10}");
    expect_reply("{\"execute\": \"x-memcore-xen-grant\", \"arguments\": "
                 "{\"gfn\": 80, \"count\": 0}}",
                 "GenericError: gfn and "
                 "count must be a range of frames (count >= 1)");
    /* The grant is real: mapped, it cannot be ended. */
    ga = (1ULL << 63) | (8ULL << 12);
    p = address_space_map(&machine->as, ga, &len, true,
                          MEMTXATTRS_UNSPECIFIED);
    ck_assert_ptr_nonnull(p);
    expect_reply("{\"execute\": \"x-memcore-xen-end\", \"arguments\": "
                 "{\"ref\": 8}}",
                 "GenericError: ref 8 is still mapped by "
                 "the backend (busy)");
    address_space_unmap(&machine->as, p, len, true, 0);
    expect_reply("{\"execute\": \"x-memcore-xen-end\", \"arguments\": "
                 "{\"ref\": 8}}",
                 "{}");
    expect_reply("{\"execute\": \"x-memcore-xen-end\", \"arguments\": "
                 "{\"ref\": 8}}",
                 "GenericError: ref 8 is not granted");
}
END_TEST

/* ---- as a process, started the way libqtest starts QEMU --------------- */

static char *tmpdir;

static void proc_setup(void)
{
    tmpdir = g_dir_make_tmp("mcq-qmp-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void proc_teardown(void)
{
    g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);

        unlink(p);
    }
    rmdir(tmpdir);
    g_free(tmpdir);
}

static int listen_at(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    return fd;
}

static int reap(GPid pid)
{
    int status;

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A JSON text from @f that is not an event (events are stashed away). */
static JsonObject *qmp_recv(FILE *f)
{
    char line[65536];

    for (;;) {
        JsonObject *o;

        ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
        o = parse(line);
        if (!json_object_has_member(o, "event")) {
            return o;
        }
        json_object_unref(o);
    }
}

START_TEST(test_libqtest_launch)
{
    g_autofree char *qs = g_build_filename(tmpdir, "q.sock", NULL);
    g_autofree char *ms = g_build_filename(tmpdir, "m.qmp", NULL);
    g_autofree char *qarg = g_strdup_printf("unix:%s", qs);
    g_autofree char *marg = g_strdup_printf("socket,path=%s,id=char0", ms);
    const char *argv[] = {
        mcq_binary(),  "-qtest",    qarg,
        "-qtest-log",  "/dev/null", "-chardev",
        marg,          "-mon",      "chardev=char0,mode=control",
        "-display",    "none",      "-audio",
        "none",        "-machine",  "none",
        "-m",          "8M",        "-S",
        "-nodefaults", "-accel",    "qtest",
        NULL,
    };
    int qlfd = listen_at(qs), mlfd = listen_at(ms), mfd;
    g_autoptr(JsonObject) greeting = NULL, r1 = NULL, r2 = NULL;
    g_autofree char *endian = NULL;
    MCQTest *q;
    FILE *mf;
    GPid pid;

    ck_assert(g_spawn_async(NULL, (char **)argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                            NULL));
    /* libqtest's order: qtest first, then QMP, then "endianness". */
    q = mcq_start_fd(accept(qlfd, NULL, NULL), 0);
    mfd = accept(mlfd, NULL, NULL);
    close(qlfd);
    close(mlfd);
    ck_assert_int_ge(mfd, 0);
    endian = mcq_cmd(q, "endianness");
    ck_assert_str_eq(endian, "OK little");
    mf = fdopen(mfd, "r+");
    greeting = qmp_recv(mf);
    ck_assert(json_object_has_member(greeting, "QMP"));
    fputs("{\"execute\": \"qmp_capabilities\"}", mf);
    fflush(mf);
    r1 = qmp_recv(mf);
    ck_assert(json_object_has_member(r1, "return"));
    fputs("{\"execute\": \"cont\"}\n", mf);
    fflush(mf);
    r2 = qmp_recv(mf);
    ck_assert(json_object_has_member(r2, "return"));
    mcq_writeq(q, 0x1000, 0x1122334455667788ULL);
    ck_assert_uint_eq(mcq_readq(q, 0x1000), 0x1122334455667788ULL);
    /* libqtest's qtest_quit(): SIGTERM with both sockets open. */
    kill(pid, SIGTERM);
    ck_assert_int_eq(reap(pid), 0);
    fclose(mf);
    mcq_quit(q);
}
END_TEST

START_TEST(test_qmp_server_quit)
{
    g_autofree char *ms = g_build_filename(tmpdir, "m.qmp", NULL);
    g_autofree char *arg = g_strdup_printf("unix:%s,server=on,wait=off", ms);
    const char *argv[] = { mcq_binary(), "-qmp", arg, "-m", "8M", NULL };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autoptr(JsonObject) greeting = NULL, r = NULL;
    int fd = -1, i;
    FILE *mf;
    GPid pid;

    ck_assert(g_spawn_async(NULL, (char **)argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                            NULL));
    g_strlcpy(sa.sun_path, ms, sizeof(sa.sun_path));
    for (i = 0; i < 1000; i++) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            break;
        }
        close(fd);
        fd = -1;
        g_usleep(10000);
    }
    ck_assert_int_ge(fd, 0);
    mf = fdopen(fd, "r+");
    greeting = qmp_recv(mf);
    fputs("{\"execute\": \"qmp_capabilities\"}{\"execute\": \"quit\"}", mf);
    fflush(mf);
    json_object_unref(qmp_recv(mf));
    r = qmp_recv(mf);
    ck_assert(json_object_has_member(r, "return"));
    /* "quit" ends the program with status 0; its socket is gone. */
    ck_assert_int_eq(reap(pid), 0);
    ck_assert_int_ne(access(ms, F_OK), 0);
    fclose(mf);
}
END_TEST

/* Connect to @path, retrying while the server starts; a FILE for QMP. */
static FILE *qmp_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd, i;

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (i = 0; i < 1000; i++) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            return fdopen(fd, "r+");
        }
        close(fd);
        g_usleep(10000);
    }
    ck_abort_msg("nobody listens on %s", path);
    return NULL;
}

static char *qmp_exchange(FILE *f, const char *req)
{
    g_autoptr(JsonObject) o = NULL;

    fputs(req, f);
    fflush(f);
    o = qmp_recv(f);
    return json_to_string(
        json_object_get_member(o, json_object_has_member(o, "return") ?
                                      "return" :
                                      "error"),
        FALSE);
}

/*
 * A monitor client that hangs up is not the end: the next one is greeted
 * and negotiates afresh, the run state is the machine's, and the qtest
 * channel served all along.
 */
START_TEST(test_qmp_reconnect)
{
    g_autofree char *ms = g_build_filename(tmpdir, "m.qmp", NULL);
    g_autofree char *arg = g_strdup_printf("unix:%s,server=on,wait=off", ms);
    const char *argv[] = { mcq_binary(), "-qtest", "stdio", "-qmp",
                           arg,          "-m",     "8M",    NULL };
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
    MCQTest *q = mcq_start_argv(argv);
    FILE *f;
    int i;

    for (i = 0; i < 3; i++) {
        g_autoptr(JsonObject) greeting = NULL;

        f = qmp_connect(ms);
        greeting = qmp_recv(f);
        ck_assert(json_object_has_member(greeting, "QMP"));
        g_free(r1);
        r1 = qmp_exchange(f, "{\"execute\": \"query-status\"}");
        ck_assert_msg(strstr(r1, "CommandNotFound"), "%s", r1);
        g_free(qmp_exchange(f, "{\"execute\": \"qmp_capabilities\"}"));
        if (!i) {
            g_free(qmp_exchange(f, "{\"execute\": \"stop\"}"));
        }
        g_free(r2);
        r2 = qmp_exchange(f, "{\"execute\": \"query-status\"}");
        ck_assert_str_eq(r2, "{\"running\":false,\"status\":\"paused\"}");
        fclose(f);
        mcq_writel(q, 0x1000, i);
        ck_assert_uint_eq(mcq_readl(q, 0x1000), i);
    }
    r3 = mcq_cmd(q, "endianness");
    ck_assert_str_eq(r3, "OK little");
    ck_assert_int_eq(mcq_quit(q), 0);
    ck_assert_int_ne(access(ms, F_OK), 0);
}
END_TEST

static Suite *qmp_suite(void)
{
    Suite *s = suite_create("qmp");
    TCase *tc = tcase_create("session");
    TCase *proc = tcase_create("process");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_greeting);
    tcase_add_test(tc, test_negotiation);
    tcase_add_test(tc, test_run_state_and_events);
    tcase_add_test(tc, test_id_echoed);
    tcase_add_test(tc, test_framing);
    tcase_add_test(tc, test_bad_input_keeps_serving);
    tcase_add_test(tc, test_queries);
    tcase_add_test(tc, test_grants);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(proc, proc_setup, proc_teardown);
    tcase_set_timeout(proc, 30);
    tcase_add_test(proc, test_libqtest_launch);
    tcase_add_test(proc, test_qmp_server_quit);
    tcase_add_test(proc, test_qmp_reconnect);
    suite_add_tcase(s, proc);
    return s;
}

int main(void)
{
    return mcq_run_suite(qmp_suite());
}
