"""bf16 autocast + channels_last training on the CPU and on GPUs.

mmengine's ``AmpOptimWrapper`` refuses the CPU, yet CPUs with AMX-BF16 (Sapphire Rapids and
later) run bf16 convolutions several times faster than fp32, and faster still when activations
are channels_last. :class:`BF16OptimWrapper` is a drop-in ``OptimWrapper``: switch any config
with ``optim_wrapper.type=BF16OptimWrapper``. bf16 has fp32's exponent range, so no loss scaling.

What runs in which precision:

* convolutions, linear layers and matmuls: bf16 (torch autocast's own list);
* every module whose class name ends with ``Loss``, every function decorated with
  :func:`fp32` (the SSL heads' ``loss``) and ``fp32_modules`` (the SSL projectors, whose
  outputs are normalised over the batch, where bf16 rounding of the embedding would swamp its
  small spread at initialisation: the first gradient's cosine to fp32's drops from 0.99 to
  0.95 at batch 16): fp32, autocast off, inputs cast to fp32;
* ``fp32_ops`` (mmcv's RoIAlign/RoIPool, which have no bf16 kernel and read channels_last
  input wrongly): fp32 on contiguous inputs, output cast back to the input's dtype;
* ``fp32_outputs`` (mmdet's dense and bbox heads): their convs run in bf16, their outputs are
  cast to fp32, so that anchors, box decoding, NMS and the losses work in fp32 (bf16 boxes
  would be off by up to 4 px at 1333 px).
"""

import contextlib
import functools
import os
from typing import Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import MessageHub, print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

_DEVICE_TYPES = ('cpu', 'cuda')
# mmcv ops without bf16 kernels, which also read channels_last input wrongly (RoIAlign)
FP32_OPS = ('RoIAlign', 'RoIPool')
# SSL projectors: their outputs are normalised over the batch, where bf16 rounding (relative to
# the embedding, not to its spread over the batch) would swamp the signal
FP32_MODULES = ('NonLinearNeck', 'VICRegExpander')
# heads whose outputs are decoded (anchors, boxes, NMS): mmdet 2.x's ``force_fp32`` places
FP32_OUTPUTS = ('BaseDenseHead', 'BBoxHead', 'FCNMaskHead')
# (autocast-off context, input dtype) of each fp32 region a forward pre-hook opened (LIFO)
_OPEN_REGIONS = []


def _autocast_off() -> contextlib.ExitStack:
    """A context that disables every autocast currently on."""
    stack = contextlib.ExitStack()
    for device_type in _DEVICE_TYPES:
        if torch.is_autocast_enabled(device_type):
            stack.enter_context(torch.autocast(device_type, enabled=False))
    return stack


_LOW = (torch.bfloat16, torch.float16)


def _cast(obj, dtype=torch.float32, contiguous=False):
    """``obj`` with its floating tensors (also inside lists, tuples, dicts) cast to ``dtype``;
    towards fp32 only bf16/fp16 tensors are cast (fp64 stays fp64)."""
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point():
            if dtype != torch.float32 or obj.dtype in _LOW:
                obj = obj.to(dtype)
            return obj.contiguous() if contiguous else obj
        return obj
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(_cast(o, dtype, contiguous) for o in obj)
    if isinstance(obj, dict):
        return {k: _cast(v, dtype, contiguous) for k, v in obj.items()}
    return obj


def _first_float_dtype(obj):
    if isinstance(obj, torch.Tensor):
        return obj.dtype if obj.is_floating_point() else None
    if isinstance(obj, (list, tuple)):
        obj = list(obj)
    elif isinstance(obj, dict):
        obj = list(obj.values())
    else:
        return None
    for o in obj:
        dtype = _first_float_dtype(o)
        if dtype is not None:
            return dtype
    return None


