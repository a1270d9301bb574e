# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.apis.cosaliency: detect_cosaliency on a tiny random-weight ICNet.

The test pipeline resizes every image to 64 x 64 (no ratio kept, no crop);
the maps come back at each image's own size, by the inverse resize."""
import copy
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from correspondence_fixtures import write_config
from paths import REPO

from mmcorr.apis import detect_cosaliency, init_model, load_config
from mmcorr.datasets.load_errors import LabelSizeError
from mmcorr.structures import MultiViewDataSample, ViewDataSample

ICNET = osp.join(REPO, 'configs', 'icnet',
                 'icnet_vgg16_1xg10-60e_coco9213-224x224.py')
SIDE = 64
#: image sizes (H, W) of the group: wide, tall, the input size
SIZES = [(48, 80), (70, 50), (64, 64)]


def tiny_icnet_text(steps='dict(type="LoadSaliencyMap"), '):
    """The official recipe at 64 x 64, random weights."""
    return (
        f'_base_ = [{ICNET!r}]\n'
        f'model = dict(input_size=({SIDE}, {SIDE}), '
        'backbone=dict(init_cfg=None))\n'
        'test_pipeline = [dict(type="ForEachView", transforms=['
        f'dict(type="LoadCheckedImage"), {steps}'
        f'dict(type="RecordedResize", scale=({SIDE}, {SIDE}), '
        'keep_ratio=False)]), '
        'dict(type="PackMultiViewInputs", extra_inputs=("sism", ))]\n')


@pytest.fixture(scope='module')
def icnet_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp('icnet_config')
    return write_config(folder, 'tiny_icnet', tiny_icnet_text())


@pytest.fixture(scope='module')
def icnet(icnet_config):
    """Random weights, the last prediction layer sharpened so that the maps
    vary (about 0.4..0.85 instead of 0.455..0.46)."""
    torch.manual_seed(0)
    model = init_model(icnet_config)
    with torch.no_grad():
        model.decoder1.predict.weight.mul_(100)
    return model


def smooth_image(shape, seed):
    """A blurred random BGR image (a salient blob on a textured field)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (shape[0] // 4 + 1, shape[1] // 4 + 1, 3),
                         dtype=np.uint8)
    img = cv2.resize(noise, shape[::-1], interpolation=cv2.INTER_CUBIC)
    cv2.circle(img, (shape[1] // 2, shape[0] // 2), min(shape) // 4,
               (30, 40, 220), -1)
    return img


def sism_of(shape):
    """A uint8 SISM: the blob of :func:`smooth_image`."""
    sism = np.zeros(shape, np.uint8)
    cv2.circle(sism, (shape[1] // 2, shape[0] // 2), min(shape) // 4, 230,
               -1)
    return sism


@pytest.fixture(scope='module')
def group():
    images = [smooth_image(s, i) for i, s in enumerate(SIZES)]
    return images, [sism_of(s) for s in SIZES]


@pytest.fixture(scope='module')
def group_files(group, tmp_path_factory):
    folder = tmp_path_factory.mktemp('cosal_group')
    images, sisms = [], []
    for i, (img, sism) in enumerate(zip(*group)):
        images.append(str(folder / f'img{i}.png'))
        sisms.append(str(folder / f'sism{i}.png'))
        cv2.imwrite(images[-1], img)
        cv2.imwrite(sisms[-1], sism)
    return images, sisms


def manual_maps(model, images, sisms):
    """By hand: resize each image and SISM to the input (cv2 bilinear, as
    RecordedResize does), run the model on the group, resize each map back
    to its image."""
    inputs = torch.stack([
        torch.from_numpy(cv2.resize(img, (SIDE, SIDE)).transpose(2, 0, 1))
        for img in images
    ])
    small = torch.stack([
        torch.from_numpy(cv2.resize(s.astype(np.float32) / 255,
                                    (SIDE, SIDE)))[None] for s in sisms
    ])
    views = [ViewDataSample(metainfo=dict(img_shape=(SIDE, SIDE),
                                          ori_shape=img.shape[:2]))
             for img in images]
    data = model.data_preprocessor(dict(
        inputs=[inputs], data_samples=[MultiViewDataSample(views=views)],
        extra_inputs=dict(sism=[small])), False)
    with torch.no_grad():
        maps = model(**data, mode='tensor')[0][-1]  # finest, [N, 1, H, W]
    return [cv2.resize(m[0].numpy(), img.shape[1::-1],
                       interpolation=cv2.INTER_LINEAR)
            for m, img in zip(maps, images)]


def test_maps_at_the_original_sizes(icnet, group, group_files):
    images, sisms = group
    maps = detect_cosaliency(icnet, images, sisms)
    assert len(maps) == len(SIZES)
    for out, shape in zip(maps, SIZES):
        assert out.dtype == np.float32 and out.shape == shape
        assert 0 <= out.min() and out.max() <= 1
    # the same group from files, and with float SISMs
    from_files = detect_cosaliency(icnet, *group_files)
    as_float = detect_cosaliency(icnet, images,
                                 [s.astype(np.float32) / 255 for s in sisms])
    for out, other, floats in zip(maps, from_files, as_float):
        np.testing.assert_array_equal(out, other)
        np.testing.assert_allclose(out, floats, rtol=0, atol=1e-6)
    # a tuple works, and the caller's arrays are not changed
    before = [s.copy() for s in sisms]
    again = detect_cosaliency(icnet, tuple(images), tuple(sisms))
    np.testing.assert_array_equal(again[1], maps[1])
    for s, b in zip(sisms, before):
        np.testing.assert_array_equal(s, b)


def test_resize_back_equals_a_manual_run(icnet, group):
    images, sisms = group
    expected = manual_maps(icnet, images[:2], sisms[:2])
    maps = detect_cosaliency(icnet, images[:2], sisms[:2])
    for out, ref, img in zip(maps, expected, images):
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-5)
        assert ref.max() - ref.min() > 0.2  # a map, not a constant
        # another way back (nearest neighbours) would be told apart
        small = cv2.resize(ref, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
        nearest = cv2.resize(small, img.shape[1::-1],
                             interpolation=cv2.INTER_NEAREST)
        assert np.abs(nearest - out).max() > 1e-2
    # a group of one
    alone = detect_cosaliency(icnet, images[:1], sisms[:1])
    assert len(alone) == 1 and alone[0].shape == SIZES[0]
    np.testing.assert_allclose(
        alone[0], manual_maps(icnet, images[:1], sisms[:1])[0], rtol=0,
        atol=1e-5)


def test_sism_model_makes_the_maps(icnet, icnet_config, group):
    """Without SISMs the pipeline's LoadSaliencyMap is skipped and the
    model's sism_model makes them; given SISMs still win."""
    images, sisms = group
    ft = init_model(icnet_config, cfg_options={
        'model.sism_model': dict(type='FrequencyTunedSaliency')})
    ft.load_state_dict(icnet.state_dict())
    maps = detect_cosaliency(ft, images)
    assert [m.shape for m in maps] == SIZES
    assert all(m.dtype == np.float32 and 0 <= m.min() and m.max() <= 1
               for m in maps)
    given = detect_cosaliency(ft, images, sisms)
    plain = detect_cosaliency(icnet, images, sisms)
    for a, b, c in zip(given, plain, maps):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    # a config that loads and packs no SISMs works without them
    ft.cfg = copy.deepcopy(ft.cfg)
    ft.cfg.test_pipeline[0].transforms = [
        t for t in ft.cfg.test_pipeline[0].transforms
        if t.type != 'LoadSaliencyMap'
    ]
    ft.cfg.test_pipeline[1].extra_inputs = ()
    for a, b in zip(detect_cosaliency(ft, images), maps):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match='no LoadSaliencyMap'):
        detect_cosaliency(ft, images, sisms)


