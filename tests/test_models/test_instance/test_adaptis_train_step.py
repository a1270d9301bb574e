# Copyright (c) mmcorr contributors. All rights reserved.
"""One official AdaptIS toy training step (saic-vul/adaptis, branch
pytorch, ``train_toy_v2.py``), reproduced in float64 from the training
configs: stage 1 (instance NFL + 0.75 x semantic NFL) and stage 2 (the
proposal loss, everything but the proposal head frozen, Adam 5e-4).

The fixture (``tests/data/adaptis_train_step.{json,npz}``, written by
``tools/misc/train_step_fixtures/adaptis.py``) holds the official losses,
the digests of the official gradients, the stage-2 Adam update, the
BatchNorm statistics after the stage-2 step, the proposal labels and the
adaptive threshold, and the batch itself (instance ids, pinned points).
Seeded official weights (with the fixture's two documented overrides) go
through mmcorr's converter; mmcorr's gradients go back to the official
names through the converter's renaming.

Two places are not compared relatively at 1e-6:

- the official semantic NFL computes its (detached) per-image normaliser
  in float32 (``.float()`` on both sums), ~6e-8 relative; the loss agrees
  at 1e-6 as it is, but the semantic classifier's bias gradient (a sum in
  which the two images' contributions nearly cancel) moves by ~2e-6. The
  gradients are compared after adding the closed-form effect of that
  rounding, the gradient of ``sum_b (r_b - 1) loss_b`` with ``r_b`` the
  float32 normaliser over the float64 one (:func:`float32_normaliser`);
- ``adaptis_head.block0.8.bias`` (the BatchNorm right before AdaIN's
  instance normalisation) has an analytically zero gradient: a
  per-channel shift is removed by the instance norm. Its digest is
  rounding noise on both sides and is compared against 0.

The official proposal labels are float32 too (an ``np.float32`` array,
IoUs from float32 means): mmcorr's float64 labels agree to ~5e-8, and the
stage-2 gradients agree at 1e-6 both as they are and with the closed-form
effect of that rounding added (:func:`official_label_rounding`).

Stage 2 matches with ``train_cfg.legacy_frozen_train_mode=True``: the
official trainer leaves the frozen layers in train mode (batch statistics,
running statistics updated); mmcorr's default keeps them in eval mode,
which :func:`test_stage2_default_freezes_the_statistics` checks.
"""
import os.path as osp
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from parity_rule import seeded_state_dict, seeded_tensor
from paths import REPO
from train_step import (compare_digests, gradient_digest, load_fixture,
                        named_gradients, relative_difference)

from mmcorr.models.converters import convert_adaptis_toy
from mmcorr.models.losses import adaptis_proposal, normalized_focal_loss
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

STAGE1_CONFIG = 'configs/adaptis/adaptis_toy-unet_1xb8-160e_toy-v2.py'
STAGE2_CONFIG = ('configs/adaptis/'
                 'adaptis_toy-unet_1xb8-10e-proposals_toy-v2.py')
META, ARRAYS = load_fixture('adaptis')
RTOL = META['tolerance']  # float64: 1e-6
#: analytically zero gradient (see the module docstring)
ZERO_GRADIENT = 'adaptis_head.block0.8.bias'


def official_weights():
    """The fixture's official weights: seeded, with its overrides."""
    state = seeded_state_dict(META['keys'])
    for name, rule in META['weight_overrides'].items():
        state[name] = state[name] * rule['scale'] + rule['shift']
    return state


def official_names():
    """mmcorr name -> official name, from the converter's renaming."""
    probe = {name: torch.tensor(i) for i, (name, _) in enumerate(META['keys'])}
    converted, unused = convert_adaptis_toy(probe)
    assert not unused
    names = [name for name, _ in META['keys']]
    return {
        ours: names[int(value)]
        for ours, value in converted.items()
        if ours != 'loss_proposal.threshold'
    }


def renamed(tensors):
    names = official_names()
    return {names[name]: value for name, value in tensors.items()}


