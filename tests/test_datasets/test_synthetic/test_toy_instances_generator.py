# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' toy data generator to the ToyV2 spec and its official layout,
read back by AdaptISToyDataset."""
import cv2
import numpy as np
import pytest

from mmcorr.datasets import AdaptISToyDataset
from mmcorr.datasets.synthetic import (generate_toy_instances,
                                       render_toy_image)


def test_render_spec_and_painter_order():
    rgb, ids = render_toy_image(np.random.default_rng(0))
    assert rgb.shape == (128, 128, 3) and rgb.dtype == np.uint8
    assert ids.dtype == np.uint16
    visible = np.unique(ids[ids > 0])
    assert visible.tolist() == list(range(1, len(visible) + 1))
    assert 12 <= len(visible) <= 52
    # deterministic per generator seed
    again = render_toy_image(np.random.default_rng(0))
    assert np.array_equal(again[0], rgb) and np.array_equal(again[1], ids)
    v1, v1_ids = render_toy_image(np.random.default_rng(1), style='v1')
    assert v1.shape == (96, 96, 3) and v1_ids.max() >= 1


def test_generate_layout_and_dataset(tmp_path):
    params = generate_toy_instances(str(tmp_path), {'train': 3, 'test': 2},
                                    size=48, objects=(3, 6), seed=1)
    files = sorted(p.name for p in (tmp_path / 'train').iterdir())
    assert len(files) == 6 and files[0].startswith('00000_')
    ids = cv2.imread(str(tmp_path / 'train' / files[0]),
                     cv2.IMREAD_UNCHANGED)
    assert ids.dtype == np.uint16  # 16-bit, as the official files
    n = int(files[0].split('_')[1])
    assert ids.max() == n
    # identical parameters: nothing rewritten
    mtime = (tmp_path / 'train' / files[0]).stat().st_mtime_ns
    assert generate_toy_instances(str(tmp_path), {'train': 3, 'test': 2},
                                  size=48, objects=(3, 6), seed=1) == params
    assert (tmp_path / 'train' / files[0]).stat().st_mtime_ns == mtime
    dataset = AdaptISToyDataset(data_root=str(tmp_path), split='test',
                                pipeline=[])
    assert len(dataset) == 2
    view = dataset[0]['views'][0]
    assert view['ins_map_path'].endswith('_im.png')
    assert view['num_objects'] >= 1
    with pytest.raises(FileNotFoundError, match='generate_toy_instances'):
        AdaptISToyDataset(data_root=str(tmp_path), split='val', pipeline=[])
