#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What got faster or slower between two benchmark runs, beyond the noise.
#
#   compare-bench.py BASE/results.json NEW/results.json
#
# Records are matched by name and parameters. Each is judged by its ratio
# against its same-run floor when it has one (that is what survives a
# change of machine load), else by its own value. A change counts only
# when the two runs' min..max ranges do not overlap: inside the noise,
# nothing is claimed. Counters (no range) count when they differ.
#
# Exit status: 0, also when something got slower (this reports, it does
# not judge); 2 on unreadable input.

import json
import sys


def key(r):
    params = r.get('params', {})
    return r['name'] + ''.join(f' {k}={params[k]}' for k in sorted(params))


def measure(r):
    """(median, min, max, what) of the figure a record is judged by."""
    ra = r.get('ratio')
    if ra:
        return ra['median'], ra['min'], ra['max'], 'ratio'
    med = r.get('median', r.get('value'))
    if med is None:
        return None
    return med, r.get('min', med), r.get('max', med), r.get('unit', '')


def higher_is_better(r):
    t = r.get('target')
    return bool(t) and t.get('op') == '>='


def load(path):
    try:
        with open(path) as f:
            return {key(r): r for r in json.load(f)['records']}
    except (OSError, ValueError, KeyError) as e:
        print(f'compare-bench: {path}: {e}', file=sys.stderr)
        sys.exit(2)


def main(argv):
    if len(argv) != 3:
        print('usage: compare-bench.py BASE.json NEW.json', file=sys.stderr)
        return 2
    base, new = load(argv[1]), load(argv[2])
    faster, slower, same = [], [], 0
    for k in sorted(set(base) & set(new)):
        b, n = measure(base[k]), measure(new[k])
        if b is None or n is None:
            continue
        bmed, bmin, bmax, what = b
        nmed, nmin, nmax, _ = n
        if nmax < bmin:
            change = 'lower'
        elif nmin > bmax:
            change = 'higher'
        else:
            same += 1
            continue
        better = (change == 'higher') == higher_is_better(new[k])
        line = (f'{k}: {what} {bmed:.3g} [{bmin:.3g}..{bmax:.3g}] -> '
                f'{nmed:.3g} [{nmin:.3g}..{nmax:.3g}]')
        (faster if better else slower).append(line)
    print(f'compared {same + len(faster) + len(slower)} measurement(s): '
          f'{len(faster)} better, {len(slower)} worse, {same} within the '
          'noise')
    for line in faster:
        print('better: ' + line)
    for line in slower:
        print('WORSE:  ' + line)
    gone = sorted(set(base) - set(new))
    added = sorted(set(new) - set(base))
    if gone:
        print(f'only in the base: {", ".join(gone)}')
    if added:
        print(f'new: {", ".join(added)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
