# Copyright (c) mmcorr contributors. All rights reserved.
import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmcorr.datasets.transforms import (LoadImagePairFromFile,
                                        LoadMaskPairFromFile, PackPairInputs,
                                        PadPair, ResizePair)
from mmcorr.models.data_preprocessors.pair_data_preprocessor import \
    PairDataPreprocessor
from mmcorr.registry import MODELS, TRANSFORMS
from mmcorr.structures import PairDataSample


def _image(h, w, seed):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3), np.uint8)


@pytest.fixture
def pair_files(tmp_path):
    """Two PNG images (30x40, 36x50) and their masks."""
    src, tgt = _image(30, 40, 1), _image(36, 50, 2)
    src_mask = np.zeros((30, 40), np.uint8)
    src_mask[5:20, 10:30] = 200
    tgt_mask = np.zeros((36, 50), np.uint8)
    tgt_mask[:10] = 1
    paths = {}
    for name, array in dict(src_img=src, tgt_img=tgt, src_mask=src_mask,
                            tgt_mask=tgt_mask).items():
        paths[name] = str(tmp_path / f'{name}.png')
        cv2.imwrite(paths[name], array)
    return dict(paths=paths, src=src, tgt=tgt, src_mask=src_mask,
                tgt_mask=tgt_mask)


def _results(files, **extra):
    p = files['paths']
    results = dict(src_img_path=p['src_img'], tgt_img_path=p['tgt_img'],
                   src_mask_path=p['src_mask'], tgt_mask_path=p['tgt_mask'],
                   src_keypoints=np.array([[3., 4.], [-1, -1]], np.float32),
                   tgt_keypoints=np.array([[5., 6.], [-1, -1]], np.float32),
                   category='cat', pair_index=7)
    results.update(extra)
    return results


def test_load_images_and_masks(pair_files):
    results = LoadImagePairFromFile()(_results(pair_files))
    assert np.array_equal(results['src_img'], pair_files['src'])  # BGR
    assert np.array_equal(results['tgt_img'], pair_files['tgt'])
    assert results['src_ori_shape'] == (30, 40)
    assert results['tgt_ori_shape'] == (36, 50)
    results = LoadMaskPairFromFile(threshold=100)(results)
    assert results['src_mask'].dtype == np.uint8
    assert np.array_equal(results['src_mask'], pair_files['src_mask'] > 100)
    assert results['tgt_mask'].sum() == 0  # 1 <= 100
    results = LoadMaskPairFromFile()(results)
    assert np.array_equal(results['tgt_mask'], pair_files['tgt_mask'])


def test_grayscale_file_becomes_three_channels(tmp_path, pair_files):
    gray = str(tmp_path / 'gray.png')
    cv2.imwrite(gray, np.full((8, 9), 77, np.uint8))
    results = LoadImagePairFromFile(to_float32=True)(
        _results(pair_files, src_img_path=gray))
    assert results['src_img'].shape == (8, 9, 3)
    assert results['src_img'].dtype == np.float32


def test_missing_and_corrupt_files_are_named(tmp_path, pair_files):
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadImagePairFromFile()(_results(pair_files, tgt_img_path=missing))
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG not really')
    with pytest.raises(ValueError, match='corrupt.png'):
        LoadImagePairFromFile()(_results(pair_files,
                                         src_img_path=str(corrupt)))
    with pytest.raises(ValueError, match='corrupt.png'):
        LoadMaskPairFromFile()(_results(pair_files,
                                        src_mask_path=str(corrupt)))


def test_mask_of_other_size_than_image(pair_files):
    results = LoadImagePairFromFile()(_results(pair_files))
    results['src_mask_path'] = pair_files['paths']['tgt_mask']
    with pytest.raises(ValueError, match='tgt_mask.png'):
        LoadMaskPairFromFile()(results)


def test_resize_and_pad(pair_files):
    results = LoadMaskPairFromFile()(LoadImagePairFromFile()(
        _results(pair_files)))
    keypoints = results['src_keypoints'].copy()
    results = ResizePair(scale=(24, 20))(results)
    assert results['src_img'].shape == (20, 24, 3)
    assert results['tgt_img'].shape == (20, 24, 3)
    assert results['img_shape'] == (20, 24)
    assert results['src_scale_factor'] == pytest.approx((24 / 40, 20 / 30))
    assert results['tgt_scale_factor'] == pytest.approx((24 / 50, 20 / 36))
    assert results['src_mask'].shape == (20, 24)
    assert set(np.unique(results['src_mask'])) == {0, 1}  # nearest
    assert np.array_equal(results['src_keypoints'], keypoints)
    resized = results['src_img'].copy()
    results = PadPair(padding=3)(results)
    assert results['img_shape'] == (26, 30)
    assert results['pad_size'] == 3
    img = results['src_img']
    assert np.array_equal(img[3:-3, 3:-3], resized)
    assert img[:3].max() == 0 and img[:, -3:].max() == 0
    assert results['tgt_mask'].shape == (26, 30)
    assert results['tgt_mask'][:3].max() == 0
    assert PadPair(padding=1)(results)['pad_size'] == 4


