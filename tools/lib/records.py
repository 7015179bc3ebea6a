"""The committed results records (``docs/results/*.json``) and the README/docs tables made from
them.

A record holds the runs behind one table or study, one row per run, each with what its numbers
depend on::

    {"name": "demo", "command": "make demo", "spec": "configs/matrix/demo.yml",
     "detection": [{"config": ..., "run": ..., "seed": 0, "label_fraction": 0.25,
                    "backbone": ..., "pretraining": ..., "detector": ...,
                    "bbox_mAP": 0.104, "bbox_mAP_50": ..., "bbox_mAP_75": ...,
                    "train_minutes": 4.0, "precision": "bf16", "device": ...,
                    "commit": ..., "date": ...}],
     "pretraining": [{"config": ..., "run": ..., "name": ..., "label": ..., "seed": 0,
                      "knn_top1": ..., "knn_top1_init": ..., "train_minutes": ...,
                      "precision": ..., "device": ..., "commit": ..., "date": ...}]}

``transcribed.json`` holds the tables whose runs were made before records existed, copied
from the docs with the commit that wrote them (``"tables": {id: {...}}``); a re-run replaces
one by a record of runs. A measurement that is not a run of a matrix (a probe of checkpoints,
say) is a measured table of a record, ``"tables": {id: {"header": [...], "rows": [[...]],
"command": ..., "commit": ..., "date": ..., "device": ...}}``: the Markdown table its command
printed, as ``tools/records.py table NAME ID -- COMMAND`` ran it (``add_table``).

A Markdown file marks a generated table with a comment pair::

    <!-- results demo table=runs precision=bf16 -->
    ...                                          (made by ``render``; never edited by hand)
    <!-- /results -->

``table=`` is ``runs``, ``gaps`` or ``knn`` (``tools.lib.results``'s tables) or ``summary``
(one line per pretraining, a column pair per label fraction: mean ± sd of the paired gap and
the seeds won); every other ``key=value`` keeps the rows whose ``key`` is one of the
comma-separated values. ``<!-- results transcribed id=ID -->`` is a transcribed table,
``<!-- results NAME id=ID -->`` a measured one.
"""

import json
import os.path as osp
import re
from collections import defaultdict

from .config import ROOT
from .results import RANDOM, gap_stats, gaps_table, knn_table, paired_gaps, runs_table
from .spec import percent

RECORDS = osp.join(ROOT, 'docs', 'results')
# the files whose tables come from the records
DOCS = ('README.md', 'docs')
MARK = re.compile(r'<!-- results (?P<args>[^>]*?) -->\n(?P<body>.*?)<!-- /results -->', re.S)
# what a run row keeps (the checkpoint's path is local to the machine that made it)
DETECTION_KEYS = ('config', 'run', 'seed', 'label_fraction', 'backbone', 'pretraining',
                  'detector', 'bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'train_minutes',
                  'precision', 'device', 'commit', 'date')  # fmt: skip
PRETRAINING_KEYS = ('config', 'run', 'name', 'label', 'seed', 'knn_top1', 'knn_top1_init',
                    'train_minutes', 'precision', 'device', 'commit', 'date')  # fmt: skip


def record_path(name: str) -> str:
    return osp.join(RECORDS, f'{name}.json')


def load(name: str) -> dict:
    """The record ``docs/results/<name>.json`` (empty lists when it does not exist)."""
    path = record_path(name)
    if not osp.isfile(path):
        return dict(name=name, detection=[], pretraining=[])
    with open(path) as f:
        return json.load(f)


def _key(row: dict) -> tuple:
    """Runs that replace each other: the same run of the same seed, fraction and precision."""
    return row['run'], row['seed'], row.get('label_fraction'), row['precision']


