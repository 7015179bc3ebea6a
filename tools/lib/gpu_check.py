"""The checks of ``tools/gpu_check.py``: rows of one table, each pass, fail or skip.

Stages, in order (a failing row does not stop the others; a row whose prerequisite failed is
skipped):

1. *install*: the device is there; package versions, numpy < 2 (mmcv 2.1.0's hue jitter);
   mmcv's compiled ops were built for the device; mmcv's ``nms``, ``RoIAlign`` and
   ``MultiScaleDeformableAttention`` kernels against a reference on tiny inputs.
2. *speed*: training steps of the Barlow Twins ResNet-50 (``SPEED``: 64 images of two 224 px
   views) and Faster R-CNN R50-FPN (2 images resized to 1333x800) configs in fp32 and bf16
   autocast: ms/step, images/s, model TFLOP/s and MFU (``tools.lib.flops``).
3. *train*: one real training iteration of every full-scale config (``FULL_CONFIGS``) with
   mmengine's Runner on a generated NYU-layout data set of one batch (hooks, the checkpoint
   save and the detectors' validation on two images included); the pretrained checkpoints a
   config loads are replaced by checkpoints of the pretraining config's own untrained model.
4. *determinism*: ``tools/check_determinism.py`` (a separate process) on Barlow Twins and
   Faster R-CNN, two steps.

``dry_run`` shrinks every shape (batch 2, 64 px views, detection images scaled by 0.1, one
timed step) so that the whole table is made on a CPU in about a minute (the test suite's).
"""

import copy
import functools
import gc
import glob
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
from typing import List, Optional

from .config import ROOT, option_args, stem
from .shrink import dry_run_options, exact_resize_options, one_batch, replace_checkpoints

# Every full-scale recipe: the primitives and the leaves that change the architecture (Swin);
# the other leaves change only a width or the checkpoint they start from. Not yet: Soft Teacher
# (iteration-based, semi-supervised: one batch is a labeled and an unlabeled one).
FULL_CONFIGS = (
    'configs/barlowtwins/barlowtwins_resnet50_8xb64-coslr-150e_nyu.py',
    'configs/vicreg/vicreg_resnet50_8xb64-coslr-100e_nyu.py',
    'configs/vicregl/vicregl_resnet50_8xb64-coslr-100e_nyu.py',
    'configs/densecl/densecl_resnet50_8xb32-coslr-200e_nyu.py',
    'configs/barlowtwins/barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu.py',
    'configs/faster_rcnn/faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py',
    'configs/faster_rcnn/faster-rcnn_swin-t-barlowtwins-pre_fpn_8xb2-adamw-40e_nyu.py',
    'configs/detr/detr_r50_8xb2-150e_nyu.py',
    'configs/dino/dino-4scale_r50_8xb2-12e_nyu.py',
    'configs/updetr/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu.py',
)
BT_R50, FRCNN_R50 = FULL_CONFIGS[0], FULL_CONFIGS[5]
# (name, config, images per step, exact 1333x800 resize): the recipes' per-GPU batches
SPEED = (('Barlow Twins R50', BT_R50, 64, False), ('Faster R-CNN R50', FRCNN_R50, 2, True))
SPEED_MODES = (('fp32', 'fp32'), ('bf16', 'bf16+cl'))  # (row name, tools.lib.train_step mode)
# (config, images per step, whether two runs must be bitwise equal): Barlow Twins has no mmcv
# op; Faster R-CNN's RoIAlign backward accumulates with atomicAdd on CUDA (docs/reliability.md)
DETERMINISM = ((BT_R50, 16, True), (FRCNN_R50, 2, False))
DATA = dict(unlabeled=64, train=4, val=2)  # one batch of every config (SSL: 64 images)
DRY_DATA = dict(unlabeled=2, train=2, val=1)


