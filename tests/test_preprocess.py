"""normalize_like gives the backbone the pixels the model's data preprocessor would, for every
channel order; the k-NN probe and UP-DETR's query patches go through it."""

import numpy as np
import pytest
import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmpretrain.models.utils.data_preprocessor import SelfSupDataPreprocessor

from custom_modules.hooks import pooled_features
from custom_modules.models.preprocess import normalize_like

MEAN, STD = [124.0, 117.0, 104.0], [58.0, 57.0, 57.5]


@pytest.mark.parametrize('kind', ['mmdet', 'mmpretrain'])
@pytest.mark.parametrize('bgr_to_rgb', [True, False])
def test_same_pixels_as_the_preprocessor(kind, bgr_to_rgb):
    images = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    images[:, 0] = 0  # channels differ: a wrong flip cannot go unseen
    if kind == 'mmdet':
        pre = DetDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=bgr_to_rgb)
        want = pre(dict(inputs=list(images), data_samples=None))['inputs']
    else:
        pre = SelfSupDataPreprocessor(mean=MEAN, std=STD, to_rgb=bgr_to_rgb)
        want = pre(dict(inputs=[images], data_samples=None))['inputs'][0]
    assert torch.allclose(normalize_like(pre, images), want)


class Backbone(torch.nn.Module):
    def forward(self, x):
        return (x,)


@pytest.mark.parametrize('bgr_to_rgb', [True, False])
def test_knn_probe_features_follow_the_channel_order(bgr_to_rgb):
    crops = np.random.default_rng(0).integers(0, 256, (3, 4, 4, 3), dtype=np.uint8)
    model = torch.nn.Module()
    model.backbone = Backbone()
    model.weight = torch.nn.Parameter(torch.zeros(1))
    model.data_preprocessor = DetDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=bgr_to_rgb)
    (features,) = pooled_features(model, crops)
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float()  # BGR
    if bgr_to_rgb:
        x = x[:, [2, 1, 0]]
    want = ((x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)).mean(
        dim=(2, 3)
    )
    assert torch.allclose(features, want, atol=1e-5)
