"""The results records (docs/results/*.json) and the README/docs tables made from them: every
results number in a table of README.md or docs/ stands in a table made from a record, and every
such table is what its record makes today (tools/records.py, tools/lib/records.py)."""

import json
import re

import pytest

from tools.lib import records

# a results number: 0.118, +0.012, −0.045 (not a time: 1.789 s, 2.2x)
NUMBER = re.compile(r'(?<![\d.])[+\-−]?\d\.\d{3}(?!\d)(?!\s*(s|ms|x|GiB|MiB)\b)')


def unmarked_tables(text: str) -> list:
    """(line number, line) of every table line outside the marked tables."""
    spans = [(m.start(), m.end()) for m in records.MARK.finditer(text)]
    out, pos = [], 0
    for n, line in enumerate(text.split('\n'), 1):
        inside = any(a <= pos < b for a, b in spans)
        if line.lstrip().startswith('|') and not inside:  # a table in a list item too
            out.append((n, line))
        pos += len(line) + 1
    return out


def test_every_results_number_in_a_table_comes_from_a_record():
    stray = []
    for rel in records.markdown_files():
        text = open(records.osp.join(records.ROOT, rel)).read()
        stray += [f'{rel}:{n}: {line[:100]}' for n, line in unmarked_tables(text)
                  if NUMBER.search(line)]  # fmt: skip
    assert not stray, 'results numbers outside a table made from a record:\n' + '\n'.join(stray)


def test_the_tables_are_what_their_records_make():
    stale = records.update_tables(check=True)
    assert not stale, (
        'tables that differ from their records (run `python tools/records.py tables`, or '
        're-make the record):\n' + '\n'.join(stale)
    )


def test_records_carry_what_their_numbers_depend_on():
    import glob

    for path in glob.glob(records.osp.join(records.RECORDS, '*.json')):
        rec = json.load(open(path))
        for row in rec.get('detection', []) + rec.get('pretraining', []):
            assert row['precision'] in ('bf16', 'fp32'), (path, row)
            assert row['device'] and row['commit'] and row['date'], (path, row)
        for tid, table in rec.get('tables', {}).items():  # transcribed or measured
            assert table['commit'] and table['date'], (path, tid)
            assert table.get('source') or table['command'] and table['device'], (path, tid)
            assert all(len(r) == len(table['header']) for r in table['rows']), (path, tid)


def _row(pre, seed, m, precision='bf16', run=None):
    return dict(backbone='R18', detector='FRCNN', pretraining=pre, config=f'{pre}.py',
                run=run or pre, checkpoint=f'work/{run or pre}/epoch_6.pth', bbox_mAP=m,
                bbox_mAP_50=m, bbox_mAP_75=m, train_minutes=1.0, seed=seed, label_fraction=0.1,
                precision=precision, device='cpu', commit='abc', date='2026-12-07')  # fmt: skip


@pytest.fixture
def tmp_records(tmp_path, monkeypatch):
    monkeypatch.setattr(records, 'RECORDS', str(tmp_path))
    return tmp_path


def test_merge_replaces_a_run_of_the_same_precision_only(tmp_records):
    random, bt = 'none (random init)', 'Barlow Twins'
    records.merge('m', [_row(random, 0, 0.10), _row(bt, 0, 0.12)], [], command='make x')
    records.merge('m', [_row(random, 0, 0.09, 'fp32'), _row(bt, 0, 0.13, 'fp32')], [])
    rec = records.merge('m', [_row(bt, 0, 0.125)], [])  # a re-run of one bf16 run
    got = {(r['run'], r['precision']): r['bbox_mAP'] for r in rec['detection']}
    assert got == {(random, 'bf16'): 0.10, (bt, 'bf16'): 0.125, (random, 'fp32'): 0.09,
                   (bt, 'fp32'): 0.13}  # fmt: skip
    assert rec['command'] == 'make x' and 'checkpoint' not in rec['detection'][0]
    md = records.render('m table=runs precision=fp32')
    assert '| 0.090 |' in md and '| 0.130 |' in md and '0.125' not in md
    assert 'made by `make x`: commit abc, 2026-12-07, fp32 on cpu' in md
    assert '+0.040 (s0)' in records.render('m table=gaps precision=fp32')
    with pytest.raises(SystemExit, match='no row'):
        records.render('m table=runs precision=fp16')
    with pytest.raises(SystemExit, match='no precision or commit'):
        records.merge('m', [dict(_row(bt, 1, 0.1), precision=None)], [])


