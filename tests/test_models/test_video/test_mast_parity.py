# Copyright (c) mmcorr contributors. All rights reserved.
"""The official MAST (zlai0/MAST ``MAST(training=False)``), reproduced:
seeded official weights, converted, propagate the fixture's five memory
frames (two far) to the current frame as the official code does, with the
offset bug (legacy options on) and without it.

The fixture is float32 and badly conditioned: with the seeded weights the
key dot products reach about 800, so the softmax over the 5 x 625
candidates is nearly an argmax, and a float32 rounding of the query key
(relative 1e-7) moves the output by up to 8e-3. The official code itself
matches its fixture exactly only when its correlations sum the 64 channels
in the order of the sampler's CPU kernel (one channel after the other; its
CUDA kernel reduces over threads, another order); summed
with ``unfold(...).sum()`` instead it is 5.3e-3 away. With
``channel_sum='sequential'`` (that order, an explicit reader option) mmcorr
matches both outputs to 6e-5, within the issue's 1e-4. The default
(``'matmul'``: matrix products) is at most 7.1e-4 away, mean 1.6e-6, 14
of the 5376 values further than 1e-4 (measured; the count moves with the
BLAS build and threads, 15 in an earlier run; loose bounds below). The reader's
exactness is tested to 1e-10 in float64 against a pixel-by-pixel reference
in ``test_mast_memory.py``.

The keys are extracted with two threads, the CI machine's default, with
which the numbers above were measured: the convolutions' float32 sums
depend on the thread count (with one thread the query key moves by 7e-6
of its 9.4 and the output by 1.4e-2), the reader's do not.
"""
import contextlib
import json
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR

from mmcorr.models.converters import convert_mast
from mmcorr.models.video import one_hot_labels
from mmcorr.registry import MODELS

LEGACY = dict(far_labels_at_last_offset=True, far_window_align_corners=False)
CORRECTED = dict(far_window_align_corners=False)


def load_fixture():
    with open(osp.join(PARITY_DIR, 'mast.json')) as f:
        meta = json.load(f)
    return meta, np.load(osp.join(PARITY_DIR, 'mast.npz'))


def official_state_dict(meta):
    state = seeded_state_dict(meta['keys'])
    for key in ('post_convolution.weight', 'post_convolution.bias'):
        state[key] = state[key] * 0.05  # the fixture's one exception
    return state


def build(reader_options):
    meta, expected = load_fixture()
    converted, unused = convert_mast(official_state_dict(meta))
    assert not unused
    model = MODELS.build(
        dict(type='MASTVideoSegmentor',
             backbone=dict(type='ResNet18Stride4'),
             memory_reader=dict(type='WindowedMemoryReader',
                                **reader_options)))
    model.load_state_dict(converted, strict=True)
    return model.eval(), meta, expected


def official_inputs(meta, model):
    shapes = meta['inputs']
    refs = [seeded_tensor(f'input.rgb_r{i}', shapes[f'input.rgb_r{i}'],
                          'input').float() for i in range(5)]
    target = seeded_tensor('input.rgb_t', shapes['input.rgb_t'],
                           'input').float()
    values = []
    for i in range(5):
        grid = seeded_tensor(f'input.labels{i}', shapes[f'input.labels{i}'],
                             'input')
        labels = torch.floor((grid - grid.min()) /
                             (grid.max() - grid.min() + 1e-9) * 6.999)
        labels = F.interpolate(labels, size=target.shape[-2:],
                               mode='nearest')
        values.append(one_hot_labels(model.subsample(labels), 7))
    return refs, target, values


@contextlib.contextmanager
def torch_threads(count):
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def propagate(model, meta):
    refs, target, values = official_inputs(meta, model)
    with torch.no_grad():
        with torch_threads(2):
            query = model.extract_keys(target)
            keys = [model.extract_keys(r) for r in refs]
        return model.read_memory(query, keys, values, meta['ref_index'],
                                 meta['current_ind'])


OUTPUTS = [(LEGACY, 'official', 'corrected'),
           (CORRECTED, 'corrected', 'official')]


@pytest.mark.parametrize('options, name, other', OUTPUTS)
def test_official_propagation_reproduced(options, name, other):
    model, meta, expected = build(dict(options, channel_sum='sequential'))
    out = propagate(model, meta)
    assert out.shape == (1, 7, 24, 32)
    assert (out - torch.from_numpy(expected[name])).abs().max() <= 1e-4
    # the bug's effect is four orders of magnitude larger
    assert (out - torch.from_numpy(expected[other])).abs().max() > 0.5


@pytest.mark.parametrize('options, name, other', OUTPUTS)
def test_default_channel_sum_within_rounding(options, name, other):
    model, meta, expected = build(options)
    out = propagate(model, meta)
    err = (out - torch.from_numpy(expected[name])).abs()
    assert err.max() <= 1e-3  # measured 7.1e-4 (see the module docstring)
    assert err.mean() <= 5e-6  # measured 1.6e-6
    assert (err > 1e-4).sum() <= 20  # measured 14 of 5376


def test_parameter_count_equals_the_official_model():
    model, meta, _ = build({})
    official = sum(int(np.prod(shape)) for key, shape in meta['keys']
                   if not key.endswith(('running_mean', 'running_var',
                                        'num_batches_tracked')))
    assert sum(p.numel() for p in model.parameters()) == official


def test_converter_tool(tmp_path, run_tool):
    meta, _ = load_fixture()
    src, dst = tmp_path / 'official.pth', tmp_path / 'mmcorr.pth'
    state = {f'module.{k}': v for k, v in official_state_dict(meta).items()}
    torch.save({'epoch': 3, 'state_dict': state}, src)
    proc = run_tool(['tools/model_converters/mast2mmcorr.py', str(src),
                     str(dst)])
    assert 'unused' not in proc.stdout
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert {'backbone.stem.conv.weight', 'backbone.layer2.0.downsample.0.weight',
            'backbone.layer4.1.bn2.running_var',
            'key_proj.bias'} <= set(converted)
    assert len(converted) == len(meta['keys'])
