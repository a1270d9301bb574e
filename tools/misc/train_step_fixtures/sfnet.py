# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``sfnet`` and ``sfnet_lite`` training-step fixtures from the
official code.

    python tools/misc/train_step_fixtures/sfnet.py OFFICIAL_ROOT \
        [--model {sfnet,sfnet_lite,all}] [--out-dir tests/data] [--commit SHA]

OFFICIAL_ROOT is a checkout of lxtGH/SFSegNets (tested at ``ba475ba``).
Imported from it, unmodified: ``config.py`` (``cfg``,
``assert_and_infer_cfg``), ``network/__init__.py`` (``get_net``),
``network/sfnet_resnet.py`` (``DeepR18_SF_deeply``,
``DeepR18_SFV2_deeply_dsn_FA_Atten``, ``AlignNetResNet.forward``, which calls
the criterion in training), ``loss.py`` (``get_loss``:
``OhemCrossEntropy2dTensor`` for ``--ohem``, ``CriterionSFNet`` for
``--fpn_dsn_loss``) and ``optimizer.py`` (``get_optimizer``).

One official training step as ``train.py`` runs it with the flags of
``scripts/cityscacpes/train_cityscapes_sfnet_res18.sh`` (SFNet) and
``..._res18_v2_lite_1000e.sh`` (SFNet-Lite), on one process, in float64:
``scheduler.step()`` (start of epoch 0), ``net.train()``,
``optim.zero_grad()``, ``loss = net(inputs, gts=gts).mean()``,
``backward()``, ``optim.step()``.

Stand-ins (sys.modules / attributes; see the JSON):

- ``apex``: ``amp.float_function`` is the identity (without ``--fp16`` amp is
  never initialised and the decorator passes through) and
  ``parallel.SyncBatchNorm`` is ``nn.BatchNorm2d`` (one process: the same
  batch statistics).
- ``network.resnet_d.resnet18`` is called with ``pretrained=False`` (its
  default loads ``./pretrained_models/resnet18-deep-inplane128.pth``; every
  weight is replaced by the seeded state dict anyway).
- ``nn.Module.cuda`` is the identity while ``get_loss``/``get_net`` run.

