# Copyright (c) mmcorr contributors. All rights reserved.
"""The AlignSeg converter: key mapping, inplace_abn scales, its report and
tools/model_converters/alignseg2mmcorr.py."""
import torch
from alignseg_fixtures import randn
from converter_tools import load_tool

from mmcorr.checkpoint_io import load_checkpoint_file
from mmcorr.models.converters.alignseg import (ABN_EPS, convert_alignseg,
                                               official_module_map,
                                               unwrap_state_dict)


def head_state(prefix='head'):
    """A tiny official-named state dict: the main head only."""
    state = {
        f'{prefix}.0.weight': randn(256, 256, 3, 3),
        f'{prefix}.0.bias': randn(256),
        f'{prefix}.1.weight': randn(256),
        f'{prefix}.1.bias': randn(256),
        f'{prefix}.1.running_mean': randn(256),
        f'{prefix}.1.running_var': randn(256).abs(),
        f'{prefix}.3.weight': randn(19, 256, 1, 1),
        f'{prefix}.3.bias': randn(19),
    }
    return state


def test_converter_reports_unused_and_missing():
    state = head_state()
    state['head.9.weight'] = randn(3)  # not in the official model
    del state['head.3.bias']  # left out of the checkpoint
    expected = {
        'decode_head.conv_block.conv.weight': (256, 256, 3, 3),
        'decode_head.conv_block.conv.bias': (256, ),
        'decode_head.conv_block.bn.weight': (256, ),
        'decode_head.conv_block.bn.bias': (256, ),
        'decode_head.conv_block.bn.running_mean': (256, ),
        'decode_head.conv_block.bn.running_var': (256, ),
        'decode_head.conv_block.bn.num_batches_tracked': (),
        'decode_head.conv_seg.weight': (19, 256, 1, 1),
        'decode_head.conv_seg.bias': (19, ),
    }
    converted, report = convert_alignseg(state, expected)
    assert report.unused == ['head.9.weight']
    assert report.missing == ['decode_head.conv_seg.bias']
    assert report.filled_num_batches_tracked == [
        'decode_head.conv_block.bn.num_batches_tracked'
    ]
    assert not report.complete
    assert any('head.9.weight' in line for line in report.lines())
    assert 'decode_head.conv_seg.bias' not in converted


def test_converter_inplace_abn_scale():
    state = head_state('dsn')
    state['dsn.1.weight'][:3] = torch.tensor([-0.5, 0.0, 2.0])
    converted, report = convert_alignseg(state)
    scale = converted['auxiliary_head.conv_block.bn.weight']
    torch.testing.assert_close(
        scale[:3],
        torch.tensor([0.5, 0.0, 2.0]).double() + ABN_EPS)
    assert report.abn_scaled == report.abn_negative == [
        'auxiliary_head.conv_block.bn.weight'
    ]
    plain, _ = convert_alignseg(state, abn_scale=False)
    assert plain['auxiliary_head.conv_block.bn.weight'][0] == -0.5
    # conv weights and biases are never rescaled
    assert torch.equal(converted['auxiliary_head.conv_block.conv.bias'],
                       state['dsn.0.bias'])


def test_unwrap_and_module_map():
    wrapped = {'state_dict': {'module.head.3.bias': torch.zeros(19)}}
    assert list(unwrap_state_dict(wrapped)) == ['head.3.bias']
    table = official_module_map()
    assert table['layer3.22.bn3'] == 'backbone.layer3.22.bn3'
    assert table[
        'CAB2.delta_gen1.2'] == 'neck.aggregations.0.high_offset.1.conv'
    assert table['CAM.pool.4'] == 'neck.context.context.1.bn'
    assert table['RRB5a.residual.1'] == 'neck.context_rrb.conv1.bn'
    assert len(set(table.values())) == len(table)  # one-to-one


def test_converter_tool(tmp_path, capsys):
    tool = load_tool('alignseg2mmcorr')
    src, dst = tmp_path / 'official.pth', tmp_path / 'mmcorr.pth'
    state = head_state()
    state['fc.weight'] = randn(2, 2)
    torch.save({'state_dict': {
        f'module.{k}': v
        for k, v in state.items()
    }}, src)
    assert tool.main([str(src), str(dst)]) == 0
    printed = capsys.readouterr().out
    assert 'unused official key: fc.weight' in printed
    assert 'unfilled mmcorr key: backbone.stem.0.weight' in printed
    saved = load_checkpoint_file(str(dst))
    assert saved['meta']['unused_official_keys'] == ['fc.weight']
    assert 'decode_head.conv_seg.weight' in saved['state_dict']
    # 719 official tensors + 139 counters, minus the 8 + 1 head ones given
    assert len(saved['meta']['unfilled_mmcorr_keys']) == 719 + 139 - 9
