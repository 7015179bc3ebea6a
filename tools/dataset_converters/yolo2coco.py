"""Write YOLO txt labels as a COCO instances json (for CheckedCocoDataset and every COCO tool).

    python tools/dataset_converters/yolo2coco.py IMAGES LABELS CLASSES.txt OUT.json

YOLO keeps one ``LABELS/<stem>.txt`` per image of ``IMAGES`` (any folder tree; the same relative
path), one ``<class> <cx> <cy> <w> <h>`` line per box, the centre and size normalised to the
image; ``CLASSES.txt`` names class 0, 1, ... one a line. Images are in the order
``UnlabeledImageDataset`` lists them (``image_folder.py``), ids 1, 2, ...; ``file_name`` is
relative to IMAGES; category ids are 1..K in the class order. An image without a label file is
an image without objects. A malformed line (not five numbers, a class out of range, a
non-finite number) is left out and named by file and line; the json is written anyway and the
tool exits 1, so that ``tools/check_dataset.py OUT.json --images IMAGES`` is the next step.
"""

import argparse
import json
import math
import os.path as osp
import sys

from PIL import Image

from custom_modules.datasets import list_images


def convert(img_dir: str, label_dir: str, classes: list):
    """The COCO dict of a YOLO data set, and a list of the problems (``'file:line: what'``)."""
    images, annotations, problems = [], [], []
    for k, rel in enumerate(n.decode() for n in list_images(img_dir)):
        with Image.open(osp.join(img_dir, rel)) as im:
            width, height = im.size
        images.append(dict(id=k + 1, file_name=rel, width=width, height=height))
        txt = osp.join(label_dir, osp.splitext(rel)[0] + '.txt')
        if not osp.isfile(txt):
            continue
        with open(txt, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.split()
                try:
                    c, cx, cy, w, h = int(parts[0]), *map(float, parts[1:])
                except (ValueError, TypeError):
                    problems.append(f'{txt}:{n}: not "<class> <cx> <cy> <w> <h>": {line.strip()!r}')
                    continue
                if not 0 <= c < len(classes):
                    problems.append(
                        f'{txt}:{n}: class {c} is not one of the {len(classes)} classes'
                    )
                    continue
                if not all(map(math.isfinite, (cx, cy, w, h))):
                    problems.append(f'{txt}:{n}: a non-finite number: {line.strip()!r}')
                    continue
                bw, bh = w * width, h * height
                annotations.append(dict(id=len(annotations) + 1, image_id=k + 1,
                                        category_id=c + 1, iscrowd=0, area=bw * bh,
                                        bbox=[(cx - w / 2) * width, (cy - h / 2) * height,
                                              bw, bh]))  # fmt: skip
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    info = dict(description=f'{label_dir} (tools/dataset_converters/yolo2coco.py)')
    coco = dict(info=info, images=images, annotations=annotations, categories=categories)
    return coco, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('images', help='the image folder (any tree)')
    parser.add_argument('labels', help='the folder of <stem>.txt labels (the same tree)')
    parser.add_argument('classes', help='a text file: the class names, one a line')
    parser.add_argument('out_json')
    args = parser.parse_args(argv)
    with open(args.classes, encoding='utf-8') as f:
        classes = [ln.strip() for ln in f if ln.strip()]
    coco, problems = convert(args.images, args.labels, classes)
    with open(args.out_json, 'w') as f:
        json.dump(coco, f)
    print(f'{args.out_json}: {len(coco["images"])} images, {len(coco["annotations"])} boxes, '
          f'{len(classes)} categories')  # fmt: skip
    for p in problems:
        print(f'left out: {p}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