def merge(name: str, rows: list, ssl_rows: list, command: str = None, spec: str = None) -> dict:
    """Add a matrix's runs (``tools.lib.results.collect``'s rows) to record ``name``: a row
    replaces the record's row of the same run, seed, label fraction and precision; the others
    stay. Writes ``docs/results/<name>.json``.

    Raises:
        SystemExit: a row without its precision or commit (a run made before runs recorded
            them: re-run it).

    Returns:
        dict: The record.
    """
    rec = load(name)
    if command:
        rec['command'] = command
    if spec:
        rec['spec'] = spec
    for kind, new, keys in (('detection', rows, DETECTION_KEYS),
                            ('pretraining', ssl_rows, PRETRAINING_KEYS)):  # fmt: skip
        new = [{k: r.get(k) for k in keys} for r in new]
        for r in new:
            if not r['precision'] or not r['commit']:
                raise SystemExit(f'{r["run"]} seed {r["seed"]}: no precision or commit recorded '
                                 '(made before runs recorded them): re-run it')  # fmt: skip
        replaced = {_key(r) for r in new}
        rec[kind] = [r for r in rec.get(kind, []) if _key(r) not in replaced] + new
        # random init first, as run_matrix's tables have it
        rec[kind].sort(key=lambda r: (r['precision'], r['seed'], r.get('label_fraction') or 1,
                                      r.get('pretraining') != RANDOM, r['run']))  # fmt: skip
    save(rec)
    return rec


def last_markdown_table(text: str) -> tuple:
    """(header, rows) of the last Markdown table in ``text`` (lines starting with ``|``, the
    second one the separator), each cell stripped.

    Raises:
        ValueError: ``text`` holds no table.
    """
    blocks, block = [], []
    for line in text.split('\n') + ['']:
        if line.strip().startswith('|'):
            block.append(line.strip())
        elif block:
            blocks.append(block)
            block = []
    blocks = [b for b in blocks if len(b) >= 2 and set(b[1]) <= set('|-: ')]
    if not blocks:
        raise ValueError('no Markdown table in the output')

    def cells(line):
        return [c.strip() for c in line.strip('|').split('|')]

    header, *rows = [cells(line) for line in blocks[-1][:1] + blocks[-1][2:]]
    return header, rows


def add_table(name: str, tid: str, command: str, output: str) -> dict:
    """Store the last Markdown table of ``output`` (what ``command`` printed) as the measured
    table ``tid`` of record ``name`` (made if missing), with the commit, date and device it was
    made at (``results.provenance``); replaces a table of that id. Returns the record."""
    from .results import provenance

    header, rows = last_markdown_table(output)
    rec = load(name)
    rec.setdefault('tables', {})[tid] = dict(header=header, rows=rows, command=command,
                                             **provenance())  # fmt: skip
    save(rec)
    return rec


def save(rec: dict) -> None:
    with open(record_path(rec['name']), 'w') as f:
        json.dump(rec, f, indent=1)
        f.write('\n')


def pin_drift(name: str) -> dict:
    """Compute ``tools.lib.drift.demo_losses`` on the tiny demo data and store them, with the
    commit, date and device, as record ``name``'s ``drift`` (what tests/test_drift.py checks).

    Returns:
        dict: The record's new ``drift``.
    """
    import tempfile

    from .drift import TOLERANCE, demo_losses, tiny_demo_data
    from .results import provenance

    with tempfile.TemporaryDirectory() as tmp:
        losses = demo_losses(tiny_demo_data(tmp))
    rec = load(name)
    rec['drift'] = dict(provenance(), tolerance=TOLERANCE, values=losses)
    save(rec)
    return rec['drift']


def _matches(row: dict, filters: dict) -> bool:
    return all(str(row.get(k)) in v.split(',') for k, v in filters.items())


def _provenance(rec: dict, rows: list) -> str:
    """One line under a table: the command, commits, dates, precisions and devices of its rows."""

    def join(key):
        return ', '.join(sorted({str(r.get(key)) for r in rows}))

    dates = sorted({str(r.get('date'))[:10] for r in rows})
    when = dates[0] if len(dates) == 1 else f'{dates[0]} to {dates[-1]}'
    command, where = rec.get('command', '?'), f'{join("precision")} on {join("device")}'
    return (
        f'<sub>record `docs/results/{rec["name"]}.json`, made by `{command}`: commit '
        f'{join("commit")}, {when}, {where}</sub>\n'
    )


