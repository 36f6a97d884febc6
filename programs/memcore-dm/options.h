/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm command line: what the user asked for, parsed and checked.
 *
 * Parsing never exits: it returns false with a one-line message naming
 * the offending option, and main() prints it and exits with status 2.
 */
#ifndef SYSTEM_DM_OPTIONS_H
#define SYSTEM_DM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "privsep.h"

typedef enum DmMachineType {
    DM_MACHINE_XENVIRT,
    DM_MACHINE_NONE,
} DmMachineType;

typedef enum DmAccelType {
    DM_ACCEL_XEN_EMU, /* emulated hypervisor, one guest domain */
    DM_ACCEL_XEN, /* real Xen through libxen */
    DM_ACCEL_NONE,
} DmAccelType;

typedef enum DmQtestMode {
    DM_QTEST_OFF,
    DM_QTEST_STDIO,
    DM_QTEST_UNIX,
} DmQtestMode;

/* What -help, -version or "-machine help" asked to print instead. */
typedef enum DmInfoRequest {
    DM_INFO_NONE,
    DM_INFO_HELP,
    DM_INFO_VERSION,
    DM_INFO_MACHINES,
    DM_INFO_ACCELS,
} DmInfoRequest;

#define DM_DEFAULT_RAM_SIZE (128ULL << 20)
#define DM_DEFAULT_GUEST_DOMID 1

typedef struct DmOptions {
    DmMachineType machine;
    uint64_t ram_size;
    DmAccelType accel;
    uint16_t domid; /* the guest domain (xen-emu and xen) */
    DmQtestMode qtest;
    char *qtest_path; /* DM_QTEST_UNIX */
    bool qtest_server; /* listen on qtest_path instead of connecting */
    char *qtest_log; /* NULL: no log */
    bool mtree;
    bool mtree_flat;
    bool demo;
    DmInfoRequest info;

    /* The QMP monitor (options-monitor.c) */
    char *qmp_path; /* NULL: no monitor */
    bool qmp_server; /* listen on qmp_path instead of connecting */
    const char *qmp_what; /* "-mon" or "-qmp", for messages */
    bool start_paused; /* -S: query-status says "prelaunch" */
    bool accel_given; /* the first -accel wins, as in QEMU */
    GPtrArray *chardevs; /* while parsing: the -chardev sockets */
    char *mon_chardev; /* while parsing: -mon chardev=ID */
    /* Serving a real Xen guest (-accel xen with nothing else to do): */
    bool xen_restrict; /* -xen-domid-restrict */
    char *runas; /* -runas USER[:GROUP] as given */
    DmRunAs runas_ids; /* ... resolved while parsing */
    char *chroot_dir; /* -chroot DIR */
} DmOptions;

/**
 * dm_options_parse() - parse argv into @opts.
 * @opts: filled with defaults first, then with what argv says.
 * @argc: as given to main().
 * @argv: as given to main().
 * @errp: set to a one-line message on a bad option.
 *
 * Return: true on success. On success with @opts->info set, the caller
 * prints the information and exits 0.
 */
bool dm_options_parse(DmOptions *opts, int argc, char **argv, GError **errp);

/**
 * dm_options_serve_xen() - is this run the device model of a real Xen
 * guest? True for -accel xen,domid=N without -qtest, -qmp, -mtree or
 * -mtree-flat: memcore-dm then runs an ioreq server for the guest until
 * it dies (xen-serve.h).
 */
bool dm_options_serve_xen(const DmOptions *opts);

/** dm_options_clear() - free what dm_options_parse() allocated. */
void dm_options_clear(DmOptions *opts);

/**
 * dm_parse_size() - parse a size such as "128M", "1G" or "4096B".
 * @str: digits, then an optional suffix B, K, M, G or T (any case).
 *       Without a suffix the number is in MiB, as QEMU's -m takes it.
 * @size: receives the size in bytes.
 *
 * Return: false if @str is not a size or the size overflows 64 bits.
 */
bool dm_parse_size(const char *str, uint64_t *size);

/** dm_format_size() - "128 MiB", "64 B": for messages and reports. */
char *dm_format_size(uint64_t size);

const char *dm_machine_name(DmMachineType type);
const char *dm_accel_name(DmAccelType type);

/** dm_print_info() - print what @opts->info asks for, to stdout. */
void dm_print_info(const DmOptions *opts);

#endif /* SYSTEM_DM_OPTIONS_H */
