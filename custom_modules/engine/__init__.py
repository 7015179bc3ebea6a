from .atomic import atomic_write, atomic_write_text, save_checkpoint
from .bf16_optim_wrapper import BF16OptimWrapper, device_name, native_bf16, prepare_bf16
from .checkpoint import SAFE_GLOBALS, UnsafeCheckpointError, safe_torch_load
from .distributed import CPUAwareDDP, close_dist, init_cpu_dist, leave_worker
from .precision import declared_precision, fp32
from .pretrained import CheckedPretrainedInit, CheckpointMismatchError, fit_report

__all__ = [
    'atomic_write',
    'atomic_write_text',
    'save_checkpoint',
    'BF16OptimWrapper',
    'device_name',
    'fp32',
    'declared_precision',
    'native_bf16',
    'prepare_bf16',
    'SAFE_GLOBALS',
    'UnsafeCheckpointError',
    'safe_torch_load',
    'CPUAwareDDP',
    'init_cpu_dist',
    'leave_worker',
    'close_dist',
    'CheckedPretrainedInit',
    'CheckpointMismatchError',
    'fit_report',
]
