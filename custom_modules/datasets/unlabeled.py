"""Unlabeled images, every image file under a folder (or listed in a file), as an mmpretrain and
mmdet dataset."""

import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .image_folder import list_images, read_list_file
from .image_io import IMAGE_EXTENSIONS
from .packed import PackedImages, PackError


@DATASETS.register_module()
class UnlabeledImageDataset(BaseDataset):
    """Every image under one folder, without labels, for self-supervised pretraining.

    The folder is walked recursively (``train/n01440764/x.JPEG``; symbolic links followed, each
    real folder once, folders starting with a dot skipped), taking the files whose extension is
    one of ``extensions`` in any case, in a stable order (``image_folder.py``: folder by folder,
    numeric names in numeric order, so a flat folder of ``<id>.PNG`` is read in id order); or,
    with ``ann_file``, the images a text file lists, in its order. Unreadable files are skipped
    as they load (``LoadImageChecked(on_error='skip')``) and named, with files sharing a stem,
    by ``tools/check_dataset.py``.

    The index is a single NumPy byte-string array of relative paths (``os.scandir``, no
    ``stat`` per file, no per-image dict), so 512K files index in about a second and cost a
    few MB per dataloader worker (see ``benchmarks/bench_index.py``).

    Args:
        data_root (str): Root of the data set.
        data_prefix (str | dict): Image folder relative to ``data_root``, as a string or
            ``dict(img_path=...)``. Defaults to ``data_root`` itself.
        ann_file (str): Optional list file (relative to ``data_root`` unless absolute), one
            image path per line relative to the image folder; ``#`` lines are comments.
        extensions (Sequence[str]): File extensions to take (case-insensitive).
        pipeline (Sequence): Transforms; the first usually loads ``img_path``.
        max_images (int, optional): Keep only the first N images (in the order above), e.g.
            for a quick run on a large folder.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`. ``split`` and
            ``with_label`` (passed by mmpretrain's dataset configs) are accepted and
            ignored.
    """

    METAINFO = dict(classes=())

    def __init__(
        self,
        data_root: str = '',
        data_prefix='',
        ann_file: str = '',
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
            ann_file=ann_file,
            pipeline=pipeline,
            serialize_data=False,
            **kwargs,
        )

    @property
    def img_dir(self) -> str:
        return self.data_prefix['img_path'] or self.data_root

    def full_init(self):
        if self._fully_initialized:
            return
        names = self._index_folder()
        self.names = names[self._selection(len(names))]
        self._fully_initialized = True

    def _index_folder(self) -> np.ndarray:
        """Every image's path relative to the folder (bytes), in the dataset's order."""
        if not osp.isdir(self.img_dir):
            raise FileNotFoundError(
                f'{self.img_dir} does not exist: the unlabeled images of the train_dataloader '
                f'dataset (data_root={self.data_root!r}). Move every dataloader and hook with '
                f'--data-root DIR (tools/train.py), or set train_dataloader.dataset.data_root'
            )
        if self.ann_file:
            names = read_list_file(self.ann_file)
            if not len(names):
                raise FileNotFoundError(f'{self.ann_file} lists no image')
            return names
        names = list_images(self.img_dir, self.extensions)
        if not len(names):
            raise FileNotFoundError(f'no {self.extensions} images in or under {self.img_dir}')
        return names

    def _selection(self, n: int) -> np.ndarray:
        """The positions (in the dataset's order) of the images kept: the first
        ``max_images``, then mmengine's ``indices``."""
        rows = np.arange(n)[: self.max_images]
        if not len(rows):
            raise FileNotFoundError(f'max_images={self.max_images} keeps no image')
        if isinstance(self._indices, int):  # mmengine: the first (or, negative, last) N
            k = self._indices
            rows = rows[:k] if k >= 0 else rows[k:]
        elif self._indices is not None:
            rows = rows[np.asarray(self._indices, dtype=np.int64)]
        return rows

    def load_data_list(self):
        raise NotImplementedError('UnlabeledImageDataset keeps its index in self.names')

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.names)

    def get_data_info(self, idx: int) -> dict:
        name = self.names[idx].decode()
        return dict(img_path=osp.join(self.img_dir, name), sample_idx=int(idx))


