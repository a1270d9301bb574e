# Copyright (c) mmcorr contributors. All rights reserved.
"""PF-PASCAL / PF-WILLOW readers on tiny files in the published layouts."""
import csv
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator

from mmcorr.datasets import PFPascalDataset, PFWillowDataset, SampleLoadError
from mmcorr.models.data_preprocessors.pair_data_preprocessor import \
    PairDataPreprocessor
from mmcorr.registry import DATASETS
from mmcorr.structures import PairDataSample

# (H, W) of the tiny images
SIZES = {'a': (30, 40), 'b': (36, 50), 'c': (24, 24)}


def _write_images(folder, sizes=SIZES):
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, (h, w)) in enumerate(sizes.items()):
        img = np.random.RandomState(i).randint(0, 256, (h, w, 3), np.uint8)
        cv2.imwrite(str(folder / f'{name}.png'), img)


def _write_csv(path, header, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _join(values):
    return ';'.join(f'{v:g}' for v in values)


PASCAL_HEADER = ['source_image', 'target_image', 'class', 'XA', 'YA', 'XB',
                 'YB']
IMG = 'PF-dataset-PASCAL/JPEGImages/'
#: pair 0: identical images; pair 1: 'b' -> 'a' through the corner-aligned
#: scaling x_a = x_b * 39 / 49, y_a = y_b * 29 / 35 (exact for an identity
#: grid), with a -1 padded keypoint at the end.
PASCAL_ROWS = [
    [IMG + 'a.png', IMG + 'a.png', 8, _join([3, 20, 39]), _join([2, 15, 29]),
     _join([3, 20, 39]), _join([2, 15, 29]), 25.0],
    [IMG + 'a.png', IMG + 'b.png', 13,
     _join([0, 39 * 10 / 49, 39, -1]), _join([0, 29 * 7 / 35, 29, -1]),
     _join([0, 10, 49, -1]), _join([0, 7, 35, -1]), 31.5],
]


@pytest.fixture
def pascal_root(tmp_path):
    root = tmp_path / 'PF_Pascal'
    _write_images(root / 'PF-dataset-PASCAL' / 'JPEGImages')
    _write_csv(root / 'bbox_test_pairs_pf_pascal.csv',
               PASCAL_HEADER + ['L_pck'], PASCAL_ROWS)
    _write_csv(root / 'test_pairs_pf_pascal.csv', PASCAL_HEADER,
               [row[:7] for row in PASCAL_ROWS])
    return root


def _willow_row(src, tgt, src_kps, tgt_kps):
    src_kps, tgt_kps = np.asarray(src_kps), np.asarray(tgt_kps)
    return ([src, tgt] + list(src_kps[:, 0]) + list(src_kps[:, 1]) +
            list(tgt_kps[:, 0]) + list(tgt_kps[:, 1]))


@pytest.fixture
def willow_root(tmp_path):
    root = tmp_path / 'PF_WILLOW'
    _write_images(root / 'PF-dataset' / 'car(G)', {'a': SIZES['a']})
    _write_images(root / 'PF-dataset' / 'duck(S)', {'b': SIZES['b']})
    kps = np.stack([np.arange(10) * 4, np.arange(10) * 3], 1).astype(float)
    header = (['imageA', 'imageB'] + [f'XA{i}' for i in range(1, 11)] +
              [f'YA{i}' for i in range(1, 11)] +
              [f'XB{i}' for i in range(1, 11)] +
              [f'YB{i}' for i in range(1, 11)])
    _write_csv(root / 'test_pairs_pf.csv', header, [
        _willow_row('PF-dataset/car(G)/a.png', 'PF-dataset/car(G)/a.png',
                    kps, kps),
        _willow_row('PF-dataset/duck(S)/b.png', 'PF-dataset/duck(S)/b.png',
                    kps + 1, kps + 2),
    ])
    return root


# ------------------------------------------------------------ PF-PASCAL
def test_pascal_reads_the_bbox_csv(pascal_root):
    dataset = PFPascalDataset(data_root=str(pascal_root),
                              ann_file='bbox_test_pairs_pf_pascal.csv')
    assert len(dataset) == 2
    assert dataset.metainfo['classes'][7] == 'cat'
    first, second = dataset.get_data_info(0), dataset.get_data_info(1)
    assert first['src_img_path'] == osp.join(str(pascal_root), IMG + 'a.png')
    assert osp.isfile(second['tgt_img_path'])
    assert first['category'] == 'cat' and first['category_id'] == 7
    assert second['category'] == 'horse' and second['pair_index'] == 1
    assert first['src_keypoints'].dtype == np.float32
    assert first['src_keypoints'].tolist() == [[3, 2], [20, 15], [39, 29]]
    assert second['tgt_keypoints'][1].tolist() == [10, 7]
    assert second['keypoint_valid'].tolist() == [True, True, True, False]
    assert first['src_bbox_size'] == 25.0


def test_pascal_plain_csv_and_padding(pascal_root):
    dataset = PFPascalDataset(data_root=str(pascal_root),
                              ann_file='test_pairs_pf_pascal.csv',
                              pad_keypoints=20)
    info = dataset.get_data_info(0)
    assert 'src_bbox_size' not in info
    assert info['src_keypoints'].shape == (20, 2)
    assert info['keypoint_valid'].sum() == 3
    assert (info['tgt_keypoints'][3:] == -1).all()
    with pytest.raises(ValueError, match='pad_keypoints=2'):
        PFPascalDataset(data_root=str(pascal_root), pad_keypoints=2,
                        ann_file='test_pairs_pf_pascal.csv')


def test_missing_root_and_csv(tmp_path, pascal_root):
    with pytest.raises(FileNotFoundError, match='PF-PASCAL data root.*'
                       'PF-dataset-PASCAL.zip'):
        PFPascalDataset(data_root=str(tmp_path / 'absent'),
                        ann_file='test_pairs_pf_pascal.csv')
    with pytest.raises(FileNotFoundError,
                       match='val_pairs_pf_pascal.csv.*download_datasets'):
        PFPascalDataset(data_root=str(pascal_root),
                        ann_file='val_pairs_pf_pascal.csv')
    with pytest.raises(FileNotFoundError, match='PF-dataset.zip'):
        PFWillowDataset(data_root=str(tmp_path / 'absent'),
                        ann_file='test_pairs_pf.csv')


@pytest.mark.parametrize('row,match', [
    (None, 'no image pairs'),
    (['a.png', 'b.png', 3, '1;2', '1;2', '1;2'], '6 columns'),
    (['a.png', 'b.png', 21, '1', '1', '1', '1'], 'class'),
    (['a.png', 'b.png', 3, '1;2', '1', '1;2', '1;2'], '2 x values but 1 y'),
    (['a.png', 'b.png', 3, '1;2', '1;2', '1', '1'], '2 source but 1 target'),
    (['a.png', 'b.png', 3, '1;x', '1;2', '1;2', '1;2'], "'1;x'"),
    (['a.png', 'b.png', 3, '', '', '', ''], 'no keypoints'),
])
def test_bad_pascal_csvs(tmp_path, row, match):
    _write_csv(tmp_path / 'bad.csv', PASCAL_HEADER,
               [] if row is None else [row])
    with pytest.raises(ValueError, match=match) as info:
        PFPascalDataset(data_root=str(tmp_path), ann_file='bad.csv')
    if row is not None:
        assert 'line 2' in str(info.value)


def test_corrupt_image_names_the_file(pascal_root):
    (pascal_root / IMG / 'b.png').write_bytes(b'garbage')
    dataset = PFPascalDataset(
        data_root=str(pascal_root), ann_file='test_pairs_pf_pascal.csv',
        pipeline=[dict(type='LoadImagePairFromFile')])
    assert dataset[0]['src_img'].shape == (30, 40, 3)
    with pytest.raises(SampleLoadError, match='b.png'):
        dataset.prepare_data(1)
    (pascal_root / IMG / 'b.png').unlink()
    with pytest.raises(SampleLoadError, match='missing file.*b.png'):
        dataset.prepare_data(1)


# ------------------------------------------------------------ PF-WILLOW
def test_willow_reads_x_then_y_columns(willow_root):
    dataset = PFWillowDataset(data_root=str(willow_root),
                              ann_file='test_pairs_pf.csv')
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] == ('car(G)', 'duck(S)')
    info = dataset.get_data_info(1)
    assert info['category'] == 'duck(S)'
    assert info['src_keypoints'].shape == (10, 2)
    assert info['src_keypoints'][3].tolist() == [13, 10]  # (4*3+1, 3*3+1)
    assert info['tgt_keypoints'][9].tolist() == [38, 29]
    assert info['keypoint_valid'].all()
    assert 'src_bbox_size' not in info


