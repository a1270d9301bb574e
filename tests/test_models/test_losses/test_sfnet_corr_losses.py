# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's three losses, each from (grid_s2t, grid_t2s, flow_s2t, flow_t2s,
src_mask, tgt_mask), against loops written from the official
``custom_loss.py`` and against closed forms."""
import math

import pytest
import torch

from mmcorr.models.losses import (FlowConsistencyLoss, FlowSmoothnessLoss,
                                  MaskConsistencyLoss, flow_smoothness_map,
                                  foreground_count, warped_flows,
                                  warped_masks)
from mmcorr.registry import MODELS

LOSSES = (MaskConsistencyLoss, FlowConsistencyLoss, FlowSmoothnessLoss)


# ------------------------------------------------------------ brute force
def brute_sample(image, gx, gy, align_corners):
    """``grid_sample(image [C, H, W], bilinear, zeros)`` at one normalised
    point, by hand: ``[C]`` list."""
    channels, height, width = image.shape
    if align_corners:
        px, py = (gx + 1) * (width - 1) / 2, (gy + 1) * (height - 1) / 2
    else:
        px, py = ((gx + 1) * width - 1) / 2, ((gy + 1) * height - 1) / 2
    x0, y0 = math.floor(px), math.floor(py)
    out = [0.0] * channels
    for yy, wy in ((y0, 1 - (py - y0)), (y0 + 1, py - y0)):
        for xx, wx in ((x0, 1 - (px - x0)), (x0 + 1, px - x0)):
            if 0 <= xx < width and 0 <= yy < height:
                for c in range(channels):
                    out[c] += wy * wx * float(image[c, yy, xx])
    return out


def brute_warp(image, grid, align_corners):
    """``[B, C, Hi, Wi]`` read at every cell of ``grid`` ``[B, H, W, 2]``."""
    batch, height, width, _ = grid.shape
    out = torch.zeros(batch, image.shape[1], height, width,
                      dtype=torch.float64)
    for b in range(batch):
        for y in range(height):
            for x in range(width):
                gx, gy = grid[b, y, x].tolist()
                out[b, :, y, x] = torch.tensor(
                    brute_sample(image[b], gx, gy, align_corners),
                    dtype=torch.float64)
    return out


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
                out[b, :, y, x] = torch.tensor(
                    grads, dtype=torch.float64) * mask[b, 0, y, x]
    return out


def brute_losses(grid_s2t, grid_t2s, flow_s2t, flow_t2s, src, tgt,
                 legacy_grid_sample=False, legacy_smoothness=False):
    """SFNet's custom_loss.py written out with loops:
    ``(3 L1, 16 L2, 0.5 L3) / B``."""
    align = not legacy_grid_sample
    batch, _, height, width = src.shape
    est_src = brute_warp(tgt, grid_s2t, align)  # tgt mask seen from src
    est_tgt = brute_warp(src, grid_t2s, align)
    back_s2t = brute_warp(flow_t2s, grid_s2t, align)
    back_t2s = brute_warp(flow_s2t, grid_t2s, align)
    l1 = l2 = l3 = 0.0
    directions = ((src, est_src, flow_s2t, back_s2t),
                  (tgt, est_tgt, flow_t2s, back_t2s))
    for mask, est, flow, back in directions:
        smooth = brute_smoothness(flow, mask, legacy_smoothness)
        for b in range(batch):
            count = float(mask[b].sum()) + 1
            for y in range(height):
                for x in range(width):
                    m = float(mask[b, 0, y, x])
                    l1 += (float(est[b, 0, y, x]) - m)**2 / (height * width)
                    for c in range(2):
                        forward = float(flow[b, c, y, x]) * m
                        negated_back = -float(back[b, c, y, x]) * m
                        l2 += (forward - negated_back)**2 / count
                        l3 += float(smooth[b, c, y, x]) / count
    return 3 * l1 / batch, 16 * l2 / batch, 0.5 * l3 / batch


# ---------------------------------------------------------------- helpers
def identity(batch, height, width):
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, height, dtype=torch.float64),
                            torch.linspace(-1, 1, width, dtype=torch.float64),
                            indexing='ij')
    return torch.stack((xs, ys), -1)[None].repeat(batch, 1, 1, 1)


def random_inputs(batch=2, size=(5, 6), seed=0):
    """Grids scattered around the identity (some cells outside), their
    flows, and random binary masks."""
    gen = torch.Generator().manual_seed(seed)
    base = identity(batch, *size)
    grids = [base + 0.4 * torch.randn(base.shape, generator=gen,
                                      dtype=torch.float64) for _ in range(2)]
    flows = [(g - base).permute(0, 3, 1, 2) for g in grids]
    masks = [(torch.rand(batch, 1, *size, generator=gen) > 0.35).double()
             for _ in range(2)]
    return (grids[0], grids[1], flows[0], flows[1], masks[0], masks[1])


def translation_inputs(batch, height, width, pixels=1):
    """Source content ``pixels`` px right of the target's: ``grid_s2t`` =
    identity + shift, ``grid_t2s`` = identity - shift, full masks."""
    shift = 2 * pixels / (width - 1)
    base = identity(batch, height, width)
    offset = torch.tensor([shift, 0.], dtype=torch.float64)
    grid_s2t, grid_t2s = base + offset, base - offset
    flow_s2t = offset.view(1, 2, 1, 1).expand(batch, 2, height, width)
    masks = torch.ones(batch, 1, height, width, dtype=torch.float64)
    return grid_s2t, grid_t2s, flow_s2t, -flow_s2t, masks, masks, shift


# ----------------------------------------------------- helper functions
@pytest.mark.parametrize('legacy', [False, True])
def test_smoothness_map_matches_brute_force(legacy):
    flow = torch.randn(2, 2, 5, 6, dtype=torch.float64)
    mask = (torch.rand(2, 1, 5, 6) > 0.3).double()
    torch.testing.assert_close(flow_smoothness_map(flow, mask, legacy),
                               brute_smoothness(flow, mask, legacy))


@pytest.mark.parametrize('legacy', [False, True])
def test_warped_masks_and_flows_match_brute_force(legacy):
    grid_s2t, grid_t2s, flow_s2t, flow_t2s, src, tgt = random_inputs()
    align = not legacy
    est_src, est_tgt = warped_masks(grid_s2t, grid_t2s, src, tgt,
                                    legacy_grid_sample=legacy)
    torch.testing.assert_close(est_src, brute_warp(tgt, grid_s2t, align))
    torch.testing.assert_close(est_tgt, brute_warp(src, grid_t2s, align))
    back_s2t, back_t2s = warped_flows(grid_s2t, grid_t2s, flow_s2t,
                                      flow_t2s, src, tgt,
                                      legacy_grid_sample=legacy)
    torch.testing.assert_close(
        back_s2t, -brute_warp(flow_t2s, grid_s2t, align) * src)
    torch.testing.assert_close(
        back_t2s, -brute_warp(flow_s2t, grid_t2s, align) * tgt)


def test_legacy_grid_sample_samples_half_a_pixel_off():
    """``align_corners=False`` reads an ``align_corners=True`` identity
    grid stretched by ``W / (W - 1)`` about the centre: not the identity."""
    grid = identity(1, 4, 5)
    image = torch.arange(20, dtype=torch.float64).view(1, 1, 4, 5)
    exact, _ = warped_masks(grid, grid, image, image)
    legacy, _ = warped_masks(grid, grid, image, image,
                             legacy_grid_sample=True)
    torch.testing.assert_close(exact, image)
    assert (legacy - image).abs().max() > 0.1


def test_foreground_count():
    mask = torch.zeros(2, 1, 3, 4)
    mask[0, 0, :2, :2] = 1
    assert foreground_count(mask).flatten().tolist() == [5, 1]


# ------------------------------------------------- losses vs brute force
@pytest.mark.parametrize('legacy', [False, True])
@pytest.mark.parametrize('batch,size', [(2, (5, 6)), (1, (4, 3))])
def test_losses_match_brute_force(legacy, batch, size):
    inputs = random_inputs(batch, size, seed=batch)
    expected = brute_losses(*inputs, legacy_grid_sample=legacy,
                            legacy_smoothness=legacy)
    losses = (MaskConsistencyLoss(legacy_grid_sample=legacy),
              FlowConsistencyLoss(legacy_grid_sample=legacy),
              FlowSmoothnessLoss(legacy_smoothness=legacy))
    for loss, value in zip(losses, expected):
        assert value > 0, type(loss).__name__  # not degenerate
        out = loss(*inputs)
        assert out.shape == ()
        assert float(out) == pytest.approx(value, rel=1e-10, abs=1e-12), \
            type(loss).__name__


def test_legacy_options_change_the_values():
    inputs = random_inputs()
    for loss, option in zip(LOSSES, ('legacy_grid_sample',
                                     'legacy_grid_sample',
                                     'legacy_smoothness')):
        exact = loss()(*inputs)
        legacy = loss(**{option: True})(*inputs)
        assert abs(float(exact - legacy)) > 1e-6, loss.__name__


# ------------------------------------------------------------ closed forms
@pytest.mark.parametrize('batch', [1, 3])
def test_identity_match_closed_form(batch):
    """Identity grids, zero flows: the warped masks are the masks, so only
    the mask disagreement costs: 3 * 2 |src xor tgt| / (H W) / B."""
    height, width = 6, 7
    grid = identity(batch, height, width)
    flow = torch.zeros(batch, 2, height, width, dtype=torch.float64)
    src = torch.zeros(batch, 1, height, width, dtype=torch.float64)
    tgt = torch.zeros_like(src)
    src[:, :, 1:4, 1:5] = 1  # 12 px
    tgt[:, :, 2:5, 1:5] = 1  # 12 px, 8 shared
    args = (grid, grid, flow, flow, src, tgt)
    differing = 8 * batch
    assert float(MaskConsistencyLoss()(*args)) == pytest.approx(
        3 * 2 * differing / (height * width) / batch)
    assert float(FlowConsistencyLoss()(*args)) == 0
    assert float(FlowSmoothnessLoss()(*args)) == 0
    # and no loss at all when the masks agree
    assert float(MaskConsistencyLoss()(grid, grid, flow, flow, src,
                                       src)) == pytest.approx(0, abs=1e-12)


def test_translation_closed_form():
    """A one-pixel translation with full masks: only the column that leaves
    the image costs (it reads zeros)."""
    batch, height, width = 2, 5, 6
    *args, shift = translation_inputs(batch, height, width)
    count = height * width + 1
    # L1: one column of H pixels per direction reads mask 0
    assert float(MaskConsistencyLoss()(*args)) == pytest.approx(
        3 * batch * 2 * height / (height * width) / batch)
    # L2: there the backward flow reads 0: the error is the shift itself
    assert float(FlowConsistencyLoss()(*args)) == pytest.approx(
        16 * batch * 2 * height * shift**2 / count / batch)
    # L3: a constant (shift, 0) flow only varies at the zero-padded border:
    # |shift / 2| on the 2 columns (d/dx) and on the 2 rows (d/dy)
    assert float(FlowSmoothnessLoss()(*args)) == pytest.approx(
        0.5 * batch * 2 * (2 * height + 2 * width) * shift / 2 / count /
        batch)


def test_smoothness_legacy_channel_sum_closed_form():
    """Constant flow (s, -s) on a full mask: the official kernel sums u and
    v before the absolute value, so the border differences cancel."""
    height, width, s = 4, 5, 0.3
    flow = torch.tensor([s, -s], dtype=torch.float64).view(1, 2, 1, 1)
    flow = flow.expand(1, 2, height, width).contiguous()
    mask = torch.ones(1, 1, height, width, dtype=torch.float64)
    grid = identity(1, height, width)
    args = (grid, grid, flow, flow, mask, mask)
    count = height * width + 1
    # exact: |du| + |dv| = s at each border cell, per derivative
    assert float(FlowSmoothnessLoss()(*args)) == pytest.approx(
        0.5 * 2 * (2 * height + 2 * width) * s / count)
    assert float(FlowSmoothnessLoss(legacy_smoothness=True)(*args)) == 0


# ------------------------------------------------------------- standalone
@pytest.mark.parametrize('loss_type', LOSSES)
def test_each_loss_works_standalone(loss_type):
    """Built from the registry, on plain tensors (no model), scaled by its
    weight, divided by the batch, differentiable in the grids and flows."""
    inputs = [t.clone().requires_grad_(i < 4)
              for i, t in enumerate(random_inputs())]
    loss = MODELS.build(dict(type=loss_type.__name__))
    assert isinstance(loss, loss_type)
    value = loss(*inputs)
    value.backward()
    assert any(t.grad is not None and t.grad.abs().sum() > 0
               for t in inputs[:4])
    doubled = MODELS.build(dict(type=loss_type.__name__,
                                loss_weight=2 * loss.loss_weight))
    torch.testing.assert_close(doubled(*inputs), 2 * value)
    # the same pair twice in a batch: the same loss (per-sample mean)
    twice = [torch.cat([t.detach()] * 2) for t in inputs]
    torch.testing.assert_close(loss(*twice), value.detach())


def test_official_weights_are_the_defaults():
    assert [loss().loss_weight for loss in LOSSES] == [3.0, 16.0, 0.5]
    assert not MaskConsistencyLoss().legacy_grid_sample
    assert not FlowConsistencyLoss().legacy_grid_sample
    assert not FlowSmoothnessLoss().legacy_smoothness


def test_perfect_predictions_have_zero_loss():
    """Any consistent pair of grids (here a shift inside an image with a
    mask away from the border) has zero mask and flow consistency loss."""
    *args, _ = translation_inputs(2, 6, 7)
    mask = torch.zeros(2, 1, 6, 7, dtype=torch.float64)
    mask[:, :, 1:5, 2:5] = 1
    src, tgt = mask, torch.roll(mask, 1, dims=3)
    grid_s2t, grid_t2s, flow_s2t, flow_t2s = args[:4]
    args = (grid_s2t, grid_t2s, flow_s2t, flow_t2s, src, tgt)
    assert float(FlowConsistencyLoss()(*args)) == pytest.approx(0, abs=1e-12)
    assert float(MaskConsistencyLoss()(*args)) == pytest.approx(0, abs=1e-12)
