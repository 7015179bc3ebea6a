"""Model FLOPs of a training step, the peak throughput of common GPUs, and model FLOPs
utilisation (MFU) (``tools/gpu_check.py``).

MFU is the share of the device's peak that the model's own arithmetic would use at the
measured step time: ``3 * forward FLOPs / (seconds per step * peak FLOP/s)``. The forward is
counted once by ``torch.utils.flop_counter`` (two FLOPs per multiply-add, convolutions and
matrix products; mmcv's compiled ops such as RoIAlign and NMS are not counted, their
arithmetic is negligible); the backward is counted as twice the forward (gradients of the
activations and of the weights), the usual convention (PaLM's MFU, "6N per token").

``PEAKS`` holds dense (no 2:4 sparsity) tensor-core peaks, in TFLOP/s, from NVIDIA's
datasheets and architecture whitepapers; where a datasheet lists only figures "with
sparsity", the dense figure is half of it. ``fp32`` is the CUDA-core FP32 peak, ``tf32`` the
TF32 tensor-core peak (what fp32 convolutions use while ``torch.backends.cudnn.allow_tf32``
is on, torch's default), ``bf16`` the BF16 tensor-core peak with fp32 accumulation.
"""

import re
from typing import Dict, Optional, Tuple

PRECISIONS = ('fp32', 'tf32', 'bf16')

# (pattern searched in the lower-cased device name, GPU, fp32, tf32, bf16 in dense TFLOP/s;
# None: no such tensor cores); the first match wins, so a more specific name comes first.
PEAKS = (
    (r'gh200', 'GH200', 67.0, 494.0, 990.0),
    (r'h200 nvl', 'H200 NVL', 60.0, 417.5, 835.5),
    (r'h200', 'H200 SXM', 67.0, 494.5, 989.5),
    (r'h100 nvl', 'H100 NVL', 60.0, 417.5, 835.5),
    (r'h100.*pcie', 'H100 PCIe', 51.0, 378.0, 756.5),
    (r'h100', 'H100 SXM', 66.9, 494.7, 989.4),
    (r'a100', 'A100', 19.5, 156.0, 312.0),
    (r'l40s', 'L40S', 91.6, 183.0, 362.05),
    (r'\bl4\b', 'L4', 30.3, 60.0, 121.0),
    (r'\ba10\b', 'A10', 31.2, 62.5, 125.0),
    (r'rtx 4090', 'GeForce RTX 4090', 82.6, 82.6, 165.2),
    (r'rtx 3090', 'GeForce RTX 3090', 35.6, 35.6, 71.0),
    (r'v100.*pcie', 'V100 PCIe', 14.0, None, None),
    (r'v100', 'V100 SXM2', 15.7, None, None),
    (r'\bt4\b', 'T4', 8.1, None, None),
)
# where each GPU's numbers come from ("with sparsity": the datasheet's figure, twice the dense)
SOURCES = {
    'GH200': 'NVIDIA GH200 Grace Hopper Superchip datasheet',
    'H200 NVL': 'NVIDIA H200 datasheet (TF32 835, BF16 1,671 with sparsity)',
    'H200 SXM': 'NVIDIA H200 datasheet (TF32 989, BF16 1,979 with sparsity)',
    'H100 NVL': 'NVIDIA H100 datasheet (TF32 835, BF16 1,671 with sparsity)',
    'H100 PCIe': 'NVIDIA H100 datasheet (TF32 756, BF16 1,513 with sparsity)',
    'H100 SXM': 'NVIDIA H100 Tensor Core GPU Architecture whitepaper (SXM5; the datasheet: '
    'TF32 989, BF16 1,979 with sparsity)',
    'A100': 'NVIDIA A100 datasheet (SXM4 and PCIe alike; TF32 312, BF16 624 with sparsity)',
    'L40S': 'NVIDIA L40S datasheet (TF32 366, BF16 733 with sparsity)',
    'L4': 'NVIDIA L4 datasheet (TF32 120, BF16 242 with sparsity)',
    'A10': 'NVIDIA A10 datasheet (TF32 125, BF16 250 with sparsity)',
    'GeForce RTX 4090': 'NVIDIA Ada Lovelace GPU Architecture whitepaper (BF16 with FP32 '
    'accumulate)',
    'GeForce RTX 3090': 'NVIDIA Ampere GA102 GPU Architecture whitepaper (BF16 with FP32 '
    'accumulate)',
    'V100 PCIe': 'NVIDIA V100 datasheet (no TF32 or BF16 tensor cores)',
    'V100 SXM2': 'NVIDIA V100 datasheet (no TF32 or BF16 tensor cores)',
    'T4': 'NVIDIA T4 datasheet (no TF32 or BF16 tensor cores)',
}


