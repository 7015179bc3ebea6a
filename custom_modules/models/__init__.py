from .barlow_twins_loss import BarlowTwinsLoss, GatheredCrossCorrelationHead
from .diagnostics import correlation_stats, cross_correlation, effective_rank
from .gather import FullGatherLayer, gather_with_grad, off_diagonal
from .ssl_augment import SSLAugmentDataPreprocessor, ViewAugment
from .updetr import UPDETR, PretrainedDETR, UPDETRHead
from .vicreg import VICReg, VICRegExpander, VICRegHead
from .vicreg_loss import VICRegLoss
from .vicregl import VICRegL, VICRegLHead, feature_positions
from .vicregl_loss import VICRegLLoss, nearest_matches

__all__ = [
    'cross_correlation',
    'effective_rank',
    'correlation_stats',
    'BarlowTwinsLoss',
    'GatheredCrossCorrelationHead',
    'FullGatherLayer',
    'gather_with_grad',
    'off_diagonal',
    'SSLAugmentDataPreprocessor',
    'ViewAugment',
    'VICReg',
    'VICRegExpander',
    'VICRegHead',
    'VICRegLoss',
    'VICRegL',
    'VICRegLHead',
    'feature_positions',
    'VICRegLLoss',
    'nearest_matches',
    'PretrainedDETR',
    'UPDETR',
    'UPDETRHead',
]
