"""Everything this project registers. Configs load it with
``custom_imports = dict(imports=['custom_modules'], allow_failed_imports=False)``.

Importing it registers our classes and applies ``patches`` (the one module that changes
upstream behaviour; first, before anything imports ``mmpretrain.models``)."""

from . import patches

patches.apply()

from . import (  # noqa: E402,F401  (registration on import)
    datasets,
    engine,
    evaluation,
    hooks,
    models,
    transforms,
)
from .datasets import *  # noqa: E402,F401,F403
from .engine import *  # noqa: E402,F401,F403
from .evaluation import *  # noqa: E402,F401,F403
from .hooks import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .transforms import *  # noqa: E402,F401,F403

__all__ = (
    datasets.__all__
    + engine.__all__
    + evaluation.__all__
    + hooks.__all__
    + models.__all__
    + transforms.__all__
)
