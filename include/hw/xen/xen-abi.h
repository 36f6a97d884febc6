/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The few Xen ABI values memcore needs: grant table v1 entries, grant
 * status codes and grant-copy flags.
 *
 * They are written out here, rather than taken from <xen/grant_table.h>,
 * so that the emulated hypervisor builds on machines without libxen-dev.
 * The names and values are Xen's; when both headers are used in one file,
 * include Xen's first and the guarded blocks below step aside.
 */
#ifndef HW_XEN_XEN_ABI_H
#define HW_XEN_XEN_ABI_H

#include <stdint.h>

/* Xen pages are 4 KiB on every architecture memcore supports. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE (1U << XEN_PAGE_SHIFT)
#define XEN_PAGE_MASK (~(uint64_t)(XEN_PAGE_SIZE - 1))

/* Refs below this are reserved for the toolstack and never handed out. */
#define XEN_GRANT_FIRST_FREE_REF 8

/* Grant entry type (flags & GTF_type_mask) and subflags. */
#ifndef GTF_permit_access
#define GTF_invalid (0U << 0)
#define GTF_permit_access (1U << 0)
#define GTF_accept_transfer (2U << 0)
#define GTF_transitive (3U << 0)
#define GTF_type_mask (3U << 0)
#define GTF_readonly (1U << 2)
#define GTF_reading (1U << 3)
#define GTF_writing (1U << 4)
#define GTF_sub_page (1U << 8)
#endif

/* Grant-copy segment flags: which side names a grant ref. */
#ifndef GNTCOPY_source_gref
#define GNTCOPY_source_gref (1 << 0)
#define GNTCOPY_dest_gref (1 << 1)
#endif

/*
 * Grant operation status codes. Spelled exactly as Xen spells them, so
 * that including both headers in either order is a valid redefinition.
 */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

/* Number of GNTST codes, GNTST_okay included: -code indexes 0..N-1. */
#define XEN_GNTST_NR 14

/**
 * struct XenGrantEntryV1 - one entry of a v1 grant table, as shared by a
 * guest with Xen.
 * @flags: GTF_* type and subflags. The guest writes the type and
 *         GTF_readonly; Xen (or the emulated hypervisor) sets and clears
 *         GTF_reading and GTF_writing while the grant is in use.
 * @domid: the domain the grant is for.
 * @frame: the guest frame number being granted.
 *
 * @flags and @domid form one 32-bit word that the hypervisor updates with
 * compare-and-swap, so the struct must stay 8-byte aligned.
 */
typedef struct XenGrantEntryV1 {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
} XenGrantEntryV1;

/**
 * xen_gntst_name() - the GNTST_* name of a status code.
 * @status: a GNTST_* value.
 *
 * Return: a static string such as "bad_gntref", or "unknown".
 */
const char *xen_gntst_name(int status);

#endif /* HW_XEN_XEN_ABI_H */
