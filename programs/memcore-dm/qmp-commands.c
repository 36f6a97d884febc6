/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP: the commands memcore-dm serves (qmp.h; docs/devel/qtest.rst has
 * each one's reply). Names, arguments, replies and events are QEMU's,
 * except for the x-memcore- extensions.
 */
#include <errno.h>
#include <string.h>

#include "config-host.h"
#include "qmp.h"
#include "xen.h"

/* ---- arguments -------------------------------------------------------- */

typedef enum QmpArgType {
    QMP_ARG_INT,
    QMP_ARG_BOOL,
    QMP_ARG_STR,
    QMP_ARG_STR_LIST,
} QmpArgType;

typedef struct QmpArgDef {
    const char *name;
    QmpArgType type;
    bool optional;
} QmpArgDef;

static bool arg_error(QmpResult *res, const char *fmt, const char *name)
{
    res->err_class = "GenericError";
    res->err_desc = g_strdup_printf(fmt, name);
    return false;
}

static bool arg_has_type(JsonNode *n, QmpArgType type)
{
    JsonArray *a;
    guint i;

    switch (type) {
    case QMP_ARG_INT:
        return JSON_NODE_HOLDS_VALUE(n) &&
               json_node_get_value_type(n) == G_TYPE_INT64;
    case QMP_ARG_BOOL:
        return JSON_NODE_HOLDS_VALUE(n) &&
               json_node_get_value_type(n) == G_TYPE_BOOLEAN;
    case QMP_ARG_STR:
        return JSON_NODE_HOLDS_VALUE(n) &&
               json_node_get_value_type(n) == G_TYPE_STRING;
    default:
        if (!JSON_NODE_HOLDS_ARRAY(n)) {
            return false;
        }
        a = json_node_get_array(n);
        for (i = 0; i < json_array_get_length(a); i++) {
            if (!arg_has_type(json_array_get_element(a, i), QMP_ARG_STR)) {
                return false;
            }
        }
        return true;
    }
}

static const char *const type_names[] = {
    [QMP_ARG_INT] = "integer",
    [QMP_ARG_BOOL] = "boolean",
    [QMP_ARG_STR] = "string",
    [QMP_ARG_STR_LIST] = "array of strings",
};

/* Every member of @args is in @defs with the right type; none missing. */
static bool check_args(JsonObject *args, const QmpArgDef *defs, QmpResult *res)
{
    g_autoptr(GList) members = json_object_get_members(args);
    const QmpArgDef *d;
    GList *l;

    for (l = members; l; l = l->next) {
        JsonNode *n = json_object_get_member(args, l->data);

        for (d = defs; d && d->name && strcmp(d->name, l->data); d++) {
        }
        if (!d || !d->name) {
            return arg_error(res, "Parameter '%s' is unexpected", l->data);
        }
        if (!arg_has_type(n, d->type)) {
            res->err_class = "GenericError";
            res->err_desc = g_strdup_printf("Invalid parameter type for "
                                            "'%s', expected: %s",
                                            d->name, type_names[d->type]);
            return false;
        }
    }
    for (d = defs; d && d->name; d++) {
        if (!d->optional && !json_object_has_member(args, d->name)) {
            return arg_error(res, "Parameter '%s' is missing", d->name);
        }
    }
    return true;
}

static void ret_empty(QmpResult *res)
{
    res->ret = json_node_init_object(json_node_alloc(), json_object_new());
}

static void ret_object(QmpResult *res, JsonObject *obj)
{
    res->ret = json_node_init_object(json_node_alloc(), obj);
    json_object_unref(obj);
}

static void ret_array(QmpResult *res, JsonArray *arr)
{
    res->ret = json_node_init_array(json_node_alloc(), arr);
    json_array_unref(arr);
}

static void generic_error(QmpResult *res, char *desc)
{
    res->err_class = "GenericError";
    res->err_desc = desc;
}

/* {"guest": false, "reason": @reason}: what the host asked for. */
static JsonNode *host_reason(const char *reason)
{
    JsonObject *o = json_object_new();

    json_object_set_boolean_member(o, "guest", false);
    json_object_set_string_member(o, "reason", reason);
    return json_node_init_object(json_node_alloc(), o);
}

/* ---- negotiation, status, run state ---------------------------------- */

static const QmpArgDef caps_args[] = {
    { "enable", QMP_ARG_STR_LIST, true },
    { NULL },
};

static void cmd_qmp_capabilities(QmpMonitor *mon, JsonObject *args,
                                 QmpResult *res)
{
    JsonArray *enable = json_object_has_member(args, "enable") ?
                            json_object_get_array_member(args, "enable") :
                            NULL;

    /* The greeting offers none, not even out-of-band execution. */
    if (enable && json_array_get_length(enable)) {
        generic_error(res,
                      g_strdup_printf("Capability '%s' not available",
                                      json_array_get_string_element(enable,
                                                                    0)));
        return;
    }
    ret_empty(res);
}

static const char *run_state_name(QmpRunState s)
{
    switch (s) {
    case QMP_RUN_PRELAUNCH:
        return "prelaunch";
    case QMP_RUN_PAUSED:
        return "paused";
    default:
        return "running";
    }
}

static void cmd_query_status(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    JsonObject *o = json_object_new();

    json_object_set_boolean_member(o, "running",
                                   mon->state == QMP_RUN_RUNNING);
    json_object_set_string_member(o, "status", run_state_name(mon->state));
    ret_object(res, o);
}

/* As QEMU: STOP only when it was running; stopping again does nothing. */
static void cmd_stop(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    if (mon->state == QMP_RUN_RUNNING) {
        mon->state = QMP_RUN_PAUSED;
        qmp_append_event(res->events_before, "STOP", NULL);
    }
    ret_empty(res);
}

/* As QEMU: RESUME only when it was not running. */
static void cmd_cont(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    if (mon->state != QMP_RUN_RUNNING) {
        mon->state = QMP_RUN_RUNNING;
        qmp_append_event(res->events_before, "RESUME", NULL);
    }
    ret_empty(res);
}

/*
 * There are no CPUs to reset and the devices keep their registers (as a
 * qtest sees them); the reset is only announced, after the return, as
 * QEMU announces it once done.
 */
static void cmd_system_reset(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    ret_empty(res);
    qmp_append_event(res->events_after, "RESET",
                     host_reason("host-qmp-system-reset"));
}

static void cmd_quit(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    mon->quit = true;
    ret_empty(res);
    qmp_append_event(res->events_after, "SHUTDOWN",
                     host_reason("host-qmp-quit"));
}

/* ---- what there is ---------------------------------------------------- */

static void cmd_query_version(QmpMonitor *mon, JsonObject *args,
                              QmpResult *res)
{
    ret_object(res, qmp_version_info());
}

static void cmd_query_machines(QmpMonitor *mon, JsonObject *args,
                               QmpResult *res)
{
    static const DmMachineType types[] = {
        DM_MACHINE_XENVIRT,
        DM_MACHINE_NONE,
    };
    JsonArray *list = json_array_new();
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(types); i++) {
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", dm_machine_name(types[i]));
        if (types[i] == DM_MACHINE_XENVIRT) {
            json_object_set_boolean_member(o, "is-default", true);
        }
        json_object_set_int_member(o, "cpu-max", 1);
        json_object_set_boolean_member(o, "hotpluggable-cpus", false);
        json_object_set_boolean_member(o, "numa-mem-supported", false);
        json_object_set_boolean_member(o, "deprecated", false);
        json_object_set_string_member(o, "acpi", "off");
        json_array_add_object_element(list, o);
    }
    ret_array(res, list);
}

