from .loading import LoadImageChecked
from .query_patches import RandomQueryPatches
from .ssl_view import FastSSLView, MultiViewWithBoxes

__all__ = ['LoadImageChecked', 'FastSSLView', 'MultiViewWithBoxes', 'RandomQueryPatches']
