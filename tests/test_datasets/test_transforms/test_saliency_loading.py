# Copyright (c) mmcorr contributors. All rights reserved.
"""LoadSaliencyMap and LoadBinaryMask: co-saliency inputs and labels."""
import cv2
import numpy as np
import pytest
from cosod_fixtures import gt_pixels, sism_pixels

from mmcorr.datasets.load_errors import LabelSizeError
from mmcorr.datasets.transforms import (ForEachView, LoadBinaryMask,
                                        LoadCheckedImage, LoadSaliencyMap,
                                        PackMultiViewInputs, RecordedResize)
from mmcorr.registry import TRANSFORMS

SIZE = (12, 16)  # (H, W)


@pytest.fixture
def files(tmp_path):
    img = str(tmp_path / 'a.jpg')
    gt = str(tmp_path / 'a_gt.png')
    sism = str(tmp_path / 'a_sism.png')
    cv2.imwrite(img, np.full((*SIZE, 3), 90, np.uint8))
    cv2.imwrite(gt, gt_pixels(SIZE))
    cv2.imwrite(sism, sism_pixels(SIZE))
    return dict(img_path=img, seg_map_path=gt, sism_path=sism)


def _loaded(files):
    return LoadCheckedImage()(dict(files))


def test_saliency_map_values_and_map_fields(files):
    out = LoadSaliencyMap()(_loaded(files))
    assert out['sism'].dtype == np.float32 and out['sism'].shape == SIZE
    np.testing.assert_allclose(out['sism'], sism_pixels(SIZE) / 255.0,
                               rtol=0, atol=1e-7)
    assert out['map_fields'] == ['sism']
    # configurable keys; an existing map_fields list is not mutated
    shared = ['other']
    results = dict(_loaded(files), depth_path=files['sism_path'],
                   map_fields=shared)
    out = LoadSaliencyMap(path_key='depth_path', key='depth')(results)
    assert out['map_fields'] == ['other', 'depth'] and shared == ['other']
    assert out['depth'].shape == SIZE


def test_grey_map_stored_in_three_channels_is_read_grey(files, tmp_path):
    colour = str(tmp_path / 'colour.png')
    cv2.imwrite(colour, np.full((*SIZE, 3), 51, np.uint8))
    out = LoadSaliencyMap()(dict(_loaded(files), sism_path=colour))
    np.testing.assert_allclose(out['sism'], 0.2, atol=1e-6)


