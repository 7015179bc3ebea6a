from .barlow_twins_loss import BarlowTwinsLoss, GatheredCrossCorrelationHead
from .diagnostics import cross_correlation, effective_rank, summarize
from .gather import FullGatherLayer, gather_with_grad, off_diagonal
from .updetr import UPDETR, PretrainedDETR, UPDETRHead
from .vicreg import VICReg, VICRegExpander, VICRegHead
from .vicreg_loss import VICRegLoss

__all__ = [
    'cross_correlation',
    'effective_rank',
    'summarize',
    'BarlowTwinsLoss',
    'GatheredCrossCorrelationHead',
    'FullGatherLayer',
    'gather_with_grad',
    'off_diagonal',
    'VICReg',
    'VICRegExpander',
    'VICRegHead',
    'VICRegLoss',
    'PretrainedDETR',
    'UPDETR',
    'UPDETRHead',
]
