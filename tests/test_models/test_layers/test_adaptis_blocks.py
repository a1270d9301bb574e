# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' blocks against loops and closed forms."""
import math

import pytest
import torch

from mmcorr.models.layers import (AdaptiveInstanceNorm, ConvMapController,
                                  FCController, RelativeCoordFeatures)


def test_relative_coords_match_a_pixel_loop():
    layer = RelativeCoordFeatures(norm_radius=3.0, spatial_scale=0.5)
    points = torch.tensor([[4.0, 2.0], [0.0, 9.0]], dtype=torch.float64)
    feat = torch.zeros(2, 1, 5, 6, dtype=torch.float64)
    out = layer(feat, points)
    assert out.shape == (2, 4, 5, 6)
    for n, (x, y) in enumerate(points.tolist()):
        for i in range(5):
            for j in range(6):
                d_row = (i - 0.5 * y) / 1.5
                d_col = (j - 0.5 * x) / 1.5
                want = [d_row, d_col, math.hypot(d_row, d_col)]
                want = [min(max(v, -1), 1) for v in want]
                assert out[n, :3, i, j].tolist() == pytest.approx(want)
    assert (out[:, 3] == 0).all()


def test_relative_coords_without_distance_and_bad_points():
    layer = RelativeCoordFeatures(42, with_distance=False)
    assert layer.num_channels == 2
    assert layer(torch.zeros(1, 4, 3, 3), torch.zeros(1, 2)).shape == \
        (1, 6, 3, 3)
    with pytest.raises(ValueError, match='points must be'):
        layer(torch.zeros(2, 4, 3, 3), torch.zeros(1, 2))
    with pytest.raises(ValueError, match='positive'):
        RelativeCoordFeatures(0)


def test_adain_closed_form_and_initial_identity():
    torch.manual_seed(0)
    adain = AdaptiveInstanceNorm(4, 3).double()
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64) * 3 + 1
    w = torch.randn(2, 4, dtype=torch.float64)
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    normed = (x - mean) / torch.sqrt(var + 1e-5)
    gamma = (w @ adain.affine_scale.weight.T + adain.affine_scale.bias)
    beta = (w @ adain.affine_shift.weight.T + adain.affine_shift.bias)
    want = normed * gamma[..., None, None] + beta[..., None, None]
    assert torch.allclose(adain(x, w), want, atol=1e-12)
    # MXNet semantics: gamma's bias starts at 1; with zero weights the
    # layer is plain instance normalisation
    assert (adain.affine_scale.bias == 1).all()
    torch.nn.init.zeros_(adain.affine_scale.weight)
    torch.nn.init.zeros_(adain.affine_shift.weight)
    torch.nn.init.zeros_(adain.affine_shift.bias)
    assert torch.allclose(adain(x, w), normed, atol=1e-12)


def test_adain_legacy_shift_plus_one():
    torch.manual_seed(0)
    legacy = AdaptiveInstanceNorm(4, 3, legacy_shift_plus_one=True)
    plain = AdaptiveInstanceNorm(4, 3)
    plain.load_state_dict(legacy.state_dict())
    x, w = torch.randn(1, 3, 4, 4), torch.randn(1, 4)
    assert torch.allclose(legacy(x, w), plain(x, w) + 1, atol=1e-6)
    with pytest.raises(ValueError, match='AdaIN expects'):
        plain(torch.randn(1, 2, 4, 4), w)


def test_controllers_shapes():
    conv = ConvMapController(8, channels=5, num_layers=3)
    assert conv.reads_map and conv(torch.randn(2, 8, 4, 4)).shape == \
        (2, 5, 4, 4)
    fc = FCController(8, (6, 7)).eval()
    assert not fc.reads_map and fc(torch.randn(3, 8)).shape == (3, 7)
