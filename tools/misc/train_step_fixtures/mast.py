# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``mast`` training-step fixture from the official code.

    python tools/misc/train_step_fixtures/mast.py OFFICIAL_ROOT \
        [--out-dir tests/data]

OFFICIAL_ROOT is a checkout of zlai0/MAST (tested at ``a57b043``). Its
``main.py`` is imported from it, unmodified (which imports ``models/mast.py``,
``models/colorizer.py``, ``models/submodule.py`` and
``functional/feeder/dataset/YTVOSTrainLoader.py``), and one training step is
run as ``main.train`` runs it: ``model.train()``, ``adjust_lr``, the Lab
clone, ``MAST.dropout2d_lab``, ``compute_lphoto`` (the dropped channel of the
un-dropped clone as target, the prediction at 1/4 bilinearly upsampled,
``smooth_l1_loss(out * 20, target * 20)``), ``backward()`` and the Adam step
built as ``main.main`` builds it.

Three imports that cannot be installed here are replaced in ``sys.modules``
by small stand-ins:

- ``spatial_correlation_sampler`` (0.0.8, a CUDA/C++ extension) by
  :class:`ReferenceCorrelationSampler`: the sampler's documented result for
  ``kernel_size=1, stride=1, padding=0, dilation=1`` (``out[b, i, j, y, x]
  = sum_c in1[b, c, y, x] * in2[b, c, y + (i - R) d, x + (j - R) d]``,
  zero outside the map; ``R = (patch_size - 1) / 2``, ``d =
  dilation_patch``), written with shifted slices, so autograd gives its
  backward;
- ``torchvision.transforms`` (``ToTensor``, ``Normalize``), used by the data
  loader, by :class:`ToTensor` and :class:`Normalize`, torchvision's
  arithmetic for float ``HxWxC`` arrays;
- ``torch.utils.tensorboard`` (imported by ``main.py``, unused here) by an
  inert ``SummaryWriter``.

The step runs in float64: the official training path has no float32-only
part (the memory values go through ``.float()`` in ``Colorizer.prep``, which
is exact here because the Lab inputs are float32 numbers, as the official
loader gives). Two entries, one per dropped channel (``drop_a``: channel 1,
``drop_b``: channel 2), picked by seeding NumPy before the official
``dropout2d_lab`` (the seeds are in the JSON; the script checks the pick).

