# Copyright (c) mmcorr contributors. All rights reserved.
"""FeatureConsensusCoSaliency against a pixel-by-pixel reference."""
import pytest
import torch
import torch.nn.functional as F

from mmcorr.models.cosaliency import FeatureConsensusCoSaliency


def reference_maps(features, small_sisms, sisms):
    """Loops over images and pixels: SISM-weighted mean feature per image
    (unit norm), the mean of those (unit norm), each pixel's cosine with it
    clamped at 0, min-max per image, resized to the SISM and multiplied."""
    num, channels, h, w = features.shape
    vectors = []
    for n in range(num):
        total = torch.zeros(channels, dtype=features.dtype)
        for i in range(h):
            for j in range(w):
                total += features[n, :, i, j] * small_sisms[n, 0, i, j]
        vectors.append(total / total.norm())
    consensus = torch.stack(vectors).mean(0)
    consensus = consensus / consensus.norm()
    maps = torch.zeros(num, 1, h, w, dtype=features.dtype)
    for n in range(num):
        for i in range(h):
            for j in range(w):
                maps[n, 0, i, j] = max(float(features[n, :, i, j] @ consensus),
                                       0.0)
        low, high = maps[n].min(), maps[n].max()
        maps[n] = (maps[n] - low) / (high - low + 1e-12)
    maps = F.interpolate(maps, size=sisms.shape[-2:], mode='bilinear',
                         align_corners=False)
    return maps * sisms


def test_maps_equal_pixel_by_pixel_reference():
    torch.manual_seed(0)
    model = FeatureConsensusCoSaliency(
        backbone=dict(type='EfficientNetLite', out_indices=(2, 4))).double()
    model.eval()
    images = torch.randn(1, 3, 3, 64, 48).double()  # [B, N, 3, H, W]
    sisms = torch.rand(1, 3, 1, 64, 48).double()
    with torch.no_grad():
        out = model._forward(list(images.unbind(1)),
                             dict(sism=list(sisms.unbind(1))))
        features = model.extract_feat(images[0])
    assert out.shape == (1, 3, 1, 64, 48)
    assert features.shape == (3, 40 + 112, 8, 6)
    assert torch.allclose(features.norm(dim=1),
                          torch.ones(3, 8, 6, dtype=features.dtype))
    small = F.interpolate(sisms[0], size=(8, 6), mode='bilinear',
                          align_corners=False)
    expected = reference_maps(features, small, sisms[0])
    assert torch.allclose(out[0], expected, atol=1e-10)
    assert out.min() >= 0 and out.max() <= 1


def test_needs_sisms_and_has_nothing_to_train():
    model = FeatureConsensusCoSaliency(
        backbone=dict(type='EfficientNetLite', out_indices=(2, 4)))
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(KeyError, match="extra input 'sism'"):
        model._forward([torch.zeros(1, 3, 32, 32)] * 2, {})
    with pytest.raises(ValueError, match='training-free'):
        model.loss([], [])
