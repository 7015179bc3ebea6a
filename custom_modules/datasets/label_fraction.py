"""A fraction of any detection dataset's labeled images: the label-efficiency study's subsets."""

import copy
from typing import List, Sequence, Union

import numpy as np
from mmdet.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log


def label_subset(labels: Sequence[Sequence[int]], fraction: float, seed: int = 0) -> List[int]:
    """The positions of a class-stratified ``fraction`` of the images, in their order.

    Each image is assigned to the rarest class among its objects (the class with the fewest
    objects in the whole list; images without objects form one more group), and every group
    keeps ``max(1, round(fraction * size))`` of its images, drawn by a generator seeded with
    ``seed``. So each class keeps about ``fraction`` of its images and none disappears.

    Args:
        labels (Sequence[Sequence[int]]): Each image's object labels (``bbox_label``).
        fraction (float): In (0, 1].
        seed (int): The draw's seed.

    Returns:
        list[int]: The chosen positions, sorted.
    """
    counts = {}
    for image in labels:
        for c in image:
            counts[c] = counts.get(c, 0) + 1
    groups = {}
    for k, image in enumerate(labels):
        key = min(set(image), key=lambda c: (counts[c], c)) if len(image) else -1
        groups.setdefault(key, []).append(k)
    rng = np.random.default_rng(seed)
    chosen = []
    for key in sorted(groups):
        idx = groups[key]
        n = max(1, round(fraction * len(idx)))
        chosen += [idx[j] for j in rng.permutation(len(idx))[:n]]
    return sorted(chosen)


def epoch_indices(n: int, subset: List[int], seed: int) -> List[int]:
    """``subset`` repeated to ``n`` entries: whole repeats, then a remainder drawn by ``seed``
    (in the subset's order), so that an epoch keeps the full dataset's length."""
    repeats, extra = divmod(n, len(subset))
    rng = np.random.default_rng([seed, 1])
    rest = [subset[k] for k in sorted(rng.permutation(len(subset))[:extra])]
    return subset * repeats + rest


@DATASETS.register_module()
class LabelFractionDataset(BaseDataset):
    """Train on a class-stratified, seeded fraction of any detection dataset's images.

    A wrapper in the spirit of mmengine's ``RepeatDataset`` / ``ClassBalancedDataset`` around an
    mmdet detection dataset (``NYUDetDataset``, ``CheckedCocoDataset``, mmdet's ``CocoDataset``
    or ``VOCDataset``, a ``ConcatDataset``): after the dataset's own filtering it keeps the
    images :func:`label_subset` draws, in the dataset's order, and (``repeat_to_full``) repeats
    them so that an epoch has the full dataset's length: a schedule in epochs then takes the same
    number of steps at every fraction. The same ``seed`` gives the same images whatever the
    model, so every initialisation of a comparison sees the same labels. A sample that fails to
    load is replaced by another of the subset, never by an image outside it. In test mode (the
    wrapped dataset's ``test_mode``) every image is kept.

    Args:
        dataset (dict | BaseDataset): The dataset, or its config.
        fraction (float): In (0, 1]; 1 keeps every image.
        seed (int): The subset's seed (``run_matrix.py`` uses the run's seed).
        repeat_to_full (bool): Repeat the subset to the full length (whole repeats, the
            remainder drawn by ``seed``); otherwise an epoch is the subset once.
        lazy_init (bool): Defer indexing to the first use, as mmengine's wrappers do.
        max_refetch (int): Draws of another sample when one fails to load.
    """

    def __init__(
        self,
        dataset: Union[dict, BaseDataset],
        fraction: float = 1.0,
        seed: int = 0,
        repeat_to_full: bool = True,
        lazy_init: bool = False,
        max_refetch: int = 1000,
    ):
        # BaseDataset's __init__ (which indexes files) is not called: the subclass is for the
        # isinstance checks of mmengine's ConcatDataset (Soft Teacher's labeled half)
        if not 0 < fraction <= 1:
            raise ValueError(f'fraction must be in (0, 1], got {fraction!r}')
        if isinstance(dataset, dict):  # in mmdet's scope whatever the caller's default
            dataset = DATASETS.build(dict(dataset, _scope_=dataset.get('_scope_', 'mmdet')))
        self.dataset = dataset
        self.fraction, self.seed = float(fraction), int(seed)
        self.repeat_to_full, self.max_refetch = repeat_to_full, max_refetch
        self._metainfo = self.dataset.metainfo
        self.indices: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    @property
    def test_mode(self) -> bool:
        return getattr(self.dataset, 'test_mode', False)

    def full_init(self):
        if self._fully_initialized:
            return
        self.dataset.full_init()
        self._metainfo = self.dataset.metainfo  # a dataset may read its classes from its files
        n = len(self.dataset)
        if self.fraction >= 1 or self.test_mode or n == 0:
            self.indices = list(range(n))
        else:
            labels = [[i['bbox_label'] for i in self.dataset.get_data_info(k)['instances']]
                      for k in range(n)]  # fmt: skip
            subset = label_subset(labels, self.fraction, self.seed)
            self.indices = epoch_indices(n, subset, self.seed) if self.repeat_to_full else subset
            print_log(
                f'fraction={self.fraction}: {len(subset)} of {n} images (seed {self.seed})'
                + (f', repeated to {n} per epoch' if self.repeat_to_full else ''),
                logger='current',
            )
        self._fully_initialized = True

    def __len__(self) -> int:
        self.full_init()
        return len(self.indices)

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(self.indices[idx])

    def get_cat_ids(self, idx: int) -> List[int]:
        self.full_init()
        return self.dataset.get_cat_ids(self.indices[idx])

    def __getitem__(self, idx: int) -> dict:
        """The sample, as mmengine's ``BaseDataset.__getitem__`` gives it (the same draws of
        NumPy's global generator when a sample fails to load), from the subset only."""
        self.full_init()
        if self.test_mode:
            data = self.dataset.prepare_data(self.indices[idx])
            if data is None:
                raise Exception('Test time pipeline should not get `None` data_sample')
            return data
        for _ in range(self.max_refetch + 1):
            data = self.dataset.prepare_data(self.indices[idx])
            if data is not None:
                return data
            idx = np.random.randint(0, len(self))
        raise Exception(f'Cannot find valid image after {self.max_refetch}! Please check your '
                        'image path and pipeline')  # fmt: skip

    def __repr__(self) -> str:
        return (f'LabelFractionDataset(fraction={self.fraction}, seed={self.seed}, '
                f'{len(self.indices)} samples of {self.dataset!r})')  # fmt: skip
