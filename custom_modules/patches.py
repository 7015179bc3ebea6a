"""Every change this project makes to torch, mmengine, mmdet and mmpretrain, in one place.

``custom_modules/__init__.py`` imports this module first and it calls :func:`apply` once; no
other module of the package changes upstream code when imported. ``PATCHES`` lists each
change with its reason. They were written against ``WRITTEN_FOR``: :func:`check_versions`
refuses other versions with a message naming the package, the version found and the one the
change was written for (``CUSTOM_MODULES_ALLOW_UNTESTED=1`` turns the refusal into a warning).
Where a subclass of ours carries a copy of a private upstream method, the copy's upstream
source is fingerprinted as well, so a changed upstream is noticed even under that switch.

:func:`apply` is idempotent: calling it again, importing the package twice or reloading this
module installs nothing twice (the originals are kept on the patched objects, never our own
wrappers), and :func:`wrap_method` wraps an object's method once however often a hook runs.
``tests/test_patches.py`` tests each entry.

Importing this module imports nothing but the standard library (the multimodal switch must
run before anything imports ``mmpretrain.models``).
"""

import hashlib
import inspect
import os
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Callable, Optional

# The versions every change below was written and tested against (requirements.txt pins them).
WRITTEN_FOR = {'mmengine': '0.10.7', 'mmdet': '3.3.0', 'mmpretrain': '1.2.0'}
ALLOW_UNTESTED = 'CUSTOM_MODULES_ALLOW_UNTESTED'
_ORIGINALS = '_custom_modules_originals'  # attribute on a patched module: {name: original}


class UntestedVersionError(RuntimeError):
    """An upstream package is at a version these changes were not written for."""


@dataclass(frozen=True)
class Patch:
    """One change to upstream behaviour.

    Args:
        name (str): Short identifier.
        target (str): What is changed (dotted path).
        reason (str): Why.
        install (callable, optional): Installs it (idempotent); ``None`` for changes that live
            in one of our subclasses and install nothing.
        copied (str, optional): Dotted path of a private upstream method our code copies.
        copied_sha (str, optional): First 12 hex digits of the SHA-256 of that method's source
            in the version it was copied from.
    """

    name: str
    target: str
    reason: str
    install: Optional[Callable[[], None]] = None
    copied: Optional[str] = None
    copied_sha: Optional[str] = None


def _version(package: str) -> Optional[str]:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _refuse(message: str) -> None:
    if os.environ.get(ALLOW_UNTESTED) == '1':
        warnings.warn(message + f' (going on: {ALLOW_UNTESTED}=1)', stacklevel=3)
        return
    raise UntestedVersionError(
        message + f'. Install the pinned versions (requirements.txt), or set {ALLOW_UNTESTED}=1 '
        'to go on at your own risk and run the test suite.'
    )


def check_versions() -> None:
    """Refuse (or, under ``CUSTOM_MODULES_ALLOW_UNTESTED=1``, warn about) upstream versions the
    changes were not written for.

    Raises:
        UntestedVersionError: naming the package, the version found and the one expected.
    """
    for package, wanted in WRITTEN_FOR.items():
        found = _version(package)
        if found != wanted:
            _refuse(
                f'custom_modules changes {package} {wanted} (custom_modules/patches.py) and '
                f'found {package} {found or "not installed"}'
            )
    import torch.serialization

    if not hasattr(torch.serialization, 'add_safe_globals'):
        _refuse(f'custom_modules needs torch >= 2.4 (add_safe_globals); found {_version("torch")}')


def source_sha(dotted: str) -> str:
    """First 12 hex digits of the SHA-256 of the source of ``module.Class.method``."""
    module, cls, method = dotted.rsplit('.', 2)
    obj = getattr(getattr(__import__(module, fromlist=[cls]), cls), method)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:12]


def check_copies() -> None:
    """Refuse (or warn) when a private upstream method we copy is no longer the one we copied."""
    for patch in PATCHES:
        sha = patch.copied and source_sha(patch.copied)
        if sha != patch.copied_sha:
            _refuse(
                f'{patch.copied} is not the code {patch.target} was copied from '
                f'(source sha {sha}, expected {patch.copied_sha})'
            )


def replace(module, name: str, new) -> None:
    """Set ``module.name = new``, keeping the first original (never one of ours) for
    :func:`original`."""
    originals = module.__dict__.setdefault(_ORIGINALS, {})
    originals.setdefault(name, getattr(module, name))
    setattr(module, name, new)


def original(module, name: str):
    """What ``module.name`` was before :func:`replace` (itself when never replaced)."""
    return module.__dict__.get(_ORIGINALS, {}).get(name, getattr(module, name))


