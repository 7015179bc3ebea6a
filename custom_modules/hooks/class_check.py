"""The detector's class count against the dataset's class list, before any work is done."""

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class ClassCountMismatchError(ValueError):
    """A head's ``num_classes`` differs from the number of class names of the dataset."""


def check_class_count(model, dataset, split: str) -> None:
    """Raise :class:`ClassCountMismatchError` naming both numbers when a head with
    ``num_classes`` (the RPN's is class-agnostic and skipped) disagrees with
    ``dataset.metainfo['classes']``."""
    if is_model_wrapper(model):
        model = model.module
    classes = dataset.metainfo.get('classes')
    if classes is None:
        return
    for name, module in model.named_modules():
        n = getattr(module, 'num_classes', None)
        if not isinstance(n, int) or name.endswith('rpn_head'):
            continue
        if n != len(classes):
            raise ClassCountMismatchError(
                f'model.{name}.num_classes is {n} but the {split} dataset '
                f'({type(dataset).__name__}) has {len(classes)} classes. Set '
                f"model.{name}.num_classes={len(classes)}, or the dataset's "
                f'metainfo=dict(classes=...) to the {n} classes the head was built for.'
            )


@HOOKS.register_module()
class ClassCountCheckHook(Hook):
    """Run :func:`check_class_count` before training, validation and testing.

    A head with more outputs than the data has classes trains silently with unused outputs;
    one with fewer fails deep in a loss (an index error, or a CUDA assert) mid-epoch. mmdet's
    ``NumClassCheckHook`` uses ``assert`` (gone under ``python -O``) and skips testing.
    """

    def before_train(self, runner) -> None:
        check_class_count(runner.model, runner.train_dataloader.dataset, 'train')

    def before_val(self, runner) -> None:
        check_class_count(runner.model, runner.val_dataloader.dataset, 'val')

    def before_test(self, runner) -> None:
        check_class_count(runner.model, runner.test_dataloader.dataset, 'test')
