# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``alignseg`` training-step fixture from the official code.

    python tools/misc/train_step_fixtures/alignseg.py OFFICIAL_ROOT \
        [--out-dir tests/data] [--commit SHA]

OFFICIAL_ROOT is a checkout of speedinghzl/AlignSeg (tested at ``ac7582d``).
Imported from it, unmodified: ``networks/alignseg.py`` (``Seg_Model``, with
the two stand-ins of ``tools/misc/make_alignseg_parity_fixture.py``:
``ReferenceABN`` for inplace_abn and an empty ``utils.pyt_utils``) and the
``loss`` package (``criterion.CriterionDSN``, ``criterion.CriterionOhemDSN``,
``lovasz_losses.lovasz_softmax``).

One official training step as ``train.py`` runs it, on one process, in
float64, for both criteria ``train.py`` can choose:

- ``dsn``: ``CriterionDSN()`` (``--ohem False``, the default): CE(main) +
  0.1 * CE(dsn), ignore 255, both logits upsampled to the label size with
  ``align_corners=True``.
- ``ohem_dsn``: ``CriterionOhemDSN(thresh=0.6, min_kept=200000)`` (``--ohem
  True``, the README's command and its 81.4 model): CE(main) + 0.8 *
  Lovász-softmax(main) + 0.1 * CE(dsn); the OHEM arguments are unused.

For each: ``loss = model(images, labels)`` (the criterion is called inside
``Seg_Model.forward``), ``backward()``, and the digest of every parameter's
gradient (``tests/helpers/train_step.py``). For ``dsn`` also one optimiser
step as ``train.py`` builds it (SGD, one parameter group, lr from
``lr_poly`` at iteration 0, momentum 0.9, weight decay 5e-4 from
``run_local.sh``) and the digest of every parameter's change.

Weights: ``parity_rule.seeded_state_dict`` with the keys of
``tests/data/parity/alignseg_r101.json`` (the seeded offset convolutions are
not zero, so the warps move). Norms in train mode (batch statistics),
Dropout2d off (its random masks cannot be shared with mmcorr). Float64 needs
one stand-in in the Lovász code (``tests/helpers/lovasz_float64.py``): its
float32 Jaccard increments are cast to float64 before ``torch.dot``, which
refuses mixed dtypes. See the JSON for every detail.
"""
import argparse
import importlib
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
HELPERS = osp.join(REPO, 'tests', 'helpers')
PARITY_SCRIPT = osp.join(REPO, 'tools', 'misc',
                         'make_alignseg_parity_fixture.py')
NAME = 'alignseg'
NUM_CLASSES = 19
IGNORE_INDEX = 255
#: ``[B, C, H, W]``: two images, non-square, odd sides (65 = 4 * 16 + 1).
INPUT_SHAPE = (2, 3, 65, 97)
INPUT_NAME = 'train_step.input'
#: Labels: ``torch.randint(0, PRESENT_CLASSES)`` then ignore pixels, all
#: from one ``torch.Generator().manual_seed(LABEL_SEED)``.
LABEL_SEED = 20210517
PRESENT_CLASSES = 16  # classes 16, 17, 18 absent: 'present' != 'all'
IGNORE_FRACTION = 0.1
IGNORE_BAND_ROWS = 8  # image 1, rows 0..7: all ignore
#: run_local.sh LR / WD, train.py MOMENTUM / POWER, README 120000 steps
LR, MOMENTUM, WEIGHT_DECAY, POWER, MAX_ITERS = 1e-2, 0.9, 5e-4, 0.9, 120000
#: train.py defaults of --ohem-thres / --ohem-keep (CriterionOhemDSN
#: accepts and ignores them)
OHEM_THRES, OHEM_KEEP = 0.6, 200000
#: Conv biases directly before a batch-statistics norm: their gradient is
#: zero in exact arithmetic (the norm subtracts the per-channel mean), so
#: what backward returns is rounding noise that no two codes share.
ZERO_GRADIENT = ('head.0.bias', 'dsn.0.bias')
#: ``grad/ohem_dsn`` digests every parameter (~0.8 MB: ResNet-101 has 439
#: parameter tensors at ~1.9 kB of digest each). ``dsn`` shares the forward
#: and every backward step below the main logits with it, so its gradients
#: are digested for these only (every head parameter sees dL/dlogits), and
#: the optimiser step for a sample of every kind of parameter.
DSN_DIGESTED = ('head.0.weight', 'head.1.weight', 'head.1.bias',
                'head.3.weight', 'head.3.bias', 'dsn.0.weight', 'dsn.1.weight',
                'dsn.1.bias', 'dsn.3.weight', 'dsn.3.bias',
                'RRB5b.norm.weight', 'RRB5b.unify.weight',
                'CAB5.delta_gen1.2.weight', 'CAB5.delta_gen2.2.weight',
                'CAM.delta_gen.2.weight', 'CAM.pool.1.weight',
                'CAB2.delta_gen1.0.weight', 'RRB1a.unify.weight',
                'layer4.2.conv3.weight', 'layer3.22.bn3.weight',
                'layer1.0.downsample.1.bias', 'conv1.weight', 'bn1.weight')
STEP_DIGESTED = ('conv1.weight', 'bn1.weight', 'bn1.bias',
                 'layer3.22.bn3.weight', 'layer4.0.downsample.0.weight',
                 'RRB2b.residual.1.weight', 'RRB2b.residual.1.bias',
                 'CAB3.delta_gen2.2.weight', 'CAM.pool.2.weight',
                 'head.0.weight', 'head.0.bias', 'head.1.weight',
                 'head.3.weight', 'head.3.bias', 'dsn.3.bias')
#: official loss weights, from loss/criterion.py
WEIGHTS = {'main_ce': 1.0, 'dsn_ce': 0.1, 'main_lovasz': 0.8}
TOLERANCE = 1e-6


def load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_official_loss(root):
    """``loss.criterion`` and ``loss.lovasz_losses`` of the checkout."""
    sys.path.insert(0, root)
    try:
        criterion = importlib.import_module('loss.criterion')
        lovasz = importlib.import_module('loss.lovasz_losses')
    finally:
        sys.path.remove(root)
    if osp.dirname(osp.dirname(osp.abspath(criterion.__file__))) != \
            osp.abspath(root):
        raise ImportError(f'imported {criterion.__file__}, not from {root}')
    return criterion, lovasz


def make_labels():
    """``[B, H, W]`` int64 labels in ``[0, PRESENT_CLASSES)`` and 255."""
    b, _, h, w = INPUT_SHAPE
    gen = torch.Generator().manual_seed(LABEL_SEED)
    labels = torch.randint(0, PRESENT_CLASSES, (b, h, w), generator=gen)
    ignore = torch.rand((b, h, w), generator=gen, dtype=torch.float64)
    labels[ignore < IGNORE_FRACTION] = IGNORE_INDEX
    labels[1, :IGNORE_BAND_ROWS] = IGNORE_INDEX
    return labels


def set_train_mode(model):
    """Batch statistics in every norm; Dropout2d off."""
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout2d):
            module.eval()


def loss_terms(model, criteria, lovasz, x, labels):
    """The unweighted terms, each by the official code on ``model(x)``."""
    with torch.no_grad():
        out, dsn = model(x)  # criterion is not called without labels
        dsn_criterion = criteria.CriterionDSN()
        up = F.interpolate(
            out, size=labels.shape[1:], mode='bilinear', align_corners=True)
        main_ce = dsn_criterion([out], labels)
        dsn_ce = dsn_criterion([dsn], labels)
        # the call CriterionOhemDSN.forward makes
        probs = F.softmax(up, dim=1)
        main_lovasz = lovasz.lovasz_softmax(probs, labels, ignore=IGNORE_INDEX)
    return dict(main_ce=main_ce, dsn_ce=dsn_ce, main_lovasz=main_lovasz)


def gradients(model):
    from train_step import named_gradients
    grads = named_gradients(model, skip=ZERO_GRADIENT)
    zero = {
        name: p.grad.abs().max().item()
        for name, p in model.named_parameters() if name in ZERO_GRADIENT
    }
    return grads, zero


def official_step(model, before):
    """One SGD step as train.py builds and schedules it (iteration 0)."""
    optimizer = torch.optim.SGD(
        [{
            'params': [p for p in model.parameters() if p.requires_grad],
            'lr': LR
        }],
        lr=LR,
        momentum=MOMENTUM,
        weight_decay=WEIGHT_DECAY)
    # adjust_learning_rate(optimizer, LR, 0, MAX_ITERS, POWER)
    optimizer.param_groups[0]['lr'] = LR * (1 - 0 / MAX_ITERS)**POWER
    optimizer.step()
    return {
        name: p.detach() - before[name]
        for name, p in model.named_parameters()
    }


def build_official(root):
    """The official model (seeded, float64, train mode), its criteria
    module and its Lovász module."""
    from parity_rule import seeded_state_dict
    parity = load_by_path('make_alignseg_parity_fixture', PARITY_SCRIPT)
    official = parity.import_official(root)
    criteria, lovasz = import_official_loss(root)
    with open(osp.join(REPO, 'tests', 'data', 'parity',
                       'alignseg_r101.json')) as f:
        keys = json.load(f)['keys']
    model = official.Seg_Model(
        num_classes=NUM_CLASSES,
        criterion=criteria.CriterionDSN(),
        pretrained_model=None).double()
    model.load_state_dict(seeded_state_dict(keys), strict=True)
    set_train_mode(model)
    return model, criteria, lovasz


def criterion_step(model, criterion, x, labels, terms, used, tag):
    """``loss = model(images, labels); loss.backward()`` as train.py, with
    ``criterion``; returns the arrays of this criterion."""
    from train_step import gradient_digest
    model.criterion = criterion
    model.zero_grad(set_to_none=True)
    total = model(x, labels)
    total.backward()
    check = sum(WEIGHTS[t] * terms[t] for t in used)
    if abs(check.item() - total.item()) > 1e-12 * total.item():
        raise RuntimeError(f'{tag}: terms {check} != total {total}')
    arrays = {f'loss/{tag}/{term}': terms[term].numpy() for term in used}
    arrays[f'loss/{tag}/total'] = total.detach().numpy()
    grads, zero = gradients(model)
    if tag == 'dsn':
        grads = {k: grads[k] for k in DSN_DIGESTED}
    arrays.update(gradient_digest(grads, prefix=f'grad/{tag}'))
    for name, value in zero.items():
        arrays[f'zero_grad/{tag}/{name}/absmax'] = np.array(value)
    return arrays, dict(total=total.item(), digested=len(grads))


def step_digest(model):
    """The digest of one official SGD step (``STEP_DIGESTED``); the model's
    parameters are restored afterwards."""
    from train_step import gradient_digest
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    delta = official_step(model, before)
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(before[name])
    return gradient_digest({k: delta[k]
                            for k in STEP_DIGESTED},
                           prefix='step/dsn')


def run(root):
    sys.path.insert(0, HELPERS)
    from lovasz_float64 import float64_lovasz_grad
    from parity_rule import seeded_tensor
    model, criteria, lovasz = build_official(root)
    x = seeded_tensor(INPUT_NAME, INPUT_SHAPE, 'input')
    labels = make_labels()
    arrays = {'batch/labels': labels.numpy().astype(np.uint8)}
    summary = {}
    with float64_lovasz_grad(lovasz):
        terms = loss_terms(model, criteria, lovasz, x, labels)
        found, summary['dsn'] = criterion_step(model, criteria.CriterionDSN(),
                                               x, labels, terms,
                                               ('main_ce', 'dsn_ce'), 'dsn')
        arrays.update(found)
        arrays.update(step_digest(model))
        found, summary['ohem_dsn'] = criterion_step(
            model,
            criteria.CriterionOhemDSN(thresh=OHEM_THRES, min_kept=OHEM_KEEP),
            x, labels, terms, ('main_ce', 'main_lovasz', 'dsn_ce'), 'ohem_dsn')
        arrays.update(found)
    return arrays, summary


def commit_of(root, commit=None):
    """``commit`` if given, else HEAD of ``root`` when it is a work tree's
    top level (not a folder inside some other repository)."""
    if commit:
        return commit

    def git(*args):
        return subprocess.check_output(['git', *args],
                                       cwd=root,
                                       text=True,
                                       stderr=subprocess.DEVNULL).strip()

    try:
        if osp.realpath(git('rev-parse', '--show-toplevel')) == \
                osp.realpath(root):
            return git('rev-parse', 'HEAD')
    except (OSError, subprocess.CalledProcessError):
        pass
    return 'unknown (not a git work tree; pass --commit)'


def metadata(root, summary, commit=None):
    return dict(
        repo='speedinghzl/AlignSeg',
        commit=commit_of(root, commit),
        generator='tools/misc/train_step_fixtures/alignseg.py',
        files={
            'networks/alignseg.py':
            'Seg_Model, ResNet.forward (calls '
            'self.criterion(outs, labels) when labels are given)',
            'loss/criterion.py':
            'CriterionDSN, CriterionOhemDSN',
            'loss/lovasz_losses.py':
            'lovasz_softmax (classes="present", '
            'per_image=False, ignore=255: one Lovász over the whole '
            'batch, averaged over the classes present in the labels)',
            'train.py':
            'criterion choice (--ohem), loss = model(images, '
            'labels), optim.SGD([{params, lr}], lr, momentum, '
            'weight_decay), adjust_learning_rate (lr_poly) at iteration 0',
            'run_local.sh':
            'LR=1e-2 WD=5e-4 BS=8 (2 GPUs x 4)',
        },
        constructor='Seg_Model(num_classes=19, criterion=CriterionDSN(), '
        'pretrained_model=None).double(), load_state_dict(seeded); '
        'model.criterion replaced by CriterionOhemDSN(thresh=0.6, '
        'min_kept=200000) for the second criterion (one model, same '
        'weights: the dsn optimiser step is undone first)',
        weights='tests/helpers/parity_rule.py seeded_state_dict(keys of '
        'tests/data/parity/alignseg_r101.json); the CAB/CAM offset convs '
        'are seeded, not zero',
        mode='train() with Dropout2d.eval(): every InPlaceABNSync normalises'
        ' with batch statistics; Dropout2d(0.1) of head and dsn is pinned '
        'off (the official run draws random channel masks)',
        dtype='float64 (model, input, logits, losses); the Lovász Jaccard '
        'increments stay float32 as the official code computes them',
        stand_ins={
            'inplace_abn':
            'ReferenceABN of tools/misc/make_alignseg_'
            'parity_fixture.py: batch_norm with scale |weight| + 1e-5, then '
            'LeakyReLU(0.01) or identity; its autograd gives d/dweight = '
            'sign(weight) * d/dscale, as inplace_abn 1.x backward '
            '(dweight[weight < 0] *= -1)',
            'utils.pyt_utils':
            'empty module (load_model unused with '
            'pretrained_model=None)',
            'loss.lovasz_losses.lovasz_grad':
            'wrapped by tests/helpers/'
            'lovasz_float64.py: the official function, its float32 result '
            'cast to float64 (torch.dot refuses float64 errors with float32'
            ' weights); the mmcorr test wraps mmseg\'s copy the same way',
        },
        batch=dict(
            input=dict(
                name=INPUT_NAME,
                shape=list(INPUT_SHAPE),
                rule='parity_rule.seeded_tensor(name, shape, "input")'),
            labels=dict(
                shape=[INPUT_SHAPE[0], *INPUT_SHAPE[2:]],
                stored='batch/labels (uint8)',
                rule=f'gen = torch.Generator().manual_seed({LABEL_SEED}); '
                f'labels = torch.randint(0, {PRESENT_CLASSES}, (B, H, W), '
                'generator=gen); labels[torch.rand((B, H, W), generator=gen,'
                f' dtype=float64) < {IGNORE_FRACTION}] = 255; labels[1, :'
                f'{IGNORE_BAND_ROWS}] = 255',
                classes_present=f'0..{PRESENT_CLASSES - 1} (16, 17, 18 '
                'absent, so classes="present" and "all" differ)')),
        criteria={
            'dsn':
            dict(
                official='CriterionDSN() (train.py, --ohem False, default)',
                terms=dict(main_ce=1.0, dsn_ce=0.1),
                details='torch CrossEntropyLoss(ignore_index=255, mean) of '
                'each logit map upsampled to the label size (bilinear, '
                'align_corners=True)'),
            'ohem_dsn':
            dict(
                official=f'CriterionOhemDSN(thresh={OHEM_THRES}, min_kept='
                f'{OHEM_KEEP}) (train.py, --ohem True: run_local.sh ... 1 '
                'in the README)',
                terms=dict(main_ce=1.0, main_lovasz=0.8, dsn_ce=0.1),
                details='main_lovasz = lovasz_softmax(softmax(upsampled '
                'main logits), labels, ignore=255); thresh and min_kept are '
                'stored by nothing and used by nothing'),
        },
        arrays={
            'loss/<criterion>/<term>':
            'unweighted official terms (each '
            'from the official code on the same logits); '
            'loss/<criterion>/total is what model(images, labels) returned '
            '(the generator checks sum(weight * term) == total)',
            'grad/ohem_dsn/<name>/...':
            'gradient_digest of every '
            'official parameter but the zero-gradient ones',
            'grad/dsn/<name>/...':
            'gradient_digest of the parameters in '
            'dsn_digested (size: the dsn and ohem_dsn gradients differ only '
            'through dL/d(main logits), which every head parameter sees)',
            'zero_grad/<criterion>/<name>/absmax':
            'max |gradient| of the '
            'parameters below (rounding noise)',
            'step/dsn/<name>/...':
            'gradient_digest of parameter after - '
            'before one official SGD step with the dsn gradients, for the '
            'parameters in step_digested',
            'batch/labels':
            'the labels',
        },
        zero_gradient=dict(
            names=list(ZERO_GRADIENT),
            reason='conv bias directly followed by a batch-statistics '
            'InPlaceABNSync: the norm removes any per-channel constant, so '
            'the gradient is 0 in exact arithmetic; compare it with 0 (the '
            'stored absmax is float64 rounding noise)'),
        no_gradient='none: every official parameter is used by the loss',
        optimizer=dict(
            official='optim.SGD([{"params": trainable, "lr": 0.01}], '
            f'lr={LR}, momentum={MOMENTUM}, weight_decay={WEIGHT_DECAY}); '
            'one group, weight decay on every parameter (norms and biases '
            f'too); lr_poly(0.01, iter, {MAX_ITERS}, {POWER}) per iteration',
            step='iteration 0 (lr 0.01, momentum buffer = first gradient)',
            note='inplace_abn decays the raw weight w; mmcorr holds the '
            'scale s = |w| + 1e-5 and decays s: after one step '
            'delta_s = sign(w) * delta_w - lr * wd * 1e-5'),
        size='a digest costs ~1.9 kB (5 npz members); ResNet-101 has 441 '
        'parameter tensors, so grad/ohem_dsn alone is ~0.8 MB and only '
        'subsets are digested for dsn and the step',
        distributed='train.py runs 2 processes x 4 images: each computes '
        'this per-process loss (means over its own pixels, Lovász over its '
        'own batch) and DDP averages the gradients; one process of 2 images '
        'here, as mmcorr on one process',
        limitations='every seeded norm weight is positive (1 + 0.1 randn), '
        'so the sign(w) of inplace_abn\'s weight gradient is +1 throughout',
        dsn_digested=list(DSN_DIGESTED),
        step_digested=list(STEP_DIGESTED),
        summary=summary,
        tolerance=dict(
            relative=TOLERANCE,
            losses='|a - e| / |e|',
            gradients='tests/helpers/train_step.py compare_digests'),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='speedinghzl/AlignSeg checkout')
    parser.add_argument('--out-dir', default=osp.join(REPO, 'tests', 'data'))
    parser.add_argument(
        '--commit',
        help='the checkout\'s commit, when it is not a git work '
        'tree (e.g. a git archive export)')
    args = parser.parse_args(argv)
    root = osp.abspath(args.official_root)
    torch.set_grad_enabled(True)
    arrays, summary = run(root)
    from train_step import save_fixture
    stem = save_fixture(NAME, metadata(root, summary, args.commit), arrays,
                        args.out_dir)
    print(f'wrote {stem}.json/.npz: {summary}')


if __name__ == '__main__':
    main()
