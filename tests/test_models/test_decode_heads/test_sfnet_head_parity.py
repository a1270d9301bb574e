# Copyright (c) mmcorr contributors. All rights reserved.
"""The official SFNet / SFNet-Lite R18 models, reproduced (parity fixtures)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR, REPO

from mmcorr.models.converters import convert_sfsegnet
from mmcorr.registry import MODELS

CASES = {
    'sfnet_r18_v1': ('configs/sfsegnet/'
                     'sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py', 'v1'),
    'sfnet_lite_r18': ('configs/sfsegnet/'
                       'sfnet-lite_r18-d_8xb2-186k_cityscapes-1024x1024.py',
                       'lite'),
}
#: built by the official code, never called in its forward
UNUSED = {'sfnet_r18_v1': set(),
          'sfnet_lite_r18': {'head.fpn_in.2', 'head.dsn'}}


def build_cpu_model(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('name', list(CASES))
def test_official_model_reproduced(name):
    config, head = CASES[name]
    with open(osp.join(PARITY_DIR, f'{name}.json')) as f:
        meta = json.load(f)
    expected = np.load(osp.join(PARITY_DIR, f'{name}.npz'))
    official = seeded_state_dict(meta['keys'])
    converted, unused = convert_sfsegnet(official, head)
    # exactly the official modules that are built and never called
    assert {p for p in UNUSED[name] for k in unused if k.startswith(p)} == \
        UNUSED[name]
    assert all(k.startswith(tuple(UNUSED[name])) for k in unused), unused
    model = build_cpu_model(config).double().eval()
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    for tag in ('a', 'b'):
        shape = meta['inputs'][f'input.{tag}']
        x = seeded_tensor(f'input.{tag}', shape, 'input')
        metas = [dict(img_shape=tuple(shape[2:]))] * shape[0]
        with torch.no_grad():
            logits = model.encode_decode(x, metas)[..., ::4, ::4]
        ref = torch.from_numpy(expected[f'logits_every4.{tag}'])
        err = (logits - ref).abs().max().item()
        print(f'{name} {tag}: max abs error {err:.3g} '
              f'(max |logit| {ref.abs().max().item():.3g})')
        assert err <= 1e-6, err  # measured: ~1e-11


@pytest.mark.parametrize('name, official', [('sfnet_r18_v1', 12869715),
                                            ('sfnet_lite_r18', 12296074)])
def test_parameter_counts(name, official):
    config, _ = CASES[name]
    with open(osp.join(PARITY_DIR, f'{name}.json')) as f:
        keys = json.load(f)['keys']
    counted = {k: int(np.prod(s)) for k, s in keys
               if not k.endswith(('running_mean', 'running_var',
                                  'num_batches_tracked'))}
    assert sum(counted.values()) == official
    unused = sum(n for k, n in counted.items()
                 if any(k.startswith(p) for p in UNUSED[name]))
    model = build_cpu_model(config)
    assert sum(p.numel() for p in model.parameters()) == official - unused
