from .loading import LoadImageChecked
from .query_patches import RandomQueryPatches

__all__ = ['LoadImageChecked', 'RandomQueryPatches']
