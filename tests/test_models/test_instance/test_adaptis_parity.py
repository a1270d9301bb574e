# Copyright (c) mmcorr contributors. All rights reserved.
"""The official AdaptIS toy model (saic-vul/adaptis, PyTorch branch,
``get_unet_model(32, 512, with_proposals=True)``), reproduced: seeded
official weights, converted, give the fixture's instance logits for three
query points per image, semantic logits and proposal scores (float32
fixture, compared in float64), with the port's AdaIN
(``legacy_shift_plus_one=True``)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR

from mmcorr.models.converters import convert_adaptis_toy
from mmcorr.registry import MODELS

TOY_MODEL = dict(
    type='AdaptISSegmentor',
    backbone=dict(type='AdaptISToyUNet'),
    instance_head=dict(
        type='AdaptISInstanceHead', legacy_shift_plus_one=True),
    semantic_head=dict(type='ConvStackHead', out_channels=2, num_convs=3),
    proposal_head=dict(type='ConvStackHead', out_channels=1, num_convs=2))


def load_fixture():
    with open(osp.join(PARITY_DIR, 'adaptis_toy.json')) as f:
        meta = json.load(f)
    return meta, np.load(osp.join(PARITY_DIR, 'adaptis_toy.npz'))


@pytest.fixture(scope='module')
def parity():
    meta, expected = load_fixture()
    converted, unused = convert_adaptis_toy(seeded_state_dict(meta['keys']))
    assert not unused
    model = MODELS.build(TOY_MODEL)
    model.load_state_dict(converted, strict=True)
    model = model.double().eval()
    image = seeded_tensor('input.image', meta['inputs']['input.image'],
                          'input')
    # the fixture's points are (row, col); mmcorr's (x, y)
    points = torch.tensor(meta['points'], dtype=torch.float64).flip(-1)
    with torch.no_grad():
        out = model.segment_points(image, points)
    return out, expected


def relative_error(ours, theirs):
    theirs = torch.from_numpy(np.asarray(theirs, np.float64))
    ours = ours.reshape(theirs.shape)
    return float((ours - theirs).abs().max() / theirs.abs().max())


@pytest.mark.parametrize('name', ['instances', 'semantic', 'proposals'])
def test_outputs_match_official(parity, name):
    out, expected = parity
    assert relative_error(out[name], expected[name]) < 1e-5


def test_converter_tool(tmp_path, run_tool):
    meta, _ = load_fixture()
    src, dst = tmp_path / 'official.pth', tmp_path / 'mmcorr.pth'
    torch.save(seeded_state_dict(meta['keys']), src)
    proc = run_tool(['tools/model_converters/adaptis2mmcorr.py', str(src),
                     str(dst)])
    assert 'unused' not in proc.stdout
    converted = torch.load(dst, weights_only=True)['state_dict']
    model = MODELS.build(TOY_MODEL)
    model.load_state_dict(converted, strict=True)
    # the official keys plus the proposal loss's (unsaved) threshold
    assert len(converted) == len(meta['keys']) + 1


def test_converter_refuses_nothing_silently():
    meta, _ = load_fixture()
    state = seeded_state_dict(meta['keys'])
    state['adaptis_head.extra.weight'] = torch.zeros(1)
    _, unused = convert_adaptis_toy(state)
    assert unused == ['adaptis_head.extra.weight']
