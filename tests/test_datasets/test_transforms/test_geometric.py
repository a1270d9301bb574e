# Copyright (c) mmcorr contributors. All rights reserved.
"""RecordedResize / RecordedPad / RecordedRandomFlip: the recorded
homography is checked against where image content really goes."""
import numpy as np
import pytest
from mmcv.transforms import RandomFlip, Resize

from mmcorr.datasets.transforms import (RecordedPad, RecordedRandomFlip,
                                        RecordedResize, record_homography)
from mmcorr.ops.coordinates import apply_homography
from mmcorr.registry import TRANSFORMS
from image_moments import centroid


def blob_image(height, width, x, y, sigma=1.2):
    """float32 ``(H, W, 3)``: a Gaussian blob centred on pixel (x, y)."""
    ys, xs = np.mgrid[:height, :width]
    blob = 250 * np.exp(-((xs - x)**2 + (ys - y)**2) / (2 * sigma**2))
    return np.repeat(blob[..., None], 3, axis=2).astype(np.float32)


def mapped(results, point):
    return apply_homography(results['homography_matrix'],
                            np.array([point], np.float64))[0]


def resize_reference(point, size, new_size):
    """cv2's pixel-centre mapping, written out: x' = (x + .5) W'/W - .5."""
    (h, w), (nh, nw) = size, new_size
    return np.array([(point[0] + 0.5) * nw / w - 0.5,
                     (point[1] + 0.5) * nh / h - 0.5])


def corners_mapping(point, size, new_size):
    """The old corner-aligned mapping x' = x (W' - 1) / (W - 1)."""
    (h, w), (nh, nw) = size, new_size
    return np.array([point[0] * (nw - 1) / (w - 1),
                     point[1] * (nh - 1) / (h - 1)])


# ------------------------------------------------------------------ resize
@pytest.mark.parametrize('interpolation', ['bilinear', 'bicubic', 'area'])
@pytest.mark.parametrize('size,scale,point', [
    ((12, 16), (40, 30), (12., 8.)),    # up, x2.5
    ((12, 16), (48, 36), (3., 3.)),     # up, x3
    ((30, 40), (15, 12), (30., 21.)),   # down, not uniform
    ((20, 20), (13, 7), (14., 5.)),     # down, odd factors
])
def test_resize_homography_follows_the_content(size, scale, point,
                                                interpolation):
    results = RecordedResize(scale=scale, interpolation=interpolation)(
        dict(img=blob_image(*size, *point)))
    new_size = (scale[1], scale[0])
    assert results['img'].shape[:2] == new_size
    assert results['img_shape'] == new_size
    found = centroid(results['img'])
    expected = mapped(results, point)
    np.testing.assert_allclose(found, expected, atol=0.05)
    np.testing.assert_allclose(expected,
                               resize_reference(point, size, new_size),
                               atol=1e-9)
    # the tolerance tells the recorded mapping from the old corners one
    assert np.abs(corners_mapping(point, size, new_size) - found).max() > 0.1
    assert results['homography_matrix'].dtype == np.float64
    assert results['scale_factor'] == pytest.approx(
        (scale[0] / size[1], scale[1] / size[0]))


def test_resize_keep_ratio():
    size, point = (30, 40), (31., 9.)
    results = RecordedResize(scale=(20, 20), keep_ratio=True)(
        dict(img=blob_image(*size, *point)))
    assert results['img_shape'] == (15, 20)
    np.testing.assert_allclose(centroid(results['img']),
                               mapped(results, point), atol=0.05)
    np.testing.assert_allclose(mapped(results, point),
                               resize_reference(point, size, (15, 20)))


def test_resize_composes_with_a_recorded_mapping():
    before = np.array([[1., 0., 3.], [0., 1., -2.], [0., 0., 1.]])
    results = RecordedResize(scale=(20, 10))(
        dict(img=np.zeros((5, 10, 3), np.uint8),
             homography_matrix=before.copy()))
    point = np.array([4., 2.])
    expected = resize_reference(point + [3., -2.], (5, 10), (10, 20))
    np.testing.assert_allclose(mapped(results, point), expected)


def test_record_homography_order():
    results = {'img': np.zeros((4, 6, 3), np.uint8)}
    first = np.diag([2., 3., 1.])
    second = np.array([[1., 0., 5.], [0., 1., 7.], [0., 0., 1.]])
    record_homography(results, first)
    np.testing.assert_array_equal(results['homography_matrix'], first)
    record_homography(results, second)
    np.testing.assert_array_equal(results['homography_matrix'],
                                  second @ first)
    assert results['homography_shape'] == (4, 6)


