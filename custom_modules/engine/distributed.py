"""Distributed training that also runs on CPU-only machines (gloo).

mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and always passes
``device_ids=[LOCAL_RANK]`` to DDP, both of which fail without a GPU. ``init_cpu_dist``
starts the gloo process group first (mmengine then skips its own ``init_dist``) and
``CPUAwareDDP`` drops ``device_ids`` for a module on the CPU and turns SyncBN into BN there.
On GPU machines neither is used and mmengine behaves as upstream.

``close_dist`` ends the process group before the interpreter does: a process that exits with
a gloo group still open can abort while its C++ worker threads are torn down (SIGABRT,
"terminate called without an active exception", seen once in CI after a run that had
finished; see pytorch/pytorch#179291). ``tools/train.py`` and ``tools/test.py`` call it when
the run ends, and ``init_cpu_dist`` also registers it with ``atexit`` for any other caller.
That was not enough: the same abort came back with the group destroyed (a torchrun worker of
the two-process bf16 test, once in a local suite run), from a thread the group does not own.
So a torchrun worker that has finished its run leaves through ``leave_worker``: logs and
visualizer closed, output flushed, then ``os._exit``, which skips the C++ teardown where the
abort happens.
"""

import atexit
import logging
import os
import sys

import torch
import torch.distributed as dist
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUAwareDDP(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` that accepts a module on the CPU.

    Args:
        module (nn.Module): The model.
        device_ids (list[int], optional): Ignored (set to None) when the module's
            parameters live on the CPU, as DDP requires.
        **kwargs: Passed to :class:`MMDistributedDataParallel`.
    """

    def __init__(self, module, device_ids=None, **kwargs):
        param = next(module.parameters(), None)
        if param is None or param.device.type == 'cpu':
            device_ids = None
            if any(isinstance(m, torch.nn.SyncBatchNorm) for m in module.modules()):
                # torch's SyncBatchNorm needs GPUs: on CPUs each process normalises its own
                # batch, as BN does.
                print_log(
                    'CPU training: SyncBN layers become BN (per-process statistics)',
                    logger='current',
                    level=30,
                )
                module = revert_sync_batchnorm(module)
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def init_cpu_dist(cfg) -> bool:
    """Start a gloo process group from torchrun's environment when there is no GPU.

    Args:
        cfg (mmengine.Config): The run's config; its ``model_wrapper_cfg`` is set to
            :class:`CPUAwareDDP` unless the user chose a wrapper.

    Returns:
        bool: True when it started the process group.
    """
    if torch.cuda.is_available() or dist.is_initialized():
        return False
    dist.init_process_group(
        backend='gloo', rank=int(os.environ['RANK']), world_size=int(os.environ['WORLD_SIZE'])
    )
    atexit.register(close_dist)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='CPUAwareDDP',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False),
        )
    return True


def close_dist() -> None:
    """Destroy the default process group, if any, while the interpreter is still whole."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def leave_worker(code: int = 0) -> None:
    """End a process started by torchrun (``WORLD_SIZE`` > 1) whose run has finished: close
    the process group, the visualizer's backends and the logging handlers, flush stdout and
    stderr, and ``os._exit(code)`` without the interpreter's finalisation. Anywhere else (one
    process, the tests' in-process calls) it returns and changes nothing."""
    if int(os.environ.get('WORLD_SIZE', '1')) <= 1:
        return
    close_dist()
    from mmengine.visualization import Visualizer

    try:
        Visualizer.get_current_instance().close()
    except RuntimeError:  # no visualizer was made
        pass
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
