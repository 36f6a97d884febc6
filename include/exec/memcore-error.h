/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How memcore reports errors that are not a guest's doing.
 *
 * Three kinds of trouble, three channels:
 *
 *  - anything a guest drives (addresses, lengths, grant refs, table
 *    contents) gets a MemTxResult from the access or map, never an
 *    abort (exec/memattrs.h);
 *  - set-up that can fail for reasons the caller should handle (a bad
 *    size, a domain that does not exist, no Xen on this host) takes a
 *    GError **errp and fills it in the MEMCORE_ERROR domain below, or in
 *    G_FILE_ERROR when the cause is an operating-system error (errno);
 *  - misuse of the API by the embedding program (unmapping what was
 *    never mapped, freeing what is still in use) cannot be handled
 *    sensibly: memcore_misuse() prints one line starting "memcore: "
 *    and aborts. Each function's kernel-doc names its misuse cases.
 */
#ifndef EXEC_MEMCORE_ERROR_H
#define EXEC_MEMCORE_ERROR_H

#include <glib.h>

/* The GError domain of memcore's set-up functions; codes below. */
#define MEMCORE_ERROR (memcore_error_quark())

/**
 * enum MemcoreErrorCode - what went wrong, as a caller can act on it.
 * @MEMCORE_ERROR_INVALID: an argument is out of its documented range.
 * @MEMCORE_ERROR_NO_DOMAIN: the domain named does not exist, or is not
 *                           one this call may act on.
 * @MEMCORE_ERROR_BUSY: it already exists or is still in use.
 * @MEMCORE_ERROR_LIMIT: a documented limit was reached.
 * @MEMCORE_ERROR_BACKEND: the hypervisor or its driver refused or failed.
 * @MEMCORE_ERROR_UNAVAILABLE: what the call needs is not here: no Xen on
 *                             this host, or memcore built without it.
 */
typedef enum MemcoreErrorCode {
    MEMCORE_ERROR_INVALID,
    MEMCORE_ERROR_NO_DOMAIN,
    MEMCORE_ERROR_BUSY,
    MEMCORE_ERROR_LIMIT,
    MEMCORE_ERROR_BACKEND,
    MEMCORE_ERROR_UNAVAILABLE,
} MemcoreErrorCode;

/**
 * memcore_error_quark() - the quark behind MEMCORE_ERROR.
 *
 * Return: the quark.
 */
GQuark memcore_error_quark(void);

/**
 * memcore_misuse_report() - report misuse by the embedding program and abort.
 * @fmt: printf format of one line saying what was misused and how.
 * @...: its arguments.
 *
 * Prints "memcore: " and the message on stderr, then aborts. Use it
 * through memcore_misuse(). Never for anything a guest can cause.
 */
void memcore_misuse_report(const char *fmt, ...)
    G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

/* The one misuse reporter of the library and of hw/. */
#define memcore_misuse(...) memcore_misuse_report(__VA_ARGS__)

#endif /* EXEC_MEMCORE_ERROR_H */
