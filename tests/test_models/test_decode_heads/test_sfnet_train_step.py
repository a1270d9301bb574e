# Copyright (c) mmcorr contributors. All rights reserved.
"""One official SFNet / SFNet-Lite training step, reproduced.

The fixtures ``tests/data/sfnet_train_step`` and ``sfnet_lite_train_step``
(written by ``tools/misc/train_step_fixtures/sfnet.py`` from lxtGH/SFSegNets)
hold the loss, the kept OHEM pixels, a digest of every gradient and of one
SGD step of the official models on a seeded batch. Here the same seeded
weights are converted (``convert_sfsegnet``) into the mmcorr model built
from the method's Cityscapes config (only SyncBN -> BN, float64 and the
PPM's Dropout2d pinned to p=0 changed), ``model(inputs, data_samples,
mode='loss')`` runs on the same batch, and everything is compared at 1e-6
relative: the loss (so the config's loss type, thresh, min_kept and weight),
the gradients, and one step of the config's optimiser.
"""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR, REPO
from train_step import (compare_digests, gradient_digest, load_fixture,
                        relative_difference)

from mmcorr.models.converters import convert_sfsegnet
from mmcorr.models.losses import ohem_keep_mask
from mmcorr.registry import MODELS, PARAM_SCHEDULERS

CASES = {
    'sfnet': dict(
        config='configs/sfsegnet/sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py',
        head='v1', parity='sfnet_r18_v1', max_epoch=300),
    'sfnet_lite': dict(
        config='configs/sfsegnet/'
        'sfnet-lite_r18-d_8xb2-186k_cityscapes-1024x1024.py',
        head='lite', parity='sfnet_lite_r18', max_epoch=1000),
}
RTOL = 1e-6
#: |gradient| below which a zero-gradient parameter counts as 0 (the
#: official values are ~1e-17 rounding noise)
ZERO = 1e-12


def build_model(cfg):
    """The config's segmentor on one CPU process, float64, dropout off."""
    cfg.model.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    model = MODELS.build(cfg.model).double().train()
    for module in model.modules():
        if isinstance(module, nn.Dropout2d):
            module.p = 0.0  # the official run is pinned the same way
    return model


def official_state(meta, parity):
    """The official seeded weights of the fixture (with its scaling)."""
    import json
    with open(osp.join(PARITY_DIR, f'{parity}.json')) as f:
        keys = json.load(f)['keys']
    state = seeded_state_dict(keys)
    for key, scale in meta['weight_scale'].items():
        state[key] = state[key] * scale
    return state


def name_table(state, head):
    """``{mmcorr parameter name: official name}`` from the converter."""
    tagged = {k: torch.tensor(i) for i, k in enumerate(state)}
    converted, _ = convert_sfsegnet(tagged, head)
    names = list(state)
    return {new: names[int(i)] for new, i in converted.items()}


def data_samples(labels):
    samples = []
    for label in labels:
        shape = tuple(label.shape)
        sample = SegDataSample(metainfo=dict(
            img_shape=shape, ori_shape=shape, pad_shape=shape))
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    return samples


class _Record:
    """What the decode head hands to its loss (logits at the label size)."""

    def __call__(self, module, args, kwargs=None):
        self.logits, self.labels = args[0].detach(), args[1]


