# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg blocks, backbone, neck, head, converter and configs."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.models.backbones import ResNetV1c
from mmseg.structures import SegDataSample

from mmcorr.compat import load_checkpoint_file, replace_sync_bn
from mmcorr.models.backbones import ResNetV1cCeilPool
from mmcorr.models.converters.alignseg import (ABN_EPS, convert_alignseg,
                                               official_module_map,
                                               unwrap_state_dict)
from mmcorr.models.decode_heads import AlignSegHead
from mmcorr.models.layers import (AlignedContextModule,
                                  AlignedFeatureAggregation,
                                  ResidualRefinementBlock)
from mmcorr.models.necks import AlignSegNeck
from mmcorr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                        'alignseg_r101.py')
RECIPE = osp.join(REPO, 'configs', 'alignseg',
                  'alignseg_r101_2xb4-120k_cityscapes-872x872.py')
CONVERTER = osp.join(REPO, 'tools', 'model_converters', 'alignseg2mmcorr.py')


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# ----------------------------------------------------------------- blocks
@pytest.mark.parametrize('align_corners', [True, False])
def test_cab_starts_as_upsample_plus_low(align_corners):
    """Zero offsets + 'pixel': exactly low + bilinear(high)."""
    cab = AlignedFeatureAggregation(
        8,
        grid_convention='pixel',
        align_corners=align_corners,
        init_cfg=dict(type='Normal', layer='Conv2d', std=1.0)).double()
    cab.init_weights()  # re-randomises every conv, then zeroes the offsets
    assert cab.high_offset[0].conv.weight.abs().sum() > 0
    cab.eval()
    low, high = randn(2, 8, 11, 13), randn(2, 8, 6, 7)
    expected = low + F.interpolate(
        high, size=(11, 13), mode='bilinear', align_corners=align_corners)
    torch.testing.assert_close(cab(low, high), expected, rtol=0, atol=1e-12)


def test_cab_legacy_convention_is_not_identity_at_zero_offset():
    cab = AlignedFeatureAggregation(
        4, grid_convention='alignseg_legacy').double().eval()
    low = randn(1, 4, 9, 9)
    diff = cab(low, torch.zeros(1, 4, 5, 5, dtype=torch.float64)) - low
    assert diff.abs().max() > 1e-2  # the official half-pixel stretch


def test_cab_errors():
    cab = AlignedFeatureAggregation(8)
    with pytest.raises(ValueError, match='high feature must have 8 channels'):
        cab(torch.zeros(1, 8, 8, 8), torch.zeros(1, 4, 4, 4))
    with pytest.raises(ValueError, match='batch sizes differ'):
        cab(torch.zeros(2, 8, 8, 8), torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match=r'\[B, C, H, W\]'):
        cab(torch.zeros(8, 8, 8), torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match='grid_convention'):
        AlignedFeatureAggregation(8, grid_convention='sfnet_legacy')


def test_cam_starts_as_upsampled_context_plus_adapt():
    cam = AlignedContextModule(16, 8, grid_convention='pixel').double().eval()
    x = randn(2, 16, 7, 10)
    context = cam.context(cam.pool(x))
    assert context.shape == (2, 8, 3, 3)
    expected = F.interpolate(
        context, size=(7, 10), mode='bilinear',
        align_corners=True) + cam.adapt(x)
    torch.testing.assert_close(cam(x), expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match='16 channels'):
        cam(randn(2, 8, 7, 10))


def test_rrb_shape_and_errors():
    rrb = ResidualRefinementBlock(12, 16)
    assert rrb(torch.randn(2, 12, 5, 6)).shape == (2, 16, 5, 6)
    with pytest.raises(ValueError, match='RRB input must have 12 channels'):
        rrb(torch.randn(2, 16, 5, 6))
    with pytest.raises(ValueError, match='divisible'):
        ResidualRefinementBlock(12, 18)


# ------------------------------------------------------- backbone / neck
def small_backbones():
    kwargs = dict(depth=18, stem_channels=16, base_channels=8)
    ceil, floor = ResNetV1cCeilPool(**kwargs), ResNetV1c(**kwargs)
    floor.load_state_dict(ceil.state_dict(), strict=True)  # same keys
    ceil.eval()  # (mmseg's ResNet.train returns None: no chaining)
    floor.eval()
    return ceil, floor


