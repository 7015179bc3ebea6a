"""UP-DETR's random query patches: crops of the image that the detector must find again."""

from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes


@TRANSFORMS.register_module()
class RandomQueryPatches(BaseTransform):
    """Crop ``num_patches`` random patches; their boxes become the image's ground truth.

    As in UP-DETR (``get_random_patch_from_img``): each patch's width and height are uniform
    in ``[min_size, side - min_size]`` and its position uniform inside the image. The crops are
    resized to ``patch_size`` x ``patch_size`` and kept in the image's colour order (BGR); the
    detector normalises them with its data preprocessor. Put it before ``Resize``, which then
    rescales the boxes with the image.

    Required keys: ``img``. Added keys: ``gt_bboxes`` (``HorizontalBoxes``, (M, 4), pixels),
    ``gt_bboxes_labels`` (M,) zeros (one class, "patch"), ``gt_ignore_flags`` (M,),
    ``query_patches`` (uint8, (M, patch_size, patch_size, 3)), ``instances`` (the boxes as
    label dicts, in the original image, for ``CocoMetric``) and ``img_id`` (``sample_idx``
    unless set).

    Args:
        num_patches (int): Patches per image ``M``. Defaults to 10.
        min_size (int): Smallest patch side in pixels. Defaults to 8.
        patch_size (int): Side the crops are resized to. Defaults to 128.
        seed (int, optional): With a seed, the patches of an image depend only on the seed
            and the image's ``sample_idx`` (the same boxes for every model: evaluation);
            without, they are drawn from NumPy's global generator (training).
        mismatch (bool): Evaluation control: the crops are cut from a second, independent
            set of random boxes, while the targets stay the first set (the same boxes as
            without it). A model that finds its query patches loses its AP; one that has only
            learned where patches usually are keeps it. Defaults to False.
    """

    def __init__(
        self,
        num_patches: int = 10,
        min_size: int = 8,
        patch_size: int = 128,
        seed: Optional[int] = None,
        mismatch: bool = False,
    ):
        self.num_patches = num_patches
        self.min_size = min_size
        self.patch_size = patch_size
        self.seed = seed
        self.mismatch = mismatch

    def _sides_and_offset(self, rng, side: int):
        lo = min(self.min_size, side)
        length = int(rng.integers(lo, max(lo, side - self.min_size) + 1))
        return length, int(rng.integers(0, side - length + 1))

    def _box(self, rng, w: int, h: int):
        pw, x = self._sides_and_offset(rng, w)
        ph, y = self._sides_and_offset(rng, h)
        return [x, y, x + pw, y + ph]

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        if self.seed is None:
            rng = np.random.default_rng(np.random.randint(2**31))
        else:
            rng = np.random.default_rng([self.seed, int(results.get('sample_idx', 0))])
        boxes = [self._box(rng, w, h) for _ in range(self.num_patches)]
        crop_boxes = [self._box(rng, w, h) for _ in boxes] if self.mismatch else boxes
        patches = [
            mmcv.imresize(img[y1:y2, x1:x2], (self.patch_size, self.patch_size))
            for x1, y1, x2, y2 in crop_boxes
        ]
        boxes = np.array(boxes, dtype=np.float32)
        results['gt_bboxes'] = HorizontalBoxes(boxes)
        results['gt_bboxes_labels'] = np.zeros(self.num_patches, dtype=np.int64)
        results['gt_ignore_flags'] = np.zeros(self.num_patches, dtype=bool)
        results['query_patches'] = np.stack(patches).astype(np.uint8)
        results['instances'] = [dict(bbox=b.tolist(), bbox_label=0, ignore_flag=0) for b in boxes]
        results.setdefault('img_id', results.get('sample_idx', 0))
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(num_patches={self.num_patches}, min_size={self.min_size}, '
            f'patch_size={self.patch_size}, seed={self.seed}, mismatch={self.mismatch})'
        )
