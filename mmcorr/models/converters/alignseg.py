# Copyright (c) mmcorr contributors. All rights reserved.
"""speedinghzl/AlignSeg ``Seg_Model`` state dict -> mmcorr ``EncoderDecoder``.

Target: ``configs/_base_/models/alignseg_r101.py`` (``ResNetV1cCeilPool``,
``AlignSegNeck``, ``AlignSegHead`` x2). Every official parameter and buffer
is mapped by :func:`official_module_map`, one table from official module
names to mmcorr module names; the attribute (``weight``, ``running_var``...)
is kept. The same table maps the MIT ImageNet ``resnet101-imagenet.pth`` that
AlignSeg starts from (its ``fc.*`` is reported unused).

Two inplace_abn details (every official norm is an ``InPlaceABNSync``):

- Its scale is ``|weight| + eps`` (``eps = 1e-5``), not ``weight``: the
  library forces it positive so that the in-place backward can invert it
  (``inplace_abn/functions.py`` and ``src/inplace_abn_cpu.cpp``, mapillary
  v1.x). With ``abn_scale=True`` (default) every norm weight is converted to
  that effective scale, so mmcorr's BN computes what the official model
  computes. Use ``abn_scale=False`` for checkpoints whose norms were plain BN:
  the MIT ImageNet backbone as trained, or a re-run of the official code with
  ``InPlaceABNSync`` replaced by BN + LeakyReLU (the ``alignseg_r101`` parity
  fixture).
- Older releases store no ``num_batches_tracked``; every mapped norm without
  one gets ``tensor(0)`` (it only matters for BN with ``momentum=None``), and
  the report lists them.
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from .common import unwrap_state_dict

__all__ = [
    'ABN_EPS', 'ConversionReport', 'official_module_map', 'convert_alignseg',
    'unwrap_state_dict'
]

#: inplace_abn's default ``eps`` (every AlignSeg norm uses it).
ABN_EPS = 1e-5
#: Bottlenecks per stage of the official ResNet-101.
STAGE_BLOCKS = (3, 4, 23, 3)

# Official RRB / CAB / CAM / head names -> mmcorr module prefixes.
_RRBS = {
    'RRB1a': 'neck.lateral_rrbs.0',
    'RRB2a': 'neck.lateral_rrbs.1',
    'RRB3a': 'neck.lateral_rrbs.2',
    'RRB4a': 'neck.lateral_rrbs.3',
    'RRB5a': 'neck.context_rrb',
    'RRB2b': 'neck.output_rrbs.0',
    'RRB3b': 'neck.output_rrbs.1',
    'RRB4b': 'neck.output_rrbs.2',
    'RRB5b': 'neck.output_rrbs.3',
}
_CABS = {f'CAB{k}': f'neck.aggregations.{k - 2}' for k in (2, 3, 4, 5)}
_HEADS = {'head': 'decode_head', 'dsn': 'auxiliary_head'}

# Submodules inside each official block (nn.Sequential indices).
_RRB_PARTS = {
    'unify': 'unify.conv',
    'residual.0': 'conv1.conv',
    'residual.1': 'conv1.bn',
    'residual.2': 'conv2.conv',
    'norm': 'norm',
}
_OFFSET_PARTS = {'0': '0.conv', '1': '0.bn', '2': '1.conv'}
_CAB_PARTS = {
    f'{official}.{index}': f'{ours}.{part}'
    for official, ours in (('delta_gen1', 'high_offset'), ('delta_gen2',
                                                           'low_offset'))
    for index, part in _OFFSET_PARTS.items()
}
_CAM_PARTS = {
    # pool.0 is the AdaptiveAvgPool2d (no parameters)
    'pool.1': 'context.0.conv',
    'pool.2': 'context.0.bn',
    'pool.3': 'context.1.conv',
    'pool.4': 'context.1.bn',
    'adapt.0': 'adapt.0.conv',
    'adapt.1': 'adapt.0.bn',
    'adapt.2': 'adapt.1.conv',
    'adapt.3': 'adapt.1.bn',
    **{
        f'delta_gen.{i}': f'offset.{p}'
        for i, p in _OFFSET_PARTS.items()
    },
}
# index 2 is the Dropout2d
_HEAD_PARTS = {'0': 'conv_block.conv', '1': 'conv_block.bn', '3': 'conv_seg'}
# the deep stem: conv1/bn1/relu1, conv2/bn2/relu2, conv3/bn3/relu3
_STEM = {
    'conv1': 'backbone.stem.0',
    'bn1': 'backbone.stem.1',
    'conv2': 'backbone.stem.3',
    'bn2': 'backbone.stem.4',
    'conv3': 'backbone.stem.6',
    'bn3': 'backbone.stem.7',
}


def _backbone_map(stage_blocks) -> Dict[str, str]:
    table = dict(_STEM)
    for stage, blocks in enumerate(stage_blocks, start=1):
        for block in range(blocks):
            src = f'layer{stage}.{block}'
            dst = f'backbone.layer{stage}.{block}'
            for i in (1, 2, 3):
                table[f'{src}.conv{i}'] = f'{dst}.conv{i}'
                table[f'{src}.bn{i}'] = f'{dst}.bn{i}'
            if block == 0:  # 1x1 strided conv + BN projection
                table[f'{src}.downsample.0'] = f'{dst}.downsample.0'
                table[f'{src}.downsample.1'] = f'{dst}.downsample.1'
    return table


def _nested(blocks: Dict[str, str], parts: Dict[str, str]) -> Dict[str, str]:
    return {
        f'{src}.{part_src}': f'{dst}.{part_dst}'
        for src, dst in blocks.items()
        for part_src, part_dst in parts.items()
    }


def official_module_map(stage_blocks=STAGE_BLOCKS) -> Dict[str, str]:
    """Official module name -> mmcorr module name, for every module with
    parameters or buffers in ``Seg_Model`` (e.g. ``'RRB2b.residual.1'`` ->
    ``'neck.output_rrbs.0.conv1.bn'``)."""
    table = _backbone_map(stage_blocks)
    table.update(_nested(_RRBS, _RRB_PARTS))
    table.update(_nested(_CABS, _CAB_PARTS))
    table.update(_nested({'CAM': 'neck.context'}, _CAM_PARTS))
    table.update(_nested(_HEADS, _HEAD_PARTS))
    return table


@dataclass
class ConversionReport:
    """What :func:`convert_alignseg` did not map one-to-one.

    Attributes:
        unused: official keys with no mmcorr counterpart, or (when
            ``expected`` is given) whose mmcorr name the model lacks; they
            are left out of the converted state dict.
        missing: expected mmcorr keys that nothing filled (only when
            ``expected`` was given).
        shape_mismatch: ``(mmcorr key, converted shape, expected shape)``.
        filled_num_batches_tracked: mmcorr keys set to ``tensor(0)``.
        abn_scaled: norm weights replaced by ``|weight| + eps``.
        abn_negative: those of them with negative entries (their sign
            flipped; the official model ignored it too).
    """
    unused: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    shape_mismatch: List[Tuple[str, tuple,
                               tuple]] = field(default_factory=list)
    filled_num_batches_tracked: List[str] = field(default_factory=list)
    abn_scaled: List[str] = field(default_factory=list)
    abn_negative: List[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every key was used and every expected key filled."""
        return not (self.unused or self.missing or self.shape_mismatch)

    def lines(self) -> List[str]:
        """Human-readable summary, one line per problem."""
        out = [
            f'filled {len(self.filled_num_batches_tracked)} '
            'num_batches_tracked buffers with 0 (absent from the source)',
            f'replaced {len(self.abn_scaled)} norm weights by inplace_abn\'s '
            f'scale |weight| + eps ({len(self.abn_negative)} had negative '
            'entries)'
        ]
        out += [f'unused official key: {k}' for k in self.unused]
        out += [f'unfilled mmcorr key: {k}' for k in self.missing]
        out += [
            f'shape mismatch: {k} converted {a}, expected {b}'
            for k, a, b in self.shape_mismatch
        ]
        return out


