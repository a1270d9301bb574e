# Copyright (c) mmcorr contributors. All rights reserved.
"""The two baselines of the embedded video benchmark."""
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.models.video import FirstMaskCopy, LabPixelKeys
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample


def clip(frames=3, size=(16, 20)):
    views = [ViewDataSample(metainfo=dict(img_shape=size))
             for _ in range(frames)]
    first = torch.zeros(1, *size, dtype=torch.long)
    first[:, 4:10, 5:12] = 2
    first[:, 0, 0] = 255  # void
    views[0].gt_sem_seg = PixelData(data=first)
    return [torch.rand(1, 3, *size) for _ in range(frames)], \
        [MultiViewDataSample(views=views)]


def test_first_mask_copy_repeats_the_first_mask():
    views, samples = clip()
    out = FirstMaskCopy().predict(views, samples)
    expected = samples[0].views[0].gt_sem_seg.data.clone()
    expected[expected == 255] = 0
    for view in out[0].views:
        assert torch.equal(view.pred_sem_seg.data, expected)
    with pytest.raises(RuntimeError, match='nothing to train'):
        FirstMaskCopy().loss(views, samples)


def test_lab_pixel_keys_are_scaled_cell_means():
    keys = LabPixelKeys(stride=4, scale=2.0)
    frames = torch.arange(2 * 3 * 8 * 10, dtype=torch.float32).view(
        2, 3, 8, 10)
    out, = keys(frames)
    assert out.shape == (2, 3, 2, 3)  # ceil(10 / 4) = 3
    torch.testing.assert_close(out[0, 1, 1, 0],
                               2 * frames[0, 1, 4:8, 0:4].mean())
    torch.testing.assert_close(out[1, 2, 0, 2],
                               2 * frames[1, 2, 0:4, 8:10].mean())
    with pytest.raises(ValueError, match=r'\[B, 3, H, W\]'):
        keys(torch.rand(1, 1, 8, 8))


def test_pixel_baseline_propagates_through_mast():
    model = MODELS.build(dict(
        type='MASTVideoSegmentor',
        backbone=dict(type='LabPixelKeys', scale=8.0), key_channels=None,
        test_cfg=dict(window_size=5))).eval()
    frames = [torch.zeros(1, 3, 32, 32)] * 3
    for frame in frames:
        frame[:, 0, 8:24, 8:24] = 1.0  # a bright square that stays put
    first = torch.zeros(1, 1, 32, 32, dtype=torch.long)
    first[..., 8:24, 8:24] = 1
    with torch.no_grad():
        labels = model.propagate(frames, first)
    assert (labels[2][..., 12:20, 12:20] == 1).all()
    assert (labels[2][..., :4, :] == 0).all()
