# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSegHead, the whole AlignSeg model (loss, backward, predict) and its
recipe config."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from paths import REPO

from mmcorr.utils import replace_sync_bn
from mmcorr.models.decode_heads import AlignSegHead
from mmcorr.registry import MODELS

MODEL_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                        'alignseg_r101.py')
RECIPE = osp.join(REPO, 'configs', 'alignseg',
                  'alignseg_r101_2xb4-120k_cityscapes-872x872.py')


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
    # lr_poly(i, 120000): PolyLR decays over end - 1 iterations
    assert cfg.param_scheduler[0].end - 1 == cfg.train_cfg.max_iters == 120000
