# Copyright (c) mmcorr contributors. All rights reserved.
import pytest
import torch

from mmcorr.models.losses import (FlowConsistencyLoss, FlowSmoothnessLoss,
                                  MaskConsistencyLoss, flow_smoothness_map)


def brute_smoothness(flow, mask, legacy):
    """Central differences by explicit loops, zero outside."""
    batch, _, height, width = flow.shape
    out = torch.zeros(batch, 2, height, width, dtype=flow.dtype)

    def at(b, c, y, x):
        inside = 0 <= y < height and 0 <= x < width
        return flow[b, c, y, x] if inside else 0.0

    for b in range(batch):
        for y in range(height):
            for x in range(width):
                grads = []
                for dy, dx in ((0, 1), (1, 0)):
                    d = [(at(b, c, y + dy, x + dx) - at(b, c, y - dy, x - dx))
                         / 2 for c in (0, 1)]
                    grads.append(abs(d[0] + d[1]) if legacy else
                                 abs(d[0]) + abs(d[1]))
                out[b, :, y, x] = torch.tensor(grads) * mask[b, 0, y, x]
    return out


@pytest.mark.parametrize('legacy', [False, True])
def test_smoothness_map_matches_brute_force(legacy):
    flow = torch.randn(2, 2, 5, 6, dtype=torch.float64)
    mask = (torch.rand(2, 1, 5, 6) > 0.3).double()
    torch.testing.assert_close(flow_smoothness_map(flow, mask, legacy),
                               brute_smoothness(flow, mask, legacy))


def random_outputs(batch=2, size=(6, 7)):
    keys = ('warped_mask', 'masked_flow', 'warped_flow', 'smoothness')
    channels = dict(warped_mask=1, masked_flow=2, warped_flow=2,
                    smoothness=2)
    return {f'{k}_{d}': torch.rand(batch, channels[k], *size,
                                   dtype=torch.float64)
            for k in keys for d in ('s2t', 't2s')}


def test_losses_match_the_official_formulas():
    """SFNet's custom_loss.py written out: (3 L1 + 16 L2 + 0.5 L3) / B."""
    out = random_outputs()
    src = (torch.rand(2, 1, 6, 7) > 0.5).double()
    tgt = (torch.rand(2, 1, 6, 7) > 0.5).double()
    n_src = src.sum((2, 3), keepdim=True) + 1
    n_tgt = tgt.sum((2, 3), keepdim=True) + 1
    l1 = ((out['warped_mask_s2t'] - src)**2).sum() / 42 + \
        ((out['warped_mask_t2s'] - tgt)**2).sum() / 42
    l2 = ((out['masked_flow_s2t'] - out['warped_flow_s2t'])**2 / n_src).sum() \
        + ((out['masked_flow_t2s'] - out['warped_flow_t2s'])**2 / n_tgt).sum()
    l3 = (out['smoothness_s2t'] / n_src).sum() + \
        (out['smoothness_t2s'] / n_tgt).sum()
    torch.testing.assert_close(MaskConsistencyLoss()(out, src, tgt),
                               3 * l1 / 2)
    torch.testing.assert_close(FlowConsistencyLoss()(out, src, tgt),
                               16 * l2 / 2)
    torch.testing.assert_close(FlowSmoothnessLoss()(out, src, tgt),
                               0.5 * l3 / 2)


def test_perfect_predictions_have_zero_loss():
    out = random_outputs()
    mask = torch.ones(2, 1, 6, 7, dtype=torch.float64)
    out['warped_mask_s2t'] = out['warped_mask_t2s'] = mask
    out['warped_flow_s2t'] = out['masked_flow_s2t']
    out['warped_flow_t2s'] = out['masked_flow_t2s']
    assert MaskConsistencyLoss()(out, mask, mask) == 0
    assert FlowConsistencyLoss()(out, mask, mask) == 0
