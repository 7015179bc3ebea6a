"""The table of ``tools/gpu_check.py``: rows that pass, fail or are skipped, written to
Markdown and JSON after every row."""

import json
import os
import os.path as osp
import re
import shutil
import time
import traceback
from typing import Callable, Optional


class Skip(Exception):
    """A row that cannot run because a row it needs failed."""


class Report:
    """Rows of the check, written to ``OUT/gpu_check.md`` and ``OUT/gpu_check.json`` after
    every row (a check killed half-way leaves the rows so far).

    Args:
        out (str): Output folder.
        header (dict): What ran where (command, device, versions), for both files.
    """

    def __init__(self, out: str, header: dict):
        self.out, self.header, self.rows = out, header, []
        self.failed = set()  # names of rows that did not pass
        self.start = time.perf_counter()
        os.makedirs(out, exist_ok=True)
        shutil.rmtree(osp.join(out, 'errors'), ignore_errors=True)  # an earlier run's

    def run(self, stage: str, name: str, check: Callable, needs=()) -> Optional[dict]:
        """Run ``check()`` as a row; it returns ``(text, numbers)`` or raises. Returns the
        row."""
        row = dict(stage=stage, check=name, status='pass', text='', numbers={})
        t = time.perf_counter()
        try:
            missing = [n for n in needs if n in self.failed]
            if missing:
                raise Skip(f'needs {", ".join(missing)}')
            print(f'[gpu_check] {stage}: {name} ...', flush=True)
            row['text'], row['numbers'] = check()
        except Skip as e:
            row.update(status='skip', text=str(e))
        except Exception as e:  # a failure is a row of the table
            message = str(e).strip().splitlines()
            row.update(status='fail', text=f'{type(e).__name__}: {message[0] if message else ""}')
            log = osp.join(self.out, 'errors', re.sub(r'[^\w.-]+', '_', name) + '.txt')
            os.makedirs(osp.dirname(log), exist_ok=True)
            with open(log, 'w') as f:
                f.write(traceback.format_exc())
            row['error_log'] = osp.relpath(log, self.out)
        row['seconds'] = round(time.perf_counter() - t, 2)
        if row['status'] != 'pass':
            self.failed.add(name)
        print(f'[gpu_check]   {row["status"]}: {row["text"]}', flush=True)
        self.rows.append(row)
        self.write()
        return row

    def counts(self) -> dict:
        return {s: sum(r['status'] == s for r in self.rows) for s in ('pass', 'fail', 'skip')}

    def write(self):
        seconds = round(time.perf_counter() - self.start, 1)
        data = dict(self.header, seconds=seconds, **self.counts(), rows=self.rows)
        with open(osp.join(self.out, 'gpu_check.json'), 'w') as f:
            json.dump(data, f, indent=2)
        with open(osp.join(self.out, 'gpu_check.md'), 'w') as f:
            f.write(self.markdown(seconds))

    def markdown(self, seconds: float) -> str:
        h, c = self.header, self.counts()
        lines = [
            '# GPU check',
            '',
            f'`{h["command"]}` on {h["device"]}, {h["date"]}: {seconds / 60:.1f} min, '
            f'**{c["pass"]} passed, {c["fail"]} failed, {c["skip"]} skipped**',
            '',
            h['versions'],
            '',
            '| stage | check | result | numbers | s |',
            '|---|---|---|---|---|',
        ]
        for r in self.rows:
            text = r['text'].replace('|', '/').replace('\n', ' ')
            if r.get('error_log'):
                text += f' (traceback: `{r["error_log"]}`)'
            lines.append(
                f'| {r["stage"]} | {r["check"]} | {r["status"]} | {text} | {r["seconds"]:.1f} |'
            )
        return '\n'.join(lines) + '\n'
