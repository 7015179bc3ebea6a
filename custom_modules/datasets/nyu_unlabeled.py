"""The NYU unlabeled layout (``<root>/unlabeled/<id>.PNG``) as an mmpretrain and mmdet dataset."""

import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS

from .image_io import IMAGE_EXTENSIONS
from .nyu_labels import scan_dir, sort_key


@DATASETS.register_module()
class NYUUnlabeledDataset(BaseDataset):
    """Every image in one folder, without labels, for self-supervised pretraining.

    The index is a single NumPy byte-string array of file names (one ``os.scandir``, no
    ``stat`` per file, no per-image dict), so 512K files index in about a second and cost a
    few MB per dataloader worker (see ``benchmarks/bench_index.py``).

    Args:
        data_root (str): Root of the data set.
        data_prefix (str | dict): Image folder relative to ``data_root``, as a string or
            ``dict(img_path=...)``. Defaults to ``'unlabeled'``.
        extensions (Sequence[str]): File extensions to take (case-insensitive).
        pipeline (Sequence): Transforms; the first usually loads ``img_path``.
        max_images (int, optional): Keep only the first N images (by id), e.g. for a
            quick run on a large folder.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`. ``split`` and
            ``with_label`` (passed by mmpretrain's dataset configs) are accepted and
            ignored.
    """

    METAINFO = dict(classes=())

    def __init__(
        self,
        data_root: str = '',
        data_prefix='unlabeled',
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        pipeline: Sequence = (),
        max_images: Optional[int] = None,
        **kwargs,
    ):
        kwargs.pop('split', None)
        kwargs.pop('with_label', None)
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        self.extensions = tuple(e.lower() for e in extensions)
        self.max_images = max_images
        self.names = np.zeros((0,), dtype='S1')
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=pipeline,
            serialize_data=False,
            **kwargs,
        )

    @property
    def img_dir(self) -> str:
        return self.data_prefix['img_path']

    def full_init(self):
        if self._fully_initialized:
            return
        if not osp.isdir(self.img_dir):
            raise FileNotFoundError(
                f'{self.img_dir} does not exist: the unlabeled images of the train_dataloader '
                f'dataset (data_root={self.data_root!r}). Move every dataloader and hook with '
                f'--data-root DIR (tools/train.py), or set train_dataloader.dataset.data_root'
            )
        found = scan_dir(self.img_dir, self.extensions)
        stems = sorted(found, key=sort_key)
        if self.max_images is not None:
            stems = stems[: self.max_images]
        if not stems:
            raise FileNotFoundError(f'no {self.extensions} images in {self.img_dir}')
        self.names = np.array([found[s].encode() for s in stems])
        if isinstance(self._indices, int):  # mmengine: the first (or, negative, last) N
            k = self._indices
            self.names = self.names[:k] if k >= 0 else self.names[k:]
        elif self._indices is not None:
            self.names = self.names[np.asarray(self._indices, dtype=np.int64)]
        self._fully_initialized = True

    def load_data_list(self):
        raise NotImplementedError('NYUUnlabeledDataset keeps its index in self.names')

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.names)

    def get_data_info(self, idx: int) -> dict:
        name = self.names[idx].decode()
        return dict(img_path=osp.join(self.img_dir, name), sample_idx=int(idx))


# The same folder of images for mmdet configs (UP-DETR pretraining, whose targets come from
# the RandomQueryPatches transform).
MMDET_DATASETS.register_module(name='NYUUnlabeledDataset', module=NYUUnlabeledDataset)
