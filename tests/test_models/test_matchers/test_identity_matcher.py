# Copyright (c) mmcorr contributors. All rights reserved.
"""IdentityMatcher: identity grids, its forward modes and refusals."""
import pytest
import torch

from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample


def test_identity_matcher_predicts_the_identity():
    model = MODELS.build(dict(type='IdentityMatcher'))
    inputs = torch.zeros(2, 2, 3, 5, 7)
    grid = model(inputs)
    assert grid.shape == (2, 5, 7, 2)
    assert torch.allclose(grid[0, 0, :, 0], torch.linspace(-1, 1, 7))
    assert torch.allclose(grid[1, :, 0, 1], torch.linspace(-1, 1, 5))
    samples = [MultiViewDataSample(views=[ViewDataSample(), ViewDataSample()])
               for _ in range(2)]
    assert model(inputs, samples, 'predict') is samples
    assert torch.equal(samples[1].pred_grid_s2t, grid[1])
    assert torch.equal(samples[0].pred_grid_t2s, grid[0])
    created = model(inputs, mode='predict')
    assert len(created) == 2 and len(created[0]) == 2
    assert torch.equal(created[1].pred_grid_t2s, grid[1])
    small = MODELS.build(dict(type='IdentityMatcher', grid_size=(3, 4)))
    assert small(inputs).shape == (2, 3, 4, 2)
    with pytest.raises(ValueError, match='no loss mode'):
        model(inputs, None, 'loss')
    with pytest.raises(ValueError, match=r'inputs \[B, N, C, H, W\]'):
        model(torch.zeros(2, 3, 5, 7))
    with pytest.raises(ValueError, match='takes 2 views per sample, got 3'):
        model(torch.zeros(2, 3, 3, 5, 7))
    with pytest.raises(RuntimeError, match='no parameters'):
        model.train_step({}, None)
