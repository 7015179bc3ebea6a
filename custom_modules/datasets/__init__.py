from .builder import build_det_dataset
from .classes import DEMO_CLASSES, DIGIT_CLASSES, NYU_CLASSES
from .coco import CheckedCocoDataset, read_coco
from .image_folder import list_images, read_list_file
from .image_io import ImageReadError, read_image
from .label_fraction import LabelFractionDataset, label_subset
from .nyu_labeled import NYUDetDataset, nyu_layout_datasets
from .packed import PackedImages, PackError, write_pack
from .problems import DatasetError, Problem, describe_problems
from .unlabeled import PackedUnlabeledImageDataset, UnlabeledImageDataset

__all__ = [
    'DEMO_CLASSES',
    'DIGIT_CLASSES',
    'NYU_CLASSES',
    'ImageReadError',
    'Problem',
    'read_image',
    'DatasetError',
    'NYUDetDataset',
    'build_det_dataset',
    'LabelFractionDataset',
    'label_subset',
    'describe_problems',
    'UnlabeledImageDataset',
    'PackedUnlabeledImageDataset',
    'list_images',
    'read_list_file',
    'PackedImages',
    'PackError',
    'write_pack',
    'CheckedCocoDataset',
    'read_coco',
    'nyu_layout_datasets',
]
