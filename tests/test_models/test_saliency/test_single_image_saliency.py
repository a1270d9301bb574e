# Copyright (c) mmcorr contributors. All rights reserved.
"""Single-image saliency models that make SISMs: frequency-tuned saliency
against an independent scikit-image / scipy reference, and an mmseg
segmentor as the SOD model."""
import numpy as np
import pytest
import torch

from mmcorr.registry import MODELS


def reference_frequency_tuned(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """Achanta et al. 2009 with scikit-image's Lab and scipy's Gaussian."""
    from scipy import ndimage
    from skimage import color
    lab = color.rgb2lab(rgb / 255.0)
    blurred = np.stack([ndimage.gaussian_filter(lab[..., c], sigma,
                                                mode='nearest', truncate=3)
                        for c in range(3)], -1)
    distance = np.linalg.norm(blurred - lab.reshape(-1, 3).mean(0), axis=-1)
    return distance / distance.max()


def test_frequency_tuned_saliency_matches_a_reference():
    from skimage import data
    rgb = data.coffee()[::8, ::8].astype(np.float64)  # a real photograph
    model = MODELS.build(dict(type='FrequencyTunedSaliency', sigma=1.0))
    ours = model(torch.from_numpy(rgb).permute(2, 0, 1)[None].float())
    assert ours.shape == (1, 1, *rgb.shape[:2])
    expected = reference_frequency_tuned(rgb, 1.0)
    # Lab conversions differ by < 0.5 units (OpenCV vs scikit-image)
    assert np.abs(ours[0, 0].numpy() - expected).max() < 0.03


def test_saliency_models_are_frozen_and_check_input():
    model = MODELS.build(dict(type='FrequencyTunedSaliency'))
    model.train()
    assert not model.training
    with pytest.raises(ValueError, match=r'RGB images \[N, 3, H, W\]'):
        model(torch.zeros(1, 1, 8, 8))


def test_segmentor_saliency_uses_the_foreground_probability(tmp_path):
    norm = dict(type='BN', requires_grad=True)
    segmentor = dict(
        type='mmseg.EncoderDecoder',
        backbone=dict(type='mmseg.ResNetV1c', depth=18, num_stages=2,
                      out_indices=(1, ), strides=(1, 2), dilations=(1, 1),
                      norm_cfg=norm),
        decode_head=dict(type='mmseg.FCNHead', in_channels=128, channels=8,
                         num_convs=1, num_classes=2, in_index=0,
                         norm_cfg=norm,
                         loss_decode=dict(type='mmseg.CrossEntropyLoss')))
    torch.manual_seed(0)
    built = MODELS.build(segmentor)
    ckpt = tmp_path / 'sod.pth'
    torch.save(dict(state_dict=built.state_dict()), ckpt)
    model = MODELS.build(dict(type='SegmentorSaliency', segmentor=segmentor,
                              checkpoint=str(ckpt)))
    rgb = torch.rand(2, 3, 32, 32) * 255
    sisms = model(rgb)
    assert sisms.shape == (2, 1, 32, 32)
    built.eval()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = built.encode_decode((rgb - mean) / std,
                                     [dict(img_shape=(32, 32))] * 2)
    torch.testing.assert_close(sisms, logits.softmax(1)[:, 1:2])
