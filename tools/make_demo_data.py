"""Write a small detection data set in the NYU layout, from images that ship with packages.

    python tools/make_demo_data.py data/demo [--seed 0] [--unlabeled 3000] [--train 600] [--val 200]
    python tools/make_demo_data.py data/demo_seen --val-seen-only   # a diagnostic split, below
    python tools/make_demo_data.py data/demo_dense --unlabeled-objects 4 8 --unlabeled-sizes 28 56

Objects are scikit-learn's bundled handwritten digits (1,797 real 8x8 scans of ten classes),
smoothly upscaled to 12-44 px, coloured and alpha-blended at random places onto crops of the
two photographs scikit-learn ships (``china.jpg``, ``flower.jpg``), with clutter (strokes,
rectangles, ellipses and digit fragments without labels). Nothing is downloaded; the output
is a function of the seed.

Layout written (as the competition's)::

    OUT/unlabeled/<id>.PNG
    OUT/labeled/{training,validation}/images/<id>.JPEG
    OUT/labeled/{training,validation}/labels/<id>.yml   # bboxes, labels, image_size

The validation split draws its digits from scans never used in training or in the unlabeled
set, so the score measures generalisation to new handwriting. ``--val-seen-only`` writes only a
validation split (same seed, same size) whose digits come from the scans the training and
unlabeled images use: scored beside the default split, it separates "has not learned digits"
from "has learned these particular digits". ``--unlabeled-objects``/``--unlabeled-sizes`` set
how many digits an unlabeled image holds and how large (default 0-5 of 12-44 px, as in the
labeled images); the labeled splits do not change with them.
"""

import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
import yaml

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from custom_modules.datasets.classes import DEMO_CLASSES  # noqa: E402

VAL_GLYPHS = 300  # the last 300 scans are kept for the validation split


def load_sources():
    from sklearn.datasets import load_digits, load_sample_images

    digits = load_digits()
    photos = [np.ascontiguousarray(img[..., ::-1]) for img in load_sample_images().images]
    glyphs = (digits.images / 16.0).astype(np.float32)
    return glyphs, digits.target.astype(int), photos


def background(rng, photos, w, h):
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


