/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm serving its channels (serve.h).
 */
#include "loop.h"
#include "qtest.h"
#include "serve.h"

int dm_serve(const DmOptions *o, DmMachine *m)
{
    DmLoop *l = dm_loop_new();
    QTestServer *q = NULL;
    int ret = 1;

    if (!l) {
        return 1;
    }
    if (o->qtest != DM_QTEST_OFF && !(q = qtest_server_start(l, o, m))) {
        goto out;
    }
    ret = dm_loop_run(l);
out:
    qtest_server_free(q);
    dm_loop_free(l);
    return ret;
}
