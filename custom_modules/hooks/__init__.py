from .checkpoint import AtomicCheckpointHook
from .class_check import ClassCountCheckHook, ClassCountMismatchError, check_class_count
from .epoch_seed import EpochSeedHook, WorldSizeChangeError, epoch_seed
from .knn_probe import KNNProbeHook, knn_top1, object_crops, pooled_features
from .nonfinite import NonFiniteLossError, NonFiniteLossHook
from .ssl_diagnostics import SSLDiagnosticsHook

__all__ = [
    'AtomicCheckpointHook',
    'ClassCountCheckHook',
    'ClassCountMismatchError',
    'check_class_count',
    'EpochSeedHook',
    'epoch_seed',
    'WorldSizeChangeError',
    'KNNProbeHook',
    'knn_top1',
    'pooled_features',
    'object_crops',
    'NonFiniteLossError',
    'NonFiniteLossHook',
    'SSLDiagnosticsHook',
]