def glyph_mask(glyph, w, h, rng):
    mask = cv2.resize(glyph, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    if rng.random() < 0.5:  # thicker or thinner strokes
        k = np.ones((2, 2), np.uint8)
        mask = cv2.dilate(mask, k) if rng.random() < 0.5 else cv2.erode(mask, k)
    return mask


def paste(img, mask, x, y, rng):
    h, w = mask.shape
    region = img[y : y + h, x : x + w]
    local = region.reshape(-1, 3).mean(0)
    colour = np.where(local > 127, rng.uniform(0, 90, 3), rng.uniform(165, 255, 3))
    alpha = mask[..., None] * rng.uniform(0.75, 1.0)
    img[y : y + h, x : x + w] = region * (1 - alpha) + colour * alpha


def clutter(img, rng, glyphs):
    h, w = img.shape[:2]
    for _ in range(rng.integers(2, 7)):
        colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
        kind = rng.integers(4)
        p1 = (int(rng.integers(w)), int(rng.integers(h)))
        p2 = (int(rng.integers(w)), int(rng.integers(h)))
        if kind == 0:
            cv2.line(img, p1, p2, colour, int(rng.integers(1, 3)), cv2.LINE_AA)
        elif kind == 1:
            cv2.rectangle(img, p1, p2, colour, int(rng.integers(1, 3)))
        elif kind == 2:
            axes = (int(rng.integers(3, w // 4)), int(rng.integers(3, h // 4)))
            cv2.ellipse(img, p1, axes, float(rng.uniform(0, 180)), 0, 360, colour, 1, cv2.LINE_AA)
        else:  # a quarter of a digit: stroke-like, but not an object
            g = glyphs[rng.integers(len(glyphs))]
            part = g[:4, :4] if rng.random() < 0.5 else g[4:, 4:]
            s = int(rng.integers(8, 20))
            m = cv2.resize(part, (s, s), interpolation=cv2.INTER_CUBIC).clip(0, 1)
            x, y = int(rng.integers(0, w - s)), int(rng.integers(0, h - s))
            paste(img, m, x, y, rng)


def make_image(rng, glyphs, targets, photos, objects=(1, 5), sizes=(12, 44)):
    """One image with ``objects`` (lo, hi) digits of nominal size ``sizes`` (lo, hi) px."""
    w, h = int(rng.integers(96, 161)), int(rng.integers(96, 161))
    img = background(rng, photos, w, h)
    clutter(img, rng, glyphs)
    boxes, labels = [], []
    n = int(rng.integers(objects[0], objects[1] + 1))
    for _ in range(50):
        if len(boxes) >= n:
            break
        size = int(rng.integers(sizes[0], sizes[1] + 1))
        gw = int(np.clip(size * rng.uniform(0.75, 1.1), 10, w - 2))
        gh = int(np.clip(size * rng.uniform(1.0, 1.3), 10, h - 2))
        x, y = int(rng.integers(0, w - gw)), int(rng.integers(0, h - gh))
        cand = np.array([x, y, x + gw, y + gh], np.float32)
        if any(_iou(cand, b) > 0.1 for b in boxes):
            continue
        k = int(rng.integers(len(glyphs)))
        mask = glyph_mask(glyphs[k], gw, gh, rng)
        ys, xs = np.nonzero(mask > 0.25)
        if len(xs) == 0:
            continue
        paste(img, mask, x, y, rng)
        boxes.append(
            np.array([x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1], np.float32)
        )
        labels.append(DEMO_CLASSES[targets[k]])
    noise = rng.normal(0, rng.uniform(2, 8), img.shape)
    return (img + noise).clip(0, 255).astype(np.uint8), boxes, labels


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def write_labeled(out, split, n, rng, glyphs, targets, photos):
    img_dir = osp.join(out, 'labeled', split, 'images')
    ann_dir = osp.join(out, 'labeled', split, 'labels')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    for i in range(1, n + 1):
        img, boxes, labels = make_image(rng, glyphs, targets, photos)
        cv2.imwrite(osp.join(img_dir, f'{i}.JPEG'), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        doc = dict(
            image_size=[int(img.shape[1]), int(img.shape[0])],
            bboxes=[[int(v) for v in b] for b in boxes],
            labels=labels,
        )
        with open(osp.join(ann_dir, f'{i}.yml'), 'w') as f:
            yaml.safe_dump(doc, f, default_flow_style=None, sort_keys=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='output folder, e.g. data/demo')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--unlabeled', type=int, default=3000)
    parser.add_argument('--train', type=int, default=600)
    parser.add_argument('--val', type=int, default=200)
    parser.add_argument(
        '--unlabeled-objects',
        type=int,
        nargs=2,
        default=(0, 5),
        metavar=('MIN', 'MAX'),
        help='digits per unlabeled image',
    )
    parser.add_argument(
        '--unlabeled-sizes',
        type=int,
        nargs=2,
        default=(12, 44),
        metavar=('MIN', 'MAX'),
        help='nominal digit size in unlabeled images, px',
    )
    parser.add_argument(
        '--val-seen-only',
        action='store_true',
        help='write only a validation split drawn from the training scans',
    )
    args = parser.parse_args(argv)

    glyphs, targets, photos = load_sources()
    train_g, train_t = glyphs[:-VAL_GLYPHS], targets[:-VAL_GLYPHS]
    val_g, val_t = glyphs[-VAL_GLYPHS:], targets[-VAL_GLYPHS:]
    rngs = [np.random.default_rng([args.seed, i]) for i in range(3)]
    if args.val_seen_only:
        write_labeled(args.out, 'validation', args.val, rngs[1], train_g, train_t, photos)
        print(f'wrote {args.val} validation images of seen handwriting to {args.out}')
        return
    write_labeled(args.out, 'training', args.train, rngs[0], train_g, train_t, photos)
    write_labeled(args.out, 'validation', args.val, rngs[1], val_g, val_t, photos)
    un_dir = osp.join(args.out, 'unlabeled')
    os.makedirs(un_dir, exist_ok=True)
    for i in range(1, args.unlabeled + 1):
        img, _, _ = make_image(rngs[2], train_g, train_t, photos, args.unlabeled_objects,
                               args.unlabeled_sizes)  # fmt: skip
        cv2.imwrite(osp.join(un_dir, f'{i}.PNG'), img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    print(
        f'wrote {args.unlabeled} unlabeled, {args.train} training and {args.val} validation '
        f'images to {args.out} (seed {args.seed})'
    )


if __name__ == '__main__':
    main()
