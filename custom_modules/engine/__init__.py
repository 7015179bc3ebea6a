from .checkpoint import SAFE_GLOBALS, UnsafeCheckpointError, safe_torch_load
from .distributed import CPUAwareDDP, init_cpu_dist
from .pretrained import CheckedPretrainedInit, CheckpointMismatchError, fit_report

__all__ = [
    'SAFE_GLOBALS',
    'UnsafeCheckpointError',
    'safe_torch_load',
    'CPUAwareDDP',
    'init_cpu_dist',
    'CheckedPretrainedInit',
    'CheckpointMismatchError',
    'fit_report',
]
