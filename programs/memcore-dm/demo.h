/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memcore-dm -demo: a built-in guest workload that drives the DMA test
 * device the way Linux's grant DMA ops would, and reports what memcore
 * did.
 */
#ifndef SYSTEM_DM_DEMO_H
#define SYSTEM_DM_DEMO_H

#include "machine.h"

/**
 * dm_demo_run() - run the workload on @m (an xenvirt machine).
 *
 * Return: the exit status: 0 only if every byte checked out.
 */
int dm_demo_run(DmMachine *m);

#endif /* SYSTEM_DM_DEMO_H */
