# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``adaptis`` training-step fixture from the official code.

    python tools/misc/train_step_fixtures/adaptis.py OFFICIAL_ROOT \
        [--out-dir tests/data]

OFFICIAL_ROOT is a checkout of saic-vul/adaptis, branch ``pytorch``
(tested at ``4a973e8``). Its own modules are imported from there,
unmodified: ``train_toy_v2.py`` (``init_model`` and ``train``, which build
the model, the criteria, their weights and the trainer),
``adaptis/engine/trainer.py`` (``AdaptISTrainer.batch_forward``, the
training step's forward and loss), ``adaptis/model/losses.py`` and
``adaptis/model/metrics.py``. Missing third-party imports are replaced in
``sys.modules`` by small stand-ins:

- ``torchvision``: ``ops.RoIAlign`` by :class:`ReferenceRoIAlign`, which
  computes what torchvision's ``roi_align`` (``aligned=False``) computes,
  differentiably in the features; ``transforms`` by no-op classes (the
  input transform of the data set, not used here);
- ``easydict.EasyDict`` by a dict with attribute access;
- ``albumentations`` (the data set's augmentation, not used), ``tqdm`` and
  ``torch.utils.tensorboard`` (logging, not used) by no-op names.

``train_toy_v2.train`` is run with its ``ToyDataset`` replaced by a
recorder and its ``AdaptISTrainer`` by a subclass that stops right after
the real constructor: the real trainer is built (its Adam over ``get_trainable_params()``, its criteria and weights, its
cosine schedule) and handed back before the first epoch, so the step here
is the official one: ``batch_forward`` on a fixed batch, then the three
lines of ``AdaptISTrainer.training`` (``zero_grad``, ``backward``,
``step``). Stage 1 is ``train(..., train_proposals=False)`` on a model
from ``init_model()``; stage 2 is ``model.add_proposals_head()`` then
``train(..., train_proposals=True)``, as ``train_toy_v2.py``'s main does.

The batch (two 64 x 64 images, seeded; instance maps of three and four
objects; points pinned by a seeded ``torch.Generator``) is stored in the
fixture itself, so the mmcorr test reads it from there.
"""
import argparse
import importlib
import importlib.machinery
import importlib.util
import math
import os.path as osp
import sys
import types

import numpy as np
import torch
import torch.nn as nn

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
NAME = 'adaptis'
SIZE = 64
#: points per image: stage 1 (the recipe draws 12), stage 2 (the recipe 32)
STAGE1_POINTS = 4
STAGE2_POINTS = 8
POINT_SEED = 20191011
#: stage 2's object per image, pinned: a small disc (every point's IoU
#: within 0.1: the 0.99 x minimum rule) and a wide band (IoUs spread: the
#: 30th-percentile rule)
STAGE2_OBJECTS = (3, 1)
#: The seeded weights give masks near sigmoid(-1.7) everywhere, none above
#: the proposal loss's 0.35 threshold (every label ignored, loss 0): the
#: instance head's last conv is scaled and shifted so that its masks cover
#: 10-98 % of the image. {name: (scale, shift)}: w = seeded * scale + shift.
WEIGHT_OVERRIDES = {
    'adaptis_head.block1.3.weight': (10.0, 0.0),
    'adaptis_head.block1.3.bias': (1.0, 4.0),
}
TOLERANCE = 1e-6


# ----------------------------------------------------------------- stand-ins
class ReferenceRoIAlign(nn.Module):
    """torchvision ``ops.RoIAlign(output_size, spatial_scale,
    sampling_ratio)`` with ``aligned=False``, in plain torch.

    For each box ``(b, x1, y1, x2, y2)``: the box scaled by
    ``spatial_scale``, its size clamped to at least 1, split into
    ``output_size`` bins, each bin the mean of ``g_h x g_w`` bilinear
    samples at the sub-bin centres (``g`` = ``sampling_ratio``, or
    ``ceil(bin size)`` when it is ``<= 0``); a sample beyond ``[-1, size]``
    reads 0, one in ``[-1, 0]`` reads the border, one past the last centre
    the last pixel, as torchvision's ``bilinear_interpolate``.
    Differentiable in the features (the boxes are constants).
    """

    def __init__(self,
                 output_size,
                 spatial_scale,
                 sampling_ratio,
                 aligned=False):
        super().__init__()
        if aligned:
            raise NotImplementedError('only aligned=False is modelled')
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.output_size = tuple(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)

    @staticmethod
    def _sample(feat, y, x):
        """``feat`` ``[C, H, W]`` at the real position ``(y, x)``."""
        height, width = feat.shape[1:]
        if y < -1.0 or y > height or x < -1.0 or x > width:
            return feat.new_zeros(feat.shape[0])
        y, x = max(y, 0.0), max(x, 0.0)
        y_low, x_low = int(y), int(x)
        if y_low >= height - 1:
            y_low = y_high = height - 1
            y = float(y_low)
        else:
            y_high = y_low + 1
        if x_low >= width - 1:
            x_low = x_high = width - 1
            x = float(x_low)
        else:
            x_high = x_low + 1
        ly, lx = y - y_low, x - x_low
        hy, hx = 1.0 - ly, 1.0 - lx
        return (hy * hx * feat[:, y_low, x_low] +
                hy * lx * feat[:, y_low, x_high] +
                ly * hx * feat[:, y_high, x_low] +
                ly * lx * feat[:, y_high, x_high])

    def forward(self, features, rois):
        out_h, out_w = self.output_size
        outputs = []
        for roi in rois.detach().double().tolist():
            feat = features[int(roi[0])]
            x1, y1, x2, y2 = (v * self.spatial_scale for v in roi[1:])
            roi_w, roi_h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
            bin_h, bin_w = roi_h / out_h, roi_w / out_w
            grid_h = self.sampling_ratio if self.sampling_ratio > 0 \
                else math.ceil(roi_h / out_h)
            grid_w = self.sampling_ratio if self.sampling_ratio > 0 \
                else math.ceil(roi_w / out_w)
            count = max(grid_h * grid_w, 1)
            bins = []
            for ph in range(out_h):
                for pw in range(out_w):
                    acc = 0
                    for iy in range(grid_h):
                        y = y1 + ph * bin_h + (iy + 0.5) * bin_h / grid_h
                        for ix in range(grid_w):
                            x = x1 + pw * bin_w + (ix + 0.5) * bin_w / grid_w
                            acc = acc + self._sample(feat, y, x)
                    bins.append(acc / count)
            outputs.append(torch.stack(bins, dim=1).view(-1, out_h, out_w))
        return torch.stack(outputs)


class _NoOp:
    """A stand-in class for unused third-party objects: takes anything,
    returns its input when called."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, x=None, *args, **kwargs):
        return x


class EasyDict(dict):
    """``easydict.EasyDict`` as the official scripts use it: a dict whose
    keys are also attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    def __setattr__(self, name, value):
        self[name] = value


def install_stand_ins():
    """Put the stand-ins of the module docstring into ``sys.modules``
    (after ``torch._dynamo``, which Adam imports and which looks the real
    packages up by name)."""
    importlib.import_module('torch._dynamo')
    tv = types.ModuleType('torchvision')
    tv.ops = types.ModuleType('torchvision.ops')
    tv.ops.RoIAlign = ReferenceRoIAlign

    def roi_pool(*args, **kwargs):
        raise NotImplementedError('RoIPool is not used by the toy model')

    tv.ops.RoIPool = roi_pool
    tv.transforms = types.ModuleType('torchvision.transforms')
    for name in ('Compose', 'ToTensor', 'Normalize'):
        setattr(tv.transforms, name, _NoOp)
    easydict = types.ModuleType('easydict')
    easydict.EasyDict = EasyDict
    albu = types.ModuleType('albumentations')
    for name in ('Compose', 'Flip', 'Blur', 'IAAAdditiveGaussianNoise'):
        setattr(albu, name, _NoOp)
    tqdm = types.ModuleType('tqdm')
    tqdm.tqdm = lambda iterable, *args, **kwargs: iterable
    board = types.ModuleType('torch.utils.tensorboard')
    board.SummaryWriter = _NoOp
    for module in (tv, tv.ops, tv.transforms, easydict, albu, tqdm, board):
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
    sys.modules.update({
        'torchvision': tv,
        'torchvision.ops': tv.ops,
        'torchvision.transforms': tv.transforms,
        'easydict': easydict,
        'albumentations': albu,
        'tqdm': tqdm,
        'torch.utils.tensorboard': board,
    })


def import_official(root):
    """``train_toy_v2`` and the ``adaptis`` package from ``root``."""
    script = osp.join(root, 'train_toy_v2.py')
    if not osp.isfile(osp.join(root, 'adaptis', 'engine', 'trainer.py')) \
            or not osp.isfile(script):
        raise FileNotFoundError(f'{root} is not a saic-vul/adaptis checkout '
                                '(branch pytorch)')
    install_stand_ins()
    # this file is named adaptis.py too: its folder (sys.path[0] when run
    # as a script) would shadow the official namespace package
    here = osp.dirname(osp.abspath(__file__))
    sys.path[:] = [p for p in sys.path if osp.abspath(p or '.') != here]
    sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location('train_toy_v2', script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.log.logger.setLevel('WARNING')  # it prints the whole model
    return module


# --------------------------------------------------------- official recipe
class _Captured(Exception):

    def __init__(self, trainer):
        super().__init__('trainer captured')
        self.trainer = trainer


def capture_trainer(script, model, model_cfg, train_proposals):
    """Run ``script.train`` up to the trainer's construction.

    Returns:
        tuple: the constructed ``AdaptISTrainer`` and the keyword arguments
        ``train`` gave the training ``ToyDataset``.
    """
    datasets = []

    class RecordedDataset(torch.utils.data.Dataset):

        def __init__(self, dataset_path, split='train', **kwargs):
            datasets.append(dict(kwargs, split=split))
            self.length = max(kwargs.get('epoch_len', -1), 1)

        def __len__(self):
            return self.length

    class StopAtTrainer(script.AdaptISTrainer):

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            raise _Captured(self)

    args = types.SimpleNamespace(
        batch_size=2,
        workers=0,
        device='cpu',
        weights=None,
        start_epoch=0,
        dataset_path=None)
    saved = script.ToyDataset, script.AdaptISTrainer
    script.ToyDataset, script.AdaptISTrainer = RecordedDataset, StopAtTrainer
    try:
        script.train(model, model_cfg, args, train_proposals=train_proposals)
    except _Captured as captured:
        trainer = captured.trainer
    else:
        raise RuntimeError('train() returned without building a trainer')
    finally:
        script.ToyDataset, script.AdaptISTrainer = saved
    train_kwargs = next(d for d in datasets if d['split'] == 'train')
    return trainer, {
        k: v
        for k, v in train_kwargs.items()
        if isinstance(v, (int, float, bool, str))
    }


def official_weights(keys):
    """``seeded_state_dict(keys)`` with :data:`WEIGHT_OVERRIDES`."""
    from parity_rule import seeded_state_dict
    state = seeded_state_dict(keys)
    for name, (scale, shift) in WEIGHT_OVERRIDES.items():
        state[name] = state[name] * scale + shift
    return state


# ------------------------------------------------------------------- batch
def instance_maps():
    """``[2, S, S]`` int64 instance ids (painter's order: later objects
    cover earlier ones) and the ids of ignored objects per image."""
    ids = np.zeros((2, SIZE, SIZE), np.int64)
    rows, cols = np.mgrid[:SIZE, :SIZE]
    # image 0: an ellipse, a bar crossing it, a disc
    ids[0][((rows - 20) / 12.0)**2 + ((cols - 22) / 16.0)**2 <= 1] = 1
    ids[0][(rows >= 14) & (rows < 22) & (cols >= 8) & (cols < 56)] = 2
    ids[0][(rows - 46)**2 + (cols - 40)**2 <= 11**2] = 3
    # image 1: a wide band, a block on it, a ring arc, and a crowd-like
    # object marked ignore (as base.py's instances_info 'ignore': True)
    ids[1][rows < 36] = 1
    ids[1][(rows >= 8) & (rows < 24) & (cols >= 30) & (cols < 46)] = 2
    ring = (rows - 46)**2 + (cols - 26)**2
    ids[1][(ring <= 14**2) & (ring >= 8**2) & (cols < 36)] = 3
    ids[1][(rows >= 40) & (rows < 50) & (cols >= 46) & (cols < 60)] = 4
    return ids, [[], [4]]


def pinned_points(ids, ignored, gen):
    """The points of both stages, drawn as ``base.py``'s
    ``_get_points_for_object`` draws them, with ``gen`` for every choice.

    Stage 1: each point on an object chosen independently (with
    replacement) among the image's non-ignored objects, at a uniformly
    chosen pixel of it (``np.argwhere`` order); image 1's last point is on
    its ignored object (``sample_ignore_object_prob > 0``: target -1 on
    the object, 0 elsewhere). Stage 2: one object per image, every point on
    it (:data:`STAGE2_OBJECTS`, pinned).

    Returns:
        dict: per stage, ``points`` ``[2, K, 2]`` (row, col), ``objects``
        ``[2, K]`` object ids and ``ignored`` ``[2, K]`` flags.
    """

    def pixel(b, obj):
        where = np.argwhere(ids[b] == obj)
        return where[int(torch.randint(len(where), (1, ), generator=gen))]

    def choice(options):
        return options[int(torch.randint(len(options), (1, ), generator=gen))]

    out = {}
    for stage, num in (('stage1', STAGE1_POINTS), ('stage2', STAGE2_POINTS)):
        points, objects, flags = [], [], []
        for b in range(2):
            valid = [
                o for o in np.unique(ids[b]).tolist()
                if o > 0 and o not in ignored[b]
            ]
            row_p, row_o, row_f = [], [], []
            obj = choice(valid) if stage == 'stage1' else \
                STAGE2_OBJECTS[b]
            for k in range(num):
                on_ignored = bool(stage == 'stage1' and ignored[b]
                                  and k == num - 1)
                if on_ignored:
                    obj = ignored[b][0]
                elif stage == 'stage1':
                    obj = choice(valid)
                row_p.append(pixel(b, obj).tolist())
                row_o.append(obj)
                row_f.append(on_ignored)
            points.append(row_p)
            objects.append(row_o)
            flags.append(row_f)
        out[stage] = dict(points=points, objects=objects, ignored=flags)
    return out


def official_batch(image, ids, stage, dtype):
    """The official ``DataLoader`` batch: ``images`` ``[2, 3, S, S]``,
    ``points`` ``[2, K, 2]`` (row, col; float64 here, integer-valued, so
    that the float64 RoIAlign gets boxes of its own type), ``instances``
    ``[2, K, 1, S, S]`` float32 (1 object, 0 elsewhere; -1 on an ignored
    object, as ``_get_points_for_object``) and ``semantic`` ``[2, S, S]``
    int32 (``ToyDataset``: ``instances_mask > 0``)."""
    masks = []
    for b in range(2):
        row = []
        for obj, flag in zip(stage['objects'][b], stage['ignored'][b]):
            mask = (ids[b] == obj).astype(np.float32)[None]
            if flag:
                mask[mask > 0.5] = -1
            row.append(mask)
        masks.append(row)
    return {
        'images': image.to(dtype),
        'points': torch.tensor(stage['points'], dtype=dtype),
        'instances': torch.from_numpy(np.array(masks, np.float32)),
        'semantic': torch.from_numpy((ids > 0).astype(np.int32)),
    }


# -------------------------------------------------------------------- step
def buffer_digest_inputs(model):
    return {
        name: buf.detach().clone()
        for name, buf in model.state_dict().items()
        if name.endswith(('running_mean', 'running_var'))
    }


def record_proposal_labels(loss_cfg):
    """Record the soft labels ``AdaptISProposalsLossIoU`` hands to its
    BCE (``[B, K]`` float64; -1 ignored) when the step runs: a list that
    fills then."""
    recorded = []
    if 'proposals_loss' not in loss_cfg:
        return recorded
    bce = loss_cfg.proposals_loss._ce_loss
    forward = bce.forward

    def recording_forward(pred, label):
        recorded.append(label.detach().clone())
        return forward(pred, label)

    bce.forward = recording_forward
    return recorded


def run_stage(script, model, model_cfg, batch, train_proposals, prefix,
              arrays):
    """One official step; its losses, gradient digests, the Adam update's
    digest and the BatchNorm statistics after it go to ``arrays``."""
    from train_step import gradient_digest

    trainer, dataset_kwargs = capture_trainer(script, model, model_cfg,
                                              train_proposals)
    net = trainer.net
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    recorded = record_proposal_labels(trainer.loss_cfg)
    metric = {}
    if 'proposals_loss' in trainer.loss_cfg:  # its AdaptiveIoU, before
        metric = {
            k: v
            for k, v in vars(
                trainer.loss_cfg.proposals_loss._iou_metric).items()
            if isinstance(v, (int, float, bool))
        }
    loss, logging, _, outputs = trainer.batch_forward(dict(batch))
    if recorded:
        arrays[f'{prefix}/proposal_labels'] = recorded[0].numpy()
    # AdaptISTrainer.training, the step itself
    trainer.optim.zero_grad()
    loss.backward()
    trainer.optim.step()
    grads = {
        n: p.grad
        for n, p in net.named_parameters() if p.grad is not None
    }
    frozen = sorted(n for n, p in net.named_parameters() if p.grad is None)
    arrays.update(gradient_digest(grads, prefix=f'{prefix}/grad'))
    if train_proposals:
        # the stage where the frozen layers matter: which parameters the
        # Adam step moves, and the BatchNorm statistics of the frozen ones
        arrays.update(
            gradient_digest(
                {
                    n: p.detach() - before[n]
                    for n, p in net.named_parameters()
                    if not torch.equal(p.detach(), before[n])
                },
                prefix=f'{prefix}/update'))
        arrays.update(
            gradient_digest(
                buffer_digest_inputs(net), prefix=f'{prefix}/bn_stats'))
    terms = {}
    for name, values in logging.items():
        terms[name] = float(np.mean(values))
        arrays[f'loss/{prefix}/{name}'] = np.array(terms[name])
        weight = trainer.loss_cfg[name + '_weight']
        arrays[f'loss/{prefix}/{name}_weighted'] = np.array(weight *
                                                            terms[name])
    arrays[f'loss/{prefix}/total'] = np.array(float(loss.detach()))
    recipe = dict(
        criteria={
            k:
            dict(
                type=type(v).__name__,
                **{
                    a: b
                    for a, b in vars(v).items()
                    if a.startswith('_') and isinstance(b, (int, float, bool))
                    and not a.startswith('_k_sum')
                })
            for k, v in trainer.loss_cfg.items() if not k.endswith('_weight')
        },
        weights={
            k: v
            for k, v in trainer.loss_cfg.items() if k.endswith('_weight')
        },
        optimizer=dict(
            type=type(trainer.optim).__name__,
            **{
                k: v
                for k, v in trainer.optim.defaults.items()
                if isinstance(v, (int, float, bool, tuple))
            }),
        lr_scheduler=dict(
            type=type(trainer.lr_scheduler).__name__,
            T_max=trainer.lr_scheduler.T_max),
        dataset=dataset_kwargs,
        proposal_iou_metric_before_step=metric,
        trainable=sorted(grads),
        no_gradient=frozen,
        loss_terms=terms,
    )
    return trainer, outputs, recipe


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'official_root', help='saic-vul/adaptis checkout, '
        'branch pytorch')
    parser.add_argument('--out-dir', default=None, help='default: tests/data')
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    from parity_rule import seeded_tensor
    from train_step import save_fixture

    torch.set_num_threads(1)
    dtype = torch.float64
    script = import_official(args.official_root)
    image = seeded_tensor('adaptis_train_step.image', (2, 3, SIZE, SIZE),
                          'input')
    ids, ignored = instance_maps()
    points = pinned_points(ids, ignored,
                           torch.Generator().manual_seed(POINT_SEED))
    arrays = {'batch/instance_ids': ids.astype(np.int8)}
    meta_stages = {}

    # stage 1: train_toy_v2's main: init_model(), train(proposals=False)
    model, model_cfg = script.init_model()
    model = model.to(dtype)
    keys = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    model.load_state_dict(official_weights(keys), strict=True)
    model.train()
    batch = official_batch(image, ids, points['stage1'], dtype)
    _, _, recipe = run_stage(script, model, model_cfg, batch, False, 'stage1',
                             arrays)
    meta_stages['stage1'] = dict(recipe, **points['stage1'])

    # stage 2: a fresh model with the same seeded weights (not the
    # stage-1-updated ones), add_proposals_head(), train(proposals=True)
    model, model_cfg = script.init_model()
    model.add_proposals_head()
    model = model.to(dtype)
    all_keys = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    model.load_state_dict(official_weights(all_keys), strict=True)
    model.train()
    batch = official_batch(image, ids, points['stage2'], dtype)
    trainer, outputs, recipe = run_stage(script, model, model_cfg, batch, True,
                                         'stage2', arrays)
    criterion = trainer.loss_cfg.proposals_loss
    arrays['stage2/iou_thresh'] = np.array(criterion._iou_metric.iou_thresh)
    arrays['stage2/proposals'] = outputs.proposals.detach().numpy()
    meta_stages['stage2'] = dict(recipe, **points['stage2'])

    meta = dict(
        repository='saic-vul/adaptis',
        branch='pytorch',
        commit='4a973e81e936494a98f10b7f6dbf1f4fd4ad1328',
        generator='tools/misc/train_step_fixtures/adaptis.py',
        files=[
            'train_toy_v2.py (init_model, train; main: add_proposals_head '
            'between the stages)',
            'adaptis/engine/trainer.py (AdaptISTrainer.__init__: Adam over '
            'get_trainable_params(), CosineAnnealingLR; batch_forward, '
            '_add_loss; the step of training(): zero_grad, backward, step)',
            'adaptis/model/toy/models.py (get_unet_model, ToyAdaptISHead)',
            'adaptis/model/losses.py (NormalizedFocalLossSigmoid, '
            'NormalizedFocalLossSoftmax, AdaptISProposalsLossIoU, '
            'SigmoidBinaryCrossEntropyLoss)',
            'adaptis/model/metrics.py (AdaptiveIoU inside the proposal '
            'loss)',
        ],
        constructor='train_toy_v2.init_model() = get_unet_model('
        'norm_layer=nn.BatchNorm2d) (channel_width 32, max_width 512, '
        'with_proposals=False, rescale_output (0.2, -1.7)); stage 2: '
        'model.add_proposals_head() (freezes every parameter present, then '
        'registers the proposal head, which trains)',
        weights='parity_rule.seeded_state_dict(official state_dict keys), '
        'then weight_overrides, for both stages (stage 2 starts from the '
        'same seeded weights, proposal head included, not from the '
        'stage-1 step); the '
        "official XavierGluon init of init_model() is overwritten",
        dtype='float64 (model.double(); the official code runs in float64 '
        'except three float32 spots, see notes)',
        tolerance=TOLERANCE,
        keys=[[k, list(shape)] for k, shape in all_keys],
        weight_overrides={
            k: dict(scale=a, shift=b, rule='seeded * scale + shift')
            for k, (a, b) in WEIGHT_OVERRIDES.items()
        },
        weight_overrides_why=('the seeded weights give instance '
                              'probabilities near sigmoid(-1.7) = 0.15, '
                              'none above the proposal loss\'s 0.35 '
                              'threshold: every proposal label would be '
                              'ignored and the stage-2 loss 0. Scaled and '
                              'shifted, the masks cover 10-98 % of the '
                              'image.'),
        batch=dict(
            image_shape=[2, 3, SIZE, SIZE],
            images='parity_rule.seeded_tensor("adaptis_train_step.image", '
            f'[2, 3, {SIZE}, {SIZE}], "input") (already normalised: the '
            'official input_transform gives [-1, 1] images)',
            instance_ids='npz batch/instance_ids [2, 64, 64] (0 '
            'background); image 1 object 4 is an ignored object '
            "(instances_info 'ignore': True)",
            ignored_objects=ignored,
            semantic='instance_ids > 0 (ToyDataset with_segmentation)',
            instances='[2, K, 1, 64, 64] float32: 1 on the point\'s object, '
            '0 elsewhere; -1 on the object for a point on an ignored object',
            points='(row, col) pixels, float64 (integer values)',
            point_rule=pinned_points.__doc__.strip().split('\n\n')[1],
            point_seed=f'torch.Generator().manual_seed({POINT_SEED}), '
            'torch.randint for every choice, in the order of pinned_points',
            points_per_image=dict(stage1=STAGE1_POINTS, stage2=STAGE2_POINTS),
            recipe_points_per_image=dict(stage1=12, stage2=32),
        ),
        stages=meta_stages,
        stand_ins=dict(
            torchvision='ops.RoIAlign = ReferenceRoIAlign (torchvision '
            'roi_align, aligned=False, in plain torch; the toy model '
            'samples 1 x 1 at boxes [p - 0.5, p]: exactly p); transforms '
            'no-ops (unused)',
            easydict='EasyDict: dict with attribute access',
            albumentations='no-ops (augmentation, unused)',
            tqdm='identity (unused)',
            tensorboard='SummaryWriter no-op (unused)',
            ToyDataset='replaced by a recorder while train() builds the '
            'trainer (its arguments are listed per stage under dataset)',
        ),
        arrays=dict(
            loss='loss/<stage>/<term> as _add_loss logs it (mean, '
            'unweighted), <term>_weighted times its weight, total = the '
            'loss backward() saw',
            grad='<stage>/grad/<official name>/...: gradient_digest of every '
            'parameter with a gradient',
            update='stage2/update/<name>/...: digest of (parameter after '
            'the Adam step - before), for every parameter the step moved',
            bn_stats='stage2/bn_stats/<name>/...: digest of every '
            'running_mean / running_var after the step (train mode '
            'everywhere: the frozen layers update theirs too)',
            iou_thresh='stage2/iou_thresh: the proposal loss\'s AdaptiveIoU '
            'threshold after its update in the step (0.35 before)',
            proposals='stage2/proposals [B*K, 1]: the proposal logits at '
            'the points',
            proposal_labels='stage2/proposal_labels [B, K]: the soft '
            'labels AdaptISProposalsLossIoU gave its BCE (recorded by '
            'wrapping _ce_loss.forward)',
        ),
        notes=[
            'Stage 1: the proposal head is not part of the model '
            '(get_unet_model(with_proposals=False) keeps it in a list), so '
            'it has no gradient and no Adam state.',
            'Stage 2: only proposals_head.* has gradients '
            '(add_proposals_head sets requires_grad=False on everything '
            'else); the instance loss (weight 0.0) is not computed; the '
            'model stays in train mode, so every BatchNorm, the frozen ones '
            'included, normalises with batch statistics and updates its '
            'running statistics.',
            'float32 inside the float64 run: NormalizedFocalLossSoftmax '
            'casts the valid count and the sum of focal weights to float32 '
            '(.float()), so its detached normaliser is rounded to float32 '
            '(~6e-8 relative); AdaptISProposalsLossIoU keeps the IoUs in '
            'float32 (np.full_like of float32 means), so the soft labels '
            'carry float32 rounding of the IoU.',
            'The semantic NFL cannot take label -1 (torch.gather with index '
            '-1 fails), so the semantic target has no ignored pixel; the '
            'ignored object is only in the instance target of image 1\'s '
            'last stage-1 point.',
            'AdaIN: the PyTorch port adds 1 to the shift (affine_bias); '
            'mmcorr loads it with legacy_shift_plus_one=True.',
            'adaptis_head.block0.8.bias (the BatchNorm right before '
            'AdaIN\'s instance normalisation) gets an analytically zero '
            'gradient (the instance norm removes a per-channel shift): its '
            'digest is rounding noise (~1e-16); compare it against 0, not '
            'relatively.',
            'Effect of the float32 spots on a float64 reproduction '
            '(measured against mmcorr): semantic loss ~8e-9 relative, the '
            'semantic classifier\'s bias gradients ~2e-6 (the two images\' '
            'contributions nearly cancel); proposal labels ~5e-8 absolute, '
            'proposal gradients ~1e-7. The test adds both roundings in '
            'closed form.',
            'Not run: the lr scheduler step after optim.step() (it sets '
            'the next step\'s lr) and the trainer\'s AdaptiveIoU train '
            'metric update (logging only; batch_forward does run it).',
        ],
    )
    stem = save_fixture(NAME, meta, arrays, args.out_dir)
    print(f'wrote {stem}.json/.npz')
    for stage in ('stage1', 'stage2'):
        print(stage, meta_stages[stage]['loss_terms'],
              float(arrays[f'loss/{stage}/total']))
    print('iou_thresh', float(arrays['stage2/iou_thresh']))


if __name__ == '__main__':
    main()
