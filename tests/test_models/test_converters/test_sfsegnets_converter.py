# Copyright (c) mmcorr contributors. All rights reserved.
"""The SFSegNets converter: head detection and
tools/model_converters/sfsegnet2mmcorr.py."""
import glob
import json
import os.path as osp

import pytest
import torch
from converter_tools import load_tool
from mmengine.config import Config
from paths import PARITY_DIR, REPO

from mmcorr.checkpoint_io import load_checkpoint_file
from mmcorr.models.converters import (ConversionError, convert_sfsegnet,
                                      detect_sfsegnet_head)
from mmcorr.registry import MODELS


def official_state(fixture):
    """The official keys of a parity fixture; tensor ``i`` is ``[i, i]``."""
    with open(osp.join(PARITY_DIR, f'{fixture}.json')) as f:
        keys = [key for key, _ in json.load(f)['keys']]
    return {key: torch.full((2, ), float(i)) for i, key in enumerate(keys)}


def save_official(state, path):
    """As lxtGH/SFSegNets saves it: wrapped, DataParallel prefixes."""
    torch.save({'state_dict': {f'module.{k}': v for k, v in state.items()},
                'epoch': 3}, path)
    return str(path)


def lite_model_keys():
    """The state dict keys of mmcorr's SFNet-Lite R18 (built on meta)."""
    config, = glob.glob(osp.join(
        REPO, 'configs', '*',
        'sfnet-lite_r18-d_8xb2-186k_cityscapes-1024x1024.py'))
    cfg = Config.fromfile(config)
    cfg.model.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    with torch.device('meta'):
        return set(MODELS.build(cfg.model).state_dict())


@pytest.mark.parametrize('fixture, head', [('sfnet_r18_v1', 'v1'),
                                           ('sfnet_lite_r18', 'lite')])
def test_head_detected_from_keys(fixture, head):
    state = official_state(fixture)
    assert detect_sfsegnet_head(state) == head
    assert detect_sfsegnet_head({'state_dict': state}) == head
    detected, unused = convert_sfsegnet(state, strict=True)
    given, given_unused = convert_sfsegnet(state, head)
    assert list(detected) == list(given) and unused == given_unused


def test_lite_without_head_option_is_complete(tmp_path, capsys):
    """Without --head a lite checkpoint used to be converted as v1: the
    whole flow-alignment module was dropped as 'built but never called'."""
    tool = load_tool('sfsegnet2mmcorr')
    src = save_official(official_state('sfnet_lite_r18'), tmp_path / 'o.pth')
    auto, given = str(tmp_path / 'auto.pth'), str(tmp_path / 'given.pth')
    assert not tool.main([src, auto])  # exit status 0
    printed = capsys.readouterr().out
    assert not tool.main([src, given, '--head', 'lite'])
    auto, given = load_checkpoint_file(auto), load_checkpoint_file(given)
    assert auto['meta'] == given['meta'] == {
        'converted_from': 'lxtGH/SFSegNets', 'head': 'lite'}
    assert list(auto['state_dict']) == list(given['state_dict'])
    for key, value in auto['state_dict'].items():
        assert torch.equal(value, given['state_dict'][key]), key
    assert set(auto['state_dict']) == lite_model_keys()
    assert 'head: lite (detected)' in printed
    unused = [line.rsplit(' ', 1)[1] for line in printed.splitlines()
              if line.startswith('unused official key')]
    assert unused and all(
        k.startswith(('head.fpn_in.2.', 'head.dsn.')) for k in unused)


@pytest.mark.parametrize('head_option', [[], ['--head', 'lite']])
def test_unknown_leftover_key_refused(tmp_path, capsys, head_option):
    tool = load_tool('sfsegnet2mmcorr')
    state = official_state('sfnet_lite_r18')
    state['head.extra_branch.0.weight'] = torch.zeros(2)
    src = save_official(state, tmp_path / 'o.pth')
    dst = tmp_path / 'out.pth'
    with pytest.raises(SystemExit) as info:
        tool.main([src, str(dst), *head_option])
    assert info.value.code == 2
    error = capsys.readouterr().err
    assert '--head' in error and 'head.extra_branch.0.weight' in error
    assert not dst.exists()


def test_wrong_head_option_refused(tmp_path, capsys):
    """An explicit --head v1 on a lite checkpoint leaves the flow alignment
    module over: refused, naming it."""
    tool = load_tool('sfsegnet2mmcorr')
    src = save_official(official_state('sfnet_lite_r18'), tmp_path / 'o.pth')
    with pytest.raises(SystemExit):
        tool.main([src, str(tmp_path / 'out.pth'), '--head', 'v1'])
    error = capsys.readouterr().err
    assert '--head {v1,lite}' in error
    assert 'head.flow_align_module.flow_make.weight' in error
    assert not (tmp_path / 'out.pth').exists()


def test_undetectable_head_needs_option(tmp_path, capsys):
    tool = load_tool('sfsegnet2mmcorr')
    backbone = {k: v for k, v in official_state('sfnet_r18_v1').items()
                if k.startswith('layer')}
    with pytest.raises(ConversionError, match='--head'):
        detect_sfsegnet_head(backbone)
    src = save_official(backbone, tmp_path / 'o.pth')
    with pytest.raises(SystemExit):
        tool.main([src, str(tmp_path / 'out.pth')])
    assert 'choose the head with --head' in capsys.readouterr().err
    assert tool.main([src, str(tmp_path / 'out.pth'), '--head', 'v1']) == 0
