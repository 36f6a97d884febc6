/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm: a small device model built on libmemcore.
 *
 * Exit status: 0 on success, 1 when something the host provides failed
 * (memory, Xen, a socket) or the demo found bad data, 2 for a bad command
 * line.
 */
#include <stdio.h>

#include "demo.h"
#include "machine.h"
#include "options.h"
#include "serve.h"
#include "xen-serve.h"

static int usage_error(GError *err)
{
    fprintf(stderr, "memcore-dm: %s\n", err->message);
    g_error_free(err);
    return 2;
}

static void print_mtree(const DmOptions *o, DmMachine *m)
{
    /* With -qtest stdio, stdout belongs to the protocol. */
    FILE *f = o->qtest == DM_QTEST_STDIO ? stderr : stdout;

    if (o->mtree) {
        mtree_print_tree(f, &m->as);
    }
    if (o->mtree && o->mtree_flat) {
        fputc('\n', f);
    }
    if (o->mtree_flat) {
        mtree_print_flatview(f, &m->as);
    }
    fflush(f);
}

int main(int argc, char **argv)
{
    GError *err = NULL;
    DmMachine *m;
    DmOptions o;
    int ret = 0;

    if (!dm_options_parse(&o, argc, argv, &err) ||
        (!o.info && !dm_machine_check_options(&o, &err))) {
        dm_options_clear(&o);
        return usage_error(err);
    }
    if (o.info) {
        dm_print_info(&o);
        dm_options_clear(&o);
        return 0;
    }
    if (dm_options_serve_xen(&o) && !dm_xen_serve_block_signals()) {
        fprintf(stderr, "memcore-dm: cannot block SIGTERM\n");
        dm_options_clear(&o);
        return 1;
    }
    m = dm_machine_new(&o, &err);
    if (!m) {
        fprintf(stderr, "memcore-dm: %s\n", err->message);
        g_error_free(err);
        dm_options_clear(&o);
        return 1;
    }
    print_mtree(&o, m);
    if (o.demo) {
        ret = dm_demo_run(m);
    } else if (o.qtest != DM_QTEST_OFF || o.qmp_path) {
        ret = dm_serve(&o, m);
    } else if (dm_options_serve_xen(&o)) {
        ret = dm_xen_serve(m, &o);
    }
    dm_machine_free(m);
    dm_options_clear(&o);
    return ret;
}
