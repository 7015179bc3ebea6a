"""Everything this project registers. Configs load it with
``custom_imports = dict(imports=['custom_modules'], allow_failed_imports=False)``."""

from . import (  # noqa: F401  (registration on import)
    compat,  # first, before anything imports mmpretrain.models (see compat.py)
    datasets,
    engine,
    evaluation,
    hooks,
    models,
    transforms,
)
from .datasets import *  # noqa: F401,F403
from .engine import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .hooks import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403

__all__ = (
    datasets.__all__
    + engine.__all__
    + evaluation.__all__
    + hooks.__all__
    + models.__all__
    + transforms.__all__
)
