/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm command line parsing.
 *
 * Options follow QEMU's habits: one dash or two, the value in the next
 * argument. A few QEMU options that qtest harnesses always pass are
 * accepted when they ask for what memcore-dm does anyway (-display none,
 * -nodefaults, -S, ...); anything else is refused by name, never ignored.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-host.h"
#include "options-internal.h"

GQuark dm_error_quark(void)
{
    return g_quark_from_static_string("memcore-dm-options");
}

const char *dm_machine_name(DmMachineType type)
{
    return type == DM_MACHINE_NONE ? "none" : "xenvirt";
}

const char *dm_accel_name(DmAccelType type)
{
    switch (type) {
    case DM_ACCEL_XEN_EMU:
        return "xen-emu";
    case DM_ACCEL_XEN:
        return "xen";
    default:
        return "none";
    }
}

bool dm_parse_size(const char *str, uint64_t *size)
{
    static const char suffixes[] = "bkmgt";
    unsigned long long v;
    const char *s;
    char *end;
    unsigned shift = 20; /* QEMU's -m counts in MiB by default */

    if (!g_ascii_isdigit(str[0])) {
        return false;
    }
    errno = 0;
    v = strtoull(str, &end, 10);
    if (errno) {
        return false;
    }
    if (*end) {
        s = strchr(suffixes, g_ascii_tolower(*end));
        if (!s || end[1]) {
            return false;
        }
        shift = (s - suffixes) * 10;
    }
    if (shift && v > (UINT64_MAX >> shift)) {
        return false;
    }
    *size = (uint64_t)v << shift;
    return true;
}

char *dm_format_size(uint64_t size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned i = 0;

    while (i + 1 < G_N_ELEMENTS(units) && size >= 1024 && !(size % 1024)) {
        size /= 1024;
        i++;
    }
    return g_strdup_printf("%" PRIu64 " %s", size, units[i]);
}

/* ---- option handlers ------------------------------------------------ */

static bool opt_accel(DmOptions *o, const char *opt, const char *arg,
                      GError **errp);

/* -machine NAME[,accel=A]: the one property harnesses still pass. */
static bool opt_machine(DmOptions *o, const char *opt, const char *arg,
                        GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", 0);
    unsigned i;

    for (i = 1; parts[0] && parts[i]; i++) {
        if (!g_str_has_prefix(parts[i], "accel=")) {
            g_set_error(errp, DM_ERROR, 0,
                        "%s: unknown machine property "
                        "'%s' (only accel=NAME)",
                        opt, parts[i]);
            return false;
        }
        if (!opt_accel(o, opt, parts[i] + 6, errp)) {
            return false;
        }
    }
    arg = parts[0] ? parts[0] : "";
    if (g_str_has_prefix(arg, "type=")) {
        arg += 5;
    }
    if (!strcmp(arg, "help")) {
        o->info = DM_INFO_MACHINES;
    } else if (!strcmp(arg, "xenvirt")) {
        o->machine = DM_MACHINE_XENVIRT;
    } else if (!strcmp(arg, "none")) {
        o->machine = DM_MACHINE_NONE;
    } else {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unknown machine '%s' "
                    "(xenvirt or none; try -machine help)",
                    opt, arg);
        return false;
    }
    return true;
}

static bool opt_m(DmOptions *o, const char *opt, const char *arg,
                  GError **errp)
{
    const char *s = g_str_has_prefix(arg, "size=") ? arg + 5 : arg;

    if (!dm_parse_size(s, &o->ram_size)) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: invalid size '%s' (a whole "
                    "number with an optional B, K, M, G or T suffix; "
                    "MiB without one)",
                    opt, arg);
        return false;
    }
    return true;
}

/* "domid=N" of -accel: a domain a guest can have. */
static bool parse_domid(const char *opt, const char *prop, uint16_t *domid,
                        GError **errp)
{
    unsigned long long v;
    char *end;

    if (!g_str_has_prefix(prop, "domid=")) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unknown property '%s' "
                    "(only domid=N)",
                    opt, prop);
        return false;
    }
    errno = 0;
    v = strtoull(prop + 6, &end, 0);
    if (errno || end == prop + 6 || *end || v < 1 || v > 0x7fef) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: invalid domid '%s' "
                    "(1..32751)",
                    opt, prop + 6);
        return false;
    }
    *domid = v;
    return true;
}

