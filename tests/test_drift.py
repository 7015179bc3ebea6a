"""The demo has not drifted: its first losses, on the tiny demo data, are the ones the committed
demo record pinned (docs/results/demo.json, ``drift``; tools/lib/drift.py says what and why).

A change that moves them moves the demo's numbers: re-run ``make demo`` (each precision the
record has) and ``python tools/records.py add demo work_dirs/demo-<precision> --command "make
demo"``, which re-pins them and re-makes the tables, and commit the records with the change."""

import pytest

from tools.lib import records
from tools.lib.drift import demo_losses, drifted


@pytest.fixture(scope='module')
def now(demo_root):
    return demo_losses(demo_root)


def test_the_demo_losses_are_the_pinned_ones(now):
    pinned = records.load('demo')['drift']
    moved = drifted(pinned['values'], now, pinned['tolerance'])
    assert not moved, (
        "the demo's first losses moved (pinned at commit " + pinned['commit'] + '):\n  '
        + '\n  '.join(moved) + '\n' + __doc__.split('\n\n')[1]
    )  # fmt: skip


def test_a_changed_augmentation_is_drift(now):
    """The check itself: a 1% change of one loss or of the update is caught, rounding is not."""
    pinned = records.load('demo')['drift']
    tol = pinned['tolerance']
    bumped = {k: dict(v, losses=[x * 1.01 for x in v['losses']]) for k, v in now.items()}
    assert len(drifted(now, bumped, tol)) == sum(len(v['losses']) for v in now.values())
    bumped = {k: dict(v, update=v['update'] * 1.01) for k, v in now.items()}
    assert len(drifted(now, bumped, tol)) == len(now)
    rounded = {k: dict(losses=[x * (1 + 1e-5) for x in v['losses']], update=v['update'])
               for k, v in now.items()}  # fmt: skip
    assert drifted(now, rounded, tol) == []
