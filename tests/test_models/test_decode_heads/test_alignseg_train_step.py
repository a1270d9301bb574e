# Copyright (c) mmcorr contributors. All rights reserved.
"""One official AlignSeg training step equals mmcorr's (``alignseg`` fixture).

``tests/data/alignseg_train_step.{json,npz}`` holds what the official
speedinghzl/AlignSeg code computes in one training step on the seeded
``alignseg_r101`` weights and a seeded batch of two 65 x 97 images with
ignore pixels (``tools/misc/train_step_fixtures/alignseg.py``; float64,
train-mode norms, Dropout2d off), for both criteria of its ``train.py``:

- ``dsn`` (``CriterionDSN``): CE(main) + 0.1 CE(dsn), the loss of
  ``configs/alignseg/alignseg_r101_2xb4-120k_cityscapes-872x872.py``;
- ``ohem_dsn`` (``CriterionOhemDSN``, the README's command): CE(main) +
  0.8 Lovász-softmax(main) + 0.1 CE(dsn), the loss of
  ``configs/alignseg/alignseg_r101_ce-lovasz_2xb4-120k_cityscapes-872x872.py``.

Here the mmcorr model is built from the CE config (SyncBN -> BN, float64,
Dropout2d off; for ``ohem_dsn`` its main head takes the losses built from
the CE + Lovász config, which differs in nothing else), loaded with the
converted weights, and ``model(inputs, data_samples, mode='loss')`` is
compared term by term, its
gradients digest by digest (official names; inplace_abn's norm weights
through ``d/dw = sign(w) d/dscale``), and for ``dsn`` one step of the
config's optimiser wrapper. Both sides run Berman's Lovász code with its
float32 Jaccard increments cast to float64 (``lovasz_float64``): as
written, neither runs in float64.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from lovasz_float64 import float64_lovasz_grad
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.models.losses import lovasz_loss
from mmseg.structures import SegDataSample
from parity_rule import seeded_state_dict, seeded_tensor
from paths import PARITY_DIR, REPO
from train_step import (compare_digests, digest_names, gradient_digest,
                        load_fixture, named_gradients, relative_difference)

from mmcorr.utils import replace_sync_bn
from mmcorr.models.converters.alignseg import (ABN_EPS, convert_alignseg,
                                               official_module_map)
from mmcorr.registry import MODELS

CONFIGS = {
    'dsn':
    'configs/alignseg/alignseg_r101_2xb4-120k_cityscapes-872x872.py',
    'ohem_dsn':
    'configs/alignseg/alignseg_r101_ce-lovasz_2xb4-120k_cityscapes-872x872.py',
}
#: mmcorr loss key -> official term (both weighted by their own code)
TERMS = {
    'dsn': {
        'decode.loss_ce': 'main_ce',
        'aux.loss_ce': 'dsn_ce'
    },
    'ohem_dsn': {
        'decode.loss_ce': 'main_ce',
        'decode.loss_lovasz': 'main_lovasz',
        'aux.loss_ce': 'dsn_ce'
    },
}
TOLERANCE = 1e-6  # float64
BUFFERS = ('running_mean', 'running_var', 'num_batches_tracked')


@pytest.fixture(scope='module')
def fixture():
    return load_fixture('alignseg')


@pytest.fixture(scope='module')
def official_state():
    with open(osp.join(PARITY_DIR, 'alignseg_r101.json')) as f:
        return seeded_state_dict(json.load(f)['keys'])


def build_cfg(tag):
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[tag]))
    replace_sync_bn(cfg.model)
    return cfg


def build_model(cfg, state):
    """``cfg.model`` in float64, train-mode norms, Dropout2d off."""
    with DefaultScope.overwrite_default_scope('mmcorr'):
        model = MODELS.build(cfg.model).double()
    model.load_state_dict(state, strict=True)
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout2d):
            module.eval()
    return model


def batch(meta, arrays):
    spec = meta['batch']['input']
    inputs = seeded_tensor(spec['name'], spec['shape'], 'input')
    labels = torch.from_numpy(arrays['batch/labels'].astype(np.int64))
    samples = []
    for label in labels:
        sample = SegDataSample(
            metainfo=dict(
                img_shape=tuple(label.shape), ori_shape=tuple(label.shape)))
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    return inputs, samples


def test_batch(fixture):
    """The stored labels follow the JSON's rule: ignore pixels, classes
    16..18 absent."""
    meta, arrays = fixture
    gen = torch.Generator().manual_seed(20210517)
    labels = torch.randint(0, 16, (2, 65, 97), generator=gen)
    labels[torch.rand((2, 65,
                       97), generator=gen, dtype=torch.float64) < 0.1] = 255
    labels[1, :8] = 255
    assert str(20210517) in meta['batch']['labels']['rule']
    assert np.array_equal(arrays['batch/labels'], labels.numpy())
    assert 0.1 < (labels == 255).float().mean() < 0.2
    assert set(labels.unique().tolist()) == set(range(16)) | {255}


def official_names(state):
    """Official parameter name -> mmcorr parameter name."""
    table = official_module_map()
    out = {}
    for key in state:
        if not key.endswith(BUFFERS):
            module, _, attr = key.rpartition('.')
            out[key] = f'{table[module]}.{attr}'
    return out


def to_official(tensors, state, names, abn_scaled, eps_term=0.0):
    """mmcorr-named tensors -> official names. A norm weight of mmcorr is
    inplace_abn's scale ``s = |w| + eps``: ``d/dw = sign(w) d/ds``, and a
    change of ``s`` is ``sign(w)`` times the change of ``w`` (plus
    ``eps_term``, see :func:`test_optimizer_step`)."""
    out = {}
    for official, ours in names.items():
        if ours not in tensors:
            continue
        value = tensors[ours]
        if ours in abn_scaled:
            value = torch.sign(state[official]) * (value + eps_term)
        out[official] = value
    return out


class Run:
    """One mmcorr training step of ``model`` on the fixture's batch."""

    def __init__(self, model, cfg, batch, step=False):
        self.model, self.cfg = model, cfg
        inputs, self.samples = batch
        self.logits = self.record_logits(model.decode_head)
        with float64_lovasz_grad(lovasz_loss):
            self.losses = model(inputs, self.samples, mode='loss')
        self.total, _ = model.parse_losses(self.losses)
        before = {k: p.detach().clone() for k, p in model.named_parameters()}
        if step:
            self.optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
            self.optim_wrapper.backward(self.total)
        else:
            self.total.backward()
        self.grads = {
            k: g.detach().clone()
            for k, g in named_gradients(model).items()
        }
        if step:
            self.optim_wrapper.step()
            self.delta = {
                k: p.detach() - before[k]
                for k, p in model.named_parameters()
            }
        del model.decode_head.forward  # the recording wrapper

    @staticmethod
    def record_logits(head):
        """``head.loss`` calls ``self.forward`` (no hooks): wrap it."""
        record, forward = [], head.forward

        def recording_forward(inputs):
            logits = forward(inputs)
            record.append(logits.detach())
            return logits

        head.forward = recording_forward
        return record