The data path is checked too: a seeded 48 x 40 BGR image written as PNG,
through the official ``image_loader`` and ``lab_preprocess`` (cv2 read, /255,
resize to 256 x 256, ``cv2.COLOR_BGR2Lab``, normalised with (50, 0, 0) /
(50, 127, 127)); every 4th pixel of the result is stored.
"""
import argparse
import importlib.util
import os
import os.path as osp
import sys
import tempfile
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
NAME = 'mast'
#: Clips of 2 frames (reference, target), batch 2, 64 x 64 Lab frames.
BATCH, FRAMES, SIZE = 2, 2, 64
#: NumPy seeds before ``dropout2d_lab`` and the channel each one picks.
CHANNEL_SEEDS = {'drop_a': (1, 1), 'drop_b': (0, 2)}
#: The data-path image: H x W x 3 BGR uint8.
IMAGE_SHAPE = (48, 40, 3)
RTOL = 1e-6
#: The one exception to the parity rule: ``post_convolution`` (weight and
#: bias) times this. With the rule's weights the key dot products have a
#: standard deviation of 86 and the 13 x 13 softmax is an argmax (median
#: largest weight 0.99997), so the attention would take no part in the
#: step; times 0.15 their deviation is 1.9 (median largest weight 0.06).
POST_CONV_SCALE = 0.15


class ReferenceCorrelationSampler(nn.Module):
    """``spatial_correlation_sampler.SpatialCorrelationSampler`` (0.0.8) for
    ``kernel_size=1, stride=1, padding=0, dilation=1``.

    ``[B, C, H, W] x [B, C, H, W] -> [B, P, P, H, W]`` with
    ``out[b, i, j, y, x] = sum_c in1[b, c, y, x] * in2[b, c, y + (i - R) d,
    x + (j - R) d]``, zero where the shifted position leaves the map (the
    CPU and CUDA kernels' bounds check), ``R = (P - 1) / 2``, ``d =
    dilation_patch``. Differentiable through autograd.
    """

    def __init__(self, kernel_size=1, patch_size=1, stride=1, padding=0,
                 dilation=1, dilation_patch=1):
        super().__init__()
        if (kernel_size, stride, padding, dilation) != (1, 1, 0, 1):
            raise NotImplementedError('only kernel_size=1, stride=1, '
                                      'padding=0, dilation=1 are modelled')
        self.patch_size = patch_size
        self.dilation_patch = dilation_patch

    def forward(self, input1, input2):
        batch, _, height, width = input1.shape
        radius = (self.patch_size - 1) // 2
        reach = radius * self.dilation_patch
        padded = F.pad(input2, (reach, ) * 4)
        rows = []
        for i in range(self.patch_size):
            dy = reach + (i - radius) * self.dilation_patch
            cols = []
            for j in range(self.patch_size):
                dx = reach + (j - radius) * self.dilation_patch
                window = padded[:, :, dy:dy + height, dx:dx + width]
                cols.append((input1 * window).sum(1))
            rows.append(torch.stack(cols, 1))
        return torch.stack(rows, 1)


class ToTensor:
    """torchvision's ``ToTensor`` for a float ``H x W x C`` array: the
    ``C x H x W`` tensor, values unchanged."""

    def __call__(self, pic):
        if not (isinstance(pic, np.ndarray) and pic.dtype.kind == 'f'):
            raise NotImplementedError('only float arrays are modelled')
        return torch.from_numpy(pic.transpose((2, 0, 1))).contiguous()


class Normalize:
    """torchvision's ``Normalize``: ``(x - mean[c]) / std[c]`` per channel,
    in the tensor's dtype."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std


class SummaryWriter:
    """Inert stand-in for ``torch.utils.tensorboard.SummaryWriter``."""

    def __init__(self, *args, **kwargs):
        pass


def install_stand_ins():
    """Put the three stand-ins in ``sys.modules``."""
    sampler = types.ModuleType('spatial_correlation_sampler')
    sampler.SpatialCorrelationSampler = ReferenceCorrelationSampler
    vision = types.ModuleType('torchvision')
    vision.transforms = types.ModuleType('torchvision.transforms')
    vision.transforms.ToTensor = ToTensor
    vision.transforms.Normalize = Normalize
    board = types.ModuleType('torch.utils.tensorboard')
    board.SummaryWriter = SummaryWriter
    sys.modules.update({
        'spatial_correlation_sampler': sampler,
        'torchvision': vision,
        'torchvision.transforms': vision.transforms,
        'torch.utils.tensorboard': board,
    })


def import_official(root):
    """Import ``main.py`` of ``root`` (its argument parser sees no
    arguments: the defaults, lr 1e-3, batch 12) with the stand-ins."""
    path = osp.join(root, 'main.py')
    if not osp.isfile(osp.join(root, 'models', 'colorizer.py')):
        raise FileNotFoundError(f'{root} is not a zlai0/MAST checkout')
    install_stand_ins()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    sys.path.insert(0, root)  # main.py imports models.*, functional.*
    argv, sys.argv = sys.argv, ['main.py']
    try:
        spec = importlib.util.spec_from_file_location('mast_official_main',
                                                      path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.argv = argv
    module.args.training = True  # as main.main() sets it
    return module


def official_weights(model, seeded_state_dict):
    """The parity rule's weights for every official state-dict entry, with
    ``post_convolution`` scaled by :data:`POST_CONV_SCALE`."""
    keys = [(k, list(v.shape)) for k, v in model.state_dict().items()]
    state = seeded_state_dict(keys)
    for key in ('post_convolution.weight', 'post_convolution.bias'):
        state[key] = state[key] * POST_CONV_SCALE
    return keys, state


def lab_inputs(seeded_tensor):
    """Two normalised Lab frames ``[B, 3, H, W]`` (reference, target):
    seeded normal values rounded to float32 (as the loader's tensors),
    held in float64."""
    return [
        seeded_tensor(f'input.lab{i}', (BATCH, 3, SIZE, SIZE),
                      'input').float().double() for i in range(FRAMES)
    ]


def seeded_bgr_image(seeded_tensor):
    """The data-path image: ``clip(127.5 + 64 * randn)`` as uint8 BGR."""
    noise = seeded_tensor('input.bgr_image', IMAGE_SHAPE, 'input')
    return (127.5 + 64 * noise).round().clamp(0, 255).to(
        torch.uint8).numpy()


def digest_buffers(model):
    """Running statistics after the step (float64)."""
    return {
        k: v.double()
        for k, v in model.state_dict().items()
        if k.endswith(('running_mean', 'running_var'))
    }


def run_step(main, model, state, images_lab, seed, channel, helpers,
             full=True):
    """One official training step (``main.train``'s loop body); ``full``:
    also digest the Adam step and the BN running statistics."""
    gradient_digest = helpers.gradient_digest
    model.load_state_dict(state, strict=True)
    model.zero_grad(set_to_none=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=main.args.lr,
                                 betas=(0.9, 0.999))
    wrapped = nn.DataParallel(model)  # no GPU: calls the module itself
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    captured = {}

    def keep_output(module, inputs, output):
        captured['quarter'] = output.detach().clone()  # returns None

    hook = model.register_forward_hook(keep_output)

    wrapped.train()
    main.adjust_lr(optimizer, 0, 0, 1)
    images_lab_gt = [lab.clone() for lab in images_lab]
    images = [lab.clone() for lab in images_lab]
    np.random.seed(seed)
    _, ch = wrapped.module.dropout2d_lab(images)
    if list(ch) != [channel]:
        raise RuntimeError(f'seed {seed} dropped {list(ch)}, not {channel}')
    sum_loss, err_maps = main.compute_lphoto(wrapped, images, images_lab_gt,
                                             ch)
    sum_loss.backward()
    hook.remove()
    grads = {k: p.grad for k, p in model.named_parameters()}
    missing = [k for k, g in grads.items() if g is None]
    if missing:
        raise RuntimeError(f'no gradient: {missing}')
    arrays = gradient_digest(grads)
    optimizer.step()
    if full:
        step = {k: p.detach() - before[k]
                for k, p in model.named_parameters()}
        arrays.update(gradient_digest(step, prefix='step'))
        arrays.update(gradient_digest(digest_buffers(model),
                                      prefix='buffer'))
    arrays['loss/reconstruction'] = np.array(sum_loss.item())
    arrays['loss/total'] = np.array(sum_loss.item())
    arrays['tensor/prediction_quarter'] = captured['quarter'].numpy()
    arrays['tensor/num_batches_tracked'] = model.state_dict()[
        'feature_extraction.conv1.1.num_batches_tracked'].numpy()
    info = dict(
        lr=optimizer.param_groups[0]['lr'],
        # the share of pixels on the quadratic side of the Huber loss
        huber_quadratic_fraction=float((err_maps * 20 < 1).double().mean()))
    return arrays, info, grads


def official_data_path(image):
    """The official loader on ``image`` (via a PNG file), every 4th pixel:
    the resized float BGR image ``[64, 64, 3]`` (``image_loader``) and its
    normalised Lab ``[3, 64, 64]`` (``lab_preprocess``), float32."""
    import cv2
    loader = sys.modules['functional.feeder.dataset.YTVOSTrainLoader']
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'frame.png')
        cv2.imwrite(path, image)
        resized = loader.image_loader(path)
        lab = loader.lab_preprocess(resized)
    return resized[::4, ::4].copy(), lab[:, ::4, ::4].numpy()


def main_(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='zlai0/MAST checkout')
    parser.add_argument('--out-dir', default=osp.join(REPO, 'tests', 'data'))
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    import train_step as helpers
    from parity_rule import seeded_state_dict, seeded_tensor

    official = import_official(osp.abspath(args.official_root))
    torch.manual_seed(0)  # nothing random is drawn from torch; for safety
    model = official.MAST(official.args).double()
    keys, state = official_weights(model, seeded_state_dict)
    images_lab = lab_inputs(seeded_tensor)
    arrays, entries = {}, {}
    for entry, (seed, channel) in CHANNEL_SEEDS.items():
        out, info, grads = run_step(official, model, state, images_lab,
                                    seed, channel, helpers,
                                    full=entry == 'drop_a')
        for key, value in out.items():
            head, rest = key.split('/', 1)
            arrays[f'{head}/{entry}/{rest}'] = value
        entries[entry] = dict(
            numpy_seed=seed, dropped_channel=channel, **info,
            loss=float(out['loss/total']),
            largest_gradient=max(float(g.abs().max()) for g in grads.values()))
        print(f'{entry}: channel {channel}, loss {entries[entry]["loss"]!r}')
    image = seeded_bgr_image(seeded_tensor)
    arrays['data/official_bgr_every4'], arrays['data/official_lab_every4'] \
        = official_data_path(image)

    commit = _read_commit(args.official_root)
    meta = dict(
        repo='zlai0/MAST',
        commit=commit,
        generator='tools/misc/train_step_fixtures/mast.py',
        files_and_functions=[
            'main.py: args (defaults: lr 1e-3, bsize 12), adjust_lr, '
            'compute_lphoto, the optimiser of main() and the loop body of '
            'train() (model.train, adjust_lr, Lab clone, dropout2d_lab, '
            'compute_lphoto, backward, optimizer.step)',
            'models/mast.py: MAST(args) with args.training = True (R = 6, '
            '13 x 13 windows), MAST.forward, MAST.dropout2d_lab',
            'models/colorizer.py: Colorizer.forward, Colorizer.prep',
            'models/submodule.py: ResNet18',
            'functional/feeder/dataset/YTVOSTrainLoader.py: image_loader, '
            'lab_preprocess (data path only)'
        ],
        constructor='MAST(args), args = main.args with args.training = True',
        call=('compute_lphoto(model, images_lab, images_lab_gt, ch) -> '
              'model(ref_x=[frame 0], ref_y=[frame 0 true channel ch], '
              'tar_x=frame 1, ref_index=[0, 2], current_ind=4): near '
              'windows only (no gap over 15)'),
        criterion=('F.smooth_l1_loss(outputs * 20, tar_y * 20, '
                   "reduction='mean') (beta 1), outputs = "
                   "F.interpolate(quarter-resolution prediction, (H, W), "
                   "mode='bilinear') (align_corners None = False); tar_y "
                   'and the reference values = channel ch of the '
                   'un-dropped clone; the values subsampled [:, :, ::4, '
                   '::4] by Colorizer.prep'),
        optimiser=('torch.optim.Adam(model.parameters(), lr=1e-3, '
                   'betas=(0.9, 0.999)) (eps 1e-8, no weight decay: '
                   'standard); adjust_lr at epoch 0, batch 0 keeps 1e-3'),
        dtype=('float64 (model.double(); inputs are float32 numbers, so '
               'Colorizer.prep\'s .float() on the values is exact and '
               'corr * values promotes back to float64)'),
        weights='parity_rule.seeded_state_dict(keys)',
        post_convolution_scale=POST_CONV_SCALE,
        weight_rule_exception=(
            'after seeded_state_dict, post_convolution.weight and '
            f'post_convolution.bias are multiplied by {POST_CONV_SCALE} '
            '(the rule\'s weights give key dot products of standard '
            'deviation 86: the softmax would be an argmax and the attention '
            'would take no part in the gradients; scaled, 1.9)'),
        keys=keys,
        batch=dict(
            images_lab=[[BATCH, 3, SIZE, SIZE]] * FRAMES,
            rule=('frame i: seeded_tensor(f"input.lab{i}", (2, 3, 64, 64), '
                  '"input").float().double(); frame 0 is the reference, '
                  'frame 1 the target; normalised Lab as the loader gives '
                  '(random normal values, not a real image)')),
        random_choices=dict(
            dropped_channel=('np.random.seed(numpy_seed) right before '
                             'MAST.dropout2d_lab (one channel for the whole '
                             'batch); entries: ' + ', '.join(
                                 f'{k}: seed {s} -> channel {c}'
                                 for k, (s, c) in CHANNEL_SEEDS.items())),
            frame_pair=('fixed: reference = frame 0, target = frame 1 '
                        '(the official sampler picks an interval from '
                        '{2, 5, 8}; it only selects files, and '
                        'compute_lphoto passes ref_index [0, 2], '
                        'current_ind 4 whatever the interval)'),
            others='none: no dropout layers, BN in train mode'),
        entries=entries,
        stand_ins=dict(
            spatial_correlation_sampler=ReferenceCorrelationSampler.__doc__,
            torchvision_transforms=('ToTensor (float HxWxC -> CxHxW, '
                                    'values unchanged), Normalize '
                                    '((x - mean) / std per channel)'),
            torch_utils_tensorboard='inert SummaryWriter (unused)',
            DataParallel=('nn.DataParallel(model) without a GPU calls the '
                          'module itself: one BN batch of 2 clips per '
                          'frame (on several GPUs it would split the batch '
                          'and its BN statistics; one device here, as '
                          'mmcorr\'s BN on one process)')),
        mmcorr_test='tests/test_models/test_video/test_mast_train_step.py',
        arrays={
            'loss/<entry>/reconstruction, loss/<entry>/total':
            'the one loss term and the total (equal)',
            'grad/<entry>/<official name>/...':
            'gradient_digest of every parameter (all receive a gradient)',
            'step/drop_a/<official name>/...':
            ('gradient_digest of (parameter after the Adam step - before); '
             'drop_a only (size)'),
            'buffer/drop_a/<official name>/...':
            ('gradient_digest of every BN running_mean / running_var '
             'after the step (momentum 0.1; the encoder runs twice per '
             'step: reference, then target); drop_a only (size)'),
            'tensor/<entry>/prediction_quarter':
            'the model output before upsampling, [2, 1, 16, 16]',
            'tensor/<entry>/num_batches_tracked': 'after the step (2)',
            'data/official_bgr_every4':
            ('the official loader on the data-path image: '
             'image_loader(png)[::4, ::4], float BGR in [0, 1] after the '
             'resize to 256 x 256, [64, 64, 3] float32'),
            'data/official_lab_every4':
            ('the official loader on the data-path image: '
             'lab_preprocess(image_loader(png))[:, ::4, ::4], '
             '[3, 64, 64] float32'),
        },
        no_gradient='none: every official parameter receives a gradient',
        data_path=dict(
            image=('seeded_tensor("input.bgr_image", (48, 40, 3), '
                   '"input"); (127.5 + 64 * x).round().clamp(0, 255) as '
                   'uint8, BGR, written with cv2.imwrite as PNG'),
            official=('image_loader (cv2.imread, float32 / 255, cv2.resize '
                      'to 256 x 256, INTER_LINEAR) then lab_preprocess '
                      '(cv2.COLOR_BGR2Lab on the float image, ToTensor, '
                      'Normalize((50, 0, 0), (50, 127, 127)))'),
            opencv=__import__('cv2').__version__),
        tolerance=(f'{RTOL:g} relative (float64): losses by '
                   'relative_difference, gradients / steps / buffers by '
                   'compare_digests'),
        torch=torch.__version__,
    )
    stem = helpers.save_fixture(NAME, meta, arrays, args.out_dir)
    print(f'wrote {stem}.json/.npz ({osp.getsize(stem + ".npz")} bytes)')


def _read_commit(root):
    """The checkout's commit, from a ``COMMIT`` file or git."""
    marker = osp.join(root, 'COMMIT')
    if osp.isfile(marker):
        with open(marker) as f:
            return f.read().strip()
    import subprocess
    try:
        return subprocess.check_output(['git', '-C', root, 'rev-parse',
                                        'HEAD'], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown (no COMMIT file, not a git checkout)'


if __name__ == '__main__':
    main_()
