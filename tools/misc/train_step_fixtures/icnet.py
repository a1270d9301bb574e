# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``icnet`` training-step fixture from the official code.

    python tools/misc/train_step_fixtures/icnet.py OFFICIAL_ROOT \
        [--out-dir tests/data]

OFFICIAL_ROOT is a checkout of blanclist/ICNet (tested at ``f0d5e46``,
branch ``EN``; branch ``CN`` differs in comments only). Its
``ICNet/train.py`` is imported from it, unmodified (which imports
``solver.py``, ``network.py``, ``loss.py``, ``dataset.py`` and
``utils.py``), and one training step is run as ``Solver.train`` runs its
loop body: ``model.train()``, ``zero_grad()``, ``ICNet(image_group,
SISMs, is_training=True)`` (the four side outputs, all resized to 224 x 224
with ``align_corners=True``), ``IoU_loss(preds_list, gt)`` (``loss.py``:
``1 - mean over images and side outputs of sum(min(p, g)) / sum(max(p,
g))``, min and max by ``torch.where``, the sigmoid inside the network),
and ``backward()``. The optimiser is plain ``Adam(model.parameters(),
lr=train.learning_rate, weight_decay=train.weight_decay)`` (one group, no
exemption, no scheduler): a standard recipe, so only its hyper-parameters,
read from ``train.py``, are stored (the test checks one step of the
config's optimiser against Adam's closed-form first step). (``Solver``
itself is not used: it moves everything to CUDA and loads
``vgg16_feat.pth``; the weights here follow the parity rule.)

Stand-ins: ``torchvision`` (not installable here) is imported when present;
otherwise ``torchvision.transforms`` (``Compose``, ``Resize``,
``ToTensor``, ``Normalize``, ``functional.hflip``), which ``dataset.py``
uses on PIL images, is replaced in ``sys.modules`` by
:class:`TransformsStandIn`, torchvision's PIL code path (0.28: ``Resize``
returns the image unchanged at the target size, else ``img.resize((W,
H), Image.BILINEAR)``; ``ToTensor``: uint8 -> float32 ``/ 255``, CHW;
``Normalize``: float32 ``(x - mean) / std``; ``hflip``:
``img.transpose(FLIP_LEFT_RIGHT)``). torchvision 0.28.0's own transforms
give bit-identical data arrays (checked once by running this script with
it on the path). ``matplotlib.pyplot`` (imported, unused by ``dataset.py``)
is replaced by an empty module when matplotlib is missing.

The step runs in float64 (the whole network runs in float64; the ground
truth is float32 ``k / 255`` as ``ToTensor`` gives it, promoted by the
loss). It also stores the BatchNorm running statistics after the forward.
Every parameter gets a gradient; the 16 conv biases that a BatchNorm
follows get an exactly-zero one (the batch mean absorbs them), of which
only rounding noise is computed: the JSON lists them with the size of that
noise next to their conv weight's gradient.

