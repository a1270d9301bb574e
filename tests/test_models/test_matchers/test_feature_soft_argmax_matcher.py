# Copyright (c) mmcorr contributors. All rights reserved.
"""FeatureSoftArgmaxMatcher against a cell-by-cell reference."""
import pytest
import torch
import torch.nn.functional as F

from mmcorr.models.matchers import FeatureSoftArgmaxMatcher


def reference_grid(src, tgt, beta):
    """For every source cell: softmax(beta * cosine) over the target cells,
    the expected (x, y) with x = -1 + 2 j / (W - 1) (corner-aligned)."""
    _, _, h, w = tgt.shape
    ys = torch.linspace(-1, 1, h, dtype=src.dtype)
    xs = torch.linspace(-1, 1, w, dtype=src.dtype)
    out = torch.zeros(src.shape[0], src.shape[2], src.shape[3], 2,
                      dtype=src.dtype)
    for b in range(src.shape[0]):
        t = F.normalize(tgt[b].reshape(tgt.shape[1], -1), dim=0)
        for i in range(src.shape[2]):
            for j in range(src.shape[3]):
                s = F.normalize(src[b, :, i, j], dim=0)
                p = torch.softmax(beta * (s @ t), 0).view(h, w)
                out[b, i, j, 0] = (p.sum(0) * xs).sum()
                out[b, i, j, 1] = (p.sum(1) * ys).sum()
    return out


def test_grid_equals_cell_by_cell_reference():
    torch.manual_seed(0)
    model = FeatureSoftArgmaxMatcher(
        backbone=dict(type='EfficientNetLite', out_indices=(2, 4)),
        beta=20.0).double().eval()
    src, tgt = torch.randn(2, 3, 64, 48).double(), torch.randn(
        2, 3, 64, 48).double()
    with torch.no_grad():
        out = model._forward([src, tgt])
        fs, ft = model.extract_feat(src), model.extract_feat(tgt)
    assert fs.shape == (2, 40 + 112, 8, 6)
    # each tap is unit-norm per cell before concatenation
    assert torch.allclose(fs[:, :40].norm(dim=1), torch.ones(2, 8, 6,
                                                             dtype=fs.dtype))
    # (global_correlation normalises with eps 1e-6: 2e-7 apart, measured)
    assert torch.allclose(out["grid_s2t"], reference_grid(fs, ft, 20.0),
                          atol=1e-6)
    assert torch.allclose(out['grid_t2s'], reference_grid(ft, fs, 20.0),
                          atol=1e-6)


def test_nothing_to_train():
    model = FeatureSoftArgmaxMatcher(
        backbone=dict(type='EfficientNetLite', out_indices=(2, 4)))
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match='training-free'):
        model.loss([], [])
