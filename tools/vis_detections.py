"""Ground truth (left) beside predictions with scores (right) for N validation images, as one
grid PNG (the report's Figure 1).

    python tools/vis_detections.py CONFIG CKPT [--num 6] [--select random|worst|best]
        [--pool 100] [--score-thr 0.3] [--out PNG] [--data-root DIR] [--cfg-options k=v ...]

``worst`` and ``best`` rank a random pool of ``--pool`` images by the F1 score of their
predictions above the threshold at IoU 0.5, so the picture shows where the detector fails or
succeeds rather than an arbitrary sample.
"""

import argparse
import os.path as osp

import cv2
import numpy as np
import torch

from custom_modules.datasets.image_io import read_image
from custom_modules.progress import progress
from tools.lib.config import add_data_arguments
from tools.lib.models import load_detector

CELL = 320  # pixels on the longer side of each picture in the grid


def predict(model, dataset, idx):
    """Boxes (K, 4), scores (K,), labels (K,) of one dataset image, in original pixels."""
    from mmengine.dataset import pseudo_collate

    with torch.no_grad():
        out = model.test_step(pseudo_collate([dataset[idx]]))[0].pred_instances
    return out.bboxes.cpu().numpy(), out.scores.cpu().numpy(), out.labels.cpu().numpy()


def iou(a, b):
    """(N, 4) x (M, 4) -> (N, M) IoU of xyxy boxes."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter + 1e-9)


def f1(gt_boxes, gt_labels, boxes, labels):
    """F1 at IoU 0.5 (same class, greedy one-to-one) of kept predictions vs ground truth."""
    if len(gt_boxes) == 0 and len(boxes) == 0:
        return 1.0
    if len(gt_boxes) == 0 or len(boxes) == 0:
        return 0.0
    m = iou(boxes, gt_boxes) * (labels[:, None] == gt_labels[None])
    tp, used = 0, set()
    for i in range(len(boxes)):
        j = int(np.argmax(m[i]))
        if m[i, j] >= 0.5 and j not in used:
            used.add(j)
            tp += 1
    return 2 * tp / (len(boxes) + len(gt_boxes))


def draw(img, boxes, labels, classes, colour, scores=None):
    img = img.copy()
    for k, (box, label) in enumerate(zip(boxes, labels)):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(img, (x1, y1), (x2, y2), colour, 2)
        text = classes[label] + (f' {scores[k]:.2f}' if scores is not None else '')
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        y = max(y1, th + 2)
        cv2.rectangle(img, (x1, y - th - 2), (x1 + tw + 2, y), colour, -1)
        cv2.putText(img, text, (x1 + 1, y - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                    cv2.LINE_AA)  # fmt: skip
    return img


def panel(img, boxes, labels, classes, colour, text, scores=None, size=CELL):
    """The image scaled to ``size`` on its longer side, boxes drawn at that scale, and a
    caption strip below."""
    h, w = img.shape[:2]
    s = size / max(h, w)
    img = cv2.resize(img, (int(round(w * s)), int(round(h * s))), interpolation=cv2.INTER_CUBIC)
    out = np.full((size + 20, size, 3), 255, np.uint8)
    out[: img.shape[0], : img.shape[1]] = draw(img, boxes * s, labels, classes, colour, scores)
    cv2.putText(out, text, (4, size + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)  # fmt: skip
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--num', type=int, default=6, help='images (rows)')
    parser.add_argument('--select', choices=['random', 'worst', 'best'], default='random')
    parser.add_argument('--pool', type=int, default=100, help='images ranked for worst/best')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='PNG (default: next to the checkpoint)')
    add_data_arguments(parser)
    args = parser.parse_args(argv)

    model, dataset = load_detector(args.config, args.checkpoint, args.cfg_options, args.data_root)
    classes = dataset.metainfo['classes']
    rng = np.random.default_rng(args.seed)
    pool = args.num if args.select == 'random' else max(args.pool, args.num)
    candidates = rng.choice(len(dataset), size=min(pool, len(dataset)), replace=False)
    rows = []
    for idx in progress(candidates, 'predicting', unit='image'):
        info = dataset.get_data_info(int(idx))
        gt_boxes = np.array([i['bbox'] for i in info['instances']], np.float32).reshape(-1, 4)
        gt_labels = np.array([i['bbox_label'] for i in info['instances']], np.int64)
        boxes, scores, labels = predict(model, dataset, int(idx))
        keep = scores >= args.score_thr
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        rows.append((f1(gt_boxes, gt_labels, boxes, labels), info, gt_boxes, gt_labels,
                     boxes, scores, labels))  # fmt: skip
    if args.select != 'random':
        rows.sort(key=lambda r: r[0], reverse=args.select == 'best')
    rows = rows[: args.num]
    grid = []
    for score, info, gt_boxes, gt_labels, boxes, scores, labels in rows:
        img, _ = read_image(info['img_path'])
        left = panel(img, gt_boxes, gt_labels, classes, (80, 200, 80),
                     f'#{info["img_id"]} ground truth')  # fmt: skip
        right = panel(img, boxes, labels, classes, (60, 160, 255),
                      f'predictions >= {args.score_thr} (F1@.5 {score:.2f})', scores)  # fmt: skip
        gap = np.full((left.shape[0], 6, 3), 255, np.uint8)
        grid.append(np.hstack([left, gap, right]))
    out = args.out or osp.splitext(args.checkpoint)[0] + f'_detections_{args.select}.png'
    cv2.imwrite(out, np.vstack(grid))
    print(
        f'{out}: {len(grid)} images ({args.select}), mean F1@.5 '
        f'{np.mean([r[0] for r in rows]):.3f} at score >= {args.score_thr}'
    )
    return out


if __name__ == '__main__':
    main()