The data path is checked too: :func:`icnet_train_step.write_data_files`
writes one group of four images (PNGs of 200 x 300, 250 x 160 and 224 x
224, a JPEG of 180 x 240 with an EXIF orientation tag), their 0/255 ground
truths and 224 x 224 SISMs in ICNet's folder layout, read by the official
``dataset.get_loader(..., data_aug=True, shuffle=False, num_thread=0)``
with Python's ``random`` seeded (the flips it draws are recorded per
image). The group sampling is recorded as well: ``Cosal_Sampler`` (NumPy
seeded) on groups of several sizes.
"""
import argparse
import importlib
import json
import os
import os.path as osp
import random
import sys
import tempfile
import types

import numpy as np
import torch

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
NAME = 'icnet'
RTOL = 1e-6
#: Python ``random`` seed before the official loader: its first draw is >
#: 0.5 (flip the first view listed), its second <= 0.5 (keep the second).
FLIP_SEED = 10
#: Group sizes and NumPy seed of the recorded ``Cosal_Sampler`` run.
SAMPLER_GROUPS = (23, 10, 11, 1, 2, 21)
SAMPLER_SEED = 0
OFFICIAL_MODULES = ('train', 'solver', 'network', 'loss', 'dataset', 'utils')


class TransformsStandIn:
    """torchvision 0.28's ``transforms`` on PIL images, as ``dataset.py``
    uses them (see the module docstring)."""

    class Compose:

        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, img):
            for t in self.transforms:
                img = t(img)
            return img

    class Resize:

        def __init__(self, size):
            self.size = list(size)  # [H, W]

        def __call__(self, img):
            from PIL import Image
            if [img.size[1], img.size[0]] == self.size:
                return img
            return img.resize(tuple(self.size[::-1]), Image.BILINEAR)

    class ToTensor:

        def __call__(self, pic):
            array = np.array(pic, np.uint8, copy=True)
            if array.ndim == 2:
                array = array[:, :, None]
            img = torch.from_numpy(array).permute(2, 0, 1).contiguous()
            return img.to(torch.get_default_dtype()).div(255)

    class Normalize:

        def __init__(self, mean, std):
            self.mean, self.std = mean, std

        def __call__(self, tensor):
            mean = torch.as_tensor(self.mean, dtype=tensor.dtype)
            std = torch.as_tensor(self.std, dtype=tensor.dtype)
            return tensor.sub(mean.view(-1, 1, 1)).div(std.view(-1, 1, 1))

    class functional:

        @staticmethod
        def hflip(img):
            from PIL import Image
            return img.transpose(Image.FLIP_LEFT_RIGHT)


def install_stand_ins() -> str:
    """Put the stand-ins in ``sys.modules`` where the real package is
    missing; returns what ``torchvision.transforms`` is."""
    try:
        import torchvision
        import torchvision.transforms  # noqa: F401
        used = f'torchvision {torchvision.__version__}'
    except ImportError:
        vision = types.ModuleType('torchvision')
        transforms = types.ModuleType('torchvision.transforms')
        for name in ('Compose', 'Resize', 'ToTensor', 'Normalize',
                     'functional'):
            setattr(transforms, name, getattr(TransformsStandIn, name))
        vision.transforms = transforms
        sys.modules.update({
            'torchvision': vision,
            'torchvision.transforms': transforms
        })
        used = 'stand-in (TransformsStandIn: torchvision 0.28 PIL path)'
    os.environ.setdefault('MPLBACKEND', 'Agg')
    try:
        importlib.import_module('matplotlib.pyplot')
    except ImportError:
        mpl = types.ModuleType('matplotlib')
        mpl.pyplot = types.ModuleType('matplotlib.pyplot')
        sys.modules.update({
            'matplotlib': mpl,
            'matplotlib.pyplot': mpl.pyplot
        })
    return used


def import_official(root: str):
    """``train.py`` and the modules it imports, from ``root/ICNet``."""
    folder = osp.join(root, 'ICNet')
    if not osp.isfile(osp.join(folder, 'network.py')):
        raise FileNotFoundError(f'{folder}/network.py not found: pass a '
                                'blanclist/ICNet checkout')
    for name in OFFICIAL_MODULES:
        sys.modules.pop(name, None)
    sys.path.insert(0, folder)
    try:
        train = importlib.import_module('train')
        return types.SimpleNamespace(
            train=train,
            **{n: sys.modules[n]
               for n in OFFICIAL_MODULES if n != 'train'})
    finally:
        sys.path.remove(folder)


def side_terms(preds_list, gt):
    """Per side output ``k``: ``1 - mean_n sum(min) / sum(max)`` (the
    official loss is the mean of the four)."""
    terms = {}
    for k, pred in enumerate(preds_list):
        low = torch.where(pred < gt, pred, gt).flatten(1).sum(1)
        high = torch.where(pred > gt, pred, gt).flatten(1).sum(1)
        terms[f'side{k}'] = 1 - (low / high).mean()
    return terms


def bn_cancelled_biases(model) -> list:
    """Names of the conv biases a BatchNorm follows directly: in training
    mode the BatchNorm subtracts the batch mean, so their gradient is
    exactly zero (what is computed is rounding noise)."""
    names = []
    for prefix, module in model.named_modules():
        if not isinstance(module, torch.nn.Sequential):
            continue
        children = list(module.named_children())
        for (name, conv), (_, norm) in zip(children, children[1:]):
            if isinstance(conv, torch.nn.Conv2d) and conv.bias is not None \
                    and isinstance(norm, torch.nn.BatchNorm2d):
                names.append(f'{prefix}.{name}.bias')
    return names


def training_step(official, keys, arrays, meta):
    """One official step; fills ``arrays`` and ``meta``."""
    from icnet_train_step import GROUP, SIZE, step_batch
    from parity_rule import seeded_state_dict
    from train_step import gradient_digest

    torch.manual_seed(0)  # the step draws nothing; pinned anyway
    model = official.network.ICNet().double()
    model.load_state_dict(seeded_state_dict(keys), strict=True)
    model.train()
    img, sism, gt = step_batch()
    model.zero_grad()
    preds_list = model(image_group=img, SISMs=sism, is_training=True)
    loss = official.loss.IoU_loss(preds_list, gt)
    loss.backward()
    with torch.no_grad():
        terms = side_terms(preds_list, gt)
        preds = torch.cat(preds_list, 1)
        ties = int((preds == gt).sum())
        extremes = int(((preds == 0) | (preds == 1)).sum())
    arrays['loss/IoU_loss'] = np.array(loss.item())
    for key, value in terms.items():
        arrays[f'loss/{key}'] = np.array(value.item())
    grads = {}
    for name, param in model.named_parameters():
        if param.grad is None:
            raise RuntimeError(f'{name} got no gradient')
        grads[name] = param.grad
    arrays.update(gradient_digest(grads))
    cancelled = bn_cancelled_biases(model)
    zero = {}
    for name in cancelled:
        weight = name[:-len('bias')] + 'weight'
        zero[name] = dict(
            absmax=grads[name].abs().max().item(),
            weight_grad_absmax=grads[weight].abs().max().item())
    stats = {
        n: b
        for n, b in model.named_buffers()
        if n.endswith(('running_mean', 'running_var'))
    }
    arrays.update(gradient_digest(stats, prefix='buffer'))
    meta.update(
        batch=dict(
            group=GROUP,
            image_group=[GROUP, 3, SIZE, SIZE],
            SISMs=[GROUP, 1, SIZE, SIZE],
            gt=[GROUP, 1, SIZE, SIZE],
            rule=('tests/helpers/icnet_train_step.py step_batch(): images '
                  "seeded_tensor('train_step.image_group', shape, 'input');"
                  " SISMs sigmoid(seeded_tensor('train_step.SISMs', shape, "
                  "'input')); gt clamp(round(255 * (0.5 + seeded_tensor("
                  "'train_step.gt', shape, 'input'))), 0, 255) / 255 in "
                  'float32 (soft, as the official loader gives), promoted '
                  'to float64 by the loss')),
        preds_equal_to_gt=ties,
        preds_exactly_0_or_1=extremes,
        parameters=len(grads),
        no_gradient=('none: every official parameter gets a gradient '
                     '(VGG16 is trained, all BatchNorms see batch '
                     'statistics)'),
        zero_gradient=dict(
            parameters=zero,
            why=('conv biases followed directly by a BatchNorm in training '
                 'mode: the BatchNorm subtracts the batch mean, so their '
                 'exact gradient is 0 and what backward() computes is '
                 'rounding noise (~1e-17), whose digest cannot be compared '
                 'relatively; the test checks both sides are below 1e-12 '
                 "times the conv weight's gradient (the closed form: 0) and "
                 'compares the digests of every other parameter')),
        optimiser=dict(
            type='torch.optim.Adam',
            params='model.parameters() (one group, no exemption)',
            lr=official.train.learning_rate,
            weight_decay=official.train.weight_decay,
            betas='(0.9, 0.999) (torch defaults)',
            eps='1e-8 (torch default)',
            scheduler='none (constant lr)',
            source=('ICNet/train.py learning_rate, weight_decay; '
                    'solver.py Solver.train'),
            stored='hyper-parameters only (a standard recipe); no '
            'parameter values after the step'),
    )


def data_path(official, arrays, meta, tmp):
    """The official loader on the data-path group; fills ``arrays``."""
    from icnet_train_step import DATA_GROUP, write_data_files
    from train_step import gradient_digest

    roots = write_data_files(tmp)
    random.seed(FLIP_SEED)
    loader = official.dataset.get_loader(
        roots=roots,
        request=('img', 'gt', 'sism'),
        batch_size=official.train.train_batch_size,
        data_aug=True,
        shuffle=False,
        num_thread=0,
        pin=False)
    stems = list(loader.dataset.file_names)
    batches = list(loader)
    assert len(batches) == 1 and len(batches[0]['img']) == len(stems)
    replay = random.Random(FLIP_SEED)
    flips = {s: replay.random() > 0.5 for s in stems}
    if len(set(flips.values())) != 2:
        raise RuntimeError(f'FLIP_SEED {FLIP_SEED} does not both flip and '
                           f'keep a view: {flips}')
    batch = batches[0]
    mean = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64)
    std = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64)
    for i, stem in enumerate(stems):
        image = batch['img'][i]
        arrays.update(gradient_digest({stem: image}, prefix='data/img'))
        # the resized uint8 RGB pixels back from the normalised tensor
        grey = ((image.double() * std.view(3, 1, 1) + mean.view(3, 1, 1)) *
                255).round()
        assert torch.equal(
            ((grey / 255).float() - mean.float().view(3, 1, 1)) /
            std.float().view(3, 1, 1), image)
        arrays[f'data/img_every4/{stem}'] = grey[:, ::4, ::4].to(
            torch.uint8).numpy()
        for key in ('gt', 'sism'):
            grey = (batch[key][i, 0] * 255).round().to(torch.uint8)
            assert torch.equal(grey.float() / 255, batch[key][i, 0])
            arrays[f'data/{key}/{stem}'] = grey.numpy()
    meta['data_path'] = dict(
        files='tests/helpers/icnet_train_step.py write_data_files(): '
        f'img/{DATA_GROUP}/<stem>.png|.jpg, {{gt,sism}}/{DATA_GROUP}/'
        '<stem>.png',
        order=stems,
        loader=('dataset.get_loader(roots, request=("img", "gt", "sism"), '
                f'batch_size={official.train.train_batch_size}, '
                'data_aug=True, shuffle=False, num_thread=0, pin=False)'),
        random_seed=FLIP_SEED,
        flipped=flips,
        stored=('data/img/<stem>: gradient_digest of the float32 image '
                'tensor [3, 224, 224] (normalised); data/img_every4/<stem>: '
                'its uint8 RGB levels (un-normalised, exact) at every 4th '
                'pixel [3, 56, 56]; data/gt/<stem>, data/sism/<stem>: the '
                'uint8 grey levels [224, 224] of the ToTensor output '
                '(exactly * 255)'))


def sampler_run(official, meta):
    """Chunk sizes per group of one shuffled ``Cosal_Sampler`` epoch."""
    ends = np.cumsum(SAMPLER_GROUPS).tolist()
    np.random.seed(SAMPLER_SEED)
    sampler = official.dataset.Cosal_Sampler(
        indices=ends, shuffle=True, batch_size=official.train.train_batch_size)
    starts = [0] + ends[:-1]
    chunks = {str(g): [] for g in range(len(ends))}
    for batch in sampler:
        group = [
            g for g, (a, b) in enumerate(zip(starts, ends))
            if a <= batch[0] < b
        ][0]
        assert all(starts[group] <= i < ends[group] for i in batch)
        chunks[str(group)].append(len(batch))
    meta['sampler'] = dict(
        call=('dataset.Cosal_Sampler(indices=cumsum(group_sizes), '
              f'shuffle=True, batch_size={official.train.train_batch_size})'
              f' after np.random.seed({SAMPLER_SEED}); Solver.train skips '
              'batches of one image'),
        group_sizes=list(SAMPLER_GROUPS),
        chunk_sizes={
            k: sorted(v)
            for k, v in chunks.items()
        },
        trained_chunk_sizes={
            k: sorted(n for n in v if n > 1)
            for k, v in chunks.items()
        })


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='blanclist/ICNet checkout')
    parser.add_argument('--out-dir', default=osp.join(REPO, 'tests', 'data'))
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    from train_step import save_fixture

    transforms = install_stand_ins()
    official = import_official(args.official_root)
    with open(osp.join(REPO, 'tests', 'data', 'parity', 'icnet.json')) as f:
        keys = json.load(f)['keys']
    arrays, meta = {}, {}
    training_step(official, keys, arrays, meta)
    with tempfile.TemporaryDirectory() as tmp:
        data_path(official, arrays, meta, tmp)
    sampler_run(official, meta)
    meta.update(
        repo='blanclist/ICNet',
        commit='f0d5e463839caa2e39a6fc042da22284b7d4c9d9 (branch EN)',
        files=[
            'ICNet/train.py', 'ICNet/solver.py', 'ICNet/network.py',
            'ICNet/loss.py', 'ICNet/dataset.py'
        ],
        functions=[
            'network.ICNet.forward(is_training=True)', 'loss.IoU_loss',
            'torch.optim.Adam (solver.py)', 'dataset.get_loader',
            'dataset.random_flip', 'dataset.Cosal_Sampler'
        ],
        constructor='network.ICNet().double()',
        criterion=('loss.IoU_loss(preds_list, gt): preds_list = the 4 side '
                   'outputs (sigmoid maps; cosal_map_4/3/2 resized to 224 '
                   'bilinearly, align_corners=True; cosal_map_1), '
                   'concatenated on channels; loss = 1 - mean over [N, 4] '
                   'of sum(min(p, g)) / sum(max(p, g)) (torch.where, so a '
                   'tie p == g passes no gradient to p); one term, weight '
                   '1; no ignore index'),
        mode=('model.train(): every BatchNorm on batch statistics '
              '(momentum 0.1), no dropout anywhere, VGG16 without BN and '
              'trained'),
        dtype='float64',
        generator='tools/misc/train_step_fixtures/icnet.py',
        weights=('parity_rule.seeded_state_dict(keys of '
                 'tests/data/parity/icnet.json), strict'),
        torch_seed='torch.manual_seed(0) (nothing is drawn in the step)',
        size=('224 x 224, a group of 2: the official model runs at 224 '
              'only (RSCF has H*W input channels at strides 32/16/8, and '
              'the side outputs are resized to 224), and its training loop '
              'skips groups of one'),
        stand_ins=dict(
            torchvision_transforms=transforms,
            torchvision_checked=('torchvision 0.28.0 itself (its PIL '
                                 'transforms) gives bit-identical arrays'),
            matplotlib='real, MPLBACKEND=Agg (unused by dataset.py); an '
            'empty module if missing'),
        arrays=('loss/IoU_loss (the official total), loss/side0..3 (the '
                'per side output terms, side0 = resized cosal_map_4 ... '
                'side3 = cosal_map_1; their mean is the total); '
                'grad/<official name>/...: gradient_digest; '
                'buffer/<name>/...: BatchNorm running statistics after the '
                'forward; data/...: see data_path'),
        tolerance=dict(
            losses=RTOL,
            gradients=RTOL,
            buffers=RTOL,
            zero_gradient='|grad| <= 1e-12 * |conv weight grad| (both sides)',
            data=('image: digest 1e-6 and every-4th uint8 levels equal; '
                  'SISM (224 x 224 files): equal; ground truth: equal '
                  'unless resized, else within 1/255 (PIL rounds its 8-bit '
                  'horizontal and vertical passes, mmcorr resizes the float '
                  'map)'),
            sampler='chunk sizes per group equal'),
    )
    stem = save_fixture(NAME, meta, arrays, args.out_dir)
    print(f'wrote {stem}.json/.npz; IoU_loss = '
          f'{float(arrays["loss/IoU_loss"]):.12g}')


if __name__ == '__main__':
    main()
