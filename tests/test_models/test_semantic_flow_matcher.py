# Copyright (c) mmcorr contributors. All rights reserved.
"""SemanticFlowMatcher end to end: configs, loss/predict, tools/test.py."""
import csv
import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData

from mmcorr.registry import MODELS
from mmcorr.structures import PairDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', 'semantic_flow_matcher', '*.py')))
#: a ResNet-18 trunk keeps the tests small; the matcher is the same
SMALL = dict(backbone=dict(depth=18, init_cfg=None),
             adaptation_channels=(256, 512))


def build(config, **overrides):
    cfg = Config.fromfile(osp.join(REPO, config))
    model_cfg = Config(dict(model=cfg.model))
    model_cfg.merge_from_dict({f'model.{k}': v for k, v in SMALL.items()})
    model_cfg.model.update(overrides)
    return MODELS.build(model_cfg.model)


def pair_batch(batch=2, size=64):
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (2, 3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    samples = []
    for _ in range(batch):
        sample = PairDataSample(metainfo=dict(img_shape=(size, size)))
        for key in ('gt_src_mask', 'gt_tgt_mask'):
            mask = torch.zeros(1, size, size)
            mask[:, size // 4:3 * size // 4, size // 4:3 * size // 4] = 1
            setattr(sample, key, PixelData(data=mask))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('config', CONFIGS)
def test_configs_build_train_and_predict(config):
    model = build(config, freeze_backbone=False)
    data = model.data_preprocessor(pair_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_MaskConsistencyLoss',
                           'loss_FlowConsistencyLoss',
                           'loss_FlowSmoothnessLoss'}
    sum(losses.values()).backward()
    assert model.backbone.conv1.weight.grad is not None  # unfrozen
    model.eval()
    with torch.no_grad():
        out = model(**model.data_preprocessor(pair_batch(1)), mode='predict')
    assert out[0].pred_grid_t2s.shape == (4, 4, 2)  # 64 px / stride 16


def test_frozen_backbone_stays_frozen():
    model = build(CONFIGS[0])
    model.train()
    assert not model.backbone.training
    assert not any(p.requires_grad for p in model.backbone.parameters())
    data = model.data_preprocessor(pair_batch(), True)
    sum(model(**data, mode='loss').values()).backward()
    assert model.adapt_fine.units[0].conv.weight.grad is not None


def test_bad_input_shape():
    model = build(CONFIGS[0])
    with pytest.raises(ValueError, match=r'image pairs \[B, 2, 3, H, W\]'):
        model(torch.zeros(1, 3, 64, 64))


def write_pf_pascal(root):
    """Two pairs of a 64x80 image with itself: keypoints map exactly."""
    folder = osp.join(root, 'JPEGImages')
    os.makedirs(folder)
    image = np.random.RandomState(0).randint(0, 256, (64, 80, 3), np.uint8)
    cv2.imwrite(osp.join(folder, 'a.png'), image)
    xs, ys = '10;40;70', '8;30;55'
    with open(osp.join(root, 'bbox_test_pairs_pf_pascal.csv'), 'w',
              newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['source_image', 'target_image', 'class', 'XA', 'YA',
                         'XB', 'YB', 'L_pck'])
        for cls in (8, 13):
            writer.writerow(['JPEGImages/a.png', 'JPEGImages/a.png', cls, xs,
                             ys, xs, ys, 60])


def test_tools_test_evaluates_pf_pascal(tmp_path, run_tool):
    root = str(tmp_path / 'PF_Pascal')
    write_pf_pascal(root)
    config = 'configs/semantic_flow_matcher/' \
        'semantic-flow-matcher_r101_pf-pascal-test.py'
    checkpoint = str(tmp_path / 'small.pth')
    torch.save({'state_dict': build(config).state_dict()}, checkpoint)
    metrics = str(tmp_path / 'metrics.json')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir',
              str(tmp_path / 'work'), '--metrics-file', metrics,
              '--cfg-options', f'test_dataloader.dataset.data_root={root}',
              'test_dataloader.num_workers=0',
              'test_dataloader.persistent_workers=False',
              'model.backbone.depth=18', 'model.backbone.init_cfg=None',
              'model.adaptation_channels=[256,512]'])
    with open(metrics) as f:
        result = json.load(f)
    assert set(result) >= {'PCK@0.05', 'PCK@0.1', 'PCK@0.15'}
    assert all(0 <= v <= 100 for v in result.values())
