"""Write one split of the NYU labeled layout as COCO json.

    python tools/dataset_converters/nyu2coco.py data/nyu/labeled/validation OUT.json [--demo]

Category ids are 1..K in the class order (NYU_CLASSES, or DEMO_CLASSES with --demo), ``bbox``
is ``[x, y, w, h]``, an image's ``id`` is its file number and ``file_name`` its image file
(relative to ``<split>/images``). Boxes are repaired exactly as the training dataset repairs
them (clipped to the image, empty ones dropped); files the dataset would refuse stop the
conversion with the full list.
"""

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from custom_modules.datasets import (  # noqa: E402
    DEMO_CLASSES,
    NYU_CLASSES,
    DatasetError,
    describe_problems,
    index_split,
)


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
    return dict(images=images, annotations=annotations, categories=categories)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('split_dir', help='e.g. data/nyu/labeled/validation')
    parser.add_argument('out_json')
    parser.add_argument('--demo', action='store_true', help='use the demo data class list')
    args = parser.parse_args(argv)
    coco = convert(args.split_dir, DEMO_CLASSES if args.demo else NYU_CLASSES)
    with open(args.out_json, 'w') as f:
        json.dump(coco, f)
    print(
        f'{args.out_json}: {len(coco["images"])} images, {len(coco["annotations"])} boxes, '
        f'{len(coco["categories"])} categories'
    )


if __name__ == '__main__':
    main()
