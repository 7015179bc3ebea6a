"""Write the NYU labeled layout as COCO json: one split, or a whole data set as a user's own.

    python tools/dataset_converters/nyu2coco.py data/nyu/labeled/validation OUT.json [--demo]
    python tools/dataset_converters/nyu2coco.py data/demo OUT_DIR --demo [--unlabeled-tree [N]]

Category ids are 1..K in the class order (NYU_CLASSES, or DEMO_CLASSES with --demo), ``bbox``
is ``[x, y, w, h]``, an image's ``id`` is its file number and ``file_name`` its image file
(relative to ``<split>/images``). Boxes are repaired exactly as the training dataset repairs
them (clipped to the image, empty ones dropped); files the dataset would refuse stop the
conversion with the full list.

Given a data set root (holding ``labeled/``), it writes the whole set in the layout of
``configs/_base_/datasets/coco_detection_splits.py``: ``OUT_DIR/annotations/{training,
validation}.json``, the images in ``OUT_DIR/{training,validation}/`` and the unlabeled images
in ``OUT_DIR/unlabeled/`` (hard links where the file system allows, else copies). With
``--unlabeled-tree`` the unlabeled images go into nested folders of 1,000 (``0/``, ``1/``, ...)
(``--unlabeled-tree N``: of N) with extensions in mixed case (``.PNG``, ``.png``, ``.Png``),
as a photo collection often is;
``UnlabeledImageDataset`` reads them in the same order as the flat folder.
"""

import argparse
import json
import os
import os.path as osp
import shutil

from custom_modules.datasets import (
    DEMO_CLASSES,
    NYU_CLASSES,
    DatasetError,
    describe_problems,
    list_images,
)
from custom_modules.datasets.nyu_labeled import index_split

SPLITS = ('training', 'validation')


def convert(split_dir: str, classes=NYU_CLASSES) -> dict:
    """The COCO dict of one split folder (holding ``images/`` and ``labels/``)."""
    data_list, problems = index_split(
        osp.join(split_dir, 'images'), osp.join(split_dir, 'labels'), tuple(classes)
    )
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise DatasetError(f'{len(fatal)} unusable file(s):\n{describe_problems(fatal)}')
    images, annotations = [], []
    for info in data_list:
        images.append(
            dict(
                id=info['img_id'],
                file_name=osp.basename(info['img_path']),
                width=info['width'],
                height=info['height'],
            )
        )
        for inst in info['instances']:
            x1, y1, x2, y2 = inst['bbox']
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=info['img_id'],
                    category_id=inst['bbox_label'] + 1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=0,
                )
            )
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    info = dict(description=f'{split_dir} (tools/dataset_converters/nyu2coco.py)')
    return dict(info=info, images=images, annotations=annotations, categories=categories)


def _place(src: str, dst: str):
    os.makedirs(osp.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def convert_root(root: str, out: str, classes=NYU_CLASSES, unlabeled_tree: int = 0):
    """Write the data set under ``root`` (NYU layout) into ``out`` as COCO json and folders;
    ``unlabeled_tree``: that many unlabeled images a nested folder, mixed-case extensions (0:
    one flat folder, as they are). Returns ``{split: number of images}`` (and
    ``'unlabeled'``)."""
    counts = {}
    for split in SPLITS:
        split_dir = osp.join(root, 'labeled', split)
        if not osp.isdir(split_dir):
            continue
        coco = convert(split_dir, classes)
        for img in coco['images']:
            _place(osp.join(split_dir, 'images', img['file_name']),
                   osp.join(out, split, img['file_name']))  # fmt: skip
        os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
        with open(osp.join(out, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
        counts[split] = len(coco['images'])
    un_dir = osp.join(root, 'unlabeled')
    if osp.isdir(un_dir):
        names = [n.decode() for n in list_images(un_dir)]
        for k, name in enumerate(names):
            dst = name
            if unlabeled_tree:
                stem, ext = osp.splitext(name)
                ext = (ext.upper(), ext.lower(), ext[:2].upper() + ext[2:].lower())[k % 3]
                dst = osp.join(str(k // unlabeled_tree), stem + ext)
            _place(osp.join(un_dir, name), osp.join(out, 'unlabeled', dst))
        counts['unlabeled'] = len(names)
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('split_dir', help='a split (data/nyu/labeled/validation) or a root')
    parser.add_argument('out_json', help='the json of a split, the output folder of a root')
    parser.add_argument('--demo', action='store_true', help='use the demo data class list')
    parser.add_argument(
        '--unlabeled-tree',
        type=int,
        nargs='?',
        const=1000,
        default=0,
        metavar='N',
        help='a root: unlabeled images in nested folders of N (default 1000), mixed-case '
        'extensions',
    )
    args = parser.parse_args(argv)
    classes = DEMO_CLASSES if args.demo else NYU_CLASSES
    if osp.isdir(osp.join(args.split_dir, 'labeled')):
        counts = convert_root(args.split_dir, args.out_json, classes, args.unlabeled_tree)
        print(f'{args.out_json}: ' + ', '.join(f'{n} {k}' for k, n in counts.items()) +
              ' images; annotations/*.json')  # fmt: skip
        return
    coco = convert(args.split_dir, classes)
    with open(args.out_json, 'w') as f:
        json.dump(coco, f)
    print(
        f'{args.out_json}: {len(coco["images"])} images, {len(coco["annotations"])} boxes, '
        f'{len(coco["categories"])} categories'
    )


if __name__ == '__main__':
    main()