@DATASETS.register_module()
class PackedUnlabeledImageDataset(UnlabeledImageDataset):
    """:class:`UnlabeledImageDataset` read from its packed, already-decoded copy
    (``tools/pack_unlabeled.py``): the same images in the same order, whose pixels come from
    a memory-mapped file instead of a PNG decode (``custom_modules/datasets/packed.py``).

    Each sample arrives with what ``LoadImageChecked`` adds (``img``: (H, W, 3) uint8 BGR,
    bit for bit the PNG's unless the pack was made with ``--max-side``; ``img_shape``,
    ``ori_shape``; ``img_path`` names the PNG), so its pipeline starts after the loading
    transform. The folder is still indexed, and each file's size and mtime compared with the
    pack's record (one ``stat`` each, in the main process): a pack that misses an image, lists
    one that is gone or has one that changed is refused with the command that re-packs. A file
    that did not decode when packed is skipped (mmengine draws another sample), as
    ``LoadImageChecked(on_error='skip')`` skips it.

    Args:
        pack (str, optional): The pixel file, relative to ``data_root`` unless absolute.
            Defaults to ``<data_root>/<data_prefix>.packed`` (``unlabeled.packed``).
        **kwargs: :class:`UnlabeledImageDataset`'s arguments.
    """

    def __init__(self, pack: Optional[str] = None, **kwargs):
        self._pack_arg = pack
        self.images = None
        self._warned = set()
        super().__init__(**kwargs)

    @property
    def pack_file(self) -> str:
        default = self.img_dir.rstrip('/') + '.packed'
        return default if self._pack_arg is None else osp.join(self.data_root, self._pack_arg)

    def repack_command(self, max_side: int = 0) -> str:
        """The command that packs this dataset's folder into :attr:`pack_file` again."""
        img_dir = self.img_dir.rstrip('/')
        cmd = f'python tools/pack_unlabeled.py {img_dir or "."}'
        if osp.abspath(self.pack_file) != osp.abspath(img_dir + '.packed'):
            cmd += f' --out {self.pack_file}'
        return cmd + (f' --max-side {max_side}' if max_side else '')

    def full_init(self):
        if self._fully_initialized:
            return
        names = self._index_folder()
        try:
            images = PackedImages(self.pack_file)
        except PackError as e:
            raise PackError(f'{e}; pack {self.img_dir} with: {self.repack_command()}') from None
        stale = images.stale(self.img_dir, names)
        if stale:
            raise PackError(
                f'{self.pack_file} is stale: {stale} in {self.img_dir} since it was packed; '
                f're-pack with: {self.repack_command(images.max_side)}'
            )
        rows = self._selection(len(names))
        images.keep(rows)
        self.names, self.images = names[rows], images
        self._fully_initialized = True

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        img = self.images[idx]
        info['img'] = img
        if img is not None:
            info['img_shape'] = info['ori_shape'] = img.shape[:2]
        return info

    def prepare_data(self, idx: int):
        info = self.get_data_info(idx)
        if info['img'] is None:
            if info['img_path'] not in self._warned:
                self._warned.add(info['img_path'])
                print_log(f'skipping a bad image (pid {os.getpid()}): {info["img_path"]} did '
                          f'not decode when packed', logger='current', level=30)  # fmt: skip
            return None
        return self.pipeline(info)


# The same folder of images for mmdet configs (UP-DETR pretraining, whose targets come from
# the RandomQueryPatches transform).
MMDET_DATASETS.register_module(name='UnlabeledImageDataset', module=UnlabeledImageDataset)
MMDET_DATASETS.register_module(name='PackedUnlabeledImageDataset',
                               module=PackedUnlabeledImageDataset)  # fmt: skip
