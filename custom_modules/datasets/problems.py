"""How every dataset and check of this project names a bad file: :class:`Problem`, grouped for a
person by :func:`describe_problems`, and :class:`DatasetError` when a dataset refuses to build."""

from dataclasses import dataclass
from typing import List


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