def test_transforms_are_registered():
    for name in ('LoadImagePairFromFile', 'LoadMaskPairFromFile',
                 'ResizePair', 'PadPair', 'PackPairInputs'):
        assert TRANSFORMS.get(name).__name__ == name
    with pytest.raises(ValueError):
        ResizePair(scale=(0, 5))
    with pytest.raises(ValueError):
        PadPair(padding=-1)


def _packed(pair_files, **extra):
    pipeline = [LoadImagePairFromFile(), LoadMaskPairFromFile(),
                ResizePair(scale=(24, 20)), PadPair(padding=2),
                PackPairInputs()]
    results = _results(pair_files, **extra)
    for t in pipeline:
        results = t(results)
    return results


def test_pack(pair_files):
    packed = _packed(pair_files, src_bbox=[1, 2, 30, 25], src_bbox_size=28.)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (2, 3, 24, 28) and inputs.dtype == torch.uint8
    assert isinstance(sample, PairDataSample)
    src = cv2.copyMakeBorder(cv2.resize(pair_files['src'], (24, 20)),
                             2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0)
    assert torch.equal(inputs[0], torch.from_numpy(src).permute(2, 0, 1))
    assert sample.gt_src_keypoints.dtype == torch.float32
    assert sample.gt_tgt_keypoints.tolist() == [[5., 6.], [-1., -1.]]
    assert sample.gt_keypoint_valid.tolist() == [True, False]
    assert sample.gt_src_bbox.tolist() == [1., 2., 30., 25.]
    assert float(sample.gt_src_bbox_size) == 28.
    assert 'gt_tgt_bbox' not in sample
    assert sample.gt_src_mask.data.shape == (1, 24, 28)
    assert sample.gt_src_mask.data.dtype == torch.float32
    meta = sample.metainfo
    assert meta['img_shape'] == (24, 28)
    assert meta['src_ori_shape'] == (30, 40)
    assert meta['tgt_ori_shape'] == (36, 50)
    assert meta['category'] == 'cat' and meta['pair_index'] == 7
    assert meta['pad_size'] == 2
    assert meta['src_img_path'].endswith('src_img.png')


def test_pack_uses_given_validity_and_checks_sizes(pair_files):
    packed = _packed(pair_files, keypoint_valid=np.array([False, True]))
    assert packed['data_samples'].gt_keypoint_valid.tolist() == [False, True]
    results = LoadImagePairFromFile()(_results(pair_files))
    with pytest.raises(ValueError, match='ResizePair'):
        PackPairInputs()(results)
    results = ResizePair(scale=(8, 8))(results)
    results['tgt_keypoints'] = np.zeros((3, 2))
    with pytest.raises(ValueError, match='tgt_keypoints'):
        PackPairInputs()(results)


def test_data_preprocessor(pair_files):
    batch = pseudo_collate([_packed(pair_files), _packed(pair_files)])
    preprocessor = PairDataPreprocessor()
    assert MODELS.get('PairDataPreprocessor') is PairDataPreprocessor
    out = preprocessor(batch)
    inputs = out['inputs']
    assert inputs.shape == (2, 2, 3, 24, 28) and inputs.dtype == torch.float32
    assert len(out['data_samples']) == 2
    raw = batch['inputs'][0].float()  # BGR, 0..255
    rgb01 = raw.flip(1) / 255  # [2, 3, H, W]: flip the channels
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    torch.testing.assert_close(inputs[0], (rgb01 - mean) / std,
                               rtol=1e-5, atol=1e-5)
    plain = PairDataPreprocessor(mean=None, std=None, bgr_to_rgb=False)
    torch.testing.assert_close(plain(batch)['inputs'],
                               torch.stack(batch['inputs']).float())
    stacked = dict(inputs=torch.stack(batch['inputs']))
    assert plain(stacked)['inputs'].shape == (2, 2, 3, 24, 28)


def test_data_preprocessor_errors():
    preprocessor = PairDataPreprocessor()
    with pytest.raises(ValueError, match='different sizes'):
        preprocessor(dict(inputs=[torch.zeros(2, 3, 4, 4),
                                  torch.zeros(2, 3, 4, 5)]))
    with pytest.raises(ValueError, match=r'\[2, 3, H, W\]'):
        preprocessor(dict(inputs=[torch.zeros(3, 4, 4)]))
    with pytest.raises(ValueError, match='mean and std'):
        PairDataPreprocessor(mean=None)
