"""mmdet's CocoMetric against FastCocoMetric on the same synthetic detections, in one run.

    python benchmarks/bench_eval.py [--images 20000] [--classes 100] [--seed 0]

The data are made deterministically: 640x480 images with 1-10 ground-truth boxes each (small,
medium and large, 2% crowd) and 13-40 detections each (about 26.5 per image: jittered copies of
the ground truth, some with a wrong class, and random boxes), i.e. about 531K detections on
20,000 images. Both metrics run end to end: ``process`` on every sample, then ``evaluate``
(ground-truth conversion, result formatting, COCOeval). The last line is
``eval speedup X.Xx, max |delta| D`` with D the largest difference of the 12 COCO statistics.
"""

import argparse
import time

import numpy as np

from tools.lib.coco_samples import make_samples


def run_metric(metric, samples, batch=8):
    """``process`` every sample in batches, then ``evaluate``; returns (metrics, seconds)."""
    t = time.perf_counter()
    for i in range(0, len(samples), batch):
        metric.process({}, samples[i : i + batch])
    out = metric.evaluate(len(samples))
    return out, time.perf_counter() - t


def stock_metric():
    """mmdet's CocoMetric, with its COCOeval's unrounded stats recorded (no extra work)."""
    import mmdet.evaluation.metrics.coco_metric as cm

    class RecordingCOCOeval(cm.COCOeval):
        last = None

        def summarize(self):
            super().summarize()
            RecordingCOCOeval.last = np.asarray(self.stats, dtype=np.float64)

    cm.COCOeval = RecordingCOCOeval
    return cm.CocoMetric(metric='bbox'), RecordingCOCOeval


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--images', type=int, default=20000)
    parser.add_argument('--classes', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    import contextlib
    import io

    from custom_modules.evaluation import FastCocoMetric

    t = time.perf_counter()
    samples = make_samples(args.images, args.classes, args.seed)
    n_det = sum(len(s['pred_instances']['labels']) for s in samples)
    n_gt = sum(len(s['instances']) for s in samples)
    print(
        f'{args.images} images, {args.classes} classes, {n_gt} ground-truth boxes, '
        f'{n_det} detections (made in {time.perf_counter() - t:.1f} s)',
        flush=True,
    )
    meta = dict(classes=tuple(f'c{i}' for i in range(args.classes)))

    stock, recorder = stock_metric()
    stock.dataset_meta = meta
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its summary
        stock_out, t_stock = run_metric(stock, samples)
    print(f'mmdet CocoMetric (pycocotools):   {t_stock:8.1f} s  mAP {stock_out["coco/bbox_mAP"]}')

    ours = FastCocoMetric(metric='bbox')
    ours.dataset_meta = meta
    ours_out, t_ours = run_metric(ours, samples)
    print(f'FastCocoMetric (faster-coco-eval): {t_ours:7.1f} s  mAP {ours_out["coco/bbox_mAP"]}')

    a, b = recorder.last, ours.last_stats['bbox']
    names = ['mAP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100', 'AR300', 'AR1000', 'ARs', 'ARm',
             'ARl']  # fmt: skip
    for name, x, y in zip(names, a, b):
        print(f'  {name:>6}: {x:.6f} {y:.6f}')
    delta = float(np.max(np.abs(a - b)))
    if stock_out != ours_out or delta > 1e-6:
        print(f'MISMATCH: {stock_out} vs {ours_out}')
    print(f'eval speedup {t_stock / t_ours:.1f}x, max |delta| {delta:.1e}')


if __name__ == '__main__':
    main()