def test_willow_bad_row(tmp_path):
    _write_csv(tmp_path / 'w.csv', ['imageA', 'imageB'],
               [['a.png', 'b.png'] + [1] * 39])
    with pytest.raises(ValueError, match='41 columns.*42'):
        PFWillowDataset(data_root=str(tmp_path), ann_file='w.csv')


# ----------------------------------------------------------- end to end
PIPELINE = [
    dict(type='LoadImagePairFromFile'),
    dict(type='ResizePair', scale=(28, 28)),
    dict(type='PadPair', padding=2),
    dict(type='PackPairInputs'),
]


def _identity_grid(h, w):
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w),
                            indexing='ij')
    return torch.stack([xs, ys], dim=-1)


def _run(dataset, grids, metric_cfg):
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    data = PairDataPreprocessor()(batch)
    assert data['inputs'].shape == (len(dataset), 2, 3, 32, 32)
    assert data['inputs'].dtype == torch.float32
    samples = data['data_samples']
    for sample, grid in zip(samples, grids):
        assert isinstance(sample, PairDataSample)
        sample.pred_grid_t2s = grid
    evaluator = Evaluator(metric_cfg)
    evaluator.dataset_meta = dataset.metainfo
    evaluator.process(samples, data)
    return evaluator.evaluate(len(dataset))


