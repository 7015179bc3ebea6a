"""The pixels a model sees: images normalised as its data preprocessor normalises its inputs."""

import torch
from torch import Tensor


def normalize_like(preprocessor, images: Tensor) -> Tensor:
    """Normalise BGR images as ``preprocessor`` (mmengine's ``ImgDataPreprocessor`` or a
    subclass: mmdet's ``DetDataPreprocessor``, mmpretrain's ``SelfSupDataPreprocessor``) does:
    channels reversed when it converts them (``bgr_to_rgb``/``to_rgb``), then ``(x - mean) /
    std`` when it normalises. No padding, no batch augmentation.

    For code that feeds the backbone itself (the k-NN probe's crops, UP-DETR's query patches).

    Args:
        preprocessor (nn.Module): The model's ``data_preprocessor``.
        images (Tensor): (N, 3, H, W), BGR as loaded by mmcv/OpenCV, any dtype.

    Returns:
        Tensor: (N, 3, H, W) float32, on the preprocessor's device.
    """
    device = next(iter(preprocessor.buffers()), torch.empty(0)).device
    x = images.to(device)
    if preprocessor._channel_conversion:
        x = x[:, [2, 1, 0]]
    x = x.float()
    if preprocessor._enable_normalize:
        x = (x - preprocessor.mean) / preprocessor.std
    return x