def wrap_method(obj, name: str, make_wrapper: Callable) -> None:
    """Replace the bound method ``obj.name`` by ``make_wrapper(original)``, once: when ``obj``
    already carries a wrapper made here, the new one wraps that wrapper's original.

    Used by :class:`custom_modules.hooks.NonFiniteLossHook` on the runner's model and optimizer
    wrapper (a second ``before_train``, or a second runner on the same model, would otherwise
    check every loss twice).
    """
    current = getattr(obj, name)
    base = getattr(current, '_custom_modules_wrapped', current)
    wrapper = make_wrapper(base)
    wrapper._custom_modules_wrapped = base
    setattr(obj, name, wrapper)


def detr_class_weight(loss_cls: dict, num_classes: int):
    """DETRHead's no-object class weighting, for a subclass of ``DETRHead``.

    mmdet 3.3.0's ``DETRHead.__init__`` turns ``loss_cls``'s ``class_weight`` (float) and
    ``bg_cls_weight`` (the no-object class's weight, 0.1 in DETR and UP-DETR) into a per-class
    vector only when ``self.__class__ is DETRHead``; in a subclass the ``bg_cls_weight`` key
    reaches ``CrossEntropyLoss``, which refuses it. This does what DETRHead does for itself.

    Args:
        loss_cls (dict): The head's ``loss_cls`` config.
        num_classes (int): The head's number of classes.

    Returns:
        tuple: (``loss_cls`` with ``class_weight`` a list of ``num_classes + 1`` weights and no
        ``bg_cls_weight``, the no-object weight or ``None`` when ``loss_cls`` sets no
        ``class_weight``, as in DETRHead; a ``class_weight`` already per class is left as it is).
    """
    class_weight = loss_cls.get('class_weight')
    if not isinstance(class_weight, (int, float)):
        return loss_cls, None
    loss_cls = dict(loss_cls)
    bg_cls_weight = float(loss_cls.pop('bg_cls_weight', class_weight))
    weights = [float(class_weight)] * num_classes + [bg_cls_weight]
    return dict(loss_cls, class_weight=weights), bg_cls_weight


def transformers_5() -> bool:
    """Whether transformers >= 5 is installed (mmpretrain's multimodal models are then off)."""
    major = (_version('transformers') or '0').split('.')[0]
    return major.isdigit() and int(major) >= 5


def _multimodal_off() -> None:
    if transformers_5():
        import mmpretrain.utils.dependency as dependency

        dependency.WITH_MULTIMODAL = False


def _safe_globals() -> None:
    import torch

    from .engine.checkpoint import SAFE_GLOBALS

    torch.serialization.add_safe_globals(SAFE_GLOBALS)  # a set: adding twice is a no-op


def _local_loader() -> None:
    from mmengine.runner.checkpoint import CheckpointLoader

    from .engine.checkpoint import load_from_local

    if CheckpointLoader._schemes.get('') is not load_from_local:
        CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)


def _atomic_save() -> None:
    import mmengine.runner as mm_runner_package
    import mmengine.runner.checkpoint as mm_checkpoint
    import mmengine.runner.runner as mm_runner

    from .engine import atomic

    atomic.UPSTREAM_SAVE = original(mm_checkpoint, 'save_checkpoint')
    replace(mm_checkpoint, 'save_checkpoint', atomic.save_checkpoint)
    replace(mm_runner, 'save_checkpoint', atomic.save_checkpoint)  # Runner.save_checkpoint
    # the package's re-export: `from mmengine.runner import save_checkpoint` (mmpretrain's own
    # modules and tests write that) reaches the atomic save too
    replace(mm_runner_package, 'save_checkpoint', atomic.save_checkpoint)


def _checked_pretrained() -> None:
    from mmengine.registry import WEIGHT_INITIALIZERS

    from .engine.pretrained import CheckedPretrainedInit

    if WEIGHT_INITIALIZERS.get('Pretrained') is not CheckedPretrainedInit:
        WEIGHT_INITIALIZERS.register_module(
            name='Pretrained', module=CheckedPretrainedInit, force=True
        )


class _ImageLoadersView:
    """What ``mmdet.datasets.utils.get_loading_pipeline`` sees of mmdet's ``TRANSFORMS``: the
    registry, except that our image loaders are reported as ``LoadImageFromFile``."""

    def __init__(self, registry, loaders, load_image_from_file):
        self.registry, self.loaders, self.load_image = registry, loaders, load_image_from_file

    def get(self, name):
        found = self.registry.get(name)
        return self.load_image if found in self.loaders else found

    def __getattr__(self, name):
        return getattr(self.registry, name)


def _loading_pipeline() -> None:
    import mmdet.datasets.utils as det_utils

    from .transforms.loading import LoadImageChecked

    registry = original(det_utils, 'TRANSFORMS')
    view = _ImageLoadersView(registry, (LoadImageChecked,), det_utils.LoadImageFromFile)
    replace(det_utils, 'TRANSFORMS', view)


