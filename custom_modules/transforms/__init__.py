from .loading import LoadImageChecked
from .ssl_view import FastSSLView

__all__ = ['LoadImageChecked', 'FastSSLView']