def without_main_loss(cfg):
    model = cfg.model.copy()
    model.decode_head = {
        k: v
        for k, v in model.decode_head.items() if k != 'loss_decode'
    }
    return model.to_dict()


@pytest.fixture(scope='module')
def converted(official_state):
    """``(mmcorr state, official name -> mmcorr name, abn_scaled names)``"""
    state, report = convert_alignseg(official_state)
    return state, official_names(official_state), set(report.abn_scaled)


@pytest.fixture(scope='module')
def runs(fixture, converted):
    """Both criteria on one model (ResNet-101 builds are slow): the model of
    the CE config, with the main head's losses of the CE + Lovász config
    for ``ohem_dsn`` (the configs differ in nothing else, asserted)."""
    cfgs = {tag: build_cfg(tag) for tag in CONFIGS}
    assert without_main_loss(cfgs['dsn']) == without_main_loss(
        cfgs['ohem_dsn'])
    state = converted[0]
    model = build_model(cfgs['dsn'], state)
    with DefaultScope.overwrite_default_scope('mmcorr'):
        lovasz_head = MODELS.build(cfgs['ohem_dsn'].model.decode_head)
    ce_losses = model.decode_head.loss_decode
    model.decode_head.loss_decode = lovasz_head.loss_decode
    out = {'ohem_dsn': Run(model, cfgs['ohem_dsn'], batch(*fixture))}
    model.decode_head.loss_decode = ce_losses
    model.zero_grad(set_to_none=True)
    out['dsn'] = Run(model, cfgs['dsn'], batch(*fixture), step=True)
    return out