class Check:
    """The checks of one run, as ``tools.lib.gpu_report.Report.run`` callables.

    Args:
        device (str): ``'cuda'`` or ``'cpu'``.
        out (str): Output folder (``data/``, ``runs/``, ``checkpoints/`` go there).
        dry_run (bool): Tiny shapes (module docstring).
        steps (int), warmup (int): Timed and untimed training steps per speed row.
        peaks (dict): ``--peak-tflops`` (``tools.lib.flops.parse_peaks``).
    """

    def __init__(
        self,
        device: str,
        out: str,
        dry_run: bool = False,
        steps: int = 10,
        warmup: int = 3,
        peaks: Optional[dict] = None,
    ):
        self.device, self.out, self.dry_run = device, out, dry_run
        self.steps, self.warmup, self.peaks = steps, warmup, peaks or {}
        self.data_root = osp.join(out, 'data') + '/'
        self.prepared = {}  # speed models
        self.determinism = [c for c, *_ in DETERMINISM]  # the configs rows() kept
        self.started = {}  # check_determinism processes

    # ---- install ----
    def device_name(self) -> str:
        import torch

        return torch.cuda.get_device_name() if self.device == 'cuda' else 'cpu'

    def check_device(self):
        import torch

        if self.device != 'cuda':
            return f'CPU, {torch.get_num_threads()} threads, torch {torch.__version__}', {}
        if not torch.cuda.is_available():
            raise RuntimeError(
                f'torch {torch.__version__} sees no CUDA device (built for CUDA '
                f'{torch.version.cuda}; check the driver and CUDA_VISIBLE_DEVICES)'
            )
        p = torch.cuda.get_device_properties(0)
        n = dict(
            name=p.name,
            capability=f'{p.major}.{p.minor}',
            memory_gib=p.total_memory / 2**30,
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
            bf16=torch.cuda.is_bf16_supported(),
            devices=torch.cuda.device_count(),
        )
        text = (
            f'{p.name} (sm_{p.major}{p.minor}, {n["memory_gib"]:.0f} GiB; {n["devices"]} '
            f'visible), torch {torch.__version__}, CUDA {n["cuda"]}, cuDNN {n["cudnn"]}, '
            f'bf16 {"yes" if n["bf16"] else "no"}'
        )
        return text, n

    def check_data(self):
        from .demo_data import write_demo_data

        counts = DRY_DATA if self.dry_run else DATA
        for old in (self.data_root, osp.join(self.out, 'checkpoints')):  # an earlier run's
            shutil.rmtree(old, ignore_errors=True)
        write_demo_data(self.data_root, seed=0, **counts)
        return (
            f'{counts["unlabeled"]} unlabeled, {counts["train"]} training, {counts["val"]} '
            f'validation images (tools/lib/demo_data/) in {self.data_root}',
            counts,
        )

    def check_packages(self):
        import importlib.metadata as md

        import mmcv
        import numpy as np

        import custom_modules  # noqa: F401 (its version check of mmengine, mmdet, mmpretrain)

        names = 'torch torchvision mmcv mmengine mmdet mmpretrain numpy opencv-python'.split()
        versions = {}
        for name in names:
            try:
                versions[name] = md.version(name)
            except md.PackageNotFoundError:
                versions[name] = None
        if int(np.__version__.split('.')[0]) >= 2:
            raise RuntimeError(
                f'numpy {np.__version__}: mmcv 2.1.0 needs numpy < 2 (its hue '
                'jitter raises OverflowError); install numpy 1.26'
            )
        img = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3)
        mmcv.adjust_hue(img, -0.1)  # what numpy 2 breaks
        text = ', '.join(f'{k} {v}' for k, v in versions.items() if v) + '; hue jitter runs'
        return text, versions

    def check_mmcv_build(self):
        import mmcv
        import torch
        from mmcv.ops import get_compiler_version, get_compiling_cuda_version

        built = get_compiling_cuda_version()
        n = dict(mmcv=mmcv.__version__, cuda=built, compiler=get_compiler_version())
        if self.device == 'cuda' and built in ('not available', None, ''):
            raise RuntimeError(
                'mmcv._ext was built without CUDA: rebuild mmcv with '
                'MMCV_WITH_OPS=1 FORCE_CUDA=1 (tools/gpu_check.sh --install)'
            )
        where = f'CUDA {built}' if built not in ('not available', None, '') else 'no CUDA'
        text = f'mmcv {mmcv.__version__}: compiled ops load, built with {where}, {n["compiler"]}'
        if (
            self.device == 'cuda'
            and str(built).split('.')[0] != str(torch.version.cuda).split('.')[0]
        ):
            text += f' (torch is built for CUDA {torch.version.cuda}: another major version)'
        return text, n

    def check_nms(self):
        import torch
        import torchvision
        from mmcv.ops import nms

        g = torch.Generator().manual_seed(0)
        xy = torch.rand(500, 2, generator=g) * 200
        boxes = torch.cat([xy, xy + 4 + torch.rand(500, 2, generator=g) * 60], 1)
        scores = torch.rand(500, generator=g)
        ref = torchvision.ops.nms(boxes, scores, 0.5).sort()[0]
        _, keep = nms(boxes.to(self.device), scores.to(self.device), 0.5)
        keep = keep.cpu().sort()[0]
        if not torch.equal(keep, ref):
            raise AssertionError(
                f'mmcv.ops.nms on {self.device} kept {len(keep)} boxes, '
                f'torchvision.ops.nms on the CPU {len(ref)}: not the same'
            )
        text = f'{len(keep)} of 500 boxes kept on {self.device}, the same as torchvision on the CPU'
        return text, dict(kept=len(keep))

    def check_roi_align(self):
        import torch
        import torchvision
        from mmcv.ops import roi_align

        g = torch.Generator().manual_seed(0)
        feat = torch.rand(2, 8, 32, 32, generator=g)
        xy = torch.rand(16, 2, generator=g) * 20
        rois = torch.cat(
            [
                torch.arange(16).remainder(2)[:, None].float(),
                xy,
                xy + 2 + torch.rand(16, 2, generator=g) * 10,
            ],
            1,
        )
        # mmdet's RoIAlign: aligned, adaptive sampling (sampling_ratio 0), as torchvision's
        a = feat.clone().to(self.device).requires_grad_()
        out = roi_align(a, rois.to(self.device), (7, 7), 0.5, 0, 'avg', True)
        out.square().sum().backward()
        b = feat.clone().requires_grad_()
        ref = torchvision.ops.roi_align(b, rois, (7, 7), 0.5, 0, True)
        ref.square().sum().backward()
        diff = float((out.detach().cpu() - ref.detach()).abs().max())
        grad = float((a.grad.cpu() - b.grad).abs().max())
        if max(diff, grad) > 1e-4:
            raise AssertionError(
                f'RoIAlign on {self.device} differs from torchvision on the '
                f'CPU by {diff:.2g} (output), {grad:.2g} (gradient)'
            )
        text = (
            f'forward and backward on {self.device} = torchvision on the CPU (max |diff| '
            f'{diff:.1e}, gradient {grad:.1e})'
        )
        return text, dict(max_diff=diff, max_grad_diff=grad)

    def check_msda(self):
        import torch
        from mmcv.ops.multi_scale_deform_attn import (
            MultiScaleDeformableAttnFunction,
            multi_scale_deformable_attn_pytorch,
        )

        g = torch.Generator().manual_seed(0)
        bs, keys_dim, heads, levels, points, queries = 2, 8, 4, 2, 4, 10
        shapes = torch.tensor([[8, 8], [4, 4]])
        start = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
        value = torch.rand(bs, int(shapes.prod(1).sum()), heads, keys_dim, generator=g)
        loc = torch.rand(bs, queries, heads, levels, points, 2, generator=g)
        weights = torch.rand(bs, queries, heads, levels * points, generator=g).softmax(-1)
        weights = weights.view(bs, queries, heads, levels, points)

        def run(fn, device):
            inputs = [t.clone().to(device).requires_grad_() for t in (value, loc, weights)]
            out = fn(*inputs)
            out.square().sum().backward()
            return [out.detach().cpu()] + [t.grad.cpu() for t in inputs]

        ref = run(lambda v, s, w: multi_scale_deformable_attn_pytorch(v, shapes, s, w), 'cpu')
        if self.device != 'cuda':
            if not all(torch.isfinite(t).all() for t in ref):
                raise AssertionError('the PyTorch path gave non-finite values')
            return (
                'no CPU kernel in mmcv 2.1.0: the PyTorch path (what DINO runs on the CPU) '
                'ran forward and backward',
                {},
            )
        dev = [x.cuda() for x in (shapes, start)]
        got = run(lambda v, s, w: MultiScaleDeformableAttnFunction.apply(v, *dev, s, w, 64), 'cuda')
        diffs = [float((a - b).abs().max()) for a, b in zip(got, ref)]
        if max(diffs) > 1e-3:
            raise AssertionError(
                f'the CUDA kernel differs from the PyTorch path by {diffs} '
                '(output, grad value, grad locations, grad weights)'
            )
        text = (
            f'CUDA kernel = PyTorch path on the CPU, forward and backward (max |diff| '
            f'{max(diffs):.1e})'
        )
        return text, dict(max_diffs=diffs)

    # ---- speed ----
    def _prepare(self, name, config, batch_size, exact):
        """(model on the device, batch, config, forward FLOPs) of a speed model, made once."""
        if name not in self.prepared:
            from .config import read_config
            from .flops import forward_flops
            from .train_step import build_step

            cfg = read_config(osp.join(ROOT, config))
            opts = exact_resize_options(cfg) if exact else {}
            if self.dry_run:
                opts.update(dry_run_options(cfg))
                batch_size = 2
            cfg.merge_from_dict(opts)
            model, batch = build_step(cfg, self.data_root, batch_size)
            model = model.to(self.device).train()
            data = model.data_preprocessor(copy.copy(batch), True)
            self.prepared[name] = (model, batch, cfg, forward_flops(model, data), batch_size)
        return self.prepared[name]

    def check_speed(self, name, config, batch_size, exact, mode):
        import torch

        from .flops import fp32_precision, mfu, peak_tflops, step_flops
        from .train_step import optim_wrapper, timed_step

        model0, batch, cfg, fwd, n = self._prepare(name, config, batch_size, exact)
        cuda = self.device == 'cuda'
        model = copy.deepcopy(model0).train()
        wrapper = optim_wrapper(model, cfg.optim_wrapper, mode)
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        times = []
        for i in range(self.warmup + self.steps):
            dt, _, log = timed_step(model, batch, wrapper, self.device)
            if i >= self.warmup:
                times.append(dt)
        loss = float(log['loss'])
        if not torch.isfinite(torch.tensor(loss)):
            raise FloatingPointError(f'loss {loss}')
        t = statistics.median(times)
        precision = 'bf16' if mode != 'fp32' else fp32_precision(self.device)
        peak, source = peak_tflops(self.device_name(), precision, self.peaks)
        flops = step_flops(fwd)
        util = mfu(flops, t, peak)
        # SSL: a list of views, each (n, 3, h, w); detectors: a list of n images (3, h, w)
        first = batch['inputs'][0]
        shape = 'x'.join(map(str, first.shape[-2:]))
        views = len(batch['inputs']) if first.dim() == 4 else 1
        n_out = dict(
            ms_per_step=t * 1e3,
            images_per_s=n / t,
            model_tflop_per_step=flops / 1e12,
            model_tflops=flops / t / 1e12,
            precision=precision,
            peak_tflops=peak,
            peak_source=source,
            mfu=util,
            loss=loss,
            steps=self.steps,
            warmup=self.warmup,
            batch=n,
            input=shape,
        )
        text = (
            f'{t * 1e3:.1f} ms/step (median of {self.steps}), {n / t:.1f} images/s '
            f'({n} x {views} x {shape} px), {flops / 1e12:.3g} TFLOP/step = '
            f'{flops / t / 1e12:.3g} TFLOP/s, '
        )
        text += (
            f'MFU {util:.1%} of {peak:g} TFLOP/s {precision} ({source.split(":")[0]})'
            if util is not None
            else f'MFU n/a ({source})'
        )
        if cuda:
            n_out['peak_memory_gib'] = torch.cuda.max_memory_allocated() / 2**30
            text += f'; peak memory {n_out["peak_memory_gib"]:.1f} GiB'
        del model, wrapper
        return text + f'; loss {loss:.4g}', n_out

    def release_speed_models(self):
        if not self.prepared:
            return
        self.prepared.clear()
        gc.collect()
        if self.device == 'cuda':
            import torch

            torch.cuda.empty_cache()

    # ---- one training iteration of a config ----
    def check_config(self, config):
        import torch
        from mmengine.config import Config
        from mmengine.registry import RUNNERS
        from mmengine.runner import Runner

        from .config import missing_data, set_data_root

        self.release_speed_models()
        # unformatted: the Runner formats its config with yapf up to 8 times (the log, the
        # dumped file, each visualizer backend, every checkpoint's meta), ~1 s each for DETR
        # (mmengine 0.10.7's fromfile drops its own format_python_code argument)
        cfg = Config.fromfile(osp.join(ROOT, config))
        cfg = Config(
            cfg.to_dict(), cfg_text=cfg.text, filename=cfg.filename, format_python_code=False
        )
        set_data_root(cfg, self.data_root)
        if self.dry_run:
            cfg.merge_from_dict(dry_run_options(cfg))
        counts = DRY_DATA if self.dry_run else DATA
        n = one_batch(cfg, counts['val'])
        replaced = replace_checkpoints(cfg, osp.join(self.out, 'checkpoints'))
        work_dir = osp.join(self.out, 'runs', stem(config))
        cfg.work_dir, cfg.launcher, cfg.log_level = work_dir, 'none', 'WARNING'
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
        if cfg.get('visualizer'):
            cfg.visualizer.name = 'gpu_check_' + stem(config)  # a fresh one per run
        splits = ['train'] + (['val'] if cfg.get('val_cfg') and cfg.get('val_dataloader') else [])
        missing = missing_data(cfg, splits)
        if missing:
            raise FileNotFoundError('; '.join(missing))
        cuda = self.device == 'cuda'
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        try:
            runner.train()
            hub = runner.message_hub
            loss = float(hub.get_scalar('train/loss').current())
            it = float(hub.get_scalar('train/time').current())
            data_time = float(hub.get_scalar('train/data_time').current())
            val = sorted(k[4:] for k in hub.log_scalars if k.startswith('val/'))
        finally:
            del runner
            if not self.dry_run:  # dataloader workers and device memory go now
                gc.collect()
        if not torch.isfinite(torch.tensor(loss)):
            raise FloatingPointError(f'loss {loss}')
        ckpts = glob.glob(osp.join(work_dir, '*.pth'))
        for path in ckpts:  # written and checked: the disk space is not needed
            os.remove(path)
        numbers = dict(
            loss=loss,
            iteration_s=it,
            data_s=data_time,
            batch=n,
            checkpoints=len(ckpts),
            val_metrics=val,
            replaced=replaced,
        )
        text = (
            f'1 iteration of {n} images: loss {loss:.4g}, {it:.2f} s (data {data_time:.2f} s)'
            f'; checkpoint {"saved" if ckpts else "NOT saved"}'
        )
        if 'val' in splits:
            text += f'; validation ran ({len(val)} metrics)'
        if replaced:
            text += f'; started from {", ".join(replaced)}'
        if cuda:
            numbers['peak_memory_gib'] = torch.cuda.max_memory_allocated() / 2**30
            text += f'; peak memory {numbers["peak_memory_gib"]:.1f} GiB'
        if not ckpts:
            raise AssertionError(text)
        return text, numbers

    # ---- determinism ----
    def _start_determinism(self, config, batch_size):
        """Start ``tools/check_determinism.py`` on ``config`` (its output goes to
        ``OUT/determinism_<config>.log``); returns (process, log, steps, images per step)."""
        from .config import read_config

        opts, steps = {}, 2
        if self.dry_run:
            opts = dry_run_options(read_config(osp.join(ROOT, config)))
            batch_size, steps = 2, 1
        cmd = [sys.executable, osp.join(ROOT, 'tools', 'check_determinism.py'), config]
        cmd += ['--device', self.device, '--steps', str(steps), '--batch-size', str(batch_size)]
        cmd += ['--data-root', self.data_root, *option_args(opts)]
        log = osp.join(self.out, f'determinism_{stem(config)}.log')
        with open(log, 'w') as f:
            f.write(' '.join(cmd) + '\n\n')
            f.flush()
            env = dict(os.environ, PYTHONWARNINGS='ignore')
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
        return proc, log, steps, batch_size

    def check_determinism(self, config, bitwise, timeout=300):
        """The verdict of ``check_determinism`` on ``config``. Every process of
        ``self.determinism`` starts with the first of these rows: each spends seconds importing
        the stack, and they run side by side (one GPU holds both)."""
        sizes = {c: n for c, n, _ in DETERMINISM}
        for c in dict.fromkeys([config, *self.determinism]):
            if c not in self.started:
                self.started[c] = self._start_determinism(c, sizes[c])
        proc, log, steps, n = self.started[config]
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise TimeoutError(f'check_determinism ran past {timeout} s (log: {log})') from None
        with open(log) as f:
            lines = f.read().splitlines()
        verdicts = [x for x in lines if x.startswith('bitwise deterministic:')]
        if proc.returncode != 0 or not verdicts:
            raise RuntimeError(
                f'check_determinism exited {proc.returncode}: {(lines or [""])[-1]} (log: {log})'
            )
        verdict = verdicts[-1].split(':', 1)[1].strip()
        text = f'{steps} steps of {n} images, twice: bitwise deterministic: {verdict}'
        if bitwise and not verdict.startswith('yes'):
            raise AssertionError(text + ' (expected yes: no mmcv op in this model)')
        if not verdict.startswith('yes'):
            text += " (expected on CUDA: mmcv's RoIAlign backward uses atomicAdd)"
        return text, dict(verdict=verdict, steps=steps, batch=n)