static const QmpArgDef qom_list_types_args[] = {
    { "implements", QMP_ARG_STR, true },
    { "abstract", QMP_ARG_BOOL, true },
    { NULL },
};

/*
 * What qtest_has_accel() asks about: the accelerators, under QEMU's type
 * names. Nothing else is a QOM type here.
 */
static void cmd_qom_list_types(QmpMonitor *mon, JsonObject *args,
                               QmpResult *res)
{
    static const char *const accels[] = {
        "qtest-accel",
#ifdef CONFIG_LIBXEN
        "xen-accel",
#endif
    };
    const char *impl = json_object_has_member(args, "implements") ?
                           json_object_get_string_member(args, "implements") :
                           NULL;
    JsonArray *list = json_array_new();
    unsigned i;

    for (i = 0; impl && !strcmp(impl, "accel") && i < G_N_ELEMENTS(accels);
         i++) {
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", accels[i]);
        json_object_set_string_member(o, "parent", "accel");
        json_array_add_object_element(list, o);
    }
    ret_array(res, list);
}

static void cmd_query_commands(QmpMonitor *mon, JsonObject *args,
                               QmpResult *res)
{
    const char *const *names = qmp_command_names();
    JsonArray *list = json_array_new();

    for (; *names; names++) {
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", *names);
        json_array_add_object_element(list, o);
    }
    ret_array(res, list);
}

