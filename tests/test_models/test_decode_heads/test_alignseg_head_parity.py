# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg (speedinghzl/AlignSeg ``Seg_Model(19)``) equals mmcorr's port.

Two fixtures, same seeded weights and inputs (``parity_rule``):

- ``alignseg_r101``: eval mode, InPlaceABNSync modelled as plain BN +
  LeakyReLU. Its seeded running statistics let activations reach ~1e6 and
  offsets ~1e7, so every warp after CAB2 reads zero padding and the logits
  do not depend on the input: it pins the shapes (ceil-mode pool), the key
  mapping, the RRBs after CAB3/CAB5 and both heads, not the warps.
- ``alignseg_r101_train_bn``: train-mode norms (batch statistics), Dropout2d
  off, InPlaceABNSync with inplace_abn's real scale ``|weight| + eps``
  (``tools/misc/make_alignseg_parity_fixture.py``). Offsets stay ~1, so the
  backbone, the four CABs, the CAM and the heads all shape the logits.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR, REPO

from mmcorr.utils import replace_sync_bn
from mmcorr.models.converters.alignseg import convert_alignseg
from mmcorr.registry import MODELS

MODEL_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                        'alignseg_r101.py')
OFFICIAL_PARAMETERS = 66_846_310
#: modules the official Seg_Model builds but never runs that hold weights
#: (its unused ``relu``, the first ``maxpool`` and ``criterion`` hold none).
OFFICIAL_UNUSED_WEIGHTED_MODULES = []
TOLERANCE = 1e-6  # max |error| / max |reference|


def load_fixture(name):
    with open(osp.join(PARITY_DIR, f'{name}.json')) as f:
        meta = json.load(f)
    return meta, dict(np.load(osp.join(PARITY_DIR, f'{name}.npz')))


def build_model(**neck):
    """The base config's model on CPU: BN, float64, official options."""
    cfg = Config.fromfile(MODEL_CONFIG)
    replace_sync_bn(cfg.model)
    cfg.model.neck.update(
        dict(grid_convention='alignseg_legacy', align_corners=True), **neck)
    with DefaultScope.overwrite_default_scope('mmcorr'):  # module fixtures
        return MODELS.build(cfg.model).double()


@pytest.fixture(scope='module')
def official_meta():
    return load_fixture('alignseg_r101')[0]


@pytest.fixture(scope='module')
def official_state(official_meta):
    return seeded_state_dict(official_meta['keys'])


@pytest.fixture(scope='module')
def model():
    return build_model()


def set_train_bn_mode(model):
    """Norms use batch statistics; Dropout2d stays off (the fixture's mode)."""
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout2d):
            module.eval()


def logits(model, x):
    """``(main, auxiliary)`` logits at stride 4, before any resizing."""
    with torch.no_grad():
        feats = model.neck(model.backbone(x))
        return model.decode_head(feats), model.auxiliary_head(feats)


def relative_error(out, ref):
    ref = torch.from_numpy(ref)
    assert out.shape == ref.shape
    return ((out - ref).abs().max() / ref.abs().max()).item()


def check_fixture(model, name, tag):
    meta, expected = load_fixture(name)
    x = seeded_tensor(f'input.{tag}', meta['inputs'][f'input.{tag}'], 'input')
    main, aux = logits(model, x)
    errors = (relative_error(main, expected[f'logits.{tag}']),
              relative_error(aux, expected[f'aux_logits.{tag}']))
    print(f'{name} input.{tag}: relative max error main {errors[0]:.2e}, '
          f'aux {errors[1]:.2e}')
    return errors


@pytest.mark.parametrize('tag', ['a', 'b'])
def test_eval_fixture(model, official_state, tag):
    # the fixture modelled InPlaceABNSync as plain BN: keep the weights
    state, report = convert_alignseg(official_state, abn_scale=False)
    model.load_state_dict(state, strict=True)
    model.eval()
    assert max(check_fixture(model, 'alignseg_r101', tag)) < TOLERANCE


@pytest.mark.parametrize('tag', ['a', 'b'])
def test_train_bn_fixture(model, official_state, tag):
    state, report = convert_alignseg(official_state)  # |weight| + eps
    assert len(report.abn_scaled) == 139
    model.load_state_dict(state, strict=True)
    set_train_bn_mode(model)
    assert max(check_fixture(model, 'alignseg_r101_train_bn', tag)) < TOLERANCE


@pytest.mark.parametrize('neck, abn_scale', [
    (dict(grid_convention='pixel'), True),
    (dict(align_corners=False), True),
    ({}, False),
])
def test_train_bn_fixture_rejects_other_options(official_state, neck,
                                                abn_scale):
    """The fixture tells the legacy warp, the corner-aligned upsampling and
    inplace_abn's scale apart from the alternatives."""
    other = build_model(**neck)
    other.load_state_dict(
        convert_alignseg(official_state, abn_scale=abn_scale)[0])
    set_train_bn_mode(other)
    assert min(check_fixture(other, 'alignseg_r101_train_bn', 'a')) > 1e-4


def test_conversion_is_complete(model, official_state):
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    _, report = convert_alignseg(official_state, expected)
    assert report.unused == OFFICIAL_UNUSED_WEIGHTED_MODULES
    assert report.missing == [] and report.shape_mismatch == []
    # 106 backbone norms (3 stem, 99 in blocks, 4 downsample) + 33 decoder
    norms = [k for k in expected if k.endswith('running_var')]
    assert len(report.filled_num_batches_tracked) == len(norms) == 139


def test_parameter_count(model, official_meta):
    buffers = ('running_mean', 'running_var', 'num_batches_tracked')
    official = sum(
        int(np.prod(shape)) for name, shape in official_meta['keys']
        if not name.endswith(buffers))
    ours = sum(p.numel() for p in model.parameters())
    assert official == ours == OFFICIAL_PARAMETERS
