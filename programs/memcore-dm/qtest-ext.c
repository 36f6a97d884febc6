/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest extensions of memcore-dm. Their names ("xen-", "mtree", "stats")
 * are ones no QEMU command uses, so a QEMU client never meets them by
 * accident. Multi-line replies end with a line "OK".
 */
#include <errno.h>
#include <string.h>

#include "qtest-cmd.h"

static DmXen *need_xen(DmMachine *m, const QTestCmd *c, GString *reply)
{
    if (!m->xen) {
        qtest_err(reply, c, "no Xen accelerator (start with -accel xen-emu)");
        return NULL;
    }
    if (!dm_xen_can_grant(m->xen)) {
        qtest_err(reply, c,
                  "grants are made by the guest, and only "
                  "-accel xen-emu plays one");
        return NULL;
    }
    return m->xen;
}

static bool arg_prot(const QTestCmd *c, unsigned idx, bool *readonly,
                     GString *reply)
{
    const char *s = qtest_arg_str(c, idx, "ro|rw", reply);

    if (!s) {
        return false;
    }
    if (strcmp(s, "ro") && strcmp(s, "rw")) {
        qtest_err(reply, c, "access must be ro or rw, not '%.40s'", s);
        return false;
    }
    *readonly = !strcmp(s, "ro");
    return true;
}

static const char *grant_errno_name(int64_t err)
{
    switch (err) {
    case -ENOSPC:
        return "no run of free grant refs that long";
    case -EINVAL:
        return "invalid frame or count";
    default:
        return g_strerror(-err);
    }
}

/* xen-grant GFN ro|rw, xen-grant-seq GFN N ro|rw */
static void cmd_xen_grant(DmMachine *m, const QTestCmd *c, GString *reply)
{
    bool seq = !strcmp(c->name, "xen-grant-seq");
    uint64_t gfn, n = 1;
    bool readonly;
    int64_t ref;
    DmXen *x;

    if (!qtest_arg_u64(c, 1, "GFN", &gfn, reply) ||
        (seq && !qtest_arg_u64(c, 2, "N", &n, reply)) ||
        !arg_prot(c, seq ? 3 : 2, &readonly, reply) ||
        !(x = need_xen(m, c, reply))) {
        return;
    }
    if (n == 0 || n > UINT32_MAX || gfn + n - 1 < gfn) {
        qtest_err(reply, c, "N must be 1 or more, within range");
        return;
    }
    ref = dm_xen_grant(x, gfn, n, readonly);
    if (ref < 0) {
        qtest_err(reply, c, "%s", grant_errno_name(ref));
        return;
    }
    g_string_append_printf(reply, "OK %" PRId64 "\n", ref);
}

/* xen-end REF: "ERR busy" exactly, so a client can retry on it. */
static void cmd_xen_end(DmMachine *m, const QTestCmd *c, GString *reply)
{
    uint64_t ref;
    DmXen *x;
    int ret;

    if (!qtest_arg_u64(c, 1, "REF", &ref, reply) ||
        !(x = need_xen(m, c, reply))) {
        return;
    }
    ret = ref > UINT32_MAX ? -EINVAL : dm_xen_end(x, ref);
    if (ret == -EBUSY) {
        g_string_append(reply, "ERR busy\n");
    } else if (ret) {
        qtest_err(reply, c, "ref %" PRIu64 " is not granted", ref);
    } else {
        g_string_append(reply, "OK\n");
    }
}

/* mtree [-f] */
static void cmd_mtree(DmMachine *m, const QTestCmd *c, GString *reply)
{
    bool flat = c->nwords > 1 && !strcmp(c->words[1], "-f");

    if (c->nwords > 1 && !flat) {
        qtest_err(reply, c, "unknown argument '%.40s' (only -f)", c->words[1]);
        return;
    }
    if (flat) {
        mtree_format_flatview(reply, &m->as);
    } else {
        mtree_format_tree(reply, &m->as);
    }
    g_string_append(reply, "OK\n");
}

/* stats: "name value" lines, then OK */
static void cmd_stats(DmMachine *m, const QTestCmd *c, GString *reply)
{
    AddressSpaceStats st;
    MemoryStats ms;

    address_space_get_stats(&m->as, &st);
    memory_get_stats(&ms);
    g_string_append_printf(reply,
                           "maps %" PRIu64 "\nunmaps %" PRIu64
                           "\nmap_failures %" PRIu64 "\noutstanding %" PRIu64
                           "\nbounce_in_use %" PRIu64 "\nbounce_max %" PRIu64
                           "\ncopies %" PRIu64 "\ncommits %" PRIu64
                           "\nrenders %" PRIu64 "\n",
                           st.maps, st.unmaps, st.map_failures, st.outstanding,
                           st.bounce_in_use, st.bounce_max, st.copies,
                           ms.commits, ms.renders);
    if (m->xen) {
        dm_xen_format_stats(m->xen, reply);
    }
    g_string_append(reply, "OK\n");
}

typedef struct QTestExtDef {
    const char *name;
    void (*fn)(DmMachine *m, const QTestCmd *c, GString *reply);
} QTestExtDef;

static const QTestExtDef extensions[] = {
    { "xen-grant", cmd_xen_grant }, { "xen-grant-seq", cmd_xen_grant },
    { "xen-end", cmd_xen_end },     { "mtree", cmd_mtree },
    { "stats", cmd_stats },
};

bool qtest_process_extension(DmMachine *m, const QTestCmd *c, GString *reply)
{
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(extensions); i++) {
        if (!strcmp(extensions[i].name, c->name)) {
            extensions[i].fn(m, c, reply);
            return true;
        }
    }
    return false;
}
