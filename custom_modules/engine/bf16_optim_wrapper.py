"""bf16 autocast + channels_last training on the CPU and on GPUs.

mmengine's ``AmpOptimWrapper`` refuses the CPU, yet CPUs with AMX-BF16 (Sapphire Rapids and
later) run bf16 convolutions several times faster than fp32, and faster still when activations
are channels_last. :class:`BF16OptimWrapper` is a drop-in ``OptimWrapper``: switch any config
with ``optim_wrapper.type=BF16OptimWrapper``. bf16 has fp32's exponent range, so no loss scaling.

What runs in which precision: convolutions, linear layers and matmuls in bf16 (torch autocast's
own list); functions decorated with :func:`fp32` (the SSL heads' ``loss``) in fp32; and each
module as its class declares (``autocast_precision``, ``custom_modules/engine/precision.py``):
losses and SSL projectors in fp32, mmcv's RoIAlign/RoIPool in fp32 on contiguous inputs,
detection heads with fp32 outputs.
"""

import contextlib
import os
from typing import Union

import torch
import torch.nn as nn
from mmengine.logging import MessageHub, print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

from .precision import _LOW, autocast_off, cast, declared_precision

# (autocast-off context, input dtype) of each fp32 region a forward pre-hook opened (LIFO)
_OPEN_REGIONS = []


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


def _fp32_pre_hook(contiguous):
    def hook(module, args, kwargs):
        _OPEN_REGIONS.append((autocast_off(), _first_float_dtype((args, kwargs))))
        return cast(args, contiguous=contiguous), cast(kwargs, contiguous=contiguous)

    return hook


def _fp32_post_hook(cast_back):
    def hook(module, args, kwargs, output):
        stack, in_dtype = _OPEN_REGIONS.pop()
        stack.close()
        if cast_back and in_dtype in _LOW:
            return cast(output, in_dtype)
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
    return cast(output)


def _channels_last_pre_hook(module, args):
    return tuple(
        a.contiguous(memory_format=torch.channels_last)
        if isinstance(a, torch.Tensor) and a.dim() == 4
        else a
        for a in args
    )


def prepare_bf16(model: nn.Module, channels_last: bool = True) -> nn.Module:
    """Make ``model`` (in place) ready for bf16 autocast: each module in the precision its class
    declares (``declared_precision``), and, with ``channels_last``, 4-D weights and the
    backbone's input in channels_last. Idempotent.

    Args:
        model (nn.Module): The model, or a model wrapper (DDP) around it.
        channels_last (bool): Convert 4-D parameters to channels_last and the input of
            ``model.backbone`` (or of the model, when it has none) to channels_last.

    Returns:
        nn.Module: ``model``.
    """
    module = model.module if is_model_wrapper(model) else model
    if getattr(module, '_bf16_prepared', False):
        return model
    counts = {}
    for m in module.modules():
        precision = declared_precision(type(m))
        if precision == 'fp32_op':
            _fp32_region(m, contiguous=True, cast_back=True)
        elif precision == 'fp32':
            _fp32_region(m, contiguous=False, cast_back=False)
        elif precision == 'fp32_output':
            m.register_forward_hook(_fp32_output_hook)
        if precision in ('fp32', 'fp32_op', 'fp32_output'):
            counts.setdefault(precision, set()).add(type(m).__name__)
    if channels_last:
        module.to(memory_format=torch.channels_last)
        getattr(module, 'backbone', module).register_forward_pre_hook(_channels_last_pre_hook)
    module._bf16_prepared = True
    said = '; '.join(f'{p}: {sorted(names)}' for p, names in sorted(counts.items()))
    print_log(f'bf16 autocast: {said or "nothing declared"}; channels_last={channels_last}',
              logger='current')  # fmt: skip
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
            Defaults to True. Which modules stay in fp32 is declared by their classes
            (``custom_modules/engine/precision.py``).
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
        enabled: Union[bool, str] = 'auto',
        **kwargs,
    ):
        super().__init__(optimizer, **kwargs)
        self.channels_last = channels_last
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
        prepare_bf16(model, self.channels_last)
        with super().optim_context(model):
            with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.enabled):
                yield