static bool parse_accel(DmOptions *o, const char *opt, const char *arg,
                        GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", 0);
    unsigned i;

    if (!parts[0] || !strcmp(parts[0], "help")) {
        o->info = DM_INFO_ACCELS;
        return true;
    }
    if (!strcmp(parts[0], "xen-emu")) {
        o->accel = DM_ACCEL_XEN_EMU;
    } else if (!strcmp(parts[0], "xen")) {
        o->accel = DM_ACCEL_XEN;
    } else if (!strcmp(parts[0], "none") || !strcmp(parts[0], "qtest")) {
        /* qtest harnesses pass "-accel qtest": no CPU runs either way. */
        o->accel = DM_ACCEL_NONE;
    } else {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unknown accelerator '%s' "
                    "(xen-emu, xen,domid=N, none or qtest)",
                    opt, parts[0]);
        return false;
    }
    if (o->accel == DM_ACCEL_NONE && parts[1]) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: '%s' takes no properties, "
                    "got '%s'",
                    opt, parts[0], parts[1]);
        return false;
    }
    for (i = 1; parts[i]; i++) {
        if (!parse_domid(opt, parts[i], &o->domid, errp)) {
            return false;
        }
    }
    if (o->accel == DM_ACCEL_XEN && i == 1) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: xen needs the guest's domain: "
                    "-accel xen,domid=N",
                    opt);
        return false;
    }
    return true;
}

/*
 * QEMU tries the accelerators it is given in order and keeps the first
 * that starts. memcore-dm's always start (or the program fails), so the
 * first one wins: libqtest's trailing "-accel qtest" does not undo an
 * earlier "-accel xen-emu". A later one is still checked.
 */
static bool opt_accel(DmOptions *o, const char *opt, const char *arg,
                      GError **errp)
{
    DmOptions later = { .accel = o->accel, .domid = o->domid };

    if (!o->accel_given) {
        o->accel_given = true;
        return parse_accel(o, opt, arg, errp);
    }
    if (!parse_accel(&later, opt, arg, errp)) {
        return false;
    }
    o->info = later.info ? later.info : o->info;
    return true;
}

/* Properties after "unix:PATH": server, server=on|off, wait=..., nowait. */
static bool parse_unix_props(DmOptions *o, const char *opt, char **props,
                             GError **errp)
{
    for (; *props; props++) {
        const char *p = *props;

        if (!strcmp(p, "server") || !strcmp(p, "server=on")) {
            o->qtest_server = true;
        } else if (!strcmp(p, "server=off")) {
            o->qtest_server = false;
        } else if (!strcmp(p, "nowait") || g_str_has_prefix(p, "wait=")) {
            /* Nothing happens before a client talks, so waiting is moot. */
            if (strcmp(p, "nowait") && strcmp(p, "wait=on") &&
                strcmp(p, "wait=off")) {
                g_set_error(errp, DM_ERROR, 0,
                            "%s: invalid '%s' "
                            "(wait=on or wait=off)",
                            opt, p);
                return false;
            }
        } else {
            g_set_error(errp, DM_ERROR, 0,
                        "%s: unknown socket property "
                        "'%s' (server, wait=on|off)",
                        opt, p);
            return false;
        }
    }
    return true;
}

static bool opt_qtest(DmOptions *o, const char *opt, const char *arg,
                      GError **errp)
{
    g_auto(GStrv) parts = NULL;

    if (!strcmp(arg, "stdio")) {
        o->qtest = DM_QTEST_STDIO;
        return true;
    }
    if (!g_str_has_prefix(arg, "unix:")) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: unsupported backend '%s' "
                    "(stdio or unix:PATH[,server])",
                    opt, arg);
        return false;
    }
    parts = g_strsplit(arg + 5, ",", 0);
    if (!parts[0] || !parts[0][0]) {
        g_set_error(errp, DM_ERROR, 0, "%s: unix: needs a socket path", opt);
        return false;
    }
    o->qtest = DM_QTEST_UNIX;
    g_free(o->qtest_path);
    o->qtest_path = g_strdup(parts[0]);
    o->qtest_server = false;
    return parse_unix_props(o, opt, parts + 1, errp);
}

