"""Keep mmpretrain 1.2.0 importable next to transformers >= 5.

mmpretrain turns on its multimodal models (BLIP, BLIP-2, OFA, ...) whenever
``transformers >= 4.28`` is installed, and their modules do not import under transformers 5
(``BertPreTrainedModel(PreTrainedModel)`` fails with ``NoneType takes no arguments``). mmdet
imports ``mmpretrain.models`` whole, so an environment that merely has transformers 5 (any
recent ML image) cannot import mmdet's models, nor this project. We use none of those models:
with transformers >= 5 installed they are switched off, as if transformers were absent
(mmpretrain then registers placeholders that ask for the multimodal extras if built).
Runs on import (``custom_modules`` imports this module first): it must come before the first
import of ``mmpretrain.models``.
"""

from importlib import metadata


def disable_mmpretrain_multimodal_under_transformers_5() -> bool:
    """Switch mmpretrain's multimodal models off when transformers >= 5 is installed.
    Returns whether it did."""
    try:
        major = int(metadata.version('transformers').split('.')[0])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    if major < 5:
        return False
    import mmpretrain.utils.dependency as dependency

    dependency.WITH_MULTIMODAL = False
    return True


disable_mmpretrain_multimodal_under_transformers_5()