def _config_formatted_once() -> None:
    import mmengine.config.config as mm_config

    if getattr(mm_config.FormatCode, '_formats_once', False):
        return
    upstream = original(mm_config, 'FormatCode')
    done = {}

    def format_code(text, style_config=None, **kwargs):
        key = (text, repr(style_config), repr(sorted(kwargs.items())))
        if key not in done:
            if len(done) >= 32:  # a run formats one or two configs
                done.clear()
            done[key] = upstream(text, style_config=style_config, **kwargs)
        return done[key]

    format_code.__wrapped__, format_code._formats_once = upstream, True
    replace(mm_config, 'FormatCode', format_code)


PATCHES = (
    Patch(
        'multimodal_off',
        'mmpretrain.utils.dependency.WITH_MULTIMODAL',
        "mmpretrain 1.2.0's multimodal models (BLIP, OFA, ...) do not import under "
        'transformers >= 5, and mmdet imports mmpretrain.models whole: with transformers >= 5 '
        'installed they are switched off, as if transformers were absent (we use none).',
        _multimodal_off,
    ),
    Patch(
        'safe_globals',
        'torch.serialization safe globals',
        'torch >= 2.6 loads with weights_only=True and mmengine 0.10.7 pickles its '
        'HistoryBuffer and NumPy scalars into checkpoints: exactly those types are allowed '
        '(engine/checkpoint.py SAFE_GLOBALS), rather than turning weights_only off.',
        _safe_globals,
    ),
    Patch(
        'local_loader',
        "mmengine.runner.CheckpointLoader scheme ''",
        "mmengine's loader of local files replaced by safe_torch_load: weights_only=True with "
        'that allow-list, and a message saying what to do with a file holding anything else.',
        _local_loader,
    ),
    Patch(
        'atomic_save',
        'mmengine.runner.checkpoint.save_checkpoint, mmengine.runner.runner.save_checkpoint, '
        'mmengine.runner.save_checkpoint',
        'mmengine writes a checkpoint straight under its final name: a process killed during '
        'the write leaves a truncated epoch_N.pth. Local paths are written to a temporary file '
        'and renamed (engine/atomic.py); other backends go to the original.',
        _atomic_save,
    ),
    Patch(
        'checked_pretrained',
        "mmengine WEIGHT_INITIALIZERS 'Pretrained'",
        "mmengine's PretrainedInit loads with strict=False: a checkpoint matching nothing "
        'loads nothing, silently. CheckedPretrainedInit (engine/pretrained.py) refuses one '
        'providing less than min_loaded of the parameters.',
        _checked_pretrained,
    ),
    Patch(
        'loading_pipeline',
        'mmdet.datasets.utils.TRANSFORMS (as get_loading_pipeline sees it)',
        "mmdet's get_loading_pipeline (analyze_results, browse tools) keeps a pipeline's loading "
        'steps by class identity, LoadImageFromFile only: our LoadImageChecked was dropped and '
        'the tools loaded no image. Its view of the registry reports LoadImageChecked as one '
        '(the kept step is still ours).',
        _loading_pipeline,
    ),
    Patch(
        'config_formatted_once',
        'mmengine.config.config.FormatCode (as Config.pretty_text calls it)',
        "mmengine formats a config's text with yapf each time it needs it: the log, the dump, the "
        'visualizer, and the meta of every checkpoint saved (8 times in a 3-epoch run, ~0.5 s '
        'each, a third of a tiny run). The formatter is asked once per distinct text; the '
        'result is the one upstream returns for that text.',
        _config_formatted_once,
    ),
    Patch(
        'checkpoint_hook_order',
        'custom_modules.hooks.AtomicCheckpointHook._save_checkpoint_with_step',
        'mmengine 0.10.7 removes the oldest checkpoint before writing the new one: a copy of '
        'its private method in our hook writes first, then last_checkpoint, then removes.',
        copied='mmengine.hooks.CheckpointHook._save_checkpoint_with_step',
        copied_sha='cdbc1b54c7c8',
    ),
    Patch(
        'nonfinite_wrapping',
        'runner.model.parse_losses, runner.optim_wrapper.update_params (instances)',
        'NonFiniteLossHook checks the losses between parse_losses and the optimizer step; '
        'mmengine has no hook point there, so the two bound methods are wrapped (wrap_method, '
        'once per object).',
    ),
    Patch(
        'detr_bg_cls_weight',
        'custom_modules.models.UPDETRHead (DETRHead.__init__)',
        'DETRHead applies bg_cls_weight only when self.__class__ is DETRHead; UPDETRHead does '
        'it itself with detr_class_weight.',
    ),
)

_applied = False


def apply() -> None:
    """Check the versions, then install every change (once; calling again does nothing)."""
    global _applied
    if _applied:
        return
    check_versions()
    for patch in PATCHES:
        if patch.install is not None:
            patch.install()
    check_copies()
    _applied = True