def test_colour_photograph_is_refused_as_a_saliency_map(files, tmp_path):
    """A photograph given as a SISM (e.g. --sism-dir pointing at the
    images) is named, not silently used; allow_colour converts it."""
    photo = str(tmp_path / 'photo.png')
    rng = np.random.default_rng(0)
    cv2.imwrite(photo, rng.integers(0, 256, (*SIZE, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=r'photo\.png.* is a colour image '
                       r'\(its channels differ by [0-9.]+ grey levels'):
        LoadSaliencyMap()(dict(_loaded(files), sism_path=photo))
    out = LoadSaliencyMap(allow_colour=True)(dict(_loaded(files),
                                                  sism_path=photo))
    grey = cv2.imread(photo, cv2.IMREAD_GRAYSCALE) / 255.0
    np.testing.assert_allclose(out['sism'], grey, atol=1e-6)


def test_binary_mask_threshold(files):
    out = LoadBinaryMask()(_loaded(files))
    gt = out['gt_seg_map']
    assert gt.dtype == np.uint8 and gt.shape == SIZE
    np.testing.assert_array_equal(gt, (gt_pixels(SIZE) > 128).astype(
        np.uint8))
    assert gt[0].max() == 0 and gt[1].min() == 1  # 128 -> 0, 129 -> 1
    assert set(np.unique(gt)) == {0, 1}
    assert out['seg_fields'] == ['gt_seg_map']
    strict = LoadBinaryMask(threshold=200)(_loaded(files))
    assert strict['gt_seg_map'][1].max() == 0
    with pytest.raises(ValueError, match='threshold'):
        LoadBinaryMask(threshold=255)


def test_saliency_map_resized_to_its_image_on_request(files, tmp_path):
    """ICNet's EGNet SISMs are 224 x 224 for images of any size."""
    small = str(tmp_path / 'small_sism.png')
    pixels = (np.arange(6 * 8).reshape(6, 8) * 5).astype(np.uint8)
    cv2.imwrite(small, pixels)
    results = dict(_loaded(files), sism_path=small)
    with pytest.raises(LabelSizeError):
        LoadSaliencyMap()(dict(results))
    out = LoadSaliencyMap(resize_to_image=True)(dict(results))
    expected = cv2.resize(pixels, SIZE[::-1], interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(out['sism'], expected / 255.0, atol=1e-6)


@pytest.mark.parametrize('transform,key,what', [
    (LoadSaliencyMap, 'sism_path', 'saliency map'),
    (LoadBinaryMask, 'seg_map_path', 'ground-truth mask')])
def test_size_mismatch_names_both_files(files, tmp_path, transform, key,
                                        what):
    other = str(tmp_path / 'small.png')
    cv2.imwrite(other, np.zeros((10, 16), np.uint8))
    with pytest.raises(LabelSizeError) as info:
        transform()(dict(_loaded(files), **{key: other}))
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert other in message and files['img_path'] in message
    assert '10x16' in message and '12x16' in message and what in message


@pytest.mark.parametrize('transform,key', [(LoadSaliencyMap, 'sism_path'),
                                           (LoadBinaryMask, 'seg_map_path')])
def test_missing_corrupt_and_out_of_order(files, tmp_path, transform, key):
    with pytest.raises(FileNotFoundError, match='nowhere.png'):
        transform()(dict(_loaded(files), **{key: str(tmp_path /
                                                    'nowhere.png')}))
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'not a png')
    with pytest.raises(ValueError, match='corrupt.png'):
        transform()(dict(_loaded(files), **{key: str(corrupt)}))
    with pytest.raises(KeyError, match='LoadCheckedImage'):
        transform()(dict(files))
    resized = RecordedResize(scale=(8, 8), keep_ratio=False)(_loaded(files))
    with pytest.raises(ValueError, match='already'):
        transform()(resized)
    loaded = _loaded(files)
    del loaded[key]
    with pytest.raises(KeyError, match=key):
        transform()(loaded)


def test_maps_follow_the_image_through_recorded_transforms(files):
    pipeline = ForEachView([
        dict(type='LoadCheckedImage'),
        dict(type='LoadBinaryMask'),
        dict(type='LoadSaliencyMap'),
        dict(type='RecordedResize', scale=(8, 6), keep_ratio=False),
        dict(type='RecordedRandomFlip', prob=1.0),
    ])
    out = pipeline(dict(views=[dict(files)]))
    view = out['views'][0]
    assert view['sism'].shape == view['gt_seg_map'].shape == (6, 8)
    expected = cv2.resize(sism_pixels(SIZE).astype(np.float32) / 255,
                          (8, 6), interpolation=cv2.INTER_LINEAR)[:, ::-1]
    np.testing.assert_allclose(view['sism'], expected, atol=1e-5)
    packed = PackMultiViewInputs(extra_inputs=('sism', ))(out)
    assert tuple(packed['extra_inputs']['sism'].shape) == (1, 1, 6, 8)
    assert set(packed['data_samples'][0].gt_sem_seg.data.unique().tolist()) \
        <= {0, 1}
    assert isinstance(TRANSFORMS.build(dict(type='LoadSaliencyMap')),
                      LoadSaliencyMap)
    assert 'LoadBinaryMask' in repr(LoadBinaryMask())


def test_given_saliency_map_is_kept(files):
    """A map already in the results (the inference API's arrays) is used
    instead of the file, checked like one: uint8 / 255, float as is."""
    pixels = sism_pixels(SIZE)
    out = LoadSaliencyMap()(dict(_loaded(files), sism=pixels))
    assert out['sism'].dtype == np.float32 and out['map_fields'] == ['sism']
    np.testing.assert_allclose(out['sism'], pixels / 255.0, atol=1e-7)
    from_file = LoadSaliencyMap()(_loaded(files))['sism']
    np.testing.assert_array_equal(out['sism'], from_file)
    # float in [0, 1], with no path at all; the caller's array is not changed
    values = np.linspace(0, 1, SIZE[0] * SIZE[1]).reshape(SIZE)
    loaded = _loaded(files)
    del loaded['sism_path']
    out = LoadSaliencyMap()(dict(loaded, sism=values))
    assert out['sism'].dtype == np.float32 and out['sism'] is not values
    np.testing.assert_allclose(out['sism'], values, atol=1e-7)
    # it follows the image like a file's map
    resized = RecordedResize(scale=(8, 6), keep_ratio=False)(out)
    assert resized['sism'].shape == (6, 8)
    assert values.dtype == np.float64 and values[0, 0] == 0


@pytest.mark.parametrize('given,error,match', [
    (np.full(SIZE, 1.5, np.float32), ValueError, r'in \[0, 1\]'),
    (np.full(SIZE, np.nan, np.float32), ValueError, 'finite'),
    (np.zeros(SIZE + (3, ), np.uint8), ValueError, r'\(H, W\)'),
    (np.zeros(SIZE, np.int64), TypeError, 'uint8'),
    ([[0.5]], TypeError, 'numpy array'),
    (np.zeros((10, 16), np.uint8), LabelSizeError, "given 'sism'.* 10x16"),
])
def test_given_saliency_map_errors(files, given, error, match):
    with pytest.raises(error, match=match):
        LoadSaliencyMap()(dict(_loaded(files), sism=given))