def run_mmcorr_step(name):
    """Loss, gradients and one optimiser step of the mmcorr model."""
    case = CASES[name]
    meta, arrays = load_fixture(name)
    cfg = Config.fromfile(osp.join(REPO, case['config']))
    model = build_model(cfg)
    state = official_state(meta, case['parity'])
    converted, _ = convert_sfsegnet(state, case['head'])
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not missing and not unexpected, (missing, unexpected)

    shape = meta['batch']['input']['shape']
    x = seeded_tensor(meta['batch']['input']['name'], shape, 'input')
    labels = torch.from_numpy(arrays['batch/labels'].astype(np.int64))
    record = _Record()
    handle = model.decode_head.loss_decode.register_forward_pre_hook(record)
    model.zero_grad(set_to_none=True)
    losses = model(x, data_samples(labels), mode='loss')
    handle.remove()
    total, _ = model.parse_losses(losses)
    total.backward()

    table = name_table(state, case['head'])
    grads = {table[k]: p.grad for k, p in model.named_parameters()}
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=optim_wrapper))
        for s in cfg.param_scheduler
    ]
    first_lr = optim_wrapper.get_lr()['lr'][0]
    for group in optim_wrapper.param_groups:
        group['lr'] = meta['optimizer']['lr_first_step']
    optim_wrapper.step()
    step = {
        table[k]: p.detach() - before[k]
        for k, p in model.named_parameters()
    }
    return dict(meta=meta, arrays=arrays, losses=losses, total=total,
                record=record, grads=grads, step=step, first_lr=first_lr,
                optim_wrapper=optim_wrapper, schedulers=schedulers)


@pytest.fixture(scope='module', params=list(CASES))
def step(request):
    with DefaultScope.overwrite_default_scope('mmcorr'):  # module fixture
        return request.param, run_mmcorr_step(request.param)


def test_losses(step):
    name, out = step
    expected = out['arrays']
    for term, value in (('main_ohem', out['losses']['decode.loss_ce']),
                        ('total', out['total'])):
        diff = relative_difference(expected[f'loss/{term}'],
                                   value.detach().numpy())
        print(f'{name} {term}: official {float(expected[f"loss/{term}"])!r}'
              f' mmcorr {value.item()!r} relative difference {diff:.3g}')
        assert diff <= RTOL, (term, diff)
    assert set(k for k in out['losses'] if 'loss' in k) == {'decode.loss_ce'}


def test_ohem_keeps_the_official_pixels(step):
    name, out = step
    loss = out['record']
    cfg = out['meta']['criterion']
    keep = ohem_keep_mask(loss.logits, loss.labels, cfg['thresh'],
                          cfg['min_kept'])
    official = np.unpackbits(out['arrays']['ohem/kept_packed'],
                             count=keep.numel()).astype(bool)
    assert int(keep.sum()) == out['meta']['summary']['ohem_kept']
    assert np.array_equal(keep.numpy().reshape(-1), official)


def test_gradients(step):
    name, out = step
    zero = out['meta']['zero_gradient']['names']
    for k in zero:
        assert out['grads'][k].abs().max().item() < ZERO, k
    grads = {k: g for k, g in out['grads'].items() if k not in zero}
    report = compare_digests(out['arrays'], gradient_digest(grads), RTOL)
    worst = max(report, key=report.get)
    print(f'{name}: {len(report)} gradients, largest digest difference '
          f'{report[worst]:.3g} ({worst})')


def test_optimiser_step(step):
    """The config's SGD (one group, decay on every parameter) makes the
    official step once given the official first-step lr; the official lr
    is one epoch into the linear decay (``scheduler.step()`` before epoch
    0), the config's PolyLR starts at the base lr."""
    name, out = step
    official = out['meta']['optimizer']
    assert out['first_lr'] == 0.01
    assert official['lr_first_step'] == pytest.approx(
        0.01 * (1 - 1 / CASES[name]['max_epoch']), rel=1e-12)
    groups = out['optim_wrapper'].param_groups
    assert len(groups) == 1
    assert (groups[0]['momentum'], groups[0]['weight_decay'],
            groups[0]['nesterov'], groups[0]['dampening']) == (0.9, 1e-4,
                                                               False, 0)
    names = out['meta']['step_digested']
    report = compare_digests(out['arrays'],
                             gradient_digest({k: out['step'][k]
                                              for k in names},
                                             prefix='step'), RTOL,
                             prefix='step')
    assert len(report) == len(names)
    worst = max(report, key=report.get)
    print(f'{name}: {len(report)} parameter steps, largest digest difference'
          f' {report[worst]:.3g} ({worst})')