Weights: ``parity_rule.seeded_state_dict`` with the keys of
``tests/data/parity/sfnet_r18_v1.json`` / ``sfnet_lite_r18.json``, except
that the classifier ``head.conv_last.1.weight`` is multiplied by
``CLASSIFIER_SCALE``: with the plain rule the softmax stays flat (SFNet on a
2x64x128 batch: no pixel's largest probability above 0.7, 90% below 0.27),
so the OHEM threshold 0.7 would never decide anything. Labels follow the
official prediction on part of the pixels (so that some are confident) and
are random elsewhere, with ignore pixels; they are stored in the fixture.
SFNet's OHEM (min_kept 10000) is decided by the threshold 0.7 on its
65x129 batch; SFNet-Lite's (min_kept 100000, per batch) by min_kept on a
batch large enough (2 x 241x257) to hold more than 100000 labelled pixels.
"""
import argparse
import functools
import importlib
import json
import os.path as osp
import subprocess
import sys
import types
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
HELPERS = osp.join(REPO, 'tests', 'helpers')
PARITY_DIR = osp.join(REPO, 'tests', 'data', 'parity')
NUM_CLASSES = 19
IGNORE_INDEX = 255
#: the seeded classifier weight is multiplied by this (see the docstring)
CLASSIFIER_KEY = 'head.conv_last.1.weight'
CLASSIFIER_SCALE = 6.0
#: labels: official argmax where u < follow (per model), a random class
#: where follow <= u < 1 - IGNORE, 255 above; u, the random classes from
#: torch.Generator().manual_seed(label_seed); plus an ignore band (image 1)
IGNORE, IGNORE_BAND_ROWS = 0.08, 4
#: the optimiser step is digested for a sample of every kind of parameter
#: (SGD is standard here: one group, the same decay for all; the fixture
#: stays small); the zero-gradient lateral bias shows the decay alone
STEP_COMMON = (
    'layer0.0.0.weight', 'layer0.0.1.weight', 'layer0.0.1.bias',
    'layer1.0.downsample.0.weight', 'layer3.0.conv2.weight',
    'layer4.1.bn2.weight', 'layer4.1.bn2.bias', 'head.ppm.stages.3.1.weight',
    'head.ppm.stages.3.2.bias', 'head.ppm.bottleneck.0.weight',
    'head.fpn_in.0.0.weight', 'head.fpn_in.0.0.bias',
    'head.fpn_in.0.1.weight', 'head.conv_last.0.0.weight',
    'head.conv_last.0.1.bias', 'head.conv_last.1.weight',
    'head.conv_last.1.bias')
#: parameters whose gradient is 0 in exact arithmetic (what backward
#: returns is rounding noise, ~1e-17, that no two codes share): a
#: per-channel constant that only linear maps separate from a
#: batch-statistics BatchNorm, which removes it. (prefix, suffix) pairs:
#: the lateral conv biases (fpn_in: conv -> BN) and the PPM stage BN biases
#: (BN without activation -> upsampling -> concat -> 1x1 conv -> BN)
ZERO_GRADIENT = (('head.fpn_in.', '.0.bias'), ('head.ppm.stages.', '.2.bias'))
TOLERANCE = 1e-6
#: recipe flags of the two scripts that matter for one step, on top of
#: train.py's argparse defaults (weight_decay 1e-4, momentum 0.9)
COMMON_ARGS = dict(
    dataset='cityscapes', lr=0.01, lr_schedule='poly', poly_exp=1.0,
    repoly=1.5, rescale=1.0, syncbn=True, apex=True, sgd=True, adam=False,
    amsgrad=False, ohem=True, aux=False, img_wt_loss=False,
    jointwtborder=False, joint_edgeseg_loss=False, class_uniform_pct=0.5,
    batch_weighting=False, weight_decay=1e-4, momentum=0.9, bs_mult=2,
    crop_size=1024)
MODELS = {
    'sfnet': dict(
        parity='sfnet_r18_v1',
        script='scripts/cityscacpes/train_cityscapes_sfnet_res18.sh',
        arch='network.sfnet_resnet.DeepR18_SF_deeply',
        args=dict(fpn_dsn_loss=False, max_epoch=300),
        criterion='OhemCrossEntropy2dTensor(ignore_index=255) (defaults '
        'thresh=0.7, min_kept=10000), called as criterion(main_out, gts) '
        'with main_out = Upsample(head logits, input size) (bilinear, '
        'align_corners=True)',
        input_shape=(2, 3, 65, 129),
        label_seed=20201119,
        follow=0.4,
        step=STEP_COMMON + ('head.fpn_out.2.0.1.weight',
                            'head.fpn_out_align.0.flow_make.weight',
                            'head.fpn_out_align.2.down_h.weight'),
        min_kept=10000,
        unused=()),
    'sfnet_lite': dict(
        parity='sfnet_lite_r18',
        script='scripts/cityscacpes/'
        'train_cityscapes_sfnet_res18_v2_lite_1000e.sh',
        arch='network.sfnet_resnet.DeepR18_SFV2_deeply_dsn_FA_Atten',
        args=dict(fpn_dsn_loss=True, max_epoch=1000),
        criterion='CriterionSFNet(ignore_index=255) (defaults aux_weight='
        '1.0, thresh=0.7, min_kept=100000), called as criterion((head '
        'logits at stride 4, dsn list), gts) because fpn_dsn=True; it '
        'upsamples to the label size (bilinear, align_corners=True); the '
        'head returns an empty dsn list (UperNetAlignHeadV2.forward never '
        'calls self.dsn, issue #78), so the loss is the main OHEM term only',
        input_shape=(2, 3, 241, 257),
        label_seed=20220710,
        follow=0.5,
        step=STEP_COMMON + ('head.fpn_in.1.0.weight',
                            'head.flow_align_module.flow_make.weight',
                            'head.flow_align_module.flow_gate.0.weight',
                            'head.flow_align_module.down_l.weight'),
        min_kept=100000,
        unused=('head.fpn_in.2.', 'head.dsn.')),
}


def commit_of(root, commit=None):
    """``commit`` if given, else ``git rev-parse HEAD`` in ``root``."""
    if commit:
        return commit
    try:
        return subprocess.check_output(['git', 'rev-parse', 'HEAD'],
                                       cwd=root, text=True,
                                       stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown (not a git work tree; pass --commit)'


def apex_stand_in():
    """``apex`` with what SFSegNets uses of it on one process."""
    apex = types.ModuleType('apex')
    apex.amp = types.ModuleType('apex.amp')
    apex.amp.float_function = lambda func: func
    apex.parallel = types.ModuleType('apex.parallel')
    apex.parallel.SyncBatchNorm = nn.BatchNorm2d
    return {'apex': apex, 'apex.amp': apex.amp, 'apex.parallel': apex.parallel}


@contextmanager
def cuda_is_identity():
    """``nn.Module.cuda`` returns the module unchanged (no GPU here)."""
    cuda = nn.Module.cuda
    nn.Module.cuda = lambda self, *args, **kwargs: self
    try:
        yield
    finally:
        nn.Module.cuda = cuda


def import_official(root):
    """``config``, ``network``, ``loss``, ``optimizer`` of the checkout."""
    sys.modules.update(apex_stand_in())
    sys.path.insert(0, root)
    try:
        mods = [importlib.import_module(name) for name in
                ('config', 'network', 'network.resnet_d',
                 'network.sfnet_resnet', 'loss', 'optimizer')]
    finally:
        sys.path.remove(root)
    for mod in mods:
        if not osp.abspath(mod.__file__).startswith(osp.abspath(root)):
            raise ImportError(f'imported {mod.__file__}, not from {root}')
    config, network, resnet_d, _, loss, optimizer = mods
    if not isinstance(resnet_d.resnet18, functools.partial):
        resnet_d.resnet18 = functools.partial(resnet_d.resnet18,
                                              pretrained=False)
    return config, network, loss, optimizer


def recipe_args(spec):
    """The argparse namespace of ``train.py`` for one recipe."""
    args = argparse.Namespace(**COMMON_ARGS, **spec['args'],
                              arch=spec['arch'])
    args.dataset_cls = argparse.Namespace(num_classes=NUM_CLASSES,
                                          ignore_label=IGNORE_INDEX)
    return args


def seeded_weights(parity):
    from parity_rule import seeded_state_dict
    with open(osp.join(PARITY_DIR, f'{parity}.json')) as f:
        keys = json.load(f)['keys']
    state = seeded_state_dict(keys)
    state[CLASSIFIER_KEY] = state[CLASSIFIER_KEY] * CLASSIFIER_SCALE
    return state


def pin_dropout(net):
    """Dropout2d (PPM bottleneck, unused dsn) off: p = 0."""
    for module in net.modules():
        if isinstance(module, nn.Dropout2d):
            module.p = 0.0


class _Capture(nn.Module):
    """Stands in for the criterion: keeps the logits at the label size."""

    def forward(self, pred, gts):
        if isinstance(pred, tuple):  # CriterionSFNet's input
            pred = F.interpolate(pred[0], size=self.size, mode='bilinear',
                                 align_corners=True)
        self.pred = pred
        return pred.sum()


def official_prediction(net, x):
    """Logits at the input size, as the criterion sees them (no grad)."""
    capture = _Capture()
    capture.size = x.shape[2:]
    criterion, net.criterion = net.criterion, capture
    try:
        with torch.no_grad():
            net(x, gts=None)
    finally:
        net.criterion = criterion
    return capture.pred


def make_labels(pred, seed, follow):
    """``[B, H, W]`` int64 labels (see IGNORE)."""
    b, _, h, w = pred.shape
    gen = torch.Generator().manual_seed(seed)
    u = torch.rand((b, h, w), generator=gen, dtype=torch.float64)
    random = torch.randint(0, NUM_CLASSES, (b, h, w), generator=gen)
    labels = torch.where(u < follow, pred.argmax(1), random)
    labels[u >= 1 - IGNORE] = IGNORE_INDEX
    labels[1, :IGNORE_BAND_ROWS] = IGNORE_INDEX
    return labels


def ohem_module(criterion):
    """The ``OhemCrossEntropy2dTensor`` inside the official criterion."""
    return getattr(criterion, '_criterion1', criterion)


@contextmanager
def record_criterion(criterion):
    """What the criterion receives and which pixels its OHEM keeps (the
    target it hands to ``CrossEntropyLoss``)."""
    seen = {}

    def pre_criterion(module, args):
        pred = args[0]
        if isinstance(pred, tuple):
            seen['received'] = dict(main=list(pred[0].shape),
                                    aux=[list(p.shape) for p in pred[1]])
        else:
            seen['received'] = dict(main=list(pred.shape))

    def pre_ohem(module, args):
        seen['ohem_pred'] = args[0].detach().clone()

    def pre_ce(module, args):
        seen['ce_target'] = args[1].detach().clone()

    handles = [
        criterion.register_forward_pre_hook(pre_criterion),
        ohem_module(criterion).register_forward_pre_hook(pre_ohem),
        ohem_module(criterion).criterion.register_forward_pre_hook(pre_ce)
    ]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def selection_summary(pred, labels, min_kept, thresh=0.7):
    """What decides the OHEM selection (a diagnostic for the JSON, from
    the logits the official OHEM received)."""
    valid = labels != IGNORE_INDEX
    prob = pred.softmax(1).gather(
        1, labels.clamp(max=NUM_CLASSES - 1)[:, None])[:, 0][valid]
    out = dict(labelled=int(valid.sum()),
               labelled_p_le_thresh=int((prob <= thresh).sum()))
    if min_kept > out['labelled']:
        out['decided_by'] = ('min_kept > labelled pixels: every labelled '
                             'pixel is kept')
        return out
    kth = prob.kthvalue(min_kept).values.item()
    out['min_kept_th_smallest_p'] = kth
    out['decided_by'] = (
        f'min_kept: the {min_kept}-th smallest p ({kth:.6f}) > {thresh}'
        if kth > thresh else f'thresh {thresh}: the {min_kept}-th smallest'
        f' p ({kth:.6f}) <= {thresh}')
    return out


def run(name, root):
    sys.path.insert(0, HELPERS)
    from parity_rule import seeded_tensor
    from train_step import gradient_digest, named_gradients
    spec = MODELS[name]
    config, network, loss, optimizer = import_official(root)
    args = recipe_args(spec)
    config.cfg.immutable(False)
    config.assert_and_infer_cfg(args)  # syncbn + apex: BNFUNC = SyncBN
    with cuda_is_identity():
        criterion, _ = loss.get_loss(args)
        net = network.get_net(args, criterion)
    ohem = ohem_module(net.criterion)
    if (ohem.thresh, ohem.min_kept, ohem.ignore_index) != (
            0.7, spec['min_kept'], IGNORE_INDEX):
        raise RuntimeError(f'{name}: unexpected official OHEM settings '
                           f'{ohem.thresh, ohem.min_kept, ohem.ignore_index}')
    net = net.double()
    state = seeded_weights(spec['parity'])
    net.load_state_dict(state, strict=True)
    optim, scheduler = optimizer.get_optimizer(args, net)

    x = seeded_tensor(f'train_step.{name}.input', spec['input_shape'],
                      'input')
    net.train()
    pin_dropout(net)
    labels = make_labels(official_prediction(net, x), spec['label_seed'],
                         spec['follow'])
    net.load_state_dict(state, strict=True)  # undo the BN running updates
    before = {k: p.detach().clone() for k, p in net.named_parameters()}

    scheduler.step()  # train.py main(): once at the start of epoch 0
    lr = optim.param_groups[-1]['lr']
    net.train()
    pin_dropout(net)
    optim.zero_grad()
    with record_criterion(net.criterion) as seen:
        total = net(x, gts=labels)
    total = total.mean()
    total.backward()

    skip = [k for k, _ in net.named_parameters()
            if k.startswith(spec['unused'])]
    zero = [k for k, _ in net.named_parameters()
            if any(k.startswith(a) and k.endswith(b) for a, b in ZERO_GRADIENT)
            and k not in skip]
    for k, p in net.named_parameters():
        if (p.grad is None) != (k in skip):
            raise RuntimeError(f'{k}: gradient {p.grad is not None}, '
                               f'expected unused {k in skip}')
    grads = named_gradients(net, skip=skip + zero)
    arrays = {
        'batch/labels': labels.numpy().astype(np.uint8),
        'loss/main_ohem': total.detach().numpy(),
        'loss/total': total.detach().numpy(),
    }
    arrays.update(gradient_digest(grads))
    for k in zero:
        arrays[f'zero_grad/{k}/absmax'] = np.array(
            dict(net.named_parameters())[k].grad.abs().max().item())
    kept = seen['ce_target'] != IGNORE_INDEX
    arrays['ohem/kept_packed'] = np.packbits(kept.numpy().reshape(-1))
    optim.step()
    delta = {k: p.detach() - before[k] for k, p in net.named_parameters()}
    moved = [k for k in skip if delta[k].abs().max() > 0]
    if moved:
        raise RuntimeError(f'SGD changed parameters without gradient: {moved}')
    arrays.update(gradient_digest({k: delta[k] for k in spec['step']},
                                  prefix='step'))
    summary = dict(
        total=total.item(),
        criterion_received=seen['received'],
        pixels=int(labels.numel()),
        ohem_kept=int(kept.sum()),
        **selection_summary(seen['ohem_pred'], labels, spec['min_kept']),
        lr_first_step=lr,
        digested=len(grads),
        no_gradient=sorted({k.rsplit('.', 1)[0] for k in skip}),
        zero_gradient=zero)
    return arrays, summary, args


def metadata(name, root, summary, args, commit=None):
    spec = MODELS[name]
    b, _, h, w = spec['input_shape']
    unused_why = ('built by UperNetAlignHeadV2.__init__ and never called by '
                  'its forward: fpn_in.2 (the 512->128 lateral; the forward '
                  'uses fpn_in[0] on C2 and fpn_in[1] on C4) and dsn (fpn_dsn'
                  '=True, issue #78); their .grad stays None')
    return dict(
        repo='lxtGH/SFSegNets',
        commit=commit_of(root, commit),
        torch=torch.__version__,
        generator='tools/misc/train_step_fixtures/sfnet.py --model ' + name,
        files={
            'config.py': 'cfg, assert_and_infer_cfg(args) (--syncbn --apex: '
            'MODEL.BNFUNC = apex.parallel.SyncBatchNorm)',
            'network/__init__.py': 'get_net(args, criterion) -> get_model',
            'network/sfnet_resnet.py': spec['arch'].rsplit('.', 1)[1] +
            ', AlignNetResNet.forward (training: returns criterion(...))',
            'loss.py': 'get_loss(args): ' + spec['criterion'],
            'optimizer.py': 'get_optimizer(args, net): optim.SGD(net.'
            'parameters(), lr, weight_decay, momentum, nesterov=False), '
            'LambdaLR poly per epoch',
            'train.py': 'argparse defaults, main() (scheduler.step() before '
            'train() of epoch 0), train() (net.train(), optim.zero_grad(), '
            'main_loss = net(inputs, gts=gts); .mean(); backward(); '
            'optim.step())',
            spec['script']: 'the recipe flags in recipe_args',
        },
        constructor=spec['arch'].rsplit('.', 1)[1] + '(num_classes=19, '
        'criterion=get_loss(args)[0]) via network.get_net, .double(), '
        'load_state_dict(seeded, strict=True)',
        recipe_args={
            k: v for k, v in vars(args).items() if k != 'dataset_cls'
        },
        weight_scale={CLASSIFIER_KEY: CLASSIFIER_SCALE},
        weights=f'tests/helpers/parity_rule.py seeded_state_dict(keys of '
        f'tests/data/parity/{spec["parity"]}.json), then {CLASSIFIER_KEY} '
        f'*= {CLASSIFIER_SCALE} (with the plain rule the softmax stays flat: '
        'SFNet on a 2x64x128 batch has no pixel whose largest probability '
        'exceeds 0.7 and 90% below 0.27, so OHEM thresh 0.7 would decide '
        'nothing)',
        mode='net.train(): every BatchNorm uses batch statistics; every '
        'Dropout2d (PPM bottleneck p=0.1; the unused Lite dsn) pinned to '
        'p=0 (the official run draws random channel masks)',
        dtype='float64 (model, input, logits, loss); the official flow_warp'
        ' builds its base grid with float32 linspace, then casts it',
        stand_ins={
            'apex': 'amp.float_function = identity (amp is only '
            'initialised with --fp16, which the recipes do not pass); '
            'parallel.SyncBatchNorm = torch.nn.BatchNorm2d (one process)',
            'network.resnet_d.resnet18': 'functools.partial(resnet18, '
            'pretrained=False): the ImageNet file is not loaded; the seeded '
            'state dict replaces every weight',
            'torch.nn.Module.cuda': 'identity while get_loss and get_net '
            'run (CPU)',
            'distributed': 'one process, no DistributedDataParallel '
            '(world size 1 averages nothing)',
        },
        batch=dict(
            input=dict(name=f'train_step.{name}.input',
                       shape=list(spec['input_shape']),
                       rule='parity_rule.seeded_tensor(name, shape, '
                       '"input") (no mean/std normalisation)'),
            labels=dict(
                shape=[b, h, w], stored='batch/labels (uint8)',
                rule=f'pred = argmax over classes of the official logits at '
                f'the label size, from the same train-mode forward without '
                f'gradient (BN running statistics reset afterwards by '
                f'reloading the weights); gen = torch.Generator()'
                f'.manual_seed({spec["label_seed"]}); u = torch.rand((B, H, '
                f'W), generator=gen, dtype=float64); r = torch.randint(0, '
                f'19, (B, H, W), generator=gen); labels = where(u < '
                f'{spec["follow"]}, pred, r); labels[u >= {1 - IGNORE}] = 255; '
                f'labels[1, :{IGNORE_BAND_ROWS}] = 255')),
        criterion=dict(
            official=spec['criterion'],
            terms=dict(main_ohem=1.0),
            ohem='softmax of the upsampled logits; p = probability of the '
            'label class (1 for ignored pixels); if min_kept > number of '
            'labelled pixels: keep every labelled pixel; else threshold = '
            'the min_kept-th smallest p (over the whole batch, not per '
            'image) if it is above thresh, else thresh; keep p <= '
            'threshold; loss = CrossEntropyLoss(ignore_index=255, mean over '
            'the kept pixels)',
            min_kept=spec['min_kept'], thresh=0.7,
            decided_by=summary['decided_by']),
        arrays={
            'loss/main_ohem': 'the only official term',
            'loss/total': 'what net(inputs, gts=gts).mean() returned',
            'grad/<name>/...': 'gradient_digest of every official parameter'
            ' that takes a gradient, but the zero-gradient ones',
            'zero_grad/<name>/absmax': 'max |gradient| of the zero-gradient '
            'parameters (rounding noise)',
            'step/<name>/...': 'gradient_digest of parameter after - before'
            ' the official optim.step(), for the parameters in '
            'step_digested (the unused ones do not move: SGD skips a None '
            'gradient, weight decay included)',
            'ohem/kept_packed': 'np.packbits of the kept mask (B*H*W, row-'
            'major): the pixels whose label the OHEM passed on to '
            'CrossEntropyLoss',
            'batch/labels': 'the labels',
        },
        zero_gradient=dict(
            names=summary['zero_gradient'],
            reason='a per-channel constant that reaches a batch-statistics '
            'BatchNorm through linear maps only, which the norm removes, so '
            'the gradient is 0 in exact arithmetic (the stored absmax is '
            'float64 rounding noise); compare it with 0. head.fpn_in.i.0.bias:'
            ' the lateral conv bias right before its BN; head.ppm.stages.i.2'
            '.bias: the PPM stage BN (no activation), bilinear upsampling, '
            'concat, the bottleneck 1x1 conv, then its BN'),
        no_gradient=dict(names=summary['no_gradient'],
                         reason=unused_why if spec['unused'] else 'none'),
        optimizer=dict(
            official='optim.SGD(net.parameters(), lr=0.01, weight_decay='
            '1e-4, momentum=0.9, nesterov=False): one group, weight decay on '
            'every parameter (norms and biases too); LambdaLR(1 - epoch / '
            f'{args.max_epoch}) stepped once before epoch 0',
            lr_first_step=summary['lr_first_step'],
            note='scheduler.step() before the first epoch (torch >= 1.1 '
            'semantics) makes epoch e train with lr * (1 - (e + 1) / '
            'max_epoch): the first step uses 0.01 * (1 - 1 / max_epoch), '
            'the last epoch lr 0'),
        step_digested=list(spec['step']),
        summary=summary,
        tolerance=dict(
            relative=TOLERANCE, losses='|a - e| / |e|',
            gradients='tests/helpers/train_step.py compare_digests'),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='lxtGH/SFSegNets checkout')
    parser.add_argument('--model', choices=[*MODELS, 'all'], default='all')
    parser.add_argument('--out-dir', default=osp.join(REPO, 'tests', 'data'))
    parser.add_argument(
        '--commit', help='the checkout\'s commit, when it is not a git work '
        'tree (e.g. a git archive export)')
    args = parser.parse_args(argv)
    root = osp.abspath(args.official_root)
    names = list(MODELS) if args.model == 'all' else [args.model]
    for name in names:
        arrays, summary, recipe = run(name, root)
        from train_step import save_fixture
        stem = save_fixture(name,
                            metadata(name, root, summary, recipe,
                                     args.commit), arrays, args.out_dir)
        print(f'wrote {stem}.json/.npz: {summary}')


if __name__ == '__main__':
    main()