def build_model(config, **train_cfg):
    """The config's model in float64, train mode, with the converted
    official weights; the only override is the PyTorch port's AdaIN
    (``legacy_shift_plus_one``, which its checkpoints need), and
    ``train_cfg`` items."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.instance_head.legacy_shift_plus_one = True
    cfg.model.train_cfg.update(train_cfg)
    # module-scoped fixtures run outside conftest's per-test scope
    with DefaultScope.overwrite_default_scope('mmcorr'):
        model = MODELS.build(cfg.model)
    converted, unused = convert_adaptis_toy(official_weights())
    assert not unused
    model = model.double()  # first: loading into float32 would round
    model.load_state_dict(converted, strict=True)
    return model.train(), cfg


def batch(stage):
    """The fixture's batch: ``[2, 1, 3, 64, 64]`` normalised images (the
    official ``images``) and one-view samples with the pinned points as
    ``(x, y)``; a point on an ignored object is flagged, the object in
    ``gt_ignore_regions``."""
    ids = torch.from_numpy(ARRAYS['batch/instance_ids'].astype(np.int64))
    images = seeded_tensor('adaptis_train_step.image',
                           META['batch']['image_shape'], 'input')
    stage = META['stages'][stage]
    samples = []
    for b in range(len(ids)):
        size = tuple(ids.shape[1:])
        view = ViewDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        view.gt_instance_ids = PixelData(data=ids[b][None])
        view.gt_query_points = torch.tensor(
            stage['points'][b], dtype=torch.float32).flip(-1)
        view.gt_query_ids = torch.tensor(stage['objects'][b])
        view.gt_query_ignored = torch.tensor(stage['ignored'][b])
        regions = torch.zeros_like(ids[b])
        for obj in META['batch']['ignored_objects'][b]:
            regions[ids[b] == obj] = obj
        view.gt_ignore_regions = PixelData(data=regions[None])
        samples.append(MultiViewDataSample(views=[view]))
    return images[:, None], samples


def float32_normaliser(model, logits, samples):
    """The official semantic NFL's float32 normaliser, in closed form:
    ``sum_b (r_b - 1) loss_b`` (weighted, averaged as the model's loss),
    ``r_b`` = the normaliser ``n_b / (sum beta + 1e-10)`` computed in
    float32 (the official ``.float()`` on both sums) over the float64 one.
    The normaliser is detached, so ``loss_b`` is linear in it and this
    term's gradient is exactly what the rounding adds."""
    _, _, target = model.training_targets(samples, logits.shape[2:],
                                          logits.device)
    kwargs = dict(model.loss_semantic.kwargs)
    with torch.no_grad():
        valid = target != kwargs['ignore_index']
        pt = logits.softmax(1).gather(1, (target * valid)[:, None])[:, 0]
        beta = torch.where(valid, 1 - pt, torch.zeros_like(pt))
        beta = beta**kwargs['gamma']
        count = valid.sum(dim=(1, 2)).double()
        beta_sum = beta.sum(dim=(1, 2))
        exact = count / (beta_sum + 1e-10)
        rounded = count.float() / (beta_sum.float() + 1e-10)
        ratio = rounded.double() / exact
    per_image = normalized_focal_loss(logits, target, **kwargs)
    return model.loss_semantic.loss_weight * ((ratio - 1) * per_image).mean()


def without_zero_gradient(arrays, prefix):
    head = f'{prefix}/{ZERO_GRADIENT}/'
    return {k: v for k, v in arrays.items() if not k.startswith(head)}


def official_label_rounding(model, logits, ours):
    """The official proposal labels' float32 rounding, in closed form: the
    proposal loss with the fixture's labels minus the loss with mmcorr's
    (``[B, K]`` each; -1 ignored), on mmcorr's proposal logits ``[B, K]``;
    its gradient is exactly what the rounding adds."""
    official = torch.from_numpy(ARRAYS['stage2/proposal_labels'])

    def loss(labels):
        labels = labels.to(logits)
        bce = F.binary_cross_entropy_with_logits(
            logits, labels.clamp(min=0), reduction='none')
        return (bce * (labels >= 0)).mean()

    return model.loss_proposal.loss_weight * (loss(official) - loss(ours))


def with_closed_form(model, grads, term):
    """``grads`` plus the gradient of the closed-form ``term``."""
    names = list(grads)
    params = dict(model.named_parameters())
    extra = torch.autograd.grad(
        term, [params[n] for n in names], allow_unused=True)
    return {
        n: grads[n] if e is None else grads[n] + e
        for n, e in zip(names, extra)
    }


@pytest.fixture(scope='module')
def stage1():
    model, _ = build_model(STAGE1_CONFIG)
    inputs, samples = batch('stage1')
    semantic = []
    hook = model.semantic_head.register_forward_hook(
        lambda module, args, out: semantic.append(out))
    losses = model(inputs, samples, mode='loss')
    hook.remove()
    total, _ = model.parse_losses(losses)
    total.backward(retain_graph=True)
    grads = {n: g.clone() for n, g in named_gradients(model).items()}
    corrected = with_closed_form(
        model, grads, float32_normaliser(model, semantic[0], samples))
    return dict(
        model=model,
        losses=losses,
        total=total,
        grads=grads,
        corrected=corrected)


@pytest.fixture(scope='module')
def stage2():
    model, cfg = build_model(STAGE2_CONFIG, legacy_frozen_train_mode=True)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with DefaultScope.overwrite_default_scope('mmcorr'):
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    optim.zero_grad()
    inputs, samples = batch('stage2')
    labels, logits = [], []
    targets = adaptis_proposal.proposal_targets

    def recording_targets(*args, **kwargs):
        labels.append(targets(*args, **kwargs))
        return labels[-1]

    hook = model.loss_proposal.register_forward_pre_hook(
        lambda module, args: logits.append(args[1]))
    with mock.patch.object(adaptis_proposal, 'proposal_targets',
                           recording_targets):
        losses = model(inputs, samples, mode='loss')
    hook.remove()
    labels = torch.stack(labels)
    total, _ = model.parse_losses(losses)
    total.backward(retain_graph=True)
    grads = {n: g.clone() for n, g in named_gradients(model).items()}
    corrected = with_closed_form(
        model, grads, official_label_rounding(model, logits[0], labels))
    optim.step()  # with mmcorr's own gradients
    update = {
        n: p.detach() - before[n]
        for n, p in model.named_parameters()
        if not torch.equal(p.detach(), before[n])
    }
    return dict(
        model=model,
        losses=losses,
        total=total,
        grads=grads,
        corrected=corrected,
        update=update,
        labels=labels)


def expect(name):
    return float(ARRAYS[f'loss/{name}'])


def test_stage1_loss_terms_match_official(stage1):
    """Instance NFL (alpha .5, gamma 2) over the points' masks, one of them
    on an ignored object, and the semantic NFL (gamma 1) at the config's
    weight 0.75 (the recipe's); their sum is the official total."""
    losses = stage1['losses']
    assert set(losses) == {'loss_instance', 'loss_semantic'}
    pairs = [
        (losses['loss_instance'], expect('stage1/instance_loss')),
        (losses['loss_semantic'], expect('stage1/segmentation_loss_weighted')),
        (stage1['total'], expect('stage1/total')),
    ]
    for ours, theirs in pairs:
        assert relative_difference(theirs, ours.item()) < RTOL
    assert META['stages']['stage1']['weights'] == {
        'instance_loss_weight': 1.0,
        'segmentation_loss_weight': 0.75
    }
    assert stage1['model'].loss_semantic.loss_weight == 0.75
    assert stage1['model'].loss_instance.loss_weight == 1.0


def test_stage1_gradients_match_official(stage1):
    """Every official parameter's gradient (the semantic normaliser's
    float32 rounding added in closed form); the proposal head, not part of
    the official stage-1 model, has none."""
    grads = stage1['corrected']
    assert not any(name.startswith('proposal_head.') for name in grads)
    digest = gradient_digest(renamed(grads), prefix='stage1/grad')
    report = compare_digests(
        without_zero_gradient(ARRAYS, 'stage1/grad'),
        without_zero_gradient(digest, 'stage1/grad'),
        RTOL,
        prefix='stage1/grad')
    assert len(report) == len(META['stages']['stage1']['trainable']) - 1
    # the analytically zero gradient: rounding noise on both sides
    scale = max(
        float(v) for k, v in ARRAYS.items()
        if k.startswith('stage1/grad/') and k.endswith('/absmax'))
    assert float(ARRAYS[f'stage1/grad/{ZERO_GRADIENT}/absmax']) < \
        1e-12 * scale
    assert float(digest[f'stage1/grad/{ZERO_GRADIENT}/absmax']) < \
        1e-12 * scale


def test_stage1_float32_normaliser_is_the_only_difference(stage1):
    """Without the closed-form rounding term the gradients still agree at
    1e-5 (the float32 effect), and the term is what separates them: it
    moves the semantic classifier's bias by more than 1e-6."""
    digest = gradient_digest(renamed(stage1['grads']), prefix='stage1/grad')
    report = compare_digests(
        without_zero_gradient(ARRAYS, 'stage1/grad'),
        without_zero_gradient(digest, 'stage1/grad'),
        1e-5,
        prefix='stage1/grad')
    assert report['segmentation_head.convhead.9.bias'] > RTOL


def test_stage2_loss_gradients_and_threshold_match_official(stage2):
    """The proposal loss, its soft labels, the proposal head's gradients
    (nothing else has one) and the adaptive threshold after its update."""
    model = stage2['model']
    assert set(stage2['losses']) == {'loss_proposal'}
    # a float64 model's loss stays float64 (no float32 cast on the way)
    assert stage2['losses']['loss_proposal'].dtype == torch.float64
    assert relative_difference(expect('stage2/proposals_loss'),
                               stage2['losses']['loss_proposal'].item()) \
        < RTOL
    assert relative_difference(expect('stage2/total'),
                               stage2['total'].item()) < RTOL
    # the official labels are float32 (np.float32 array, float32 IoUs)
    official = ARRAYS['stage2/proposal_labels']
    ours = stage2['labels'].numpy()
    assert np.array_equal(ours > 0, official > 0)
    assert np.array_equal(ours < 0, official < 0)
    assert np.abs(ours - official).max() < 1e-6
    assert (official > 0).any() and (official == 0).any()
    grads = stage2['grads']
    assert set(grads) == {
        n
        for n, _ in model.named_parameters() if n.startswith('proposal_head.')
    }
    assert sorted(renamed(grads)) == META['stages']['stage2']['trainable']
    for name, tensors in (('grads', grads), ('corrected',
                                             stage2['corrected'])):
        digest = gradient_digest(renamed(tensors), prefix='stage2/grad')
        compare_digests(ARRAYS, digest, RTOL, prefix='stage2/grad')
    threshold = float(model.loss_proposal.threshold)
    assert threshold == pytest.approx(
        float(ARRAYS['stage2/iou_thresh']), abs=1e-15)
    assert threshold != 0.35  # it moved


def test_stage2_adam_step_and_statistics_match_official(stage2):
    """The config's optimiser (Adam 5e-4) moves the proposal head as the
    official step does, and nothing else; the frozen layers' BatchNorm
    statistics, updated in train mode, are the official ones."""
    model = stage2['model']
    digest = gradient_digest(renamed(stage2['update']), prefix='stage2/update')
    compare_digests(ARRAYS, digest, RTOL, prefix='stage2/update')
    stats = {
        n: b
        for n, b in model.state_dict().items()
        if n.endswith(('running_mean', 'running_var'))
    }
    digest = gradient_digest(renamed(stats), prefix='stage2/bn_stats')
    compare_digests(ARRAYS, digest, RTOL, prefix='stage2/bn_stats')


def test_stage2_default_freezes_the_statistics():
    """mmcorr's default stage 2: the frozen layers in eval mode, their
    running statistics untouched, only the proposal head trains; its
    masks use running statistics, so its loss is not the official one."""
    model, _ = build_model(STAGE2_CONFIG)
    assert not model.backbone.training and model.proposal_head.training
    frozen = {
        n: b.clone()
        for n, b in model.state_dict().items()
        if n.endswith('running_mean') and not n.startswith('proposal_head.')
    }
    inputs, samples = batch('stage2')
    loss = model(inputs, samples, mode='loss')['loss_proposal']
    loss.backward()
    for name, value in frozen.items():
        assert torch.equal(model.state_dict()[name], value), name
    assert set(named_gradients(model)) == {
        n
        for n, _ in model.named_parameters() if n.startswith('proposal_head.')
    }
    assert relative_difference(expect('stage2/proposals_loss'),
                               loss.item()) > RTOL
