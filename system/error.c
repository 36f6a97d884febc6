/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore's error domain and its misuse reporter (exec/memcore-error.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/memcore-error.h"

G_DEFINE_QUARK(memcore - error - quark, memcore_error)

void memcore_misuse_report(const char *fmt, ...)
{
    va_list ap;

    /* One line, in one write where stdio allows, so it is not torn. */
    flockfile(stderr);
    fputs("memcore: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    abort();
}
