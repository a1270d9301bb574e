# Copyright (c) mmcorr contributors. All rights reserved.
"""Strict weight loading and finding the checkpoint to resume from."""
import json
import os.path as osp

import pytest
import torch
from torch import nn

from mmcorr.engine import (CheckpointMismatchError, compare_state_dicts,
                           find_resume_checkpoint, load_model_checkpoint)


class Net(nn.Module):

    def __init__(self, width=4):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.bn = nn.BatchNorm2d(width)


def save(path, state_dict, **extra):
    torch.save(dict(state_dict=state_dict, **extra), path)
    return str(path)


def test_compare_state_dicts_finds_every_kind_of_difference():
    model = Net().state_dict()
    ckpt = dict(model)
    del ckpt['conv.bias']
    del ckpt['bn.num_batches_tracked']  # never reported (as in mmengine)
    ckpt['bn.weight'] = torch.ones(5)
    ckpt['head.weight'] = torch.ones(1)
    ckpt['bn.bias'] = 'not a tensor'
    mismatch = compare_state_dicts(model, ckpt)
    assert mismatch.missing == ['conv.bias']
    assert mismatch.unexpected == ['head.weight']
    assert mismatch.mis_shaped == [('bn.weight', (5, ), (4, )),
                                   ('bn.bias', (), (4, ))]
    assert not compare_state_dicts(model, dict(model))


def test_strict_loading_refuses_another_model(tmp_path):
    path = save(tmp_path / 'other.pth', Net(width=6).state_dict())
    model = Net()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as info:
        load_model_checkpoint(model, path)
    message = str(info.value)
    assert path in message and 'Net' in message
    assert 'conv.weight (checkpoint (6, 3, 3, 3), model (4, 3, 3, 3))' in \
        message
    assert '--non-strict' in message
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), 'nothing may load'


def test_non_strict_loading_loads_what_fits(tmp_path):
    source = Net()
    state = {k: v + 1 for k, v in source.state_dict().items()}
    state['bn.weight'] = torch.ones(9)
    state['extra'] = torch.zeros(1)
    path = save(tmp_path / 'partial.pth', state)
    model = Net()
    old_bn = model.bn.weight.detach().clone()
    ckpt = load_model_checkpoint(model, path, strict=False)
    assert torch.equal(model.conv.weight, state['conv.weight'])
    assert torch.equal(model.bn.weight, old_bn)
    assert 'state_dict' in ckpt


def test_ddp_prefix_and_bare_state_dicts_load(tmp_path):
    source = Net()
    prefixed = {f'module.{k}': v for k, v in source.state_dict().items()}
    for payload in (prefixed, source.state_dict()):
        path = str(tmp_path / 'bare.pth')
        torch.save(payload, path)
        model = Net()
        load_model_checkpoint(model, path)
        assert torch.equal(model.conv.weight, source.conv.weight)


def write_checkpoint(work_dir, name, data=None):
    path = osp.join(work_dir, name)
    if data is None:
        torch.save({'state_dict': {}}, path)
    else:
        with open(path, 'wb') as f:
            f.write(data)
    return path


def test_find_resume_checkpoint(tmp_path):
    work = str(tmp_path)
    assert find_resume_checkpoint(str(tmp_path / 'missing')) is None
    assert find_resume_checkpoint(work) is None
    older = write_checkpoint(work, 'iter_2.pth')
    newer = write_checkpoint(work, 'iter_10.pth')
    write_checkpoint(work, 'best_mIoU_iter_12.pth')  # never resumed from
    record = tmp_path / 'last_checkpoint'
    assert find_resume_checkpoint(work) == newer  # no record: newest
    record.write_text('')
    assert find_resume_checkpoint(work) == newer  # empty record
    record.write_text(older)
    assert find_resume_checkpoint(work) == older  # the record wins
    record.write_text(str(tmp_path / 'iter_99.pth'))
    assert find_resume_checkpoint(work) == newer  # names a missing file
    good = open(newer, 'rb').read()
    write_checkpoint(work, 'iter_10.pth', good[:len(good) // 2])
    record.write_text(newer)
    assert find_resume_checkpoint(work) == older  # truncated
    write_checkpoint(work, 'iter_2.pth', b'')
    assert find_resume_checkpoint(work) is None  # nothing intact


# ------------------------------------------------------------ the tools
def test_test_tool_is_strict_unless_told(run_tool, tiny_fpn_config,
                                         shape_scenes_root, tmp_path):
    from mmengine.config import Config

    from mmcorr.registry import MODELS
    model = MODELS.build(Config.fromfile(tiny_fpn_config).model)
    state = model.state_dict()
    state['decode_head.conv_seg.weight'] = torch.zeros(3, 32, 1, 1)
    state['neck.lateral_convs.9.conv.weight'] = torch.zeros(1)
    del state['backbone.stem.0.weight']
    path = save(tmp_path / 'mismatched.pth', state)
    metrics = str(tmp_path / 'metrics.json')
    args = ['tools/test.py', tiny_fpn_config, path, '--work-dir',
            str(tmp_path / 'work'), '--metrics-file', metrics,
            '--cfg-options',
            f'test_dataloader.dataset.data_root={shape_scenes_root}']
    proc = run_tool(args, check=False)
    assert proc.returncode != 0
    assert 'CheckpointMismatchError' in proc.stderr
    for text in ('backbone.stem.0.weight', 'neck.lateral_convs.9.conv',
                 'decode_head.conv_seg.weight (checkpoint (3, 32, 1, 1)'):
        assert text in proc.stderr, text
    assert not osp.exists(metrics)
    proc = run_tool([*args, '--non-strict'])
    assert 'loaded' in proc.stdout + proc.stderr and 'non-strictly' in \
        proc.stdout + proc.stderr
    with open(metrics) as f:
        assert 'mIoU' in json.load(f)


def test_tta_model_is_unwrapped(tmp_path):
    """tools/test.py --tta wraps the model in a BaseTTAModel."""
    from mmengine.model import BaseTTAModel

    class TTA(BaseTTAModel):

        def merge_preds(self, data_samples_list):
            return data_samples_list[0]

    class Testable(Net):

        def test_step(self, data):
            return data

    source = Testable()
    path = save(tmp_path / 'net.pth', source.state_dict())
    model = TTA(module=Testable())
    load_model_checkpoint(model, path)
    assert torch.equal(model.module.conv.weight, source.conv.weight)