def test_compare_says_which_record_a_run_matches(tmp_records):
    random = 'none (random init)'
    records.merge('m', [_row(random, 0, 0.100)], [])
    assert 'the SAME numbers as the committed bf16' in records.compare(
        'm', [_row(random, 0, 0.1002)], []
    )
    assert 'DIFFERENT from the committed bf16 record of this same CPU' in records.compare(
        'm', [_row(random, 0, 0.110)], []
    )
    other = dict(_row(random, 0, 0.093), device='another cpu')
    assert 'made on another CPU: cpu' in records.compare('m', [other], [])
    msg = records.compare('m', [_row(random, 0, 0.084, 'fp32')], [])
    assert 'has no fp32 runs' in msg and 'it has bf16 runs' in msg


def test_a_marked_table_is_rewritten_from_its_record(tmp_records, tmp_path, monkeypatch):
    random = 'none (random init)'
    records.merge('m', [_row(random, 0, 0.100)], [])
    doc = tmp_path / 'doc.md'
    doc.write_text('text\n<!-- results m table=runs -->\n| stale |\n<!-- /results -->\nend\n')
    monkeypatch.setattr(records, 'markdown_files', lambda: [str(doc)])
    monkeypatch.setattr(records, 'ROOT', '/')
    assert records.update_tables(check=True) == [f'{doc}: <!-- results m table=runs -->']
    assert '| stale |' in doc.read_text()  # --check changes nothing
    records.update_tables()
    assert '| 0.100 |' in doc.read_text() and records.update_tables(check=True) == []
    assert doc.read_text().startswith('text\n') and doc.read_text().endswith('end\n')


def test_every_transcribed_table_is_shown_somewhere():
    """A transcribed table no doc shows any more is dropped from the record (git keeps it)."""
    shown = set()
    for rel in records.markdown_files():
        text = open(records.osp.join(records.ROOT, rel)).read()
        shown |= set(re.findall(r'<!-- results transcribed id=(\S+) -->', text))
    assert set(records.load('transcribed')['tables']) == shown


def test_the_coco_export_gave_the_nyu_layouts_numbers():
    """docs/your_data.md's claim: `DEMO_FORMAT=coco make demo` (the demo data as a COCO json
    and a nested tree of unlabeled images) gave the numbers of the NYU layout's demo record of
    the same precision and device, to the last digit: the same images in the same order."""
    coco, nyu = records.load('demo_coco'), records.load('demo')

    def key(r):
        return r.get('pretraining') or r.get('label'), r['seed'], r['precision'], r['device']

    for kind, metrics in (('detection', ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75')),
                          ('pretraining', ('knn_top1', 'knn_top1_init'))):  # fmt: skip
        twins = {key(r): r for r in nyu[kind]}
        assert coco[kind]
        for r in coco[kind]:
            assert 'coco-demo' in r['config']
            twin = twins[key(r)]
            assert [r[m] for m in metrics] == [twin[m] for m in metrics], r['run']
            assert r.get('label_fraction') == twin.get('label_fraction')


def test_a_measured_table_is_what_its_command_printed(tmp_records, monkeypatch):
    """`records.py table NAME ID -- COMMAND` keeps the last Markdown table COMMAND printed,
    with the command, commit, date and device; `<!-- results NAME id=ID -->` shows it."""
    from tools.records import main

    monkeypatch.setattr(records, 'markdown_files', lambda: [])
    import sys

    tables = r'| a | b |\n|---|---|\n| 1 | 0.500 |\n\nlog\n| x | y |\n|---|---|\n| r | 0.250 |'
    main(['table', 'm', 'probe', '--', sys.executable, '-c', f"print('{tables}')"])
    t = records.load('m')['tables']['probe']
    assert t['header'] == ['x', 'y'] and t['rows'] == [['r', '0.250']]
    assert t['command'].startswith(f'{sys.executable} -c') and t['device'] and t['commit']
    md = records.render('m id=probe')
    assert md.startswith('| x | y |\n|---|---|\n| r | 0.250 |\n') and ' -c ' in md
    with pytest.raises(SystemExit, match='nothing recorded'):
        main(['table', 'm', 'bad', '--', sys.executable, '-c', 'raise SystemExit(3)'])
    with pytest.raises(ValueError, match='no Markdown table'):
        records.add_table('m', 'none', 'cmd', 'no table here')
    assert set(records.load('m')['tables']) == {'probe'}
