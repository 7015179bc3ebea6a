"""How every dataset and check of this project names a bad file: :class:`Problem`, grouped for a
person by :func:`describe_problems`, and :class:`DatasetError` when a dataset refuses to build."""

from dataclasses import dataclass
from typing import List

from mmengine.logging import print_log


class DatasetError(ValueError):
    """A dataset that cannot be used as it is; the message lists every bad file."""


@dataclass
class Problem:
    """One problem found in one file.

    Args:
        path (str): The file the problem is in (an annotation file may add ``#<id>``).
        kind (str): A short machine-readable name, e.g. ``'unknown_class'``.
        message (str): What is wrong, for a person.
        fatal (bool): True when the file cannot be used as it is (the dataset refuses or
            skips it); False when it was repaired (a box clipped or dropped, an image
            converted) and training can go on.
    """

    path: str
    kind: str
    message: str
    fatal: bool

    def __str__(self) -> str:
        return f'{self.path}: {self.message}'


def describe_problems(problems: List[Problem], limit: int = 20) -> str:
    """Problems grouped by kind, each kind with a count and up to ``limit`` files."""
    by_kind = {}
    for p in problems:
        by_kind.setdefault(p.kind, []).append(p)
    lines = []
    for kind, items in sorted(by_kind.items()):
        lines.append(f'  {kind}: {len(items)} file(s)')
        lines += [f'    {p}' for p in items[:limit]]
        if len(items) > limit:
            lines.append(f'    ... and {len(items) - limit} more')
    return '\n'.join(lines)


def apply_bad_data(problems: List[Problem], bad_data: str, source: str, what: str,
                   check: str = 'tools/check_dataset.py') -> None:  # fmt: skip
    """What a dataset does with the problems of its annotations: with ``bad_data='raise'`` and
    a fatal one, refuse to build, listing every fatal problem; else warn once of the images
    left out (``'skip'``) and once of the repairs.

    Args:
        problems (list[Problem]): Every problem found.
        bad_data (str): ``'raise'`` or ``'skip'``.
        source (str): The annotations' folder or file, for the messages.
        what (str): What a repaired problem is in, ``'label'`` or ``'annotation'``.
        check (str): The command that lists every problem, images included.

    Raises:
        DatasetError: For a fatal problem with ``bad_data='raise'``.
    """
    fatal = [p for p in problems if p.fatal]
    repaired = [p for p in problems if not p.fatal]
    if fatal and bad_data == 'raise':
        raise DatasetError(
            f'{len(fatal)} problem(s) in {source} make images unusable:\n'
            f'{describe_problems(fatal)}\nFix them, or set bad_data="skip" to leave those '
            f'images out; {check} lists every problem, images included.'
        )
    if fatal:
        print_log(f'{len(fatal)} problem(s), their images left out (bad_data="skip"):\n'
                  f'{describe_problems(fatal)}', logger='current', level=30)  # fmt: skip
    if repaired:
        print_log(f'{len(repaired)} {what} problem(s) repaired:\n{describe_problems(repaired)}',
                  logger='current', level=30)  # fmt: skip
