from .classes import DEMO_CLASSES, DIGIT_CLASSES, NYU_CLASSES
from .image_io import ImageReadError, read_image
from .nyu_labeled import DatasetError, NYUDetDataset, describe_problems, index_split
from .nyu_labels import Problem, parse_label_file
from .nyu_unlabeled import NYUUnlabeledDataset, PackedNYUUnlabeledDataset, list_unlabeled
from .packed import PackedImages, PackError, write_pack

__all__ = [
    'DEMO_CLASSES',
    'DIGIT_CLASSES',
    'NYU_CLASSES',
    'ImageReadError',
    'Problem',
    'parse_label_file',
    'read_image',
    'DatasetError',
    'NYUDetDataset',
    'index_split',
    'describe_problems',
    'NYUUnlabeledDataset',
    'PackedNYUUnlabeledDataset',
    'list_unlabeled',
    'PackedImages',
    'PackError',
    'write_pack',
]
