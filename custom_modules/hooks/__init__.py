from .knn_probe import KNNProbeHook, knn_top1, object_crops
from .ssl_diagnostics import SSLDiagnosticsHook

__all__ = ['KNNProbeHook', 'knn_top1', 'object_crops', 'SSLDiagnosticsHook']