def rows(check: Check, only: Optional[List[str]] = None) -> list:
    """The rows of the check, in order: ``(stage, name, callable, needs)``.

    Args:
        check (Check): Whose methods the rows call.
        only (list[str], optional): Keep the rows whose ``'stage name'`` contains one of these
            (the device and data rows are always kept).
    """
    install = ('torch sees the device', 'demo data')
    out = [
        ('install', 'torch sees the device', check.check_device, ()),
        ('install', 'packages', check.check_packages, ()),
        ('install', 'mmcv ops built', check.check_mmcv_build, ()),
        ('install', 'mmcv nms', check.check_nms, install[:1]),
        ('install', 'mmcv RoIAlign', check.check_roi_align, install[:1]),
        ('install', 'mmcv MultiScaleDeformableAttention', check.check_msda, install[:1]),
        ('install', 'demo data', check.check_data, ()),
    ]
    for name, config, n, exact in SPEED:
        for mode_name, mode in SPEED_MODES:
            run = functools.partial(check.check_speed, name, config, n, exact, mode)
            out.append(('speed', f'{name} step, {mode_name}', run, install))
    for config in FULL_CONFIGS:
        out.append(('train', stem(config), functools.partial(check.check_config, config), install))
    determinism = {}
    for config, _, bitwise in DETERMINISM:
        run = functools.partial(check.check_determinism, config, bitwise)
        determinism[f'check_determinism {stem(config)}'] = config
        out.append(('determinism', f'check_determinism {stem(config)}', run, install))
    if only:
        out = [r for r in out if r[1] in install or any(t in f'{r[0]} {r[1]}' for t in only)]
    check.determinism = [determinism[r[1]] for r in out if r[1] in determinism]
    return out