static bool opt_qtest_log(DmOptions *o, const char *opt, const char *arg,
                          GError **errp)
{
    g_free(o->qtest_log);
    /* QEMU spells "no log" as "none"; /dev/null is what harnesses pass. */
    o->qtest_log = strcmp(arg, "none") ? g_strdup(arg) : NULL;
    return true;
}

/* Options that take "none" (or nothing else) because memcore-dm has none. */
static bool opt_only_none(DmOptions *o, const char *opt, const char *arg,
                          GError **errp)
{
    if (strcmp(arg, "none")) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s: only 'none' is supported, "
                    "got '%s'",
                    opt, arg);
        return false;
    }
    return true;
}

static bool opt_flag(DmOptions *o, const char *opt, const char *arg,
                     GError **errp)
{
    const char *name = opt + strspn(opt, "-");

    if (!strcmp(name, "mtree")) {
        o->mtree = true;
    } else if (!strcmp(name, "mtree-flat")) {
        o->mtree_flat = true;
    } else if (!strcmp(name, "demo")) {
        o->demo = true;
    } else if (!strcmp(name, "help") || !strcmp(name, "h")) {
        o->info = DM_INFO_HELP;
    } else if (!strcmp(name, "version")) {
        o->info = DM_INFO_VERSION;
    } else if (!strcmp(name, "S")) {
        o->start_paused = true; /* only query-status can tell */
    }
    /* -nodefaults, -nographic: there is nothing to turn off. */
    return true;
}

/* ---- options of the Xen device model (-accel xen) -------------------- */

static bool opt_xen_dm(DmOptions *o, const char *opt, const char *arg,
                       GError **errp)
{
    const char *name = opt + strspn(opt, "-");
    char **slot = NULL;

    if (!strcmp(name, "xen-domid-restrict")) {
        o->xen_restrict = true;
        return true;
    }
    slot = !strcmp(name, "runas") ? &o->runas : &o->chroot_dir;
    if (!arg[0]) {
        g_set_error(errp, DM_ERROR, 0, "%s needs a non-empty value", opt);
        return false;
    }
    g_free(*slot);
    *slot = g_strdup(arg);
    return true;
}

bool dm_options_serve_xen(const DmOptions *o)
{
    return o->accel == DM_ACCEL_XEN && o->qtest == DM_QTEST_OFF &&
           !o->qmp_path && !o->mtree && !o->mtree_flat && !o->demo;
}

static bool check_xen_dm(const DmOptions *o, GError **errp)
{
    const char *given = o->xen_restrict ? "-xen-domid-restrict" :
                        o->runas        ? "-runas" :
                        o->chroot_dir   ? "-chroot" :
                                          NULL;

    if (given && !dm_options_serve_xen(o)) {
        g_set_error(errp, DM_ERROR, 0,
                    "%s only applies when serving a Xen "
                    "guest: -accel xen,domid=N without -qtest, -qmp or -mtree",
                    given);
        return false;
    }
    return true;
}

typedef struct DmOptionDef {
    const char *name;
    bool has_arg;
    DmOptionHandler handle;
} DmOptionDef;

static const DmOptionDef option_defs[] = {
    { "machine", true, opt_machine },
    { "M", true, opt_machine },
    { "m", true, opt_m },
    { "accel", true, opt_accel },
    { "qtest", true, opt_qtest },
    { "qtest-log", true, opt_qtest_log },
    { "display", true, opt_only_none },
    { "monitor", true, opt_only_none },
    { "serial", true, opt_only_none },
    { "mtree", false, opt_flag },
    { "mtree-flat", false, opt_flag },
    { "demo", false, opt_flag },
    { "help", false, opt_flag },
    { "h", false, opt_flag },
    { "version", false, opt_flag },
    { "nodefaults", false, opt_flag },
    { "nographic", false, opt_flag },
    { "S", false, opt_flag },
    /* What QEMU's libqtest passes besides the above (docs/devel/qtest.rst) */
    { "audio", true, opt_only_none },
    { "chardev", true, dm_opt_chardev },
    { "mon", true, dm_opt_mon },
    { "qmp", true, dm_opt_qmp },
    { "xen-domid-restrict", false, opt_xen_dm },
    { "runas", true, opt_xen_dm },
    { "chroot", true, opt_xen_dm },
};

