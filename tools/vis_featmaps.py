"""The FPN levels' feature maps of a detector for one image, as a PNG (the report's
Figure 2a).

    python tools/vis_featmaps.py CONFIG CKPT IMAGE [--out PNG] [--data-root DIR]
        [--cfg-options k=v ...]

IMAGE is an image file, or a number: that image of the config's test dataset (``2``: its
third; any dataset format). Each level is shown as the L2 norm over channels of its features,
scaled to [0, 1] per level and laid over the (resized) input, beside the input itself.
"""

import argparse
import os.path as osp

import cv2
import numpy as np
import torch

from tools.lib.config import add_data_arguments
from tools.lib.models import load_detector

CELL = 256


def feature_maps(model, dataset, image):
    """The input as the model saw it (H, W, 3 uint8 RGB), each FPN level's (h, w) norm map
    and the padded (H, W) the levels cover."""
    from mmengine.dataset import Compose, pseudo_collate

    pipeline = Compose([t for t in dataset.pipeline.transforms
                        if type(t).__name__ != 'LoadAnnotations'])  # fmt: skip
    data = pipeline(dict(img_path=image, img_id=0))
    batch = model.data_preprocessor(pseudo_collate([data]), False)
    with torch.no_grad():
        feats = model.extract_feat(batch['inputs'])
    inp = batch['inputs'][0].cpu()
    mean = model.data_preprocessor.mean.cpu()
    std = model.data_preprocessor.std.cpu()
    rgb = (inp * std + mean).clamp(0, 255).byte().permute(1, 2, 0).numpy()
    h, w = data['data_samples'].img_shape
    maps = [f[0].float().norm(dim=0).cpu().numpy() for f in feats]
    return rgb[:h, :w], maps, tuple(inp.shape[-2:])


def overlay(rgb, fmap, padded):
    h, w = rgb.shape[:2]
    fmap = (fmap - fmap.min()) / (fmap.max() - fmap.min() + 1e-9)
    heat = cv2.applyColorMap((fmap * 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS)
    heat = cv2.resize(heat, (padded[1], padded[0]), interpolation=cv2.INTER_NEAREST)[:h, :w]
    return cv2.addWeighted(rgb[..., ::-1], 0.35, heat, 0.65, 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image', help="an image file, or N: the test dataset's image N")
    parser.add_argument('--out', help='PNG (default: next to the checkpoint)')
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    model, dataset = load_detector(args.config, args.checkpoint, args.cfg_options, args.data_root)
    image = args.image
    if image.isdigit() and not osp.exists(image):
        image = dataset.get_data_info(int(image))['img_path']
    rgb, maps, padded = feature_maps(model, dataset, image)
    cells = [cv2.resize(rgb[..., ::-1], (CELL, CELL), interpolation=cv2.INTER_AREA)]
    names = ['input']
    for i, m in enumerate(maps):
        cells.append(
            cv2.resize(overlay(rgb, m, padded), (CELL, CELL), interpolation=cv2.INTER_NEAREST)
        )
        names.append(f'P{i + 2}  stride {round(padded[1] / m.shape[1])}  {m.shape[1]}x{m.shape[0]}')
    for cell, name in zip(cells, names):
        cv2.rectangle(cell, (0, 0), (CELL, 18), (255, 255, 255), -1)
        cv2.putText(cell, name, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                    cv2.LINE_AA)  # fmt: skip
    gap = np.full((CELL, 4, 3), 255, np.uint8)
    row = np.hstack([x for c in cells for x in (c, gap)][:-1])
    out = args.out or osp.splitext(args.checkpoint)[0] + '_featmaps.png'
    cv2.imwrite(out, row)
    print(f'{out}: input and {len(maps)} FPN levels')
    return out


if __name__ == '__main__':
    main()
