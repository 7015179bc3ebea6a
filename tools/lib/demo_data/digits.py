"""The demo data's earlier source, ``--source digits``: scikit-learn's bundled handwritten
digits (1,797 real 8x8 scans of ten classes), upscaled, coloured and blended onto crops of the
two photos with stroke clutter (the package's docstring says why it is no longer the default)."""

import cv2
import numpy as np

from custom_modules.datasets.classes import DIGIT_CLASSES

from .common import box_iou, photo_crop, write_split, write_unlabeled

ATTRIBUTION = """\
Objects: the handwritten digits bundled with scikit-learn (sklearn.datasets.load_digits; UCI
"Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak, CC BY 4.0).
"""

VAL_SCANS = 300  # the last 300 scans are kept for the validation split


def load_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(int)


def digit_mask(scan, w, h, rng):
    mask = cv2.resize(scan, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)
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


def clutter(img, rng, scans):
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
            g = scans[rng.integers(len(scans))]
            part = g[:4, :4] if rng.random() < 0.5 else g[4:, 4:]
            s = int(rng.integers(8, 20))
            m = cv2.resize(part, (s, s), interpolation=cv2.INTER_CUBIC).clip(0, 1)
            x, y = int(rng.integers(0, w - s)), int(rng.integers(0, h - s))
            paste(img, m, x, y, rng)


def digit_scene(rng, scans, targets, photos, objects=(1, 5), sizes=(12, 44)):
    """One image with ``objects`` (lo, hi) digits of nominal size ``sizes`` (lo, hi) px."""
    w, h = int(rng.integers(96, 161)), int(rng.integers(96, 161))
    img = photo_crop(rng, photos, w, h)
    clutter(img, rng, scans)
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
        if any(box_iou(cand, b) > 0.1 for b in boxes):
            continue
        k = int(rng.integers(len(scans)))
        mask = digit_mask(scans[k], gw, gh, rng)
        ys, xs = np.nonzero(mask > 0.25)
        if len(xs) == 0:
            continue
        paste(img, mask, x, y, rng)
        boxes.append(
            np.array([x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1], np.float32)
        )
        labels.append(DIGIT_CLASSES[targets[k]])
    noise = rng.normal(0, rng.uniform(2, 8), img.shape)
    return (img + noise).clip(0, 255).astype(np.uint8), boxes, labels


def write(args, rngs, photos):
    """The digit source's splits (``write_demo_data``'s options in ``args``)."""
    scans, targets = load_digits()
    train_s, train_t = scans[:-VAL_SCANS], targets[:-VAL_SCANS]
    val_s, val_t = scans[-VAL_SCANS:], targets[-VAL_SCANS:]

    def scene(rng, g, t):
        return lambda: digit_scene(rng, g, t, photos)

    if args.val_seen_only:
        write_split(args.out, 'validation', args.val, scene(rngs[1], train_s, train_t))
        return
    write_split(args.out, 'training', args.train, scene(rngs[0], train_s, train_t))
    write_split(args.out, 'validation', args.val, scene(rngs[1], val_s, val_t))
    write_unlabeled(args.out, args.unlabeled,
                    lambda: digit_scene(rngs[2], train_s, train_t, photos, args.unlabeled_objects,
                                       args.unlabeled_sizes)[0])  # fmt: skip
