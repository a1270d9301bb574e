# Copyright (c) mmcorr contributors. All rights reserved.
"""LoadCheckedImage and LoadForegroundMask."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from PIL import Image

from mmcorr.datasets.load_errors import LabelSizeError, SampleLoadError
from mmcorr.datasets.transforms import (LoadCheckedImage, LoadForegroundMask,
                                        read_image_file)
from mmcorr.registry import TRANSFORMS


@pytest.fixture
def image_file(tmp_path):
    img = np.random.RandomState(0).randint(0, 256, (6, 7, 3), np.uint8)
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    return path, img


@pytest.fixture
def corrupt_file(tmp_path):
    path = tmp_path / 'corrupt.png'
    path.write_bytes(b'\x89PNG not really')
    return str(path)


# --------------------------------------------------------- LoadCheckedImage
def test_load_checked_image(image_file):
    path, img = image_file
    results = LoadCheckedImage()(dict(img_path=path))
    np.testing.assert_array_equal(results['img'], img)  # BGR
    assert results['img_shape'] == results['ori_shape'] == (6, 7)
    assert isinstance(LoadCheckedImage(), LoadImageFromFile)
    assert TRANSFORMS.get('LoadCheckedImage') is LoadCheckedImage


def test_gray_file_becomes_three_channels(tmp_path):
    path = str(tmp_path / 'gray.png')
    cv2.imwrite(path, np.full((8, 9), 77, np.uint8))
    results = LoadCheckedImage(to_float32=True)(dict(img_path=path))
    assert results['img'].shape == (8, 9, 3)
    assert results['img'].dtype == np.float32
    assert (results['img'] == 77).all()
    gray = LoadCheckedImage(color_type='grayscale')(dict(img_path=path))
    assert gray['img'].shape == (8, 9)


def test_missing_and_corrupt_files_are_named(tmp_path, corrupt_file):
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match=r"'.*nope.png' does not"):
        LoadCheckedImage()(dict(img_path=missing))
    with pytest.raises(ValueError, match=r"could not decode '.*corrupt.png'"):
        LoadCheckedImage()(dict(img_path=corrupt_file))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        read_image_file(missing)
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match='empty.png'):
        read_image_file(str(empty))


def test_ignore_empty(tmp_path, corrupt_file):
    transform = LoadCheckedImage(ignore_empty=True)
    assert transform(dict(img_path=str(tmp_path / 'nope.png'))) is None
    assert transform(dict(img_path=corrupt_file)) is None


def test_keeps_a_given_image(tmp_path):
    img = np.zeros((5, 4, 3), np.uint8)
    # no file is read: the path may not exist
    results = LoadCheckedImage()(dict(img=img,
                                      img_path=str(tmp_path / 'nope.png')))
    assert results['img'] is img
    assert results['img_shape'] == results['ori_shape'] == (5, 4)
    results = LoadCheckedImage(to_float32=True)(dict(img=img))
    assert results['img'].dtype == np.float32


# ------------------------------------------------------- LoadForegroundMask
def test_label_mode(tmp_path):
    label = np.array([[0, 3, 255], [15, 0, 1]], np.uint8)
    path = str(tmp_path / 'label.png')
    cv2.imwrite(path, label)
    out = LoadForegroundMask()(dict(seg_map_path=path))
    assert out['gt_fg_mask'].dtype == np.uint8
    np.testing.assert_array_equal(out['gt_fg_mask'], [[0, 1, 0], [1, 0, 1]])
    out = LoadForegroundMask(background=3, ignore_index=15)(
        dict(seg_map_path=path))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[1, 0, 1], [0, 1, 1]])


def test_palette_png_is_read_as_indices(tmp_path):
    """PASCAL VOC labels are palette PNGs: the indices count, not the
    colours."""
    indices = np.array([[0, 1, 2], [255, 2, 0]], np.uint8)
    image = Image.fromarray(indices, mode='P')
    palette = [0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (3 * 252) + \
        [224, 224, 192]
    image.putpalette(palette)
    path = str(tmp_path / 'voc.png')
    image.save(path)
    out = LoadForegroundMask()(dict(seg_map_path=path))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[0, 1, 1], [0, 1, 0]])
    # cv2 decodes the palette to colours: refused with a hint
    with pytest.raises(ValueError, match='3 channels.*threshold='):
        LoadForegroundMask(imdecode_backend='cv2')(dict(seg_map_path=path))


def test_threshold_mode(tmp_path):
    mask = np.array([[0, 1, 200], [100, 101, 255]], np.uint8)
    gray = str(tmp_path / 'gray.png')
    cv2.imwrite(gray, mask)
    out = LoadForegroundMask(threshold=100)(dict(seg_map_path=gray))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[0, 0, 1], [0, 1, 1]])
    out = LoadForegroundMask(threshold=0)(dict(seg_map_path=gray))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[0, 1, 1], [1, 1, 1]])
    # a colour mask: the largest channel counts
    colour = np.zeros((2, 3, 3), np.uint8)
    colour[0, 0, 2] = 250
    colour[1, 2, 1] = 120
    colour[1, 1] = 90
    path = str(tmp_path / 'colour.png')
    cv2.imwrite(path, colour)
    out = LoadForegroundMask(threshold=100)(dict(seg_map_path=path))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[1, 0, 0], [0, 0, 1]])
    assert 'threshold=100' in repr(LoadForegroundMask(threshold=100))


def test_foreground_mask_errors(tmp_path, image_file, corrupt_file):
    with pytest.raises(FileNotFoundError, match='no.png'):
        LoadForegroundMask()(dict(seg_map_path=str(tmp_path / 'no.png')))
    with pytest.raises(ValueError, match='corrupt.png'):
        LoadForegroundMask()(dict(seg_map_path=corrupt_file))
    # a colour image is not a label map
    with pytest.raises(ValueError, match='img.png.*3 channels'):
        LoadForegroundMask()(dict(seg_map_path=image_file[0]))


def test_mask_of_another_size_than_its_image(tmp_path, image_file):
    image, _ = image_file
    mask = str(tmp_path / 'mask.png')
    cv2.imwrite(mask, np.ones((6, 8), np.uint8))
    results = LoadCheckedImage()(dict(img_path=image, seg_map_path=mask))
    for transform in (LoadForegroundMask(), LoadForegroundMask(threshold=0)):
        with pytest.raises(LabelSizeError) as info:
            transform(dict(results))
        assert isinstance(info.value, SampleLoadError)
        assert isinstance(info.value, ValueError)
        message = str(info.value)
        assert f"'{mask}' is 6x8" in message
        assert f"'{image}' is 6x7" in message
    # without an image loaded first there is nothing to compare
    assert LoadForegroundMask()(dict(seg_map_path=mask))['gt_fg_mask'].shape \
        == (6, 8)
