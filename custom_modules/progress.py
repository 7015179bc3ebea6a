"""Progress bars for long loops (the tools, the datasets' indexing, the k-NN probe's crops)."""

import sys
from typing import Iterable, Optional


def progress(iterable: Iterable, desc: str, total: Optional[int] = None, unit: str = 'it'):
    """``iterable`` wrapped in a tqdm bar with rate and ETA, on stderr, shown only when stderr
    is a terminal (logs and test output stay clean).

    Args:
        iterable (Iterable): What to loop over.
        desc (str): The bar's label.
        total (int, optional): Its length, where ``len(iterable)`` does not give it.
        unit (str): What one item is ('image', 'crop' ...).

    Returns:
        tqdm.tqdm: An iterable yielding the items of ``iterable``.
    """
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True)  # fmt: skip