/* ---- extensions: the guest's grants, as the qtest commands ----------- */

static const QmpArgDef grant_args[] = {
    { "gfn", QMP_ARG_INT },
    { "count", QMP_ARG_INT, true },
    { "readonly", QMP_ARG_BOOL, true },
    { NULL },
};

static DmXen *need_grants(QmpMonitor *mon, QmpResult *res)
{
    if (!mon->m->xen || !dm_xen_can_grant(mon->m->xen)) {
        generic_error(res, g_strdup("grants need -accel xen-emu: the "
                                    "emulated guest makes them"));
        return NULL;
    }
    return mon->m->xen;
}

static void cmd_xen_grant(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    gint64 gfn = json_object_get_int_member(args, "gfn");
    gint64 n = json_object_has_member(args, "count") ?
                   json_object_get_int_member(args, "count") :
                   1;
    bool ro = json_object_has_member(args, "readonly") &&
              json_object_get_boolean_member(args, "readonly");
    DmXen *x = need_grants(mon, res);
    JsonObject *o;
    int64_t ref;

    if (!x) {
        return;
    }
    if (gfn < 0 || n < 1 || n > UINT32_MAX ||
        (uint64_t)gfn + n - 1 < (uint64_t)gfn) {
        generic_error(res, g_strdup("gfn and count must be a range of "
                                    "frames (count >= 1)"));
        return;
    }
    ref = dm_xen_grant(x, gfn, n, ro);
    if (ref < 0) {
        generic_error(
            res, g_strdup_printf("cannot grant: %s",
                                 ref == -ENOSPC ?
                                     "no run of free grant refs that long" :
                                     g_strerror(-ref)));
        return;
    }
    o = json_object_new();
    json_object_set_int_member(o, "ref", ref);
    ret_object(res, o);
}

static const QmpArgDef end_args[] = {
    { "ref", QMP_ARG_INT },
    { NULL },
};

static void cmd_xen_end(QmpMonitor *mon, JsonObject *args, QmpResult *res)
{
    gint64 ref = json_object_get_int_member(args, "ref");
    DmXen *x = need_grants(mon, res);
    int ret;

    if (!x) {
        return;
    }
    ret = ref < 0 || ref > UINT32_MAX ? -EINVAL : dm_xen_end(x, ref);
    if (ret == -EBUSY) {
        generic_error(res, g_strdup_printf("ref %" G_GINT64_FORMAT " is "
                                           "still mapped by the backend "
                                           "(busy)",
                                           ref));
    } else if (ret) {
        generic_error(res, g_strdup_printf("ref %" G_GINT64_FORMAT " is not "
                                           "granted",
                                           ref));
    } else {
        ret_empty(res);
    }
}

/* ---- the table -------------------------------------------------------- */

typedef struct QmpCommandDef {
    const char *name;
    void (*fn)(QmpMonitor *mon, JsonObject *args, QmpResult *res);
    const QmpArgDef *args; /* NULL: takes none */
} QmpCommandDef;

static const QmpCommandDef commands[] = {
    { "qmp_capabilities", cmd_qmp_capabilities, caps_args },
    { "query-status", cmd_query_status },
    { "stop", cmd_stop },
    { "cont", cmd_cont },
    { "system_reset", cmd_system_reset },
    { "quit", cmd_quit },
    { "query-version", cmd_query_version },
    { "query-machines", cmd_query_machines },
    { "qom-list-types", cmd_qom_list_types, qom_list_types_args },
    { "query-commands", cmd_query_commands },
    { "x-memcore-xen-grant", cmd_xen_grant, grant_args },
    { "x-memcore-xen-end", cmd_xen_end, end_args },
};

const char *const *qmp_command_names(void)
{
    static const char *names[G_N_ELEMENTS(commands) + 1];
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(commands); i++) {
        names[i] = commands[i].name;
    }
    return names;
}

bool qmp_run_command(QmpMonitor *mon, const char *name, JsonObject *args,
                     QmpResult *res)
{
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(commands[i].name, name)) {
            if (check_args(args, commands[i].args, res)) {
                commands[i].fn(mon, args, res);
            }
            return true;
        }
    }
    return false;
}
