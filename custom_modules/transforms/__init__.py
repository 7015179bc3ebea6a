from .loading import LoadImageChecked
from .query_patches import RandomQueryPatches
from .ssl_view import FastSSLView, MultiViewWithBoxes, SSLCropFlip

__all__ = [
    'LoadImageChecked',
    'FastSSLView',
    'SSLCropFlip',
    'MultiViewWithBoxes',
    'RandomQueryPatches',
]