def test_ceil_pool_backbone():
    ceil, floor = small_backbones()
    assert ceil.maxpool.ceil_mode and not floor.maxpool.ceil_mode
    with torch.no_grad():
        # even stem output (64): the ceil-mode pool adds a row and a column
        assert ceil(torch.randn(1, 3, 128, 128))[0].shape[2:] == (33, 33)
        assert floor(torch.randn(1, 3, 128, 128))[0].shape[2:] == (32, 32)
        # odd stem output (49 x 65): both round the same way, same numbers
        x = torch.randn(1, 3, 97, 129)
        for a, b in zip(ceil(x), floor(x)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_neck_shapes_and_errors():
    neck = AlignSegNeck(in_channels=(8, 16, 32, 64), channels=16).eval()
    sizes = [(17, 21), (9, 11), (5, 6), (3, 3)]
    feats = [torch.randn(2, c, *s) for c, s in zip((8, 16, 32, 64), sizes)]
    with torch.no_grad():
        d3, d5 = neck(feats)
    assert d3.shape == d5.shape == (2, 16, 17, 21)
    with pytest.raises(ValueError, match='expects 4 backbone maps'):
        neck(feats[:3])
    with pytest.raises(ValueError, match='64 channels'):
        neck(feats[:3] + [torch.randn(2, 32, 3, 3)])
    with pytest.raises(ValueError, match='four backbone levels'):
        AlignSegNeck(in_channels=(8, 16, 32))


def test_neck_init_weights_keeps_offsets_zero():
    neck = AlignSegNeck(
        in_channels=(8, 16, 32, 64),
        channels=16,
        init_cfg=dict(type='Normal', layer='Conv2d', std=1.0))
    neck.init_weights()
    branches = [neck.context.offset] + [
        branch for cab in neck.aggregations
        for branch in (cab.high_offset, cab.low_offset)
    ]
    for branch in branches:
        assert branch[0].conv.weight.abs().sum() > 0  # re-initialised
        assert branch[1].conv.weight.abs().sum() == 0  # zero offsets


def test_head_shape_and_errors():
    head = AlignSegHead(
        in_channels=16, channels=8, num_classes=5, in_index=1).eval()
    assert head([torch.randn(1, 4, 9, 9),
                 torch.randn(1, 16, 9, 9)]).shape == (1, 5, 9, 9)
    with pytest.raises(ValueError, match='16 channels'):
        head([torch.randn(1, 4, 9, 9), torch.randn(1, 4, 9, 9)])
    with pytest.raises(ValueError, match='input_transform'):
        AlignSegHead(
            in_channels=[16, 16],
            channels=8,
            num_classes=5,
            in_index=[0, 1],
            input_transform='resize_concat')


# ------------------------------------------------------------ full model
def build_cpu_model(**neck):
    cfg = Config.fromfile(MODEL_CONFIG)
    replace_sync_bn(cfg.model)
    cfg.model.neck.update(neck)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('convention', ['pixel', 'alignseg_legacy'])
def test_model_loss_backward_and_predict(convention):
    model = build_cpu_model(grid_convention=convention)
    model.init_weights()
    model.train()
    inputs = torch.randn(2, 3, 64, 64)
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, 64, 64)))
        sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64)))
        samples.append(sample)
    losses = model.loss(inputs, samples)
    assert set(losses) >= {'decode.loss_ce', 'aux.loss_ce'}
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    cab = model.neck.aggregations[0]
    # zero-initialised offsets still receive gradient through the warp
    assert cab.high_offset[1].conv.weight.abs().sum() == 0
    assert cab.high_offset[1].conv.weight.grad.abs().sum() > 0
    assert model.neck.context.offset[1].conv.weight.grad.abs().sum() > 0
    assert all(
        torch.isfinite(p.grad).all() for p in model.parameters()
        if p.grad is not None)
    model.eval()
    with torch.no_grad():
        pred = model.predict(inputs[:1], samples[:1])
    assert pred[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_recipe_config():
    cfg = Config.fromfile(RECIPE)
    assert cfg.model.neck.grid_convention == 'alignseg_legacy'
    assert cfg.model.neck.align_corners is True
    assert cfg.model.backbone.type == 'ResNetV1cCeilPool'
    assert cfg.model.test_cfg == dict(
        mode='slide', crop_size=(872, 872), stride=(582, 582))
    assert cfg.model.data_preprocessor.std == [1.0, 1.0, 1.0]
    assert cfg.model.data_preprocessor.bgr_to_rgb is False
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.model.auxiliary_head.loss_decode.loss_weight == 0.1
    assert cfg.model.decode_head.loss_decode.avg_non_ignore  # torch CE mean
    resize = cfg.train_dataloader.dataset.pipeline[2]
    assert resize.scales[0] == (1434, 717) and len(resize.scales) == 15
    assert cfg.param_scheduler[0].end == cfg.train_cfg.max_iters == 120000


# -------------------------------------------------------------- converter
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
    spec = importlib.util.spec_from_file_location('alignseg2mmcorr', CONVERTER)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
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
