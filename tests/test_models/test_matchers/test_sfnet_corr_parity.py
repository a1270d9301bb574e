# Copyright (c) mmcorr contributors. All rights reserved.
"""The official SFNet semantic-correspondence model, reproduced (parity)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR, REPO

from mmcorr.models.converters import convert_sfnet_corr
from mmcorr.models.losses import (flow_smoothness_map, warped_flows,
                                  warped_masks)
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample


@pytest.fixture(scope='module')
def official():
    with open(osp.join(PARITY_DIR, 'sfnet_corr.json')) as f:
        meta = json.load(f)
    return meta, np.load(osp.join(PARITY_DIR, 'sfnet_corr.npz'))


def base_config():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/_base_/models/sfnet-corr_r101.py'))
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor = None
    return cfg


@pytest.fixture(scope='module')
def model(official):
    """The mmcorr model with the converted seeded official weights and the
    base config's (exact) losses."""
    meta, _ = official
    converted, unused = convert_sfnet_corr(seeded_state_dict(meta['keys']))
    assert not unused
    model = MODELS.build(base_config().model)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected
    assert all(k.startswith('backbone.') for k in missing)
    return model.double().eval()


@pytest.fixture
def legacy_model(model):
    """The same model with the config's ``legacy_losses`` (what the
    *_legacy configs and the official checkpoint use)."""
    exact = model.losses
    model.losses = torch.nn.ModuleList(
        MODELS.build(cfg) for cfg in base_config().legacy_losses)
    try:
        yield model
    finally:
        model.losses = exact


def adapted_pair(model, feats):
    """Adapted (C4, upsampled C5) of the seeded source and target."""
    return tuple(
        model.adapt_features(feats[f'input.{side}_feat3'],
                             feats[f'input.{side}_feat4'])
        for side in ('src', 'tgt'))


def official_inputs(meta):
    shapes = meta['inputs']
    feats = {k: seeded_tensor(k, shapes[k], 'input').clamp(min=0)
             for k in shapes if 'feat' in k}
    masks = {k: (seeded_tensor(k, shapes[k], 'input') > 0).double()
             for k in shapes if 'mask' in k}
    return feats, masks


def official_terms(model, feats, masks, legacy=True):
    """Every fixture output from mmcorr: the grids and flows of
    ``model.match`` (test: as at inference, train: ``chunked=False``, as the
    loss mode calls it) and the training terms from the loss helpers."""
    src_mask, tgt_mask = masks['input.src_mask'], masks['input.tgt_mask']
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        test = model.match(src, tgt)
        train = model.match(src, tgt, chunked=False)
        grids = (train['grid_s2t'], train['grid_t2s'])
        flows = (train['flow_s2t'], train['flow_t2s'])
        est_src, est_tgt = warped_masks(*grids, src_mask, tgt_mask,
                                        legacy_grid_sample=legacy)
        back_s2t, back_t2s = warped_flows(*grids, *flows, src_mask,
                                          tgt_mask,
                                          legacy_grid_sample=legacy)
        terms = {
            'train.grid_S2T': grids[0], 'train.grid_T2S': grids[1],
            # the official training forward returns the masked flows
            'train.flow_S2T': flows[0] * src_mask,
            'train.flow_T2S': flows[1] * tgt_mask,
            'train.est_src_mask': est_src, 'train.est_tgt_mask': est_tgt,
            'train.warped_flow_S2T': back_s2t,
            'train.warped_flow_T2S': back_t2s,
            'train.smoothness_S2T': flow_smoothness_map(
                flows[0], src_mask, legacy_channel_sum=legacy),
            'train.smoothness_T2S': flow_smoothness_map(
                flows[1], tgt_mask, legacy_channel_sum=legacy),
        }
    terms.update({f'test.{k}': test[k.lower()]
                  for k in ('grid_S2T', 'grid_T2S', 'flow_S2T', 'flow_T2S')})
    return terms


def official_losses(expected, masks):
    """SFNet's custom_loss.py on the OFFICIAL training terms of the fixture:
    ``(3 L1, 16 L2, 0.5 L3) / B``."""
    ref = {k: torch.from_numpy(expected[k]) for k in expected.files}
    src, tgt = masks['input.src_mask'], masks['input.tgt_mask']
    batch, _, height, width = src.shape
    n_src = src.sum((2, 3), keepdim=True) + 1
    n_tgt = tgt.sum((2, 3), keepdim=True) + 1
    l1 = ((ref['train.est_src_mask'] - src)**2).sum() / (height * width) + \
        ((ref['train.est_tgt_mask'] - tgt)**2).sum() / (height * width)
    l2 = ((ref['train.flow_S2T'] - ref['train.warped_flow_S2T'])**2 /
          n_src).sum() + ((ref['train.flow_T2S'] -
                           ref['train.warped_flow_T2S'])**2 / n_tgt).sum()
    l3 = (ref['train.smoothness_S2T'] / n_src).sum() + \
        (ref['train.smoothness_T2S'] / n_tgt).sum()
    return {
        'loss_MaskConsistencyLoss': 3 * l1 / batch,
        'loss_FlowConsistencyLoss': 16 * l2 / batch,
        'loss_FlowSmoothnessLoss': 0.5 * l3 / batch
    }


