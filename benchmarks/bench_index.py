"""Index a folder of N empty files (default 512,000, the NYU unlabeled set's size).

    python benchmarks/bench_index.py [--files 512000] [--compare]

Prints the time and index memory of UnlabeledImageDataset and, with --compare, of mmpretrain's
CustomDataset(with_label=False) on the same folder in the same run, and their ratio.
"""

import argparse
import os
import os.path as osp
import pickle
import shutil
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--files', type=int, default=512_000)
    parser.add_argument('--compare', action='store_true', help="also time mmpretrain's")
    args = parser.parse_args()
    from custom_modules.datasets import UnlabeledImageDataset

    root = tempfile.mkdtemp(prefix='bench_index_')
    try:
        folder = osp.join(root, 'unlabeled')
        os.makedirs(folder)
        t = time.perf_counter()
        for i in range(1, args.files + 1):
            open(osp.join(folder, f'{i}.PNG'), 'wb').close()
        print(f'made {args.files} empty files in {time.perf_counter() - t:.1f} s')
        os.system('sync')
        t = time.perf_counter()
        ds = UnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
        ours = time.perf_counter() - t
        mem = ds.names.nbytes
        print(
            f'UnlabeledImageDataset: {len(ds)} images indexed in {ours:.2f} s, '
            f'index {mem / 2**20:.1f} MiB (copied to each worker: {mem / 2**20:.1f} MiB)'
        )
        if args.compare:
            from mmpretrain.datasets import CustomDataset

            t = time.perf_counter()
            theirs_ds = CustomDataset(data_root=root, data_prefix='unlabeled', with_label=False)
            theirs = time.perf_counter() - t
            if getattr(theirs_ds, 'serialize_data', False):  # mmengine packs data_list
                size = theirs_ds.data_bytes.nbytes + theirs_ds.data_address.nbytes
            else:
                size = len(pickle.dumps(theirs_ds.data_list))
            print(
                f'mmpretrain CustomDataset: {len(theirs_ds)} images in {theirs:.2f} s, '
                f'serialized index {size / 2**20:.1f} MiB'
            )
            print(f'index speedup {theirs / ours:.1f}x, memory ratio {size / mem:.1f}x')
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
