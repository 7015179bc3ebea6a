"""How well an UP-DETR model finds its query patches on held-out images (patch-box COCO AP).

    python tools/updetr_patch_ap.py CONFIG [CHECKPOINT] [--mismatch] [--cfg-options ...]
    python tools/updetr_patch_ap.py CONFIG CKPT [CKPT ...] --with-control [--given-patch]  # a curve
    python tools/updetr_patch_ap.py CONFIG --identify random SSL_CKPT [...]  # patches told apart?

The config's test split (for the UP-DETR configs: the labeled validation images, never seen
in pretraining, with patches drawn from a fixed seed) is scored like ``tools/test.py`` does.
Without a checkpoint the *untrained* model is scored: the config's initialisation (the
pretrained backbone, a fresh transformer), the baseline a pretraining run must beat.
``--mismatch`` is the control: the same target boxes, but each query patch is cut from
another random box of the image (``RandomQueryPatches(mismatch=True)``). A model that finds
its patches scores far lower there; one that has only learned where patches usually are (the
box prior) scores the same. Metrics go to ``<work_dir>/metrics.json`` (default
``work_dirs/<config>/patch_ap[_untrained][_mismatch]``). Several checkpoints (e.g. the epochs
of one run), or ``--with-control``, score each with its patches and with the control and print
a Markdown table.

``--given-patch`` adds the direct test of the task, which patch AP (pooled over all queries)
only implies: for each patch, the top-scoring query of *its* group — does its box overlap that
patch's box (mean IoU) more than the image's other patch boxes (mean IoU with them)? A model
that uses what it is given scores the first above the second; a box prior scores both alike.

``--identify`` asks, before any training, whether the task can be solved with the frozen
backbone at all: on the same held-out images and patches, does a query patch's feature (what
the decoder is given) lie nearer, by centred cosine, to the feature of the region it was cut
from than to those of the image's other patch regions (top-1 among M; chance 1/M)? One row per
backbone (``random``: the config's backbone with no checkpoint; a path: an SSL checkpoint loaded
as the config loads its own), and a row of raw pixels (2 x 2 mean colours) for reference.
"""

import argparse
import json
import os
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from torchvision.ops import roi_align

COLUMNS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_AR@100')


def read(config: str, cfg_options=None) -> Config:
    """The config with ``--cfg-options`` merged."""
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(cfg_options or {})
    return cfg


def default_work_dir(config: str, sub: str) -> str:
    """``work_dirs/<config name>/<sub>``."""
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0], sub)


