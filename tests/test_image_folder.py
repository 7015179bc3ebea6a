"""UnlabeledImageDataset on a photo collection as users have it: a nested tree, mixed-case
extensions, symbolic links (one looping back), hidden folders, files sharing a stem, a list
file; and pack_unlabeled.py on such a tree."""

import os
import os.path as osp

import numpy as np
from PIL import Image

from custom_modules.datasets import (
    PackedUnlabeledImageDataset,
    UnlabeledImageDataset,
    list_images,
    write_pack,
)


def tree(root):
    """root/photos: 10.JPG, 2.png, a/1.JPEG, a/b/x.Png, c -> a/b (a link), a/loop -> a (a link
    back up), .cache/9.png (hidden), a/1.jpeg (shares a stem with a/1.JPEG), notes.txt."""
    top = osp.join(root, 'photos')
    for i, rel in enumerate(['10.JPG', '2.png', 'a/1.JPEG', 'a/b/x.Png', '.cache/9.png',
                             'a/1.jpeg']):  # fmt: skip
        os.makedirs(osp.dirname(osp.join(top, rel)), exist_ok=True)
        kind = 'PNG' if 'png' in rel.lower() else 'JPEG'
        Image.new('RGB', (8 + i, 8), (i * 20, 0, 0)).save(osp.join(top, rel), kind)
    open(osp.join(top, 'notes.txt'), 'w').write('not an image')
    os.symlink(osp.join(top, 'a', 'b'), osp.join(top, 'c'))
    os.symlink(osp.join(top, 'a'), osp.join(top, 'a', 'loop'))
    return top


def test_a_nested_tree_is_listed_in_a_stable_order(tmp_path):
    top = tree(str(tmp_path))
    names, dups = list_images(top, with_duplicates=True)
    # numbers first in numeric order, then names; files before folders of the same key; each
    # real folder once (c is a/b, a/loop is a); hidden folders and other files left out
    assert [n.decode() for n in names] == ['2.png', '10.JPG', 'a/1.jpeg', 'a/b/x.Png']
    assert dups == [('a/', ['1.JPEG', '1.jpeg'])]
    ds = UnlabeledImageDataset(data_root=top)
    assert len(ds) == 4 and ds.get_data_info(3)['img_path'] == osp.join(top, 'a/b/x.Png')
    # a flat folder of ids: id order, as the NYU layout's unlabeled folder always was
    flat = tmp_path / 'flat'
    flat.mkdir()
    for i in (3, 1, 20, 2):
        Image.new('RGB', (4, 4)).save(flat / f'{i}.PNG')
    assert [n.decode() for n in list_images(str(flat))] == ['1.PNG', '2.PNG', '3.PNG', '20.PNG']


def test_a_list_file_gives_the_images_in_its_order(tmp_path):
    top = tree(str(tmp_path))
    (tmp_path / 'list.txt').write_text('# chosen\na/b/x.Png\n\n2.png\n')
    ds = UnlabeledImageDataset(data_root=top, ann_file=str(tmp_path / 'list.txt'))
    assert [ds.get_data_info(i)['img_path'] for i in range(len(ds))] == [
        osp.join(top, 'a/b/x.Png'), osp.join(top, '2.png')]  # fmt: skip


def test_a_nested_tree_packs_and_reads_back(tmp_path):
    top = tree(str(tmp_path))
    from tools.pack_unlabeled import main

    assert main([top, '--workers', '1']) == 0
    ds = PackedUnlabeledImageDataset(data_root=top)
    plain = UnlabeledImageDataset(data_root=top, pipeline=[dict(type='LoadImageChecked')])
    assert len(ds) == len(plain) == 4
    for i in range(4):
        assert np.array_equal(ds.prepare_data(i)['img'], plain.prepare_data(i)['img'])
    write_pack(top, list_images(top), top + '.packed', workers=1)  # the same, by the library
