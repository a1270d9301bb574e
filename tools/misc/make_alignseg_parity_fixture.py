# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the ``alignseg_r101_train_bn`` parity fixture from the official code.

    python tools/misc/make_alignseg_parity_fixture.py OFFICIAL_ROOT \
        [--out-dir tests/data/parity]

OFFICIAL_ROOT is a checkout of speedinghzl/AlignSeg (``networks/alignseg.py``
is imported from it, unmodified; tested at ``ac7582d``). Its two external
imports are replaced in ``sys.modules``: ``utils.pyt_utils`` (unused without
``pretrained_model``) and ``inplace_abn``, by :class:`ReferenceABN`, which
computes what mapillary/inplace_abn 1.x computes (``batch_norm`` with scale
``|weight| + eps``, then LeakyReLU(0.01) or identity).

Why a second fixture: ``alignseg_r101`` evaluates the seeded weights with
running statistics, where the backbone's activations grow to ~1e6 and the
predicted offsets to ~1e7, so every CAB from CAB3 on and the CAM sample only
zero padding and its logits do not depend on the input at all. Here the norms
use batch statistics (train mode, Dropout2d off), which keeps activations and
offsets moderate, so the outputs exercise the backbone, every warp and the
heads. Weights and inputs follow ``tests/helpers/parity_rule.py`` with the
keys and inputs of ``alignseg_r101.json``.
"""
import argparse
import importlib.util
import json
import os.path as osp
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PARITY_DIR = osp.join(REPO, 'tests', 'data', 'parity')
NAME = 'alignseg_r101_train_bn'


class ReferenceABN(nn.Module):
    """inplace_abn 1.x ``InPlaceABN(Sync)`` arithmetic on one process.

    ``y = act(batch_norm(x, scale=|weight| + eps, shift=bias))``, with batch
    statistics in train mode and running statistics in eval mode.
    """

    def __init__(self,
                 num_features,
                 eps=1e-5,
                 momentum=0.1,
                 affine=True,
                 activation='leaky_relu',
                 activation_param=0.01):
        super().__init__()
        if activation not in ('leaky_relu', 'identity') or not affine:
            raise ValueError('only affine leaky_relu/identity ABN is modelled')
        self.eps = eps
        self.momentum = momentum
        self.activation = activation
        self.slope = activation_param
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer('running_mean', torch.zeros(num_features))
        self.register_buffer('running_var', torch.ones(num_features))

    def forward(self, x):
        x = F.batch_norm(x, self.running_mean, self.running_var,
                         self.weight.abs() + self.eps, self.bias,
                         self.training, self.momentum, self.eps)
        if self.activation == 'leaky_relu':
            x = F.leaky_relu(x, self.slope)
        return x


def import_official(root):
    """Import ``networks/alignseg.py`` from ``root`` with the two stand-ins."""
    path = osp.join(root, 'networks', 'alignseg.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: pass an AlignSeg checkout')
    abn = types.ModuleType('inplace_abn')
    abn.InPlaceABN = abn.InPlaceABNSync = ReferenceABN
    utils = types.ModuleType('utils')
    utils.pyt_utils = types.ModuleType('utils.pyt_utils')
    utils.pyt_utils.load_model = None
    sys.modules.update({
        'inplace_abn': abn,
        'utils': utils,
        'utils.pyt_utils': utils.pyt_utils
    })
    spec = importlib.util.spec_from_file_location('alignseg_official', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='speedinghzl/AlignSeg checkout')
    parser.add_argument('--out-dir', default=PARITY_DIR)
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    from parity_rule import seeded_state_dict, seeded_tensor

    with open(osp.join(PARITY_DIR, 'alignseg_r101.json')) as f:
        base = json.load(f)
    model = import_official(args.official_root).Seg_Model(19).double()
    model.load_state_dict(seeded_state_dict(base['keys']), strict=True)
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout2d):
            m.eval()
    outputs = {}
    for tag in ('a', 'b'):
        x = seeded_tensor(f'input.{tag}', base['inputs'][f'input.{tag}'],
                          'input')
        with torch.no_grad():
            logits, aux = model(x)
        outputs[f'logits.{tag}'] = logits.numpy()
        outputs[f'aux_logits.{tag}'] = aux.numpy()
    meta = dict(
        repo=base['repo'],
        file=base['file'],
        constructor=base['constructor'],
        mode=('train-mode norms (batch statistics), Dropout2d off, float64; '
              'InPlaceABNSync as inplace_abn 1.x computes it: batch_norm '
              'with scale |weight| + 1e-5, then LeakyReLU(0.01) (identity '
              'in the backbone); outputs = head logits (stride 4, not '
              'upsampled) and the auxiliary head on d3'),
        generator='tools/misc/make_alignseg_parity_fixture.py',
        weights='parity_rule.seeded_state_dict(alignseg_r101.json keys)',
        inputs=base['inputs'],
        outputs={
            k: list(v.shape)
            for k, v in outputs.items()
        })
    np.savez(osp.join(args.out_dir, f'{NAME}.npz'), **outputs)
    with open(osp.join(args.out_dir, f'{NAME}.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')
    print(f'wrote {NAME}.npz/.json to {args.out_dir}')


if __name__ == '__main__':
    main()
