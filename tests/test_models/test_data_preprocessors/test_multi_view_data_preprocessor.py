# Copyright (c) mmcorr contributors. All rights reserved.
"""MultiViewDataPreprocessor: stacking, colour, normalisation, padding,
metainfo, extra inputs and its refusals."""
import cv2
import numpy as np
import pytest
import torch

from mmcorr.models import MultiViewDataPreprocessor
from mmcorr.models.data_preprocessors import (IMAGENET_MEAN, IMAGENET_STD,
                                              rgb_to_lab)
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample


def images(*shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)


def samples_for(batch):
    """One MultiViewDataSample per sample, with each view's img_shape."""
    out = []
    for views in batch:
        views = list(views)
        out.append(MultiViewDataSample(views=[
            ViewDataSample(metainfo=dict(img_shape=tuple(v.shape[-2:])))
            for v in views
        ]))
    return out


def old_pair_formula(batch, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """The removed PairDataPreprocessor, written out: (x[rgb] - mean) / std
    per channel, float32."""
    x = torch.stack(list(batch)).float()  # [B, N, 3, H, W], BGR
    rgb = x[:, :, [2, 1, 0]]
    out = torch.empty_like(rgb)
    for c in range(3):
        out[:, :, c] = (rgb[:, :, c] - mean[c]) / std[c]
    return out


# ------------------------------------------------------------ stacking
def test_stacks_samples_in_every_accepted_layout():
    batch = [images(2, 3, 8, 10, seed=i) for i in range(3)]
    plain = MultiViewDataPreprocessor(mean=None, std=None, bgr_to_rgb=False)
    expected = torch.stack(batch).float()
    for inputs in (batch, [list(s.unbind(0)) for s in batch],
                   torch.stack(batch)):
        out = plain(dict(inputs=inputs))
        assert out['inputs'].dtype == torch.float32
        assert torch.equal(out['inputs'], expected)
        assert out['data_samples'] is None
        assert 'extra_inputs' not in out
    # float inputs pass too
    out = plain(dict(inputs=[s.double() / 255 for s in batch]))
    assert out['inputs'].dtype == torch.float32
    torch.testing.assert_close(out['inputs'], expected / 255)


def test_normalisation_equals_the_old_pair_formula():
    batch = [images(2, 3, 9, 7, seed=i) for i in range(2)]
    out = MultiViewDataPreprocessor()(dict(inputs=batch))
    torch.testing.assert_close(out['inputs'], old_pair_formula(batch),
                               rtol=1e-6, atol=1e-6)
    # other statistics, no channel reversal
    mean, std = (10., 20., 30.), (2., 4., 8.)
    out = MultiViewDataPreprocessor(mean=mean, std=std, bgr_to_rgb=False)(
        dict(inputs=batch))
    x = torch.stack(batch).float()
    for c in range(3):
        torch.testing.assert_close(out['inputs'][:, :, c],
                                   (x[:, :, c] - mean[c]) / std[c])
    # bgr_to_rgb alone reverses the channels
    out = MultiViewDataPreprocessor(mean=None, std=None)(dict(inputs=batch))
    assert torch.equal(out['inputs'], x.flip(2))


def test_registered_and_built_from_config():
    model = MODELS.build(dict(type='MultiViewDataPreprocessor',
                              size_divisor=32))
    assert isinstance(model, MultiViewDataPreprocessor)
    assert model.size_divisor == 32 and model.bgr_to_rgb
    assert model.mean.flatten().tolist() == pytest.approx(IMAGENET_MEAN)


# ------------------------------------------------------------- padding
def test_size_divisor_pads_bottom_right_after_normalisation():
    batch = [images(2, 3, 30, 45, seed=i) for i in range(2)]
    pre = MultiViewDataPreprocessor(size_divisor=16, pad_val=-7.5)
    samples = samples_for(batch)
    out = pre(dict(inputs=batch, data_samples=samples))
    inputs = out['inputs']
    assert inputs.shape == (2, 2, 3, 32, 48)
    # content untouched at the top left (padding moves no pixel) ...
    torch.testing.assert_close(inputs[..., :30, :45], old_pair_formula(batch),
                               rtol=1e-6, atol=1e-6)
    # ... and the pad value itself, not normalised, below and right
    assert (inputs[..., 30:, :] == -7.5).all()
    assert (inputs[..., :, 45:] == -7.5).all()
    for sample in out['data_samples']:
        assert sample.batch_input_shape == (32, 48)
        for view in sample.views:
            assert view.pad_shape == view.batch_input_shape == (32, 48)
            assert view.img_shape == (30, 45)  # the content's size
    # exact multiples are not padded; no divisor: the batch's largest size
    out = pre(dict(inputs=[images(1, 3, 32, 48)]))
    assert out['inputs'].shape[-2:] == (32, 48)
    out = MultiViewDataPreprocessor()(dict(inputs=[images(1, 3, 30, 45)]))
    assert out['inputs'].shape[-2:] == (30, 45)


def test_views_of_different_sizes_are_padded_to_the_batch_maximum():
    small, tall, wide = (images(3, 20, 30, seed=1), images(3, 25, 18,
                                                           seed=2),
                         images(3, 12, 33, seed=3))
    batch = [[small, tall], [wide, small]]
    samples = samples_for(batch)
    pre = MultiViewDataPreprocessor(mean=None, std=None, bgr_to_rgb=False,
                                    pad_val=255)
    out = pre(dict(inputs=batch, data_samples=samples))
    assert out['inputs'].shape == (2, 2, 3, 25, 33)
    for b, views in enumerate(batch):
        for n, view in enumerate(views):
            h, w = view.shape[-2:]
            padded = out['inputs'][b, n]
            assert torch.equal(padded[:, :h, :w], view.float())
            assert (padded[:, h:] == 255).all() and (padded[:, :, w:] ==
                                                     255).all()
            meta = out['data_samples'][b].views[n]
            assert meta.img_shape == (h, w)
            assert meta.pad_shape == meta.batch_input_shape == (25, 33)
    # with a divisor, the maximum is rounded up
    out = MultiViewDataPreprocessor(size_divisor=8)(dict(inputs=batch))
    assert out['inputs'].shape[-2:] == (32, 40)


def test_padding_keeps_recorded_homographies():
    view = ViewDataSample(metainfo=dict(img_shape=(10, 12),
                                        homography_matrix=np.eye(3) * 2))
    sample = MultiViewDataSample(views=[view, ViewDataSample()])
    out = MultiViewDataPreprocessor(size_divisor=16)(dict(
        inputs=[images(2, 3, 10, 12)], data_samples=[sample]))
    # (moved to the device: mmengine copies the samples)
    sample = out['data_samples'][0]
    assert np.array_equal(sample.source.homography_matrix, np.eye(3) * 2)
    assert sample.target.pad_shape == (16, 16)


# --------------------------------------------------------- view counts
def test_variable_group_size_with_batch_one():
    pre = MultiViewDataPreprocessor(size_divisor=4)
    for count in (5, 3, 1):
        group = [images(3, 10 + i, 9, seed=i) for i in range(count)]
        samples = samples_for([group])
        out = pre(dict(inputs=[group], data_samples=samples))
        height = -(-(10 + count - 1) // 4) * 4
        assert out['inputs'].shape == (1, count, 3, height, 12)
        assert len(out['data_samples'][0]) == count
        assert all(v.batch_input_shape == (height, 12)
                   for v in out['data_samples'][0].views)


def test_different_view_counts_in_a_batch_are_refused():
    pre = MultiViewDataPreprocessor()
    with pytest.raises(ValueError, match=r'\[2, 3\] views.*batch_size=1'):
        pre(dict(inputs=[images(2, 3, 8, 8), images(3, 3, 8, 8)]))


# --------------------------------------------------------- extra inputs
def test_extra_inputs_are_stacked_padded_with_zero_not_normalised():
    batch = [[images(3, 10, 12, seed=1), images(3, 14, 9, seed=2)],
             [images(3, 8, 8, seed=3), images(3, 9, 9, seed=4)]]
    gen = torch.Generator().manual_seed(5)
    saliency = [[torch.rand(1, *v.shape[-2:], generator=gen) for v in s]
                for s in batch]
    # three channels: neither reversed nor normalised like the images
    flows = [[torch.randn(3, *v.shape[-2:], generator=gen) for v in s]
             for s in batch]
    pre = MultiViewDataPreprocessor(size_divisor=8, pad_val=-1)
    out = pre(dict(inputs=batch,
                   extra_inputs=dict(saliency=saliency, flow=flows)))
    assert set(out['extra_inputs']) == {'saliency', 'flow'}
    assert out['inputs'].shape == (2, 2, 3, 16, 16)
    for name, values in (('saliency', saliency), ('flow', flows)):
        extra = out['extra_inputs'][name]
        channels = values[0][0].shape[0]
        assert extra.shape == (2, 2, channels, 16, 16)
        assert extra.dtype == torch.float32
        for b in range(2):
            for n in range(2):
                h, w = values[b][n].shape[-2:]
                assert torch.equal(extra[b, n, :, :h, :w], values[b][n])
                assert (extra[b, n, :, h:] == 0).all()
                assert (extra[b, n, :, :, w:] == 0).all()
    # an extra input as one stacked tensor per sample, uint8: cast only
    masks = [images(2, 1, 10, 12, seed=6) for _ in range(2)]
    out = pre(dict(inputs=[images(2, 3, 10, 12)] * 2,
                   extra_inputs=dict(mask=masks)))
    assert torch.equal(out['extra_inputs']['mask'][..., :10, :12],
                       torch.stack(masks).float())
    # an empty dict of extra inputs is no extra input
    assert 'extra_inputs' not in pre(dict(inputs=[images(2, 3, 8, 8)],
                                          extra_inputs={}))


# ----------------------------------------------------------------- Lab
def documented_lab(rgb):
    """OpenCV's documented RGB -> L*a*b* (D65) in float64, from
    ``[..., 3]`` uint8 RGB: gamma expansion, XYZ, white point, f(t)."""
    c = rgb.astype(np.float64) / 255
    linear = np.where(c > 0.04045, ((c + 0.055) / 1.055)**2.4, c / 12.92)
    matrix = np.array([[0.412453, 0.357580, 0.180423],
                       [0.212671, 0.715160, 0.072169],
                       [0.019334, 0.119193, 0.950227]])
    xyz = linear @ matrix.T / np.array([0.950456, 1.0, 1.088754])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    lightness = np.where(xyz[..., 1] > 0.008856, 116 * f[..., 1] - 16,
                         903.3 * xyz[..., 1])
    return np.stack((lightness, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])), -1)