def test_pack_refuses_a_homography_of_another_size():
    """A size change after the last Recorded* transform (mmcv's plain
    Resize) leaves a stale mapping: packing refuses it."""
    from mmcv.transforms import Resize

    from mmcorr.datasets.transforms import (ForEachView, PackMultiViewInputs,
                                            RecordedResize)
    views = [dict(img=np.zeros((20, 30, 3), np.uint8), ori_shape=(20, 30))
             for _ in range(2)]
    results = ForEachView([RecordedResize(scale=(16, 16)),
                           Resize(scale=(8, 8))])(dict(views=views))
    with pytest.raises(ValueError, match='without recording'):
        PackMultiViewInputs()(results)


# --------------------------------------------------------------------- pad
def test_pad_moves_by_left_and_top():
    image = blob_image(10, 12, 4, 6)
    results = RecordedPad(padding=(3, 1, 2, 5), pad_val=7)(dict(img=image))
    assert results['img'].shape == (16, 17, 3)
    assert results['img_shape'] == (16, 17)
    np.testing.assert_array_equal(results['img'][1:11, 3:15], image)
    assert (results['img'][:1] == 7).all() and (results['img'][11:] == 7).all()
    assert (results['img'][:, :3] == 7).all()
    assert (results['img'][:, 15:] == 7).all()
    np.testing.assert_allclose(mapped(results, (4., 6.)), (7., 7.))
    assert results['pad_margins'] == (3, 1, 2, 5)


def test_pad_margins_accumulate():
    results = RecordedPad(padding=2)(dict(img=np.zeros((4, 5, 3), np.uint8)))
    assert results['pad_margins'] == (2, 2, 2, 2)
    results = RecordedPad(padding=(1, 0, 3, 4))(results)
    assert results['pad_margins'] == (3, 2, 5, 6)
    assert results['img_shape'] == (4 + 2 + 6, 5 + 3 + 5)
    np.testing.assert_allclose(mapped(results, (0., 0.)), (3., 2.))
    assert all(isinstance(m, int) for m in results['pad_margins'])


def test_pad_masks():
    seg = np.arange(12, dtype=np.uint8).reshape(3, 4)
    fg = np.ones((3, 4), np.float32)
    results = RecordedPad(padding=(1, 2, 0, 1), seg_pad_val=200)(
        dict(img=np.zeros((3, 4, 3), np.uint8), gt_seg_map=seg,
             gt_fg_mask=fg))
    assert results['gt_seg_map'].shape == results['gt_fg_mask'].shape == \
        (6, 5)
    np.testing.assert_array_equal(results['gt_seg_map'][2:5, 1:], seg)
    assert (results['gt_seg_map'][:2] == 200).all()
    assert (results['gt_seg_map'][:, 0] == 200).all()
    assert results['gt_fg_mask'].sum() == 12
    assert results['gt_fg_mask'][2:5, 1:].all()


@pytest.mark.parametrize('padding', [
    -1, (1, 2, 3), (1, 2, 3, -1), (1.5, 0, 0, 0), 2.5, None, 'abcd', '1234',
    (1, 2, 3, 4, 5)
])
def test_bad_padding(padding):
    with pytest.raises(ValueError, match='padding must be an int >= 0'):
        RecordedPad(padding=padding)


def test_padding_accepts_ints_of_any_kind():
    assert RecordedPad(padding=np.int64(3)).margins == (3, 3, 3, 3)
    assert RecordedPad(padding=[0, 1, 2, 3]).margins == (0, 1, 2, 3)
    assert RecordedPad(padding=np.array([4, 3, 2, 1])).margins == \
        (4, 3, 2, 1)
    assert RecordedPad(padding=0)(
        dict(img=np.zeros((2, 2, 3), np.uint8)))['img'].shape == (2, 2, 3)
    assert 'padding=(16, 16, 16, 16)' in repr(RecordedPad())