def official_grads(run, official_state, converted):
    _, names, abn_scaled = converted
    return to_official(run.grads, official_state, names, abn_scaled)


@pytest.mark.parametrize('tag', list(CONFIGS))
def test_losses(tag, runs, fixture):
    meta, arrays = fixture
    run = runs[tag]
    weights = meta['criteria'][tag]['terms']
    losses = {k: v for k, v in run.losses.items() if 'loss' in k}
    assert set(losses) == set(TERMS[tag])
    for key, term in TERMS[tag].items():
        expected = weights[term] * arrays[f'loss/{tag}/{term}']
        diff = relative_difference(expected, losses[key].item())
        print(f'{tag} {key}: official {float(expected):.15g}, '
              f'mmcorr {losses[key].item():.15g}, relative {diff:.2e}')
        assert diff < TOLERANCE, key
    diff = relative_difference(arrays[f'loss/{tag}/total'], run.total.item())
    print(f'{tag} total: official {float(arrays[f"loss/{tag}/total"]):.15g},'
          f' mmcorr {run.total.item():.15g}, relative {diff:.2e}')
    assert diff < TOLERANCE


@pytest.mark.parametrize('tag', list(CONFIGS))
def test_gradients(tag, runs, fixture, official_state, converted):
    meta, arrays = fixture
    zero = set(meta['zero_gradient']['names'])
    grads = official_grads(runs[tag], official_state, converted)
    digested = digest_names(arrays, f'grad/{tag}')
    if tag == 'ohem_dsn':  # every parameter but the analytic zeros
        assert digested == set(grads) - zero
    else:
        assert digested == set(meta['dsn_digested'])
    actual = gradient_digest({k: grads[k]
                              for k in digested},
                             prefix=f'grad/{tag}')
    report = compare_digests(arrays, actual, TOLERANCE, prefix=f'grad/{tag}')
    worst = max(report, key=report.get)
    print(f'{tag}: {len(report)} gradients, largest digest difference '
          f'{report[worst]:.2e} ({worst})')


@pytest.mark.parametrize('tag', list(CONFIGS))
def test_zero_gradients(tag, runs, fixture, official_state, converted):
    """Conv biases right before a batch-statistics norm: gradient 0 in
    exact arithmetic, on both sides rounding noise only."""
    meta, arrays = fixture
    grads = official_grads(runs[tag], official_state, converted)
    scale = max(g.abs().max().item() for g in grads.values())
    for name in meta['zero_gradient']['names']:
        official = float(arrays[f'zero_grad/{tag}/{name}/absmax'])
        ours = grads[name].abs().max().item()
        print(f'{tag} {name}: |grad| official {official:.1e}, mmcorr '
              f'{ours:.1e} (largest gradient {scale:.1e})')
        assert official < 1e-12 * scale and ours < 1e-12 * scale


def test_optimizer_step(runs, fixture, official_state, converted):
    """The config's optimiser wrapper makes the official SGD step.

    Official (train.py): ``optim.SGD([{'params': trainable, 'lr': 0.01}],
    lr=0.01, momentum=0.9, weight_decay=5e-4)``, one group, no exemptions.
    inplace_abn decays its raw weight ``w``; mmcorr's norm weight is the
    scale ``s = |w| + eps`` and decays ``s``, so after one step
    ``delta_s = sign(w) delta_w - lr * wd * eps`` (5e-11 here): the
    closed-form term is added back before comparing.
    """
    meta, arrays = fixture
    run = runs['dsn']
    optimizer = run.optim_wrapper.optimizer
    assert type(optimizer) is torch.optim.SGD
    assert len(optimizer.param_groups) == 1
    group = optimizer.param_groups[0]
    assert len(group['params']) == len(list(run.model.parameters()))
    assert (group['lr'], group['momentum'], group['weight_decay'],
            group['dampening'], group['nesterov']) == (0.01, 0.9, 5e-4, 0,
                                                       False)
    assert not run.optim_wrapper.clip_grad_kwargs  # clip_grad=None
    eps_term = group['lr'] * group['weight_decay'] * ABN_EPS
    _, names, abn_scaled = converted
    delta = to_official(run.delta, official_state, names, abn_scaled, eps_term)
    names = digest_names(arrays, 'step/dsn')
    assert names == set(meta['step_digested'])
    actual = gradient_digest({k: delta[k] for k in names}, prefix='step/dsn')
    report = compare_digests(arrays, actual, TOLERANCE, prefix='step/dsn')
    worst = max(report, key=report.get)
    print(f'step: {len(report)} parameters, largest digest difference '
          f'{report[worst]:.2e} ({worst})')