static const DmOptionDef *find_option(const char *arg)
{
    const char *name = arg + (arg[1] == '-' ? 2 : 1);
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(option_defs); i++) {
        if (!strcmp(option_defs[i].name, name)) {
            return &option_defs[i];
        }
    }
    return NULL;
}

/* Combinations that cannot work, found once every option is known. */
static bool check_combination(const DmOptions *o, GError **errp)
{
    if (o->demo && o->qtest != DM_QTEST_OFF) {
        g_set_error(errp, DM_ERROR, 0,
                    "-demo and -qtest cannot be combined: "
                    "the demo plays the guest itself");
        return false;
    }
    if (o->demo && o->machine != DM_MACHINE_XENVIRT) {
        g_set_error(errp, DM_ERROR, 0,
                    "-demo needs -machine xenvirt "
                    "(machine 'none' has no DMA device)");
        return false;
    }
    if (o->demo && o->accel == DM_ACCEL_XEN) {
        g_set_error(errp, DM_ERROR, 0,
                    "-demo plays the guest, so it needs "
                    "-accel xen-emu or -accel none, not xen");
        return false;
    }
    if (o->demo && o->qmp_path) {
        g_set_error(errp, DM_ERROR, 0,
                    "-demo and a QMP monitor cannot be "
                    "combined: the demo runs to its end and exits");
        return false;
    }
    if (o->qtest_log && o->qtest == DM_QTEST_OFF) {
        g_set_error(errp, DM_ERROR, 0, "-qtest-log needs -qtest");
        return false;
    }
    if (!o->info && !o->demo && !o->mtree && !o->mtree_flat &&
        o->qtest == DM_QTEST_OFF && !o->qmp_path && !dm_options_serve_xen(o)) {
        g_set_error(errp, DM_ERROR, 0,
                    "nothing to do: give -qtest, -qmp, "
                    "-demo, -mtree, -mtree-flat or -accel xen,domid=N "
                    "(see -help)");
        return false;
    }
    return check_xen_dm(o, errp);
}

bool dm_options_parse(DmOptions *o, int argc, char **argv, GError **errp)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->machine = DM_MACHINE_XENVIRT;
    o->ram_size = DM_DEFAULT_RAM_SIZE;
    o->accel = DM_ACCEL_XEN_EMU;
    o->domid = DM_DEFAULT_GUEST_DOMID;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const DmOptionDef *def = arg[0] == '-' && arg[1] ? find_option(arg) :
                                                           NULL;

        if (!def) {
            g_set_error(errp, DM_ERROR, 0,
                        arg[0] == '-' ? "unknown option '%s' (see -help)" :
                                        "unexpected argument '%s' (see -help)",
                        arg);
            return false;
        }
        if (def->has_arg && i + 1 >= argc) {
            g_set_error(errp, DM_ERROR, 0, "%s needs a value", arg);
            return false;
        }
        if (!def->handle(o, arg, def->has_arg ? argv[++i] : NULL, errp)) {
            return false;
        }
        if (o->info) {
            return true; /* -help and friends win over the rest */
        }
    }
    if (!dm_options_check_monitor(o, errp) || !check_combination(o, errp)) {
        return false;
    }
    /* A user that does not exist is a bad command line, found at once. */
    return !o->runas || dm_parse_runas(o->runas, &o->runas_ids, errp);
}

void dm_options_clear(DmOptions *o)
{
    dm_options_clear_monitor(o);
    g_free(o->qtest_path);
    g_free(o->qtest_log);
    g_free(o->runas);
    g_free(o->chroot_dir);
    o->qtest_path = NULL;
    o->qtest_log = NULL;
    o->runas = NULL;
    o->chroot_dir = NULL;
}

