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
from mmcorr.datasets.pair_csv import CsvFormatError
from mmcorr.models.data_preprocessors import MultiViewDataPreprocessor
from mmcorr.registry import DATASETS
from mmcorr.structures import MultiViewDataSample

# (H, W) of the tiny images
SIZES = {'a': (30, 40), 'b': (36, 50), 'c': (24, 24)}
SHARED_KEYS = {'category', 'category_id', 'keypoint_valid', 'pair_index',
               'sample_idx', 'views'}


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
    return ';'.join(f'{v:.9g}' for v in values)


def _recorded_b_to_a(xs, ys):
    """Where target pixels of 'b' (36x50) land in 'a' (30x40) when both are
    resized to the same size and matched by the identity: the pixel-centre
    mapping x_a = (x_b + 0.5) 40 / 50 - 0.5 (y likewise, 30 / 36)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    return (xs + 0.5) * 40 / 50 - 0.5, (ys + 0.5) * 30 / 36 - 0.5


PASCAL_HEADER = ['source_image', 'target_image', 'class', 'XA', 'YA', 'XB',
                 'YB']
IMG = 'PF-dataset-PASCAL/JPEGImages/'
_B_XS, _B_YS = [0, 10, 49], [0, 7, 35]
_A_XS, _A_YS = _recorded_b_to_a(_B_XS, _B_YS)
#: pair 0: identical images; pair 1: 'a' <- 'b' through the recorded
#: resize mapping (exact for an identity grid), with a -1 padded keypoint
#: at the end.
PASCAL_ROWS = [
    [IMG + 'a.png', IMG + 'a.png', 8, _join([3, 20, 39]), _join([2, 15, 29]),
     _join([3, 20, 39]), _join([2, 15, 29]), 25.0],
    [IMG + 'a.png', IMG + 'b.png', 13,
     _join(list(_A_XS) + [-1]), _join(list(_A_YS) + [-1]),
     _join(_B_XS + [-1]), _join(_B_YS + [-1]), 31.5],
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
    assert set(first) == SHARED_KEYS
    src, tgt = first['views']
    assert set(src) == {'img_path', 'keypoints', 'bbox_size'}
    assert set(tgt) == {'img_path', 'keypoints'}
    assert src['img_path'] == osp.join(str(pascal_root), IMG + 'a.png')
    assert osp.isfile(second['views'][1]['img_path'])
    assert second['views'][1]['img_path'].endswith('b.png')
    assert first['category'] == 'cat' and first['category_id'] == 7
    assert second['category'] == 'horse' and second['pair_index'] == 1
    assert second['sample_idx'] == 1
    assert src['keypoints'].dtype == np.float32
    assert src['keypoints'].tolist() == [[3, 2], [20, 15], [39, 29]]
    assert second['views'][1]['keypoints'][1].tolist() == [10, 7]
    assert second['keypoint_valid'].dtype == bool
    assert second['keypoint_valid'].tolist() == [True, True, True, False]
    assert src['bbox_size'] == 25.0


def test_pascal_plain_csv_and_padding(pascal_root):
    dataset = PFPascalDataset(data_root=str(pascal_root),
                              ann_file='test_pairs_pf_pascal.csv',
                              pad_keypoints=20)
    info = dataset.get_data_info(0)
    src, tgt = info['views']
    assert 'bbox_size' not in src
    assert src['keypoints'].shape == tgt['keypoints'].shape == (20, 2)
    assert info['keypoint_valid'].sum() == 3
    assert (tgt['keypoints'][3:] == -1).all()
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
    (['a.png', 'b.png', 2.5, '1', '1', '1', '1'], 'class'),
    (['a.png', 'b.png', 3, '1;2', '1', '1;2', '1;2'], '2 x values but 1 y'),
    (['a.png', 'b.png', 3, '1;2', '1;2', '1', '1'], '2 source but 1 target'),
    (['a.png', 'b.png', 3, '1;x', '1;2', '1;2', '1;2'], "'1;x'"),
    (['a.png', 'b.png', 3, '', '', '', ''], 'no keypoints'),
    (['a.png', 'b.png', 3, '1', '1', '1', '1', 'big'], "'big' is not a"),
])
def test_bad_pascal_csvs(tmp_path, row, match):
    _write_csv(tmp_path / 'bad.csv', PASCAL_HEADER,
               [] if row is None else [row])
    with pytest.raises(CsvFormatError, match=match) as info:
        PFPascalDataset(data_root=str(tmp_path), ann_file='bad.csv')
    assert isinstance(info.value, ValueError)
    if row is not None:
        assert 'line 2' in str(info.value)


def test_corrupt_image_names_the_file(pascal_root):
    (pascal_root / IMG / 'b.png').write_bytes(b'garbage')
    dataset = PFPascalDataset(
        data_root=str(pascal_root), ann_file='test_pairs_pf_pascal.csv',
        pipeline=[dict(type='ForEachView',
                       transforms=[dict(type='LoadCheckedImage')])])
    views = dataset[0]['views']
    assert views[0]['img'].shape == views[1]['img'].shape == (30, 40, 3)
    with pytest.raises(SampleLoadError, match='sample 1.*b.png'):
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
    assert set(info) == SHARED_KEYS - {'category_id'}
    src, tgt = info['views']
    assert set(src) == set(tgt) == {'img_path', 'keypoints'}
    assert info['category'] == 'duck(S)'
    assert src['keypoints'].shape == (10, 2)
    assert src['keypoints'][3].tolist() == [13, 10]  # (4*3+1, 3*3+1)
    assert tgt['keypoints'][9].tolist() == [38, 29]
    assert info['keypoint_valid'].all()
    assert src['img_path'] == osp.join(str(willow_root),
                                       'PF-dataset/duck(S)/b.png')


def test_willow_bad_rows(tmp_path):
    _write_csv(tmp_path / 'w.csv', ['imageA', 'imageB'],
               [['a.png', 'b.png'] + [1] * 39])
    with pytest.raises(CsvFormatError, match='41 columns.*42'):
        PFWillowDataset(data_root=str(tmp_path), ann_file='w.csv')
    _write_csv(tmp_path / 'w.csv', ['imageA', 'imageB'],
               [['a.png', 'b.png'] + [1] * 39 + ['x']])
    with pytest.raises(CsvFormatError, match='line 2.*must be numbers'):
        PFWillowDataset(data_root=str(tmp_path), ann_file='w.csv')


# ----------------------------------------------------------- end to end
PIPELINE = [
    dict(type='ForEachView', transforms=[
        dict(type='LoadCheckedImage'),
        dict(type='RecordedResize', scale=(28, 28)),
        dict(type='RecordedPad', padding=2),
    ]),
    dict(type='PackMultiViewInputs'),
]


def _identity_grid(h, w):
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w),
                            indexing='ij')
    return torch.stack([xs, ys], dim=-1)


def _run(dataset, grids, metric_cfg):
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    data = MultiViewDataPreprocessor()(batch)
    assert data['inputs'].shape == (len(dataset), 2, 3, 32, 32)
    assert data['inputs'].dtype == torch.float32
    samples = data['data_samples']
    for sample, grid in zip(samples, grids):
        assert isinstance(sample, MultiViewDataSample)
        sample.pred_grid_t2s = grid
    evaluator = Evaluator(dict(metric_cfg, point_sampling='bilinear'))
    evaluator.dataset_meta = dataset.metainfo
    evaluator.process(samples, data)
    return evaluator.evaluate(len(dataset))


def test_end_to_end_pascal(pascal_root):
    dataset = DATASETS.build(dict(
        type='PFPascalDataset', data_root=str(pascal_root),
        ann_file='bbox_test_pairs_pf_pascal.csv', pipeline=PIPELINE,
        test_mode=True))
    sample = dataset[1]['data_samples']
    assert sample.source.img_shape == sample.target.img_shape == (32, 32)
    assert sample.source.ori_shape == (30, 40)
    assert sample.target.ori_shape == (36, 50)
    assert sample.source.pad_margins == (2, 2, 2, 2)
    assert sample.category == 'horse' and sample.pair_index == 1
    assert float(sample.source.gt_bbox_size) == 31.5
    assert 'gt_bbox_size' not in sample.target
    assert sample.gt_keypoint_valid.tolist() == [True, True, True, False]
    identity = _identity_grid(4, 4)
    # identity predictions are exact for both pairs (within 0.03 px: the
    # old corner-aligned mapping would be off by 0.1 px)
    metrics = _run(dataset, [identity, identity],
                   dict(type='PCKMetric', alphas=(0.001, ),
                        threshold='bbox'))
    assert metrics['PCK@0.001'] == pytest.approx(100)
    # pair 1 off by 6 source px in x (6 * 28 / 40 input px): bbox L = 31.5
    # -> wrong at 0.15 (4.7), right at 0.2 (6.3); pair 0 exact
    shifted = identity.clone()
    shifted[..., 0] += 2 * (6 * 28 / 40) / 31
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
