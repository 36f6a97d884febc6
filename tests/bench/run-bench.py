#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run memcore's benchmarks and gather what they measured.
#
#   run-bench.py --build BUILDDIR --out OUTDIR [--quick] [--reps N]
#
# BUILDDIR is an optimised build (./configure --enable-bench). Every
# benchmark program appends JSON records to OUTDIR/records.jsonl and plot
# data to OUTDIR/data/; this script then writes OUTDIR/results.json (the
# machine, the commit, and every record), renders the PNG plots with
# gnuplot, and prints a table. docs/devel/performance.rst explains the
# figures.
#
# Exit status: 0 when every program ran and every correctness check
# passed (missed performance targets are reported, not fatal), 1
# otherwise.

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))

# (program, extra arguments, seconds allowed)
PROGRAMS = [
    ('bench-access', [], 180),
    ('bench-topology', [], 180),
    ('bench-grant', [], 180),
    ('bench-readers', [], 120),
    ('bench-qtest', None, 240),     # arguments depend on what is installed
    ('bench-peer', [], 300),        # built only with cargo + vm-memory
]

PLOTS = ['p1-p3-access.gp', 'p2-scaling.gp', 'p4-render.gp',
         'p5-grant-map.gp', 'p6-map-vs-copy.gp', 'p8-readers.gp']

# Records the access bar chart shows: P1-P3 and the vm-memory peer.
ACCESS_PREFIXES = ('P1/', 'P2/read-spread', 'P3/', 'peer/read', 'peer/ldq')


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    info = {
        'hostname': platform.node(),
        'kernel': platform.release(),
        'cpus': os.cpu_count(),
        'load_average_start': list(os.getloadavg()),
    }
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open('/etc/os-release') as f:
            for line in f:
                if line.startswith('PRETTY_NAME='):
                    info['os'] = line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    cc = sh(['cc', '--version'])
    if cc:
        info['compiler'] = cc.splitlines()[0]
    qemu = sh(['qemu-system-x86_64', '--version'])
    if qemu:
        info['qemu'] = qemu.splitlines()[0]
    return info


def run_program(build, out, name, extra, timeout, common):
    exe = os.path.join(build, 'tests', 'bench', name)
    if not os.path.exists(exe):
        print(f'run-bench: {exe} is missing', file=sys.stderr)
        return False
    cmd = [exe, '--json', os.path.join(out, 'records.jsonl'),
           '--data', os.path.join(out, 'data')] + common + extra
    print(f'== {name}', flush=True)
    log = os.path.join(out, name + '.log')
    start = time.monotonic()
    with open(log, 'w') as f:
        try:
            p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                               timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = 'timeout'
    took = time.monotonic() - start
    print(f'   {name}: exit {rc} after {took:.0f} s (log: {log})',
          flush=True)
    return rc == 0


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        return str(v)
    if abs(v) >= 1e6 or (abs(v) < 1e-2 and v != 0):
        return f'{v:.3g}'
    if abs(v) >= 100:
        return f'{v:.0f}'
    return f'{v:.3g}'


def params_str(p):
    return ' '.join(f'{k}={v}' for k, v in p.items())


def status(r):
    t = r.get('target')
    if not t:
        return ''
    return 'ok' if r.get('met') else 'MISSED'


def print_table(records):
    rows = [('measurement', 'parameters', 'median', 'min..max', 'unit',
             'floor (median)', 'ratio', 'ratio min..max', 'target', '')]
    for r in records:
        fl = r.get('floor')
        ra = r.get('ratio')
        t = r.get('target')
        rows.append((
            r['name'],
            params_str(r.get('params', {})),
            fmt(r.get('median')),
            f"{fmt(r.get('min'))}..{fmt(r.get('max'))}",
            r.get('unit', ''),
            f"{fl['name']} ({fmt(fl['median'])})" if fl else '-',
            fmt(ra['median']) if ra else '-',
            f"{fmt(ra['min'])}..{fmt(ra['max'])}" if ra else '-',
            f"{t['op']} {fmt(t['value'])}" if t else '',
            status(r),
        ))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    # The floor column can be long; cap it so the table stays readable.
    widths[5] = min(widths[5], 36)
    for n, row in enumerate(rows):
        cells = [str(c)[:widths[i]].ljust(widths[i]) for i, c in enumerate(row)]
        print('  '.join(cells).rstrip())
        if n == 0:
            print('  '.join('-' * w for w in widths))


