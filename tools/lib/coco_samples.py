"""Synthetic COCO-style detections for checking and timing detection metrics."""

import numpy as np
import torch


def make_samples(n_images, n_classes=100, seed=0, width=640, height=480):
    """Synthetic detections, as the detector's test loop hands them to a metric.

    ``n_images`` images of ``width`` x ``height`` with 1-10 ground-truth boxes each (sides
    log-uniform in 8-300 px, 2% crowd) and 13-40 detections each: jittered copies of the ground
    truth (30% with a random class) and random boxes, scores uniform in 0.05-1.

    Args:
        n_images (int): Images.
        n_classes (int): Class ids drawn from ``range(n_classes)``.
        seed (int): The samples are a function of the arguments.
        width (int), height (int): Image size in px.

    Returns:
        list[dict]: Per image ``img_id``, ``ori_shape``, ``instances`` (``bbox``,
        ``bbox_label``, ``ignore_flag``) and ``pred_instances`` (``bboxes`` (K, 4) float32,
        ``scores`` (K,), ``labels`` (K,) int64 tensors).
    """
    rng = np.random.default_rng(seed)
    samples = []
    for img_id in range(n_images):
        n_gt = int(rng.integers(1, 11))
        side = np.exp(rng.uniform(np.log(8), np.log(300), size=(n_gt, 2)))
        xy = rng.uniform(0, 1, size=(n_gt, 2)) * (np.array([width, height]) - side).clip(1)
        gt = np.concatenate([xy, np.minimum(xy + side, [width, height])], 1).astype(np.float32)
        gt_labels = rng.integers(0, n_classes, n_gt)
        crowd = (rng.uniform(size=n_gt) < 0.02).astype(int)
        n_det = int(rng.integers(13, 41))
        n_near = n_det // 2
        src = rng.integers(0, n_gt, n_near)
        wh = gt[src, 2:] - gt[src, :2]
        near = gt[src] + rng.normal(0, 0.12, size=(n_near, 4)) * np.concatenate([wh, wh], 1)
        near_labels = np.where(
            rng.uniform(size=n_near) < 0.7, gt_labels[src], rng.integers(0, n_classes, n_near)
        )
        n_far = n_det - n_near
        fside = np.exp(rng.uniform(np.log(8), np.log(300), size=(n_far, 2)))
        fxy = rng.uniform(0, 1, size=(n_far, 2)) * (np.array([width, height]) - fside).clip(1)
        far = np.concatenate([fxy, fxy + fside], 1)
        boxes = np.concatenate([near, far]).clip(0, [width, height, width, height])
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        labels = np.concatenate([near_labels, rng.integers(0, n_classes, n_far)])
        scores = rng.uniform(0.05, 1.0, n_det)
        samples.append(
            dict(
                img_id=img_id,
                ori_shape=(height, width),
                instances=[
                    dict(bbox=b.tolist(), bbox_label=int(lab), ignore_flag=int(c))
                    for b, lab, c in zip(gt, gt_labels, crowd)
                ],
                pred_instances=dict(
                    bboxes=torch.from_numpy(boxes.astype(np.float32)),
                    scores=torch.from_numpy(scores.astype(np.float32)),
                    labels=torch.from_numpy(labels.astype(np.int64)),
                ),
            )
        )
    return samples
