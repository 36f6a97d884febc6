/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm serving its channels (serve.h).
 */
#include "loop.h"
#include "qmp-server.h"
#include "qtest.h"
#include "serve.h"

int dm_serve(const DmOptions *o, DmMachine *m)
{
    DmLoop *l = dm_loop_new();
    QTestServer *q = NULL;
    QmpServer *qmp = NULL;
    int ret = 1;

    if (!l) {
        return 1;
    }
    if (o->qtest != DM_QTEST_OFF && !(q = qtest_server_start(l, o, m))) {
        goto out;
    }
    if (o->qmp_path &&
        !(qmp = qmp_server_start(l, o, m, o->qtest == DM_QTEST_OFF))) {
        goto out;
    }
    ret = dm_loop_run(l);
out:
    qmp_server_free(qmp);
    qtest_server_free(q);
    dm_loop_free(l);
    return ret;
}
