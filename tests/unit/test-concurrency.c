/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit-helpers.h"
int main(void) { return 77; }