def test_input_errors(icnet, group, group_files, tmp_path):
    images, sisms = group
    with pytest.raises(ValueError, match='at least one image'):
        detect_cosaliency(icnet, [])
    with pytest.raises(TypeError, match='list of image paths'):
        detect_cosaliency(icnet, images[0], sisms[0])
    with pytest.raises(ValueError, match='2 sisms for 3 images'):
        detect_cosaliency(icnet, images, sisms[:2])
    with pytest.raises(ValueError, match=r'images\[1\] array must be '
                       r'\(H, W, 3\) uint8'):
        detect_cosaliency(icnet, [images[0], images[1][..., 0]])
    rgba = np.concatenate([images[0], images[0][..., :1]], axis=2)
    with pytest.raises(ValueError, match=r'images\[0\].*\(48, 80, 4\)'):
        detect_cosaliency(icnet, [rgba], sisms[:1])
    with pytest.raises(FileNotFoundError, match='nowhere.png'):
        detect_cosaliency(icnet, [str(tmp_path / 'nowhere.png')])
    with pytest.raises(FileNotFoundError, match=r'sisms\[0\].*gone.png'):
        detect_cosaliency(icnet, images[:1], [str(tmp_path / 'gone.png')])
    with pytest.raises(TypeError, match=r'sisms\[0\]'):
        detect_cosaliency(icnet, images[:1], [0.5])
    with pytest.raises(LabelSizeError, match='70x50'):
        detect_cosaliency(icnet, images[:2], [sisms[0], sisms[0]])
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        detect_cosaliency(icnet, images[:1], [sisms[0].astype(np.float32)])
    # no SISMs and no sism_model
    with pytest.raises(ValueError, match='pass sisms.*model.sism_model'):
        detect_cosaliency(icnet, images)
    bare = copy.copy(icnet)
    bare.cfg = None
    with pytest.raises(AttributeError, match='init_model'):
        detect_cosaliency(bare, *group_files)


def test_a_flip_in_the_pipeline_is_undone(icnet, group, tmp_path):
    """Any recorded geometry is read back: with a flip in the test
    pipeline, the maps are the mirror of the maps of mirrored images."""
    images, sisms = group
    model = copy.copy(icnet)
    model.cfg = load_config(write_config(
        tmp_path, 'flip', tiny_icnet_text(
            'dict(type="LoadSaliencyMap"), dict(type="RecordedRandomFlip", '
            'prob=1.0), ')))
    flipped = detect_cosaliency(model, images[:2], sisms[:2])
    mirrored = detect_cosaliency(
        icnet, [np.ascontiguousarray(i[:, ::-1]) for i in images[:2]],
        [np.ascontiguousarray(s[:, ::-1]) for s in sisms[:2]])
    for out, ref, img in zip(flipped, mirrored, images):
        assert out.shape == img.shape[:2]
        np.testing.assert_allclose(out, ref[:, ::-1], rtol=0, atol=1e-5)