static const char help_text[] =
    "Usage: memcore-dm [options]\n"
    "\n"
    "A small device model built on libmemcore. It serves QEMU's qtest\n"
    "protocol, prints its memory map, or runs a built-in guest workload.\n"
    "\n"
    "Machine:\n"
    "  -machine NAME        xenvirt (default): RAM at 0, a ROM, a DMA test device,\n"
    "                       an MMIO scratch buffer, Xen grants at 2^63;\n"
    "                       none: RAM only. -machine help lists them.\n"
    "  -m SIZE              guest RAM, e.g. 128M, 1G (no suffix: MiB; default 128M)\n"
    "  -accel NAME          (the first -accel given wins, as in QEMU)\n"
    "                       xen-emu[,domid=N] (default): emulated hypervisor with\n"
    "                       one guest domain (domid 1 unless given);\n"
    "                       xen,domid=N: real Xen through libxengnttab;\n"
    "                       none (or qtest): no hypervisor, no grants\n"
    "\n"
    "What to do:\n"
    "  -qtest stdio         serve the qtest protocol on stdin/stdout\n"
    "  -qtest unix:PATH     connect to a listening socket and serve it\n"
    "  -qtest unix:PATH,server\n"
    "                       listen on PATH, serve one client after another\n"
    "  -qtest-log FILE      log requests and replies (none: no log)\n"
    "  -chardev socket,id=ID,path=PATH[,server=on|off]\n"
    "  -mon chardev=ID,mode=control\n"
    "                       a QMP monitor on a unix socket: connect to PATH\n"
    "                       (what QEMU's libqtest expects) or listen on it\n"
    "  -qmp unix:PATH[,server=on|off]\n"
    "                       the same in one option\n"
    "  -S                   start paused (query-status: prelaunch)\n"
    "  -mtree               print the memory region tree and exit\n"
    "  -mtree-flat          print the flat view and exit\n"
    "  -demo                run the built-in guest workload (grant DMA) and\n"
    "                       report; exit status 0 only if every byte checked out\n"
    "  -help, -version\n"
    "\n"
    "Device model of a real Xen guest (-accel xen,domid=N with none of the\n"
    "above): an ioreq server traps the guest's accesses to the machine's\n"
    "devices; memcore-dm serves them until the guest dies or SIGTERM, then\n"
    "exits 0 (docs/devel/xen-dm.rst):\n"
    "  -xen-domid-restrict  once set up, restrict every Xen handle to the guest\n"
    "                       (and check that domain 0 is refused)\n"
    "  -runas USER[:GROUP]  then drop root (names or numbers)\n"
    "  -chroot DIR          then confine the process to DIR\n"
    "\n"
    "Accepted for QEMU compatibility, doing nothing: -display none,\n"
    "-audio none, -monitor none, -serial none, -nodefaults, -nographic;\n"
    "-machine NAME,accel=A is -machine NAME -accel A.\n"
    "\n"
    "Bad options exit with status 2. docs/devel/qtest.rst describes the\n"
    "protocol and the devices.\n";

void dm_print_info(const DmOptions *o)
{
    switch (o->info) {
    case DM_INFO_HELP:
        fputs(help_text, stdout);
        break;
    case DM_INFO_VERSION:
        printf("memcore-dm %s (libmemcore)\n", MEMCORE_VERSION);
        break;
    case DM_INFO_MACHINES:
        printf("Supported machines are:\n"
               "xenvirt              RAM, ROM, DMA test device, MMIO "
               "scratch, Xen grants (default)\n"
               "none                 RAM only\n");
        break;
    case DM_INFO_ACCELS:
        printf("Accelerators supported:\n"
               "xen-emu[,domid=N]    emulated hypervisor (default)\n"
#ifdef CONFIG_LIBXEN
               "xen,domid=N          real Xen (libxen)\n"
#else
               "xen,domid=N          real Xen (libxen): not in this build\n"
#endif
               "none, qtest          no hypervisor\n");
        break;
    default:
        break;
    }
}