def lab_test_image():
    """Random colours plus black, white, primaries and dark greys (the
    linear parts of the gamma and of f)."""
    rgb = np.random.RandomState(0).randint(0, 256, (40, 48, 3)).astype(
        np.uint8)
    rgb[0, :10] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0],
                   [0, 0, 255], [1, 2, 3], [10, 10, 10], [5, 0, 9],
                   [128, 128, 128], [255, 255, 0]]
    return rgb


def test_lab_equals_opencv():
    rgb = lab_test_image()
    bgr = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1])).permute(
        2, 0, 1)
    mean, std = (50., 0., 0.), (50., 128., 128.)
    pre = MultiViewDataPreprocessor(mean=mean, std=std, color_space='lab')
    out = pre(dict(inputs=[bgr[None]]))['inputs'][0, 0]
    lab = (out.permute(1, 2, 0).numpy() * np.array(std) + np.array(mean))
    # OpenCV's documented formulas, in float64
    np.testing.assert_allclose(lab, documented_lab(rgb), rtol=0, atol=1e-3)
    # cv2.cvtColor itself (float32 RGB / 255): OpenCV >= 4 computes it
    # from lookup tables, within about 0.5 of its documented formulas
    reference = cv2.cvtColor(rgb.astype(np.float32) / 255,
                             cv2.COLOR_RGB2Lab)
    np.testing.assert_allclose(lab, reference, rtol=0, atol=0.5)
    assert np.abs(lab - reference).mean() < 0.15
    # the extremes are exact in both
    np.testing.assert_allclose(lab[0, :2], [[0, 0, 0], [100, 0, 0]],
                               atol=1e-3)
    np.testing.assert_allclose(reference[0, :2], [[0, 0, 0], [100, 0, 0]],
                               atol=1e-3)
    # then normalised: without statistics the Lab values themselves
    raw = MultiViewDataPreprocessor(mean=None, std=None, color_space='lab')
    torch.testing.assert_close(
        raw(dict(inputs=[bgr[None]]))['inputs'][0, 0],
        torch.from_numpy(lab).permute(2, 0, 1).float(), rtol=1e-5, atol=1e-4)


