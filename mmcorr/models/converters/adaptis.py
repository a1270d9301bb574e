# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from saic-vul/adaptis (PyTorch branch) toy checkpoints to
:class:`~mmcorr.models.AdaptISSegmentor`.

The official blocks are ``nn.Sequential`` of (conv, ReLU, BN) triples:
index ``3 k`` is the ``k``-th conv, ``3 k + 2`` its BN, and a trailing
1 x 1 conv the classifier; in mmcorr each triple is an mmcv ``ConvModule``
(``conv``, ``bn``). The PyTorch branch saves bare state dicts
(``torch.save(model.state_dict())``); its AdaIN's ``affine_bias`` is
``affine_shift`` here; the proposal loss's adaptive threshold, which
the official trainer never saves, is set to its initial 0.35. Its
checkpoints need
``legacy_shift_plus_one=True`` on the instance head (the port's AdaIN).
"""
import re
from collections import OrderedDict
from typing import List, Mapping, Tuple

import torch

from .common import rename_keys, unwrap_state_dict

__all__ = ['convert_adaptis_toy']

#: ``AdaptISProposalsLossIoU``'s initial mask threshold.
OFFICIAL_INIT_THRESHOLD = 0.35


_UNET = [
    (r'^backbone\.image_bn\.', 'backbone.image_bn.'),
    (r'^backbone\.encoder\.(\d+)\.1\.down_block\.(\d)\.conv_block\.0\.',
     r'backbone.encoder.\1.\2.conv.'),
    (r'^backbone\.encoder\.(\d+)\.1\.down_block\.(\d)\.conv_block\.2\.',
     r'backbone.encoder.\1.\2.bn.'),
    (r'^backbone\.decoder\.(\d+)\.upsampler\.0\.',
     r'backbone.decoder.\1.upsampler.deconv.'),
    (r'^backbone\.decoder\.(\d+)\.conv3_0\.conv_block\.0\.',
     r'backbone.decoder.\1.fuse.conv.'),
    (r'^backbone\.decoder\.(\d+)\.conv3_0\.conv_block\.2\.',
     r'backbone.decoder.\1.fuse.bn.'),
    (r'^backbone\.decoder\.(\d+)\.conv3_1\.conv_block\.0\.',
     r'backbone.decoder.\1.refine.conv.'),
    (r'^backbone\.decoder\.(\d+)\.conv3_1\.conv_block\.2\.',
     r'backbone.decoder.\1.refine.bn.'),
    (r'^backbone\.final_block\.down_block\.(\d)\.conv_block\.0\.',
     r'backbone.final.\1.conv.'),
    (r'^backbone\.final_block\.down_block\.(\d)\.conv_block\.2\.',
     r'backbone.final.\1.bn.'),
]

_HEAD = [
    (r'^adaptis_head\.adain\.affine_scale\.',
     'instance_head.adain.affine_scale.'),
    (r'^adaptis_head\.adain\.affine_bias\.',
     'instance_head.adain.affine_shift.'),
    (r'^adaptis_head\.block1\.0\.', 'instance_head.post_adain.conv.'),
    (r'^adaptis_head\.block1\.2\.', 'instance_head.post_adain.bn.'),
    (r'^adaptis_head\.block1\.3\.', 'instance_head.logit.'),
]

_STACKS = [
    # (official prefix, mmcorr prefix): conv stacks without a classifier
    ('adaptis_head.controller.controller', 'instance_head.controller.layers'),
    ('adaptis_head.block0', 'instance_head.pre_adain'),
]


def _stack_rules(state_dict: Mapping) -> List[Tuple[str, object]]:
    """Rules for the conv stacks; a head's last conv index is its
    classifier (found from the keys, so any depth converts)."""
    rules = []
    for official, ours in _STACKS:
        rules.append((rf'^{re.escape(official)}\.(?P<i>\d+)\.(?P<rest>.+)$',
                      _stack_renamer(ours, None, None)))
    for official, ours in (('segmentation_head.convhead', 'semantic_head'),
                           ('proposals_head.convhead', 'proposal_head')):
        pattern = rf'^{re.escape(official)}\.(?P<i>\d+)\.(?P<rest>.+)$'
        indices = [int(m.group('i')) for m in
                   (re.match(pattern, k) for k in state_dict) if m]
        last = max(indices) if indices else None
        rules.append((pattern, _stack_renamer(f'{ours}.convs', f'{ours}.cls',
                                              last)))
    return rules


def _stack_renamer(prefix: str, classifier: str, last: int):

    def rename(match: re.Match) -> str:
        index, rest = int(match.group('i')), match.group('rest')
        if index == last:
            return f'{classifier}.{rest}'
        if index % 3 == 1:
            raise KeyError(f'{match.string}: a parameter at a ReLU index')
        layer = 'conv' if index % 3 == 0 else 'bn'
        return f'{prefix}.{index // 3}.{layer}.{rest}'

    return rename


def convert_adaptis_toy(checkpoint: Mapping
                        ) -> Tuple['OrderedDict', List[str]]:
    """Official toy checkpoint (``get_unet_model``) -> ``AdaptISSegmentor``
    keys (``AdaptISToyUNet``, ``AdaptISInstanceHead`` with a
    ``ConvMapController``, ``ConvStackHead`` semantic and proposal heads).

    Returns:
        tuple: The converted state dict and the official keys left unused.
    """
    state_dict = unwrap_state_dict(checkpoint)
    converted, unused = rename_keys(state_dict,
                                    _UNET + _HEAD + _stack_rules(state_dict))
    # the official trainer keeps the proposal loss's adaptive threshold in
    # a metric object, never saved: it restarts from its initial value
    converted['loss_proposal.threshold'] = torch.tensor(
        OFFICIAL_INIT_THRESHOLD, dtype=torch.float64)
    return converted, unused
