"""The committed results records (docs/results/*.json) and the README/docs tables made from them.

    # add a matrix's runs to a record, then re-make every table in README.md and docs/
    python tools/records.py add demo work_dirs/demo-bf16 --command "make demo"
    # re-make the tables from the records (--check: change nothing, exit 1 when one differs)
    python tools/records.py tables [--check]
    # does a run match the committed record of its precision?
    python tools/records.py compare demo work_dirs/demo-fp32
    # run a command and keep the Markdown table it prints as a measured table of a record
    python tools/records.py table swin_diagnosis probe-r18 -- python tools/probe_shortcuts.py ...

A table in a Markdown file is made from a record where it is marked
``<!-- results NAME table=runs|gaps|knn|summary [key=value ...] -->`` ... ``<!-- /results -->``
(tools/lib/records.py); tests/test_records.py fails when a marked table differs from its record
or a results number in README.md or docs/ stands outside a marked table.
"""

import argparse
import json
import os.path as osp
import shlex
import subprocess
import sys

from tools.lib import records


def read_runs(work: str) -> tuple:
    """(detection rows, pretraining rows) of a matrix's output folder."""
    rows, ssl = [], []
    for name, out in (('results.json', rows), ('ssl.json', ssl)):
        path = osp.join(work, name)
        if osp.isfile(path):
            with open(path) as f:
                out += json.load(f)
    if not rows and not ssl:
        raise SystemExit(f'{work}: no results.json or ssl.json (run tools/run_matrix.py first)')
    return rows, ssl


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    add = sub.add_parser('add', help="add a matrix's runs to a record, re-make the tables")
    add.add_argument('name', help='the record: docs/results/NAME.json')
    add.add_argument('work', help="the matrix's output folder (results.json, ssl.json)")
    add.add_argument('--command', help='the command that makes the runs (shown under tables)')
    add.add_argument('--spec', help='the spec the runs come from')
    tables = sub.add_parser('tables', help='re-make every marked table from the records')
    tables.add_argument('--check', action='store_true', help='change nothing; exit 1 if stale')
    drift = sub.add_parser(
        'drift',
        help="pin the demo's first losses in a record "
        '(tests/test_drift.py; `add` re-pins them where a record has them)',
    )
    drift.add_argument('name', nargs='?', default='demo')
    table = sub.add_parser(
        'table',
        help='run a command, keep the Markdown table it prints in a record, re-make the tables',
    )
    table.add_argument('name', help='the record: docs/results/NAME.json')
    table.add_argument('id', help='the table: <!-- results NAME id=ID --> shows it')
    table.add_argument('command', nargs=argparse.REMAINDER, help='-- COMMAND ...')
    cmp = sub.add_parser('compare', help='compare runs with the record of their precision')
    cmp.add_argument('name')
    cmp.add_argument('work')
    cmp.add_argument('--tolerance', type=float, default=0.005)
    args = p.parse_args(argv)

    if args.cmd == 'drift' or args.cmd == 'add' and 'drift' in records.load(args.name):
        pinned = records.pin_drift(args.name)
        print(f'docs/results/{args.name}.json: the first losses pinned: {pinned}')
        if args.cmd == 'drift':
            return 0
    if args.cmd == 'table':
        command = args.command[1:] if args.command[:1] == ['--'] else args.command
        if not command:
            p.error('table: give the command after --')
        proc = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        print(proc.stdout, end='')
        if proc.returncode:
            raise SystemExit(f'{shlex.join(command)}: exit {proc.returncode}, nothing recorded')
        records.add_table(args.name, args.id, shlex.join(command), proc.stdout)
        print(f'docs/results/{args.name}.json: table {args.id} recorded')
        args.check = False
    if args.cmd == 'add':
        rows, ssl = read_runs(args.work)
        rec = records.merge(args.name, rows, ssl, args.command, args.spec)
        print(
            f'docs/results/{args.name}.json: {len(rec["detection"])} detection and '
            f'{len(rec["pretraining"])} pretraining runs'
        )
        args.check = False
    if args.cmd in ('add', 'tables', 'table'):
        stale = records.update_tables(check=args.check)
        for s in stale:
            print(('differs from its record: ' if args.check else 're-made: ') + s)
        return 1 if args.check and stale else 0
    print(records.compare(args.name, *read_runs(args.work), tolerance=args.tolerance))
    return 0


if __name__ == '__main__':
    sys.exit(main())
