"""An online k-NN probe of the backbone on object crops, logged while SSL trains."""

from typing import Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..datasets.builder import build_det_dataset
from ..datasets.image_io import ImageReadError, read_image
from ..models.preprocess import normalize_like
from ..progress import progress


def object_crops(dataset: Union[dict, object], size: int, max_crops: int, seed: int = 0):
    """Square crops around the labelled boxes of a detection dataset, resized to ``size``.

    Args:
        dataset (dict | BaseDataset): A labeled dataset or its config (the dict a dataloader
            has: any format, e.g. ``NYUDetDataset``, ``CheckedCocoDataset``); a config is built
            in test mode (every image, unfiltered) without a pipeline.
        size (int): Side of the crops.
        max_crops (int): Crops kept (a random subset, fixed by ``seed``, in dataset order).

    Returns:
        tuple[np.ndarray, np.ndarray]: (N, size, size, 3) uint8 BGR crops, (N,) labels.
    """
    ds = build_det_dataset(dataset, test_mode=True) if isinstance(dataset, dict) else dataset
    infos = (ds.get_data_info(i) for i in range(len(ds)))
    boxes = [(d['img_path'], i['bbox'], i['bbox_label'])
             for d in infos for i in d['instances']]  # fmt: skip
    rng = np.random.default_rng(seed)
    if len(boxes) > max_crops:
        boxes = [boxes[i] for i in sorted(rng.choice(len(boxes), max_crops, replace=False))]
    crops, labels, cache = [], [], {}
    for path, (x1, y1, x2, y2), label in progress(
        boxes, f'k-NN probe crops ({len(boxes)})', unit='crop'
    ):
        if path not in cache:
            try:
                cache = {path: read_image(path)[0]}
            except ImageReadError:
                continue
        img = cache[path]
        cx, cy, half = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1) * 0.6
        h, w = img.shape[:2]
        xa, ya = int(max(0, cx - half)), int(max(0, cy - half))
        xb, yb = int(min(w, cx + half)), int(min(h, cy + half))
        if xb - xa < 2 or yb - ya < 2:
            continue
        crops.append(cv2.resize(img[ya:yb, xa:xb], (size, size), interpolation=cv2.INTER_AREA))
        labels.append(label)
    return np.stack(crops), np.array(labels)


@torch.no_grad()
def pooled_features(model, crops, batch: int = 256):
    """Globally average-pooled features of each backbone output for BGR uint8 ``crops``
    (N, H, W, 3), normalised as the model's data preprocessor does (``normalize_like``): a
    list of (N, C) float tensors on the CPU, one per output of ``model.backbone``."""
    chunks = []
    for i in range(0, len(crops), batch):
        x = torch.from_numpy(crops[i : i + batch]).permute(0, 3, 1, 2)
        x = normalize_like(model.data_preprocessor, x).to(next(model.parameters()).device)
        chunks.append([f.float().mean(dim=(2, 3)).cpu() for f in model.backbone(x)])
    return [torch.cat(level) for level in zip(*chunks)]


def knn_top1(train_f, train_y, test_f, test_y, k: int = 20, t: float = 0.07) -> float:
    """Weighted k-NN top-1 accuracy (cosine similarity, weights exp(sim / t)) of
    L2-normalised features."""
    sim, idx = (test_f @ train_f.T).topk(min(k, len(train_f)), dim=1)
    votes = torch.zeros(len(test_f), int(max(train_y.max(), test_y.max())) + 1)
    votes.scatter_add_(1, train_y[idx], (sim / t).exp())
    return float((votes.argmax(1) == test_y).float().mean())


@HOOKS.register_module()
class KNNProbeHook(Hook):
    """Before training and after every ``interval`` epochs, embed object crops of a labeled
    training set (the memory) and a labeled validation set (the queries) with the backbone
    (global average pool of its last output, eval mode) and log the k-NN top-1 accuracy:
    whether pretraining helps shows long before a 40-epoch fine-tune. Each probe is one log
    line naming the epochs trained, the scalars ``knn/top1`` and ``knn/epoch`` of the
    visualizer (``vis_data/scalars.json``, TensorBoard) at that iteration, and ``knn/top1`` in
    the message hub, whose history every checkpoint keeps (``tools/lib/results.knn_probes``).
    It is not a ``train/`` scalar, so iteration lines do not repeat a stale value.

    Args:
        train_dataset (dict): The memory's labeled dataset config, the dict a detection
            dataloader has (any format: ``NYUDetDataset``, ``CheckedCocoDataset``, mmdet's
            ``CocoDataset`` ...); its classes are the labels. Built in test mode, no pipeline.
        val_dataset (dict): The queries' dataset config, likewise.
        crop_size (int): Side of the resized crops.
        max_train (int), max_val (int): Crops kept from each set (random, fixed seed).
        k (int), temperature (float): The k-NN classifier's parameters.
        interval (int): Epochs between two probes.
    """

    priority = 'LOW'

    def __init__(
        self,
        train_dataset: dict,
        val_dataset: dict,
        crop_size: int = 64,
        max_train: int = 5000,
        max_val: int = 1000,
        k: int = 20,
        temperature: float = 0.07,
        interval: int = 1,
    ):
        self.train_dataset, self.val_dataset = train_dataset, val_dataset
        self.crop_size, self.max_train, self.max_val = crop_size, max_train, max_val
        self.k, self.temperature, self.interval = k, temperature, interval
        self._data = None

    def _crops(self):
        if self._data is None:
            self._data = (
                object_crops(self.train_dataset, self.crop_size, self.max_train),
                object_crops(self.val_dataset, self.crop_size, self.max_val),
            )
        return self._data

    def _embed(self, model, crops):
        return F.normalize(pooled_features(model, crops)[-1], dim=1)

    def probe(self, runner, epochs: int) -> float:
        """Probe the model after ``epochs`` epochs of training (0: before training)."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        (train_x, train_y), (val_x, val_y) = self._crops()
        was_training = model.training
        model.eval()
        try:
            train_f, val_f = self._embed(model, train_x), self._embed(model, val_x)
        finally:
            model.train(was_training)
        acc = knn_top1(train_f, torch.from_numpy(train_y), val_f, torch.from_numpy(val_y),
                       self.k, self.temperature)  # fmt: skip
        runner.message_hub.update_scalar('knn/top1', acc)
        runner.visualizer.add_scalars({'knn/top1': acc, 'knn/epoch': epochs}, step=runner.iter)
        runner.logger.info(
            f'k-NN probe (epoch {epochs}): top-1 {acc:.4f} on '
            f'{len(val_y)} validation crops, memory {len(train_y)} crops'
        )
        return acc

    def before_train(self, runner):
        if runner.rank == 0:
            self.probe(runner, runner.epoch)  # 0, or the epochs a resumed run has done

    def after_train_epoch(self, runner):
        # runner.epoch counts the epochs done before this one (mmengine increments it after
        # the after_train_epoch hooks): log the epochs trained, so that "epoch 0" is only
        # ever the probe before training
        if runner.rank == 0 and self.every_n_epochs(runner, self.interval):
            self.probe(runner, runner.epoch + 1)