def find_gpu(device_name: str) -> Optional[dict]:
    """The ``PEAKS`` entry of a device, by its name as ``torch.cuda.get_device_name`` gives it
    (``'NVIDIA H100 80GB HBM3'``, ``'NVIDIA A100-SXM4-80GB'``, ``'NVIDIA GeForce RTX 4090'``).

    Returns:
        dict, optional: ``gpu``, ``fp32``, ``tf32``, ``bf16`` (TFLOP/s, None where the GPU
        has no such tensor cores) and ``source``; None for a device not in the table.
    """
    name = device_name.lower()
    for pattern, gpu, fp32, tf32, bf16 in PEAKS:
        if re.search(pattern, name):
            return dict(gpu=gpu, fp32=fp32, tf32=tf32, bf16=bf16, source=SOURCES[gpu])
    return None


def parse_peaks(items) -> Dict[str, float]:
    """``--peak-tflops`` items (``'bf16=989'``, ``'tf32=495'``, ``'fp32=67'``) as a dict.

    Raises:
        ValueError: on an unknown precision or a value that is not a positive number.
    """
    out = {}
    for item in items or ():
        key, _, value = item.partition('=')
        key = key.strip().lower()
        if key not in PRECISIONS:
            raise ValueError(f'--peak-tflops {item!r}: the precision is one of {PRECISIONS}')
        try:
            out[key] = float(value)
        except ValueError:
            raise ValueError(f'--peak-tflops {item!r}: {value!r} is not a number') from None
        if out[key] <= 0:
            raise ValueError(f'--peak-tflops {item!r}: the peak must be positive')
    return out


def peak_tflops(
    device_name: str, precision: str, override: Optional[Dict[str, float]] = None
) -> Tuple[Optional[float], str]:
    """The peak of ``device_name`` for ``precision`` and where the number comes from.

    Args:
        device_name (str): As ``torch.cuda.get_device_name`` gives it.
        precision (str): One of ``PRECISIONS``.
        override (dict, optional): ``parse_peaks``' result; its numbers win.

    Returns:
        tuple: (TFLOP/s or None, the source or why there is none).
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision {precision!r} is not one of {PRECISIONS}')
    if override and precision in override:
        return override[precision], '--peak-tflops'
    gpu = find_gpu(device_name)
    if gpu is None:
        return None, f'{device_name!r} is not in the peak table: give --peak-tflops'
    if gpu[precision] is None:
        return None, f'{gpu["gpu"]} has no {precision} tensor cores ({gpu["source"]})'
    return gpu[precision], f'{gpu["gpu"]}: {gpu["source"]}'


def fp32_precision(device: str) -> str:
    """``'tf32'`` where fp32 convolutions run on TF32 tensor cores (CUDA with
    ``torch.backends.cudnn.allow_tf32``, torch's default), else ``'fp32'``."""
    import torch

    return 'tf32' if device == 'cuda' and torch.backends.cudnn.allow_tf32 else 'fp32'


def forward_flops(model, data: dict) -> int:
    """FLOPs of one forward of ``model`` in ``mode='loss'`` on preprocessed ``data`` (what
    ``model.data_preprocessor(batch, True)`` returns), counted by
    ``torch.utils.flop_counter.FlopCounterMode`` without autograd.

    Returns:
        int: FLOPs (two per multiply-add).
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(**data, mode='loss')
    return int(counter.get_total_flops())


def step_flops(forward: float) -> float:
    """Model FLOPs of a training step: the forward and a backward of twice its cost."""
    return 3.0 * forward


def mfu(flops_per_step: float, seconds_per_step: float, peak: Optional[float]) -> Optional[float]:
    """Model FLOPs utilisation: the share (0-1) of ``peak`` TFLOP/s that ``flops_per_step``
    FLOPs in ``seconds_per_step`` seconds use; None without a peak."""
    if not peak:
        return None
    return flops_per_step / seconds_per_step / (peak * 1e12)