def fp32(fn):
    """Decorator: run ``fn`` in fp32 under any autocast (bf16/fp16 tensor arguments cast to
    float32, autocast disabled; fp64 stays fp64). Used for losses, which must not be
    computed in bf16."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _autocast_off():
            return fn(*_cast(args), **_cast(kwargs))

    return wrapper


def _fp32_pre_hook(contiguous):
    def hook(module, args, kwargs):
        _OPEN_REGIONS.append((_autocast_off(), _first_float_dtype((args, kwargs))))
        return _cast(args, contiguous=contiguous), _cast(kwargs, contiguous=contiguous)

    return hook


def _fp32_post_hook(cast_back):
    def hook(module, args, kwargs, output):
        stack, in_dtype = _OPEN_REGIONS.pop()
        stack.close()
        if cast_back and in_dtype in _LOW:
            return _cast(output, in_dtype)
        return output

    return hook


def _cpu_has(check: str) -> bool:
    """``torch.cpu.<check>()`` (``'_is_amx_tile_supported'``...), False where torch lacks it."""
    return bool(getattr(torch.cpu, check, lambda: False)())


def native_bf16(device_type: str) -> bool:
    """Whether bf16 autocast pays on ``device_type``: a GPU that supports bf16, or a CPU with
    AMX-BF16 (Sapphire Rapids and later), where the demo's Barlow Twins step ran 2.2x faster
    than in fp32.

    AVX512-BF16 alone does not count: on such a Xeon (no AMX) the demo's steps were no faster
    or slower in bf16 (Barlow Twins 0.50 s in bf16 + channels_last vs 0.44 s in fp32 +
    channels_last; Faster R-CNN 1.09 s vs 0.86 s; one thread, ``benchmarks/bench_train_step.py``),
    and without either oneDNN emulates bf16, slower than fp32.
    """
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == 'cpu':
        return _cpu_has('_is_amx_tile_supported')
    return False


def device_name(device_type: str = 'cpu') -> str:
    """What a run's numbers were computed on: the GPU's name, or the CPU's model with the bf16
    support that decides ``enabled='auto'`` (``AMX-BF16``, ``AVX512-BF16`` or neither) and the
    cores this process may use.

    Args:
        device_type (str): ``'cpu'`` or ``'cuda'``.

    Returns:
        str: E.g. ``'Intel(R) Xeon(R) Processor (AVX512-BF16), 2 cores'``.
    """
    if device_type == 'cuda' and torch.cuda.is_available():
        return torch.cuda.get_device_name()
    model = 'unknown CPU'
    try:
        with open('/proc/cpuinfo') as f:
            model = next((ln.split(':', 1)[1].strip() for ln in f if ln.startswith('model name')),
                         model)  # fmt: skip
    except OSError:
        pass
    support = [name for check, name in (('_is_amx_tile_supported', 'AMX-BF16'),
                                        ('_is_avx512_bf16_supported', 'AVX512-BF16'))
               if _cpu_has(check)]  # fmt: skip
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    return f'{model} ({", ".join(support) or "no native bf16"}), {cores} cores'


def _fp32_region(module, contiguous, cast_back):
    module.register_forward_pre_hook(_fp32_pre_hook(contiguous), with_kwargs=True)
    module.register_forward_hook(_fp32_post_hook(cast_back), with_kwargs=True, always_call=True)


def _fp32_output_hook(module, args, output):
    return _cast(output)


def _channels_last_pre_hook(module, args):
    return tuple(
        a.contiguous(memory_format=torch.channels_last)
        if isinstance(a, torch.Tensor) and a.dim() == 4
        else a
        for a in args
    )


def prepare_bf16(
    model: nn.Module,
    channels_last: bool = True,
    fp32_ops: Sequence[str] = FP32_OPS,
    fp32_outputs: Sequence[str] = FP32_OUTPUTS,
    fp32_modules: Sequence[str] = FP32_MODULES,
) -> nn.Module:
    """Make ``model`` (in place) ready for bf16 autocast: fp32 regions around losses and
    ``fp32_ops``, and, with ``channels_last``, 4-D weights and the backbone's input in
    channels_last. Idempotent.

    Args:
        model (nn.Module): The model, or a model wrapper (DDP) around it.
        channels_last (bool): Convert 4-D parameters to channels_last and the input of
            ``model.backbone`` (or of the model, when it has none) to channels_last.
        fp32_ops (Sequence[str]): Classes (by name, subclasses included) whose modules run
            in fp32 on contiguous inputs, output cast back to the input's dtype.
        fp32_outputs (Sequence[str]): Classes (by name, subclasses included) whose modules'
            outputs are cast to fp32: detection heads, whose outputs feed the losses,
            anchors, box decoding and NMS.
        fp32_modules (Sequence[str]): Classes (by name, subclasses included) whose modules
            run in fp32 and give fp32 outputs, like the losses: the SSL projectors.

    Returns:
        nn.Module: ``model``.
    """
    module = model.module if is_model_wrapper(model) else model
    if getattr(module, '_bf16_prepared', False):
        return model
    counts = dict(losses=0, fp32_modules=0, fp32_ops=0, fp32_outputs=0)
    for m in module.modules():
        names = {c.__name__ for c in type(m).__mro__}
        if names & set(fp32_ops):
            _fp32_region(m, contiguous=True, cast_back=True)
            counts['fp32_ops'] += 1
        elif type(m).__name__.endswith('Loss'):
            _fp32_region(m, contiguous=False, cast_back=False)
            counts['losses'] += 1
        elif names & set(fp32_modules):
            _fp32_region(m, contiguous=False, cast_back=False)
            counts['fp32_modules'] += 1
        elif names & set(fp32_outputs):
            m.register_forward_hook(_fp32_output_hook)
            counts['fp32_outputs'] += 1
    if channels_last:
        module.to(memory_format=torch.channels_last)
        getattr(module, 'backbone', module).register_forward_pre_hook(_channels_last_pre_hook)
    module._bf16_prepared = True
    print_log(
        f'bf16 autocast: in fp32 {counts["losses"]} loss modules, {counts["fp32_modules"]} '
        f'{list(fp32_modules)}, {counts["fp32_ops"]} {list(fp32_ops)}; fp32 outputs of '
        f'{counts["fp32_outputs"]} {list(fp32_outputs)}; channels_last={channels_last}',
        logger='current',
    )
    return model


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs the forward pass (and so the backward) under bf16 autocast,
    on the CPU or a GPU, with the model in channels_last.

    The model is prepared by :func:`prepare_bf16` on the first training step. Parameters,
    gradients and optimiser state stay fp32, so checkpoints are the same as fp32 training's
    and resume in either mode. No loss scaling: bf16 has fp32's exponent range.

    Args:
        optimizer: As for :class:`mmengine.optim.OptimWrapper`.
        channels_last (bool): Put 4-D weights and the backbone's input in channels_last.
            Defaults to True.
        fp32_ops (Sequence[str]): Module classes run in fp32 on contiguous inputs (mmcv
            ops without bf16 kernels or channels_last support). Defaults to ``FP32_OPS``.
        fp32_outputs (Sequence[str]): Module classes whose outputs are cast to fp32 (the
            detection heads). Defaults to ``FP32_OUTPUTS``.
        fp32_modules (Sequence[str]): Module classes run in fp32 with fp32 outputs (the SSL
            projectors). Defaults to ``FP32_MODULES``.
        enabled (bool or str): ``True``: bf16 autocast; ``False``: fp32 (channels_last still
            applies: fp32 convolutions are faster in it too, the demo's Barlow Twins step
            0.44 s vs 0.50 s on a Xeon without AMX); ``'auto'``: bf16 where
            :func:`native_bf16` says it pays, else fp32. Defaults to ``'auto'``.
            The precision used (``'bf16'`` or ``'fp32'``) and :func:`device_name` go into
            the message hub's runtime info (``precision``, ``device``), so into checkpoints.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(
        self,
        optimizer,
        channels_last: bool = True,
        fp32_ops: Sequence[str] = FP32_OPS,
        fp32_outputs: Sequence[str] = FP32_OUTPUTS,
        fp32_modules: Sequence[str] = FP32_MODULES,
        enabled: Union[bool, str] = 'auto',
        **kwargs,
    ):
        super().__init__(optimizer, **kwargs)
        self.channels_last = channels_last
        self.fp32_ops = tuple(fp32_ops)
        self.fp32_outputs = tuple(fp32_outputs)
        self.fp32_modules = tuple(fp32_modules)
        assert enabled in (True, False, 'auto'), enabled
        self.enabled = enabled
        self._recorded = False

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of ``OptimWrapper`` plus bf16 autocast on the
        device of ``model``'s parameters."""
        param = next(model.parameters(), None)
        device_type = param.device.type if param is not None else 'cpu'
        if self.enabled == 'auto':
            self.enabled = native_bf16(device_type)
            print_log(
                f'BF16OptimWrapper: {device_type} '
                + ('computes bf16 natively: bf16 autocast' if self.enabled else
                   'has no native bf16 that pays (a CPU needs AMX-BF16): fp32')
                + f', channels_last={self.channels_last}',
                logger='current',
            )  # fmt: skip
        if not self._recorded:  # into every checkpoint (the message hub's runtime info)
            hub = MessageHub.get_current_instance()
            hub.update_info('precision', 'bf16' if self.enabled else 'fp32')
            hub.update_info('device', device_name(device_type))
            self._recorded = True
        prepare_bf16(model, self.channels_last, self.fp32_ops, self.fp32_outputs, self.fp32_modules)
        with super().optim_context(model):
            with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.enabled):
                yield