def test_end_to_end_pascal(pascal_root):
    dataset = DATASETS.build(dict(
        type='PFPascalDataset', data_root=str(pascal_root),
        ann_file='bbox_test_pairs_pf_pascal.csv', pipeline=PIPELINE,
        test_mode=True))
    sample = dataset[1]['data_samples']
    assert sample.img_shape == (32, 32)
    assert sample.src_ori_shape == (30, 40)
    assert sample.tgt_ori_shape == (36, 50)
    assert sample.category == 'horse'
    assert float(sample.gt_src_bbox_size) == 31.5
    identity = _identity_grid(4, 4)
    # identity predictions are exact for both pairs
    metrics = _run(dataset, [identity, identity],
                   dict(type='PCKMetric', alphas=(0.01, ), threshold='bbox'))
    assert metrics['PCK@0.01'] == pytest.approx(100)
    # pair 1 off by 6 source px in x: bbox L = 31.5 -> wrong at 0.15 (4.7),
    # right at 0.2 (6.3); pair 0 exact
    shifted = identity.clone()
    shifted[..., 0] += 2 * 6 / 39
    metrics = _run(dataset, [identity, shifted],
                   dict(type='PCKMetric', alphas=(0.15, 0.2),
                        threshold='bbox'))
    assert metrics == pytest.approx({'PCK@0.15': 50, 'PCK@0.2': 100})
    metrics = _run(dataset, [identity, shifted],
                   dict(type='PCKMetric', alphas=(0.15, ),
                        threshold='bbox', average='keypoint'))
    assert metrics['PCK@0.15'] == pytest.approx(100 * 3 / 6)


def test_end_to_end_willow(willow_root):
    dataset = DATASETS.build(dict(
        type='PFWillowDataset', data_root=str(willow_root),
        ann_file='test_pairs_pf.csv', pipeline=PIPELINE))
    identity = _identity_grid(5, 5)
    # pair 1: the source keypoints are (tgt - 1), the identity says tgt:
    # error sqrt(2) px; source keypoint extent L = 36
    metrics = _run(dataset, [identity, identity],
                   dict(type='PCKMetric', alphas=(1.4 / 36, 1.45 / 36),
                        threshold='keypoints', threshold_of='source'))
    assert list(metrics.values()) == pytest.approx([50, 100])