def test_official_model_reproduced(official, model):
    meta, expected = official
    feats, masks = official_inputs(meta)
    out = official_terms(model, feats, masks, legacy=True)
    assert set(out) == set(expected.files)
    errors = {}
    for name in expected.files:
        ref = torch.from_numpy(expected[name])
        assert out[name].shape == ref.shape, name
        assert out[name].dtype == torch.float64, name
        errors[name] = (out[name] - ref).abs().max().item()
    print({k: f'{v:.2g}' for k, v in errors.items()})
    # measured: <= 5e-8, from the official float32 linspace constants
    assert max(errors.values()) <= 1e-6, errors


def test_official_loss_values_reproduced(official, legacy_model):
    """The three losses with the legacy options (as the *_legacy configs
    set them), from the grids and flows of ``match``, equal SFNet's loss
    on its own terms."""
    meta, expected = official
    feats, masks = official_inputs(meta)
    model = legacy_model
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        out = model.match(src, tgt, chunked=False)
    # the fixture's terms carry the official float32 linspace constants
    # (<= 5e-8): relative differences of about 2e-9 in the losses
    reference = official_losses(expected, masks)
    args = (out['grid_s2t'], out['grid_t2s'], out['flow_s2t'],
            out['flow_t2s'], masks['input.src_mask'], masks['input.tgt_mask'])
    assert [type(loss).__name__ for loss in model.losses] == [
        'MaskConsistencyLoss', 'FlowConsistencyLoss', 'FlowSmoothnessLoss']
    for loss in model.losses:
        value = loss(*args)
        ref = reference[f'loss_{type(loss).__name__}']
        assert ref > 0
        torch.testing.assert_close(value, ref, rtol=1e-7, atol=0)


def test_loss_mode_reproduces_the_official_losses(official, legacy_model,
                                                  monkeypatch):
    """The same through ``model(..., mode='loss')``: the data samples carry
    the official masks (already at feature size) and the backbone features
    are the fixture's."""
    meta, expected = official
    feats, masks = official_inputs(meta)
    model = legacy_model
    with torch.no_grad():
        pair = adapted_pair(model, feats)
    # an instance attribute, removed again by monkeypatch
    monkeypatch.setattr(model, '_features', lambda views: pair)
    batch = masks['input.src_mask'].shape[0]
    samples = [MultiViewDataSample(views=[
        ViewDataSample(gt_fg_mask=PixelData(data=masks[f'input.{side}_mask']
                                            [i].float()))
        for side in ('src', 'tgt')
    ]) for i in range(batch)]
    inputs = torch.zeros(batch, 2, 3, 320, 320, dtype=torch.float64)
    with torch.no_grad():
        losses = model(inputs, samples, mode='loss')
    reference = official_losses(expected, masks)
    assert set(losses) == set(reference)
    for name, value in losses.items():
        # the model binarises the masks in float32 (0/1, exact), so the
        # masks are warped in float32: measured <= 6e-8 relative
        torch.testing.assert_close(value.double(), reference[name],
                                   rtol=1e-6, atol=0,
                                   msg=lambda m: f'{name}: {m}')


def test_exact_defaults_differ_from_legacy(official, model):
    meta, expected = official
    feats, masks = official_inputs(meta)
    out = official_terms(model, feats, masks, legacy=False)
    for name in ('train.est_src_mask', 'train.est_tgt_mask',
                 'train.warped_flow_S2T', 'train.smoothness_S2T',
                 'train.smoothness_T2S'):
        legacy = torch.from_numpy(expected[name])
        assert (out[name] - legacy).abs().max() > 1e-3, name
    # the grids and flows themselves do not depend on the options
    for name in ('train.grid_S2T', 'test.flow_T2S'):
        torch.testing.assert_close(out[name],
                                   torch.from_numpy(expected[name]),
                                   rtol=0, atol=1e-6)
    # the exact losses (the base config's) differ from the official values
    reference = official_losses(expected, masks)
    with torch.no_grad():
        train = model.match(*adapted_pair(model, feats), chunked=False)
    args = (train['grid_s2t'], train['grid_t2s'], train['flow_s2t'],
            train['flow_t2s'], masks['input.src_mask'],
            masks['input.tgt_mask'])
    for loss in model.losses:
        ref = reference[f'loss_{type(loss).__name__}']
        assert abs(float(loss(*args) - ref)) > 1e-3 * float(ref), loss


@pytest.mark.parametrize('chunk_size', [7, 37, 400])
def test_chunked_matching_equals_one_shot(official, model, chunk_size):
    meta, _ = official
    feats, _ = official_inputs(meta)
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        model.chunk_size = None
        one_shot = model.match(src, tgt)
        model.chunk_size = chunk_size
        try:
            chunked = model.match(src, tgt)
            # training asks for the whole volumes (chunked=False)
            whole = model.match(src, tgt, chunked=False)
        finally:
            model.chunk_size = None
    assert set(chunked) == set(one_shot) == {'grid_s2t', 'grid_t2s',
                                             'flow_s2t', 'flow_t2s'}
    for key, value in one_shot.items():
        torch.testing.assert_close(chunked[key], value, rtol=1e-9, atol=1e-9)
        assert torch.equal(whole[key], value), key