def score(config: str, checkpoint=None, mismatch: bool = False, work_dir=None, cfg_options=None):
    """Patch-box COCO metrics of ``checkpoint`` (None: the untrained model) on the config's test
    split, with the query patches cut from their boxes or (``mismatch``) from other random
    boxes; written to ``<work_dir>/metrics.json`` too."""
    cfg = read(config, cfg_options)
    if mismatch:
        patches = [t for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'].split('.')[-1] == 'RandomQueryPatches']  # fmt: skip
        if not patches:
            raise ValueError('--mismatch: the test pipeline has no RandomQueryPatches')
        patches[0]['mismatch'] = True
    if work_dir is None:
        sub = ('patch_ap' if checkpoint else 'patch_ap_untrained') + ('_mismatch' * mismatch)
        work_dir = default_work_dir(config, sub)
    cfg.work_dir, cfg.load_from = work_dir, checkpoint
    runner = Runner.from_cfg(cfg)
    if not checkpoint:
        runner.model.init_weights()
    metrics = runner.test()
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    return metrics


def given_patch(config: str, checkpoint=None, cfg_options=None) -> tuple:
    """(own, other): over the config's test split, the mean IoU of each patch group's
    top-scoring box with its own patch's box, and with the image's other patch boxes."""
    from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_overlaps, get_box_tensor

    cfg = read(config, cfg_options)
    cfg.work_dir = default_work_dir(config, 'given_patch')
    runner = Runner.from_cfg(cfg)
    model = runner.model
    if checkpoint:
        runner.load_checkpoint(checkpoint)
    else:
        model.init_weights()
    model.eval()
    m, g = model.num_patches, model.num_queries // model.num_patches
    own, other = [], []
    with torch.no_grad():
        for batch in runner.test_dataloader:
            data = model.data_preprocessor(batch, False)
            samples = data['data_samples']
            out = model.forward_transformer(model.extract_feat(data['inputs']), samples)
            scores, boxes = model.bbox_head(out['hidden_states'])[:2]
            for s, score, box in zip(samples, scores[-1], boxes[-1]):
                h, w = s.metainfo['img_shape'][:2]
                xyxy = bbox_cxcywh_to_xyxy(box) * box.new_tensor([w, h, w, h])
                gt = get_box_tensor(s.gt_instances.bboxes)
                top = score.softmax(-1)[:, 0].view(m, g).argmax(1) + torch.arange(m) * g
                iou = bbox_overlaps(xyxy[top], gt.to(xyxy))  # (M, M): row j = group j's box
                mine = torch.eye(m, dtype=torch.bool)
                own.append(iou[mine])
                other.append(iou.masked_fill(mine, 0).sum(1) / (m - 1))
    return float(torch.cat(own).mean()), float(torch.cat(other).mean())


def identification(patch: torch.Tensor, region: torch.Tensor) -> dict:
    """(N, M, C) patch and region features of N images: top-1 accuracy of each patch finding
    its own region among its image's M by centred cosine, and the mean cosine to its own and
    to the other regions."""
    m = patch.shape[1]
    p = F.normalize(patch - patch.mean(dim=(0, 1)), dim=-1)
    r = F.normalize(region - region.mean(dim=(0, 1)), dim=-1)
    sim = torch.einsum('nic,njc->nij', p, r)
    own = torch.eye(m, dtype=torch.bool).expand_as(sim)
    top1 = (sim.argmax(-1) == torch.arange(m)).float().mean()
    return dict(top1=float(top1), own=float(sim[own].mean()), other=float(sim[~own].mean()))


def identify(config: str, backbones: list, cfg_options=None) -> list:
    """One row per backbone (``random`` or an SSL checkpoint) and one of raw pixels: how well
    the query patches' features identify their regions (``identification``); a Markdown table
    is printed."""
    from mmdet.structures.bbox import get_box_tensor

    from custom_modules.models.preprocess import normalize_like

    rows, pixels = [], None
    for backbone in backbones:
        cfg = read(config, cfg_options)
        init = (
            None if backbone == 'random' else dict(cfg.model.backbone.init_cfg, checkpoint=backbone)
        )
        cfg.model.backbone.init_cfg = init
        cfg.work_dir = default_work_dir(config, 'identify')
        runner = Runner.from_cfg(cfg)
        model = runner.model
        model.init_weights()
        model.eval()
        feats, pix = ([], []), ([], [])
        with torch.no_grad():
            for batch in runner.test_dataloader:
                data = model.data_preprocessor(batch, False)
                x, samples = data['inputs'], data['data_samples']
                for out, f in zip(feats, model.patch_and_region_features(x, samples)):
                    out.append(f)
                if pixels is None:
                    q = torch.stack([torch.as_tensor(s.metainfo['query_patches']) for s in samples])
                    q = normalize_like(model.data_preprocessor, q.flatten(0, 1).permute(0, 3, 1, 2))
                    pix[0].append(F.adaptive_avg_pool2d(q, 2).flatten(1).view(len(samples), -1, 12))
                    boxes = [get_box_tensor(s.gt_instances.bboxes).to(x) for s in samples]
                    reg = roi_align(x, boxes, output_size=2, spatial_scale=1.0, aligned=True)
                    pix[1].append(reg.flatten(1).view(len(samples), -1, 12))
        if pixels is None:
            pixels = identification(torch.cat(pix[0]), torch.cat(pix[1]))
        rows.append((backbone, identification(torch.cat(feats[0]), torch.cat(feats[1]))))
    m = torch.cat(feats[0]).shape[1]
    rows.insert(0, ('raw pixels (2 x 2 mean colours)', pixels))
    print(
        f'| backbone | patch finds its region (top-1 of {m}; chance {1 / m:.2f}) '
        '| cosine to its region | cosine to the other regions |\n|---|---|---|---|'
    )
    for name, r in rows:
        print(f'| {name} | {r["top1"]:.3f} | {r["own"]:.3f} | {r["other"]:.3f} |')
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description='Patch-box AP of an UP-DETR model')
    parser.add_argument('config')
    parser.add_argument(
        'checkpoints',
        nargs='*',
        help='omit to score the untrained model (in a table: the word untrained); several: a table',
    )
    parser.add_argument(
        '--mismatch', action='store_true', help='control: crops unrelated to the target boxes'
    )
    parser.add_argument(
        '--with-control',
        action='store_true',
        help='score each checkpoint with its patches and with the control; print a table',
    )
    parser.add_argument(
        '--given-patch',
        action='store_true',
        help="add to the table: IoU of each group's top box with its own patch's box and with "
        'the other patch boxes',
    )
    parser.add_argument(
        '--identify',
        nargs='+',
        metavar='BACKBONE',
        help='instead of AP: can each backbone (random, or an SSL checkpoint) tell the '
        "patches apart (no UP-DETR checkpoint: the config's model, untrained); a table",
    )
    parser.add_argument('--work-dir', help='one checkpoint, no table: where metrics.json goes')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.identify:
        if args.checkpoints or args.mismatch or args.with_control or args.work_dir:
            parser.error('--identify takes only the config, backbones and --cfg-options')
        return identify(args.config, args.identify, args.cfg_options)
    if len(args.checkpoints) > 1 or args.with_control or args.given_patch:
        if args.mismatch or args.work_dir:
            parser.error('a table (several checkpoints, --with-control) takes no --mismatch '
                         'or --work-dir')  # fmt: skip
        return table(args.config, args.checkpoints or [None], args.with_control, args.cfg_options,
                     args.given_patch)  # fmt: skip
    checkpoint = (args.checkpoints or [None])[0]
    metrics = score(args.config, checkpoint, args.mismatch, args.work_dir, args.cfg_options)
    what = checkpoint or 'untrained (initialised) model'
    what += ', query patches unrelated to the boxes (control)' if args.mismatch else ''
    print(f'\npatch-box AP of {what}:')
    for k in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_AR@100'):
        if f'coco/{k}' in metrics:
            print(f'{k:>12}: {metrics[f"coco/{k}"]:.4f}')
    return metrics


