"""Write a small detection data set in the NYU layout, from images that ship with packages.

    python tools/make_demo_data.py data/demo [--seed 0] [--unlabeled 3000] [--train 600] [--val 200]
    python tools/make_demo_data.py data/demo_seen --val-seen-only     # a diagnostic split
    python tools/make_demo_data.py data/demo --probe 300              # + the recipe probe's splits
    python tools/make_demo_data.py data/demo_digits --source digits   # the earlier demo data

What the images are (OpenMoji glyphs on muted backgrounds by default, or scikit-learn's
handwritten digits), the held-out validation drawings, ``--pool objects``,
``--val-seen-only`` and ``--probe``: ``tools/lib/demo_data/``. Nothing is downloaded; the
output is a function of the seed. Layout written (as the competition's)::

    OUT/unlabeled/<id>.PNG
    OUT/labeled/{training,validation}/images/<id>.JPEG
    OUT/labeled/{training,validation}/labels/<id>.yml   # bboxes, labels, image_size
    OUT/ATTRIBUTION.txt
"""

import argparse

from tools.lib.demo_data import write_demo_data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='output folder, e.g. data/demo')
    parser.add_argument(
        '--source',
        choices=['glyphs', 'digits'],
        default='glyphs',
        help='objects: OpenMoji glyphs (default) or handwritten digits',
    )
    parser.add_argument(
        '--pool',
        choices=['all', 'objects'],
        default='all',
        help='glyphs: draw unlabeled objects and distractors from every glyph '
        '(default) or only from those that depict things',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--unlabeled', type=int, default=3000)
    parser.add_argument('--train', type=int, default=600)
    parser.add_argument('--val', type=int, default=200)
    pair = dict(type=int, nargs=2, metavar=('MIN', 'MAX'))
    parser.add_argument(
        '--unlabeled-objects', **pair, help='digits per unlabeled image (digits only; default 0 5)'
    )
    parser.add_argument(
        '--unlabeled-sizes',
        **pair,
        help='nominal digit size in unlabeled images, px (digits only; default 12 44)',
    )
    parser.add_argument(
        '--val-seen-only',
        action='store_true',
        help='write only a validation split drawn from the training objects',
    )
    parser.add_argument(
        '--probe',
        type=int,
        default=0,
        metavar='N',
        help='write only the probe splits (labeled/probe_memory, labeled/probe_queries), N '
        'images each: a new drawing of a known class, without the validation drawings '
        '(glyphs only; tools/probe_backbone.py --probe-data)',
    )
    parser.add_argument(
        '--unlabeled-background',
        choices=['muted', 'flat'],
        default='muted',
        help="glyphs: the unlabeled images' backgrounds: muted fields and photo crops "
        '(default) or one flat grey (a control: only the objects are left to agree on)',
    )
    args = parser.parse_args(argv)
    if args.source == 'digits' and args.unlabeled_background != 'muted':
        parser.error('--unlabeled-background applies to --source glyphs')
    if args.probe and (args.source != 'glyphs' or args.val_seen_only):
        parser.error('--probe writes glyph probe splits only (no --source digits, --val-seen-only)')
    if args.source == 'glyphs' and (args.unlabeled_objects or args.unlabeled_sizes):
        parser.error('--unlabeled-objects/--unlabeled-sizes apply to --source digits')
    args.unlabeled_objects = args.unlabeled_objects or (0, 5)
    args.unlabeled_sizes = args.unlabeled_sizes or (12, 44)
    write_demo_data(**vars(args))  # the options are the function's arguments
    if args.val_seen_only:
        print(f'wrote {args.val} validation images of seen {args.source} to {args.out}')
        return
    if args.probe:
        print(f'wrote {args.probe} probe memory and {args.probe} probe query images to {args.out}')
        return
    print(
        f'wrote {args.unlabeled} unlabeled, {args.train} training and {args.val} validation '
        f'images ({args.source}) to {args.out} (seed {args.seed})'
    )


if __name__ == '__main__':
    main()