def convert_alignseg(
    state_dict: Mapping[str, torch.Tensor],
    expected: Optional[Mapping[str, tuple]] = None,
    abn_scale: bool = True,
    abn_eps: float = ABN_EPS
) -> Tuple['OrderedDict[str, torch.Tensor]', ConversionReport]:
    """Rename an official AlignSeg state dict to mmcorr's keys.

    Args:
        state_dict: Official keys (``'RRB1a.unify.weight'``...), already
            unwrapped (:func:`unwrap_state_dict`).
        expected: mmcorr key -> shape of the target model's state dict; when
            given, unfilled keys and shape mismatches are reported.
        abn_scale: Replace every norm weight by inplace_abn's effective
            scale ``|weight| + abn_eps`` (module docstring).
        abn_eps: inplace_abn's ``eps`` (its default, used by AlignSeg).

    Returns:
        The converted state dict and a :class:`ConversionReport`.
    """
    table = official_module_map()
    converted = OrderedDict()
    report = ConversionReport()
    for key, value in state_dict.items():
        module, _, attr = key.rpartition('.')
        new_key = f'{table[module]}.{attr}' if module in table else None
        if new_key is None or (expected is not None
                               and new_key not in expected):
            report.unused.append(key)
            continue
        if abn_scale and _is_norm_weight(state_dict, module, attr):
            value = _abn_effective_scale(value, abn_eps, new_key, report)
        converted[new_key] = value
    _fill_num_batches_tracked(converted, expected, report)
    if expected is not None:
        report.missing = [k for k in expected if k not in converted]
        report.shape_mismatch = [(k, tuple(v.shape), tuple(expected[k]))
                                 for k, v in converted.items()
                                 if tuple(v.shape) != tuple(expected[k])]
    return converted, report


def _is_norm_weight(state_dict, module: str, attr: str) -> bool:
    return attr == 'weight' and f'{module}.running_var' in state_dict


def _abn_effective_scale(weight, eps, new_key, report):
    report.abn_scaled.append(new_key)
    if bool((weight < 0).any()):
        report.abn_negative.append(new_key)
    return weight.abs() + eps


def _fill_num_batches_tracked(converted, expected, report) -> None:
    """Add ``tensor(0)`` counters next to every norm's ``running_mean``."""
    for key in list(converted):
        if not key.endswith('.running_mean'):
            continue
        counter = key[:-len('running_mean')] + 'num_batches_tracked'
        if counter in converted or (expected is not None
                                    and counter not in expected):
            continue
        converted[counter] = torch.tensor(0, dtype=torch.long)
        report.filled_num_batches_tracked.append(counter)