def summary_table(rows: list) -> str:
    """One line per pretraining (and backbone, detector), a column pair per label fraction:
    the paired gap's mean ± sd over the seeds, and the seeds won."""
    gaps = paired_gaps(rows)
    fractions = sorted({f for (_, _, _, f) in gaps})
    head = ' | '.join(f'{percent(f)} of the labels | won' for f in fractions)
    out = [f'| Pretraining − random init | Backbone | Detector | {head} |',
           '|---|---|---' + '|---|---' * len(fractions) + '|']  # fmt: skip
    lines = defaultdict(dict)
    for (pre, backbone, det, frac), per_seed in gaps.items():
        lines[pre, backbone, det][frac] = gap_stats([g for _, g in per_seed])
    for (pre, backbone, det), by_frac in lines.items():
        cells = []
        for f in fractions:
            st = by_frac.get(f)
            if st is None:
                cells += ['', '']
                continue
            sd = f' ± {st["sd"]:.3f}' if st['sd'] is not None else ''
            cells += [f'{st["mean"]:+.3f}{sd}', f'{st["won"]}/{st["n"]}']
        out.append(f'| {pre} | {backbone} | {det} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(out) + '\n'


def render(args: str) -> str:
    """The Markdown of one marked table (``args``: the comment's words after ``results``)."""
    name, *pairs = args.split()
    filters = dict(p.split('=', 1) for p in pairs)
    if 'id' in filters:
        t = load(name).get('tables', {}).get(filters['id'])
        if t is None:
            raise SystemExit(f'<!-- results {args} -->: docs/results/{name}.json has no such table')
        lines = ['| ' + ' | '.join(t['header']) + ' |', '|' + '---|' * len(t['header'])]
        lines += ['| ' + ' | '.join(row) + ' |' for row in t['rows']]
        if name == 'transcribed':
            return ('\n'.join(lines) + '\n\n'
                    f'<sub>transcribed (`docs/results/transcribed.json`, {filters["id"]}): '
                    f'{t["source"]}</sub>\n')  # fmt: skip
        return ('\n'.join(lines) + '\n\n'
                f'<sub>record `docs/results/{name}.json` ({filters["id"]}), made by '
                f'`{t["command"]}`: commit {t["commit"]}, {t["date"][:10]}, on {t["device"]}'
                '</sub>\n')  # fmt: skip
    rec = load(name)
    kind = filters.pop('table', 'runs')
    det = [r for r in rec.get('detection', []) if _matches(r, filters)]
    ssl = [r for r in rec.get('pretraining', []) if _matches(r, filters)]
    if kind == 'knn':
        body, used = knn_table(ssl), ssl
    elif kind == 'gaps':
        body, used = gaps_table(det), det
    elif kind == 'summary':
        body, used = summary_table(det), det
    else:
        body, used = runs_table(det, len({r['seed'] for r in det})), det
    if not used:
        raise SystemExit(f'<!-- results {args} -->: no row of docs/results/{name}.json matches')
    return body + '\n' + _provenance(rec, used)


def markdown_files() -> list:
    """README.md and docs/*.md (paths relative to the root)."""
    import glob

    files = []
    for entry in DOCS:
        path = osp.join(ROOT, entry)
        files += sorted(glob.glob(osp.join(path, '*.md'))) if osp.isdir(path) else [path]
    return [osp.relpath(f, ROOT) for f in files]


def update_tables(check: bool = False) -> list:
    """Re-make every marked table of ``markdown_files()`` from the records.

    Args:
        check (bool): Change nothing; only report.

    Returns:
        list[str]: ``'FILE: <!-- results ARGS -->'`` for each table that differed (and, unless
        ``check``, was rewritten).
    """
    stale = []
    for rel in markdown_files():
        path = osp.join(ROOT, rel)
        text = open(path).read()

        def fill(m, rel=rel):
            body = render(m['args'])
            if body != m['body']:
                stale.append(f'{rel}: <!-- results {m["args"]} -->')
            return f'<!-- results {m["args"]} -->\n{body}<!-- /results -->'

        new = MARK.sub(fill, text)
        if new != text and not check:
            with open(path, 'w') as f:
                f.write(new)
    return stale


def compare(name: str, rows: list, ssl_rows: list, tolerance: float = 0.0005) -> str:
    """How a matrix's runs compare with the committed record ``name`` of their precision.

    Training on the CPU is deterministic for one build, device and precision: runs made there
    reproduce a record to the last digit. Another CPU (other oneDNN kernels: AMX, AVX512, AVX2)
    or precision rounds differently, and the difference grows over training as a change of seed
    does: its numbers differ by about the seed-to-seed spread.

    Args:
        rows, ssl_rows: ``tools.lib.results.collect``'s rows of the new runs.
        tolerance (float): The largest difference of a mAP or k-NN top-1 that is still
            "the same" (default: equal to three decimals).

    Returns:
        str: For each precision of the runs: the record's runs of that precision it was
        compared with (same device or another), the largest difference and the verdict; what to
        compare with when the record has no row of this precision.
    """
    rec = load(name)
    precisions = sorted({r['precision'] for r in rows + ssl_rows if r.get('precision')})
    lines = []
    for prec in precisions:
        mine = [r for r in rows + ssl_rows if r.get('precision') == prec]
        diffs, missing, devices = [], [], set()
        for r in mine:
            kind = 'detection' if 'bbox_mAP' in r else 'pretraining'
            metric = 'bbox_mAP' if kind == 'detection' else 'knn_top1'
            twin = [t for t in rec.get(kind, []) if _key(t) == _key({**r, 'run': _run(r)})]
            if not twin or r.get(metric) is None:
                missing.append(_run(r))
                continue
            devices.add(twin[0]['device'])
            diffs.append((abs(r[metric] - twin[0][metric]), _run(r), r[metric], twin[0][metric],
                          twin[0]['device'] == r.get('device')))  # fmt: skip
        others = sorted({t['precision'] for t in rec.get('detection', [])} - {prec})
        here = f'{prec} on {mine[0].get("device")}'
        if not diffs:
            alt = f'; it has {", ".join(others)} runs, made on other kernels' if others else ''
            lines.append(f'{here}: docs/results/{name}.json has no {prec} runs to compare with'
                         f'{alt}: expect differences of the order of the seed-to-seed '
                         'spread')  # fmt: skip
            continue
        worst = max(diffs)
        same = all(d[4] for d in diffs)
        where = 'this CPU' if same else 'another CPU: ' + ', '.join(sorted(devices))
        detail = (f'largest difference {worst[0]:.3f} ({worst[1]}: {worst[2]:.3f} here, '
                  f'{worst[3]:.3f} recorded)')  # fmt: skip
        if worst[0] <= tolerance:
            verdict = f'the SAME numbers as the committed {prec} record ({where}; {detail})'
        elif same:
            verdict = (f'DIFFERENT from the committed {prec} record of this same CPU ({detail}): '
                       'the code, the data or the build differs from the record\'s')  # fmt: skip
        else:
            verdict = (f'compared with the committed {prec} record, made on {where}: {detail}. '
                       'Other kernels round differently and training diverges as with another '
                       'seed: a difference of the order of the seed-to-seed spread is expected; '
                       'the same CPU and precision reproduce a record exactly')  # fmt: skip
        lines.append(f'{here}: {verdict}')
        if missing:
            lines.append(f'  not in the record: {", ".join(missing)}')
    return '\n'.join(lines)


def _run(r: dict) -> str:
    return r.get('run') or osp.basename(osp.dirname(r['checkpoint']))
