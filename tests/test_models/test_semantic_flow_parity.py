# Copyright (c) mmcorr contributors. All rights reserved.
"""The official SFNet semantic-correspondence model, reproduced (parity)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from parity_rule import seeded_state_dict, seeded_tensor

from mmcorr.models.converters import convert_sfnet_corr
from mmcorr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PARITY = osp.join(REPO, 'tests', 'data', 'parity')
#: fixture name -> mmcorr output name
OUTPUTS = {
    'grid_S2T': 'grid_s2t', 'grid_T2S': 'grid_t2s', 'flow_S2T': 'flow_s2t',
    'flow_T2S': 'flow_t2s', 'est_src_mask': 'warped_mask_s2t',
    'est_tgt_mask': 'warped_mask_t2s', 'smoothness_S2T': 'smoothness_s2t',
    'smoothness_T2S': 'smoothness_t2s', 'warped_flow_S2T': 'warped_flow_s2t',
    'warped_flow_T2S': 'warped_flow_t2s'
}


@pytest.fixture(scope='module')
def official():
    with open(osp.join(PARITY, 'sfnet_corr.json')) as f:
        meta = json.load(f)
    return meta, np.load(osp.join(PARITY, 'sfnet_corr.npz'))


def build_model():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/_base_/models/sfnet-corr_r101.py'))
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor = None
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def model(official):
    """The mmcorr model with the converted seeded official weights."""
    meta, _ = official
    converted, unused = convert_sfnet_corr(seeded_state_dict(meta['keys']))
    assert not unused
    model = build_model()
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected
    assert all(k.startswith('backbone.') for k in missing)
    return model.double().eval()


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


def test_official_model_reproduced(official, model):
    meta, expected = official
    model.legacy_grid_sample = model.legacy_smoothness = True
    feats, masks = official_inputs(meta)
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        test = model.match(src, tgt)
        train = model.match(src, tgt, masks['input.src_mask'],
                            masks['input.tgt_mask'])
    errors = {}
    for name in expected.files:
        mode, key = name.split('.')
        if mode == 'test':
            out = test[OUTPUTS[key]]
        elif key in ('flow_S2T', 'flow_T2S'):  # masked in training mode
            out = train[f'masked_{OUTPUTS[key]}']
        else:
            out = train[OUTPUTS[key]]
        ref = torch.from_numpy(expected[name])
        assert out.shape == ref.shape, name
        errors[name] = (out - ref).abs().max().item()
    print({k: f'{v:.2g}' for k, v in errors.items()})
    # measured: <= 5e-8, from the official float32 linspace constants
    assert max(errors.values()) <= 1e-6, errors


def test_exact_defaults_differ_from_legacy(official, model):
    meta, expected = official
    model.legacy_grid_sample = model.legacy_smoothness = False
    feats, masks = official_inputs(meta)
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        train = model.match(src, tgt, masks['input.src_mask'],
                            masks['input.tgt_mask'])
    legacy = torch.from_numpy(expected['train.est_src_mask'])
    assert (train['warped_mask_s2t'] - legacy).abs().max() > 1e-3


def test_official_checkpoint_layout_converts():
    layer = {'conv1.0.weight': torch.zeros(1), 'conv2.1.running_var':
             torch.ones(1)}
    converted, unused = convert_sfnet_corr(
        {'state_dict1': layer, 'state_dict2': layer, 'epoch': 3})
    assert set(converted) == {
        'adapt_fine.units.0.conv.weight', 'adapt_fine.units.1.bn.running_var',
        'adapt_coarse.units.0.conv.weight',
        'adapt_coarse.units.1.bn.running_var'
    }
    assert not unused


def test_torchvision_resnet_keys_load_into_mmseg_resnet(tmp_path, run_tool):
    from mmseg.models.backbones import ResNet
    from mmcorr.models.converters import convert_torchvision_resnet
    net = ResNet(depth=18)
    # torchvision names = mmseg names, plus the classifier
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in net.state_dict().items()}
    state['fc.weight'], state['fc.bias'] = torch.zeros(10, 512), torch.zeros(
        10)
    converted, unused = convert_torchvision_resnet(state, prefix='')
    assert unused == ['fc.weight', 'fc.bias']
    net.load_state_dict(converted)  # strict: every key matches
    src = str(tmp_path / 'tv.pth')
    torch.save(state, src)
    proc = run_tool(['tools/model_converters/torchvision_resnet2mmcorr.py',
                     src, str(tmp_path / 'out.pth')])
    assert 'left out (no counterpart): fc.weight' in proc.stdout


@pytest.mark.parametrize('chunk_size', [7, 37, 400])
def test_chunked_matching_equals_one_shot(official, model, chunk_size):
    meta, _ = official
    feats, _ = official_inputs(meta)
    with torch.no_grad():
        src, tgt = adapted_pair(model, feats)
        model.chunk_size = None
        one_shot = model.match(src, tgt)
        model.chunk_size = chunk_size
        chunked = model.match(src, tgt)
        model.chunk_size = None
    for key, value in one_shot.items():
        torch.testing.assert_close(chunked[key], value, rtol=1e-9, atol=1e-9)