def test_poly_schedule():
    """The config's PolyLR gives train.py's ``lr_poly(0.01, i, 120000,
    0.9)`` at every iteration ``i`` (the last ones included)."""
    from mmengine.optim.scheduler import PolyLR
    cfg = Config.fromfile(osp.join(REPO, CONFIGS['dsn']))
    (sched_cfg, ) = cfg.param_scheduler
    sched_cfg = {k: v for k, v in sched_cfg.items() if k != 'type'}
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))],
                                lr=cfg.optim_wrapper.optimizer.lr)
    scheduler = PolyLR(optimizer, **sched_cfg)
    end = cfg.train_cfg.max_iters
    checks = {0, 1, 2, end // 2, end - 2, end - 1}
    for i in range(end):
        if i in checks:
            official = 0.01 * (1 - i / end)**0.9  # lr_poly(0.01, i, end, .9)
            lr = optimizer.param_groups[0]['lr']
            assert abs(lr - official) < 1e-9 * official, (i, lr, official)
        scheduler.step()


def test_lovasz_needs_the_float64_cast():
    """Why ``lovasz_float64`` exists: mmseg's copy of Berman's code (like
    the official one) mixes float32 increments with float64 errors."""
    probs = torch.rand(1, 3, 4, 4, dtype=torch.float64).softmax(1)
    labels = torch.randint(0, 3, (1, 4, 4))
    with pytest.raises(RuntimeError, match='same dtype'):
        lovasz_loss.lovasz_softmax(probs, labels)
    with float64_lovasz_grad(lovasz_loss):
        assert lovasz_loss.lovasz_softmax(probs, labels).dtype == \
            torch.float64


OFFICIAL_LOVASZ = dict(
    type='LovaszLoss', per_image=False, reduction='none', classes='present')


@pytest.mark.parametrize(
    'loss_cfg, align_corners, same',
    [
        (OFFICIAL_LOVASZ, True, True),  # control
        (dict(OFFICIAL_LOVASZ, classes='all'), True, False),
        (dict(OFFICIAL_LOVASZ, per_image=True, reduction='mean'), True, False),
        (OFFICIAL_LOVASZ, False, False),
        (dict(type='CrossEntropyLoss', avg_non_ignore=True), True, True),
        (dict(type='CrossEntropyLoss', avg_non_ignore=False), True, False),
    ])
def test_other_loss_options_differ(loss_cfg, align_corners, same, runs,
                                   fixture):
    """The fixture tells the official Lovász/CE conventions (classes
    'present', one Lovász over the batch, corner-aligned upsampling, mean
    over labelled pixels) from the alternatives, on mmcorr's main logits."""
    meta, arrays = fixture
    run = runs['ohem_dsn']
    term = 'main_lovasz' if loss_cfg['type'] == 'LovaszLoss' else 'main_ce'
    weight = meta['criteria']['ohem_dsn']['terms'][term]
    with DefaultScope.overwrite_default_scope('mmcorr'):
        loss = MODELS.build(dict(loss_cfg, loss_weight=weight))
    head = run.model.decode_head
    original = head.loss_decode
    head.loss_decode, head.align_corners = loss, align_corners
    try:
        with float64_lovasz_grad(lovasz_loss), torch.no_grad():
            value = head.loss_by_feat(run.logits[0],
                                      run.samples)[loss.loss_name]
    finally:
        head.loss_decode, head.align_corners = original, True
    diff = relative_difference(weight * arrays[f'loss/ohem_dsn/{term}'],
                               value.item())
    assert diff < TOLERANCE if same else diff > 1e-4
