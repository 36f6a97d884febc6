#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every page of docs/devel/ is valid reStructuredText: docutils parses
# it without a warning (a table that spills, a link to a section that
# does not exist, a block quote that ends in the wrong place).
#
#   test-docs.py SOURCE_DIR
import glob
import io
import os
import sys

import docutils.core

pages = sorted(glob.glob(os.path.join(sys.argv[1], 'docs', 'devel', '*.rst')))
bad = 0
for page in pages:
    warnings = io.StringIO()
    with open(page, encoding='utf-8') as f:
        docutils.core.publish_doctree(
            f.read(), source_path=page,
            settings_overrides={'report_level': 2, 'halt_level': 5,
                                'warning_stream': warnings})
    if warnings.getvalue():
        bad += 1
        print(warnings.getvalue().rstrip())
if not pages:
    print('docs: no page found')
    sys.exit(1)
print(f'docs: {len(pages) - bad} of {len(pages)} pages parse cleanly')
sys.exit(1 if bad else 0)
