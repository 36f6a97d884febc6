#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that every comment opened with '/**' in C headers is kernel-doc.

A '/**' comment is a promise to kernel-doc readers and tools. This checks
what such a comment must hold for them:

- '/**' alone on its first line and '*/' alone on its last;
- a first line naming what it documents, the way kernel-doc reads it:
  'name() - text' for a function, 'struct|union|enum|typedef name - text'
  for a type, or 'DOC: title' for free prose;
- the declaration right after it is the one named;
- for a function, an '@param:' line for each parameter and none for a
  parameter it does not have.

Usage: check-kerneldoc.py FILE...     (exit 1 and one line per problem)
"""

import re
import sys

FUNC_TITLE = re.compile(r'^(\w+)\(\)\s+-\s+\S')
TYPE_TITLE = re.compile(r'^(struct|union|enum|typedef)\s+(\w+)\s+-\s+\S')
DOC_TITLE = re.compile(r'^DOC:\s*\S')
PARAM = re.compile(r'^@(\w+|\.\.\.):')
DECL_FUNC = re.compile(r'(\w+)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*'
                       r'(?:__attribute__\s*\(\(.*\)\)\s*)*[;{]', re.S)


def comment_lines(block):
    """The text of each line of a comment, without the leading ' * '."""
    out = []
    for line in block[1:-1]:
        s = line.strip()
        if s.startswith('*'):
            s = s[1:]
            if s.startswith(' '):
                s = s[1:]
        out.append(s)
    return out


def param_names(params):
    """Parameter names of a C prototype's parameter list."""
    params = params.strip()
    if params in ('', 'void'):
        return []
    names = []
    depth = 0
    cur = ''
    for ch in params:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            names.append(cur)
            cur = ''
        else:
            cur += ch
    names.append(cur)
    result = []
    for p in names:
        p = p.strip()
        if p == '...':
            result.append('...')
            continue
        fp = re.search(r'\(\s*\*\s*(\w+)\s*\)', p)     # function pointer
        if fp:
            result.append(fp.group(1))
            continue
        p = re.sub(r'\[[^\]]*\]\s*$', '', p)           # array suffix
        m = re.search(r'(\w+)\s*$', p)
        if m:
            result.append(m.group(1))
    return result


def next_declaration(lines, start):
    """The text from @start up to the end of the next declaration."""
    text = ''
    for i in range(start, min(start + 40, len(lines))):
        s = lines[i]
        if not text and (not s.strip() or s.strip().startswith('#')):
            continue
        text += s + '\n'
        if ';' in s or '{' in s:
            break
    return text


def check_block(path, lineno, block, following):
    problems = []

    def bad(msg):
        problems.append(f'{path}:{lineno}: {msg}')

    if block[0].strip() != '/**':
        bad("'/**' must stand alone on the comment's first line")
        return problems
    if block[-1].strip() != '*/':
        bad("'*/' must stand alone on the comment's last line")
        return problems
    text = comment_lines(block)
    title = next((t for t in text if t.strip()), '')
    if DOC_TITLE.match(title):
        return problems
    fm = FUNC_TITLE.match(title)
    tm = TYPE_TITLE.match(title)
    if not fm and not tm:
        bad(f"first line '{title}' is neither 'name() - text', "
            "'struct|union|enum|typedef name - text' nor 'DOC: title'")
        return problems
    decl = following
    if tm:
        kind, name = tm.groups()
        if not re.search(r'\b' + name + r'\b', decl):
            bad(f"documents {kind} {name}, but the declaration after it "
                f"is '{decl.strip().splitlines()[0] if decl.strip() else ''}'")
        return problems
    name = fm.group(1)
    dm = DECL_FUNC.search(decl)
    if not dm or dm.group(1) != name:
        # A function-like macro or a callback typedef: the name must appear.
        if not re.search(r'\b' + name + r'\b', decl):
            bad(f"documents {name}(), but the declaration after it is "
                f"'{decl.strip().splitlines()[0] if decl.strip() else ''}'")
        return problems
    want = param_names(dm.group(2))
    have = [PARAM.match(t).group(1) for t in text if PARAM.match(t)]
    for p in want:
        if p not in have:
            bad(f"{name}(): parameter '{p}' is not described (@{p}:)")
    for p in have:
        if p not in want:
            bad(f"{name}(): @{p} describes no parameter of it")
    return problems


def check_file(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    problems = []
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith('/**') and not s.startswith('/***'):
            start = i
            if s.endswith('*/') and len(s) > 3:
                block = [lines[i]]
            else:
                block = [lines[i]]
                while i + 1 < len(lines) and '*/' not in lines[i]:
                    i += 1
                    block.append(lines[i])
            if len(block) == 1:
                problems.append(f"{path}:{start + 1}: a one-line '/** */' "
                                "comment is not kernel-doc; write it out "
                                "or make it a plain comment")
            else:
                following = next_declaration(lines, i + 1)
                problems += check_block(path, start + 1, block, following)
        i += 1
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    problems = []
    for path in argv[1:]:
        problems += check_file(path)
    for p in problems:
        print(p)
    if problems:
        print(f'check-kerneldoc: {len(problems)} problem(s) in '
              f'{len(argv) - 1} file(s)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