def test_rgb_to_lab_on_batches_and_its_refusal():
    rgb = torch.from_numpy(lab_test_image()).permute(2, 0, 1).float()
    batched = rgb_to_lab(torch.stack([rgb, rgb.flip(-1)])[None])
    assert batched.shape == (1, 2, 3, 40, 48)
    torch.testing.assert_close(batched[0, 1], rgb_to_lab(rgb).flip(-1))
    with pytest.raises(ValueError, match='3 channels'):
        rgb_to_lab(torch.zeros(4, 5, 5))


def test_lab_needs_bgr_to_rgb():
    with pytest.raises(ValueError, match="color_space='lab'.*bgr_to_rgb"):
        MultiViewDataPreprocessor(color_space='lab', bgr_to_rgb=False)


# ------------------------------------------------------------ refusals
def test_bad_arguments_are_refused():
    for kwargs, match in [
        (dict(mean=(1, 2, 3), std=None), 'both mean and std'),
        (dict(mean=None, std=(1, 2, 3)), 'both mean and std'),
        (dict(mean=(1, 2, 3), std=(1, 2)), 'differ in length'),
        (dict(color_space='hsv'), 'color_space'),
        (dict(size_divisor=0), 'size_divisor'),
        (dict(size_divisor=2.5), 'size_divisor'),
    ]:
        with pytest.raises(ValueError, match=match):
            MultiViewDataPreprocessor(**kwargs)


