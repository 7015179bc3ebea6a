"""What the two demo sources share: the background photos, and writing the labeled splits
(JPEG + YAML labels, the NYU layout) and the unlabeled images."""

import os
import os.path as osp

import cv2
import numpy as np
import yaml

PHOTOS_ATTRIBUTION = """\
Backgrounds: crops of the two photographs bundled with scikit-learn
(sklearn.datasets.load_sample_images): china.jpg and flower.jpg, CC BY 2.0
(https://creativecommons.org/licenses/by/2.0/), some rights reserved by danielbuechele and
vultilion on Flickr.
"""


def load_photos():
    from sklearn.datasets import load_sample_images

    return [np.ascontiguousarray(img[..., ::-1]) for img in load_sample_images().images]


def photo_crop(rng, photos, w, h):
    """A random crop of one of ``photos`` resized to (h, w), mirrored at random, with its
    brightness and colour shifted: (h, w, 3) float32 in 0-255."""
    photo = photos[rng.integers(len(photos))]
    scale = rng.uniform(0.25, 0.8)
    ph, pw = photo.shape[:2]
    cw, ch = min(pw, int(w / scale)), min(ph, int(h / scale))
    x, y = rng.integers(0, pw - cw + 1), rng.integers(0, ph - ch + 1)
    img = cv2.resize(photo[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    img = img.astype(np.float32) * rng.uniform(0.6, 1.2) + rng.uniform(-30, 30, size=3)
    return img.clip(0, 255)


def box_iou(a, b):
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def write_split(out, split, n, make):
    """``n`` labeled images from ``make()`` -> (BGR uint8, boxes, labels), as JPEG + YAML."""
    img_dir = osp.join(out, 'labeled', split, 'images')
    ann_dir = osp.join(out, 'labeled', split, 'labels')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    for i in range(1, n + 1):
        img, boxes, labels = make()
        cv2.imwrite(osp.join(img_dir, f'{i}.JPEG'), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        doc = dict(
            image_size=[int(img.shape[1]), int(img.shape[0])],
            bboxes=[[int(v) for v in b] for b in boxes],
            labels=labels,
        )
        with open(osp.join(ann_dir, f'{i}.yml'), 'w') as f:
            yaml.safe_dump(doc, f, default_flow_style=None, sort_keys=False)


def write_unlabeled(out, n, make):
    """``n`` unlabeled images from ``make()`` -> BGR uint8, as ``OUT/unlabeled/<i>.PNG``."""
    un_dir = osp.join(out, 'unlabeled')
    os.makedirs(un_dir, exist_ok=True)
    for i in range(1, n + 1):
        cv2.imwrite(osp.join(un_dir, f'{i}.PNG'), make(), [cv2.IMWRITE_PNG_COMPRESSION, 1])