# -------------------------------------------------------------------- flip
@pytest.mark.parametrize('direction,expected', [
    ('horizontal', (11 - 3, 2)),
    ('vertical', (3, 9 - 2)),
    ('diagonal', (11 - 3, 9 - 2)),
])
def test_flip_homography(direction, expected):
    image = np.zeros((10, 12, 3), np.uint8)
    image[2, 3] = 255
    seg = np.zeros((10, 12), np.uint8)
    seg[2, 3] = 5
    results = RecordedRandomFlip(prob=1.0, direction=direction)(
        dict(img=image, gt_seg_map=seg, gt_fg_mask=seg > 0,
             keypoints=np.array([[3., 2.]])))
    assert results['flip'] and results['flip_direction'] == direction
    x, y = expected
    assert results['img'][y, x, 0] == 255 and results['img'].sum() == 255 * 3
    assert results['gt_seg_map'][y, x] == 5
    assert results['gt_fg_mask'][y, x] and results['gt_fg_mask'].sum() == 1
    np.testing.assert_allclose(mapped(results, (3., 2.)), expected)
    # flipping twice is the identity
    results = RecordedRandomFlip(prob=1.0, direction=direction)(results)
    np.testing.assert_allclose(results['homography_matrix'], np.eye(3))
    np.testing.assert_array_equal(results['img'], image)
    # keypoints stay in original pixels
    assert results['keypoints'].tolist() == [[3., 2.]]


def test_no_flip_records_nothing():
    results = RecordedRandomFlip(prob=0.0)(
        dict(img=np.zeros((3, 4, 3), np.uint8)))
    assert results['flip'] is False
    assert 'homography_matrix' not in results


# ------------------------------------------------------------- composition
@pytest.mark.parametrize('keep_ratio', [False, True])
def test_resize_pad_flip_composition(keep_ratio):
    size, point = (24, 30), (22., 7.)
    pipeline = [RecordedResize(scale=(45, 36), keep_ratio=keep_ratio),
                RecordedPad(padding=(4, 1, 2, 3)),
                RecordedRandomFlip(prob=1.0, direction='horizontal')]
    results = dict(img=blob_image(*size, *point))
    for transform in pipeline:
        results = transform(results)
    found = centroid(results['img'])
    np.testing.assert_allclose(found, mapped(results, point), atol=0.05)
    # the same, written out in order: resize, shift, mirror
    new_size = (36, 45)
    x, y = resize_reference(point, size, new_size) + (4, 1)
    width = results['img'].shape[1]
    assert width == 45 + 4 + 2
    np.testing.assert_allclose(mapped(results, point), (width - 1 - x, y))


def test_masks_move_with_the_image():
    """A binary image, its gt_seg_map and gt_fg_mask stay aligned
    through resize (nearest), pad and flip."""
    rng = np.random.default_rng(0)
    mask = np.zeros((20, 26), np.uint8)
    mask[3:9, 5:17] = 1
    mask[12:18, 18:23] = 1
    mask[rng.integers(0, 20, 10), rng.integers(0, 26, 10)] = 1
    image = np.repeat(mask[..., None] * 200, 3, axis=2).astype(np.uint8)
    results = dict(img=image, gt_seg_map=mask * 3, gt_fg_mask=mask.copy())
    for transform in [
            RecordedResize(scale=(37, 29), interpolation='nearest'),
            RecordedPad(padding=(2, 3, 4, 5), seg_pad_val=255),
            RecordedRandomFlip(prob=1.0, direction='diagonal')
    ]:
        results = transform(results)
    shape = results['img'].shape[:2]
    assert shape == (29 + 3 + 5, 37 + 2 + 4)
    assert results['gt_seg_map'].shape == results['gt_fg_mask'].shape == \
        shape
    fg = results['img'][..., 0] > 0
    assert fg.any()
    np.testing.assert_array_equal(results['gt_fg_mask'] > 0, fg)
    inside = results['gt_seg_map'] != 255
    assert inside.sum() == 29 * 37
    np.testing.assert_array_equal(results['gt_seg_map'][inside] == 3,
                                  fg[inside])


def test_recorded_transforms_are_mmcv_transforms():
    assert issubclass(RecordedResize, Resize)
    assert issubclass(RecordedRandomFlip, RandomFlip)
    for name in ('RecordedResize', 'RecordedPad', 'RecordedRandomFlip'):
        assert TRANSFORMS.get(name).__name__ == name
    with pytest.raises(ValueError):
        RecordedPad(padding=-1)
    with pytest.raises(AssertionError):  # mmcv's own argument check
        RecordedRandomFlip(prob=2.0)