def test_channel_count_errors():
    with pytest.raises(ValueError, match='bgr_to_rgb expects 3'):
        MultiViewDataPreprocessor(mean=None, std=None)(
            dict(inputs=[images(2, 1, 8, 8)]))
    with pytest.raises(ValueError, match='mean and std have 3'):
        MultiViewDataPreprocessor(bgr_to_rgb=False)(
            dict(inputs=[images(2, 4, 8, 8)]))
    with pytest.raises(ValueError, match=r'different channel counts \[1, 3\]'):
        MultiViewDataPreprocessor(mean=None, std=None, bgr_to_rgb=False)(
            dict(inputs=[[images(3, 8, 8), images(1, 8, 8)]]))
    # any channel count without normalisation or reversal; with matching
    # statistics too
    out = MultiViewDataPreprocessor(mean=None, std=None, bgr_to_rgb=False)(
        dict(inputs=[images(2, 5, 8, 8)]))
    assert out['inputs'].shape == (1, 2, 5, 8, 8)
    out = MultiViewDataPreprocessor(mean=(1., ), std=(2., ),
                                    bgr_to_rgb=False)(
        dict(inputs=[images(2, 1, 8, 8)]))
    torch.testing.assert_close(out['inputs'],
                               (images(2, 1, 8, 8)[None].float() - 1) / 2)


def test_bad_shapes_are_refused():
    pre = MultiViewDataPreprocessor()
    with pytest.raises(ValueError, match=r'sample 1: inputs must be \[N, C'):
        pre(dict(inputs=[images(2, 3, 8, 8), images(3, 8, 8)]))
    with pytest.raises(ValueError, match=r'each view must be \[C, H, W\]'):
        pre(dict(inputs=[[images(3, 8, 8), images(1, 3, 8, 8)]]))
    with pytest.raises(ValueError, match='one view at least'):
        pre(dict(inputs=[[]]))
    with pytest.raises(ValueError, match=r'stacked inputs must be \[B, N'):
        pre(dict(inputs=images(2, 3, 8, 8)))
    with pytest.raises(ValueError, match='no samples'):
        pre(dict(inputs=[]))


def test_lab_refuses_the_imagenet_rgb_statistics():
    with pytest.raises(ValueError, match='Lab statistics'):
        MultiViewDataPreprocessor(color_space='lab')
    MultiViewDataPreprocessor(color_space='lab', mean=(50, 0, 0),
                              std=(50, 127, 127))