def write_access_data(out, records):
    """access.dat for p1-p3-access.gp: one bar per ratio record."""
    path = os.path.join(out, 'data', 'access.dat')
    with open(path, 'w') as f:
        f.write('# index label median min max target\n')
        i = 0
        for r in records:
            ra = r.get('ratio')
            if not ra or not r['name'].startswith(ACCESS_PREFIXES):
                continue
            label = r['name']
            p = r.get('params', {})
            if 'regions' in p:
                label += f"/{p['regions']}"
            elif 'size' in p:
                label += f"/{p['size']}B"
            t = r.get('target')
            i += 1
            f.write(f"{i} {label} {ra['median']:.4f} {ra['min']:.4f} "
                    f"{ra['max']:.4f} {t['value'] if t else 0}\n")


def summarise(records):
    """How many targets there are, how many were met, which were not."""
    with_target = [r for r in records if r.get('target')]
    missed = sorted({key_of(r) for r in with_target if not r.get('met')})
    return {'targets': len(with_target),
            'met': sum(1 for r in with_target if r.get('met')),
            'missed': missed}


def key_of(r):
    p = r.get('params', {})
    return r['name'] + ''.join(f' {k}={p[k]}' for k in sorted(p))


def render_plots(out):
    gnuplot = shutil.which('gnuplot')
    if not gnuplot:
        print('run-bench: gnuplot not found; no plots (install gnuplot-nox)',
              file=sys.stderr)
        return []
    made = []
    data = os.path.join(out, 'data')
    for gp in PLOTS:
        script = os.path.join(HERE, gp)
        png = os.path.join(out, gp.replace('.gp', '.png'))
        cmd = [gnuplot, '-e', f"datadir='{data}'; output='{png}'", script]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode == 0 and os.path.exists(png):
            made.append(png)
        else:
            print(f'run-bench: {gp} failed: {p.stderr.strip()}',
                  file=sys.stderr)
    return made


def main():
    ap = argparse.ArgumentParser(description='Run memcore benchmarks.')
    ap.add_argument('--build', required=True, help='optimised build dir')
    ap.add_argument('--out', required=True, help='where results go')
    ap.add_argument('--quick', action='store_true',
                    help='smaller sizes and fewer repetitions (smoke test)')
    ap.add_argument('--reps', type=int, help='repetitions per measurement')
    ap.add_argument('--only', help='comma-separated programs to run')
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    os.makedirs(os.path.join(out, 'data'), exist_ok=True)
    records_path = os.path.join(out, 'records.jsonl')
    if os.path.exists(records_path):
        os.unlink(records_path)

    common = []
    if args.quick:
        common.append('--quick')
    if args.reps:
        common += ['--reps', str(args.reps)]

    info = machine_info()
    started = time.monotonic()
    failed = []
    only = set(args.only.split(',')) if args.only else None
    for name, extra, timeout in PROGRAMS:
        if only and name not in only:
            continue
        if name == 'bench-qtest':
            dm = os.path.join(args.build, 'programs', 'memcore-dm', 'memcore-dm')
            qemu = shutil.which('qemu-system-x86_64')
            if not os.path.exists(dm) or not qemu:
                print('run-bench: P7 skipped: needs memcore-dm and '
                      'qemu-system-x86_64 (package qemu-system-x86)',
                      file=sys.stderr)
                failed.append(name + ' (skipped)')
                continue
            extra = ['--dm', dm, '--qemu', qemu]
        if name == 'bench-peer' and not os.path.exists(
                os.path.join(args.build, 'tests', 'bench', name)):
            print('run-bench: the vm-memory peer skipped: it needs Debian\'s '
                  'cargo and librust-vm-memory-dev at configure time',
                  file=sys.stderr)
            failed.append(name + ' (skipped)')
            continue
        if not run_program(args.build, out, name, extra, timeout, common):
            failed.append(name)

    records = []
    if os.path.exists(records_path):
        with open(records_path) as f:
            records = [json.loads(line) for line in f if line.strip()]
    info['load_average_end'] = list(os.getloadavg())
    result = {
        'memcore_commit': sh(['git', '-C', SRCDIR, 'describe', '--always',
                              '--dirty']),
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        'seconds': round(time.monotonic() - started),
        'machine': info,
        'options': {'quick': args.quick, 'reps': args.reps},
        'summary': summarise(records),
        'records': records,
    }
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')

    write_access_data(out, records)
    plots = render_plots(out)
    print()
    print_table(records)
    print()
    missed = [r for r in records if r.get('target') and not r.get('met')]
    print(f"machine: {info.get('cpu', '?')}, {info['cpus']} CPUs, load "
          f"{info['load_average_start'][0]:.1f} at start, "
          f"{info['load_average_end'][0]:.1f} at end; "
          f"{result['seconds']} s in all")
    print(f'results: {os.path.join(out, "results.json")}')
    for p in plots:
        print(f'plot:    {p}')
    summary = result['summary']
    print(f"targets: {summary['met']} of {summary['targets']} met")
    if missed:
        print(f'{len(missed)} target(s) missed: ' +
              ', '.join(sorted({r["name"] for r in missed})))
    if failed:
        print('failed: ' + ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
