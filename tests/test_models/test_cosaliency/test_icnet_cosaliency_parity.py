# Copyright (c) mmcorr contributors. All rights reserved.
"""The official ICNet (blanclist/ICNet ``ICNet()``), reproduced: seeded
official weights converted by the checkpoint converter give the official
test map and the four training side outputs (float64)."""
import json
import os.path as osp

import numpy as np
import torch
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR

from mmcorr.models.converters import convert_icnet
from mmcorr.registry import MODELS


def load_fixture():
    with open(osp.join(PARITY_DIR, 'icnet.json')) as f:
        meta = json.load(f)
    return meta, np.load(osp.join(PARITY_DIR, 'icnet.npz'))


def official_inputs(meta):
    shapes = meta['inputs']
    images = seeded_tensor('input.image_group', shapes['input.image_group'],
                           'input')
    sisms = torch.sigmoid(
        seeded_tensor('input.SISMs', shapes['input.SISMs'], 'input'))
    return images, sisms


def build_official():
    meta, expected = load_fixture()
    converted, unused = convert_icnet(seeded_state_dict(meta['keys']))
    assert not unused
    model = MODELS.build(dict(type='ICNetCoSaliency',
                              backbone=dict(type='VGG16PrePoolTaps')))
    model = model.double().eval()
    model.load_state_dict(converted, strict=True)
    return model, meta, expected


def test_official_model_reproduced():
    model, meta, expected = build_official()
    images, sisms = official_inputs(meta)
    with torch.no_grad():
        sides = model.side_outputs(images, sisms)
    for i, side in enumerate(sides):
        ref = torch.from_numpy(expected[f'train.side{i}_every4'])
        err = (side[..., ::4, ::4] - ref).abs().max().item()
        assert err <= 1e-6, (i, err)  # measured: ~2e-14
    test = torch.from_numpy(expected['test.cosal_map_every4'])
    assert (sides[-1][..., ::4, ::4] - test).abs().max() <= 1e-6


def test_parameter_count_equals_the_official_model():
    model, meta, _ = build_official()
    official = sum(int(np.prod(shape)) for key, shape in meta['keys']
                   if not key.endswith(('running_mean', 'running_var',
                                        'num_batches_tracked')))
    assert sum(p.numel() for p in model.parameters()) == official == 18432068


def test_converter_tool(tmp_path, run_tool):
    meta, _ = load_fixture()
    src, dst = tmp_path / 'official.pth', tmp_path / 'mmcorr.pth'
    torch.save(seeded_state_dict(meta['keys']), src)
    proc = run_tool(['tools/model_converters/icnet2mmcorr.py', str(src),
                     str(dst)])
    assert 'unused' not in proc.stdout
    state = torch.load(dst, weights_only=True)['state_dict']
    assert 'backbone.features.28.weight' in state and \
        'decoder1.predict.weight' in state
    vgg = {f'{i}.weight': torch.zeros(1) for i in (0, 2)}
    torch.save(vgg, src)
    run_tool(['tools/model_converters/icnet2mmcorr.py', str(src), str(dst),
              '--vgg-only'])
    assert set(torch.load(dst, weights_only=True)['state_dict']) == {
        'backbone.features.0.weight', 'backbone.features.2.weight'}