def table(config: str, checkpoints: list, control: bool, cfg_options=None, given=False) -> list:
    """Score every checkpoint (None: untrained), and with ``control`` its control too, with
    ``given`` the given-patch IoUs; print a Markdown table (patch mAP, AP50, AR@100 of each)
    and return its rows."""
    rows = []
    for ckpt in [None if c == 'untrained' else c for c in checkpoints]:
        m = score(config, ckpt, cfg_options=cfg_options)
        row = [ckpt or 'untrained'] + [m.get(f'coco/{k}', float('nan')) for k in COLUMNS]
        if control:
            c = score(config, ckpt, mismatch=True, cfg_options=cfg_options)
            row += [c.get(f'coco/{k}', float('nan')) for k in COLUMNS]
        if given:
            row += list(given_patch(config, ckpt, cfg_options))
        rows.append(row)
    head = ['checkpoint', 'patch mAP', 'AP50', 'AR@100']
    head += ['control mAP', 'control AP50', 'control AR@100'] if control else []
    head += ["own patch's box IoU", 'other patch boxes IoU'] if given else []
    print('| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head))
    for row in rows:
        print(f'| {row[0]} | ' + ' | '.join(f'{v:.3f}' for v in row[1:]) + ' |')
    return rows


if __name__ == '__main__':
    main()
