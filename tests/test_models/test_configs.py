# Copyright (c) mmcorr contributors. All rights reserved.
"""Every shipped config builds, runs forward + backward at tiny size on CPU,
and one config of each method trains through tools/train.py."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmcorr.compat import replace_sync_bn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ALL_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
#: segmentation configs; the correspondence ones are tested in
#: test_semantic_flow_matcher.py
CONFIGS = [c for c in ALL_CONFIGS if '/sfnet_corr/' not in c]


def tiny_batch(num_classes, size=(64, 64), batch=2):
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (3, *size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    samples = []
    for _ in range(batch):
        sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size,
                                             pad_shape=size))
        label = torch.randint(0, num_classes, (1, *size), generator=gen)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_for_cpu(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    replace_sync_bn(cfg.model)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = (64, 64)
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    return model


@pytest.mark.parametrize('config', CONFIGS)
def test_config_forward_backward(config):
    model = build_for_cpu(config)
    num_classes = model.decode_head.num_classes
    data = model.data_preprocessor(tiny_batch(num_classes), True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads), 'a parameter got no gradient'
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(tiny_batch(num_classes, batch=1))
        pred = model(**data, mode='predict')
    assert pred[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_every_method_has_configs():
    folders = {c.split('/')[1] for c in ALL_CONFIGS}
    assert {'fpn', 'sfsegnet', 'alignseg', 'plugins', 'sfnet_corr'} <= folders


@pytest.mark.parametrize('config', [
    'configs/sfsegnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/sfsegnet/sfnet-lite_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/alignseg/alignseg_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/plugins/fpn_r18-w32-aligned-fpn_1xb8-2k_shape-scenes-128x128.py',
])
def test_method_trains_through_tools(config, tiny_config, run_tool,
                                     shape_scenes_root, tmp_path):
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', tiny_config(config), '--work-dir', work,
              '--cfg-options', 'train_cfg.max_iters=2',
              'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2'
              ] + [f'{loader}.dataset.data_root={shape_scenes_root}'
                   for loader in ('train_dataloader', 'val_dataloader')])
    assert osp.isfile(osp.join(work, 'iter_2.pth'))


def test_sfnet_deep_supervision_heads_train_only():
    from mmcorr.registry import MODELS
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/sfsegnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py'))
    replace_sync_bn(cfg.model)
    cfg.model.data_preprocessor.size = (64, 64)
    cfg.model.decode_head.dsn_head = dict(
        type='FCNHead', num_convs=1, concat_input=False, dropout_ratio=0.1,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    model = MODELS.build(cfg.model)
    assert len(model.decode_head.dsn_heads) == 3
    data = model.data_preprocessor(tiny_batch(8), True)
    losses = model(**data, mode='loss')
    assert {f'decode.dsn{i}.loss_ce' for i in range(3)} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.dsn_heads[0].conv_seg.weight.grad is not None
    model.eval()
    with torch.no_grad():  # inference never runs the deep-supervision heads
        calls = []
        handle = model.decode_head.dsn_heads[0].register_forward_hook(
            lambda *args: calls.append(1))
        model(**model.data_preprocessor(tiny_batch(8, batch=1)),
              mode='predict')
        handle.remove()
    assert not calls
